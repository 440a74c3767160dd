//! `/api/v1/uploads`: the tus 1.0.0 protocol (core, creation, creation-with-upload,
//! termination, expiration, checksum). Errors keep the API's JSON shape; every answer but
//! OPTIONS carries `Tus-Resumable`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::uploads::{self, Checksum, CreateUpload, Patched};
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiPath;
use crate::state::AppState;

pub const TUS_VERSION: &str = "1.0.0";
pub const TUS_EXTENSIONS: &str = "creation,creation-with-upload,termination,expiration,checksum";
pub const TUS_CHECKSUMS: &str = "sha1,sha256";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tus_options, tus_create))
        .routes(routes!(tus_options_slash, tus_create_slash))
        .routes(routes!(tus_head, tus_patch, tus_terminate))
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Adds `Tus-Resumable` to an answer.
fn tus(mut resp: Response) -> Response {
    resp.headers_mut().insert(HeaderName::from_static("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
    resp
}

fn set(resp: &mut Response, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        resp.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

fn http_date(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    httpdate::fmt_http_date(t)
}

/// The 412 answer (naming the version we speak) for a request in another tus version.
fn check_version(h: &HeaderMap) -> Option<Response> {
    match header_str(h, "tus-resumable") {
        Some(TUS_VERSION) => None,
        _ => {
            let mut r = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "tus-version-unsupported",
                "send Tus-Resumable: 1.0.0 (the tus version this server speaks)",
            )
            .into_response();
            set(&mut r, "tus-version", TUS_VERSION);
            Some(tus(r))
        }
    }
}

fn err(e: ApiError) -> Response {
    tus(e.into_response())
}

fn patched_response(p: &Patched, status: StatusCode, location: Option<String>) -> Response {
    let mut r = status.into_response();
    set(&mut r, "upload-offset", p.offset);
    set(&mut r, "upload-expires", http_date(p.expires_at));
    if let Some(v) = location.and_then(|loc| HeaderValue::from_str(&loc).ok()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if let Some((asset, version)) = p.finished {
        set(&mut r, "frameproof-asset-id", asset);
        set(&mut r, "frameproof-version-id", version);
    }
    r.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Upload-Offset, Upload-Expires, Location, Frameproof-Asset-Id, Frameproof-Version-Id"),
    );
    tus(r)
}

fn options() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    set(&mut r, "tus-resumable", TUS_VERSION);
    set(&mut r, "tus-version", TUS_VERSION);
    set(&mut r, "tus-extension", TUS_EXTENSIONS);
    set(&mut r, "tus-checksum-algorithm", TUS_CHECKSUMS);
    r
}

/// What this server implements of tus: version, extensions, checksum algorithms, max size.
#[utoipa::path(options, path = "/api/v1/uploads", tag = "uploads", security(()),
    responses((status = 204, description = "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm headers")))]
pub async fn tus_options(State(state): State<AppState>) -> Response {
    let mut r = options();
    set(&mut r, "tus-max-size", state.config().limits.max_upload_bytes);
    r
}

/// The same as `OPTIONS /api/v1/uploads`.
#[utoipa::path(options, path = "/api/v1/uploads/", tag = "uploads", security(()), responses((status = 204)))]
pub async fn tus_options_slash(state: State<AppState>) -> Response {
    tus_options(state).await
}

/// Creates an upload (tus creation; with a body, creation-with-upload). `Upload-Metadata`
/// carries `filename`, `filetype` and the target: `folder_id` (a new asset, v1) or `asset_id`
/// (the next version of that asset). Refused with 413 `quota-exceeded` before any byte is
/// stored when `Upload-Length` would pass the workspace's quota.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "uploads",
    params(("Tus-Resumable" = String, Header), ("Upload-Length" = i64, Header), ("Upload-Metadata" = String, Header)),
    responses((status = 201, description = "Location of the new upload; Upload-Offset"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 413, description = "quota-exceeded, upload-too-large", body = ErrorBody)))]
