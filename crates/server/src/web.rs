//! Serves the web app (`web/dist`): embedded in release builds, read from disk in debug builds.
//! Any GET that is not an API route gets `index.html`, so deep links like `/p/…/a/…` load the
//! app (history-API routing). Every page carries the security headers.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// The web app as built when this binary was compiled (release builds).
#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// Where the app's files come from.
fn source(state: &AppState) -> Option<PathBuf> {
    if let Some(dir) = &state.config().server.web_dir {
        return Some(dir.clone());
    }
    // Debug builds read the source tree's build output, so `npm run build` needs no recompile.
    cfg!(debug_assertions).then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist"))
}

/// A file of the app by its relative path; `..` and absolute paths are refused.
fn file(state: &AppState, rel: &str) -> Option<Cow<'static, [u8]>> {
    let rel_path = Path::new(rel);
    if rel.is_empty() || !rel_path.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    match source(state) {
        Some(dir) => std::fs::read(dir.join(rel_path)).ok().map(Cow::Owned),
        None => Dist::get(rel).map(|f| f.data),
    }
}

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
pub async fn fallback(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if is_api(path) || !matches!(method, Method::GET | Method::HEAD) {
        return ApiError::new(StatusCode::NOT_FOUND, "route-not-found", "no such route; see /api/v1/openapi.json")
            .into_response();
    }
    let rel = path.trim_start_matches('/');
    let (data, name) = match file(&state, rel) {
        Some(d) => (Some(d), rel),
        None => (file(&state, "index.html"), "index.html"),
    };
    let mut resp = match data {
        Some(data) => {
            let mut r = Response::new(Body::from(data.into_owned()));
            let mime = mime_guess::from_path(name).first_or_octet_stream();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
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
