//! Projects (each created with its root folder) and the reviewers added to them.

use frameproof_domain::{FolderId, ProjectId, UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::{Keyed, ListQuery, Page, bind_after, like_pattern, name_key, page};
use crate::{Conn, Result};

/// A project row.
#[derive(Clone, Debug, FromRow)]
pub struct ProjectRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ProjectId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub name_key: String,
    pub description: String,
    #[sqlx(try_from = "Uuid")]
    pub root_folder_id: FolderId,
    #[sqlx(try_from = "Uuid")]
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived_at: Option<i64>,
    pub deleted_at: Option<i64>,
}

impl Keyed for ProjectRow {
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

pub(crate) const COLS: &str = "id, workspace_id, name, name_key, description, root_folder_id, created_by, created_at, updated_at, archived_at, deleted_at";

pub struct NewProject<'a> {
    pub id: ProjectId,
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    pub description: &'a str,
    pub root_folder_id: FolderId,
    pub created_by: UserId,
    pub now: i64,
}

/// Inserts the project and its root folder (named after the project).
pub async fn insert(c: &mut Conn, p: &NewProject<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (id, workspace_id, name, name_key, description, root_folder_id, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(p.id.0)
    .bind(p.workspace_id.0)
    .bind(p.name)
    .bind(name_key(p.name))
    .bind(p.description)
    .bind(p.root_folder_id.0)
    .bind(p.created_by.0)
    .bind(p.now)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO folders (id, project_id, parent_id, name, name_key, created_by, created_at, updated_at)
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $6)",
    )
    .bind(p.root_folder_id.0)
    .bind(p.id.0)
    .bind(p.name)
    .bind(name_key(p.name))
    .bind(p.created_by.0)
    .bind(p.now)
    .execute(c)
    .await?;
    Ok(())
}

/// A project, deleted or not (the caller decides what a deleted one means).
pub async fn get(c: &mut Conn, id: ProjectId) -> Result<Option<ProjectRow>> {
    let sql = format!("SELECT {COLS} FROM projects WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Which projects a listing shows.
#[derive(Clone, Copy, Debug)]
pub enum Filter {
    /// Not archived, not deleted.
    Active,
    /// Archived, not deleted.
    Archived,
    /// Deleted (the trash), newest deletions last in sort order like any other list.
    Deleted,
}

/// Lists a workspace's projects; `only_for` limits the list to projects that user was added to
/// (reviewers).
pub async fn list(
    c: &mut Conn,
    ws: WorkspaceId,
    only_for: Option<UserId>,
    filter: Filter,
    search: Option<&str>,
    q: &ListQuery,
) -> Result<Page<ProjectRow>> {
    let state = match filter {
        Filter::Active => "archived_at IS NULL AND deleted_at IS NULL",
        Filter::Archived => "archived_at IS NOT NULL AND deleted_at IS NULL",
        Filter::Deleted => "deleted_at IS NOT NULL",
    };
    let sql = format!(
        "SELECT {COLS} FROM projects
         WHERE workspace_id = $1 AND {state}
           AND ($2 IS NULL OR id IN (SELECT project_id FROM project_members WHERE user_id = $2))
           AND ($3 IS NULL OR name_key LIKE $3 ESCAPE '\\')
           {after}
         {order} LIMIT $4",
        after = q.after_clause(5, 6),
        order = q.order_by(),
    );
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ws.0)
        .bind(only_for.map(|u| u.0))
        .bind(search.map(like_pattern))
        .bind(q.fetch_limit());
    let rows = bind_after(query, q).fetch_all(c).await?;
    Ok(page(q, rows))
}

pub struct ProjectUpdate<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    /// `Some(Some(t))` archives at t, `Some(None)` unarchives.
    pub archived_at: Option<Option<i64>>,
}

pub async fn update(c: &mut Conn, id: ProjectId, u: &ProjectUpdate<'_>, now: i64) -> Result<()> {
    if let Some(name) = u.name {
        sqlx::query("UPDATE projects SET name = $2, name_key = $3 WHERE id = $1")
            .bind(id.0)
            .bind(name)
            .bind(name_key(name))
            .execute(&mut *c)
            .await?;
    }
    if let Some(d) = u.description {
        sqlx::query("UPDATE projects SET description = $2 WHERE id = $1").bind(id.0).bind(d).execute(&mut *c).await?;
    }
    if let Some(a) = u.archived_at {
        sqlx::query("UPDATE projects SET archived_at = $2 WHERE id = $1").bind(id.0).bind(a).execute(&mut *c).await?;
    }
    sqlx::query("UPDATE projects SET updated_at = $2 WHERE id = $1").bind(id.0).bind(now).execute(c).await?;
    Ok(())
}

/// Soft-deletes (`Some(now)`) or restores (`None`) a project.
pub async fn set_deleted(c: &mut Conn, id: ProjectId, deleted_at: Option<i64>, now: i64) -> Result<()> {
    sqlx::query("UPDATE projects SET deleted_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(deleted_at)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Hard-deletes projects soft-deleted before `before` (their folders and assets go with them).
pub async fn purge_deleted(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM projects WHERE deleted_at IS NOT NULL AND deleted_at < $1")
        .bind(before)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Reviewers added to a project

pub async fn add_member(c: &mut Conn, project: ProjectId, user: UserId, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO project_members (project_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, user_id) DO NOTHING",
    )
    .bind(project.0)
    .bind(user.0)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn remove_member(c: &mut Conn, project: ProjectId, user: UserId) -> Result<bool> {
    let r = sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project.0)
        .bind(user.0)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn is_member(c: &mut Conn, project: ProjectId, user: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project.0)
        .bind(user.0)
        .fetch_one(c)
        .await?;
    Ok(n > 0)
}

/// A person added to a project.
#[derive(Clone, Debug, FromRow)]
pub struct ProjectMemberRow {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

pub async fn members(c: &mut Conn, project: ProjectId) -> Result<Vec<ProjectMemberRow>> {
    Ok(sqlx::query_as(
        "SELECT pm.user_id, u.email, u.name, pm.created_at FROM project_members pm JOIN users u ON u.id = pm.user_id
         WHERE pm.project_id = $1 ORDER BY lower(u.name), u.id",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// Ids of the projects a user was added to (for filtering events).
pub async fn project_ids_of(c: &mut Conn, ws: WorkspaceId, user: UserId) -> Result<Vec<ProjectId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT pm.project_id FROM project_members pm JOIN projects p ON p.id = pm.project_id
         WHERE p.workspace_id = $1 AND pm.user_id = $2",
    )
    .bind(ws.0)
    .bind(user.0)
    .fetch_all(c)
    .await?;
    Ok(ids.into_iter().map(ProjectId).collect())
}
