//! A workspace's business calendar (working days, hours, holidays), its members' time out of
//! office, and named groups of members.

use frameproof_domain::{UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::name_key;
use crate::{Conn, Result};

/// The calendar as stored: the zone, `mon,tue,…`, `HH:MM` hours.
#[derive(Clone, Debug, FromRow)]
pub struct CalendarRow {
    pub time_zone: String,
    pub working_days: String,
    pub day_start: String,
    pub day_end: String,
}

pub async fn calendar(c: &mut Conn, ws: WorkspaceId) -> Result<Option<(CalendarRow, Vec<(String, String)>)>> {
    let Some(row): Option<CalendarRow> =
        sqlx::query_as("SELECT time_zone, working_days, day_start, day_end FROM workspaces WHERE id = $1")
            .bind(ws.0)
            .fetch_optional(&mut *c)
            .await?
    else {
        return Ok(None);
    };
    let holidays = sqlx::query_as("SELECT day, name FROM workspace_holidays WHERE workspace_id = $1 ORDER BY day")
        .bind(ws.0)
        .fetch_all(&mut *c)
        .await?;
    Ok(Some((row, holidays)))
}

/// Replaces the calendar and its holidays.
pub async fn set_calendar(
    c: &mut Conn,
    ws: WorkspaceId,
    cal: &CalendarRow,
    holidays: &[(String, String)],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE workspaces SET time_zone = $2, working_days = $3, day_start = $4, day_end = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(ws.0)
    .bind(&cal.time_zone)
    .bind(&cal.working_days)
    .bind(&cal.day_start)
    .bind(&cal.day_end)
    .bind(now)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM workspace_holidays WHERE workspace_id = $1").bind(ws.0).execute(&mut *c).await?;
    for (day, name) in holidays {
        sqlx::query("INSERT INTO workspace_holidays (workspace_id, day, name) VALUES ($1, $2, $3)")
            .bind(ws.0)
            .bind(day)
            .bind(name)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// A member's time out of office (inclusive local dates), if set.
pub async fn away(c: &mut Conn, ws: WorkspaceId, user: UserId) -> Result<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT away_from, away_until FROM workspace_members WHERE workspace_id = $1 AND user_id = $2")
            .bind(ws.0)
            .bind(user.0)
            .fetch_optional(c)
            .await?;
    Ok(row.and_then(|(f, u)| Some((f?, u?))))
}

pub async fn set_away(
    c: &mut Conn,
    ws: WorkspaceId,
    user: UserId,
    away: Option<(&str, &str)>,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE workspace_members SET away_from = $3, away_until = $4, updated_at = $5 WHERE workspace_id = $1 AND user_id = $2",
    )
    .bind(ws.0)
    .bind(user.0)
    .bind(away.map(|a| a.0))
    .bind(away.map(|a| a.1))
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A group of members.
#[derive(Clone, Debug, FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const GROUP_COLS: &str = "id, workspace_id, name, created_at, updated_at";

pub async fn groups(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<GroupRow>> {
    let sql = format!("SELECT {GROUP_COLS} FROM member_groups WHERE workspace_id = $1 ORDER BY name_key, id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?)
}

pub async fn group(c: &mut Conn, id: Uuid) -> Result<Option<GroupRow>> {
    let sql = format!("SELECT {GROUP_COLS} FROM member_groups WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

/// The active members of a group, `(user id, name, e-mail)`, by name.
pub async fn group_members(c: &mut Conn, id: Uuid) -> Result<Vec<(Uuid, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.email FROM member_group_members gm
         JOIN member_groups g ON g.id = gm.group_id
         JOIN users u ON u.id = gm.user_id
         JOIN workspace_members m ON m.workspace_id = g.workspace_id AND m.user_id = gm.user_id AND m.deactivated_at IS NULL
         WHERE gm.group_id = $1 ORDER BY lower(u.name), u.id",
    )
    .bind(id)
    .fetch_all(c)
    .await?)
}

/// Creates or renames a group and makes its members exactly `members`.
pub async fn put_group(c: &mut Conn, g: &GroupRow, members: &[UserId]) -> Result<()> {
    sqlx::query(
        "INSERT INTO member_groups (id, workspace_id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, updated_at = excluded.updated_at",
    )
    .bind(g.id)
    .bind(g.workspace_id.0)
    .bind(&g.name)
    .bind(name_key(&g.name))
    .bind(g.created_at)
    .bind(g.updated_at)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM member_group_members WHERE group_id = $1").bind(g.id).execute(&mut *c).await?;
    for m in members {
        sqlx::query("INSERT INTO member_group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(g.id)
            .bind(m.0)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub async fn delete_group(c: &mut Conn, id: Uuid) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM member_groups WHERE id = $1").bind(id).execute(c).await?.rows_affected() == 1)
}
