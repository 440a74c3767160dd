//! Share links, the producer's side: create one for an asset, a version, a folder, a project or
//! a hand-picked list of assets; change its options (the URL stays); revoke it; read who opened
//! it and what they did; send it to people; keep named recipient lists.

use frameproof_domain::{
    Action, AssetId, FolderId, ProjectId, RecipientListId, ShareLinkId, Timestamp, VersionId, WorkspaceId, event,
    validate,
};
use frameproof_store::Conn;
use frameproof_store::WriteTx;
use frameproof_store::projects::ProjectRow;
use frameproof_store::shares::{self, AccessEntry, LinkRow, LinkSettings, NewLink};
use serde::{Deserialize, Serialize};

use super::new_uuid;
use crate::access::{self, require, require_not_archived};
use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::guests::Guest;
use crate::model::Page;
use crate::state::AppState;

/// The most assets a review list may hold, and the most recipients one send may name.
const MAX_LIST_ASSETS: usize = 500;
const MAX_RECIPIENTS: usize = 100;
const MAX_DOMAINS: usize = 20;
const MAX_MESSAGE_CHARS: usize = 4000;

/// Appends an access-log entry for a guest's action.
pub async fn log(
    c: &mut Conn,
    g: &Guest,
    action: &str,
    (asset, version): (Option<AssetId>, Option<VersionId>),
    detail: &serde_json::Value,
    now: i64,
) -> ApiResult<()> {
    shares::log_access(
        c,
        &AccessEntry {
            link_id: g.link.id,
            session: Some(g.session.id),
            at: now,
            ip: &g.ip,
            action,
            name: Some(&g.session.name),
            email: Some(&g.session.email),
            asset_id: asset,
            version_id: version,
            detail,
        },
    )
    .await?;
    Ok(())
}

/// What a link lets its guests do.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Comment, reply and draw.
    #[serde(default)]
    pub comment: bool,
    /// Approve or request changes (the guest proves their e-mail first).
    #[serde(default)]
    pub decide: bool,
    /// Download the proxy (watching is always allowed).
    #[serde(default)]
    pub download_proxy: bool,
    /// Download the original file.
    #[serde(default)]
    pub download_original: bool,
}

/// A share link as producers see it (never its token: only its hash is kept).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShareLinkView {
    pub id: ShareLinkId,
    pub project_id: ProjectId,
    /// `asset`, `version`, `folder`, `project` or `list`.
    pub scope: String,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    pub folder_id: Option<FolderId>,
    /// A review list's assets, in order.
    pub asset_ids: Vec<AssetId>,
    pub name: String,
    pub message: String,
    pub permissions: Permissions,
    /// `current` (each asset's current version) or `all` (the whole stack).
    pub versions: String,
    pub expires_at: Option<Timestamp>,
    pub password_protected: bool,
    pub allowed_domains: Vec<String>,
    pub max_viewers: Option<i64>,
    /// Guests see the campaign's brief beside the player.
    pub show_brief: bool,
    /// Distinct proven e-mails that opened it.
    pub viewers: i64,
    /// Guest sessions opened on it.
    pub opens: i64,
    /// `active`, `expired` or `revoked`.
    pub state: &'static str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

fn view(l: &LinkRow, asset_ids: Vec<AssetId>, now: i64) -> ShareLinkView {
    ShareLinkView {
        id: l.id,
        project_id: l.project_id,
        scope: l.scope.clone(),
        asset_id: l.asset_id.map(AssetId),
        version_id: l.version_id.map(VersionId),
        folder_id: l.folder_id.map(FolderId),
        asset_ids,
        name: l.name.clone(),
        message: l.message.clone(),
        permissions: Permissions {
            comment: l.can_comment,
            decide: l.can_decide,
            download_proxy: l.can_download_proxy,
            download_original: l.can_download_original,
        },
        versions: l.versions.clone(),
        expires_at: l.expires_at.map(Timestamp),
        password_protected: l.password_hash.is_some(),
        allowed_domains: l.domains(),
        max_viewers: l.max_viewers,
        show_brief: l.show_brief,
        viewers: l.viewers,
        opens: l.opens,
        state: if l.revoked_at.is_some() {
            "revoked"
        } else if l.live(now) {
            "active"
        } else {
            "expired"
        },
        created_at: Timestamp(l.created_at),
        updated_at: Timestamp(l.updated_at),
        revoked_at: l.revoked_at.map(Timestamp),
    }
}

