//! Brief templates, briefs and every revision of them, and who last looked at which revision.

use frameproof_domain::{AssetId, ProjectId, UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::name_key;
use crate::{Conn, Result};

/// A brief template; `fields` is its JSON field list.
#[derive(Clone, Debug, FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub fields: String,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived_at: Option<i64>,
}

const TEMPLATE_COLS: &str = "id, workspace_id, name, fields, is_default, created_at, updated_at, archived_at";

pub async fn templates(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<TemplateRow>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLS} FROM brief_templates WHERE workspace_id = $1 ORDER BY archived_at IS NOT NULL, name_key, id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?)
}

pub async fn template(c: &mut Conn, id: Uuid) -> Result<Option<TemplateRow>> {
    let sql = format!("SELECT {TEMPLATE_COLS} FROM brief_templates WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

/// The workspace's default template (the newest marked default, if several ever were).
pub async fn default_template(c: &mut Conn, ws: WorkspaceId) -> Result<Option<TemplateRow>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLS} FROM brief_templates WHERE workspace_id = $1 AND is_default = 1 AND archived_at IS NULL
         ORDER BY updated_at DESC LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_optional(c).await?)
}

/// Inserts or updates a template; making it the default unmarks the others.
pub async fn put_template(c: &mut Conn, t: &TemplateRow) -> Result<()> {
    if t.is_default {
        sqlx::query("UPDATE brief_templates SET is_default = 0 WHERE workspace_id = $1 AND id <> $2")
            .bind(t.workspace_id.0)
            .bind(t.id)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query(
        "INSERT INTO brief_templates (id, workspace_id, name, name_key, fields, is_default, created_at, updated_at, archived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, fields = excluded.fields,
            is_default = excluded.is_default, updated_at = excluded.updated_at, archived_at = excluded.archived_at",
    )
    .bind(t.id)
    .bind(t.workspace_id.0)
    .bind(&t.name)
    .bind(name_key(&t.name))
    .bind(&t.fields)
    .bind(t.is_default)
    .bind(t.created_at)
    .bind(t.updated_at)
    .bind(t.archived_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Workspaces with no template at all (each gets the standard one).
pub async fn workspaces_without_templates(c: &mut Conn) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT w.id FROM workspaces w WHERE NOT EXISTS (SELECT 1 FROM brief_templates t WHERE t.workspace_id = w.id)",
    )
    .fetch_all(c)
    .await?)
}

/// A brief: on a campaign (`asset_id` none) or a deliverable, with the fields it was made with.
#[derive(Clone, Debug, FromRow)]
pub struct BriefRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub asset_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    pub template_name: String,
    pub fields: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const BRIEF_COLS: &str = "id, project_id, asset_id, template_id, template_name, fields, created_at, updated_at";

