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

/// The access epoch: it moves whenever a credential, membership, role, project, asset or
/// share link that grants access changes (see migrations 0005, 0006 and 0008). Changes that grant
/// and take away nothing move the content epoch instead ([`crate::Store::content_epoch`]).
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

#[cfg(test)]
mod tests {
    use crate::Store;

    /// The store's (access, content) epochs after `sql` is committed (as this process publishes
    /// them).
    async fn after(s: &Store, sql: &str) -> (i64, i64) {
        let mut tx = s.begin().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        (s.access_epoch(), s.content_epoch())
    }

    #[tokio::test]
    async fn the_content_epoch_moves_with_every_change_to_a_version_asset_or_project_but_progress() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        crate::comments::tests::seed(&s).await;
        const V: &str = "X'00000000000000000000000000000014'";
        let mut was = after(&s, "SELECT 1").await;
        // (change, moves the access epoch, moves the content epoch)
        for (change, access, content) in [
            (format!("UPDATE versions SET progress = 40 WHERE id = {V}"), false, false),
            (format!("UPDATE versions SET tc_start = '01:00:00:00' WHERE id = {V}"), false, true),
            (format!("UPDATE versions SET review_status = 'approved' WHERE id = {V}"), false, true),
            (format!("UPDATE versions SET frame_count = 250 WHERE id = {V}"), false, true),
            (String::from("UPDATE assets SET description = 'new'"), false, true),
            (String::from("UPDATE projects SET name = 'Q'"), false, true),
            (String::from("UPDATE projects SET archived_at = 1"), true, true),
            (String::from("UPDATE assets SET deleted_at = 1"), true, true),
            (format!("UPDATE assets SET current_version_id = {V}"), true, true),
            (format!("DELETE FROM versions WHERE id = {V}"), false, true),
            (
                String::from(
                    "INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)
                     VALUES (X'00000000000000000000000000000002', X'00000000000000000000000000000001', 'owner', 0, 0)",
                ),
                false,
                false,
            ),
            (String::from("UPDATE workspace_members SET role = 'member'"), true, false),
        ] {
            let now = after(&s, &change).await;
            assert_eq!((now.0 != was.0, now.1 != was.1), (access, content), "{change}");
            assert!(now.0 - was.0 <= 1 && now.1 - was.1 <= 1, "one move per change: {change}");
            was = now;
        }
        s.close().await;
    }

    #[tokio::test]
    async fn the_version_trigger_names_every_column_but_progress() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        let mut c = s.reader().await.unwrap();
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('versions')").fetch_all(&mut *c).await.unwrap();
        let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'content_epoch_versions'")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        let named: Vec<&str> =
            sql.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).filter(|w| !w.is_empty()).collect();
        assert!(columns.len() > 30);
        for col in &columns {
            assert_eq!(named.contains(&col.as_str()), col != "progress", "versions.{col} in the trigger: {sql}");
        }
        drop(c);
        s.close().await;
    }
}
