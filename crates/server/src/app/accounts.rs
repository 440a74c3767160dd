//! Set-up, sign-in, sign-out, the caller's own account, sessions and API tokens.

use frameproof_domain::{Role, UserId, WorkspaceId, event, validate};
use frameproof_store::accounts::{self, NewApiToken, NewSession, NewUser, UserRow};
use frameproof_store::{Conn, workspaces};
use serde::Deserialize;
use uuid::Uuid;

use super::{new_uuid, throttle};
use crate::auth::{self, API_TOKEN_PREFIX, Credential, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{ApiTokenView, SessionView, UserView, WorkspaceEvent, WorkspaceView};
use crate::state::AppState;

/// Where a request came from, recorded on the sessions it opens.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: String,
    /// The browser's known-device cookie, when it sent one (see [`login`]).
    pub device: Option<String>,
}

impl ClientInfo {
    /// The address as text (`unknown` without one), as sessions and access logs record it.
    pub fn ip_text(&self) -> String {
        self.ip.map(|i| i.to_string()).unwrap_or_else(|| String::from("unknown"))
    }
}

/// A freshly opened session: the token goes into the cookie, never into a body.
pub struct OpenedSession {
    pub token: String,
    pub max_age_secs: i64,
}

/// Creates a session row for `user` and returns its token.
pub(crate) async fn open_session_in(
    state: &AppState,
    c: &mut Conn,
    user: UserId,
    client: &ClientInfo,
) -> ApiResult<OpenedSession> {
    let now = state.now();
    let token = auth::new_secret();
    let idle_secs = state.config().limits.session_idle_hours * 3600;
    accounts::insert_session(
        c,
        &NewSession {
            id: new_uuid(now),
            user_id: user,
            token_hash: &auth::hash_token(&token),
            now: now.0,
            expires_at: now.plus_secs(idle_secs).0,
            ip: &client.ip_text(),
            user_agent: &client.user_agent.chars().take(512).collect::<String>(),
        },
    )
    .await?;
    Ok(OpenedSession { token, max_age_secs: idle_secs })
}

/// Makes the set-up token for a server with no users; `None` once anyone exists. The token is
/// printed once and replaces any earlier one.
pub async fn prepare_setup(state: &AppState) -> ApiResult<Option<String>> {
    let mut tx = state.store().begin().await?;
    if accounts::count_users(&mut tx).await? > 0 {
        return Ok(None);
    }
    let token = auth::new_secret();
    accounts::replace_setup_token(&mut tx, &auth::hash_token(&token), state.now().0).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// `POST /api/v1/setup`: the first person becomes the owner of the first workspace.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// The token from the set-up link printed at start.
    pub token: String,
    pub email: String,
    pub name: String,
    pub password: String,
    /// The first workspace's name.
    pub workspace_name: String,
}

/// What set-up and accepting an invitation answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Welcome {
    pub user: UserView,
    pub workspace: WorkspaceView,
}

