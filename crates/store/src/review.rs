//! Decisions, required approvers, approval locks and receipts, and stack changes (order,
//! current, move, delete).

use frameproof_domain::{AssetId, DecisionId, GuestSessionId, ReceiptId, UserId, VersionId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

// ---------------------------------------------------------------------------------------------
// Decisions

/// A recorded decision.
#[derive(Clone, Debug, FromRow)]
pub struct DecisionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: DecisionId,
    #[sqlx(try_from = "Uuid")]
    pub version_id: VersionId,
    pub user_id: Option<Uuid>,
    pub author_name: String,
    /// A guest's proven e-mail (members have `user_id` instead).
    pub guest_email: Option<String>,
    pub decision: String,
    pub note: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

const DECISION_COLS: &str =
    "id, version_id, user_id, author_name, guest_email, decision, note, created_at, cancelled_at";

pub struct NewDecision<'a> {
    pub id: DecisionId,
    pub version_id: VersionId,
    pub user_id: Option<UserId>,
    pub author_name: &'a str,
    /// A guest deciding: their session and proven e-mail.
    pub guest: Option<(GuestSessionId, &'a str)>,
    pub decision: &'a str,
    pub note: &'a str,
    pub now: i64,
}

pub async fn add_decision(c: &mut Conn, d: &NewDecision<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO decisions (id, version_id, user_id, author_name, decision, note, created_at, guest_session_id,
                                guest_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.id.0)
    .bind(d.version_id.0)
    .bind(d.user_id.map(|u| u.0))
    .bind(d.author_name)
    .bind(d.decision)
    .bind(d.note)
    .bind(d.now)
    .bind(d.guest.map(|g| g.0.0))
    .bind(d.guest.map(|g| g.1))
    .execute(c)
    .await?;
    Ok(())
}

/// Every decision on a version, newest first.
pub async fn decisions(c: &mut Conn, version: VersionId) -> Result<Vec<DecisionRow>> {
    let sql =
        format!("SELECT {DECISION_COLS} FROM decisions WHERE version_id = $1 ORDER BY created_at DESC, rowid DESC");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(version.0).fetch_all(c).await?)
}

/// Each person's latest decision on a version, unless it was cancelled by an unlock. "Latest"
/// is insertion order (the rowid; the PostgreSQL backend uses an identity column), so two
/// decisions in one millisecond still have an order.
pub async fn latest_decisions(c: &mut Conn, version: VersionId) -> Result<Vec<DecisionRow>> {
    let sql = format!(
        "SELECT {DECISION_COLS} FROM decisions d
         WHERE d.version_id = $1 AND d.cancelled_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM decisions n WHERE n.version_id = d.version_id AND n.rowid > d.rowid
                           AND (n.user_id = d.user_id OR n.guest_email = d.guest_email))
         ORDER BY d.rowid"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(version.0).fetch_all(c).await?)
}

/// A guest's decision and when the guest session behind it proved the e-mail (by a mailed code).
#[derive(Clone, Debug, FromRow)]
pub struct GuestProofRow {
    #[sqlx(try_from = "Uuid")]
    pub decision_id: DecisionId,
    pub guest_email: String,
    pub decided_at: i64,
    /// None once the session is gone (its link deleted); deciding needed the proof all the same.
    pub verified_at: Option<i64>,
}

/// Every guest decision on a version with its session's proof, oldest first.
pub async fn guest_proofs(c: &mut Conn, version: VersionId) -> Result<Vec<GuestProofRow>> {
    Ok(sqlx::query_as(
        "SELECT d.id AS decision_id, d.guest_email, d.created_at AS decided_at, s.verified_at
         FROM decisions d LEFT JOIN guest_sessions s ON s.id = d.guest_session_id
         WHERE d.version_id = $1 AND d.guest_email IS NOT NULL
         ORDER BY d.rowid",
    )
    .bind(version.0)
    .fetch_all(c)
    .await?)
}

