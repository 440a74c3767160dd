//! `GET /api/v1/events`: a Server-Sent Events stream of what the caller may see, replayed
//! from the events table so a reconnect with `Last-Event-ID` misses and repeats nothing.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use frameproof_domain::{AssetId, ProjectId, Timestamp, UserId, WorkspaceId};
use frameproof_store::events::{self, EventRow, StreamScope};
use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(event_stream))
}

/// Which stream: exactly one of `workspace`, `project`, `asset`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    pub workspace: Option<WorkspaceId>,
    pub project: Option<ProjectId>,
    pub asset: Option<AssetId>,
    /// Resume after this event id (the `Last-Event-ID` header does the same and wins).
    pub last_event_id: Option<i64>,
}

/// One event, as the `data:` line carries it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventData {
    /// The stream position (also the SSE `id:`).
    pub id: i64,
    /// Dotted noun and past-tense verb, e.g. `project.created` (also the SSE `event:`).
    #[serde(rename = "type")]
    pub kind: String,
    pub at: Timestamp,
    /// `{kind, id, name}` of who did it.
    #[schema(value_type = Object)]
    pub actor: serde_json::Value,
    pub workspace_id: WorkspaceId,
    pub project_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    /// The changed resource as the API shows it.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<EventRow> for EventData {
    fn from(e: EventRow) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            at: Timestamp(e.at),
            actor: serde_json::from_str(&e.actor).unwrap_or(serde_json::Value::Null),
            workspace_id: e.workspace_id,
            project_id: e.project_id,
            asset_id: e.asset_id,
            version_id: e.version_id,
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Checks the caller may follow `scope`; answers the reviewer filter (reviewers on a workspace
/// stream see only events of projects they were added to).
async fn authorize(state: &AppState, p: &Principal, scope: StreamScope) -> ApiResult<Option<UserId>> {
    let mut c = state.store().reader().await?;
    Ok(match scope {
        StreamScope::Workspace(w) => {
            let (_, role) = access::workspace(&mut c, p, w).await?;
            (!role.is_team()).then_some(p.user_id)
        }
        // Reviewers follow only projects they were added to and never see team-only events.
        StreamScope::Project(id) => {
            let (_, role) = access::project(&mut c, p, id, false).await?;
            (!role.is_team()).then_some(p.user_id)
        }
        StreamScope::Asset(id) => {
            let (_, _, role) = access::asset(&mut c, p, id, false).await?;
            (!role.is_team()).then_some(p.user_id)
        }
    })
}

/// How often an open stream re-checks that its credential and access still hold.
const RECHECK: Duration = Duration::from_secs(5);
/// How often a quiet stream looks for rows written by other processes.
const POLL: Duration = Duration::from_secs(1);

struct Follow {
    state: AppState,
    token: String,
    via_cookie: bool,
    scope: StreamScope,
    only_projects_of: Option<UserId>,
    last: i64,
    buf: VecDeque<EventRow>,
    changes: watch::Receiver<u64>,
    checked: Instant,
    _gauge: StreamGauge,
}

/// Counts open streams for `/metrics`.
struct StreamGauge(AppState);

impl Drop for StreamGauge {
    fn drop(&mut self) {
        self.0.metrics().event_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Follow {
    async fn still_allowed(&mut self) -> bool {
        self.checked = Instant::now();
        match auth::resolve(&self.state, &self.token, self.via_cookie).await {
            // A change of role (say, member to reviewer) changes what the stream may carry:
            // end it, and the client reconnects under the new rules.
            Ok(Some(p)) => authorize(&self.state, &p, self.scope).await.is_ok_and(|f| f == self.only_projects_of),
            _ => false,
        }
    }

    /// The next event, waiting as long as it takes; `None` ends the stream. Access is re-checked
    /// before every batch is delivered (so a revoked credential or a lost membership sees
    /// nothing more) and every few seconds while quiet (so the stream closes).
    async fn next(&mut self) -> Option<EventRow> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Some(e);
            }
            let mut c = self.state.store().reader().await.ok()?;
            let rows = events::after(&mut c, self.scope, self.only_projects_of, self.last, 500).await.ok()?;
            drop(c);
            if let Some(last) = rows.last() {
                if !self.still_allowed().await {
                    return None;
                }
                self.last = last.id;
                self.buf.extend(rows);
                continue;
            }
            if self.checked.elapsed() >= RECHECK && !self.still_allowed().await {
                return None;
            }
            tokio::select! {
                _ = self.changes.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = self.state.stopping() => return None,
            }
        }
    }
}

fn to_sse(e: EventRow) -> Event {
    let id = e.id.to_string();
    let kind = e.kind.clone();
    let data = serde_json::to_string(&EventData::from(e)).unwrap_or_else(|_| String::from("{}"));
    Event::default().id(id).event(kind).data(data)
}

/// Live events the caller may see, as Server-Sent Events (`id:` = event id, `event:` = type,
/// `data:` = JSON). Reconnect with `Last-Event-ID` to receive exactly what was missed.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(StreamParams, ("Last-Event-ID" = Option<i64>, Header)),
    responses((status = 200, description = "text/event-stream of EventData", content_type = "text/event-stream", body = EventData),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn event_stream(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<StreamParams>,
) -> ApiResult<Response> {
    let scope = match (params.workspace, params.project, params.asset) {
        (Some(w), None, None) => StreamScope::Workspace(w),
        (None, Some(p), None) => StreamScope::Project(p),
        (None, None, Some(a)) => StreamScope::Asset(a),
        _ => return Err(ApiError::bad_request("invalid-stream", "give exactly one of workspace, project or asset")),
    };
    let only_projects_of = authorize(&state, &p, scope).await?;
    let header_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::trim);
    let last = match header_id {
        Some(h) => Some(
            h.parse::<i64>()
                .map_err(|_| ApiError::bad_request("invalid-last-event-id", "Last-Event-ID must be an event id"))?,
        ),
        None => params.last_event_id,
    };
    let last = match last {
        Some(l) => l.max(0),
        None => {
            let mut c = state.store().reader().await?;
            events::head(&mut c).await?
        }
    };
    let Some((token, via_cookie)) = auth::request_token(&state, &headers) else {
        return Err(ApiError::unauthorized());
    };
    state.metrics().event_streams.fetch_add(1, Ordering::Relaxed);
    let follow = Follow {
        state: state.clone(),
        token: token.to_owned(),
        via_cookie,
        scope,
        only_projects_of,
        last,
        buf: VecDeque::new(),
        changes: state.store().subscribe(),
        checked: Instant::now(),
        _gauge: StreamGauge(state.clone()),
    };
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(futures::stream::unfold(follow, |mut f| async move { f.next().await.map(|e| (Ok(to_sse(e)), f)) }));
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}
