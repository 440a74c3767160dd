//! Guests, their side: opening a link (password, name and e-mail, and a one-time code when the
//! link asks for a proven address), what the session sees of the link, the assets in its scope,
//! and leaving.

use frameproof_domain::{Action, AssetId, GuestSessionId, Timestamp, VersionId, validate};
use frameproof_store::shares::{self, AccessEntry, GuestSessionRow, LinkRow, NewGuestSession};
use frameproof_store::{Conn, accounts, assets};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::accounts::ClientInfo;
use super::shares::Permissions;
use super::{new_uuid, throttle};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::guests::{self, Guest, link_not_found};
use crate::model::{AssetView, Page};
use crate::state::AppState;

/// A one-time code works this long, and this many tries.
const CODE_LIFETIME_MS: i64 = 15 * 60_000;
const CODE_TRIES: i64 = 5;

/// What a guest sees of their link.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuestLinkView {
    pub name: String,
    pub message: String,
    /// `asset`, `version`, `folder`, `project` or `list`.
    pub scope: String,
    /// The asset of an asset or version link (open it directly).
    pub asset_id: Option<AssetId>,
    /// The version of a version link.
    pub version_id: Option<VersionId>,
    pub permissions: Permissions,
    /// `current` or `all`.
    pub versions: String,
    pub expires_at: Option<Timestamp>,
}

/// A guest's session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuestSessionView {
    pub id: GuestSessionId,
    pub name: String,
    pub email: String,
    /// The e-mail was proven with a mailed code.
    pub verified: bool,
    pub expires_at: Timestamp,
    pub link: GuestLinkView,
}

fn link_view(l: &LinkRow) -> GuestLinkView {
    GuestLinkView {
        name: l.name.clone(),
        message: l.message.clone(),
        scope: l.scope.clone(),
        asset_id: l.asset_id.map(AssetId),
        version_id: l.version_id.map(VersionId),
        permissions: Permissions {
            comment: l.can_comment,
            decide: l.can_decide,
            download_proxy: l.can_download_proxy,
            download_original: l.can_download_original,
        },
        versions: l.versions.clone(),
        expires_at: l.expires_at.map(Timestamp),
    }
}

fn session_view(s: &GuestSessionRow, l: &LinkRow) -> GuestSessionView {
    GuestSessionView {
        id: s.id,
        name: s.name.clone(),
        email: s.email.clone(),
        verified: s.verified_at.is_some(),
        expires_at: Timestamp(s.expires_at),
        link: link_view(l),
    }
}

/// What the page at `/s/{token}` asks before anything else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkPreview {
    /// Ask for the password first.
    pub password_required: bool,
    /// The guest's e-mail will be proven with a mailed code.
    pub verification_required: bool,
    /// The link's title (absent while a password guards it).
    pub name: Option<String>,
    /// This browser's open session on the link, when it has one (the guest goes straight in).
    pub session: Option<GuestSessionView>,
    /// This browser's session on the link waits for its mailed code (the page asks for it).
    pub verification_pending: bool,
}

/// Refuses with 429 when `key` failed too often (see [`throttle::refuse_if_backing_off`]).
async fn check_attempts(state: &AppState, c: &mut Conn, key: &str) -> ApiResult<()> {
    let limits = &state.config().limits;
    let rule = throttle::Rule {
        attempts: limits.share_password_attempts,
        window_ms: limits.share_password_window_secs * 1000,
    };
    throttle::refuse_if_backing_off(c, key, rule, state.now().0).await
}

async fn live_link(c: &mut Conn, token: &str, now: i64) -> ApiResult<LinkRow> {
    let link = shares::link_by_hash(c, &auth::hash_token(token)).await?.ok_or_else(link_not_found)?;
    if !link.live(now) {
        return Err(link_not_found());
    }
    Ok(link)
}

