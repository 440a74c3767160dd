//! Version stacks.

use axum::Json;
use axum::extract::State;
use frameproof_domain::{AssetId, VersionId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::StatusCode;

use crate::app::versions::{self, CompareParams, CompareView, MoveVersion, ReorderVersions, UpdateVersion};
use crate::auth::{Caller, Principal};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::{Page, VersionView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions))
        .routes(routes!(get_version, update_version, delete_version))
        .routes(routes!(reorder_versions))
        .routes(routes!(make_current))
        .routes(routes!(move_version))
        .routes(routes!(compare_versions))
}

/// An asset's versions, newest first, with their processing state and derived media.
#[utoipa::path(get, path = "/api/v1/assets/{id}/versions", tag = "versions", params(("id" = AssetId, Path)),
    responses((status = 200, body = Page<VersionView>), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<Page<VersionView>>> {
    Ok(Json(Page::all(versions::list(&state, &p, id).await?)))
}

/// A version: what ingest found (kind, size, SHA-256, frame rate and count, start timecode),
/// its processing state and progress, and its derived media.
#[utoipa::path(get, path = "/api/v1/versions/{id}", tag = "versions", params(("id" = VersionId, Path)),
    responses((status = 200, body = VersionView), (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::get(&state, &p, id).await?))
}

/// Sets a member's timecode override of a version (start label, drop-frame); `null` returns a
/// field to the source's.
#[utoipa::path(patch, path = "/api/v1/versions/{id}", tag = "versions", params(("id" = VersionId, Path)),
    request_body = UpdateVersion,
    responses((status = 200, body = VersionView), (status = 400, description = "invalid-timecode, no-timecode", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn update_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<UpdateVersion>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::update(&state, &p, id, req).await?))
}

/// Deletes a version that is not locked, with its comments, decisions and files; the next one
/// down becomes current if it was.
#[utoipa::path(delete, path = "/api/v1/versions/{id}", tag = "versions", params(("id" = VersionId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn delete_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<StatusCode> {
    versions::delete(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reorders a stack: every version id, top first.
#[utoipa::path(put, path = "/api/v1/assets/{id}/versions/order", tag = "versions", params(("id" = AssetId, Path)),
    request_body = ReorderVersions,
    responses((status = 200, body = Page<VersionView>), (status = 400, description = "invalid-order", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reorder_versions(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<ReorderVersions>,
) -> ApiResult<Json<Page<VersionView>>> {
    Ok(Json(Page::all(versions::reorder(&state, &p, id, req).await?)))
}

/// Makes a version its stack's current one. Refused while the current one is locked (an owner
/// or admin supersedes it instead).
#[utoipa::path(post, path = "/api/v1/versions/{id}/current", tag = "versions", params(("id" = VersionId, Path)),
    responses((status = 200, body = VersionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn make_current(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::make_current(&state, &p, id).await?))
}

/// Moves a version onto another stack (same workspace) as its newest version.
#[utoipa::path(post, path = "/api/v1/versions/{id}/move", tag = "versions", params(("id" = VersionId, Path)),
    request_body = MoveVersion,
    responses((status = 200, body = VersionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn move_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<MoveVersion>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::move_version(&state, &p, id, req).await?))
}

/// Two versions of a stack side by side: media, frame counts and rates for a frame-locked
/// player, and the older one's open threads.
#[utoipa::path(get, path = "/api/v1/assets/{id}/compare", tag = "versions", params(("id" = AssetId, Path), CompareParams),
    responses((status = 200, body = CompareView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn compare_versions(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<AssetId>,
    ApiQuery(q): ApiQuery<CompareParams>,
) -> ApiResult<Json<CompareView>> {
    Ok(Json(versions::compare(&state, &p, id, q).await?))
}
