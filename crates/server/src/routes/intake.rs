//! Intake: the workspace's intake form and links, campaign requests, and the public form an
//! intake link opens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{ProjectId, WorkspaceId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::created;
use crate::app::accounts::ClientInfo;
use crate::app::intake::{
    self, AcceptRequest, CreateIntakeLink, CreatedIntakeLink, DeclineRequest, IntakeLinkView, IntakeSettingsRequest,
    IntakeSettingsView, OpenIntake, PublicIntakeForm, PublicSubmit, PublicSubmitted, RequestView, SubmitRequest,
};
use crate::app::workflow::CampaignView;
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::Page;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_intake, put_intake, submit_request))
        .routes(routes!(list_intake_links, create_intake_link))
        .routes(routes!(revoke_intake_link))
        .routes(routes!(list_requests))
        .routes(routes!(accept_request))
        .routes(routes!(decline_request))
        .routes(routes!(open_intake))
        .routes(routes!(public_request))
}

/// The workspace's intake form (its brief template's fields) and intake owners.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/intake", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = IntakeSettingsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_intake(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<IntakeSettingsView>> {
    Ok(Json(intake::get_settings(&state, &p, id).await?))
}

/// Sets the intake form's brief template and the intake owners (owners and admins).
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/intake", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = IntakeSettingsRequest,
    responses((status = 200, body = IntakeSettingsView),
        (status = 400, description = "template-unknown, intake-owner-invalid, too-many-owners (fields names the field)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_intake(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<IntakeSettingsRequest>,
) -> ApiResult<Json<IntakeSettingsView>> {
    Ok(Json(intake::put_settings(&state, &p, id, req).await?))
}

/// A member's campaign request through the intake form: the campaign is created in the
/// `requested` state with its brief submitted, and the intake owners are told.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/intake", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = SubmitRequest,
    responses((status = 201, body = CampaignView),
        (status = 400, description = "brief-incomplete, brief-field-invalid, brief-field-unknown, launch-in-past (fields names the fields)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submit_request(
    State(state): State<AppState>,
    p: Principal,
    client: ClientInfo,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    Ok(created(intake::submit(&state, &p, id, req, &client).await?))
}

/// The workspace's intake links (owners and admins).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/intake-links", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<IntakeLinkView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_intake_links(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<IntakeLinkView>>> {
    Ok(Json(Page::all(intake::links(&state, &p, id).await?)))
}

/// Makes an intake link for requesters without an account; its URL (with the token) is shown
/// this once.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/intake-links", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = CreateIntakeLink,
    responses((status = 201, body = CreatedIntakeLink),
        (status = 400, description = "invalid-expiry, per-hour-invalid, invalid-domain, too-many-domains", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "too-many-links", body = ErrorBody)))]
pub async fn create_intake_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<CreateIntakeLink>,
) -> ApiResult<(StatusCode, Json<CreatedIntakeLink>)> {
    Ok(created(intake::create_link(&state, &p, id, req).await?))
}

/// Revokes an intake link: it stops opening at once.
#[utoipa::path(delete, path = "/api/v1/intake-links/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_intake_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    intake::revoke_link(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsParams {
    /// `requested`, `accepted` or `declined`; none: all.
    pub state: Option<String>,
}

/// The workspace's campaign requests, newest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/requests", tag = "campaigns", params(("id" = WorkspaceId, Path), RequestsParams),
    responses((status = 200, body = Page<RequestView>), (status = 400, description = "invalid-state", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_requests(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiQuery(q): ApiQuery<RequestsParams>,
) -> ApiResult<Json<Page<RequestView>>> {
    Ok(Json(Page::all(intake::list(&state, &p, id, q.state.as_deref()).await?)))
}

/// Accepts a request (an intake owner, or a workspace owner or admin): the workflow is applied,
/// the brief accepted and the requester told, in one transaction.
#[utoipa::path(post, path = "/api/v1/projects/{id}/request/accept", tag = "campaigns", params(("id" = ProjectId, Path)),
    request_body = AcceptRequest,
    responses((status = 200, body = CampaignView),
        (status = 400, description = "template-unknown, campaign-owner-invalid, stage-reviewer-unknown", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "not-found, request-not-found", body = ErrorBody),
        (status = 409, description = "request-decided", body = ErrorBody)))]
pub async fn accept_request(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<AcceptRequest>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(intake::accept(&state, &p, id, req).await?))
}

/// Declines a request with a reason (told to the requester); the campaign is archived.
#[utoipa::path(post, path = "/api/v1/projects/{id}/request/decline", tag = "campaigns", params(("id" = ProjectId, Path)),
    request_body = DeclineRequest,
    responses((status = 200, body = CampaignView), (status = 400, description = "reason-required, field-too-long, invalid-characters", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "not-found, request-not-found", body = ErrorBody),
        (status = 409, description = "request-decided", body = ErrorBody)))]
pub async fn decline_request(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<DeclineRequest>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(intake::decline(&state, &p, id, req).await?))
}

/// What an intake link asks for (no account needed). Unknown tokens count against the
/// client's address: 20 in ten minutes, then 429 with growing waits.
#[utoipa::path(post, path = "/api/v1/intake/form", tag = "campaigns", security(()), request_body = OpenIntake,
    responses((status = 200, body = PublicIntakeForm), (status = 404, description = "intake-link-not-found", body = ErrorBody),
        (status = 429, description = "too-many-attempts", body = ErrorBody)))]
pub async fn open_intake(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<OpenIntake>,
) -> ApiResult<Json<PublicIntakeForm>> {
    Ok(Json(intake::public_form(&state, &req.token, &client).await?))
}

/// A campaign request through an intake link (no account needed): limited per client address
/// by the link's hourly limit and per link to 500 a day.
#[utoipa::path(post, path = "/api/v1/intake/requests", tag = "campaigns", security(()), request_body = PublicSubmit,
    responses((status = 201, body = PublicSubmitted),
        (status = 400, description = "brief-incomplete, brief-field-invalid, invalid-email, launch-in-past (fields names the fields)", body = ErrorBody),
        (status = 403, description = "email-domain-not-allowed", body = ErrorBody), (status = 404, description = "intake-link-not-found", body = ErrorBody),
        (status = 429, description = "too-many-attempts", body = ErrorBody)))]
pub async fn public_request(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<PublicSubmit>,
) -> ApiResult<(StatusCode, Json<PublicSubmitted>)> {
    Ok(created(intake::public_submit(&state, req, &client).await?))
}
