//! Comments on versions: threads, anchors, drawings, mentions, edits.

use std::sync::LazyLock;

use frameproof_domain::{CommentId, GuestSessionId, UserId, VersionId};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Either, FromRow, Sqlite};
use uuid::Uuid;

use crate::events::{self, NewEvent};
use crate::{Claim, Conn, Result, WriteTx};

/// A comment row (a thread's first comment or a reply).
#[derive(Clone, Debug, FromRow)]
pub struct CommentRow {
    #[sqlx(try_from = "Uuid")]
    pub id: CommentId,
    #[sqlx(try_from = "Uuid")]
    pub version_id: VersionId,
    pub parent_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    /// A guest author's session (members have `author_id` instead).
    pub guest_session_id: Option<Uuid>,
    /// A guest author's e-mail.
    pub author_email: Option<String>,
    pub body: String,
    pub anchor_in: Option<i64>,
    pub anchor_out: Option<i64>,
    pub page: Option<i64>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub annotation: Option<String>,
    pub team_only: bool,
    pub sort_key: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<Uuid>,
    pub carried_from: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// Mentioned user ids, comma-separated (hex), in no particular order.
    pub mentions: Option<String>,
    pub reply_count: i64,
}

const COLS: &str = "c.id, c.version_id, c.parent_id, c.author_id, c.author_name, c.guest_session_id, c.author_email, c.body, c.anchor_in, c.anchor_out, \
     c.page, c.x, c.y, c.annotation, c.team_only, c.sort_key, c.resolved_at, c.resolved_by, c.carried_from, \
     c.created_at, c.updated_at, c.edited_at, c.deleted_at, \
     (SELECT group_concat(lower(hex(m.user_id))) FROM comment_mentions m WHERE m.comment_id = c.id) AS mentions, \
     (SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id AND r.deleted_at IS NULL) AS reply_count";

impl CommentRow {
    /// The mentioned users, in id order.
    pub fn mention_ids(&self) -> Vec<UserId> {
        let mut ids: Vec<UserId> = self
            .mentions
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|h| Uuid::try_parse(h).ok())
            .map(UserId)
            .collect();
        ids.sort_by_key(|u| u.0);
        ids
    }
}

pub struct NewComment<'a> {
    pub id: CommentId,
    pub version_id: VersionId,
    pub parent_id: Option<CommentId>,
    pub author_id: Option<UserId>,
    pub author_name: &'a str,
    /// A guest author: their session and e-mail.
    pub guest: Option<(GuestSessionId, &'a str)>,
    pub body: &'a str,
    pub anchor_in: Option<i64>,
    pub anchor_out: Option<i64>,
    pub page: Option<i64>,
    pub point: Option<(f64, f64)>,
    pub annotation: Option<&'a str>,
    pub team_only: bool,
    pub sort_key: i64,
    pub carried_from: Option<CommentId>,
    pub mentions: &'a [UserId],
    pub now: i64,
}

impl CommentRow {
    /// The row [`insert`] stores for `n` (no need to read it back).
    pub fn of_new(n: &NewComment<'_>) -> CommentRow {
        let mentions: Vec<String> = n.mentions.iter().map(|u| u.0.simple().to_string()).collect();
        CommentRow {
            id: n.id,
            version_id: n.version_id,
            parent_id: n.parent_id.map(|p| p.0),
            author_id: n.author_id.map(|u| u.0),
            author_name: n.author_name.to_owned(),
            guest_session_id: n.guest.map(|g| g.0.0),
            author_email: n.guest.map(|g| g.1.to_owned()),
            body: n.body.to_owned(),
            anchor_in: n.anchor_in,
            anchor_out: n.anchor_out,
            page: n.page,
            x: n.point.map(|p| p.0),
            y: n.point.map(|p| p.1),
            annotation: n.annotation.map(str::to_owned),
            team_only: n.team_only,
            sort_key: n.sort_key,
            resolved_at: None,
            resolved_by: None,
            carried_from: n.carried_from.map(|c| c.0),
            created_at: n.now,
            updated_at: n.now,
            edited_at: None,
            deleted_at: None,
            mentions: (!mentions.is_empty()).then(|| mentions.join(",")),
            reply_count: 0,
        }
    }
}

/// Adds a comment only while its version exists and is not locked (one statement: the check
/// and the insert); its parameters are `$1` to `$19` (see [`bind_new`]).
const INSERT: &str =
    "INSERT INTO comments (id, version_id, parent_id, author_id, author_name, body, anchor_in, anchor_out, page, x, y,
                               annotation, has_annotation, team_only, sort_key, carried_from, created_at, updated_at,
                               guest_session_id, author_email)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19
          WHERE EXISTS (SELECT 1 FROM versions WHERE id = $2 AND NOT locked)";