async fn full_view(c: &mut Conn, l: &LinkRow, now: i64) -> ApiResult<ShareLinkView> {
    let ids = if l.scope == "list" { shares::list_assets(c, l.id).await? } else { Vec::new() };
    let mut out = view(l, ids, now);
    out.viewers = shares::viewer_count(c, l.id).await?;
    out.opens = shares::open_count(c, l.id).await?;
    Ok(out)
}

/// `POST /api/v1/share-links`: exactly one of `asset_id`, `version_id`, `folder_id`,
/// `project_id` or `asset_ids` names what is shared.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShareLink {
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    /// A folder: what it holds now and later (subfolders included).
    pub folder_id: Option<FolderId>,
    pub project_id: Option<ProjectId>,
    /// A review list: these assets of one project, in this order.
    pub asset_ids: Option<Vec<AssetId>>,
    /// What recipients see as the link's title (default: what is shared).
    #[serde(default)]
    pub name: Option<String>,
    /// A note for the recipients (shown on the link's page and in the mail).
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub permissions: Permissions,
    /// `current` (default) or `all`.
    pub versions: Option<String>,
    /// When it stops working, to the hour (rounded up to the next full hour). Absent: never.
    pub expires_at: Option<Timestamp>,
    /// Guests must give it (argon2id-hashed; 4 to 200 characters).
    pub password: Option<String>,
    /// Only e-mails of these domains may open it (each proven with a one-time code).
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// At most this many distinct people (proven e-mails) may open it.
    pub max_viewers: Option<i64>,
    /// Guests see the campaign's brief (its revision in force) beside the player.
    #[serde(default)]
    pub show_brief: bool,
    /// Send the link to these addresses (needs mail).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// …and to everyone on these recipient lists.
    #[serde(default)]
    pub recipient_list_ids: Vec<RecipientListId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedShareLink {
    pub link: ShareLinkView,
    /// `<public url>/s/<token>`: shown this once (only the token's hash is kept).
    pub url: String,
    pub token: String,
    /// Addresses the link was sent to.
    pub sent_to: Vec<String>,
}

/// Rounds a time up to the next full hour (links expire on the hour).
fn to_the_hour(t: i64) -> i64 {
    let h = 3_600_000;
    t.div_euclid(h) * h + if t.rem_euclid(h) == 0 { 0 } else { h }
}

fn check_versions(v: Option<&str>) -> ApiResult<String> {
    match v.unwrap_or("current") {
        s @ ("current" | "all") => Ok(s.to_owned()),
        other => {
            Err(ApiError::bad_request("invalid-versions", format!("versions must be current or all, not {other:?}")))
        }
    }
}

