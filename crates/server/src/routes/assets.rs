//! Assets (version stacks).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::AssetId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::ListParams;
use crate::app::assets::{self, AssetSearchParams, CreateAsset, UpdateAsset};
use crate::auth::{Caller, Principal};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::{AssetView, Page};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_assets, create_asset))
        .routes(routes!(get_asset, update_asset, delete_asset))
        .routes(routes!(restore_asset))
}

/// Searches a project's assets in every folder, paged and sorted.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetSearchParams, ListParams),
    responses((status = 200, body = Page<AssetView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search_assets(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(params): ApiQuery<AssetSearchParams>,
    ApiQuery(list): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<AssetView>>> {
    Ok(Json(assets::search(&state, &p, params, list).await?))
}

/// Creates an asset (an empty version stack; uploads add versions).
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body = CreateAsset,
    responses((status = 201, body = AssetView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "project-archived", body = ErrorBody)))]
pub async fn create_asset(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateAsset>,
) -> ApiResult<(StatusCode, Json<AssetView>)> {
    Ok(created(assets::create(&state, &p, req).await?))
}

/// An asset.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = AssetId, Path)),
    responses((status = 200, body = AssetView), (status = 404, body = ErrorBody)))]
pub async fn get_asset(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<AssetView>> {
    Ok(Json(assets::get(&state, &p, id).await?))
}

/// Renames, re-describes or moves an asset (any folder of the same workspace).
#[utoipa::path(patch, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = AssetId, Path)), request_body = UpdateAsset,
    responses((status = 200, body = AssetView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_asset(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<UpdateAsset>,
) -> ApiResult<Json<AssetView>> {
    Ok(Json(assets::update(&state, &p, id, req).await?))
}

/// Moves an asset to the trash.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = AssetId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_asset(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<StatusCode> {
    assets::delete(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings an asset back from the trash.
#[utoipa::path(post, path = "/api/v1/assets/{id}/restore", tag = "assets", params(("id" = AssetId, Path)),
    responses((status = 200, body = AssetView), (status = 404, body = ErrorBody), (status = 409, description = "parent-deleted, not-deleted", body = ErrorBody),
        (status = 410, description = "restore-window-passed", body = ErrorBody)))]
pub async fn restore_asset(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<AssetView>> {
    Ok(Json(assets::restore(&state, &p, id).await?))
}
