//! Workspaces, members, roles, quotas and invitations.

use frameproof_domain::{Action, InviteId, ProjectId, Role, UserId, WorkspaceId, event, validate};
use frameproof_store::WriteTx;
use frameproof_store::accounts::{self, NewUser};
use frameproof_store::workspaces::{self, NewInvite};
use frameproof_store::{Conn, projects};
use serde::Deserialize;

use super::accounts::{ClientInfo, OpenedSession, Welcome};
use super::new_uuid;
use crate::access::{self, require};
use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{InviteView, MemberView, UserView, WorkspaceEvent, WorkspaceView};
use crate::state::AppState;
use crate::zone::Zone;

/// `POST /api/v1/workspaces`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkspace {
    /// Unique across the server.
    pub name: String,
}

/// Creates a workspace named `name` owned by `owner`, inside the caller's transaction (also used
/// by `admin create-user --workspace`).
pub async fn create_in(
    c: &mut WriteTx,
    state: &AppState,
    owner: UserId,
    owner_name: &str,
    name: &str,
) -> ApiResult<WorkspaceView> {
    let name = validate::name("name", name)?;
    if workspaces::workspace_by_name(c, &name).await?.is_some() {
        return Err(ApiError::conflict("workspace-name-taken", format!("a workspace named {name:?} already exists")));
    }
    let now = state.now();
    let id = WorkspaceId(new_uuid(now));
    workspaces::insert_workspace(c, id, &name, state.config().limits.default_quota_bytes, now.0).await?;
    workspaces::insert_member(c, id, owner, Role::Owner, now.0).await?;
    super::briefs::ensure_standard_template(c, id, now).await?;
    let ws = workspaces::workspace(c, id).await?.ok_or_else(ApiError::not_found)?;
    let view = WorkspaceView::new(&ws, Role::Owner);
    let actor = Actor { kind: "user", id: Some(owner.to_string()), name: owner_name.to_owned() };
    record(c, event::WORKSPACE_CREATED, now.0, &actor, EventScope::workspace(id), &WorkspaceEvent::from(&ws)).await?;
    Ok(view)
}

pub async fn create(state: &AppState, p: &Principal, req: CreateWorkspace) -> ApiResult<WorkspaceView> {
    let mut tx = state.store().begin().await?;
    let view = create_in(&mut tx, state, p.user_id, &p.name, &req.name).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get(state: &AppState, p: &Principal, id: WorkspaceId) -> ApiResult<WorkspaceView> {
    let mut c = state.store().reader().await?;
    let (ws, role) = access::workspace(&mut c, p, id).await?;
    Ok(WorkspaceView::new(&ws, role))
}

/// `PATCH /api/v1/workspaces/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkspace {
    pub name: Option<String>,
    /// Storage quota in bytes (seats are never limited).
    pub quota_bytes: Option<i64>,
    /// An IANA time zone name (`Europe/Berlin`, any letter case; stored as the database spells
    /// it) that the printable report writes times in. Unknown names answer 400
    /// `time-zone-unknown`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
}

/// Checks a time zone name against the bundled tz database: 400 `time-zone-unknown`, naming the
/// field, otherwise.
fn time_zone(name: &str) -> ApiResult<Zone> {
    Zone::parse(name).map_err(|e| ApiError::bad_request("time-zone-unknown", format!("time_zone: {e}")))
}

