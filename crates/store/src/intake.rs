//! Intake: the workspace's intake settings, intake links (tokens for requesters without an
//! account) and campaign requests.

use frameproof_domain::{ProjectId, UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

/// The workspace's intake form: the brief template it shows (none: the default) and who is
/// told of new requests (a JSON array of user ids).
#[derive(Clone, Debug, FromRow)]
pub struct SettingsRow {
    pub intake_template_id: Option<Uuid>,
    pub intake_owner_ids: String,
}

pub async fn settings(c: &mut Conn, ws: WorkspaceId) -> Result<Option<SettingsRow>> {
    Ok(sqlx::query_as("SELECT intake_template_id, intake_owner_ids FROM workspaces WHERE id = $1")
        .bind(ws.0)
        .fetch_optional(c)
        .await?)
}

pub async fn put_settings(c: &mut Conn, ws: WorkspaceId, s: &SettingsRow, now: i64) -> Result<()> {
    sqlx::query("UPDATE workspaces SET intake_template_id = $2, intake_owner_ids = $3, updated_at = $4 WHERE id = $1")
        .bind(ws.0)
        .bind(s.intake_template_id)
        .bind(&s.intake_owner_ids)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct LinkRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub allowed_domains: Option<String>,
    pub expires_at: Option<i64>,
    pub per_hour: i64,
    #[sqlx(try_from = "Uuid")]
    pub created_by: UserId,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl LinkRow {
    pub fn domains(&self) -> Vec<String> {
        self.allowed_domains.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default()
    }

    /// Whether the link still opens at `now`.
    pub fn live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

const LINK_COLS: &str =
    "id, workspace_id, name, allowed_domains, expires_at, per_hour, created_by, created_at, revoked_at";

pub async fn insert_link(c: &mut Conn, l: &LinkRow, token_hash: &[u8]) -> Result<()> {
    sqlx::query(
        "INSERT INTO intake_links (id, workspace_id, name, token_hash, allowed_domains, expires_at, per_hour, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(l.id)
    .bind(l.workspace_id.0)
    .bind(&l.name)
    .bind(token_hash)
    .bind(&l.allowed_domains)
    .bind(l.expires_at)
    .bind(l.per_hour)
    .bind(l.created_by.0)
    .bind(l.created_at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn links(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<LinkRow>> {
    let sql = format!(
        "SELECT {LINK_COLS} FROM intake_links WHERE workspace_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC, id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?)
}

pub async fn link(c: &mut Conn, id: Uuid) -> Result<Option<LinkRow>> {
    let sql = format!("SELECT {LINK_COLS} FROM intake_links WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

pub async fn link_by_hash(c: &mut Conn, hash: &[u8]) -> Result<Option<LinkRow>> {
    let sql = format!("SELECT {LINK_COLS} FROM intake_links WHERE token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(c).await?)
}

/// Revokes a live link; false when it already was.
pub async fn revoke_link(c: &mut Conn, id: Uuid, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE intake_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug, FromRow)]
pub struct RequestRow {
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub link_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
    pub requester_email: String,
    pub requester_name: String,
    pub ip: String,
    pub requested_at: i64,
    pub state: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub decline_reason: Option<String>,
    /// Filled by [`requests`] (joined), none elsewhere.
    #[sqlx(default)]
    pub project_name: Option<String>,
    #[sqlx(default)]
    pub link_name: Option<String>,
    #[sqlx(default)]
    pub decided_by_name: Option<String>,
}

const REQUEST_COLS: &str = "project_id, workspace_id, link_id, requester_id, requester_email, requester_name, ip, \
    requested_at, state, decided_by, decided_at, decline_reason";

pub async fn insert_request(c: &mut Conn, r: &RequestRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO campaign_requests (project_id, workspace_id, link_id, requester_id, requester_email, requester_name,
            ip, requested_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(r.project_id.0)
    .bind(r.workspace_id.0)
    .bind(r.link_id)
    .bind(r.requester_id)
    .bind(&r.requester_email)
    .bind(&r.requester_name)
    .bind(&r.ip)
    .bind(r.requested_at)
    .bind(&r.state)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn request(c: &mut Conn, project: ProjectId) -> Result<Option<RequestRow>> {
    let sql = format!("SELECT {REQUEST_COLS} FROM campaign_requests WHERE project_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_optional(c).await?)
}

/// A workspace's requests in one state (none: all) of live campaigns, newest first, with the
/// campaign's, the link's and the decider's names.
pub async fn requests(c: &mut Conn, ws: WorkspaceId, state: Option<&str>, limit: i64) -> Result<Vec<RequestRow>> {
    let sql = format!(
        "SELECT {}, p.name AS project_name, l.name AS link_name, u.name AS decided_by_name
         FROM campaign_requests q JOIN projects p ON p.id = q.project_id
         LEFT JOIN intake_links l ON l.id = q.link_id LEFT JOIN users u ON u.id = q.decided_by
         WHERE q.workspace_id = $1 AND ($2 IS NULL OR q.state = $2) AND p.deleted_at IS NULL
         ORDER BY q.requested_at DESC, q.project_id LIMIT $3",
        crate::workflows::prefixed(REQUEST_COLS, "q")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).bind(state).bind(limit).fetch_all(c).await?)
}

/// Records the decision on a pending request; false when it was no longer pending.
pub async fn decide(
    c: &mut Conn,
    project: ProjectId,
    state: &str,
    by: UserId,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE campaign_requests SET state = $2, decided_by = $3, decided_at = $4, decline_reason = $5
         WHERE project_id = $1 AND state = 'requested'",
    )
    .bind(project.0)
    .bind(state)
    .bind(by.0)
    .bind(now)
    .bind(reason)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Requests through a link from one address since `since` (the per-hour limit).
pub async fn requests_from(c: &mut Conn, link: Uuid, ip: &str, since: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_requests WHERE link_id = $1 AND ip = $2 AND requested_at >= $3",
    )
    .bind(link)
    .bind(ip)
    .bind(since)
    .fetch_one(c)
    .await?)
}

/// Requests through a link since `since`, from anywhere (a ceiling for a link that leaked).
pub async fn requests_through(c: &mut Conn, link: Uuid, since: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM campaign_requests WHERE link_id = $1 AND requested_at >= $2")
        .bind(link)
        .bind(since)
        .fetch_one(c)
        .await?)
}
