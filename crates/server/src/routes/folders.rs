//! Folders.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::FolderId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::ListParams;
use crate::app::folders::{self, CreateFolder, UpdateFolder};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::{AssetView, FolderView, Page};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_folder))
        .routes(routes!(get_folder, update_folder, delete_folder))
        .routes(routes!(restore_folder))
        .routes(routes!(list_subfolders))
        .routes(routes!(list_folder_assets))
}

/// Creates a folder inside another (a project's root folder for the top level).
#[utoipa::path(post, path = "/api/v1/folders", tag = "folders", request_body = CreateFolder,
    responses((status = 201, body = FolderView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "project-archived", body = ErrorBody)))]
pub async fn create_folder(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateFolder>,
) -> ApiResult<(StatusCode, Json<FolderView>)> {
    Ok(created(folders::create(&state, &p, req).await?))
}

/// A folder.
#[utoipa::path(get, path = "/api/v1/folders/{id}", tag = "folders", params(("id" = FolderId, Path)),
    responses((status = 200, body = FolderView), (status = 404, body = ErrorBody)))]
pub async fn get_folder(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
) -> ApiResult<Json<FolderView>> {
    Ok(Json(folders::get(&state, &p, id).await?))
}

/// Renames a folder or moves it under another folder (any project of the same workspace).
#[utoipa::path(patch, path = "/api/v1/folders/{id}", tag = "folders", params(("id" = FolderId, Path)), request_body = UpdateFolder,
    responses((status = 200, body = FolderView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "folder-cycle, root-folder, project-archived", body = ErrorBody)))]
pub async fn update_folder(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
    ApiJson(req): ApiJson<UpdateFolder>,
) -> ApiResult<Json<FolderView>> {
    Ok(Json(folders::update(&state, &p, id, req).await?))
}

/// Moves a folder and everything in it to the trash.
#[utoipa::path(delete, path = "/api/v1/folders/{id}", tag = "folders", params(("id" = FolderId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "root-folder", body = ErrorBody)))]
pub async fn delete_folder(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
) -> ApiResult<StatusCode> {
    folders::delete(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings a folder and what was deleted with it back from the trash.
#[utoipa::path(post, path = "/api/v1/folders/{id}/restore", tag = "folders", params(("id" = FolderId, Path)),
    responses((status = 200, body = FolderView), (status = 404, body = ErrorBody), (status = 409, description = "parent-deleted, not-deleted", body = ErrorBody),
        (status = 410, description = "restore-window-passed", body = ErrorBody)))]
pub async fn restore_folder(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
) -> ApiResult<Json<FolderView>> {
    Ok(Json(folders::restore(&state, &p, id).await?))
}

/// The folders directly inside a folder, paged and sorted.
#[utoipa::path(get, path = "/api/v1/folders/{id}/folders", tag = "folders", params(("id" = FolderId, Path), ListParams),
    responses((status = 200, body = Page<FolderView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_subfolders(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
    ApiQuery(list): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<FolderView>>> {
    Ok(Json(folders::children(&state, &p, id, list).await?))
}

/// The assets directly inside a folder, paged and sorted.
#[utoipa::path(get, path = "/api/v1/folders/{id}/assets", tag = "folders", params(("id" = FolderId, Path), ListParams),
    responses((status = 200, body = Page<AssetView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_folder_assets(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<FolderId>,
    ApiQuery(list): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<AssetView>>> {
    Ok(Json(folders::assets(&state, &p, id, list).await?))
}