pub async fn update(
    state: &AppState,
    p: &Principal,
    id: WorkspaceId,
    req: UpdateWorkspace,
) -> ApiResult<WorkspaceView> {
    let zone = req.time_zone.as_deref().map(time_zone).transpose()?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, id).await?;
    require(role, Action::ManageWorkspace)?;
    if let Some(zone) = &zone {
        workspaces::set_time_zone(&mut tx, id, zone.name(), now).await?;
    }
    if let Some(name) = &req.name {
        let name = validate::name("name", name)?;
        if workspaces::workspace_by_name(&mut tx, &name).await?.is_some_and(|w| w.id != id) {
            return Err(ApiError::conflict(
                "workspace-name-taken",
                format!("a workspace named {name:?} already exists"),
            ));
        }
        workspaces::rename_workspace(&mut tx, id, &name, now).await?;
    }
    if let Some(q) = req.quota_bytes {
        if q < 0 {
            return Err(ApiError::bad_request("invalid-quota", "quota_bytes must be zero or more"));
        }
        workspaces::set_quota(&mut tx, id, q, now).await?;
    }
    let ws = workspaces::workspace(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = WorkspaceView::new(&ws, role);
    record(
        &mut tx,
        event::WORKSPACE_UPDATED,
        now,
        &Actor::user(p),
        EventScope::workspace(id),
        &WorkspaceEvent::from(&ws),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Members

pub async fn members(state: &AppState, p: &Principal, id: WorkspaceId) -> ApiResult<Vec<MemberView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, id).await?;
    // Reviewers do not get the member directory.
    if !role.is_team() {
        return Err(ApiError::forbidden("reviewers cannot list the workspace's members"));
    }
    Ok(workspaces::members(&mut c, id).await?.iter().map(MemberView::from).collect())
}

/// `PATCH /api/v1/workspaces/{id}/members/{user_id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub role: Option<Role>,
    /// False deactivates the member: their sessions and API tokens are revoked at once.
    pub active: Option<bool>,
}

/// Refuses a change that would leave the workspace with no active owner.
async fn keep_an_owner(c: &mut Conn, ws: WorkspaceId, target_role: Role) -> ApiResult<()> {
    if target_role == Role::Owner && workspaces::count_active_owners(c, ws).await? <= 1 {
        return Err(ApiError::conflict("last-owner", "a workspace must keep at least one active owner"));
    }
    Ok(())
}