/// Cancels the latest approvals of `users` and `guests` (e-mails) on a version (an unlock): they
/// must approve again.
pub async fn cancel_approvals(
    c: &mut Conn,
    version: VersionId,
    users: &[UserId],
    guests: &[String],
    now: i64,
) -> Result<u64> {
    let mut n = 0;
    for g in guests {
        n += sqlx::query(
            "UPDATE decisions SET cancelled_at = $3 WHERE version_id = $1 AND guest_email = $2 AND cancelled_at IS NULL
               AND decision = 'approved'",
        )
        .bind(version.0)
        .bind(g)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    for u in users {
        n += sqlx::query(
            "UPDATE decisions SET cancelled_at = $3 WHERE version_id = $1 AND user_id = $2 AND cancelled_at IS NULL
               AND decision = 'approved'",
        )
        .bind(version.0)
        .bind(u.0)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Required approvers

/// A required approver of an asset, with their name and e-mail.
#[derive(Clone, Debug, FromRow)]
pub struct ApproverRow {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub created_at: i64,
}

pub async fn approvers(c: &mut Conn, asset: AssetId) -> Result<Vec<ApproverRow>> {
    Ok(sqlx::query_as(
        "SELECT a.user_id, u.name, u.email, a.created_at FROM asset_approvers a JOIN users u ON u.id = a.user_id
         WHERE a.asset_id = $1 ORDER BY a.created_at, u.name",
    )
    .bind(asset.0)
    .fetch_all(c)
    .await?)
}

/// Replaces an asset's required approvers (those kept keep their original date).
pub async fn set_approvers(c: &mut Conn, asset: AssetId, users: &[UserId], by: UserId, now: i64) -> Result<()> {
    let keep: Vec<Uuid> = users.iter().map(|u| u.0).collect();
    for old in approvers(&mut *c, asset).await? {
        if !keep.contains(&old.user_id.0) {
            sqlx::query("DELETE FROM asset_approvers WHERE asset_id = $1 AND user_id = $2")
                .bind(asset.0)
                .bind(old.user_id.0)
                .execute(&mut *c)
                .await?;
        }
    }
    for u in users {
        sqlx::query(
            "INSERT INTO asset_approvers (asset_id, user_id, added_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (asset_id, user_id) DO NOTHING",
        )
        .bind(asset.0)
        .bind(u.0)
        .bind(by.0)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Locks and receipts

/// How and when a version was sealed.
#[derive(Clone, Debug, FromRow)]
pub struct LockRow {
    pub locked: bool,
    pub locked_at: Option<i64>,
    pub lock_kind: Option<String>,
    pub locked_by: Option<Uuid>,
    pub locked_sha256: Option<String>,
}

pub async fn lock_of(c: &mut Conn, version: VersionId) -> Result<Option<LockRow>> {
    Ok(sqlx::query_as("SELECT locked, locked_at, lock_kind, locked_by, locked_sha256 FROM versions WHERE id = $1")
        .bind(version.0)
        .fetch_optional(c)
        .await?)
}

/// Seals a version over its current hash; false when it already was locked.
pub async fn lock(c: &mut Conn, version: VersionId, kind: &str, by: Option<UserId>, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE versions SET locked = 1, locked_at = $2, lock_kind = $3, locked_by = $4, locked_sha256 = sha256,
                review_status = 'approved', updated_at = $2
         WHERE id = $1 AND locked = 0 AND sha256 IS NOT NULL",
    )
    .bind(version.0)
    .bind(now)
    .bind(kind)
    .bind(by.map(|u| u.0))
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Unseals a version; false when it was not locked.
pub async fn unlock(c: &mut Conn, version: VersionId, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE versions SET locked = 0, locked_at = NULL, lock_kind = NULL, locked_by = NULL, locked_sha256 = NULL,
                updated_at = $2
         WHERE id = $1 AND locked = 1",
    )
    .bind(version.0)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_review_status(c: &mut Conn, version: VersionId, status: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE versions SET review_status = $2, updated_at = $3 WHERE id = $1")
        .bind(version.0)
        .bind(status)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn add_receipt(c: &mut Conn, id: ReceiptId, version: VersionId, document: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO receipts (id, version_id, document, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.0)
        .bind(version.0)
        .bind(document)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// A version's receipts, newest first: (id, document, issued at).
pub async fn receipts(c: &mut Conn, version: VersionId) -> Result<Vec<(Uuid, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, document, created_at FROM receipts WHERE version_id = $1 ORDER BY created_at DESC, rowid DESC",
    )
    .bind(version.0)
    .fetch_all(c)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Stack changes

/// Sets the stack order: `ids` top first (each gets a position, the top the highest).
pub async fn reorder(c: &mut Conn, asset: AssetId, ids: &[VersionId], now: i64) -> Result<()> {
    let n = ids.len() as i64;
    for (i, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE versions SET position = $3, updated_at = $4 WHERE id = $1 AND asset_id = $2")
            .bind(id.0)
            .bind(asset.0)
            .bind(n - i as i64)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Moves a version to the top of another stack with that stack's next number; answers it.
pub async fn move_to(c: &mut Conn, version: VersionId, to: AssetId, now: i64) -> Result<i64> {
    let (max_number, max_position): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MAX(number), MAX(position) FROM versions WHERE asset_id = $1")
            .bind(to.0)
            .fetch_one(&mut *c)
            .await?;
    let number = max_number.unwrap_or(0) + 1;
    sqlx::query("UPDATE versions SET asset_id = $2, number = $3, position = $4, updated_at = $5 WHERE id = $1")
        .bind(version.0)
        .bind(to.0)
        .bind(number)
        .bind(max_position.unwrap_or(0) + 1)
        .bind(now)
        .execute(c)
        .await?;
    Ok(number)
}

/// The top of a stack (highest position), if any version is left.
pub async fn top_of(c: &mut Conn, asset: AssetId) -> Result<Option<VersionId>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM versions WHERE asset_id = $1 ORDER BY position DESC, id DESC LIMIT 1")
            .bind(asset.0)
            .fetch_optional(c)
            .await?;
    Ok(id.map(VersionId))
}

/// Clears or sets an asset's current version.
pub async fn set_current(c: &mut Conn, asset: AssetId, version: Option<VersionId>, now: i64) -> Result<()> {
    sqlx::query("UPDATE assets SET current_version_id = $2, updated_at = $3 WHERE id = $1")
        .bind(asset.0)
        .bind(version.map(|v| v.0))
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes a version row (comments, decisions, renditions and receipts go with it).
pub async fn delete_version(c: &mut Conn, version: VersionId) -> Result<()> {
    sqlx::query("DELETE FROM versions WHERE id = $1").bind(version.0).execute(c).await?;
    Ok(())
}

/// Sets (or clears) a version's timecode override.
pub async fn set_timecode(
    c: &mut Conn,
    version: VersionId,
    start: Option<&str>,
    drop_frame: Option<bool>,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE versions SET tc_start = $2, tc_drop_frame = $3, updated_at = $4 WHERE id = $1")
        .bind(version.0)
        .bind(start)
        .bind(drop_frame)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Whether any version under these assets is locked (deleting them is refused then).
pub async fn any_locked_in_assets(c: &mut Conn, assets: &[AssetId]) -> Result<bool> {
    for a in assets {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM versions WHERE asset_id = $1 AND locked = 1")
            .bind(a.0)
            .fetch_one(&mut *c)
            .await?;
        if n > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a locked version lives anywhere under a folder (its subfolders included).
pub async fn any_locked_under_folder(c: &mut Conn, folder: frameproof_domain::FolderId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "WITH RECURSIVE tree(id) AS (SELECT $1 UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
         SELECT COUNT(*) FROM versions v JOIN assets a ON a.id = v.asset_id
         WHERE a.folder_id IN (SELECT id FROM tree) AND v.locked = 1",
    )
    .bind(folder.0)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// Whether a locked version lives anywhere in a project.
pub async fn any_locked_in_project(c: &mut Conn, project: frameproof_domain::ProjectId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM versions v JOIN assets a ON a.id = v.asset_id WHERE a.project_id = $1 AND v.locked = 1",
    )
    .bind(project.0)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// Whether `user` could reach a project (team member of its workspace, or a reviewer added to it).
pub async fn user_reaches_project(c: &mut Conn, user: UserId, project: frameproof_domain::ProjectId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM projects p JOIN workspace_members m ON m.workspace_id = p.workspace_id
         WHERE p.id = $1 AND m.user_id = $2 AND m.deactivated_at IS NULL
           AND (m.role <> 'reviewer' OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = $2))",
    )
    .bind(project.0)
    .bind(user.0)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// Whether `user` is on the team (owner, admin, member) of a workspace.
pub async fn user_is_team(c: &mut Conn, user: UserId, workspace: frameproof_domain::WorkspaceId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 AND deactivated_at IS NULL
           AND role <> 'reviewer'",
    )
    .bind(workspace.0)
    .bind(user.0)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}
