//! Serves the web app (`web/dist`): embedded in release builds, read from disk in debug builds.
//! Any GET that is not an API route gets `index.html`, so deep links like `/p/…/a/…` load the
//! app (history-API routing). Every page carries the security headers.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// The Content-Security-Policy of every page: scripts only from this origin, no inline scripts,
/// not framable.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the page security headers.
pub fn secure(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The router's fallback: unknown API routes get the JSON 404; other GETs get the app.
pub async fn fallback(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if is_api(path) || !matches!(method, Method::GET | Method::HEAD) {
        return ApiError::new(StatusCode::NOT_FOUND, "route-not-found", "no such route; see /api/v1/openapi.json")
            .into_response();
    }
    let file = path.trim_start_matches('/');
    let (asset, name) = match Dist::get(file).filter(|_| !file.is_empty()) {
        Some(a) => (Some(a), file),
        None => (Dist::get("index.html"), "index.html"),
    };
    let mut resp = match asset {
        Some(a) => {
            let mut r = Response::new(Body::from(a.data.into_owned()));
            if let Ok(v) = HeaderValue::from_str(a.metadata.mimetype()) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            // Vite puts a content hash in every file name under assets/; index.html must be
            // re-read so a new release is picked up.
            let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            r
        }
        None => {
            let mut r = Response::new(Body::from(
                "<!doctype html><meta charset=utf-8><title>Frameproof</title>\
                 <p>The web app has not been built. Run <code>make run</code> (or <code>npm run build</code> in <code>web/</code>).\
                 The API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>",
            ));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        }
    };
    secure(&mut resp);
    resp
}
