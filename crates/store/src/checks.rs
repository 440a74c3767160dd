//! What the five-checkpoint campaign audit reads: a campaign's uploads, comments, decisions and
//! the receipts of its locked versions, each with who and when.

use frameproof_domain::ProjectId;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

/// A version uploaded into a live asset of the campaign.
#[derive(Clone, Debug, FromRow)]
pub struct UploadRow {
    pub version_id: Uuid,
    pub asset_id: Uuid,
    pub asset_name: String,
    pub folder_id: Uuid,
    pub number: i64,
    pub sha256: Option<String>,
    pub created_at: i64,
    pub locked: bool,
    pub uploaded_by: String,
}

pub async fn uploads(c: &mut Conn, project: ProjectId) -> Result<Vec<UploadRow>> {
    Ok(sqlx::query_as(
        "SELECT v.id AS version_id, a.id AS asset_id, a.name AS asset_name, a.folder_id, v.number, v.sha256, v.created_at,
                v.locked, u.name AS uploaded_by
         FROM versions v JOIN assets a ON a.id = v.asset_id JOIN users u ON u.id = v.uploaded_by
         WHERE a.project_id = $1 AND a.deleted_at IS NULL
         ORDER BY v.created_at, v.id",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// A comment (thread or reply, not deleted) on a version of the campaign.
#[derive(Clone, Debug, FromRow)]
pub struct RemarkRow {
    pub comment_id: Uuid,
    pub version_id: Uuid,
    pub asset_id: Uuid,
    pub anchored: bool,
    pub author_name: String,
    pub created_at: i64,
}

pub async fn remarks(c: &mut Conn, project: ProjectId) -> Result<Vec<RemarkRow>> {
    Ok(sqlx::query_as(
        "SELECT cm.id AS comment_id, cm.version_id, v.asset_id,
                (cm.anchor_in IS NOT NULL OR cm.page IS NOT NULL OR cm.x IS NOT NULL) AS anchored,
                cm.author_name, cm.created_at
         FROM comments cm JOIN versions v ON v.id = cm.version_id JOIN assets a ON a.id = v.asset_id
         WHERE a.project_id = $1 AND a.deleted_at IS NULL AND cm.deleted_at IS NULL
         ORDER BY cm.created_at, cm.id",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// A decision (not cancelled) on a version of the campaign.
#[derive(Clone, Debug, FromRow)]
pub struct DecisionRow {
    pub id: Uuid,
    pub version_id: Uuid,
    pub asset_id: Uuid,
    pub user_id: Option<Uuid>,
    pub author_name: String,
    pub decision: String,
    pub created_at: i64,
}

pub async fn decisions(c: &mut Conn, project: ProjectId) -> Result<Vec<DecisionRow>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.version_id, v.asset_id, d.user_id, d.author_name, d.decision, d.created_at
         FROM decisions d JOIN versions v ON v.id = d.version_id JOIN assets a ON a.id = v.asset_id
         WHERE a.project_id = $1 AND a.deleted_at IS NULL AND d.cancelled_at IS NULL
         ORDER BY d.created_at, d.id",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// The newest receipt of each locked version of the campaign: `(version, receipt id, document)`.
pub async fn receipts(c: &mut Conn, project: ProjectId) -> Result<Vec<(Uuid, Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT r.version_id, r.id, r.document FROM receipts r JOIN versions v ON v.id = r.version_id
         JOIN assets a ON a.id = v.asset_id
         WHERE a.project_id = $1 AND v.locked
           AND r.created_at = (SELECT MAX(r2.created_at) FROM receipts r2 WHERE r2.version_id = r.version_id)",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// A workspace's live campaigns with a workflow, newest first.
pub async fn campaigns_of(c: &mut Conn, ws: frameproof_domain::WorkspaceId) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM projects WHERE workspace_id = $1 AND deleted_at IS NULL AND workflow_applied_at IS NOT NULL
         ORDER BY created_at DESC, id",
    )
    .bind(ws.0)
    .fetch_all(c)
    .await?)
}

/// What the numbers read of a campaign's versions: `(asset, number, created_at, locked,
/// locked_at)`.
pub async fn version_marks(c: &mut Conn, project: ProjectId) -> Result<Vec<(Uuid, i64, i64, bool, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT v.asset_id, v.number, v.created_at, v.locked, v.locked_at FROM versions v JOIN assets a ON a.id = v.asset_id
         WHERE a.project_id = $1 AND a.deleted_at IS NULL ORDER BY v.asset_id, v.number",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// A campaign's live assets: `(id, name)`.
pub async fn asset_names(c: &mut Conn, project: ProjectId) -> Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as("SELECT id, name FROM assets WHERE project_id = $1 AND deleted_at IS NULL")
        .bind(project.0)
        .fetch_all(c)
        .await?)
}