fn bind_new<'q>(q: Query<'q, Sqlite, SqliteArguments>, n: &'q NewComment<'_>) -> Query<'q, Sqlite, SqliteArguments> {
    q.bind(n.id.0)
        .bind(n.version_id.0)
        .bind(n.parent_id.map(|p| p.0))
        .bind(n.author_id.map(|u| u.0))
        .bind(n.author_name)
        .bind(n.body)
        .bind(n.anchor_in)
        .bind(n.anchor_out)
        .bind(n.page)
        .bind(n.point.map(|p| p.0))
        .bind(n.point.map(|p| p.1))
        .bind(n.annotation)
        .bind(n.annotation.is_some())
        .bind(n.team_only)
        .bind(n.sort_key)
        .bind(n.carried_from.map(|c| c.0))
        .bind(n.now)
        .bind(n.guest.map(|g| g.0.0))
        .bind(n.guest.map(|g| g.1))
}

/// Adds a comment, only while its version exists and is not locked (the check and the insert
/// are one statement); answers whether it was added.
pub async fn insert(c: &mut Conn, n: &NewComment<'_>) -> Result<bool> {
    let added = bind_new(sqlx::query(INSERT), n).execute(&mut *c).await?.rows_affected() == 1;
    if added {
        add_mentions(c, n.id, n.mentions).await?;
    }
    Ok(added)
}

/// Adds a comment and its event (with the event's audit entry) in the claimed write's first
/// round trip (under load, a comment then holds the writer for that one round trip). Only
/// while the version exists and is not locked: answers the transaction and whether the comment
/// was added; when it was not, neither was the event.
pub async fn insert_announced(mut claim: Claim, n: &NewComment<'_>, e: &NewEvent<'_>) -> Result<(WriteTx, bool)> {
    let entry = match frameproof_domain::audit::is_audited(e.kind) {
        true => Some(crate::audit::next_entry(e, claim.audit_head().await?)),
        false => None,
    };
    // The event and its audit entry are stored only if the comment was.
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        [false, true].map(|audited| {
            let only_if = Some("EXISTS (SELECT 1 FROM comments WHERE id = $1)");
            format!("{INSERT};\n{}", events::statements(audited, 19, only_if))
        })
    });
    let sql = SQL[usize::from(entry.is_some())].as_str();
    let json = events::EventJson::of(e)?;
    let results = claim.exec(sql, |q| events::bind(bind_new(q, n), e, &json, entry.as_ref())).await?;
    let added = matches!(results.first(), Some(Either::Left(r)) if r.rows_affected() == 1);
    if added && let Some(a) = entry {
        claim.set_audit_head(a.seq, a.hash);
    }
    let mut tx = claim.into_tx();
    if added {
        add_mentions(&mut tx, n.id, n.mentions).await?;
    }
    Ok((tx, added))
}

/// Replaces a comment's mentions.
async fn set_mentions(c: &mut Conn, id: CommentId, users: &[UserId]) -> Result<()> {
    sqlx::query("DELETE FROM comment_mentions WHERE comment_id = $1").bind(id.0).execute(&mut *c).await?;
    add_mentions(c, id, users).await
}

async fn add_mentions(c: &mut Conn, id: CommentId, users: &[UserId]) -> Result<()> {
    for u in users {
        sqlx::query("INSERT INTO comment_mentions (comment_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id.0)
            .bind(u.0)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub async fn get(c: &mut Conn, id: CommentId) -> Result<Option<CommentRow>> {
    let sql = format!("SELECT {COLS} FROM comments c WHERE c.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Which threads a listing shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// `Some(false)`: open only; `Some(true)`: resolved only.
    pub resolved: Option<bool>,
    pub author: Option<UserId>,
    pub has_annotation: Option<bool>,
    /// Leave out team-only threads (reviewers).
    pub public_only: bool,
}

/// Where the previous page ended: (sort key, created at, id).
pub type After = (i64, i64, Uuid);

/// A version's threads (first comments), in frame order then time, live ones only.
pub async fn threads(
    c: &mut Conn,
    version: VersionId,
    f: &Filter,
    after: Option<After>,
    limit: i64,
) -> Result<Vec<CommentRow>> {
    let sql = format!(
        "SELECT {COLS} FROM comments c
         WHERE c.version_id = $1 AND c.parent_id IS NULL AND c.deleted_at IS NULL
           AND ($2 IS NULL OR (c.resolved_at IS NOT NULL) = $2)
           AND ($3 IS NULL OR c.author_id = $3)
           AND ($4 IS NULL OR c.has_annotation = $4)
           AND ($5 = 0 OR c.team_only = 0)
           AND ($6 IS NULL OR (c.sort_key, c.created_at, c.id) > ($6, $7, $8))
         ORDER BY c.sort_key, c.created_at, c.id LIMIT $9"
    );
    let (k, t, id) = match after {
        Some((k, t, id)) => (Some(k), Some(t), Some(id)),
        None => (None, None, None),
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(version.0)
        .bind(f.resolved)
        .bind(f.author.map(|u| u.0))
        .bind(f.has_annotation)
        .bind(f.public_only)
        .bind(k)
        .bind(t)
        .bind(id)
        .bind(limit)
        .fetch_all(c)
        .await?)
}

/// The live replies of these threads, oldest first.
pub async fn replies(c: &mut Conn, parents: &[CommentId]) -> Result<Vec<CommentRow>> {
    let mut out = Vec::new();
    // One query per 200 parents keeps the statement's parameter count bounded.
    for chunk in parents.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLS} FROM comments c WHERE c.parent_id IN ({}) AND c.deleted_at IS NULL ORDER BY c.created_at, c.rowid",
            marks.join(", ")
        );
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            q = q.bind(p.0);
        }
        out.extend(q.fetch_all(&mut *c).await?);
    }
    Ok(out)
}

