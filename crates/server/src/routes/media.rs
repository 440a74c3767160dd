//! Media: signed-URL file serving (with HTTP Range) and frame-exact stills.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frameproof_blobs::BlobKey;
use frameproof_domain::{FrameRate, VersionId};
use frameproof_store::versions;
use serde::Deserialize;
use tower::ServiceExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::versions::reach_for;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};
use crate::media_urls;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(media_file)).routes(routes!(frame_still)).routes(routes!(download))
}

/// The signature part of a media URL.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Signed {
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// HMAC signature.
    pub sig: String,
}

fn gone() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "media-url-invalid",
        "this media link is invalid or has expired; reload the page",
    )
}

/// A file of a version's derived media, by signed URL (no session needed; the URL is the
/// permission and lasts at most five minutes). Supports `Range`; answers
/// `Cache-Control: private` no longer than the URL's lifetime.
#[utoipa::path(get, path = "/api/v1/media/{version}/{file}", tag = "versions", security(()),
    params(("version" = VersionId, Path), ("file" = String, Path), Signed),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of the file (Range)"),
        (status = 403, description = "media-url-invalid", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn media_file(
    State(state): State<AppState>,
    ApiPath((version, file)): ApiPath<(VersionId, String)>,
    ApiQuery(signed): ApiQuery<Signed>,
    req: Request,
) -> ApiResult<Response> {
    let now = state.now().0 / 1000;
    if !media_urls::valid_file(&file)
        || signed.exp < now
        || !media_urls::verify(state.media_key(), version, &file, signed.exp, &signed.sig)
    {
        return Err(gone());
    }
    let key = BlobKey::new(format!("derived/{version}/{file}")).map_err(|_| gone())?;
    let path = state.blobs().path(&key);
    if !path.is_file() {
        return Err(ApiError::not_found());
    }
    let mut resp =
        tower_http::services::ServeFile::new(path).oneshot(req).await.map_err(ApiError::internal)?.map(Body::new);
    let max_age = (signed.exp - now).clamp(0, state.config().limits.media_url_lifetime_secs);
    if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={max_age}")) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// Exactly frame `n` of the version's proxy as a JPEG (`/frames/42.jpg`; frames count from 0).
/// Made on first request, then cached.
#[utoipa::path(get, path = "/api/v1/versions/{id}/frames/{frame}", tag = "versions",
    params(("id" = VersionId, Path), ("frame" = String, Path, description = "`N.jpg`, N from 0 to frame_count − 1")),
    responses((status = 200, description = "image/jpeg", content_type = "image/jpeg"), (status = 400, body = ErrorBody),
        (status = 404, description = "not-found, frame-out-of-range", body = ErrorBody), (status = 409, description = "not-playable", body = ErrorBody)))]
pub async fn frame_still(
    State(state): State<AppState>,
    p: Caller,
    ApiPath((id, frame)): ApiPath<(VersionId, String)>,
) -> ApiResult<Response> {
    let n: u64 =
        frame.strip_suffix(".jpg").unwrap_or(&frame).parse().map_err(|_| {
            ApiError::bad_request("invalid-frame", "name a frame as N.jpg, with N a whole number from 0")
        })?;
    let v = {
        let mut c = state.store().reader().await?;
        reach_for(&mut c, &p, id).await?.0
    };
    let bytes = still(&state, &v, n).await?;
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(resp.into_response())
}

/// Exactly frame `n` of a video version's proxy as JPEG bytes, made on first use and cached as
/// derived media (it counts against the workspace's storage) within the still cache's bound
/// ([`crate::stills`]).
pub async fn still(state: &AppState, v: &versions::VersionRow, n: u64) -> ApiResult<Vec<u8>> {
    let id = v.id;
    let proxy = {
        let mut c = state.store().reader().await?;
        versions::renditions(&mut c, id)
            .await?
            .into_iter()
            .filter(|r| r.name.starts_with("proxy_") && r.content_type == "video/mp4")
            .min_by_key(|r| r.width.unwrap_or(i64::MAX))
    };
    let (Some(proxy), Some(num), Some(den), Some(frames)) = (proxy, v.rate_num, v.rate_den, v.frame_count) else {
        return Err(ApiError::conflict("not-playable", "this version has no video proxy yet"));
    };
    if n >= u64::try_from(frames).unwrap_or(0) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "frame-out-of-range",
            format!("frame {n} is past the end: this version has frames 0 to {}", frames - 1),
        ));
    }
    let rate = FrameRate::new(u64::try_from(num).unwrap_or(0), u64::try_from(den).unwrap_or(0))
        .ok_or_else(|| ApiError::conflict("not-playable", "this version has no frame rate"))?;
    let key = BlobKey::new(format!("derived/{id}/frame_{n}.jpg")).map_err(ApiError::internal)?;
    let path = state.blobs().path(&key);
    // A hit marks the still used; a still evicted between the check and the read is made again.
    for _ in 0..2 {
        if state.blobs().len(&key).await.map_err(ApiError::internal)?.is_some() {
            crate::stills::touch(path.clone()).await;
            match tokio::fs::read(&path).await {
                Ok(jpeg) => return Ok(jpeg),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ApiError::internal(e)),
            }
        }
        make_still(state, id, &proxy.blob_key, rate, n, &key).await?;
        crate::stills::evict_soon(state);
    }
    tokio::fs::read(&path).await.map_err(ApiError::internal)
}

