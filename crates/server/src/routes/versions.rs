//! Version stacks.

use axum::Json;
use axum::extract::State;
use frameproof_domain::{AssetId, VersionId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::versions;
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;
use crate::model::{Page, VersionView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_versions)).routes(routes!(get_version))
}

/// An asset's versions, newest first, with their processing state and derived media.
#[utoipa::path(get, path = "/api/v1/assets/{id}/versions", tag = "versions", params(("id" = AssetId, Path)),
    responses((status = 200, body = Page<VersionView>), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    p: Principal,
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
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(versions::get(&state, &p, id).await?))
}
