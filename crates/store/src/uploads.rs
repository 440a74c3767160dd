//! tus uploads: their rows carry the durable offset; the bytes live in the blob store.

use frameproof_domain::{AssetId, FolderId, ProjectId, UserId, VersionId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

/// An upload row.
#[derive(Clone, Debug, FromRow)]
pub struct UploadRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub folder_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    #[sqlx(try_from = "Uuid")]
    pub created_by: UserId,
    pub filename: String,
    pub filetype: String,
    pub length: i64,
    pub upload_offset: i64,
    pub metadata: String,
    pub staging_key: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
    pub version_id: Option<Uuid>,
}

impl UploadRow {
    pub fn folder(&self) -> Option<FolderId> {
        self.folder_id.map(FolderId)
    }
    pub fn asset(&self) -> Option<AssetId> {
        self.asset_id.map(AssetId)
    }
    pub fn version(&self) -> Option<VersionId> {
        self.version_id.map(VersionId)
    }
}

const COLS: &str = "id, workspace_id, project_id, folder_id, asset_id, created_by, filename, filetype, length, \
     upload_offset, metadata, staging_key, created_at, updated_at, expires_at, completed_at, version_id";

pub struct NewUpload<'a> {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub project_id: ProjectId,
    pub folder_id: Option<FolderId>,
    pub asset_id: Option<AssetId>,
    pub created_by: UserId,
    pub filename: &'a str,
    pub filetype: &'a str,
    pub length: i64,
    pub metadata: &'a str,
    pub staging_key: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert(c: &mut Conn, u: &NewUpload<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO uploads (id, workspace_id, project_id, folder_id, asset_id, created_by, filename, filetype, length,
                              metadata, staging_key, created_at, updated_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
    )
    .bind(u.id)
    .bind(u.workspace_id.0)
    .bind(u.project_id.0)
    .bind(u.folder_id.map(|f| f.0))
    .bind(u.asset_id.map(|a| a.0))
    .bind(u.created_by.0)
    .bind(u.filename)
    .bind(u.filetype)
    .bind(u.length)
    .bind(u.metadata)
    .bind(u.staging_key)
    .bind(u.now)
    .bind(u.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Whether staging bytes at `key` are still wanted: an upload row names them (in progress, or
/// finished a moment ago), or a job does (ingest moves them to the original if a crash came
/// between the upload's commit and the move).
pub async fn staging_in_use(c: &mut Conn, key: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM uploads WHERE staging_key = $1)
              + (SELECT COUNT(*) FROM jobs WHERE instr(payload, $1) > 0)",
    )
    .bind(key)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

pub async fn get(c: &mut Conn, id: Uuid) -> Result<Option<UploadRow>> {
    let sql = format!("SELECT {COLS} FROM uploads WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

/// Bytes promised by a workspace's unfinished uploads (they count against the quota).
pub async fn reserved_bytes(c: &mut Conn, ws: WorkspaceId, now: i64) -> Result<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT SUM(length) FROM uploads WHERE workspace_id = $1 AND completed_at IS NULL AND expires_at > $2",
    )
    .bind(ws.0)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(n.unwrap_or(0))
}

/// Takes the upload's write lease if nobody holds a live one; false when another request
/// is writing it.
/// With `at_offset`, only while the durable offset is still that (a request that read the row
/// before another one advanced it must not write over the acknowledged bytes).
pub async fn lock(c: &mut Conn, id: Uuid, owner: &str, now: i64, until: i64, at_offset: Option<i64>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE uploads SET lock_owner = $2, lock_until = $4
         WHERE id = $1 AND completed_at IS NULL AND (lock_owner IS NULL OR lock_until < $3 OR lock_owner = $2)
           AND ($5 IS NULL OR upload_offset = $5)",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .bind(until)
    .bind(at_offset)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Extends a write lease `owner` still holds; false when it no longer does. Unlike [`lock`] it
/// never takes a lease that is free: a lease found free may have been taken and released by
/// another writer meanwhile, which moved the offset and the bytes under this one.
pub async fn renew(c: &mut Conn, id: Uuid, owner: &str, until: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE uploads SET lock_until = $3 WHERE id = $1 AND completed_at IS NULL AND lock_owner = $2")
            .bind(id)
            .bind(owner)
            .bind(until)
            .execute(c)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Deletes an unfinished upload nobody is writing; false when it finished or is being written.
pub async fn delete_unfinished(c: &mut Conn, id: Uuid, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "DELETE FROM uploads WHERE id = $1 AND completed_at IS NULL AND (lock_owner IS NULL OR lock_until < $2)",
    )
    .bind(id)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Advances the durable offset (only from the expected old offset) and releases the lease.
pub async fn advance(
    c: &mut Conn,
    id: Uuid,
    from: i64,
    to: i64,
    owner: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE uploads SET upload_offset = $3, updated_at = $5, expires_at = $6, lock_owner = NULL, lock_until = NULL
         WHERE id = $1 AND upload_offset = $2 AND lock_owner = $4",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(owner)
    .bind(now)
    .bind(expires_at)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn unlock(c: &mut Conn, id: Uuid, owner: &str) -> Result<()> {
    sqlx::query("UPDATE uploads SET lock_owner = NULL, lock_until = NULL WHERE id = $1 AND lock_owner = $2")
        .bind(id)
        .bind(owner)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn complete(c: &mut Conn, id: Uuid, version: VersionId, now: i64) -> Result<()> {
    sqlx::query("UPDATE uploads SET completed_at = $2, version_id = $3, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(version.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn delete(c: &mut Conn, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(c).await?;
    Ok(())
}

/// Unfinished uploads past their expiry, and finished ones kept a while for HEAD: the
/// housekeeper deletes their rows and staging bytes.
pub async fn expired(c: &mut Conn, now: i64, keep_completed_ms: i64) -> Result<Vec<UploadRow>> {
    let sql = format!(
        "SELECT {COLS} FROM uploads WHERE (completed_at IS NULL AND expires_at < $1) OR (completed_at IS NOT NULL AND completed_at < $2)
         LIMIT 500"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(now - keep_completed_ms).fetch_all(c).await?)
}