/// Open, live, first comments of a version (for compare and carry-forward).
pub async fn open_threads(c: &mut Conn, version: VersionId, public_only: bool) -> Result<Vec<CommentRow>> {
    let sql = format!(
        "SELECT {COLS} FROM comments c
         WHERE c.version_id = $1 AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.resolved_at IS NULL
           AND ($2 = 0 OR c.team_only = 0)
         ORDER BY c.sort_key, c.created_at, c.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(version.0).bind(public_only).fetch_all(c).await?)
}

/// Which of `originals` were already carried onto `version`.
pub async fn carried_onto(c: &mut Conn, version: VersionId) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT carried_from FROM comments WHERE version_id = $1 AND carried_from IS NOT NULL AND deleted_at IS NULL",
    )
    .bind(version.0)
    .fetch_all(c)
    .await?)
}

/// Changes a comment's text, drawing and mentions, keeping what it said before.
pub async fn edit(
    c: &mut Conn,
    old: &CommentRow,
    body: &str,
    annotation: Option<&str>,
    mentions: &[UserId],
    by: Option<UserId>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO comment_edits (comment_id, body, annotation, edited_at, edited_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(old.id.0)
    .bind(&old.body)
    .bind(&old.annotation)
    .bind(now)
    .bind(by.map(|u| u.0))
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "UPDATE comments SET body = $2, annotation = $3, has_annotation = $4, edited_at = $5, updated_at = $5 WHERE id = $1",
    )
    .bind(old.id.0)
    .bind(body)
    .bind(annotation)
    .bind(annotation.is_some())
    .bind(now)
    .execute(&mut *c)
    .await?;
    set_mentions(c, old.id, mentions).await
}

/// A comment's earlier texts, oldest first: (body, annotation, replaced at).
pub async fn history(c: &mut Conn, id: CommentId) -> Result<Vec<(String, Option<String>, i64)>> {
    Ok(sqlx::query_as(
        "SELECT body, annotation, edited_at FROM comment_edits WHERE comment_id = $1 ORDER BY edited_at, rowid",
    )
    .bind(id.0)
    .fetch_all(c)
    .await?)
}

/// Resolves (`Some(by)`) or reopens (`None`) a thread; false when it already was.
pub async fn set_resolved(c: &mut Conn, id: CommentId, by: Option<Option<UserId>>, now: i64) -> Result<bool> {
    let r = match by {
        Some(user) => {
            sqlx::query(
                "UPDATE comments SET resolved_at = $2, resolved_by = $3, updated_at = $2 WHERE id = $1 AND resolved_at IS NULL",
            )
            .bind(id.0)
            .bind(now)
            .bind(user.map(|u| u.0))
            .execute(c)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE comments SET resolved_at = NULL, resolved_by = NULL, updated_at = $2 WHERE id = $1 AND resolved_at IS NOT NULL",
            )
            .bind(id.0)
            .bind(now)
            .execute(c)
            .await?
        }
    };
    Ok(r.rows_affected() == 1)
}

/// Deletes a comment (and, for a thread, its replies) from view; history stays for the audit.
pub async fn soft_delete(c: &mut Conn, id: CommentId, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE comments SET deleted_at = $2, updated_at = $2 WHERE (id = $1 OR parent_id = $1) AND deleted_at IS NULL",
    )
    .bind(id.0)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Live comments on a version (threads and replies).
