//! Assets: version stacks inside folders (metadata here; versions come with uploads).

use frameproof_domain::{AssetId, FolderId, ProjectId, UserId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::{Keyed, ListQuery, Page, bind_after, like_pattern, name_key, page};
use crate::{Conn, Result};

/// An asset row.
#[derive(Clone, Debug, FromRow)]
pub struct AssetRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AssetId,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    #[sqlx(try_from = "Uuid")]
    pub folder_id: FolderId,
    pub name: String,
    pub name_key: String,
    pub description: String,
    #[sqlx(try_from = "Uuid")]
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    pub deleted_batch: Option<Uuid>,
    pub current_version_id: Option<Uuid>,
    pub version_count: i64,
    /// The current version's number, kind, processing state and progress, and whether it has
    /// a poster (for listings).
    pub current_number: Option<i64>,
    pub current_kind: Option<String>,
    pub current_state: Option<String>,
    pub current_progress: Option<i64>,
    pub current_has_poster: Option<bool>,
    /// The current version's review status and lock, and its open threads (for listings).
    pub current_review_status: Option<String>,
    pub current_locked: Option<bool>,
    #[sqlx(default)]
    pub current_open_comments: Option<i64>,
}

impl Keyed for AssetRow {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn name_key(&self) -> &str {
        &self.name_key
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
}

pub(crate) const COLS: &str = "id, project_id, folder_id, name, name_key, description, created_by, created_at, updated_at, deleted_at, \
     deleted_batch, current_version_id, (SELECT COUNT(*) FROM versions v WHERE v.asset_id = assets.id) AS version_count, \
     (SELECT v.number FROM versions v WHERE v.id = assets.current_version_id) AS current_number, \
     (SELECT v.kind FROM versions v WHERE v.id = assets.current_version_id) AS current_kind, \
     (SELECT v.processing_state FROM versions v WHERE v.id = assets.current_version_id) AS current_state, \
     (SELECT v.progress FROM versions v WHERE v.id = assets.current_version_id) AS current_progress, \
     (SELECT COUNT(*) > 0 FROM renditions r WHERE r.version_id = assets.current_version_id AND r.name = 'poster') \
        AS current_has_poster, \
     (SELECT v.review_status FROM versions v WHERE v.id = assets.current_version_id) AS current_review_status, \
     (SELECT v.locked FROM versions v WHERE v.id = assets.current_version_id) AS current_locked";

/// Listings also count the current version's open threads (a scan of its comments: not for the
/// single-asset lookups every request makes).
const OPEN_COMMENTS: &str = "(SELECT COUNT(*) FROM comments c WHERE c.version_id = assets.current_version_id \
     AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.resolved_at IS NULL AND c.team_only = 0) AS current_open_comments";

pub struct NewAsset<'a> {
    pub id: AssetId,
    pub project_id: ProjectId,
    pub folder_id: FolderId,
    pub name: &'a str,
    pub description: &'a str,
    pub created_by: UserId,
    pub now: i64,
}

pub async fn insert(c: &mut Conn, a: &NewAsset<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO assets (id, project_id, folder_id, name, name_key, description, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(a.id.0)
    .bind(a.project_id.0)
    .bind(a.folder_id.0)
    .bind(a.name)
    .bind(name_key(a.name))
    .bind(a.description)
    .bind(a.created_by.0)
    .bind(a.now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut Conn, id: AssetId) -> Result<Option<AssetRow>> {
    let sql = format!("SELECT {COLS} FROM assets WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Where to list assets from.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Directly inside one folder.
    Folder(FolderId),
    /// Anywhere in a project (for search).
    Project(ProjectId),
}

/// Live assets in a folder or a project.
pub async fn list(c: &mut Conn, scope: Scope, search: Option<&str>, q: &ListQuery) -> Result<Page<AssetRow>> {
    let (col, id) = match scope {
        Scope::Folder(f) => ("folder_id", f.0),
        Scope::Project(p) => ("project_id", p.0),
    };
    let sql = format!(
        "SELECT {COLS}, {OPEN_COMMENTS} FROM assets WHERE {col} = $1 AND deleted_at IS NULL
           AND ($2 IS NULL OR name_key LIKE $2 ESCAPE '\\') {after}
         {order} LIMIT $3",
        after = q.after_clause(4, 5),
        order = q.order_by(),
    );
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(search.map(like_pattern)).bind(q.fetch_limit());
    Ok(page(q, bind_after(query, q).fetch_all(c).await?))
}

/// Assets of a project deleted on their own (not as part of a folder's batch).
pub async fn trash(c: &mut Conn, project: ProjectId) -> Result<Vec<AssetRow>> {
    let sql = format!(
        "SELECT {COLS} FROM assets WHERE project_id = $1 AND deleted_at IS NOT NULL AND deleted_batch = id
         ORDER BY deleted_at DESC, id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

pub struct AssetUpdate<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    /// Move into this folder of this project.
    pub folder: Option<(FolderId, ProjectId)>,
}

pub async fn update(c: &mut Conn, id: AssetId, u: &AssetUpdate<'_>, now: i64) -> Result<()> {
    if let Some(name) = u.name {
        sqlx::query("UPDATE assets SET name = $2, name_key = $3 WHERE id = $1")
            .bind(id.0)
            .bind(name)
            .bind(name_key(name))
            .execute(&mut *c)
            .await?;
    }
    if let Some(d) = u.description {
        sqlx::query("UPDATE assets SET description = $2 WHERE id = $1").bind(id.0).bind(d).execute(&mut *c).await?;
    }
    if let Some((folder, project)) = u.folder {
        sqlx::query("UPDATE assets SET folder_id = $2, project_id = $3 WHERE id = $1")
            .bind(id.0)
            .bind(folder.0)
            .bind(project.0)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("UPDATE assets SET updated_at = $2 WHERE id = $1").bind(id.0).bind(now).execute(c).await?;
    Ok(())
}

/// Soft-deletes one asset as its own batch.
pub async fn soft_delete(c: &mut Conn, id: AssetId, now: i64) -> Result<()> {
    sqlx::query("UPDATE assets SET deleted_at = $2, deleted_batch = $1, updated_at = $2 WHERE id = $1")
        .bind(id.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn restore(c: &mut Conn, id: AssetId, now: i64) -> Result<()> {
    sqlx::query("UPDATE assets SET deleted_at = NULL, deleted_batch = NULL, updated_at = $2 WHERE id = $1")
        .bind(id.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Hard-deletes assets deleted on their own before `before`.
pub async fn purge_deleted(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM assets WHERE deleted_at IS NOT NULL AND deleted_at < $1 AND deleted_batch = id")
        .bind(before)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}
