//! Folders: a tree under each project's root folder. Deleting a folder hides its whole subtree
//! as one batch, which restoring brings back whole.

use frameproof_domain::{FolderId, ProjectId, UserId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::{Keyed, ListQuery, Page, bind_after, like_pattern, name_key, page};
use crate::{Conn, Result};

/// A folder row.
#[derive(Clone, Debug, FromRow)]
pub struct FolderRow {
    #[sqlx(try_from = "Uuid")]
    pub id: FolderId,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub name_key: String,
    #[sqlx(try_from = "Uuid")]
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    pub deleted_batch: Option<Uuid>,
}

impl FolderRow {
    pub fn parent(&self) -> Option<FolderId> {
        self.parent_id.map(FolderId)
    }
}

impl Keyed for FolderRow {
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

const COLS: &str =
    "id, project_id, parent_id, name, name_key, created_by, created_at, updated_at, deleted_at, deleted_batch";

/// The subtree rooted at `$1` (the folder itself included), as a recursive CTE named `tree`.
const SUBTREE: &str = "WITH RECURSIVE tree(id) AS (
        SELECT id FROM folders WHERE id = $1
        UNION ALL
        SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id
    )";

pub struct NewFolder<'a> {
    pub id: FolderId,
    pub project_id: ProjectId,
    pub parent_id: FolderId,
    pub name: &'a str,
    pub created_by: UserId,
    pub now: i64,
}

pub async fn insert(c: &mut Conn, f: &NewFolder<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO folders (id, project_id, parent_id, name, name_key, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(f.id.0)
    .bind(f.project_id.0)
    .bind(f.parent_id.0)
    .bind(f.name)
    .bind(name_key(f.name))
    .bind(f.created_by.0)
    .bind(f.now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut Conn, id: FolderId) -> Result<Option<FolderRow>> {
    let sql = format!("SELECT {COLS} FROM folders WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Live sub-folders of `parent`.
pub async fn children(c: &mut Conn, parent: FolderId, search: Option<&str>, q: &ListQuery) -> Result<Page<FolderRow>> {
    let sql = format!(
        "SELECT {COLS} FROM folders WHERE parent_id = $1 AND deleted_at IS NULL
           AND ($2 IS NULL OR name_key LIKE $2 ESCAPE '\\') {after}
         {order} LIMIT $3",
        after = q.after_clause(4, 5),
        order = q.order_by(),
    );
    let query =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(parent.0).bind(search.map(like_pattern)).bind(q.fetch_limit());
    Ok(page(q, bind_after(query, q).fetch_all(c).await?))
}

/// Folders of a project deleted as the root of their batch (what the trash shows).
pub async fn trash(c: &mut Conn, project: ProjectId) -> Result<Vec<FolderRow>> {
    let sql = format!(
        "SELECT {COLS} FROM folders WHERE project_id = $1 AND deleted_at IS NOT NULL AND deleted_batch = id
         ORDER BY deleted_at DESC, id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

pub async fn rename(c: &mut Conn, id: FolderId, name: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE folders SET name = $2, name_key = $3, updated_at = $4 WHERE id = $1")
        .bind(id.0)
        .bind(name)
        .bind(name_key(name))
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Whether `candidate` lies inside the subtree of `root` (or is `root`).
pub async fn is_in_subtree(c: &mut Conn, root: FolderId, candidate: FolderId) -> Result<bool> {
    let sql = format!("{SUBTREE} SELECT COUNT(*) FROM tree WHERE id = $2");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(root.0).bind(candidate.0).fetch_one(c).await?;
    Ok(n > 0)
}

/// Moves a folder under `new_parent`, possibly in another project: the subtree and its assets
/// follow into that project.
pub async fn move_to(c: &mut Conn, id: FolderId, new_parent: FolderId, project: ProjectId, now: i64) -> Result<()> {
    sqlx::query("UPDATE folders SET parent_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(new_parent.0)
        .bind(now)
        .execute(&mut *c)
        .await?;
    let sql = format!("{SUBTREE} UPDATE folders SET project_id = $2 WHERE id IN (SELECT id FROM tree)");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(project.0).execute(&mut *c).await?;
    let sql = format!("{SUBTREE} UPDATE assets SET project_id = $2 WHERE folder_id IN (SELECT id FROM tree)");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(project.0).execute(c).await?;
    Ok(())
}

/// Soft-deletes a folder and everything live under it as one batch named after the folder.
pub async fn soft_delete(c: &mut Conn, id: FolderId, now: i64) -> Result<()> {
    let sql = format!(
        "{SUBTREE} UPDATE folders SET deleted_at = $2, deleted_batch = $1
         WHERE id IN (SELECT id FROM tree) AND deleted_at IS NULL"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(now).execute(&mut *c).await?;
    let sql = format!(
        "{SUBTREE} UPDATE assets SET deleted_at = $2, deleted_batch = $1
         WHERE folder_id IN (SELECT id FROM tree) AND deleted_at IS NULL"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(now).execute(&mut *c).await?;
    sqlx::query("UPDATE folders SET updated_at = $2 WHERE id = $1").bind(id.0).bind(now).execute(c).await?;
    Ok(())
}

/// Restores the batch that deleting this folder hid.
pub async fn restore(c: &mut Conn, id: FolderId, now: i64) -> Result<()> {
    sqlx::query("UPDATE folders SET deleted_at = NULL, deleted_batch = NULL WHERE deleted_batch = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE assets SET deleted_at = NULL, deleted_batch = NULL WHERE deleted_batch = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE folders SET updated_at = $2 WHERE id = $1").bind(id.0).bind(now).execute(c).await?;
    Ok(())
}

/// Hard-deletes batches deleted before `before`.
pub async fn purge_deleted(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM folders WHERE deleted_at IS NOT NULL AND deleted_at < $1 AND deleted_batch = id")
        .bind(before)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}
