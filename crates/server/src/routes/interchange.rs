//! Marker files out and in, and the printable report.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frameproof_domain::VersionId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::interchange::{self, ExportParams, ImportParams, ImportResult};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::media::attachment;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_markers, import_markers)).routes(routes!(report))
}

/// A version's comments as a marker file for editing software (video versions). Guests need
/// their link's view permission and never get team-only comments.
#[utoipa::path(get, path = "/api/v1/versions/{id}/markers", tag = "interchange", params(("id" = VersionId, Path), ExportParams),
    responses((status = 200, description = "The marker file, as an attachment"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "not-video", body = ErrorBody)))]
pub async fn export_markers(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<VersionId>,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let file = interchange::export(&state, &caller, id, q).await?;
    let mut resp = Response::new(Body::from(file.bytes));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    if let Some(v) = attachment(&file.filename) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// Reads a marker file (the request body, at most 16 MiB) onto a version as comments by the
/// caller: Resolve EDL, FCPXML, FCP7 XML, Avid marker list, OTIO or CSV, the format named or
/// guessed. All or nothing; `dry_run=true` only lists what would be created. Errors name the
/// line.
#[utoipa::path(post, path = "/api/v1/versions/{id}/markers", tag = "interchange", params(("id" = VersionId, Path), ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The marker file"),
    responses((status = 200, body = ImportResult), (status = 400, description = "invalid-format, unknown-format, and the reader's codes (syntax, before-start, past-end, xml-dtd, …)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "version-locked, not-video", body = ErrorBody),
        (status = 413, description = "file-too-large", body = ErrorBody)))]
pub async fn import_markers(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<VersionId>,
    ApiQuery(q): ApiQuery<ImportParams>,
    body: Body,
) -> ApiResult<Json<ImportResult>> {
    let max = frameproof_interchange::MAX_IMPORT_BYTES;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file-too-large",
            format!("a marker file may be at most {} MiB", max >> 20),
        )
    })?;
    Ok(Json(interchange::import(&state, &p, id, q, &bytes).await?))
}

/// The printable report of a version: every comment with its frame still and drawing,
/// timecode, author, replies, the decisions and the lock. Self-contained HTML that prints to PDF
/// (`frameproof export report`).
#[utoipa::path(get, path = "/api/v1/versions/{id}/report", tag = "interchange", params(("id" = VersionId, Path)),
    responses((status = 200, description = "text/html", content_type = "text/html"), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Response> {
    let html = crate::app::report::report(&state, &caller, id).await?;
    let mut resp = html.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Nothing runs in it and nothing leaves it: stills are embedded, styles inline.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}