/// The link's page: whether it needs a password and a proven e-mail. Unknown, expired and
/// revoked links are 404 `link-not-found` alike.
pub async fn preview(state: &AppState, token: &str, session_token: Option<&str>) -> ApiResult<LinkPreview> {
    let link = {
        let mut c = state.store().reader().await?;
        live_link(&mut c, token, state.now().0).await?
    };
    let session = match session_token {
        Some(t) => guests::resolve(state, t, None).await.ok().filter(|g| g.link.id == link.id).map(|g| current(&g)),
        None => None,
    };
    let now = state.now().0;
    let verification_pending = match (session_token, &session) {
        (Some(t), None) => {
            let mut c = state.store().reader().await?;
            shares::session_by_hash(&mut c, &auth::hash_token(t)).await?.is_some_and(|s| {
                s.link_id == link.id
                    && s.revoked_at.is_none()
                    && s.expires_at > now
                    && s.verified_at.is_none()
                    && s.code_expires_at.is_some_and(|e| e > now)
                    && s.code_attempts < CODE_TRIES
            })
        }
        _ => false,
    };
    Ok(LinkPreview {
        password_required: link.password_hash.is_some(),
        verification_required: guests::needs_verification(&link),
        name: (link.password_hash.is_none() || session.is_some() || verification_pending).then(|| link.name.clone()),
        session,
        verification_pending,
    })
}

/// `POST /api/v1/guest/sessions`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartGuestSession {
    /// The token of the link (the last part of `/s/{token}`).
    pub token: String,
    pub password: Option<String>,
    pub name: String,
    pub email: String,
}

/// A started session: open now, or waiting for the mailed code.
pub enum Started {
    Open(Box<GuestSessionView>),
    VerificationSent,
}

/// A new session's cookie.
pub struct GuestCookie {
    pub token: String,
    pub max_age_secs: i64,
}

fn code_hash(session: GuestSessionId, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(session.0.as_bytes());
    h.update(code.as_bytes());
    h.finalize().to_vec()
}

async fn log_entry(
    c: &mut Conn,
    link: &LinkRow,
    session: Option<&GuestSessionRow>,
    ip: &str,
    action: &str,
    (name, email): (Option<&str>, Option<&str>),
    now: i64,
) -> ApiResult<()> {
    shares::log_access(
        c,
        &AccessEntry {
            link_id: link.id,
            session: session.map(|s| s.id),
            at: now,
            ip,
            action,
            name: session.map(|s| s.name.as_str()).or(name),
            email: session.map(|s| s.email.as_str()).or(email),
            asset_id: None,
            version_id: None,
            detail: &serde_json::json!({}),
        },
    )
    .await?;
    Ok(())
}

