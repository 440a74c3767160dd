//! Versions (the stack of an asset) and their derived media (renditions).

use frameproof_domain::{AssetId, Role, UserId, VersionId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::assets::{AssetRow, COLS as ASSET_COLS};
use crate::projects::{COLS as PROJECT_COLS, ProjectRow};
use crate::{Conn, Result};

/// A version row.
#[derive(Clone, Debug, FromRow)]
pub struct VersionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: VersionId,
    #[sqlx(try_from = "Uuid")]
    pub asset_id: AssetId,
    pub number: i64,
    pub position: i64,
    pub filename: String,
    pub filetype: String,
    pub size_bytes: i64,
    pub original_key: String,
    pub sha256: Option<String>,
    pub kind: String,
    pub processing_state: String,
    pub failure_reason: Option<String>,
    pub progress: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub rate_num: Option<i64>,
    pub rate_den: Option<i64>,
    pub frame_count: Option<i64>,
    pub duration_us: Option<i64>,
    pub vfr: bool,
    pub start_timecode: Option<String>,
    pub page_count: Option<i64>,
    pub review_status: String,
    pub locked: bool,
    pub locked_at: Option<i64>,
    pub lock_kind: Option<String>,
    pub locked_by: Option<Uuid>,
    pub locked_sha256: Option<String>,
    /// A member's override of the source's start timecode.
    pub tc_start: Option<String>,
    /// A member's override of drop-frame counting.
    pub tc_drop_frame: Option<bool>,
    #[sqlx(try_from = "Uuid")]
    pub uploaded_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, asset_id, number, position, filename, filetype, size_bytes, original_key, sha256, kind, \
     processing_state, failure_reason, progress, width, height, rate_num, rate_den, frame_count, duration_us, vfr, \
     start_timecode, page_count, review_status, locked, locked_at, lock_kind, locked_by, locked_sha256, tc_start, tc_drop_frame, \
     uploaded_by, created_at, updated_at";

pub struct NewVersion<'a> {
    pub id: VersionId,
    pub asset_id: AssetId,
    pub filename: &'a str,
    pub filetype: &'a str,
    pub size_bytes: i64,
    pub original_key: &'a str,
    pub uploaded_by: UserId,
    pub now: i64,
}

/// Adds a version at the top of the stack with the next number; answers its number.
pub async fn insert(c: &mut Conn, v: &NewVersion<'_>) -> Result<i64> {
    let (max_number, max_position): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MAX(number), MAX(position) FROM versions WHERE asset_id = $1")
            .bind(v.asset_id.0)
            .fetch_one(&mut *c)
            .await?;
    let number = max_number.unwrap_or(0) + 1;
    sqlx::query(
        "INSERT INTO versions (id, asset_id, number, position, filename, filetype, size_bytes, original_key, kind,
                               processing_state, uploaded_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unknown', 'processing', $9, $10, $10)",
    )
    .bind(v.id.0)
    .bind(v.asset_id.0)
    .bind(number)
    .bind(max_position.unwrap_or(0) + 1)
    .bind(v.filename)
    .bind(v.filetype)
    .bind(v.size_bytes)
    .bind(v.original_key)
    .bind(v.uploaded_by.0)
    .bind(v.now)
    .execute(c)
    .await?;
    Ok(number)
}

/// Whether a version is locked (`None`: it is gone). One cheap read inside a write.
pub async fn locked(c: &mut Conn, id: VersionId) -> Result<Option<bool>> {
    Ok(sqlx::query_scalar("SELECT locked FROM versions WHERE id = $1").bind(id.0).fetch_optional(c).await?)
}

/// A version with its asset, that asset's project and a user's standing there.
#[derive(Debug)]
pub struct VersionContext {
    pub version: VersionRow,
    pub asset: Option<AssetRow>,
    pub project: Option<ProjectRow>,
    /// The user's role in the project's workspace, when an active member.
    pub role: Option<Role>,
    /// The user was added to the project itself (how reviewers reach it).
    pub project_member: bool,
}

#[derive(FromRow)]
struct Standing {
    role: String,
    project_member: bool,
}

