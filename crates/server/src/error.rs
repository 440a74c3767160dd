//! The API's one error type. Every failure becomes `{ "code", "message", "request_id" }` with
//! the right status; codes are stable kebab-case strings. A 5xx says little to the client and
//! is logged once with its whole chain.

use std::error::Error as StdError;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frameproof_domain::validate::Invalid;
use frameproof_store::StoreError;
use serde::Serialize;

tokio::task_local! {
    /// The id of the request being handled (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or `"-"` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| String::from("-"))
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait, sent as `Retry-After` (429).
    pub retry_after: Option<u64>,
    /// The cause of an internal error; logged, never sent.
    pub source: Option<Box<dyn StdError + Send + Sync>>,
    /// The request fields the error is about.
    pub fields: Vec<String>,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable kebab-case code, e.g. `not-found`, `version-locked`.
    pub code: String,
    /// A readable explanation.
    pub message: String,
    /// The request's id (also in the `x-request-id` header and the server log).
    pub request_id: String,
    /// The request fields the error is about, as paths into the body (`stages[1].quorum`,
    /// `objective`); absent when it is about no one field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None, source: None, fields: Vec::new() }
    }

    /// Names the request fields the error is about.
    pub fn with_fields(mut self, fields: impl IntoIterator<Item = String>) -> Self {
        self.fields = fields.into_iter().collect();
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Something outside the caller's reach, or that does not exist: the two look the same.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "not found, or not shared with you")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in, or send an API token as Authorization: Bearer <token>",
        )
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_many_attempts(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            format!("too many failed attempts; try again in {retry_after_secs} s"),
        );
        e.retry_after = Some(retry_after_secs.max(1));
        e
    }

    pub fn internal(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; it has been logged");
        e.source = Some(source.into());
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::conflict("already-exists", m),
            other => ApiError::internal(other),
        }
    }
}

impl From<frameproof_domain::problem::Problem> for ApiError {
    fn from(p: frameproof_domain::problem::Problem) -> Self {
        ApiError::bad_request(p.code, p.message).with_fields([p.field])
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::bad_request(e.code(), e.to_string())
    }
}

/// The whole `source()` chain, for the log.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        if self.status.is_server_error() {
            let detail = self.source.as_deref().map(|s| chain(s)).unwrap_or_else(|| self.message.clone());
            tracing::error!(request_id = %request_id, code = self.code, error = %detail, "request failed");
        }
        let body = ErrorBody { code: self.code.to_owned(), message: self.message, request_id, fields: self.fields };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(v) = self.retry_after.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