/// Opens a guest session on a link: password (when set, limited per link and per address),
/// then name and e-mail; a link that limits domains, grants decisions or counts viewers first
/// mails a one-time code (202), and the session opens at [`verify`].
pub async fn start(state: &AppState, req: StartGuestSession, client: &ClientInfo) -> ApiResult<(Started, GuestCookie)> {
    let now = state.now().0;
    let ip = client.ip_text();
    let link = {
        let mut c = state.store().reader().await?;
        live_link(&mut c, req.token.trim(), now).await?
    };
    if let Some(hash) = &link.password_hash {
        let link_key = format!("share-password:{}", link.id);
        let ip_key = format!("share-password-ip:{ip}");
        {
            let mut c = state.store().reader().await?;
            check_attempts(state, &mut c, &link_key).await?;
            check_attempts(state, &mut c, &ip_key).await?;
        }
        let Some(given) = req.password.clone().filter(|p| !p.is_empty()) else {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "password-required",
                "this link is protected by a password",
            ));
        };
        if !auth::verify_password(given, Some(hash.clone())).await {
            let mut tx = state.store().begin().await?;
            accounts::record_login_failure(&mut tx, &link_key, now).await?;
            accounts::record_login_failure(&mut tx, &ip_key, now).await?;
            log_entry(&mut tx, &link, None, &ip, "password-failed", (None, None), now).await?;
            tx.commit().await?;
            return Err(ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "password-wrong", "the password is wrong"));
        }
    }
    let name = validate::name("name", &req.name)?;
    let email = validate::email(&req.email)?;
    // A wrong domain gets the answer an unknown link gets.
    if !guests::domain_allowed(&link, &email) {
        return Err(link_not_found());
    }
    let verify = guests::needs_verification(&link);
    let token = auth::new_secret();
    let lifetime = state.config().limits.guest_session_hours * 3_600_000;
    // Not capped at the link's expiry: every request checks the link, so extending it revives
    // open sessions too.
    let expires_at = now + lifetime;
    let id = GuestSessionId(new_uuid(Timestamp(now)));
    let code = verify.then(|| format!("{:06}", rand::random_range(0..1_000_000u32)));
    let hash = code.as_deref().map(|c| code_hash(id, c));
    let mut tx = state.store().begin().await?;
    if verify && viewer_limit_reached(&mut tx, &link, &email).await? {
        log_entry(&mut tx, &link, None, &ip, "viewer-limit", (Some(&name), Some(&email)), now).await?;
        tx.commit().await?;
        return Err(viewer_limit());
    }
    shares::insert_session(
        &mut tx,
        &NewGuestSession {
            id,
            link_id: link.id,
            token_hash: &auth::hash_token(&token),
            name: &name,
            email: &email,
            verified: false,
            code_hash: hash.as_deref(),
            code_expires_at: code.as_ref().map(|_| now + CODE_LIFETIME_MS),
            expires_at,
            ip: &ip,
            user_agent: &client.user_agent,
            now,
        },
    )
    .await?;
    let session = shares::session(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let started = match &code {
        Some(code) => {
            crate::mail::verification_code(&mut tx, &email, &link.name, code, now).await?;
            log_entry(&mut tx, &link, Some(&session), &ip, "verification-sent", (None, None), now).await?;
            Started::VerificationSent
        }
        None => {
            log_entry(&mut tx, &link, Some(&session), &ip, "opened", (None, None), now).await?;
            Started::Open(Box::new(session_view(&session, &link)))
        }
    };
    tx.commit().await?;
    if code.is_some() {
        state.wake_mailer();
    }
    Ok((started, GuestCookie { token, max_age_secs: (expires_at - now) / 1000 }))
}

fn viewer_limit() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "link-viewer-limit",
        "this link has been opened by as many people as it allows; ask whoever sent it",
    )
}

/// Whether a new person would exceed the link's maximum of distinct viewers.
async fn viewer_limit_reached(c: &mut Conn, link: &LinkRow, email: &str) -> ApiResult<bool> {
    let Some(max) = link.max_viewers else { return Ok(false) };
    Ok(!shares::is_viewer(&mut *c, link.id, email).await? && shares::viewer_count(&mut *c, link.id).await? >= max)
}

/// `POST /api/v1/guest/sessions/verify`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyGuest {
    /// The six-digit code from the mail.
    pub code: String,
}

/// Proves the pending session's e-mail with the mailed code; the session opens.
pub async fn verify(
    state: &AppState,
    session_token: &str,
    req: VerifyGuest,
    client: &ClientInfo,
) -> ApiResult<GuestSessionView> {
    let now = state.now().0;
    let ip = client.ip_text();
    let mut tx = state.store().begin().await?;
    let session =
        shares::session_by_hash(&mut tx, &auth::hash_token(session_token)).await?.ok_or_else(link_not_found)?;
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(link_not_found());
    }
    let link = shares::link(&mut tx, session.link_id).await?.filter(|l| l.live(now)).ok_or_else(link_not_found)?;
    if session.verified_at.is_some() {
        return Ok(session_view(&session, &link));
    }
    let (Some(expected), Some(until)) = (&session.code_hash, session.code_expires_at) else {
        return Err(link_not_found());
    };
    if session.code_attempts >= CODE_TRIES {
        shares::end_session(&mut tx, session.id, now).await?;
        tx.commit().await?;
        let mut e = ApiError::too_many_attempts(1);
        e.message = String::from("too many wrong codes; open the link again for a new one");
        return Err(e);
    }
    if now >= until {
        return Err(ApiError::bad_request("code-expired", "the code has expired; open the link again for a new one"));
    }
    let given = code_hash(session.id, req.code.trim());
    if !bool::from(given.ct_eq(expected)) {
        shares::count_code_attempt(&mut tx, session.id).await?;
        tx.commit().await?;
        let left = CODE_TRIES - session.code_attempts - 1;
        return Err(ApiError::bad_request(
            "code-wrong",
            if left > 0 {
                format!("that code is wrong; {left} {} left", if left == 1 { "try" } else { "tries" })
            } else {
                String::from("that code is wrong; open the link again for a new one")
            },
        ));
    }
    if viewer_limit_reached(&mut tx, &link, &session.email).await? {
        log_entry(&mut tx, &link, Some(&session), &ip, "viewer-limit", (None, None), now).await?;
        tx.commit().await?;
        return Err(viewer_limit());
    }
    shares::add_viewer(&mut tx, link.id, &session.email, now).await?;
    shares::mark_verified(&mut tx, session.id, now).await?;
    log_entry(&mut tx, &link, Some(&session), &ip, "verified", (None, None), now).await?;
    log_entry(&mut tx, &link, Some(&session), &ip, "opened", (None, None), now).await?;
    let session = shares::session(&mut tx, session.id).await?.ok_or_else(link_not_found)?;
    tx.commit().await?;
    Ok(session_view(&session, &link))
}

