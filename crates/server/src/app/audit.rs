//! The audit trail: listing it per project and asset (the team only), signing its head at least
//! hourly, and walking the whole chain to prove nothing was altered, removed or rewritten.

use frameproof_domain::signing::{self, PublicKey};
use frameproof_domain::{Action, AssetId, ProjectId, Timestamp, audit};
use frameproof_store::audit::{self as astore, AuditRow, AuditScope};
use frameproof_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::model::Page;
use crate::state::AppState;

/// One audit entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Position in the server's chain (1, 2, …; no gaps).
    pub seq: i64,
    pub at: Timestamp,
    #[schema(value_type = Object)]
    pub actor: serde_json::Value,
    /// What happened: the event type (`comment.created`, `version.locked`, …).
    pub action: String,
    /// What it happened to: `noun:id`.
    pub subject: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub asset_id: Option<String>,
    pub version_id: Option<String>,
    /// The previous entry's hash (the chain link).
    pub prev_hash: String,
    /// SHA-256 of this entry's canonical JSON (RFC 8785), `prev_hash` included.
    pub hash: String,
}

impl From<AuditRow> for AuditEntryView {
    fn from(r: AuditRow) -> Self {
        Self {
            seq: r.seq,
            at: Timestamp(r.at),
            actor: serde_json::from_str(&r.actor).unwrap_or_default(),
            action: r.action,
            subject: r.subject,
            details: serde_json::from_str(&r.details).unwrap_or_default(),
            asset_id: r.asset_id.map(|u| u.to_string()),
            version_id: r.version_id.map(|u| u.to_string()),
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// `?limit=&cursor=` of an audit listing (newest first).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries per page (default 100, at most the server's `limits.max_page_size`).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

async fn list(state: &AppState, scope: AuditScope, q: AuditParams) -> ApiResult<Page<AuditEntryView>> {
    let max = state.config().limits.max_page_size;
    let limit = q.limit.unwrap_or(100.min(max));
    if limit == 0 || limit > max {
        return Err(ApiError::bad_request("invalid-limit", format!("limit must be between 1 and {max}")));
    }
    let before = q
        .cursor
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::bad_request("invalid-cursor", "the cursor is not valid")))
        .transpose()?;
    let mut c = state.store().reader().await?;
    let mut rows = astore::list(&mut c, scope, before, i64::from(limit) + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| r.seq.to_string()) } else { None };
    Ok(Page { items: rows.into_iter().map(AuditEntryView::from).collect(), next_cursor })
}

/// A project's audit trail (the team only: it names team-only comments too).
pub async fn of_project(
    state: &AppState,
    p: &Principal,
    id: ProjectId,
    q: AuditParams,
) -> ApiResult<Page<AuditEntryView>> {
    {
        let mut c = state.store().reader().await?;
        let (_, role) = access::project(&mut c, p, id, true).await?;
        require(role, Action::EditContent)?;
    }
    list(state, AuditScope::Project(id), q).await
}

pub async fn of_asset(state: &AppState, p: &Principal, id: AssetId, q: AuditParams) -> ApiResult<Page<AuditEntryView>> {
    {
        let mut c = state.store().reader().await?;
        let (_, _, role) = access::asset(&mut c, p, id, true).await?;
        require(role, Action::EditContent)?;
    }
    list(state, AuditScope::Asset(id), q).await
}

/// How often the chain's head is signed while it grows.
pub const CHECKPOINT_EVERY_MS: i64 = 3_600_000;

/// Signs the chain's head when it moved since the last checkpoint and that one is older than
/// `every_ms` (housekeeping calls this; locks sign on their own). Answers whether it signed.
pub async fn checkpoint_if_due(state: &AppState, every_ms: i64) -> Result<bool, StoreError> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let Some((seq, hash)) = astore::head(&mut tx).await? else {
        return Ok(false);
    };
    let last = astore::checkpoints(&mut tx).await?.pop();
    if last.as_ref().is_some_and(|l| l.seq >= seq || now - l.at < every_ms) {
        return Ok(false);
    }
    let key = state.keys().current();
    let sig = key.sign(audit::checkpoint_message(seq, &hash, now).as_bytes());
    astore::add_checkpoint(&mut tx, now, seq, &hash, key.kid(), &sig).await?;
    tx.commit().await?;
    Ok(true)
}

