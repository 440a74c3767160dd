//! Projects, their trash, and the reviewers added to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{ProjectId, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::ListParams;
use crate::app::projects::{self, AddProjectMember, CreateProject, ProjectListParams, UpdateProject};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::{Page, ProjectMemberView, ProjectView, TrashView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(restore_project))
        .routes(routes!(project_trash))
        .routes(routes!(list_project_members, add_project_member))
        .routes(routes!(remove_project_member))
}

/// A workspace's projects (reviewers: only those they were added to), paged and sorted.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectListParams, ListParams),
    responses((status = 200, body = Page<ProjectView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_projects(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(params): ApiQuery<ProjectListParams>,
    ApiQuery(list): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<ProjectView>>> {
    Ok(Json(projects::list(&state, &p, params, list).await?))
}

/// Creates a project and its root folder.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = CreateProject,
    responses((status = 201, body = ProjectView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_project(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok(created(projects::create(&state, &p, req).await?))
}

/// A project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = ProjectId, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody)))]
pub async fn get_project(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::get(&state, &p, id).await?))
}

/// Renames, re-describes, archives or unarchives a project.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = ProjectId, Path)), request_body = UpdateProject,
    responses((status = 200, body = ProjectView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_project(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<UpdateProject>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::update(&state, &p, id, req).await?))
}

/// Moves a project to the trash (restorable for `limits.trash_retention_days`).
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = ProjectId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_project(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<StatusCode> {
    projects::delete(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings a project back from the trash.
#[utoipa::path(post, path = "/api/v1/projects/{id}/restore", tag = "projects", params(("id" = ProjectId, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 410, description = "restore-window-passed", body = ErrorBody)))]
pub async fn restore_project(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::restore(&state, &p, id).await?))
}

/// Folders and assets deleted from a project and still restorable.
#[utoipa::path(get, path = "/api/v1/projects/{id}/trash", tag = "projects", params(("id" = ProjectId, Path)),
    responses((status = 200, body = TrashView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn project_trash(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<TrashView>> {
    Ok(Json(projects::trash(&state, &p, id).await?))
}

/// People added to a project (reviewers see only such projects).
#[utoipa::path(get, path = "/api/v1/projects/{id}/members", tag = "projects", params(("id" = ProjectId, Path)),
    responses((status = 200, body = Page<ProjectMemberView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_project_members(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<Page<ProjectMemberView>>> {
    Ok(Json(Page::all(projects::members(&state, &p, id).await?)))
}

/// Adds a workspace member (typically a reviewer) to a project.
#[utoipa::path(post, path = "/api/v1/projects/{id}/members", tag = "projects", params(("id" = ProjectId, Path)), request_body = AddProjectMember,
    responses((status = 201, body = ProjectMemberView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_project_member(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<AddProjectMember>,
) -> ApiResult<(StatusCode, Json<ProjectMemberView>)> {
    Ok(created(projects::add_member(&state, &p, id, req).await?))
}

/// Removes someone from a project.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/members/{user_id}", tag = "projects",
    params(("id" = ProjectId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_project_member(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, user)): ApiPath<(ProjectId, UserId)>,
) -> ApiResult<StatusCode> {
    projects::remove_member(&state, &p, id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