/// The caller's guest session.
pub fn current(g: &Guest) -> GuestSessionView {
    session_view(&g.session, &g.link)
}

/// Ends the guest session a cookie carries, open or still waiting for its code (the route
/// clears the cookie). An unknown or ended session is 404 `link-not-found`.
pub async fn leave(state: &AppState, session_token: &str, client: &ClientInfo) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let session =
        shares::session_by_hash(&mut tx, &auth::hash_token(session_token)).await?.ok_or_else(link_not_found)?;
    if !shares::end_session(&mut tx, session.id, now).await? {
        return Err(link_not_found());
    }
    if let Some(link) = shares::link(&mut tx, session.link_id).await? {
        log_entry(&mut tx, &link, Some(&session), &client.ip_text(), "left", (None, None), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `GET /api/v1/guest/assets`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuestAssetParams {
    /// Assets per page (default 50, at most the server's `limits.max_page_size`).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The assets the link reaches (a folder link: what the folder holds now, subfolders included).
pub async fn assets(state: &AppState, g: &Guest, q: GuestAssetParams) -> ApiResult<Page<AssetView>> {
    let limit = super::page_limit(state, q.limit, 50)? as usize;
    let start = match q.cursor.as_deref() {
        None => 0,
        Some(c) => {
            c.parse::<usize>().map_err(|_| ApiError::bad_request("invalid-cursor", "the cursor is not valid"))?
        }
    };
    let mut c = state.store().reader().await?;
    let ids = shares::assets_in_scope(&mut c, &g.link).await?;
    let mut items = Vec::new();
    for id in ids.iter().skip(start).take(limit) {
        if let Some(row) = assets::get(&mut c, AssetId(*id)).await? {
            let mut v = AssetView::from(&row);
            super::assets::guest_view(g, &mut v);
            super::versions::sign_poster(state, &mut v);
            items.push(v);
        }
    }
    let next_cursor = (start + limit < ids.len()).then(|| (start + limit).to_string());
    Ok(Page { items, next_cursor })
}

/// Refuses (403) a download the guest's link does not allow.
pub fn may_download(g: &Guest, original: bool) -> ApiResult<()> {
    let allowed = if original { g.may(Action::DownloadOriginal) } else { g.link.can_download_proxy };
    if !allowed {
        return Err(ApiError::forbidden(if original {
            "this link does not let you download the original"
        } else {
            "this link does not let you download"
        }));
    }
    Ok(())
}

/// The access-log line of a guest's download.
pub async fn log_download(
    state: &AppState,
    g: &Guest,
    original: bool,
    asset: AssetId,
    version: VersionId,
) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let action = if original { "downloaded-original" } else { "downloaded-proxy" };
    super::shares::log(&mut tx, g, action, (Some(asset), Some(version)), &serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(())
}
