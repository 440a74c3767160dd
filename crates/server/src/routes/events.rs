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
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::hub::Batch;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::{self, Caller, Principal};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::guests;
use crate::state::AppState;
use frameproof_store::shares;

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

/// What a guest may follow on this stream, checked against their live session and link.
async fn guest_view(state: &AppState, token: &str, scope: StreamScope) -> ApiResult<GuestView> {
    let g = guests::resolve(state, token, None).await?;
    let mut c = state.store().reader().await?;
    let assets: Vec<Uuid> = match scope {
        StreamScope::Asset(a) => {
            g.asset(&mut c, a).await?;
            vec![a.0]
        }
        StreamScope::Project(p) if g.link.scope == "project" && g.link.project_id == p => {
            shares::assets_in_scope(&mut c, &g.link).await?
        }
        _ => return Err(ApiError::not_found()),
    };
    let mut versions = Vec::new();
    for a in &assets {
        let Some(asset) = frameproof_store::assets::get(&mut c, AssetId(*a)).await? else { continue };
        for v in frameproof_store::versions::of_asset(&mut c, asset.id).await? {
            if g.shows(&asset, &v) {
                versions.push(v.id.0);
            }
        }
    }
    Ok(GuestView { token: token.to_owned(), assets, versions })
}

/// How often an open stream re-checks that its credential and access still hold: every 4 to 6
/// seconds (spread, so streams opened together do not all query at the same moment).
fn recheck_after() -> Duration {
    Duration::from_millis(4000 + u64::from(rand::random::<u16>() % 2000))
}

/// What a guest's stream may carry: events of the link's assets, of versions the link shows.
#[derive(Default)]
struct GuestView {
    token: String,
    assets: Vec<Uuid>,
    versions: Vec<Uuid>,
}