/// A version in context, read in one round trip: nearly every request about a version starts
/// with these four reads.
pub async fn in_context(c: &mut Conn, id: VersionId, user: UserId) -> Result<Option<VersionContext>> {
    let sql = format!(
        "SELECT 'v' AS k, {COLS} FROM versions WHERE id = $1;
         SELECT 'a' AS k, {ASSET_COLS} FROM assets WHERE id = (SELECT asset_id FROM versions WHERE id = $1);
         SELECT 'p' AS k, {PROJECT_COLS} FROM projects
          WHERE id = (SELECT a.project_id FROM versions v JOIN assets a ON a.id = v.asset_id WHERE v.id = $1);
         SELECT 'm' AS k, m.role AS role,
                EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = $2) AS project_member
           FROM versions v JOIN assets a ON a.id = v.asset_id JOIN projects p ON p.id = a.project_id
           JOIN workspace_members m ON m.workspace_id = p.workspace_id AND m.user_id = $2 AND m.deactivated_at IS NULL
          WHERE v.id = $1"
    );
    let rows = crate::Tagged::fetch(c, sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(user.0)).await?;
    let Some(version) = rows.one::<VersionRow>("v")? else {
        return Ok(None);
    };
    let standing = rows.one::<Standing>("m")?;
    Ok(Some(VersionContext {
        version,
        asset: rows.one("a")?,
        project: rows.one("p")?,
        role: standing.as_ref().and_then(|s| Role::parse(&s.role)),
        project_member: standing.is_some_and(|s| s.project_member),
    }))
}

pub async fn get(c: &mut Conn, id: VersionId) -> Result<Option<VersionRow>> {
    let sql = format!("SELECT {COLS} FROM versions WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// The stack, newest position first.
pub async fn of_asset(c: &mut Conn, asset: AssetId) -> Result<Vec<VersionRow>> {
    let sql = format!("SELECT {COLS} FROM versions WHERE asset_id = $1 ORDER BY position DESC, id DESC");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(asset.0).fetch_all(c).await?)
}

/// Where a version lives: (workspace, project, asset) — for its events.
pub async fn scope(
    c: &mut Conn,
    id: VersionId,
) -> Result<Option<(frameproof_domain::WorkspaceId, frameproof_domain::ProjectId, AssetId)>> {
    let row: Option<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "SELECT p.workspace_id, p.id, a.id FROM versions v JOIN assets a ON a.id = v.asset_id JOIN projects p ON p.id = a.project_id
         WHERE v.id = $1",
    )
    .bind(id.0)
    .fetch_optional(c)
    .await?;
    Ok(row.map(|(w, p, a)| (frameproof_domain::WorkspaceId(w), frameproof_domain::ProjectId(p), AssetId(a))))
}

/// Whether a version row holds `key` as its original (the orphan sweep asks before deleting).
pub async fn original_in_use(c: &mut Conn, key: &str) -> Result<bool> {
    // Originals live at `originals/{version id}`: look the row up by its key first.
    let by_id = key.strip_prefix("originals/").and_then(|id| Uuid::parse_str(id).ok());
    let n: i64 = match by_id {
        Some(id) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM versions WHERE id = $1 AND original_key = $2")
                .bind(id)
                .bind(key)
                .fetch_one(&mut *c)
                .await?
        }
        None => 0,
    };
    if n > 0 {
        return Ok(true);
    }
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM versions WHERE original_key = $1").bind(key).fetch_one(c).await?;
    Ok(n > 0)
}

/// Whether a version with this id exists (its `derived/{id}/` media is in use).
pub async fn exists(c: &mut Conn, id: Uuid) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM versions WHERE id = $1").bind(id).fetch_one(c).await?;
    Ok(n > 0)
}

/// A version whose asset leaves the trash for good.
#[derive(Clone, Debug, FromRow)]
pub struct Purgeable {
    #[sqlx(try_from = "Uuid")]
    pub id: VersionId,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: frameproof_domain::WorkspaceId,
    pub original_key: String,
    pub size_bytes: i64,
    pub derived_bytes: i64,
}

/// Versions of assets that the next purge (cut-off `before`) deletes: assets deleted, or in a
/// project deleted, before it.
pub async fn purgeable(c: &mut Conn, before: i64) -> Result<Vec<Purgeable>> {
    Ok(sqlx::query_as(
        "SELECT v.id, p.workspace_id, v.original_key, v.size_bytes,
                (SELECT COALESCE(SUM(r.size_bytes), 0) FROM renditions r WHERE r.version_id = v.id) AS derived_bytes
         FROM versions v JOIN assets a ON a.id = v.asset_id JOIN projects p ON p.id = a.project_id
         WHERE (a.deleted_at IS NOT NULL AND a.deleted_at < $1) OR (p.deleted_at IS NOT NULL AND p.deleted_at < $1)",
    )
    .bind(before)
    .fetch_all(c)
    .await?)
}

