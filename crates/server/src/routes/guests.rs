//! Guests: opening a share link, proving an e-mail, the session, and the assets in its scope.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::accounts::ClientInfo;
use crate::app::guests::{
    self, GuestAssetParams, GuestSessionView, LinkPreview, StartGuestSession, Started, VerifyGuest,
};
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::model::{AssetView, Page};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview_link))
        .routes(routes!(start_session))
        .routes(routes!(verify_session))
        .routes(routes!(current_session, leave_session))
        .routes(routes!(guest_assets))
        .routes(routes!(guest_brief))
        .routes(routes!(guest_brief_seen))
}

/// A link's token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    pub token: String,
}

/// What opening a link will ask for (sent in the body, so the token stays out of URLs and logs).
/// Unknown, expired and revoked links are 404 `link-not-found` alike.
#[utoipa::path(post, path = "/api/v1/guest/links/preview", tag = "guests", security(()), request_body = LinkToken,
    responses((status = 200, body = LinkPreview), (status = 404, description = "link-not-found", body = ErrorBody)))]
pub async fn preview_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LinkToken>,
) -> ApiResult<Json<LinkPreview>> {
    Ok(Json(guests::preview(&state, req.token.trim(), auth::guest_token(&state, &headers)).await?))
}

/// Answer to a guest session that waits for its mailed code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerificationSent {
    /// `verification-sent`
    pub code: &'static str,
    pub message: String,
}

/// Opens a guest session on a share link (sets the guest cookie). 201 with the session; 202
/// `verification-sent` when the e-mail must first be proven with the mailed code
/// (`POST /api/v1/guest/sessions/verify`).
#[utoipa::path(post, path = "/api/v1/guest/sessions", tag = "guests", security(()), request_body = StartGuestSession,
    responses((status = 201, body = GuestSessionView), (status = 202, description = "verification-sent", body = VerificationSent),
        (status = 400, body = ErrorBody), (status = 401, description = "password-required, password-wrong", body = ErrorBody),
        (status = 403, description = "link-viewer-limit", body = ErrorBody), (status = 404, description = "link-not-found", body = ErrorBody),
        (status = 429, description = "too-many-attempts", body = ErrorBody)))]
pub async fn start_session(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<StartGuestSession>,
) -> ApiResult<Response> {
    let (started, cookie) = guests::start(&state, req, &client).await?;
    let set = [(SET_COOKIE, auth::guest_cookie(&state, &cookie.token, cookie.max_age_secs))];
    Ok(match started {
        Started::Open(view) => (StatusCode::CREATED, set, Json(view)).into_response(),
        Started::VerificationSent => (
            StatusCode::ACCEPTED,
            set,
            Json(VerificationSent {
                code: "verification-sent",
                message: String::from("we e-mailed you a six-digit code; enter it to open the link"),
            }),
        )
            .into_response(),
    })
}

/// Proves the guest's e-mail with the mailed code; the session opens.
#[utoipa::path(post, path = "/api/v1/guest/sessions/verify", tag = "guests", security(()), request_body = VerifyGuest,
    responses((status = 200, body = GuestSessionView), (status = 400, description = "code-wrong, code-expired", body = ErrorBody),
        (status = 403, description = "link-viewer-limit", body = ErrorBody), (status = 404, description = "link-not-found", body = ErrorBody),
        (status = 429, description = "too-many-attempts", body = ErrorBody)))]
pub async fn verify_session(
    State(state): State<AppState>,
    client: ClientInfo,
    method: axum::http::Method,
    headers: HeaderMap,
    ApiJson(req): ApiJson<VerifyGuest>,
) -> ApiResult<Json<GuestSessionView>> {
    let token = auth::guest_token(&state, &headers).ok_or_else(crate::guests::link_not_found)?;
    auth::check_origin(&state, &method, &headers, true)?;
    Ok(Json(guests::verify(&state, token, req, &client).await?))
}

fn guest(caller: &Caller) -> ApiResult<&crate::guests::Guest> {
    caller.guest().ok_or_else(ApiError::not_found)
}

/// The guest's session: who they said they are, and what their link allows.
#[utoipa::path(get, path = "/api/v1/guest/session", tag = "guests",
    responses((status = 200, body = GuestSessionView), (status = 403, description = "verification-required", body = ErrorBody),
        (status = 404, description = "link-not-found", body = ErrorBody)))]
pub async fn current_session(caller: Caller) -> ApiResult<Json<GuestSessionView>> {
    Ok(Json(guests::current(guest(&caller)?)))
}

/// Ends the guest's session and clears the guest cookie.
#[utoipa::path(delete, path = "/api/v1/guest/session", tag = "guests",
    responses((status = 204), (status = 404, description = "link-not-found", body = ErrorBody)))]
pub async fn leave_session(
    State(state): State<AppState>,
    client: ClientInfo,
    method: axum::http::Method,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let token = auth::guest_token(&state, &headers).ok_or_else(crate::guests::link_not_found)?;
    auth::check_origin(&state, &method, &headers, true)?;
    guests::leave(&state, token, &client).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, auth::guest_cookie(&state, "", 0))]))
}

/// The assets the guest's link reaches (a folder link: what the folder holds now).
#[utoipa::path(get, path = "/api/v1/guest/assets", tag = "guests", params(GuestAssetParams),
    responses((status = 200, body = Page<AssetView>), (status = 404, description = "link-not-found", body = ErrorBody)))]
pub async fn guest_assets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<GuestAssetParams>,
) -> ApiResult<Json<Page<AssetView>>> {
    Ok(Json(guests::assets(&state, guest(&caller)?, q).await?))
}

/// The campaign's brief, when the guest's link shows it (`show_brief`): the revision in force.
#[utoipa::path(get, path = "/api/v1/guest/brief", tag = "guests",
    responses((status = 200, body = crate::app::briefs::GuestBriefView), (status = 404, description = "link-not-found", body = ErrorBody)))]
pub async fn guest_brief(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<crate::app::briefs::GuestBriefView>> {
    Ok(Json(crate::app::briefs::for_guest(&state, guest(&caller)?).await?))
}

/// Records that the guest read the brief (clears "changed since you last looked").
#[utoipa::path(post, path = "/api/v1/guest/brief/seen", tag = "guests",
    responses((status = 200, body = crate::app::briefs::GuestBriefView),
        (status = 404, description = "link-not-found, brief-not-shared", body = ErrorBody)))]
pub async fn guest_brief_seen(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<crate::app::briefs::GuestBriefView>> {
    Ok(Json(crate::app::briefs::guest_seen(&state, guest(&caller)?).await?))
}
