//! First-run set-up, sign-in and sign-out, invitations' public side.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::accounts::{self, ClientInfo, LoginRequest, SetupRequest, Welcome};
use crate::app::workspaces::{self, AcceptInvite, InvitePreview, InviteToken};
use crate::auth::{
    Principal, clear_cookie, client_ip, device_cookie, device_cookie_name, request_cookie, session_cookie,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::model::UserView;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(setup_status, setup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(preview_invite))
        .routes(routes!(accept_invite))
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientInfo {
            ip: client_ip(state, parts),
            user_agent: parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned(),
            device: request_cookie(&parts.headers, device_cookie_name(state)).map(str::to_owned),
        })
    }
}

/// Whether the server waits for its first user.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetupStatus {
    pub needs_setup: bool,
}

/// Whether set-up is pending.
#[utoipa::path(get, path = "/api/v1/setup", tag = "setup", security(()), responses((status = 200, body = SetupStatus)))]
pub async fn setup_status(State(state): State<AppState>) -> ApiResult<Json<SetupStatus>> {
    Ok(Json(SetupStatus { needs_setup: accounts::needs_setup(&state).await? }))
}

/// Redeems the one-time set-up link: creates the first user as owner of the first workspace
/// and signs them in.
#[utoipa::path(post, path = "/api/v1/setup", tag = "setup", security(()), request_body = SetupRequest,
    responses((status = 201, body = Welcome), (status = 400, body = ErrorBody),
        (status = 403, description = "setup-token-invalid", body = ErrorBody), (status = 409, description = "setup-done", body = ErrorBody)))]
pub async fn setup(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<SetupRequest>,
) -> ApiResult<impl IntoResponse> {
    let (welcome, session) = accounts::setup(&state, req, &client).await?;
    Ok((
        StatusCode::CREATED,
        [(SET_COOKIE, session_cookie(&state, &session.token, session.max_age_secs))],
        Json(welcome),
    ))
}

/// Signs in with e-mail and password; sets the session cookie, and a known-device cookie (sent
/// only to `/api/v1/auth`) that keeps this browser able to sign in while others guess at the
/// account. Failed tries are limited per account and address, per address, and (slowed, not
/// shut) per account: see docs/operations.md.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = UserView), (status = 401, description = "invalid-credentials", body = ErrorBody),
        (status = 429, description = "too-many-attempts", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed_in = accounts::login(&state, req, &client).await?;
    let session = &signed_in.session;
    let mut cookies = vec![(SET_COOKIE, session_cookie(&state, &session.token, session.max_age_secs))];
    if let Some(device) = &signed_in.new_device {
        cookies.push((SET_COOKIE, device_cookie(&state, device)));
    }
    Ok((AppendHeaders(cookies), Json(signed_in.user)))
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, p: Principal) -> ApiResult<impl IntoResponse> {
    accounts::logout(&state, &p).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, clear_cookie(&state))]))
}

/// Shows what an invitation offers before accepting it.
#[utoipa::path(post, path = "/api/v1/invites/preview", tag = "workspaces", security(()), request_body = InviteToken,
    responses((status = 200, body = InvitePreview), (status = 404, description = "invite-not-found", body = ErrorBody)))]
pub async fn preview_invite(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<InviteToken>,
) -> ApiResult<Json<InvitePreview>> {
    Ok(Json(workspaces::preview_invite(&state, req).await?))
}

/// Accepts an invitation: creates the account (or proves the existing one by its password),
/// joins the workspace and signs in.
#[utoipa::path(post, path = "/api/v1/invites/accept", tag = "workspaces", security(()), request_body = AcceptInvite,
    responses((status = 201, body = Welcome), (status = 400, body = ErrorBody), (status = 403, description = "password-wrong", body = ErrorBody),
        (status = 404, description = "invite-not-found", body = ErrorBody)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<AcceptInvite>,
) -> ApiResult<impl IntoResponse> {
    let (welcome, session) = workspaces::accept_invite(&state, req, &client).await?;
    Ok((
        StatusCode::CREATED,
        [(SET_COOKIE, session_cookie(&state, &session.token, session.max_age_secs))],
        Json(welcome),
    ))
}
