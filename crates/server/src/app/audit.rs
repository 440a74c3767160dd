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
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
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
            workspace_id: r.workspace_id.map(|u| u.to_string()),
            project_id: r.project_id.map(|u| u.to_string()),
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
    let limit = super::page_limit(state, q.limit, 100)?;
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

// ---------------------------------------------------------------------------------------------
// The checkpoint journal: every signed checkpoint is also appended to a file beside the
// database (and logged), so deleting checkpoint rows from the database does not erase them.
// Operators can ship the file (or the log) off the machine; `audit verify --checkpoints FILE`
// checks the chain against such a copy.

/// The journal's name inside the data dir.
pub const JOURNAL_FILE: &str = "audit-checkpoints.jsonl";

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalLine {
    pub id: i64,
    pub at: i64,
    pub seq: i64,
    pub hash: String,
    pub kid: String,
    pub signature: String,
}

impl From<&astore::CheckpointRow> for JournalLine {
    fn from(c: &astore::CheckpointRow) -> Self {
        Self {
            id: c.id,
            at: c.at,
            seq: c.seq,
            hash: c.hash.clone(),
            kid: c.kid.clone(),
            signature: c.signature.clone(),
        }
    }
}

/// Reads a journal (a missing file is an empty journal); names the line that does not parse.
pub fn read_journal(path: &std::path::Path) -> Result<Vec<JournalLine>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1)))
        .collect()
}

/// Appends checkpoints the journal does not hold yet; answers the highest id journaled.
pub async fn journal_checkpoints(state: &AppState, after: i64) -> Result<i64, StoreError> {
    let rows = {
        let mut c = state.store().reader().await?;
        astore::checkpoints_after(&mut c, after).await?
    };
    let new: Vec<JournalLine> = rows.iter().map(JournalLine::from).collect();
    let Some(last) = new.last().map(|l| l.id) else {
        return Ok(after);
    };
    let path = state.config().server.data_dir.join(JOURNAL_FILE);
    let mut text = String::new();
    for line in &new {
        tracing::info!(seq = line.seq, hash = %line.hash, kid = %line.kid, signature = %line.signature, "audit checkpoint");
        text.push_str(&serde_json::to_string(line)?);
        text.push('\n');
    }
    let write = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    })
    .await;
    match write {
        Ok(Ok(())) => Ok(last),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "writing the audit checkpoint journal failed; will retry");
            Ok(after)
        }
        Err(e) => {
            tracing::warn!(error = %e, "writing the audit checkpoint journal failed; will retry");
            Ok(after)
        }
    }
}

/// Follows new checkpoints into the journal until the server stops.
pub fn spawn_journal(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        let path = state.config().server.data_dir.join(JOURNAL_FILE);
        let mut after = read_journal(&path).map(|l| l.iter().map(|l| l.id).max().unwrap_or(0)).unwrap_or(0);
        let mut changes = state.store().subscribe();
        loop {
            match journal_checkpoints(&state, after).await {
                Ok(n) => after = n,
                Err(e) => tracing::warn!(error = %e, "reading audit checkpoints failed; will retry"),
            }
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
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
    #[error(
        "checkpoint {id} (entry {seq}, signed at {at}) is in the journal but not in the database: checkpoints were deleted or changed"
    )]
    CheckpointRemoved { id: i64, seq: i64, at: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Walks the whole chain, checking every checkpoint (those in the database and those in
/// `journal`) against `keys`.
pub async fn verify_chain(
    store: &Store,
    keys: &[PublicKey],
    journal: &[JournalLine],
) -> Result<ChainReport, ChainError> {
    let mut c = store.reader().await?;
    let checkpoints = astore::checkpoints(&mut c).await?;
    for j in journal {
        match checkpoints.iter().find(|c| c.id == j.id) {
            Some(c) if JournalLine::from(c) == *j => {}
            _ => {
                // Checked against the chain below too, once its signature holds.
                signing::verify(keys, &j.kid, audit::checkpoint_message(j.seq, &j.hash, j.at).as_bytes(), &j.signature)
                    .map_err(|e| ChainError::BadCheckpoint { id: j.id, seq: j.seq, reason: e.to_string() })?;
                return Err(ChainError::CheckpointRemoved { id: j.id, seq: j.seq, at: Timestamp(j.at).to_rfc3339() });
            }
        }
    }
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
