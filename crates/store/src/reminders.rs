//! What reminders need: runs whose due-soon or due mail falls, open seats per workspace, the
//! once-a-day digest and nudge marks, and the inbox's read mark.

use frameproof_domain::{AssetId, UserId, WorkspaceId};
use sqlx::{FromRow, Row};
use uuid::Uuid;

use crate::workflows::{RUN_COLS, RunRow, SEAT_COLS, SeatRow, prefixed};
use crate::{Conn, Result};

/// Sets when a run's "due tomorrow" mail falls (none: the stage is too short for one).
pub async fn set_due_soon(c: &mut Conn, run: Uuid, at: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE stage_runs SET due_soon_at = $2 WHERE id = $1").bind(run).bind(at).execute(c).await?;
    Ok(())
}

/// Open runs whose due-soon mail falls at or before `now` and has not gone out.
pub async fn due_soon(c: &mut Conn, now: i64, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM stage_runs WHERE exited_at IS NULL AND reminded_soon_at IS NULL AND due_soon_at <= $1
         ORDER BY due_soon_at, id LIMIT $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(c).await?)
}

/// Open runs due at or before `now` whose due mail has not gone out.
pub async fn due_now(c: &mut Conn, now: i64, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM stage_runs WHERE exited_at IS NULL AND reminded_due_at IS NULL AND due_at <= $1
         ORDER BY due_at, id LIMIT $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(c).await?)
}

/// Marks a run's due-soon mail (`soon`) or due mail as sent; the due mail also stands for a
/// due-soon mail that never went out.
pub async fn mark_reminded(c: &mut Conn, run: Uuid, soon: bool, now: i64) -> Result<()> {
    let sql = if soon {
        "UPDATE stage_runs SET reminded_soon_at = $2 WHERE id = $1"
    } else {
        "UPDATE stage_runs SET reminded_due_at = $2, reminded_soon_at = COALESCE(reminded_soon_at, $2) WHERE id = $1"
    };
    sqlx::query(sql).bind(run).bind(now).execute(c).await?;
    Ok(())
}

/// Seats asked whose mail has not gone out: `(run, seat, backup)` where `backup` says the
/// backup's ask is the one to mail.
pub async fn unmailed_asks(c: &mut Conn, limit: i64) -> Result<Vec<(RunRow, SeatRow, bool)>> {
    let sql = format!(
        "SELECT {}, {}, CAST(0 AS BIGINT) AS backup FROM stage_runs r JOIN stage_run_reviewers s ON s.run_id = r.id
         WHERE s.asked_mail_at IS NULL
         UNION ALL
         SELECT {}, {}, CAST(1 AS BIGINT) AS backup FROM stage_runs r JOIN stage_run_reviewers s ON s.run_id = r.id
         WHERE s.backup_asked_at IS NOT NULL AND s.backup_mail_at IS NULL
         LIMIT $1",
        prefixed(RUN_COLS, "r"),
        prefixed(SEAT_COLS, "s"),
        prefixed(RUN_COLS, "r"),
        prefixed(SEAT_COLS, "s")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(c).await?;
    rows.iter()
        .map(|r| Ok((RunRow::from_row(r)?, SeatRow::from_row(r)?, r.try_get::<i64, _>("backup")? == 1)))
        .collect()
}

/// Marks a seat's ask (or its backup's) as mailed.
pub async fn mark_ask_mailed(c: &mut Conn, run: Uuid, seat: i64, backup: bool, now: i64) -> Result<()> {
    let sql = if backup {
        "UPDATE stage_run_reviewers SET backup_mail_at = $3 WHERE run_id = $1 AND seat = $2"
    } else {
        "UPDATE stage_run_reviewers SET asked_mail_at = $3 WHERE run_id = $1 AND seat = $2"
    };
    sqlx::query(sql).bind(run).bind(seat).bind(now).execute(c).await?;
    Ok(())
}

/// Runs the clock escalated (overdue, its backups asked) whose owner has not been told.
pub async fn escalated_untold(c: &mut Conn, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM stage_runs WHERE clock_done_at IS NOT NULL AND overdue_at IS NOT NULL
           AND owner_told_at IS NULL AND exited_at IS NULL
         ORDER BY clock_done_at, id LIMIT $1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(c).await?)
}

pub async fn mark_owner_told(c: &mut Conn, run: Uuid, now: i64) -> Result<()> {
    sqlx::query("UPDATE stage_runs SET owner_told_at = $2 WHERE id = $1").bind(run).bind(now).execute(c).await?;
    Ok(())
}

/// Every workspace with the local day whose digests were last built.
pub async fn digest_days(c: &mut Conn) -> Result<Vec<(Uuid, Option<String>)>> {
    let rows = sqlx::query("SELECT id, digest_day FROM workspaces ORDER BY id").fetch_all(c).await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("digest_day")?))).collect()
}

pub async fn set_digest_day(c: &mut Conn, ws: WorkspaceId, day: &str) -> Result<()> {
    sqlx::query("UPDATE workspaces SET digest_day = $2 WHERE id = $1").bind(ws.0).bind(day).execute(c).await?;
    Ok(())
}

