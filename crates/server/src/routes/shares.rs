//! Share links (the producer's side) and recipient lists.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{ProjectId, RecipientListId, ShareLinkId, WorkspaceId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::shares::{
    self, AccessEntryView, AccessLogParams, CreateShareLink, CreatedShareLink, RecipientListBody, RecipientListView,
    SendShareLink, ShareLinkView, UpdateShareLink,
};
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::Page;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_link))
        .routes(routes!(project_links))
        .routes(routes!(get_link, update_link))
        .routes(routes!(revoke_link))
        .routes(routes!(send_link))
        .routes(routes!(access_log))
        .routes(routes!(list_recipient_lists, create_recipient_list))
        .routes(routes!(update_recipient_list, delete_recipient_list))
}

/// Creates a share link for an asset, a version, a folder (live), a project or a review list,
/// and optionally mails it. The URL (with its token) is in this answer only.
#[utoipa::path(post, path = "/api/v1/share-links", tag = "share-links", request_body = CreateShareLink,
    responses((status = 201, body = CreatedShareLink), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "mail-not-configured, project-archived", body = ErrorBody)))]
pub async fn create_link(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<CreateShareLink>,
) -> ApiResult<(StatusCode, Json<CreatedShareLink>)> {
    Ok(created(shares::create(&state, &p, req).await?))
}

/// A project's share links, newest first (revoked and expired ones included).
#[utoipa::path(get, path = "/api/v1/projects/{id}/share-links", tag = "share-links", params(("id" = ProjectId, Path)),
    responses((status = 200, body = Page<ShareLinkView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn project_links(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<Page<ShareLinkView>>> {
    Ok(Json(shares::list(&state, &p, id).await?))
}

#[utoipa::path(get, path = "/api/v1/share-links/{id}", tag = "share-links", params(("id" = ShareLinkId, Path)),
    responses((status = 200, body = ShareLinkView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ShareLinkId>,
) -> ApiResult<Json<ShareLinkView>> {
    Ok(Json(shares::get(&state, &p, id).await?))
}

/// Changes a link's options (expiry, password, permissions, domains, …); the URL stays.
#[utoipa::path(patch, path = "/api/v1/share-links/{id}", tag = "share-links", params(("id" = ShareLinkId, Path)),
    request_body = UpdateShareLink,
    responses((status = 200, body = ShareLinkView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "link-revoked, mail-not-configured", body = ErrorBody)))]
pub async fn update_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ShareLinkId>,
    ApiJson(req): ApiJson<UpdateShareLink>,
) -> ApiResult<Json<ShareLinkView>> {
    Ok(Json(shares::update(&state, &p, id, req).await?))
}

/// Revokes a link: every guest's next request is refused and open event streams close.
#[utoipa::path(post, path = "/api/v1/share-links/{id}/revoke", tag = "share-links", params(("id" = ShareLinkId, Path)),
    responses((status = 200, body = ShareLinkView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "link-revoked", body = ErrorBody)))]
pub async fn revoke_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ShareLinkId>,
) -> ApiResult<Json<ShareLinkView>> {
    Ok(Json(shares::revoke(&state, &p, id).await?))
}

/// Mails the link to more people (the URL shown at creation is sent back and checked).
#[utoipa::path(post, path = "/api/v1/share-links/{id}/send", tag = "share-links", params(("id" = ShareLinkId, Path)),
    request_body = SendShareLink,
    responses((status = 200, body = Vec<String>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "mail-not-configured, link-not-live", body = ErrorBody)))]
pub async fn send_link(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ShareLinkId>,
    ApiJson(req): ApiJson<SendShareLink>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(shares::send(&state, &p, id, req).await?))
}

/// Who opened the link, when, from where, and what they did, newest first.
#[utoipa::path(get, path = "/api/v1/share-links/{id}/access-log", tag = "share-links",
    params(("id" = ShareLinkId, Path), AccessLogParams),
    responses((status = 200, body = Page<AccessEntryView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn access_log(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ShareLinkId>,
    ApiQuery(q): ApiQuery<AccessLogParams>,
) -> ApiResult<Json<Page<AccessEntryView>>> {
    Ok(Json(shares::access_log(&state, &p, id, q).await?))
}

/// The workspace's named recipient lists.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/recipient-lists", tag = "share-links", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<RecipientListView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_recipient_lists(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<RecipientListView>>> {
    Ok(Json(Page::all(shares::recipient_lists(&state, &p, id).await?)))
}

#[utoipa::path(post, path = "/api/v1/workspaces/{id}/recipient-lists", tag = "share-links", params(("id" = WorkspaceId, Path)),
    request_body = RecipientListBody,
    responses((status = 201, body = RecipientListView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "name-taken", body = ErrorBody)))]
pub async fn create_recipient_list(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<RecipientListBody>,
) -> ApiResult<(StatusCode, Json<RecipientListView>)> {
    Ok(created(shares::create_recipient_list(&state, &p, id, req).await?))
}

#[utoipa::path(patch, path = "/api/v1/recipient-lists/{id}", tag = "share-links", params(("id" = RecipientListId, Path)),
    request_body = RecipientListBody,
    responses((status = 200, body = RecipientListView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "name-taken", body = ErrorBody)))]
pub async fn update_recipient_list(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<RecipientListId>,
    ApiJson(req): ApiJson<RecipientListBody>,
) -> ApiResult<Json<RecipientListView>> {
    Ok(Json(shares::update_recipient_list(&state, &p, id, req).await?))
}

#[utoipa::path(delete, path = "/api/v1/recipient-lists/{id}", tag = "share-links", params(("id" = RecipientListId, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_recipient_list(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<RecipientListId>,
) -> ApiResult<StatusCode> {
    shares::delete_recipient_list(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