fn check_message(m: &str) -> ApiResult<String> {
    if m.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::bad_request(
            "field-too-long",
            format!("message is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    validate::description(m).map_err(ApiError::from)
}

pub(crate) fn check_domains(list: &[String]) -> ApiResult<Vec<String>> {
    if list.len() > MAX_DOMAINS {
        return Err(ApiError::bad_request("too-many-domains", format!("allow at most {MAX_DOMAINS} domains")));
    }
    let mut out: Vec<String> = Vec::new();
    for d in list {
        let d = d.trim().trim_start_matches('@').to_lowercase();
        let ok = d.len() <= 253
            && d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !ok {
            return Err(ApiError::bad_request(
                "invalid-domain",
                format!("{d:?} is not an e-mail domain like example.com"),
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

fn check_max_viewers(m: Option<i64>) -> ApiResult<Option<i64>> {
    match m {
        Some(n) if !(1..=100_000).contains(&n) => {
            Err(ApiError::bad_request("invalid-max-viewers", "max_viewers must be from 1 to 100000"))
        }
        other => Ok(other),
    }
}

async fn hash_link_password(p: Option<String>) -> ApiResult<Option<String>> {
    match p {
        None => Ok(None),
        Some(p) => {
            let n = p.chars().count();
            if !(4..=200).contains(&n) {
                return Err(ApiError::bad_request("invalid-password", "a link password has 4 to 200 characters"));
            }
            Ok(Some(auth::hash_password(p).await?))
        }
    }
}

/// Refuses options that need e-mail when the server has no mail set up.
fn require_mail(state: &AppState, s: &LinkSettings, recipients: usize) -> ApiResult<()> {
    if state.mailer().is_some() {
        return Ok(());
    }
    let need = if recipients > 0 {
        Some("sending the link to recipients")
    } else if s.can_decide {
        Some("the decide permission (guests prove their e-mail with a mailed code)")
    } else if !s.allowed_domains.is_empty() {
        Some("allowed e-mail domains (guests prove their e-mail with a mailed code)")
    } else if s.max_viewers.is_some() {
        Some("a maximum number of viewers (each proven with a mailed code)")
    } else {
        None
    };
    match need {
        Some(what) => Err(ApiError::conflict(
            "mail-not-configured",
            format!("{what} needs e-mail, and this server has no [mail] settings; an admin sets them up first"),
        )),
        None => Ok(()),
    }
}

/// The addresses to send to: given ones and recipient lists', deduplicated and checked.
async fn recipients(
    c: &mut Conn,
    ws: WorkspaceId,
    given: &[String],
    lists: &[RecipientListId],
) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |e: &str| -> ApiResult<()> {
        let e = validate::email(e).map_err(ApiError::from)?;
        if !out.contains(&e) {
            out.push(e);
        }
        Ok(())
    };
    for e in given {
        add(e)?;
    }
    for id in lists {
        let list = shares::recipient_list(c, *id).await?.filter(|l| l.workspace_id == ws.0).ok_or_else(|| {
            ApiError::bad_request("unknown-recipient-list", format!("no recipient list {id} in this workspace"))
        })?;
        for e in list.addresses() {
            add(&e)?;
        }
    }
    if out.len() > MAX_RECIPIENTS {
        return Err(ApiError::bad_request("too-many-recipients", format!("send to at most {MAX_RECIPIENTS} people")));
    }
    Ok(out)
}

/// What a create request shares: the scope's name, the project, and the ids to store.
struct Target {
    scope: &'static str,
    project: ProjectRow,
    label: String,
    asset: Option<AssetId>,
    version: Option<VersionId>,
    folder: Option<FolderId>,
    list: Vec<AssetId>,
}

async fn target(c: &mut Conn, p: &Principal, req: &CreateShareLink) -> ApiResult<Target> {
    let given = [
        req.asset_id.is_some(),
        req.version_id.is_some(),
        req.folder_id.is_some(),
        req.project_id.is_some(),
        req.asset_ids.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::bad_request(
            "invalid-scope",
            "name exactly one of asset_id, version_id, folder_id, project_id or asset_ids",
        ));
    }
    let base = |scope: &'static str, project: ProjectRow, label: String| Target {
        scope,
        project,
        label,
        asset: None,
        version: None,
        folder: None,
        list: Vec::new(),
    };
    let t = if let Some(id) = req.asset_id {
        let (a, project, role) = access::asset(c, p, id, false).await?;
        require(role, Action::ManageReview)?;
        Target { asset: Some(a.id), ..base("asset", project, a.name) }
    } else if let Some(id) = req.version_id {
        let (v, a, project, role) = super::versions::reach(c, p, id).await?;
        require(role, Action::ManageReview)?;
        let label = format!("{} v{}", a.name, v.number);
        Target { asset: Some(a.id), version: Some(v.id), ..base("version", project, label) }
    } else if let Some(id) = req.folder_id {
        let (f, project, role) = access::folder(c, p, id, false).await?;
        require(role, Action::ManageReview)?;
        let label = if f.parent_id.is_none() { project.name.clone() } else { f.name.clone() };
        Target { folder: Some(f.id), ..base("folder", project, label) }
    } else if let Some(id) = req.project_id {
        let (project, role) = access::project(c, p, id, false).await?;
        require(role, Action::ManageReview)?;
        let label = project.name.clone();
        base("project", project, label)
    } else {
        let ids = req.asset_ids.clone().unwrap_or_default();
        if ids.is_empty() || ids.len() > MAX_LIST_ASSETS {
            return Err(ApiError::bad_request(
                "invalid-scope",
                format!("a review list holds 1 to {MAX_LIST_ASSETS} assets"),
            ));
        }
        let mut list: Vec<AssetId> = Vec::new();
        let mut project: Option<ProjectRow> = None;
        for id in ids {
            let (a, proj, role) = access::asset(c, p, id, false).await?;
            require(role, Action::ManageReview)?;
            if project.as_ref().is_some_and(|p| p.id != proj.id) {
                return Err(ApiError::bad_request("invalid-scope", "a review list's assets are of one project"));
            }
            project = Some(proj);
            if !list.contains(&a.id) {
                list.push(a.id);
            }
        }
        let project = project.ok_or_else(ApiError::not_found)?;
        let label = format!("{} ({} assets)", project.name, list.len());
        Target { list, ..base("list", project, label) }
    };
    require_not_archived(&t.project)?;
    Ok(t)
}

pub async fn create(state: &AppState, p: &Principal, req: CreateShareLink) -> ApiResult<CreatedShareLink> {
    let now = state.now().0;
    let password_hash = hash_link_password(req.password.clone()).await?;
    let name = match req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(validate::name("name", n)?),
        None => None,
    };
    let expires_at = match req.expires_at {
        Some(t) if to_the_hour(t.0) <= now => {
            return Err(ApiError::bad_request("invalid-expiry", "expires_at is in the past"));
        }
        Some(t) => Some(to_the_hour(t.0)),
        None => None,
    };
    let mut tx = state.store().begin().await?;
    let t = target(&mut tx, p, &req).await?;
    let settings = LinkSettings {
        name: name.unwrap_or_else(|| t.label.clone()),
        message: check_message(&req.message)?,
        can_comment: req.permissions.comment,
        can_decide: req.permissions.decide,
        can_download_proxy: req.permissions.download_proxy,
        can_download_original: req.permissions.download_original,
        versions: check_versions(req.versions.as_deref())?,
        expires_at,
        password_hash,
        allowed_domains: check_domains(&req.allowed_domains)?,
        max_viewers: check_max_viewers(req.max_viewers)?,
        show_brief: req.show_brief,
    };
    let to = recipients(&mut tx, t.project.workspace_id, &req.recipients, &req.recipient_list_ids).await?;
    require_mail(state, &settings, to.len())?;
    let token = auth::new_secret();
    let id = ShareLinkId(new_uuid(Timestamp(now)));
    shares::insert_link(
        &mut tx,
        &NewLink {
            id,
            workspace_id: t.project.workspace_id.0,
            project_id: t.project.id,
            scope: t.scope,
            asset_id: t.asset,
            version_id: t.version,
            folder_id: t.folder,
            list: &t.list,
            token_hash: &auth::hash_token(&token),
            settings: &settings,
            created_by: p.user_id,
            now,
        },
    )
    .await?;
    let row = shares::link(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let url = format!("{}/s/{token}", state.base_url());
    for addr in &to {
        crate::mail::share_link(&mut tx, addr, &p.name, &row, &url, now).await?;
    }
    let link = full_view(&mut tx, &row, now).await?;
    announce(&mut tx, event::SHARE_LINK_CREATED, now, p, &t.project, &link).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(CreatedShareLink { link, url, token, sent_to: to })
}

/// Share-link events are the team's (they carry settings, not secrets).
async fn announce(
    c: &mut WriteTx,
    kind: &str,
    now: i64,
    p: &Principal,
    project: &ProjectRow,
    link: &ShareLinkView,
) -> ApiResult<()> {
    let mut scope = EventScope::project(project.workspace_id, project.id);
    scope.team_only = true;
    record(c, kind, now, &Actor::user(p), scope, link).await?;
    Ok(())
}

/// A link the caller manages (members of its project's team).
async fn reach(c: &mut Conn, p: &Principal, id: ShareLinkId) -> ApiResult<(LinkRow, ProjectRow)> {
    let link = shares::link(&mut *c, id).await?.ok_or_else(ApiError::not_found)?;
    let (project, role) = access::project(&mut *c, p, link.project_id, false).await?;
    require(role, Action::ManageReview)?;
    Ok((link, project))
}

pub async fn list(state: &AppState, p: &Principal, project: ProjectId) -> ApiResult<Page<ShareLinkView>> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (project, role) = access::project(&mut c, p, project, false).await?;
    require(role, Action::ManageReview)?;
    let mut items = Vec::new();
    for l in shares::links_of_project(&mut c, project.id).await? {
        let ids = if l.scope == "list" { shares::list_assets(&mut c, l.id).await? } else { Vec::new() };
        items.push(view(&l, ids, now));
    }
    Ok(Page { items, next_cursor: None })
}

pub async fn get(state: &AppState, p: &Principal, id: ShareLinkId) -> ApiResult<ShareLinkView> {
    let mut c = state.store().reader().await?;
    let (link, _) = reach(&mut c, p, id).await?;
    full_view(&mut c, &link, state.now().0).await
}

/// `PATCH /api/v1/share-links/{id}`: the options change, the URL stays. `null` clears
/// `expires_at`, `password` and `max_viewers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateShareLink {
    pub name: Option<String>,
    pub message: Option<String>,
    pub permissions: Option<Permissions>,
    pub versions: Option<String>,
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<Timestamp>)]
    pub expires_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<String>)]
    pub password: Option<Option<String>>,
    pub allowed_domains: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<i64>)]
    pub max_viewers: Option<Option<i64>>,
    pub show_brief: Option<bool>,
}

