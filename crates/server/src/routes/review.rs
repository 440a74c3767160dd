//! Decisions, required approvers, approval locks, receipts, the server's public keys, and the
//! audit trail.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::signing::PublicKey;
use frameproof_domain::{AssetId, ProjectId, ReceiptId, VersionId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::audit::{self, AuditEntryView, AuditParams};
use crate::app::review::{
    self, ApproverView, DecideRequest, DecisionView, LockRequest, ReviewView, SetApprovers, SupersedeRequest,
};
use crate::auth::{Caller, Principal};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::Page;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_decisions, decide))
        .routes(routes!(get_review))
        .routes(routes!(list_approvers, set_approvers))
        .routes(routes!(lock_version))
        .routes(routes!(unlock_version))
        .routes(routes!(supersede_version))
        .routes(routes!(get_receipt))
        .routes(routes!(list_keys))
        .routes(routes!(project_audit))
        .routes(routes!(asset_audit))
}

/// Records the caller's decision on a version (a change of mind is a new row; all are kept).
/// When every required approver has approved the current version, it locks.
#[utoipa::path(post, path = "/api/v1/versions/{id}/decisions", tag = "review", params(("id" = VersionId, Path)),
    request_body = DecideRequest,
    responses((status = 201, body = ReviewView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked, version-processing", body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<DecideRequest>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    Ok(created(review::decide(&state, &p, id, req).await?))
}

/// Every decision on a version, newest first (changes of mind and approvals cancelled by an
/// unlock included).
#[utoipa::path(get, path = "/api/v1/versions/{id}/decisions", tag = "review", params(("id" = VersionId, Path)),
    responses((status = 200, body = Page<DecisionView>), (status = 404, body = ErrorBody)))]
pub async fn list_decisions(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<Page<DecisionView>>> {
    Ok(Json(Page::all(review::history(&state, &p, id).await?)))
}

/// The approval panel: review status, lock, required approvers and where each stands, everyone's
/// current decision, receipts.
#[utoipa::path(get, path = "/api/v1/versions/{id}/review", tag = "review", params(("id" = VersionId, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = ErrorBody)))]
pub async fn get_review(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(review::get_review(&state, &p, id).await?))
}

/// An asset's required approvers, with their decisions on its current version.
#[utoipa::path(get, path = "/api/v1/assets/{id}/approvers", tag = "review", params(("id" = AssetId, Path)),
    responses((status = 200, body = Page<ApproverView>), (status = 404, body = ErrorBody)))]
pub async fn list_approvers(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<Page<ApproverView>>> {
    Ok(Json(Page::all(review::approvers(&state, &p, id).await?)))
}

/// Names the asset's required approvers (replacing the list); they apply to every version.
#[utoipa::path(put, path = "/api/v1/assets/{id}/approvers", tag = "review", params(("id" = AssetId, Path)),
    request_body = SetApprovers,
    responses((status = 200, body = Page<ApproverView>), (status = 400, description = "approver-not-member", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_approvers(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<SetApprovers>,
) -> ApiResult<Json<Page<ApproverView>>> {
    Ok(Json(Page::all(review::set_approvers(&state, &p, id, req).await?)))
}

/// Locks a version by hand (owners and admins), with a reason; issues a receipt.
#[utoipa::path(post, path = "/api/v1/versions/{id}/lock", tag = "review", params(("id" = VersionId, Path)),
    request_body = LockRequest,
    responses((status = 200, body = ReviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "version-locked, version-processing", body = ErrorBody)))]
pub async fn lock_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<LockRequest>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(review::lock(&state, &p, id, req).await?))
}

/// Unlocks a version (owners and admins), with a reason; the required approvers' approvals of it
/// are cancelled, so they approve again.
#[utoipa::path(post, path = "/api/v1/versions/{id}/unlock", tag = "review", params(("id" = VersionId, Path)),
    request_body = LockRequest,
    responses((status = 200, body = ReviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "not-locked", body = ErrorBody)))]
pub async fn unlock_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<LockRequest>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(review::unlock(&state, &p, id, req).await?))
}

/// Supersedes a locked current version (owners and admins): a newer version of the stack becomes
/// current; this one stays sealed.
#[utoipa::path(post, path = "/api/v1/versions/{id}/supersede", tag = "review", params(("id" = VersionId, Path)),
    request_body = SupersedeRequest,
    responses((status = 200, body = ReviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "not-locked", body = ErrorBody)))]
pub async fn supersede_version(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<SupersedeRequest>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(review::supersede(&state, &p, id, req).await?))
}

/// `?receipt=` picks an earlier receipt of the version.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptParams {
    pub receipt: Option<ReceiptId>,
}

/// The signed approval receipt of a version's lock: `{receipt: {...}, signature: {alg, kid,
/// value}}`, the signature over the receipt's RFC 8785 canonical JSON. Check it offline with
/// `frameproof verify`.
#[utoipa::path(get, path = "/api/v1/versions/{id}/receipt", tag = "review", params(("id" = VersionId, Path), ReceiptParams),
    responses((status = 200, body = Object), (status = 404, description = "not found, or no-receipt", body = ErrorBody)))]
pub async fn get_receipt(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiQuery(q): ApiQuery<ReceiptParams>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(review::receipt(&state, &p, id, q.receipt).await?))
}

/// The server's Ed25519 public keys (old ones kept so old receipts verify). Public.
#[utoipa::path(get, path = "/api/v1/keys", tag = "review", security(()),
    responses((status = 200, body = Vec<PublicKey>)))]
pub async fn list_keys(State(state): State<AppState>) -> Json<Vec<PublicKey>> {
    Json(review::keys(&state))
}

/// A project's audit trail, newest first (the team only).
#[utoipa::path(get, path = "/api/v1/projects/{id}/audit", tag = "review", params(("id" = ProjectId, Path), AuditParams),
    responses((status = 200, body = Page<AuditEntryView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn project_audit(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    Ok(Json(audit::of_project(&state, &p, id, q).await?))
}

/// An asset's audit trail, newest first (the team only).
#[utoipa::path(get, path = "/api/v1/assets/{id}/audit", tag = "review", params(("id" = AssetId, Path), AuditParams),
    responses((status = 200, body = Page<AuditEntryView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn asset_audit(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    Ok(Json(audit::of_asset(&state, &p, id, q).await?))
}
