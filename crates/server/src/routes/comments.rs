//! Comments on versions: threads, replies, edits, resolve and reopen, carry forward.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{CommentId, VersionId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use crate::app::comments::{
    self, CarryForward, CarryResult, CommentEditView, CommentListParams, CommentView, CreateComment, CreateReply,
    EditComment,
};
use crate::auth::{Caller, Principal};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::Page;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(get_comment, edit_comment, delete_comment))
        .routes(routes!(create_reply))
        .routes(routes!(resolve_comment))
        .routes(routes!(reopen_comment))
        .routes(routes!(comment_history))
        .routes(routes!(carry_forward))
}

/// A version's comment threads in frame order (then time), each with its replies, paged.
/// Reviewers never see team-only threads.
#[utoipa::path(get, path = "/api/v1/versions/{id}/comments", tag = "comments",
    params(("id" = VersionId, Path), CommentListParams),
    responses((status = 200, body = Page<CommentView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_comments(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
    ApiQuery(q): ApiQuery<CommentListParams>,
) -> ApiResult<Json<Page<CommentView>>> {
    Ok(Json(comments::list(&state, &p, id, q).await?))
}

/// Comments on a version: a frame or inclusive frame range (video), a millisecond or range
/// (audio), an optional point (images), a page and optional point (PDFs); an optional drawing.
/// Acknowledged only once committed; broadcast after.
#[utoipa::path(post, path = "/api/v1/versions/{id}/comments", tag = "comments", params(("id" = VersionId, Path)),
    request_body = CreateComment,
    responses((status = 201, body = CommentView),
        (status = 400, description = "invalid-anchor, empty-field, invalid-mention, …", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked, version-processing, project-archived", body = ErrorBody)))]
pub async fn create_comment(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<CreateComment>,
) -> ApiResult<(StatusCode, Json<CommentView>)> {
    Ok(created(comments::create(&state, &p, id, req).await?))
}

/// A comment (a thread with its replies).
#[utoipa::path(get, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = CommentId, Path)),
    responses((status = 200, body = CommentView), (status = 404, body = ErrorBody)))]
pub async fn get_comment(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(comments::get(&state, &p, id).await?))
}

/// Edits one's own comment (text, drawing, mentions); the earlier text is kept.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = CommentId, Path)),
    request_body = EditComment,
    responses((status = 200, body = CommentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn edit_comment(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<CommentId>,
    ApiJson(req): ApiJson<EditComment>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(comments::edit(&state, &p, id, req).await?))
}

/// Deletes a comment (a thread with its replies): its author, or an owner or admin.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "comments", params(("id" = CommentId, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<CommentId>,
) -> ApiResult<StatusCode> {
    comments::delete(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replies to a thread (a reply to a reply joins the same thread).
#[utoipa::path(post, path = "/api/v1/comments/{id}/replies", tag = "comments", params(("id" = CommentId, Path)),
    request_body = CreateReply,
    responses((status = 201, body = CommentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn create_reply(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<CommentId>,
    ApiJson(req): ApiJson<CreateReply>,
) -> ApiResult<(StatusCode, Json<CommentView>)> {
    Ok(created(comments::reply(&state, &p, id, req).await?))
}

/// Marks a thread resolved.
#[utoipa::path(post, path = "/api/v1/comments/{id}/resolve", tag = "comments", params(("id" = CommentId, Path)),
    responses((status = 200, body = CommentView), (status = 400, description = "not-a-thread", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn resolve_comment(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(comments::set_resolved(&state, &p, id, true).await?))
}

/// Reopens a resolved thread.
#[utoipa::path(post, path = "/api/v1/comments/{id}/reopen", tag = "comments", params(("id" = CommentId, Path)),
    responses((status = 200, body = CommentView), (status = 400, description = "not-a-thread", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "version-locked", body = ErrorBody)))]
pub async fn reopen_comment(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<CommentId>,
) -> ApiResult<Json<CommentView>> {
    Ok(Json(comments::set_resolved(&state, &p, id, false).await?))
}

/// What a comment said before each edit, oldest first.
#[utoipa::path(get, path = "/api/v1/comments/{id}/history", tag = "comments", params(("id" = CommentId, Path)),
    responses((status = 200, body = Page<CommentEditView>), (status = 404, body = ErrorBody)))]
pub async fn comment_history(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<CommentId>,
) -> ApiResult<Json<Page<CommentEditView>>> {
    Ok(Json(Page::all(comments::history(&state, &p, id).await?)))
}

/// Carries open threads of an earlier version (default: the one numbered just below) onto this
/// one; each new thread links to its original. Threads already carried are skipped.
#[utoipa::path(post, path = "/api/v1/versions/{id}/carry-forward", tag = "comments", params(("id" = VersionId, Path)),
    request_body = CarryForward,
    responses((status = 200, body = CarryResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "version-locked, kind-mismatch", body = ErrorBody)))]
pub async fn carry_forward(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiJson(req): ApiJson<CarryForward>,
) -> ApiResult<Json<CarryResult>> {
    Ok(Json(comments::carry_forward(&state, &p, id, req).await?))
}
