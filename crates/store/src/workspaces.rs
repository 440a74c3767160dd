//! Workspaces, their members and invitations.

use frameproof_domain::{InviteId, ProjectId, Role, UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::name_key;
use crate::{Conn, Result, StoreError};

/// A workspace row.
#[derive(Clone, Debug, FromRow)]
pub struct WorkspaceRow {
    #[sqlx(try_from = "Uuid")]
    pub id: WorkspaceId,
    pub name: String,
    pub quota_bytes: i64,
    pub originals_bytes: i64,
    pub derived_bytes: i64,
    /// The IANA zone people here read times in (`UTC` until an owner or admin sets one).
    pub time_zone: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const WS_COLS: &str = "id, name, quota_bytes, originals_bytes, derived_bytes, time_zone, created_at, updated_at";

pub async fn insert_workspace(c: &mut Conn, id: WorkspaceId, name: &str, quota: i64, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspaces (id, name, name_key, quota_bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id.0)
    .bind(name)
    .bind(name_key(name))
    .bind(quota)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn workspace(c: &mut Conn, id: WorkspaceId) -> Result<Option<WorkspaceRow>> {
    let sql = format!("SELECT {WS_COLS} FROM workspaces WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

pub async fn workspace_by_name(c: &mut Conn, name: &str) -> Result<Option<WorkspaceRow>> {
    let sql = format!("SELECT {WS_COLS} FROM workspaces WHERE name_key = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(name_key(name)).fetch_optional(c).await?)
}

/// A workspace with the caller's role in it.
#[derive(Clone, Debug, FromRow)]
pub struct MyWorkspaceRow {
    #[sqlx(flatten)]
    pub workspace: WorkspaceRow,
    pub role: String,
}

/// The workspaces where `user` is an active member, by name.
pub async fn workspaces_of(c: &mut Conn, user: UserId) -> Result<Vec<MyWorkspaceRow>> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.name, w.quota_bytes, w.originals_bytes, w.derived_bytes, w.time_zone, w.created_at,
                w.updated_at, m.role
         FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
         WHERE m.user_id = $1 AND m.deactivated_at IS NULL
         ORDER BY w.name_key, w.id",
    )
    .bind(user.0)
    .fetch_all(c)
    .await?)
}

pub async fn rename_workspace(c: &mut Conn, id: WorkspaceId, name: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE workspaces SET name = $2, name_key = $3, updated_at = $4 WHERE id = $1")
        .bind(id.0)
        .bind(name)
        .bind(name_key(name))
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Adds (or, negative, removes) stored bytes to a workspace's use.
pub async fn add_usage(c: &mut Conn, id: WorkspaceId, originals: i64, derived: i64) -> Result<()> {
    sqlx::query(
        "UPDATE workspaces SET
            originals_bytes = CASE WHEN originals_bytes + $2 < 0 THEN 0 ELSE originals_bytes + $2 END,
            derived_bytes = CASE WHEN derived_bytes + $3 < 0 THEN 0 ELSE derived_bytes + $3 END
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(originals)
    .bind(derived)
    .execute(c)
    .await?;
    Ok(())
}

/// Sets the workspace's time zone (an IANA name the caller has checked).
pub async fn set_time_zone(c: &mut Conn, id: WorkspaceId, time_zone: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE workspaces SET time_zone = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(time_zone)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_quota(c: &mut Conn, id: WorkspaceId, quota: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE workspaces SET quota_bytes = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(quota)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Members

/// A member row joined with the person's name and e-mail.
#[derive(Clone, Debug, FromRow)]
pub struct MemberRow {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub deactivated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl MemberRow {
    /// The parsed role (an unknown stored role reads as the weakest).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Reviewer)
    }
}

const MEMBER_SELECT: &str = "SELECT m.user_id, u.email, u.name, m.role, m.deactivated_at, m.created_at, m.updated_at
     FROM workspace_members m JOIN users u ON u.id = m.user_id";

pub async fn insert_member(c: &mut Conn, ws: WorkspaceId, user: UserId, role: Role, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(ws.0)
    .bind(user.0)
    .bind(role.as_str())
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn member(c: &mut Conn, ws: WorkspaceId, user: UserId) -> Result<Option<MemberRow>> {
    let sql = format!("{MEMBER_SELECT} WHERE m.workspace_id = $1 AND m.user_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).bind(user.0).fetch_optional(c).await?)
}

/// The caller's role when they are an active member.
pub async fn active_role(c: &mut Conn, ws: WorkspaceId, user: UserId) -> Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 AND deactivated_at IS NULL",
    )
    .bind(ws.0)
    .bind(user.0)
    .fetch_optional(c)
    .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub async fn members(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<MemberRow>> {
    let sql = format!("{MEMBER_SELECT} WHERE m.workspace_id = $1 ORDER BY lower(u.name), u.id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?)
}

pub async fn set_member_role(c: &mut Conn, ws: WorkspaceId, user: UserId, role: Role, now: i64) -> Result<()> {
    sqlx::query("UPDATE workspace_members SET role = $3, updated_at = $4 WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws.0)
        .bind(user.0)
        .bind(role.as_str())
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_member_deactivated(
    c: &mut Conn,
    ws: WorkspaceId,
    user: UserId,
    deactivated_at: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE workspace_members SET deactivated_at = $3, updated_at = $4 WHERE workspace_id = $1 AND user_id = $2",
    )
    .bind(ws.0)
    .bind(user.0)
    .bind(deactivated_at)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes a member and their project memberships in this workspace.
pub async fn remove_member(c: &mut Conn, ws: WorkspaceId, user: UserId) -> Result<()> {
    sqlx::query(
        "DELETE FROM project_members WHERE user_id = $2 AND project_id IN (SELECT id FROM projects WHERE workspace_id = $1)",
    )
    .bind(ws.0)
    .bind(user.0)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws.0)
        .bind(user.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Active owners of a workspace (a workspace must keep at least one).
pub async fn count_active_owners(c: &mut Conn, ws: WorkspaceId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner' AND deactivated_at IS NULL",
    )
    .bind(ws.0)
    .fetch_one(c)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Invitations

/// An invitation row.
#[derive(Clone, Debug, FromRow)]
pub struct InviteRow {
    #[sqlx(try_from = "Uuid")]
    pub id: InviteId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub role: String,
    pub project_ids: String,
    #[sqlx(try_from = "Uuid")]
    pub invited_by: UserId,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl InviteRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Reviewer)
    }

    /// The projects a reviewer invitee joins.
    pub fn projects(&self) -> Result<Vec<ProjectId>> {
        serde_json::from_str(&self.project_ids).map_err(StoreError::Json)
    }
}

const INVITE_COLS: &str =
    "id, workspace_id, email, role, project_ids, invited_by, created_at, expires_at, accepted_at, revoked_at";

pub struct NewInvite<'a> {
    pub id: InviteId,
    pub workspace_id: WorkspaceId,
    pub email: &'a str,
    pub role: Role,
    pub project_ids: &'a [ProjectId],
    pub token_hash: &'a [u8],
    pub invited_by: UserId,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert_invite(c: &mut Conn, i: &NewInvite<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO invites (id, workspace_id, email, role, project_ids, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(i.id.0)
    .bind(i.workspace_id.0)
    .bind(i.email)
    .bind(i.role.as_str())
    .bind(serde_json::to_string(i.project_ids)?)
    .bind(i.token_hash)
    .bind(i.invited_by.0)
    .bind(i.now)
    .bind(i.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The pending (not accepted, not revoked, not expired) invitation with this token hash.
pub async fn pending_invite_by_hash(c: &mut Conn, hash: &[u8], now: i64) -> Result<Option<InviteRow>> {
    let sql = format!(
        "SELECT {INVITE_COLS} FROM invites
         WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(hash).bind(now).fetch_optional(c).await?)
}

pub async fn invite(c: &mut Conn, id: InviteId) -> Result<Option<InviteRow>> {
    let sql = format!("SELECT {INVITE_COLS} FROM invites WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Pending invitations of a workspace, newest first.
pub async fn pending_invites(c: &mut Conn, ws: WorkspaceId, now: i64) -> Result<Vec<InviteRow>> {
    let sql = format!(
        "SELECT {INVITE_COLS} FROM invites
         WHERE workspace_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC, id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).bind(now).fetch_all(c).await?)
}

pub async fn mark_invite_accepted(c: &mut Conn, id: InviteId, now: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE invites SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
            .bind(id.0)
            .bind(now)
            .execute(c)
            .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn revoke_invite(c: &mut Conn, id: InviteId, now: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE invites SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
            .bind(id.0)
            .bind(now)
            .execute(c)
            .await?;
    Ok(r.rows_affected() == 1)
}