pub async fn setup(state: &AppState, req: SetupRequest, client: &ClientInfo) -> ApiResult<(Welcome, OpenedSession)> {
    let email = validate::email(&req.email)?;
    let name = validate::name("name", &req.name)?;
    let ws_name = validate::name("workspace_name", &req.workspace_name)?;
    validate::password(&req.password)?;
    let hash = auth::hash_password(req.password).await?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    if accounts::count_users(&mut tx).await? > 0 {
        return Err(ApiError::conflict("setup-done", "this server is already set up; sign in instead"));
    }
    if !accounts::consume_setup_token(&mut tx, &auth::hash_token(&req.token)).await? {
        return Err(ApiError::forbidden("the set-up token is not valid; use the link the server printed at start")
            .with_code("setup-token-invalid"));
    }
    let user_id = UserId(new_uuid(now));
    accounts::insert_user(
        &mut tx,
        &NewUser { id: user_id, email: &email, name: &name, password_hash: &hash, now: now.0 },
    )
    .await?;
    let ws_id = WorkspaceId(new_uuid(now));
    workspaces::insert_workspace(&mut tx, ws_id, &ws_name, state.config().limits.default_quota_bytes, now.0).await?;
    workspaces::insert_member(&mut tx, ws_id, user_id, Role::Owner, now.0).await?;
    super::briefs::ensure_standard_template(&mut tx, ws_id, now).await?;
    let ws = workspaces::workspace(&mut tx, ws_id).await?.ok_or_else(ApiError::not_found)?;
    let view = WorkspaceView::new(&ws, Role::Owner);
    let actor = Actor { kind: "user", id: Some(user_id.to_string()), name: name.clone() };
    record(&mut tx, event::WORKSPACE_CREATED, now.0, &actor, EventScope::workspace(ws_id), &WorkspaceEvent::from(&ws))
        .await?;
    let session = open_session_in(state, &mut tx, user_id, client).await?;
    let user = accounts::user_by_id(&mut tx, user_id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok((Welcome { user: UserView::from(&user), workspace: view }, session))
}

/// Whether the server still waits for its first user.
pub async fn needs_setup(state: &AppState) -> ApiResult<bool> {
    let mut c = state.store().reader().await?;
    Ok(accounts::count_users(&mut c).await? == 0)
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// What a successful sign-in hands the route: the session, and a known-device token to set as
/// a cookie when this browser had none for the account.
pub struct SignedIn {
    pub user: UserView,
    pub session: OpenedSession,
    pub new_device: Option<String>,
}

/// Signs in. A wrong e-mail and a wrong password get the same answer in the same time.
///
/// Guessing is limited three ways, all counted in the database (a restart forgets nothing):
/// - per account and client address (per account and device for a known device): after
///   `login_failures_per_account_and_ip` failures in the window that address is refused for the
///   account, even the right password, with a back-off that grows while it keeps failing;
/// - per client address over all accounts (`login_failures_per_ip`), likewise;
/// - per account from anywhere: past `login_failures_per_account` failures in the window, tries
///   from browsers that never signed in to the account are slowed to one per
///   `login_slow_interval_secs`. A known device (its `fp_device` cookie, set at each successful
///   sign-in) is never slowed by others' failures, so nobody can keep the owner out by
///   guessing at their address.
pub async fn login(state: &AppState, req: LoginRequest, client: &ClientInfo) -> ApiResult<SignedIn> {
    let email = req.email.trim().to_lowercase();
    let limits = &state.config().limits;
    let window_ms = limits.login_failure_window_secs * 1000;
    let now = state.now().0;
    let account_key = format!("login-account:{email}");
    let ip_key = format!("login-ip:{}", client.ip_text());
    let device_hash = client.device.as_deref().filter(|d| !d.is_empty()).map(auth::hash_token);
    let (user, known_device, pair_key) = {
        let mut c = state.store().reader().await?;
        let user = accounts::user_by_email(&mut c, &email).await?;
        let known_device = match (&user, &device_hash) {
            (Some(u), Some(hash)) => accounts::is_known_device(&mut c, hash, u.id).await?,
            _ => false,
        };
        let pair_key = match &device_hash {
            Some(hash) if known_device => format!("login-device:{}", hex::encode(hash)),
            _ => format!("login-pair:{email}|{}", client.ip_text()),
        };
        let pair = throttle::Rule { attempts: limits.login_failures_per_account_and_ip, window_ms };
        throttle::refuse_if_backing_off(&mut c, &pair_key, pair, now).await?;
        if !known_device {
            let ip = throttle::Rule { attempts: limits.login_failures_per_ip, window_ms };
            throttle::refuse_if_backing_off(&mut c, &ip_key, ip, now).await?;
            let interval_ms = limits.login_slow_interval_secs * 1000;
            throttle::refuse_if_too_soon(
                &mut c,
                &account_key,
                limits.login_failures_per_account,
                window_ms,
                interval_ms,
                now,
            )
            .await?;
        }
        (user, known_device, pair_key)
    };
    let ok = auth::verify_password(req.password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            accounts::record_login_failure(&mut tx, &pair_key, now).await?;
            accounts::record_login_failure(&mut tx, &account_key, now).await?;
            if !known_device {
                accounts::record_login_failure(&mut tx, &ip_key, now).await?;
            }
            tx.commit().await?;
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "the e-mail or the password is wrong",
            ));
        }
    };
    // The account's own count is left to age out: a success says nothing about the others.
    accounts::clear_login_failures(&mut tx, &pair_key).await?;
    let new_device = match &device_hash {
        Some(hash) if known_device && accounts::touch_known_device(&mut tx, hash, user.id, now).await? => None,
        _ => {
            let token = auth::new_secret();
            accounts::insert_known_device(&mut tx, &auth::hash_token(&token), user.id, now).await?;
            Some(token)
        }
    };
    let session = open_session_in(state, &mut tx, user.id, client).await?;
    tx.commit().await?;
    Ok(SignedIn { user: UserView::from(&user), session, new_device })
}

/// Ends the caller's session (API tokens are revoked through the tokens routes).
pub async fn logout(state: &AppState, p: &Principal) -> ApiResult<()> {
    if let Credential::Session(id) = p.credential {
        let mut tx = state.store().begin().await?;
        accounts::revoke_session(&mut tx, p.user_id, id, state.now().0).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The caller and the workspaces they belong to.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub user: UserView,
    pub workspaces: Vec<WorkspaceView>,
}

async fn user_row(c: &mut Conn, p: &Principal) -> ApiResult<UserRow> {
    accounts::user_by_id(c, p.user_id).await?.ok_or_else(ApiError::unauthorized)
}

pub async fn account(state: &AppState, p: &Principal) -> ApiResult<AccountView> {
    let mut c = state.store().reader().await?;
    let user = user_row(&mut c, p).await?;
    let workspaces = workspaces::workspaces_of(&mut c, p.user_id)
        .await?
        .iter()
        .map(|w| WorkspaceView::new(&w.workspace, Role::parse(&w.role).unwrap_or(Role::Reviewer)))
        .collect();
    Ok(AccountView { user: UserView::from(&user), workspaces })
}

/// `PATCH /api/v1/account`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    pub name: Option<String>,
}