struct Follow {
    state: AppState,
    token: String,
    via_cookie: bool,
    scope: StreamScope,
    only_projects_of: Option<UserId>,
    /// A reviewer's projects (events of other projects are not theirs to see).
    projects: Vec<Uuid>,
    /// Set for a guest's stream.
    guest: Option<GuestView>,
    last: i64,
    buf: VecDeque<EventRow>,
    live: broadcast::Receiver<Arc<Batch>>,
    /// Reading from the database (at the start, and after falling behind the broadcast).
    catching_up: bool,
    /// The access epoch the last access check held for.
    epoch: i64,
    checked: Instant,
    /// When the next periodic check is due (after `checked`).
    recheck: Duration,
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
        self.recheck = recheck_after();
        // The epoch first: a change that lands during the check is seen by the next one.
        let Ok(epoch) = async {
            let mut c = self.state.store().reader().await?;
            events::access_epoch(&mut c).await
        }
        .await
        else {
            return false;
        };
        if let Some(view) = &self.guest {
            let allowed = match guest_view(&self.state, &view.token, self.scope).await {
                Ok(v) => {
                    self.guest = Some(v);
                    true
                }
                Err(_) => false,
            };
            self.epoch = epoch;
            return allowed;
        }
        let allowed = match auth::resolve(&self.state, &self.token, self.via_cookie, true).await {
            // A change of role (say, member to reviewer) changes what the stream may carry:
            // end it, and the client reconnects under the new rules.
            Ok(Some(p)) => authorize(&self.state, &p, self.scope).await.is_ok_and(|f| f == self.only_projects_of),
            _ => false,
        };
        if allowed && let Some(user) = self.only_projects_of {
            match self.state.store().reader().await {
                Ok(mut c) => match events::member_projects(&mut c, user).await {
                    Ok(p) => self.projects = p,
                    Err(_) => return false,
                },
                Err(_) => return false,
            }
        }
        self.epoch = epoch;
        allowed
    }

    /// Whether a broadcast row belongs on this stream.
    fn wants(&self, e: &EventRow) -> bool {
        let in_scope = match self.scope {
            StreamScope::Workspace(w) => e.workspace_id == w,
            StreamScope::Project(p) => e.project_id == Some(p.0),
            StreamScope::Asset(a) => e.asset_id == Some(a.0),
        };
        if let Some(g) = &self.guest {
            return in_scope
                && !e.team_only
                && e.asset_id.is_some_and(|a| g.assets.contains(&a))
                && e.version_id.is_none_or(|v| g.versions.contains(&v));
        }
        in_scope
            && (self.only_projects_of.is_none()
                || (!e.team_only && e.project_id.is_some_and(|p| self.projects.contains(&p))))
    }

    /// The next event, waiting as long as it takes; `None` ends the stream. Access is re-checked
    /// before a batch is delivered whenever the access epoch moved since the last check (a
    /// credential, membership, role, project or asset changed), and every few seconds between
    /// batches (so a quiet stream closes, and time-based expiry is noticed).
    async fn next(&mut self) -> Option<EventRow> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Some(e);
            }
            if self.catching_up {
                let mut c = self.state.store().reader().await.ok()?;
                let rows = events::after(&mut c, self.scope, self.only_projects_of, self.last, 500).await.ok()?;
                drop(c);
                match rows.last() {
                    Some(last) => {
                        if !self.still_allowed().await {
                            return None;
                        }
                        self.last = last.id;
                        let rows: Vec<EventRow> = rows.into_iter().filter(|e| self.wants(e)).collect();
                        self.buf.extend(rows);
                    }
                    None => self.catching_up = false,
                }
                continue;
            }
            if self.checked.elapsed() >= self.recheck && !self.still_allowed().await {
                return None;
            }
            tokio::select! {
                got = self.live.recv() => match got {
                    Ok(batch) => {
                        // A guest's link may just have been revoked or narrowed: check before
                        // anything else, so the stream closes at once.
                        if self.guest.is_some() && batch.epoch != self.epoch && !self.still_allowed().await {
                            return None;
                        }
                        let rows: Vec<EventRow> =
                            batch.rows.iter().filter(|e| e.id > self.last && self.wants(e)).cloned().collect();
                        if rows.is_empty() {
                            continue;
                        }
                        // Only a moved epoch holds delivery up; the periodic check runs between
                        // batches, so 200 quiet streams do not all query the database before
                        // showing the next comment.
                        if batch.epoch != self.epoch && !self.still_allowed().await {
                            return None;
                        }
                        // The check may have narrowed a reviewer's projects.
                        let rows: Vec<EventRow> = rows.into_iter().filter(|e| self.wants(e)).collect();
                        if let Some(last) = rows.last() {
                            self.last = last.id;
                        }
                        self.buf.extend(rows);
                    }
                    // Fell behind the broadcast: read what was missed from the database.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catching_up = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep(self.recheck.saturating_sub(self.checked.elapsed())) => {}
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
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<StreamParams>,
) -> ApiResult<Response> {
    let scope = match (params.workspace, params.project, params.asset) {
        (Some(w), None, None) => StreamScope::Workspace(w),
        (None, Some(p), None) => StreamScope::Project(p),
        (None, None, Some(a)) => StreamScope::Asset(a),
        _ => return Err(ApiError::bad_request("invalid-stream", "give exactly one of workspace, project or asset")),
    };
    let (only_projects_of, guest) = match &caller {
        Caller::User(p) => (authorize(&state, p, scope).await?, None),
        Caller::Guest(_) => {
            let token = auth::guest_token(&state, &headers).ok_or_else(ApiError::not_found)?;
            // A guest follows an asset of the link, or (a project link) the whole project; the
            // stream carries only events of what the link shows. Members' filter stays off.
            (None, Some(guest_view(&state, token, scope).await?))
        }
    };
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
    let (token, via_cookie) = match (&guest, auth::request_token(&state, &headers)) {
        (Some(_), _) => ("", false),
        (None, Some(t)) => t,
        (None, None) => return Err(ApiError::unauthorized()),
    };
    state.metrics().event_streams.fetch_add(1, Ordering::Relaxed);
    // Subscribe before catching up, so nothing committed in between is missed (rows both read
    // and broadcast are delivered once: the broadcast skips ids already sent).
    let live = state.hub().subscribe();
    let mut follow = Follow {
        state: state.clone(),
        token: token.to_owned(),
        via_cookie,
        scope,
        only_projects_of,
        projects: Vec::new(),
        guest,
        last,
        buf: VecDeque::new(),
        live,
        catching_up: true,
        epoch: -1,
        checked: Instant::now(),
        recheck: recheck_after(),
        _gauge: StreamGauge(state.clone()),
    };
    if !follow.still_allowed().await {
        return Err(ApiError::not_found());
    }
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(futures::stream::unfold(follow, |mut f| async move { f.next().await.map(|e| (Ok(to_sse(e)), f)) }));
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}