pub async fn update(
    state: &AppState,
    p: &Principal,
    id: ShareLinkId,
    req: UpdateShareLink,
) -> ApiResult<ShareLinkView> {
    let now = state.now().0;
    let new_password = match req.password.clone() {
        Some(Some(pw)) => Some(hash_link_password(Some(pw)).await?),
        Some(None) => Some(None),
        None => None,
    };
    let mut tx = state.store().begin().await?;
    let (link, project) = reach(&mut tx, p, id).await?;
    require_not_archived(&project)?;
    if link.revoked_at.is_some() {
        return Err(ApiError::conflict("link-revoked", "a revoked link stays revoked; create a new one"));
    }
    let mut s = LinkSettings::of(&link);
    if let Some(n) = &req.name {
        s.name = validate::name("name", n)?;
    }
    if let Some(m) = &req.message {
        s.message = check_message(m)?;
    }
    if let Some(perm) = req.permissions {
        s.can_comment = perm.comment;
        s.can_decide = perm.decide;
        s.can_download_proxy = perm.download_proxy;
        s.can_download_original = perm.download_original;
    }
    if let Some(v) = &req.versions {
        s.versions = check_versions(Some(v))?;
    }
    match req.expires_at {
        Some(Some(t)) if to_the_hour(t.0) <= now => {
            return Err(ApiError::bad_request("invalid-expiry", "expires_at is in the past"));
        }
        Some(Some(t)) => s.expires_at = Some(to_the_hour(t.0)),
        Some(None) => s.expires_at = None,
        None => {}
    }
    if let Some(pw) = new_password {
        s.password_hash = pw;
    }
    if let Some(d) = &req.allowed_domains {
        s.allowed_domains = check_domains(d)?;
    }
    if let Some(m) = req.max_viewers {
        s.max_viewers = check_max_viewers(m)?;
    }
    if let Some(b) = req.show_brief {
        s.show_brief = b;
    }
    require_mail(state, &s, 0)?;
    shares::update_link(&mut tx, link.id, &s, now).await?;
    let row = shares::link(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let out = full_view(&mut tx, &row, now).await?;
    announce(&mut tx, event::SHARE_LINK_UPDATED, now, p, &project, &out).await?;
    tx.commit().await?;
    Ok(out)
}

/// Revokes a link: the next request of every guest on it is refused, open event streams close,
/// and media URLs already handed out stop within their lifetime (at most five minutes).
pub async fn revoke(state: &AppState, p: &Principal, id: ShareLinkId) -> ApiResult<ShareLinkView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (link, project) = reach(&mut tx, p, id).await?;
    if !shares::revoke_link(&mut tx, link.id, p.user_id, now).await? {
        return Err(ApiError::conflict("link-revoked", "the link was already revoked"));
    }
    let row = shares::link(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let out = full_view(&mut tx, &row, now).await?;
    announce(&mut tx, event::SHARE_LINK_REVOKED, now, p, &project, &out).await?;
    tx.commit().await?;
    Ok(out)
}

/// `POST /api/v1/share-links/{id}/send`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendShareLink {
    /// The link's URL as it was shown at creation (only its hash is kept, so it is sent back).
    pub url: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub recipient_list_ids: Vec<RecipientListId>,
}