pub async fn update_member(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    user: UserId,
    req: UpdateMember,
) -> ApiResult<MemberView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    let target = workspaces::member(&mut tx, ws, user).await?.ok_or_else(ApiError::not_found)?;
    let current = target.role();
    if let Some(new_role) = req.role {
        if !role.may_assign(Some(current), new_role) {
            return Err(ApiError::forbidden("admins cannot change owners or make someone an owner"));
        }
        if new_role != Role::Owner && target.deactivated_at.is_none() {
            keep_an_owner(&mut tx, ws, current).await?;
        }
        workspaces::set_member_role(&mut tx, ws, user, new_role, now).await?;
    }
    if let Some(active) = req.active {
        if !role.may_assign(Some(current), req.role.unwrap_or(current)) {
            return Err(ApiError::forbidden("admins cannot deactivate owners"));
        }
        if !active && target.deactivated_at.is_none() {
            keep_an_owner(&mut tx, ws, req.role.unwrap_or(current)).await?;
            workspaces::set_member_deactivated(&mut tx, ws, user, Some(now), now).await?;
            accounts::revoke_user_sessions(&mut tx, user, None, now).await?;
            accounts::revoke_user_api_tokens(&mut tx, user, now).await?;
        } else if active && target.deactivated_at.is_some() {
            workspaces::set_member_deactivated(&mut tx, ws, user, None, now).await?;
        }
    }
    let m = workspaces::member(&mut tx, ws, user).await?.ok_or_else(ApiError::not_found)?;
    let view = MemberView::from(&m);
    record(&mut tx, event::MEMBER_UPDATED, now, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn remove_member(state: &AppState, p: &Principal, ws: WorkspaceId, user: UserId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    let target = workspaces::member(&mut tx, ws, user).await?.ok_or_else(ApiError::not_found)?;
    if !role.may_assign(Some(target.role()), target.role()) {
        return Err(ApiError::forbidden("admins cannot remove owners"));
    }
    if target.deactivated_at.is_none() {
        keep_an_owner(&mut tx, ws, target.role()).await?;
    }
    workspaces::remove_member(&mut tx, ws, user).await?;
    let view = MemberView::from(&target);
    record(&mut tx, event::MEMBER_REMOVED, now, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Invitations

/// `POST /api/v1/workspaces/{id}/invites`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvite {
    pub email: String,
    pub role: Role,
    /// Projects the invitee is added to (what a reviewer will see).
    #[serde(default)]
    pub project_ids: Vec<ProjectId>,
}

/// A new invitation and the link that accepts it (mail it, or pass it on by hand).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedInvite {
    pub invite: InviteView,
    /// `<public url>/invite?token=…`: opens the accept page.
    pub accept_url: String,
    /// The secret the accept endpoint takes (also inside `accept_url`).
    pub token: String,
    /// Whether the invitation was mailed (the server has mail set up).
    pub mailed: bool,
}

pub async fn create_invite(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: CreateInvite,
) -> ApiResult<CreatedInvite> {
    let email = validate::email(&req.email)?;
    if req.project_ids.len() > 1000 {
        return Err(ApiError::bad_request("too-many-projects", "at most 1000 projects per invitation"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    if !role.may_assign(None, req.role) {
        return Err(ApiError::forbidden("admins cannot invite owners"));
    }
    for pid in &req.project_ids {
        let project = projects::get(&mut tx, *pid).await?;
        if project.is_none_or(|pr| pr.workspace_id != ws || pr.deleted_at.is_some()) {
            return Err(ApiError::bad_request("unknown-project", format!("project {pid} is not in this workspace")));
        }
    }
    if let Some(u) = accounts::user_by_email(&mut tx, &email).await?
        && workspaces::member(&mut tx, ws, u.id).await?.is_some()
    {
        return Err(ApiError::conflict("already-member", format!("{email} is already a member of this workspace")));
    }
    let token = auth::new_secret();
    let id = InviteId(new_uuid(now));
    let expires_at = now.plus_secs(state.config().limits.invite_lifetime_hours * 3600).0;
    workspaces::insert_invite(
        &mut tx,
        &NewInvite {
            id,
            workspace_id: ws,
            email: &email,
            role: req.role,
            project_ids: &req.project_ids,
            token_hash: &auth::hash_token(&token),
            invited_by: p.user_id,
            now: now.0,
            expires_at,
        },
    )
    .await?;
    let row = workspaces::invite(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = InviteView::from(&row);
    record(&mut tx, event::INVITE_CREATED, now.0, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    let accept_url = format!("{}/invite?token={token}", state.base_url());
    // With mail set up the invitation is mailed too (in the same transaction: never lost).
    let mailed = state.mailer().is_some();
    if mailed {
        let ws_row = workspaces::workspace(&mut tx, ws).await?.ok_or_else(ApiError::not_found)?;
        crate::mail::invitation(&mut tx, &email, &p.name, &ws_row.name, req.role, &accept_url, now.0).await?;
    }
    tx.commit().await?;
    if mailed {
        state.wake_mailer();
    }
    Ok(CreatedInvite { invite: view, accept_url, token, mailed })
}

pub async fn invites(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<InviteView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    Ok(workspaces::pending_invites(&mut c, ws, state.now().0).await?.iter().map(InviteView::from).collect())
}

pub async fn revoke_invite(state: &AppState, p: &Principal, id: InviteId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let invite = workspaces::invite(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, invite.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    if !workspaces::revoke_invite(&mut tx, id, now).await? {
        return Err(ApiError::conflict("invite-closed", "the invitation was already accepted or revoked"));
    }
    record(
        &mut tx,
        event::INVITE_REVOKED,
        now,
        &Actor::user(p),
        EventScope::workspace(invite.workspace_id),
        &InviteView::from(&invite),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/invites/preview` and the token part of accepting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteToken {
    pub token: String,
}

/// What an invitation offers, shown before accepting.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InvitePreview {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: frameproof_domain::Timestamp,
    /// True when the e-mail already has an account: accepting then takes that account's password.
    pub existing_account: bool,
}

pub async fn preview_invite(state: &AppState, req: InviteToken) -> ApiResult<InvitePreview> {
    let mut c = state.store().reader().await?;
    let invite = workspaces::pending_invite_by_hash(&mut c, &auth::hash_token(&req.token), state.now().0)
        .await?
        .ok_or_else(invite_not_found)?;
    let ws = workspaces::workspace(&mut c, invite.workspace_id).await?.ok_or_else(invite_not_found)?;
    let by = accounts::user_by_id(&mut c, invite.invited_by).await?.map(|u| u.name).unwrap_or_default();
    let existing = accounts::user_by_email(&mut c, &invite.email).await?.is_some();
    Ok(InvitePreview {
        workspace_name: ws.name,
        email: invite.email.clone(),
        role: invite.role(),
        invited_by: by,
        expires_at: frameproof_domain::Timestamp(invite.expires_at),
        existing_account: existing,
    })
}

fn invite_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "invite-not-found",
        "this invitation does not exist, has expired, or was already used",
    )
}

/// `POST /api/v1/invites/accept`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    pub token: String,
    /// The new account's display name (ignored when the e-mail already has an account).
    pub name: Option<String>,
    /// A new password, or the existing account's password.
    pub password: String,
}

/// Accepts an invitation: creates the account (or proves the existing one), joins the
/// workspace with the invited role and projects, and signs in.
pub async fn accept_invite(
    state: &AppState,
    req: AcceptInvite,
    client: &ClientInfo,
) -> ApiResult<(Welcome, OpenedSession)> {
    let hash = auth::hash_token(&req.token);
    let (invite, existing) = {
        let mut c = state.store().reader().await?;
        let invite =
            workspaces::pending_invite_by_hash(&mut c, &hash, state.now().0).await?.ok_or_else(invite_not_found)?;
        let existing = accounts::user_by_email(&mut c, &invite.email).await?;
        (invite, existing)
    };
    let new_user = match &existing {
        Some(u) => {
            if !auth::verify_password(req.password, Some(u.password_hash.clone())).await {
                return Err(ApiError::forbidden("this e-mail already has an account; give its password to accept")
                    .with_code("password-wrong"));
            }
            None
        }
        None => {
            let name = validate::name("name", req.name.as_deref().unwrap_or(""))?;
            validate::password(&req.password)?;
            Some((name, auth::hash_password(req.password).await?))
        }
    };
    let now = state.now();
    let mut tx = state.store().begin().await?;
    if !workspaces::mark_invite_accepted(&mut tx, invite.id, now.0).await? {
        return Err(invite_not_found());
    }
    let user_id = match (existing, new_user) {
        (Some(u), _) => u.id,
        (None, Some((name, pw_hash))) => {
            let id = UserId(new_uuid(now));
            accounts::insert_user(
                &mut tx,
                &NewUser { id, email: &invite.email, name: &name, password_hash: &pw_hash, now: now.0 },
            )
            .await
            .map_err(|e| match e {
                frameproof_store::StoreError::Conflict(_) => invite_not_found(),
                other => other.into(),
            })?;
            id
        }
        (None, None) => return Err(invite_not_found()),
    };
    if workspaces::member(&mut tx, invite.workspace_id, user_id).await?.is_some() {
        return Err(ApiError::conflict("already-member", "you are already a member of this workspace"));
    }
    let role = invite.role();
    workspaces::insert_member(&mut tx, invite.workspace_id, user_id, role, now.0).await?;
    for pid in invite.projects()? {
        if projects::get(&mut tx, pid).await?.is_some_and(|p| p.workspace_id == invite.workspace_id) {
            projects::add_member(&mut tx, pid, user_id, now.0).await?;
        }
    }
    let user = accounts::user_by_id(&mut tx, user_id).await?.ok_or_else(invite_not_found)?;
    let member = workspaces::member(&mut tx, invite.workspace_id, user_id).await?.ok_or_else(invite_not_found)?;
    let actor = Actor { kind: "user", id: Some(user_id.to_string()), name: user.name.clone() };
    record(
        &mut tx,
        event::MEMBER_ADDED,
        now.0,
        &actor,
        EventScope::workspace(invite.workspace_id),
        &MemberView::from(&member),
    )
    .await?;
    let ws = workspaces::workspace(&mut tx, invite.workspace_id).await?.ok_or_else(invite_not_found)?;
    let session = super::accounts::open_session_in(state, &mut tx, user_id, client).await?;
    tx.commit().await?;
    Ok((Welcome { user: UserView::from(&user), workspace: WorkspaceView::new(&ws, role) }, session))
}
