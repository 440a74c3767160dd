//! The events table: one row per state change, written in the change's transaction, read back
//! by event streams from any position.

use std::sync::LazyLock;

use frameproof_domain::{AssetId, ProjectId, UserId, VersionId, WorkspaceId};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{FromRow, Row, Sqlite};
use uuid::Uuid;

use crate::audit::NextEntry;
use crate::{Conn, Result, WriteTx};

/// An event to append.
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub at: i64,
    /// JSON of who did it.
    pub actor: &'a serde_json::Value,
    pub workspace_id: WorkspaceId,
    pub project_id: Option<ProjectId>,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    pub payload: &'a serde_json::Value,
    /// Only the team may see it (a team-only comment): streams skip it for reviewers.
    pub team_only: bool,
}

/// Appends an event, and its audit entry when it is a state change the audit keeps; returns the
/// event's id (the stream position).
pub async fn append(tx: &mut WriteTx, e: &NewEvent<'_>) -> Result<i64> {
    let entry = match frameproof_domain::audit::is_audited(e.kind) {
        true => Some(crate::audit::next_entry(e, tx.audit_head().await?)),
        false => None,
    };
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| [false, true].map(|audited| statements(audited, 0, None)));
    let sql = SQL[usize::from(entry.is_some())].as_str();
    let json = EventJson::of(e)?;
    let rows = bind(sqlx::query(sql), e, &json, entry.as_ref()).fetch_all(&mut **tx).await?;
    let id = rows.last().ok_or(sqlx::Error::RowNotFound)?.try_get("id")?;
    if let Some(a) = entry {
        tx.set_audit_head(a.seq, a.hash);
    }
    Ok(id)
}

/// The statements that store an event and, when `audited`, its audit entry, both in one round
/// trip: their parameters are `$n+1` to `$n+13` (see [`bind`]); with `only_if`, neither row is
/// stored unless that SQL condition holds. The event's statement returns its id.
pub(crate) fn statements(audited: bool, n: usize, only_if: Option<&str>) -> String {
    let [kind, at, actor, ws, project, asset, version, payload, team_only, seq, subject, prev, hash] =
        std::array::from_fn(|i| format!("${}", n + i + 1));
    let rows = |values: String| match only_if {
        None => format!("VALUES ({values})"),
        Some(cond) => format!("SELECT {values} WHERE {cond}"),
    };
    let event = format!(
        "INSERT INTO events (type, at, actor, workspace_id, project_id, asset_id, version_id, payload, team_only) {}
         RETURNING id",
        rows(format!("{kind}, {at}, {actor}, {ws}, {project}, {asset}, {version}, {payload}, {team_only}"))
    );
    if !audited {
        return event;
    }
    // The audit entry repeats the event's fields and adds its own.
    format!(
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, workspace_id, project_id, asset_id,
                                version_id, prev_hash, hash) {};
         {event}",
        rows(format!(
            "{seq}, {at}, {actor}, {kind}, {subject}, {payload}, {ws}, {project}, {asset}, {version}, {prev}, {hash}"
        ))
    )
}

/// An event's JSON fields, encoded for binding.
pub(crate) struct EventJson {
    actor: String,
    payload: String,
}

impl EventJson {
    pub(crate) fn of(e: &NewEvent<'_>) -> Result<EventJson> {
        Ok(EventJson { actor: serde_json::to_string(e.actor)?, payload: serde_json::to_string(e.payload)? })
    }
}

/// Binds the parameters of [`statements`], after those already bound.
pub(crate) fn bind<'q>(
    q: Query<'q, Sqlite, SqliteArguments>,
    e: &'q NewEvent<'_>,
    json: &'q EventJson,
    entry: Option<&'q NextEntry>,
) -> Query<'q, Sqlite, SqliteArguments> {
    let q = q
        .bind(e.kind)
        .bind(e.at)
        .bind(json.actor.as_str())
        .bind(e.workspace_id.0)
        .bind(e.project_id.map(|p| p.0))
        .bind(e.asset_id.map(|a| a.0))
        .bind(e.version_id.map(|v| v.0))
        .bind(json.payload.as_str())
        .bind(e.team_only);
    match entry {
        Some(a) => q.bind(a.seq).bind(a.subject.as_str()).bind(a.prev_hash.as_str()).bind(a.hash.as_str()),
        None => q,
    }
}

/// A stored event.
#[derive(Clone, Debug, FromRow)]
pub struct EventRow {
    pub id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub at: i64,
    pub actor: String,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub project_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub payload: String,
    pub team_only: bool,
}

/// Which events a stream follows.
#[derive(Clone, Copy, Debug)]
pub enum StreamScope {
    Workspace(WorkspaceId),
    Project(ProjectId),
    Asset(AssetId),
}

/// Events after `after` in `scope`, oldest first, at most `limit`. With `only_projects_of`,
/// only events of projects that user was added to, and none that only the team may see
/// (reviewers).
pub async fn after(
    c: &mut Conn,
    scope: StreamScope,
    only_projects_of: Option<UserId>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let (col, id) = match scope {
        StreamScope::Workspace(w) => ("workspace_id", w.0),
        StreamScope::Project(p) => ("project_id", p.0),
        StreamScope::Asset(a) => ("asset_id", a.0),
    };
    let sql = format!(
        "SELECT id, type, at, actor, workspace_id, project_id, asset_id, version_id, payload, team_only FROM events
         WHERE {col} = $1 AND id > $2
           AND ($3 IS NULL OR (team_only = 0 AND project_id IN (SELECT project_id FROM project_members WHERE user_id = $3)))
         ORDER BY id LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(after)
        .bind(only_projects_of.map(|u| u.0))
        .bind(limit)
        .fetch_all(c)
        .await?)
}

/// The newest event id (0 when there are none): where a fresh stream starts.
pub async fn head(c: &mut Conn) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events").fetch_one(c).await?;
    Ok(id.unwrap_or(0))
}

/// Every event after `after`, oldest first, at most `limit` (what the live fan-out reads once
/// for all open streams).
pub async fn after_all(c: &mut Conn, after: i64, limit: i64) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT id, type, at, actor, workspace_id, project_id, asset_id, version_id, payload, team_only FROM events
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// The access epoch: it moves whenever a credential, membership, role, project or asset that
/// grants access changes (see migration 0005).
pub async fn access_epoch(c: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT n FROM access_epoch WHERE id = 1").fetch_one(c).await?)
}

/// The projects a user was added to (a reviewer's reach).
pub async fn member_projects(c: &mut Conn, user: UserId) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("SELECT project_id FROM project_members WHERE user_id = $1")
        .bind(user.0)
        .fetch_all(c)
        .await?)
}

/// New events after `after` (at most `limit`) and the access epoch, read in one snapshot: a
/// stream that checked access at this epoch may deliver these rows without checking again.
pub async fn since_with_epoch(c: &mut Conn, after: i64, limit: i64) -> Result<(Vec<EventRow>, i64)> {
    use sqlx::Connection;
    let mut tx = c.begin().await?;
    let epoch = access_epoch(&mut tx).await?;
    let rows = after_all(&mut tx, after, limit).await?;
    tx.commit().await?;
    Ok((rows, epoch))
}
