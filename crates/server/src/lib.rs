//! Frameproof's HTTP server: the axum router, authentication, use cases, the events stream and
//! the OpenAPI document.
//!
//! Handlers (`routes/`) are thin: they extract, call one use case (`app/`), and answer. Use
//! cases decide who may do what (`access`) and write through `frameproof_store` in one
//! transaction with their event. This crate holds no SQL and runs no external tools.

pub mod access;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod guests;
pub mod housekeeping;
pub mod html;
pub mod hub;
pub mod keys;
pub mod mail;
pub mod media_urls;
pub mod metrics;
pub mod model;
pub mod recent;
pub mod routes;
pub mod state;
pub mod stills;
pub mod web;
pub mod zone;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use frameproof_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{ApiError, REQUEST_ID};
use crate::state::AppState;

/// The whole HTTP application over a state (tests drive it without a socket, too).
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::api_router().split_for_parts();
    router
        .fallback(web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config().limits.json_body_max_bytes))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked").into_response()
        }))
        .layer(middleware::from_fn_with_state(state.clone(), origin_guard))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "this route does not take that method")
}

/// Gives every request an id (a well-formed incoming `X-Request-Id` is kept), makes it
/// available to error bodies, and returns it in the `x-request-id` header.
async fn request_id(req: Request, next: Next) -> Response {
    let incoming = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    let id = incoming.unwrap_or_else(|| {
        let mut b = [0u8; 8];
        rand::fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    });
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Refuses state-changing requests that another site's page sent (sign-in and set-up included).
async fn origin_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match auth::check_origin(&state, req.method(), req.headers(), false) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Logs each request once and counts it for `/metrics`.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| String::from("unmatched"));
    let resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics().observe(&method, &route, status, secs);
    tracing::info!(
        request_id = %error::current_request_id(),
        method = %method,
        route = %route,
        status,
        ms = (secs * 1000.0).round() as u64,
        "request"
    );
    resp
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("creating the data directory {path}")]
    DataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] frameproof_store::StoreError),
    #[error("listening on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("preparing first-run set-up: {0}")]
    Setup(String),
    #[error("opening the media store: {0}")]
    Media(String),
}

/// A running server.
pub struct Running {
    /// The address it listens on (the real port when 0 was asked for).
    pub addr: SocketAddr,
    pub state: AppState,
    /// The one-time set-up token, when the server has no users yet (also logged).
    pub setup_token: Option<String>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// `http://ADDR:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish, closes the database.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.state.begin_shutdown();
        let _ = self.stop.send(true);
        let r = self.task.await.unwrap_or(Ok(()));
        self.state.store().close().await;
        r
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Opens the data dir, binds, and starts serving. Logs `listening on http://ADDR:PORT`, and on
/// a server with no users the one-time `setup: …` link.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> Result<Running, StartError> {
    config.validate().map_err(StartError::Config)?;
    let dir = config.server.data_dir.clone();
    std::fs::create_dir_all(&dir).map_err(|source| StartError::DataDir { path: dir.clone(), source })?;
    let store = Store::open_in(&dir).await?;
    let blobs =
        frameproof_blobs::Blobs::local(dir.join("media")).await.map_err(|e| StartError::Media(e.to_string()))?;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .map_err(|source| StartError::Bind { addr: config.server.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.server.listen, source })?;
    let state = AppState::new(store, blobs, config, clock, format!("http://{addr}"))
        .map_err(|e| StartError::Media(format!("loading the server keys or the mail settings: {e}")))?;
    // Workspaces made before briefs existed get the standard brief template.
    app::briefs::ensure_standard_templates(&state).await.map_err(|e| StartError::Setup(e.message))?;
    let (stop, mut stopped) = watch::channel(false);
    let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    housekeeping::spawn(state.clone(), stop.subscribe());
    housekeeping::spawn_workflow_clock(state.clone(), stop.subscribe());
    app::audit::spawn_journal(state.clone(), stop.subscribe());
    mail::spawn(state.clone(), stop.subscribe());
    hub::spawn(state.clone(), stop.subscribe());
    tracing::info!("listening on http://{addr}");
    let setup_token = app::accounts::prepare_setup(&state).await.map_err(|e| StartError::Setup(e.message))?;
    if let Some(token) = &setup_token {
        tracing::info!("no users yet; open the one-time set-up link: setup: {}/setup?token={token}", state.base_url());
    }
    Ok(Running { addr, state, setup_token, stop, task })
}
