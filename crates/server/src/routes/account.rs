//! The caller's own account: profile, password, sessions, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::created;
use crate::app::accounts::{self, AccountView, ChangePassword, CreateToken, CreatedToken, UpdateAccount};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::model::{ApiTokenView, Page, SessionView, UserView};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_account, update_account))
        .routes(routes!(change_password))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(revoke_other_sessions))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// The caller and their workspaces (with role and storage).
#[utoipa::path(get, path = "/api/v1/account", tag = "account", responses((status = 200, body = AccountView), (status = 401, body = ErrorBody)))]
pub async fn get_account(State(state): State<AppState>, p: Principal) -> ApiResult<Json<AccountView>> {
    Ok(Json(accounts::account(&state, &p).await?))
}

/// Changes the caller's display name.
#[utoipa::path(patch, path = "/api/v1/account", tag = "account", request_body = UpdateAccount,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody)))]
pub async fn update_account(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<UpdateAccount>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(accounts::update_account(&state, &p, req).await?))
}

/// Changes the caller's password; other sessions are signed out.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "account", request_body = ChangePassword,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, description = "password-wrong", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    accounts::change_password(&state, &p, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's live sessions.
#[utoipa::path(get, path = "/api/v1/account/sessions", tag = "account", responses((status = 200, body = Page<SessionView>)))]
pub async fn list_sessions(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Page<SessionView>>> {
    Ok(Json(Page::all(accounts::sessions(&state, &p).await?)))
}

/// Signs out one session.
#[utoipa::path(delete, path = "/api/v1/account/sessions/{id}", tag = "account", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    accounts::revoke_session(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions were signed out.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub revoked: u64,
}

/// Signs out every session but the current one.
#[utoipa::path(post, path = "/api/v1/account/sessions/revoke-others", tag = "account", responses((status = 200, body = Revoked)))]
pub async fn revoke_other_sessions(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Revoked>> {
    Ok(Json(Revoked { revoked: accounts::revoke_other_sessions(&state, &p).await? }))
}

/// The caller's API tokens (never the secrets).
#[utoipa::path(get, path = "/api/v1/account/tokens", tag = "account", responses((status = 200, body = Page<ApiTokenView>)))]
pub async fn list_tokens(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Page<ApiTokenView>>> {
    Ok(Json(Page::all(accounts::tokens(&state, &p).await?)))
}

/// Creates a personal API token; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/account/tokens", tag = "account", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    Ok(created(accounts::create_token(&state, &p, req).await?))
}

/// Revokes an API token at once.
#[utoipa::path(delete, path = "/api/v1/account/tokens/{id}", tag = "account", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    accounts::revoke_token(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