/// What a walk of an intact chain found.
#[derive(Debug)]
pub struct ChainReport {
    pub entries: i64,
    pub checkpoints: usize,
    pub head: Option<(i64, String)>,
}

/// Why a chain does not verify: the first problem found, naming the entry.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {seq} was altered: its contents no longer match its hash")]
    Altered { seq: i64 },
    #[error("audit entry {seq} was altered: entry {next} no longer links to it")]
    Relinked { seq: i64, next: i64 },
    #[error("audit entry {seq} was removed (the chain jumps from {prev} to {next})")]
    Removed { seq: i64, prev: i64, next: i64 },
    #[error(
        "audit entries {from} to {to} were removed: a checkpoint signed at {at} covers entry {to}, but the chain ends at {last}"
    )]
    Truncated { from: i64, to: i64, last: i64, at: String },
    #[error(
        "the chain was rewritten: entry {seq} does not match the checkpoint signed at {at} (an entry after {after} was altered and the hashes recomputed)"
    )]
    Rewritten { seq: i64, at: String, after: i64 },
    #[error("checkpoint {id} (entry {seq}) does not verify: {reason}")]
    BadCheckpoint { id: i64, seq: i64, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Walks the whole chain (and every checkpoint against `keys`).
pub async fn verify_chain(store: &Store, keys: &[PublicKey]) -> Result<ChainReport, ChainError> {
    let mut c = store.reader().await?;
    let checkpoints = astore::checkpoints(&mut c).await?;
    for cp in &checkpoints {
        signing::verify(keys, &cp.kid, audit::checkpoint_message(cp.seq, &cp.hash, cp.at).as_bytes(), &cp.signature)
            .map_err(|e| ChainError::BadCheckpoint { id: cp.id, seq: cp.seq, reason: e.to_string() })?;
    }
    let mut by_seq: std::collections::HashMap<i64, Vec<&astore::CheckpointRow>> = std::collections::HashMap::new();
    for cp in &checkpoints {
        by_seq.entry(cp.seq).or_default().push(cp);
    }
    let mut last_good_checkpoint = 0;
    let mut prev: Option<AuditRow> = None;
    let mut entries = 0i64;
    loop {
        let after = prev.as_ref().map_or(0, |p| p.seq);
        let page = astore::walk(&mut c, after, 2000).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let expected = after_seq(&prev) + 1;
            if row.seq != expected {
                return Err(ChainError::Removed { seq: expected, prev: expected - 1, next: row.seq });
            }
            let link = prev.as_ref().map_or(audit::GENESIS, |p| p.hash.as_str());
            if row.prev_hash != link {
                return Err(ChainError::Relinked { seq: row.seq - 1, next: row.seq });
            }
            if row.recompute()? != row.hash {
                return Err(ChainError::Altered { seq: row.seq });
            }
            // A signed checkpoint pins this entry's hash: recomputing the chain cannot hide.
            for cp in by_seq.get(&row.seq).into_iter().flatten() {
                if cp.hash != row.hash {
                    return Err(ChainError::Rewritten {
                        seq: row.seq,
                        at: Timestamp(cp.at).to_rfc3339(),
                        after: last_good_checkpoint,
                    });
                }
            }
            if by_seq.contains_key(&row.seq) {
                last_good_checkpoint = row.seq;
            }
            entries += 1;
            prev = Some(row);
        }
    }
    let last = after_seq(&prev);
    if let Some(cp) = checkpoints.iter().filter(|cp| cp.seq > last).max_by_key(|cp| cp.seq) {
        return Err(ChainError::Truncated { from: last + 1, to: cp.seq, last, at: Timestamp(cp.at).to_rfc3339() });
    }
    Ok(ChainReport { entries, checkpoints: checkpoints.len(), head: prev.map(|p| (p.seq, p.hash)) })
}

fn after_seq(prev: &Option<AuditRow>) -> i64 {
    prev.as_ref().map_or(0, |p| p.seq)
}