/// Sends a link to more people. The URL must be the link's own (its token is checked).
pub async fn send(state: &AppState, p: &Principal, id: ShareLinkId, req: SendShareLink) -> ApiResult<Vec<String>> {
    let now = state.now().0;
    if state.mailer().is_none() {
        return Err(ApiError::conflict(
            "mail-not-configured",
            "sending links needs e-mail, and this server has no [mail] settings",
        ));
    }
    let token = req.url.rsplit('/').next().unwrap_or_default();
    let mut tx = state.store().begin().await?;
    let (link, project) = reach(&mut tx, p, id).await?;
    let matches = shares::link_by_hash(&mut tx, &auth::hash_token(token)).await?.is_some_and(|l| l.id == link.id);
    if !matches {
        return Err(ApiError::bad_request("wrong-url", "that URL is not this link's"));
    }
    if !link.live(now) {
        return Err(ApiError::conflict("link-not-live", "the link is revoked or expired"));
    }
    let to = recipients(&mut tx, project.workspace_id, &req.recipients, &req.recipient_list_ids).await?;
    if to.is_empty() {
        return Err(ApiError::bad_request("no-recipients", "name at least one recipient"));
    }
    let url = format!("{}/s/{token}", state.base_url());
    for addr in &to {
        crate::mail::share_link(&mut tx, addr, &p.name, &link, &url, now).await?;
    }
    tx.commit().await?;
    state.wake_mailer();
    Ok(to)
}