pub async fn insert_brief(c: &mut Conn, b: &BriefRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO briefs (id, project_id, asset_id, template_id, template_name, fields, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(b.id)
    .bind(b.project_id.0)
    .bind(b.asset_id)
    .bind(b.template_id)
    .bind(&b.template_name)
    .bind(&b.fields)
    .bind(b.created_at)
    .bind(b.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn brief(c: &mut Conn, id: Uuid) -> Result<Option<BriefRow>> {
    let sql = format!("SELECT {BRIEF_COLS} FROM briefs WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

/// A project's briefs: the campaign's first, then deliverables' by creation.
pub async fn briefs_of(c: &mut Conn, project: ProjectId) -> Result<Vec<BriefRow>> {
    let sql =
        format!("SELECT {BRIEF_COLS} FROM briefs WHERE project_id = $1 ORDER BY asset_id IS NOT NULL, created_at, id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

/// The campaign's own brief, or a deliverable's.
pub async fn brief_for(c: &mut Conn, project: ProjectId, asset: Option<AssetId>) -> Result<Option<BriefRow>> {
    let sql = match asset {
        None => format!("SELECT {BRIEF_COLS} FROM briefs WHERE project_id = $1 AND asset_id IS NULL"),
        Some(_) => format!("SELECT {BRIEF_COLS} FROM briefs WHERE project_id = $1 AND asset_id = $2"),
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).bind(asset.map(|a| a.0)).fetch_optional(c).await?)
}

pub async fn touch_brief(c: &mut Conn, id: Uuid, now: i64) -> Result<()> {
    sqlx::query("UPDATE briefs SET updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(c).await?;
    Ok(())
}

/// One revision; `field_values` is its JSON object.
#[derive(Clone, Debug, FromRow)]
pub struct RevisionRow {
    pub brief_id: Uuid,
    pub number: i64,
    pub field_values: String,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// JSON `{user_id, name}`.
    pub submitted_by: Option<String>,
    pub accepted_at: Option<i64>,
    pub accepted_by: Option<String>,
}

const REV_COLS: &str = "brief_id, number, field_values, author_id, author_name, created_at, updated_at, submitted_at, submitted_by, accepted_at, accepted_by";

pub async fn revisions(c: &mut Conn, brief: Uuid) -> Result<Vec<RevisionRow>> {
    let sql = format!("SELECT {REV_COLS} FROM brief_revisions WHERE brief_id = $1 ORDER BY number DESC");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(brief).fetch_all(c).await?)
}

pub async fn revision(c: &mut Conn, brief: Uuid, number: i64) -> Result<Option<RevisionRow>> {
    let sql = format!("SELECT {REV_COLS} FROM brief_revisions WHERE brief_id = $1 AND number = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(brief).bind(number).fetch_optional(c).await?)
}

pub async fn latest_revision(c: &mut Conn, brief: Uuid) -> Result<Option<RevisionRow>> {
    let sql = format!("SELECT {REV_COLS} FROM brief_revisions WHERE brief_id = $1 ORDER BY number DESC LIMIT 1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(brief).fetch_optional(c).await?)
}

/// The newest revision submitted at or before `at`.
pub async fn submitted_by_then(c: &mut Conn, brief: Uuid, at: i64) -> Result<Option<RevisionRow>> {
    let sql = format!(
        "SELECT {REV_COLS} FROM brief_revisions WHERE brief_id = $1 AND submitted_at IS NOT NULL AND submitted_at <= $2
         ORDER BY number DESC LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(brief).bind(at).fetch_optional(c).await?)
}

pub async fn insert_revision(c: &mut Conn, r: &RevisionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO brief_revisions (brief_id, number, field_values, author_id, author_name, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.brief_id)
    .bind(r.number)
    .bind(&r.field_values)
    .bind(r.author_id)
    .bind(&r.author_name)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Rewrites a draft's values; false when the revision is no longer a draft.
pub async fn update_draft(
    c: &mut Conn,
    brief: Uuid,
    number: i64,
    values: &str,
    author: (UserId, &str),
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE brief_revisions SET field_values = $3, author_id = $4, author_name = $5, updated_at = $6
         WHERE brief_id = $1 AND number = $2 AND submitted_at IS NULL",
    )
    .bind(brief)
    .bind(number)
    .bind(values)
    .bind(author.0.0)
    .bind(author.1)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Freezes a draft; false when it was already submitted.
pub async fn submit(c: &mut Conn, brief: Uuid, number: i64, by: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE brief_revisions SET submitted_at = $3, submitted_by = $4, updated_at = $3
         WHERE brief_id = $1 AND number = $2 AND submitted_at IS NULL",
    )
    .bind(brief)
    .bind(number)
    .bind(now)
    .bind(by)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Accepts a submitted revision; false unless it is submitted and not yet accepted.
pub async fn accept(c: &mut Conn, brief: Uuid, number: i64, by: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE brief_revisions SET accepted_at = $3, accepted_by = $4, updated_at = $3
         WHERE brief_id = $1 AND number = $2 AND submitted_at IS NOT NULL AND accepted_at IS NULL",
    )
    .bind(brief)
    .bind(number)
    .bind(now)
    .bind(by)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The revision `viewer` last looked at.
pub async fn seen(c: &mut Conn, brief: Uuid, viewer: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT revision FROM brief_seen WHERE brief_id = $1 AND viewer = $2")
        .bind(brief)
        .bind(viewer)
        .fetch_optional(c)
        .await?)
}

pub async fn mark_seen(c: &mut Conn, brief: Uuid, viewer: &str, revision: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO brief_seen (brief_id, viewer, revision, seen_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (brief_id, viewer) DO UPDATE SET revision = excluded.revision, seen_at = excluded.seen_at",
    )
    .bind(brief)
    .bind(viewer)
    .bind(revision)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}
