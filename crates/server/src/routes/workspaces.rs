//! Workspaces, members, roles, quotas and invitations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{InviteId, UserId, WorkspaceId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::accounts;
use crate::app::workspaces::{self, CreateInvite, CreateWorkspace, CreatedInvite, UpdateMember, UpdateWorkspace};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::model::{InviteView, MemberView, Page, WorkspaceView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workspaces, create_workspace))
        .routes(routes!(get_workspace, update_workspace))
        .routes(routes!(list_members))
        .routes(routes!(update_member, remove_member))
        .routes(routes!(list_invites, create_invite))
        .routes(routes!(revoke_invite))
}

/// The workspaces the caller belongs to, with their role in each.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", responses((status = 200, body = Page<WorkspaceView>)))]
pub async fn list_workspaces(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Page<WorkspaceView>>> {
    Ok(Json(Page::all(accounts::account(&state, &p).await?.workspaces)))
}

/// Creates a workspace (names are unique); the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", request_body = CreateWorkspace,
    responses((status = 201, body = WorkspaceView), (status = 400, body = ErrorBody), (status = 409, description = "workspace-name-taken", body = ErrorBody)))]
pub async fn create_workspace(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateWorkspace>,
) -> ApiResult<(StatusCode, Json<WorkspaceView>)> {
    Ok(created(workspaces::create(&state, &p, req).await?))
}

/// A workspace, the caller's role and its storage use against the quota.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}", tag = "workspaces", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = WorkspaceView), (status = 404, body = ErrorBody)))]
pub async fn get_workspace(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<WorkspaceView>> {
    Ok(Json(workspaces::get(&state, &p, id).await?))
}

/// Renames a workspace, sets its storage quota or its time zone (owners and admins).
#[utoipa::path(patch, path = "/api/v1/workspaces/{id}", tag = "workspaces", params(("id" = WorkspaceId, Path)), request_body = UpdateWorkspace,
    responses((status = 200, body = WorkspaceView),
        (status = 400, description = "empty-field, field-too-long, invalid-quota, time-zone-unknown", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "workspace-name-taken", body = ErrorBody)))]
pub async fn update_workspace(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<UpdateWorkspace>,
) -> ApiResult<Json<WorkspaceView>> {
    Ok(Json(workspaces::update(&state, &p, id, req).await?))
}

/// The workspace's members (the team only; reviewers get 403).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/members", tag = "workspaces", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<MemberView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<MemberView>>> {
    Ok(Json(Page::all(workspaces::members(&state, &p, id).await?)))
}

/// Changes a member's role, or deactivates/reactivates them (deactivating revokes their
/// sessions and tokens at once). Admins cannot touch owners.
#[utoipa::path(patch, path = "/api/v1/workspaces/{id}/members/{user_id}", tag = "workspaces",
    params(("id" = WorkspaceId, Path), ("user_id" = UserId, Path)), request_body = UpdateMember,
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "last-owner", body = ErrorBody)))]
pub async fn update_member(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, user_id)): ApiPath<(WorkspaceId, UserId)>,
    ApiJson(req): ApiJson<UpdateMember>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(workspaces::update_member(&state, &p, id, user_id, req).await?))
}

/// Removes a member from the workspace (and its projects).
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/members/{user_id}", tag = "workspaces",
    params(("id" = WorkspaceId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, user_id)): ApiPath<(WorkspaceId, UserId)>,
) -> ApiResult<StatusCode> {
    workspaces::remove_member(&state, &p, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending invitations (owners and admins).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/invites", tag = "workspaces", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<InviteView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_invites(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<InviteView>>> {
    Ok(Json(Page::all(workspaces::invites(&state, &p, id).await?)))
}

/// Invites someone by e-mail with a role; answers the accept link to pass on.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/invites", tag = "workspaces", params(("id" = WorkspaceId, Path)), request_body = CreateInvite,
    responses((status = 201, body = CreatedInvite), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "already-member", body = ErrorBody)))]
pub async fn create_invite(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<CreateInvite>,
) -> ApiResult<(StatusCode, Json<CreatedInvite>)> {
    Ok(created(workspaces::create_invite(&state, &p, id, req).await?))
}

/// Revokes a pending invitation.
#[utoipa::path(delete, path = "/api/v1/invites/{id}", tag = "workspaces", params(("id" = InviteId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<InviteId>,
) -> ApiResult<StatusCode> {
    workspaces::revoke_invite(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