pub async fn update_account(state: &AppState, p: &Principal, req: UpdateAccount) -> ApiResult<UserView> {
    let mut tx = state.store().begin().await?;
    if let Some(name) = req.name {
        let name = validate::name("name", &name)?;
        accounts::set_user_name(&mut tx, p.user_id, &name, state.now().0).await?;
    }
    let user = user_row(&mut tx, p).await?;
    tx.commit().await?;
    // Comments written from now on carry the new name.
    state.known_credentials().forget_user(p.user_id);
    Ok(UserView::from(&user))
}

/// `POST /api/v1/account/password`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password and signs out their other sessions.
pub async fn change_password(state: &AppState, p: &Principal, req: ChangePassword) -> ApiResult<()> {
    validate::password(&req.new_password)?;
    let current = {
        let mut c = state.store().reader().await?;
        user_row(&mut c, p).await?.password_hash
    };
    if !auth::verify_password(req.current_password, Some(current)).await {
        return Err(ApiError::forbidden("the current password is wrong").with_code("password-wrong"));
    }
    let hash = auth::hash_password(req.new_password).await?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    accounts::set_password(&mut tx, p.user_id, &hash, now).await?;
    let keep = match p.credential {
        Credential::Session(id) => Some(id),
        Credential::ApiToken(_) => None,
    };
    accounts::revoke_user_sessions(&mut tx, p.user_id, keep, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sessions(state: &AppState, p: &Principal) -> ApiResult<Vec<SessionView>> {
    let mut c = state.store().reader().await?;
    let current = match p.credential {
        Credential::Session(id) => Some(id),
        Credential::ApiToken(_) => None,
    };
    Ok(accounts::list_sessions(&mut c, p.user_id, state.now().0)
        .await?
        .iter()
        .map(|s| SessionView::new(s, current))
        .collect())
}

pub async fn revoke_session(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<()> {
    let mut tx = state.store().begin().await?;
    if !accounts::revoke_session(&mut tx, p.user_id, id, state.now().0).await? {
        return Err(ApiError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// Signs out every other session of the caller; answers how many.
pub async fn revoke_other_sessions(state: &AppState, p: &Principal) -> ApiResult<u64> {
    let keep = match p.credential {
        Credential::Session(id) => Some(id),
        Credential::ApiToken(_) => None,
    };
    let mut tx = state.store().begin().await?;
    let n = accounts::revoke_user_sessions(&mut tx, p.user_id, keep, state.now().0).await?;
    tx.commit().await?;
    Ok(n)
}

/// `POST /api/v1/account/tokens`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, e.g. "render farm upload script".
    pub name: String,
    /// Days until it stops working; omit for no expiry.
    pub expires_in_days: Option<u32>,
}

/// A new API token: `token` is shown this once and never again.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: ApiTokenView,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Creates an API token for `user` inside the caller's transaction (also used by
/// `admin create-token`).
pub async fn create_token_in(
    c: &mut Conn,
    user: UserId,
    name: &str,
    expires_at: Option<i64>,
    now: frameproof_domain::Timestamp,
) -> ApiResult<CreatedToken> {
    let name = validate::name("name", name)?;
    let token = format!("{API_TOKEN_PREFIX}{}", auth::new_secret());
    let id = new_uuid(now);
    accounts::insert_api_token(
        c,
        &NewApiToken { id, user_id: user, name: &name, token_hash: &auth::hash_token(&token), now: now.0, expires_at },
    )
    .await?;
    let row =
        accounts::list_api_tokens(c, user).await?.into_iter().find(|t| t.id == id).ok_or_else(ApiError::not_found)?;
    Ok(CreatedToken { info: ApiTokenView::from(&row), token })
}

pub async fn create_token(state: &AppState, p: &Principal, req: CreateToken) -> ApiResult<CreatedToken> {
    let now = state.now();
    let expires_at = match req.expires_in_days {
        Some(0) => return Err(ApiError::bad_request("invalid-expiry", "expires_in_days must be at least 1")),
        Some(d) => Some(now.plus_secs(i64::from(d) * 86_400).0),
        None => None,
    };
    let mut tx = state.store().begin().await?;
    let created = create_token_in(&mut tx, p.user_id, &req.name, expires_at, now).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn tokens(state: &AppState, p: &Principal) -> ApiResult<Vec<ApiTokenView>> {
    let mut c = state.store().reader().await?;
    Ok(accounts::list_api_tokens(&mut c, p.user_id).await?.iter().map(ApiTokenView::from).collect())
}

pub async fn revoke_token(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<()> {
    let mut tx = state.store().begin().await?;
    if !accounts::revoke_api_token(&mut tx, p.user_id, id, state.now().0).await? {
        return Err(ApiError::not_found());
    }
    tx.commit().await?;
    Ok(())
}