/// Makes `version` its asset's current version.
pub async fn set_current(c: &mut Conn, asset: AssetId, version: VersionId, now: i64) -> Result<()> {
    sqlx::query("UPDATE assets SET current_version_id = $2, updated_at = $3 WHERE id = $1")
        .bind(asset.0)
        .bind(version.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// The asset's current version id.
pub async fn current_of(c: &mut Conn, asset: AssetId) -> Result<Option<VersionId>> {
    let id: Option<Option<Uuid>> = sqlx::query_scalar("SELECT current_version_id FROM assets WHERE id = $1")
        .bind(asset.0)
        .fetch_optional(c)
        .await?;
    Ok(id.flatten().map(VersionId))
}

/// What probing found.
pub struct Probed<'a> {
    pub kind: &'a str,
    pub probe_json: &'a str,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub rate: Option<(i64, i64)>,
    pub frame_count: Option<i64>,
    pub duration_us: Option<i64>,
    pub vfr: bool,
    pub start_timecode: Option<&'a str>,
}

pub async fn set_probed(c: &mut Conn, id: VersionId, sha256: &str, p: &Probed<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE versions SET sha256 = $2, kind = $3, probe = $4, width = $5, height = $6, rate_num = $7, rate_den = $8,
                frame_count = $9, duration_us = $10, vfr = $11, start_timecode = $12, updated_at = $13
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(sha256)
    .bind(p.kind)
    .bind(p.probe_json)
    .bind(p.width)
    .bind(p.height)
    .bind(p.rate.map(|r| r.0))
    .bind(p.rate.map(|r| r.1))
    .bind(p.frame_count)
    .bind(p.duration_us)
    .bind(p.vfr)
    .bind(p.start_timecode)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Moves the processing state (and failure reason); false when it already was `state` (a
/// re-run after a crash), so the caller does not announce it twice.
pub async fn set_state(c: &mut Conn, id: VersionId, state: &str, reason: Option<&str>, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE versions SET processing_state = $2, failure_reason = $3, updated_at = $4 WHERE id = $1 AND processing_state <> $2",
    )
    .bind(id.0)
    .bind(state)
    .bind(reason)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A PDF version's kind, hash and page count.
pub async fn set_pdf(c: &mut Conn, id: VersionId, sha256: &str, pages: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE versions SET sha256 = $2, kind = 'pdf', page_count = $3, updated_at = $4 WHERE id = $1")
        .bind(id.0)
        .bind(sha256)
        .bind(pages)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// The measured frame count of the verified proxy (the truth for frame indexes).
pub async fn set_probed_frames(c: &mut Conn, id: VersionId, frames: i64) -> Result<()> {
    sqlx::query("UPDATE versions SET frame_count = $2 WHERE id = $1").bind(id.0).bind(frames).execute(c).await?;
    Ok(())
}

pub async fn set_progress(c: &mut Conn, id: VersionId, progress: i64) -> Result<()> {
    sqlx::query("UPDATE versions SET progress = $2 WHERE id = $1").bind(id.0).bind(progress).execute(c).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Renditions

/// A derived file of a version.
#[derive(Clone, Debug, FromRow)]
pub struct RenditionRow {
    #[sqlx(try_from = "Uuid")]
    pub version_id: VersionId,
    pub name: String,
    pub blob_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub frame_count: Option<i64>,
    pub meta: String,
    pub created_at: i64,
}

pub struct NewRendition<'a> {
    pub version_id: VersionId,
    pub name: &'a str,
    pub blob_key: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub frame_count: Option<i64>,
    pub meta: &'a str,
    pub now: i64,
}

/// Records (or replaces, when a job re-runs) a rendition; answers the size it replaced.
pub async fn put_rendition(c: &mut Conn, r: &NewRendition<'_>) -> Result<i64> {
    let old: Option<i64> = sqlx::query_scalar("SELECT size_bytes FROM renditions WHERE version_id = $1 AND name = $2")
        .bind(r.version_id.0)
        .bind(r.name)
        .fetch_optional(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO renditions (version_id, name, blob_key, content_type, size_bytes, width, height, frame_count, meta, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (version_id, name) DO UPDATE SET blob_key = excluded.blob_key, content_type = excluded.content_type,
            size_bytes = excluded.size_bytes, width = excluded.width, height = excluded.height,
            frame_count = excluded.frame_count, meta = excluded.meta, created_at = excluded.created_at",
    )
    .bind(r.version_id.0)
    .bind(r.name)
    .bind(r.blob_key)
    .bind(r.content_type)
    .bind(r.size_bytes)
    .bind(r.width)
    .bind(r.height)
    .bind(r.frame_count)
    .bind(r.meta)
    .bind(r.now)
    .execute(c)
    .await?;
    Ok(old.unwrap_or(0))
}

pub async fn renditions(c: &mut Conn, version: VersionId) -> Result<Vec<RenditionRow>> {
    Ok(sqlx::query_as(
        "SELECT version_id, name, blob_key, content_type, size_bytes, width, height, frame_count, meta, created_at
         FROM renditions WHERE version_id = $1 ORDER BY name",
    )
    .bind(version.0)
    .fetch_all(c)
    .await?)
}