/// One line of a link's access log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessEntryView {
    pub id: i64,
    pub at: Timestamp,
    /// `opened`, `password-failed`, `verification-sent`, `verified`, `viewer-limit`, `commented`,
    /// `decided`, `downloaded-proxy`, `downloaded-original`, `left`.
    pub action: String,
    pub ip: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub guest_session_id: Option<uuid::Uuid>,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// `GET /api/v1/share-links/{id}/access-log`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogParams {
    /// Entries per page (default 100, at most the server's `limits.max_page_size`).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A link's access log, newest first.
pub async fn access_log(
    state: &AppState,
    p: &Principal,
    id: ShareLinkId,
    q: AccessLogParams,
) -> ApiResult<Page<AccessEntryView>> {
    let limit = super::page_limit(state, q.limit, 100)?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::bad_request("invalid-cursor", "the cursor is not valid")))
        .transpose()?;
    let mut c = state.store().reader().await?;
    let (link, _) = reach(&mut c, p, id).await?;
    let mut rows = shares::access_log(&mut c, link.id, before, i64::from(limit) + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| r.id.to_string()) } else { None };
    let items = rows
        .into_iter()
        .map(|r| AccessEntryView {
            id: r.id,
            at: Timestamp(r.at),
            action: r.action,
            ip: r.ip,
            name: r.name,
            email: r.email,
            guest_session_id: r.guest_session_id,
            asset_id: r.asset_id.map(AssetId),
            version_id: r.version_id.map(VersionId),
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(Page { items, next_cursor })
}

// ---------------------------------------------------------------------------------------------
// Recipient lists

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecipientListView {
    pub id: RecipientListId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub emails: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&shares::RecipientListRow> for RecipientListView {
    fn from(r: &shares::RecipientListRow) -> Self {
        Self {
            id: r.id,
            workspace_id: WorkspaceId(r.workspace_id),
            name: r.name.clone(),
            emails: r.addresses(),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        }
    }
}

/// `POST /api/v1/workspaces/{id}/recipient-lists` and `PATCH /api/v1/recipient-lists/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientListBody {
    pub name: String,
    pub emails: Vec<String>,
}

fn check_list(body: &RecipientListBody) -> ApiResult<(String, Vec<String>)> {
    let name = validate::name("name", &body.name)?;
    if body.emails.is_empty() || body.emails.len() > MAX_RECIPIENTS {
        return Err(ApiError::bad_request(
            "invalid-recipients",
            format!("a recipient list holds 1 to {MAX_RECIPIENTS} addresses"),
        ));
    }
    let mut emails: Vec<String> = Vec::new();
    for e in &body.emails {
        let e = validate::email(e)?;
        if !emails.contains(&e) {
            emails.push(e);
        }
    }
    Ok((name, emails))
}

fn list_conflict(e: frameproof_store::StoreError) -> ApiError {
    match e {
        frameproof_store::StoreError::Conflict(_) => {
            ApiError::conflict("name-taken", "this workspace already has a recipient list of that name")
        }
        other => other.into(),
    }
}

async fn workspace_role(c: &mut Conn, p: &Principal, ws: WorkspaceId) -> ApiResult<()> {
    let (_, role) = access::workspace(c, p, ws).await?;
    require(role, Action::ManageReview)
}

pub async fn recipient_lists(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<RecipientListView>> {
    let mut c = state.store().reader().await?;
    workspace_role(&mut c, p, ws).await?;
    Ok(shares::recipient_lists(&mut c, ws.0).await?.iter().map(RecipientListView::from).collect())
}

pub async fn create_recipient_list(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    body: RecipientListBody,
) -> ApiResult<RecipientListView> {
    let (name, emails) = check_list(&body)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    workspace_role(&mut tx, p, ws).await?;
    let id = RecipientListId(new_uuid(Timestamp(now)));
    shares::insert_recipient_list(&mut tx, id, ws.0, &name, &emails, p.user_id, now).await.map_err(list_conflict)?;
    let row = shares::recipient_list(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(RecipientListView::from(&row))
}

async fn reach_list(c: &mut Conn, p: &Principal, id: RecipientListId) -> ApiResult<shares::RecipientListRow> {
    let row = shares::recipient_list(&mut *c, id).await?.ok_or_else(ApiError::not_found)?;
    workspace_role(&mut *c, p, WorkspaceId(row.workspace_id)).await?;
    Ok(row)
}

pub async fn update_recipient_list(
    state: &AppState,
    p: &Principal,
    id: RecipientListId,
    body: RecipientListBody,
) -> ApiResult<RecipientListView> {
    let (name, emails) = check_list(&body)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    reach_list(&mut tx, p, id).await?;
    shares::update_recipient_list(&mut tx, id, &name, &emails, now).await.map_err(list_conflict)?;
    let row = shares::recipient_list(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(RecipientListView::from(&row))
}

pub async fn delete_recipient_list(state: &AppState, p: &Principal, id: RecipientListId) -> ApiResult<()> {
    let mut tx = state.store().begin().await?;
    reach_list(&mut tx, p, id).await?;
    shares::delete_recipient_list(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_rounds_up_to_the_hour() {
        let h = 3_600_000;
        assert_eq!(to_the_hour(5 * h), 5 * h);
        assert_eq!(to_the_hour(5 * h + 1), 6 * h);
        assert_eq!(to_the_hour(6 * h - 1), 6 * h);
    }

    #[test]
    fn domains_are_checked_and_normalised() {
        let ok = check_domains(&["@Client.COM".into(), "client.com".into(), "sub.agency.co.uk".into()]).unwrap();
        assert_eq!(ok, vec!["client.com", "sub.agency.co.uk"]);
        for bad in ["com", ".x.com", "x.com.", "a b.com", "x@y.com", "évil.com"] {
            assert!(check_domains(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