/// Extracts frame `n` of the proxy at `proxy_key` into the cache at `key`, and counts it in
/// the workspace's derived media (unless another request made it meanwhile).
async fn make_still(
    state: &AppState,
    id: frameproof_domain::VersionId,
    proxy_key: &str,
    rate: FrameRate,
    n: u64,
    key: &BlobKey,
) -> ApiResult<()> {
    let proxy_path = state.blobs().path(&BlobKey::new(proxy_key.to_owned()).map_err(ApiError::internal)?);
    let scratch = state
        .blobs()
        .scratch(&format!("frame-{id}-{n}-{}", rand::random::<u32>()))
        .await
        .map_err(ApiError::internal)?;
    let out = scratch.join("still.jpg");
    let made = frameproof_media::extract_frame(state.tools(), &proxy_path, rate, n, &out, None).await;
    let kept = match made {
        Ok(()) if state.blobs().len(key).await.map_err(ApiError::internal)?.is_some() => Ok(None),
        Ok(()) => state.blobs().put_file(&out, key).await.map(Some).map_err(ApiError::internal),
        Err(e) => Err(ApiError::internal(e)),
    };
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    // Cached stills are derived media: they count against the workspace's storage.
    if let Some(size) = kept? {
        let mut tx = state.store().begin().await?;
        if let Some((ws, _, _)) = versions::scope(&mut tx, id).await? {
            frameproof_store::workspaces::add_usage(&mut tx, ws, 0, i64::try_from(size).unwrap_or(i64::MAX)).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Which file to download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// `original` (the uploaded file) or `proxy` (the largest playable rendition).
    pub file: String,
}

/// Downloads a version's original or proxy as an attachment (supports `Range`). Members need
/// their role's view (proxy) or download-original right; guests their link's `download_proxy`
/// or `download_original` permission, and each download is in the link's access log.
#[utoipa::path(get, path = "/api/v1/versions/{id}/download", tag = "versions", params(("id" = VersionId, Path), DownloadParams),
    responses((status = 200, description = "The file, as an attachment"), (status = 206, description = "Part of the file (Range)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "not-playable", body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
    ApiQuery(q): ApiQuery<DownloadParams>,
    req: Request,
) -> ApiResult<Response> {
    let original = match q.file.as_str() {
        "original" => true,
        "proxy" => false,
        other => {
            return Err(ApiError::bad_request(
                "invalid-file",
                format!("file must be original or proxy, not {other:?}"),
            ));
        }
    };
    let (v, asset, grant, proxy) = {
        let mut c = state.store().reader().await?;
        let (v, asset, _, grant) = reach_for(&mut c, &p, id).await?;
        let proxy = versions::renditions(&mut c, id)
            .await?
            .into_iter()
            .filter(|r| r.name.starts_with("proxy_") || r.name.starts_with("preview"))
            .max_by_key(|r| r.width.unwrap_or(0));
        (v, asset, grant, proxy)
    };
    match grant.guest() {
        Some(g) => crate::app::guests::may_download(g, original)?,
        None if original => grant.require(frameproof_domain::Action::DownloadOriginal)?,
        None => {}
    }
    let (key, name) = if original {
        (v.original_key.clone(), v.filename.clone())
    } else {
        let proxy = proxy.ok_or_else(|| ApiError::conflict("not-playable", "this version has no proxy yet"))?;
        let ext = proxy.blob_key.rsplit('.').next().unwrap_or("mp4").to_owned();
        let stem = v.filename.rsplit_once('.').map_or(v.filename.as_str(), |(s, _)| s).to_owned();
        (proxy.blob_key, format!("{stem} (proxy).{ext}"))
    };
    let path = state.blobs().path(&BlobKey::new(key).map_err(ApiError::internal)?);
    if !path.is_file() {
        return Err(ApiError::not_found());
    }
    // One access-log line per download, not one per Range request of it.
    let first_part =
        req.headers().get(header::RANGE).and_then(|r| r.to_str().ok()).is_none_or(|r| r.trim().starts_with("bytes=0-"));
    if let Some(g) = grant.guest()
        && first_part
    {
        crate::app::guests::log_download(&state, g, original, asset.id, v.id).await?;
    }
    let mut resp =
        tower_http::services::ServeFile::new(path).oneshot(req).await.map_err(ApiError::internal)?.map(Body::new);
    if let Some(v) = attachment(&name) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// A `Content-Disposition: attachment` value naming `name`: an ASCII fallback and the UTF-8 name
/// (RFC 6266), so the browser saves the file under its real name.
pub fn attachment(name: &str) -> Option<HeaderValue> {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")).ok()
}