/// Undecided seats of open runs in a workspace's live campaigns, soonest due first.
pub async fn open_seats_in(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<(RunRow, SeatRow)>> {
    let sql = format!(
        "SELECT {}, {} FROM stage_runs r JOIN stage_run_reviewers s ON s.run_id = r.id
         JOIN projects p ON p.id = r.project_id JOIN assets a ON a.id = r.asset_id
         WHERE p.workspace_id = $1 AND p.deleted_at IS NULL AND p.archived_at IS NULL AND a.deleted_at IS NULL
           AND r.exited_at IS NULL AND s.decided_at IS NULL
         ORDER BY r.due_at, r.id, s.seat",
        prefixed(RUN_COLS, "r"),
        prefixed(SEAT_COLS, "s")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?;
    rows.iter().map(|r| Ok((RunRow::from_row(r)?, SeatRow::from_row(r)?))).collect()
}

/// Claims `person`'s digest for local `day`; false when it already went out.
pub async fn claim_digest(c: &mut Conn, person: &str, day: &str, now: i64) -> Result<bool> {
    let r =
        sqlx::query("INSERT INTO reminder_digests (person, day, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(person)
            .bind(day)
            .bind(now)
            .execute(c)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// When `person` was last nudged about a deliverable.
pub async fn last_nudge(c: &mut Conn, asset: AssetId, person: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MAX(at) FROM nudges WHERE asset_id = $1 AND person = $2")
        .bind(asset.0)
        .bind(person)
        .fetch_one(c)
        .await?)
}

pub async fn insert_nudge(c: &mut Conn, asset: AssetId, person: &str, by: UserId, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO nudges (asset_id, person, at, by_user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(asset.0)
        .bind(person)
        .bind(now)
        .bind(by.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn read_at(c: &mut Conn, user: UserId) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT read_at FROM inbox_reads WHERE user_id = $1").bind(user.0).fetch_optional(c).await?)
}

pub async fn set_read_at(c: &mut Conn, user: UserId, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox_reads (user_id, read_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET read_at = CASE WHEN excluded.read_at > inbox_reads.read_at
            THEN excluded.read_at ELSE inbox_reads.read_at END",
    )
    .bind(user.0)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// A run past due in a campaign someone owns, with its names.
#[derive(Clone, Debug)]
pub struct LateRow {
    pub run: RunRow,
    pub asset_name: String,
    pub project_name: String,
    pub workspace_id: WorkspaceId,
    pub stage_name: String,
}

/// Open runs past due in live campaigns `user` owns, most overdue first.
pub async fn late_runs_owned(c: &mut Conn, user: UserId, now: i64, limit: i64) -> Result<Vec<LateRow>> {
    let sql = format!(
        // One index range in due order (open runs carry their campaign's owner).
        "SELECT {}, a.name AS asset_name, p.name AS project_name, p.workspace_id AS workspace_id, st.name AS stage_name
         FROM stage_runs r JOIN projects p ON p.id = r.project_id JOIN assets a ON a.id = r.asset_id
         JOIN campaign_stages st ON st.id = r.stage_id
         WHERE r.owner_id = $1 AND r.exited_at IS NULL AND r.due_at < $2 AND p.deleted_at IS NULL AND a.deleted_at IS NULL
         ORDER BY r.due_at, r.id LIMIT $3",
        prefixed(RUN_COLS, "r")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.0).bind(now).bind(limit).fetch_all(c).await?;
    rows.iter()
        .map(|r| {
            Ok(LateRow {
                run: RunRow::from_row(r)?,
                asset_name: r.try_get("asset_name")?,
                project_name: r.try_get("project_name")?,
                workspace_id: WorkspaceId(r.try_get("workspace_id")?),
                stage_name: r.try_get("stage_name")?,
            })
        })
        .collect()
}

/// A mention of `user`: the comment, where it is, and when.
#[derive(Clone, Debug, FromRow)]
pub struct MentionRow {
    pub comment_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub anchor_in: Option<i64>,
    pub version_id: Uuid,
    pub version_number: i64,
    pub asset_id: Uuid,
    pub asset_name: String,
    pub project_id: Uuid,
    pub workspace_id: Uuid,
    pub project_name: String,
    pub team_only: bool,
    pub created_at: i64,
}

/// The newest comments mentioning `user` that still stand.
pub async fn mentions_of(c: &mut Conn, user: UserId, limit: i64) -> Result<Vec<MentionRow>> {
    Ok(sqlx::query_as(
        "SELECT c.id AS comment_id, c.author_name, c.body, c.anchor_in, c.version_id, v.number AS version_number,
                a.id AS asset_id, a.name AS asset_name, p.id AS project_id, p.workspace_id, p.name AS project_name,
                c.team_only, c.created_at
         FROM comment_mentions m JOIN comments c ON c.id = m.comment_id JOIN versions v ON v.id = c.version_id
         JOIN assets a ON a.id = v.asset_id JOIN projects p ON p.id = a.project_id
         WHERE m.user_id = $1 AND c.deleted_at IS NULL AND a.deleted_at IS NULL AND p.deleted_at IS NULL
         ORDER BY c.created_at DESC, c.id DESC LIMIT $2",
    )
    .bind(user.0)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Comments (threads and replies, not deleted) on each asset of a project, and how many of them
/// are anchored to a frame, range, page or point: `(asset, total, anchored)`.
pub async fn comment_counts(c: &mut Conn, project: frameproof_domain::ProjectId) -> Result<Vec<(Uuid, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT v.asset_id, COUNT(*),
                SUM(CASE WHEN cm.anchor_in IS NOT NULL OR cm.page IS NOT NULL OR cm.x IS NOT NULL THEN 1 ELSE 0 END)
         FROM comments cm JOIN versions v ON v.id = cm.version_id JOIN assets a ON a.id = v.asset_id
         WHERE a.project_id = $1 AND cm.deleted_at IS NULL
         GROUP BY v.asset_id",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}