pub async fn tus_create(State(state): State<AppState>, p: Principal, headers: HeaderMap, body: Body) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    if headers.contains_key("upload-defer-length") {
        return err(ApiError::bad_request(
            "defer-length-unsupported",
            "send Upload-Length; deferred length is not supported",
        ));
    }
    let Some(length) =
        header_str(&headers, "upload-length").and_then(|v| v.trim().parse::<i64>().ok()).filter(|l| *l >= 0)
    else {
        return err(ApiError::bad_request("invalid-upload-length", "Upload-Length must be a whole number of bytes"));
    };
    let metadata_raw = header_str(&headers, "upload-metadata").unwrap_or("").to_owned();
    if metadata_raw.len() > 8192 {
        return err(ApiError::bad_request("invalid-upload-metadata", "Upload-Metadata is too long"));
    }
    let upload = match uploads::create(&state, &p, CreateUpload { length, metadata_raw }).await {
        Ok(u) => u,
        Err(e) => return err(e),
    };
    let location = format!("/api/v1/uploads/{}", upload.id);
    let with_body = header_str(&headers, "content-type").is_some_and(|c| c.starts_with(OFFSET_OCTET_STREAM));
    if with_body || length == 0 {
        let checksum = match header_str(&headers, "upload-checksum").map(Checksum::parse).transpose() {
            Ok(c) => c,
            Err(e) => return err(e),
        };
        return match uploads::patch(&state, &p, upload.id, 0, checksum, body.into_data_stream()).await {
            Ok(done) => patched_response(&done, StatusCode::CREATED, Some(location)),
            // The upload exists even though its first bytes were refused: say where, so the
            // client can resume (or terminate) it instead of leaving it to expire.
            Err(e) => {
                let mut r = err(e);
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
        };
    }
    let created = Patched { offset: 0, expires_at: upload.expires_at, finished: None };
    patched_response(&created, StatusCode::CREATED, Some(location))
}

/// The same as `POST /api/v1/uploads`.
#[utoipa::path(post, path = "/api/v1/uploads/", tag = "uploads",
    responses((status = 201, description = "as POST /api/v1/uploads"), (status = 400, body = ErrorBody)))]
pub async fn tus_create_slash(state: State<AppState>, p: Principal, headers: HeaderMap, body: Body) -> Response {
    tus_create(state, p, headers, body).await
}

/// Where an upload stands: `Upload-Offset` (the durable offset) and `Upload-Length`.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Upload-Offset, Upload-Length, Upload-Expires"), (status = 404), (status = 410)))]
pub async fn tus_head(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    match uploads::get(&state, &p, id).await {
        Ok(u) => {
            let mut r = StatusCode::OK.into_response();
            set(&mut r, "upload-offset", u.upload_offset);
            set(&mut r, "upload-length", u.length);
            if !u.metadata.is_empty() {
                set(&mut r, "upload-metadata", &u.metadata);
            }
            if u.completed_at.is_none() {
                set(&mut r, "upload-expires", http_date(u.expires_at));
            }
            if let Some(v) = u.version_id {
                set(&mut r, "frameproof-version-id", v);
            }
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            tus(r)
        }
        // HEAD answers carry no body.
        Err(e) => {
            let mut r = e.status.into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            tus(r)
        }
    }
}

/// Appends bytes at `Upload-Offset` (`Content-Type: application/offset+octet-stream`). The
/// offset advances only once the bytes are on disk. An optional `Upload-Checksum` (`sha1` or
/// `sha256`) is checked before anything is kept (460 on mismatch). The last PATCH answers the
/// new asset and version ids in `Frameproof-Asset-Id` / `Frameproof-Version-Id`.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = Uuid, Path),
        ("Upload-Offset" = i64, Header), ("Upload-Checksum" = Option<String>, Header)),
    responses((status = 204, description = "Upload-Offset"), (status = 404, body = ErrorBody),
        (status = 409, description = "offset-mismatch; upload-lease-lost: the request lost its write lease mid-body, nothing it sent counts (HEAD, then resume)", body = ErrorBody), (status = 410, body = ErrorBody),
        (status = 423, description = "upload-locked: another request is writing it; retry", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 460, description = "checksum-mismatch", body = ErrorBody)))]
pub async fn tus_patch(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    if !header_str(&headers, "content-type").is_some_and(|c| c.starts_with(OFFSET_OCTET_STREAM)) {
        return err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "PATCH bodies must be Content-Type: application/offset+octet-stream",
        ));
    }
    let Some(offset) =
        header_str(&headers, "upload-offset").and_then(|v| v.trim().parse::<i64>().ok()).filter(|o| *o >= 0)
    else {
        return err(ApiError::bad_request("invalid-upload-offset", "Upload-Offset must be a whole number of bytes"));
    };
    let checksum = match header_str(&headers, "upload-checksum").map(Checksum::parse).transpose() {
        Ok(c) => c,
        Err(e) => return err(e),
    };
    match uploads::patch(&state, &p, id, offset, checksum, body.into_data_stream()).await {
        Ok(done) => patched_response(&done, StatusCode::NO_CONTENT, None),
        Err(e) => err(e),
    }
}

/// Terminates an unfinished upload and deletes its bytes.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "uploads", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn tus_terminate(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    match uploads::terminate(&state, &p, id).await {
        Ok(()) => tus(StatusCode::NO_CONTENT.into_response()),
        Err(e) => err(e),
    }
}
