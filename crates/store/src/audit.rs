//! The audit trail's tables: the hash-chained log (appended with every audited event, in its
//! transaction) and the signed checkpoints of its head.

use frameproof_domain::audit::{self, EntryFields};
use frameproof_domain::{AssetId, ProjectId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::events::NewEvent;
use crate::{Conn, Result};

/// A stored audit entry.
#[derive(Clone, Debug, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: String,
    pub workspace_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub prev_hash: String,
    pub hash: String,
}

const COLS: &str =
    "seq, at, actor, action, subject, details, workspace_id, project_id, asset_id, version_id, prev_hash, hash";

impl AuditRow {
    /// The hash this entry should carry, recomputed from its fields and its stored `prev_hash`.
    pub fn recompute(&self) -> Result<String> {
        let actor: serde_json::Value = serde_json::from_str(&self.actor)?;
        let details: serde_json::Value = serde_json::from_str(&self.details)?;
        Ok(audit::entry_hash(&EntryFields {
            seq: self.seq,
            at: self.at,
            actor: &actor,
            action: &self.action,
            subject: &self.subject,
            details: &details,
            workspace_id: self.workspace_id.map(|u| u.to_string()),
            project_id: self.project_id.map(|u| u.to_string()),
            asset_id: self.asset_id.map(|u| u.to_string()),
            version_id: self.version_id.map(|u| u.to_string()),
            prev_hash: &self.prev_hash,
        }))
    }
}

/// Reads the chain head.
pub(crate) const HEAD: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

/// The chain head: the last entry's sequence number and hash.
pub async fn head(c: &mut Conn) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(HEAD).fetch_optional(c).await?)
}

/// The audit entry for an event, its hash computed against the head (the caller's transaction
/// holds the write lock, so the head cannot move underneath). Stored by
/// [`crate::events::append`] in the same round trip as the event.
pub(crate) struct NextEntry {
    pub seq: i64,
    pub subject: String,
    pub prev_hash: String,
    pub hash: String,
}

pub(crate) fn next_entry(e: &NewEvent<'_>, (last_seq, prev): (i64, String)) -> NextEntry {
    let seq = last_seq + 1;
    let ids = [
        ("workspace", Some(e.workspace_id.to_string())),
        ("project", e.project_id.map(|p| p.to_string())),
        ("asset", e.asset_id.map(|a| a.to_string())),
        ("version", e.version_id.map(|v| v.to_string())),
    ];
    let subject = audit::subject(e.kind, e.payload, ids.clone());
    let [(_, workspace_id), (_, project_id), (_, asset_id), (_, version_id)] = ids;
    let hash = audit::entry_hash(&EntryFields {
        seq,
        at: e.at,
        actor: e.actor,
        action: e.kind,
        subject: &subject,
        details: e.payload,
        workspace_id,
        project_id,
        asset_id,
        version_id,
        prev_hash: &prev,
    });
    NextEntry { seq, subject, prev_hash: prev, hash }
}

/// Which entries a listing shows.
#[derive(Clone, Copy, Debug)]
pub enum AuditScope {
    Project(ProjectId),
    Asset(AssetId),
}

/// Entries of a project or asset, newest first, before `before` (a sequence number).
pub async fn list(c: &mut Conn, scope: AuditScope, before: Option<i64>, limit: i64) -> Result<Vec<AuditRow>> {
    let (col, id) = match scope {
        AuditScope::Project(p) => ("project_id", p.0),
        AuditScope::Asset(a) => ("asset_id", a.0),
    };
    let sql = format!(
        "SELECT {COLS} FROM audit_log WHERE {col} = $1 AND ($2 IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(before).bind(limit).fetch_all(c).await?)
}

/// Entries after `after`, oldest first (for walking the chain).
pub async fn walk(c: &mut Conn, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
    let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(c).await?)
}

/// A signed chain head.
#[derive(Clone, Debug, FromRow)]
pub struct CheckpointRow {
    pub id: i64,
    pub at: i64,
    pub seq: i64,
    pub hash: String,
    pub kid: String,
    pub signature: String,
}

pub async fn add_checkpoint(c: &mut Conn, at: i64, seq: i64, hash: &str, kid: &str, signature: &str) -> Result<()> {
    sqlx::query("INSERT INTO audit_checkpoints (at, seq, hash, kid, signature) VALUES ($1, $2, $3, $4, $5)")
        .bind(at)
        .bind(seq)
        .bind(hash)
        .bind(kid)
        .bind(signature)
        .execute(c)
        .await?;
    Ok(())
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(c: &mut Conn) -> Result<Vec<CheckpointRow>> {
    Ok(sqlx::query_as("SELECT id, at, seq, hash, kid, signature FROM audit_checkpoints ORDER BY id")
        .fetch_all(c)
        .await?)
}

/// Checkpoints after `id`, oldest first.
pub async fn checkpoints_after(c: &mut Conn, id: i64) -> Result<Vec<CheckpointRow>> {
    Ok(sqlx::query_as("SELECT id, at, seq, hash, kid, signature FROM audit_checkpoints WHERE id > $1 ORDER BY id")
        .bind(id)
        .fetch_all(c)
        .await?)
}

/// Asserts that the chain is whole from its first entry (each numbered in turn, following its
/// predecessor, with the hash its fields give) and answers its length.
#[cfg(test)]
pub(crate) async fn whole_chain(c: &mut Conn) -> usize {
    let rows = walk(c, 0, 10_000).await.unwrap();
    let mut prev = audit::GENESIS.to_owned();
    for (n, r) in rows.iter().enumerate() {
        assert_eq!(r.seq, n as i64 + 1);
        assert_eq!(r.prev_hash, prev, "entry {} does not follow its predecessor", r.seq);
        assert_eq!(r.recompute().unwrap(), r.hash);
        prev = r.hash.clone();
    }
    rows.len()
}