pub async fn count(c: &mut Conn, version: VersionId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE version_id = $1 AND deleted_at IS NULL")
        .bind(version.0)
        .fetch_one(c)
        .await?)
}

#[cfg(test)]
pub(crate) mod tests {
    use frameproof_domain::{AssetId, ProjectId, WorkspaceId};

    use super::*;
    use crate::Store;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// A user, a workspace, a project with its root folder, an asset, and two versions of it:
    /// `id(20)` open, `id(21)` locked.
    pub(crate) async fn seed(s: &Store) {
        let mut tx = s.begin().await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, password_changed_at)
               VALUES (X'00000000000000000000000000000001', 'a@example.com', 'A', '', 0, 0, 0);
             INSERT INTO workspaces (id, name, name_key, quota_bytes, created_at, updated_at)
               VALUES (X'00000000000000000000000000000002', 'W', 'w', 0, 0, 0);
             INSERT INTO projects (id, workspace_id, name, name_key, description, root_folder_id, created_by, created_at, updated_at)
               VALUES (X'00000000000000000000000000000003', X'00000000000000000000000000000002', 'P', 'p', '',
                       X'00000000000000000000000000000004', X'00000000000000000000000000000001', 0, 0);
             INSERT INTO folders (id, project_id, name, name_key, created_by, created_at, updated_at)
               VALUES (X'00000000000000000000000000000004', X'00000000000000000000000000000003', '', '',
                       X'00000000000000000000000000000001', 0, 0);
             INSERT INTO assets (id, project_id, folder_id, name, name_key, description, created_by, created_at, updated_at)
               VALUES (X'00000000000000000000000000000005', X'00000000000000000000000000000003',
                       X'00000000000000000000000000000004', 'A', 'a', '', X'00000000000000000000000000000001', 0, 0);
             INSERT INTO versions (id, asset_id, number, position, filename, filetype, size_bytes, original_key, kind,
                                   processing_state, uploaded_by, created_at, updated_at)
               VALUES (X'00000000000000000000000000000014', X'00000000000000000000000000000005', 1, 1, 'a.mov', 'video/quicktime',
                       1, 'k1', 'video', 'ready', X'00000000000000000000000000000001', 0, 0),
                      (X'00000000000000000000000000000015', X'00000000000000000000000000000005', 2, 2, 'b.mov', 'video/quicktime',
                       1, 'k2', 'video', 'ready', X'00000000000000000000000000000001', 0, 0);
             UPDATE versions SET locked = 1 WHERE id = X'00000000000000000000000000000015';",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// Posts comment `i` on `version` with `insert_announced` and commits what it wrote.
    async fn post(s: &Store, i: u128, version: Uuid) -> bool {
        let actor = serde_json::json!({"kind": "user", "name": "A"});
        let payload = serde_json::json!({"n": i as u64});
        let n = NewComment {
            id: CommentId(id(1000 + i)),
            version_id: VersionId(version),
            parent_id: None,
            author_id: Some(UserId(id(1))),
            author_name: "A",
            guest: None,
            body: "a comment",
            anchor_in: Some(i as i64),
            anchor_out: None,
            page: None,
            point: None,
            annotation: None,
            team_only: false,
            sort_key: i as i64,
            carried_from: None,
            mentions: &[],
            now: i as i64,
        };
        let e = NewEvent {
            kind: "comment.created",
            at: i as i64,
            actor: &actor,
            workspace_id: WorkspaceId(id(2)),
            project_id: Some(ProjectId(id(3))),
            asset_id: Some(AssetId(id(5))),
            version_id: Some(VersionId(version)),
            payload: &payload,
            team_only: false,
        };
        let (tx, added) = insert_announced(s.claim().await.unwrap(), &n, &e).await.unwrap();
        tx.commit().await.unwrap();
        added
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_comment_on_a_locked_version_writes_no_event_and_no_audit_entry_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        seed(&s).await;
        assert!(post(&s, 1, id(20)).await);
        assert!(!post(&s, 2, id(21)).await, "the version is locked");
        assert!(post(&s, 3, id(20)).await);
        let mut c = s.reader().await.unwrap();
        let mut stored: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM comments").fetch_all(&mut *c).await.unwrap();
        stored.sort();
        assert_eq!(stored, [id(1001), id(1003)]);
        let events: Vec<String> =
            sqlx::query_scalar("SELECT payload FROM events ORDER BY id").fetch_all(&mut *c).await.unwrap();
        assert_eq!(events, [r#"{"n":1}"#, r#"{"n":3}"#]);
        assert_eq!(crate::audit::whole_chain(&mut c).await, 2);
        drop(c);
        s.close().await;
    }
}
