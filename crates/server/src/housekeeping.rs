//! Background housekeeping: empties the trash past its retention, sweeps media no row refers
//! to (at start, then daily), forgets old sign-in
//! failures and devices unseen for longer than their cookie lives, and signs the audit chain's head when it has grown for an hour. Runs at start and then every few minutes until the server stops.

use std::time::Duration;

use frameproof_blobs::BlobKey;
use frameproof_store::{accounts, assets, folders, projects, uploads, versions, workspaces};
use tokio::sync::watch;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(600);

/// How often the orphan sweep runs (and once at start).
const SWEEP_EVERY: Duration = Duration::from_secs(24 * 3600);

/// For tests of what a crash leaves: `FRAMEPROOF_FAILPOINT=<name>` makes the process abort at
/// the point of that name, as a power cut would. Nothing sets it in production.
fn failpoint(name: &str) {
    if std::env::var("FRAMEPROOF_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Runs one pass; answers how many rows were purged.
pub async fn run_once(state: &AppState) -> Result<u64, frameproof_store::StoreError> {
    let now = state.now().0;
    let limits = &state.config().limits;
    let cutoff = now - limits.trash_retention_days * 86_400_000;
    let mut tx = state.store().begin().await?;
    // Storage use drops in the same transaction as the rows; the files go after the commit.
    let gone = versions::purgeable(&mut tx, cutoff).await?;
    for v in &gone {
        // What is on disk under the version (renditions and cached stills), when readable.
        let derived = match BlobKey::new(format!("derived/{}", v.id)) {
            Ok(k) => state.blobs().prefix_size(&k).await.ok().and_then(|b| i64::try_from(b).ok()),
            Err(_) => None,
        };
        workspaces::add_usage(&mut tx, v.workspace_id, -v.size_bytes, -derived.unwrap_or(v.derived_bytes)).await?;
    }
    let mut n = assets::purge_deleted(&mut tx, cutoff).await?;
    n += folders::purge_deleted(&mut tx, cutoff).await?;
    n += projects::purge_deleted(&mut tx, cutoff).await?;
    // Share-link password failures back off over an hour, so keep at least that much.
    let keep_ms = (limits.login_failure_window_secs * 1000).max(3_600_000);
    accounts::prune_login_failures(&mut tx, now - keep_ms).await?;
    // A device unseen for as long as its cookie lives is a stranger again.
    accounts::prune_known_devices(&mut tx, now - crate::auth::DEVICE_COOKIE_DAYS * 86_400_000).await?;
    // Sent mail holds working links in clear: keep it an hour for operators, no longer.
    frameproof_store::mail::prune_sent(&mut tx, now - 3_600_000).await?;
    tx.commit().await?;
    failpoint("housekeeping-after-purge-commit");
    for v in gone {
        let keys = (BlobKey::new(v.original_key), BlobKey::new(format!("derived/{}", v.id)));
        if let (Ok(original), Ok(derived)) = keys {
            let _ = state.blobs().delete(&original).await;
            let _ = state.blobs().delete_prefix(&derived).await;
        }
    }
    n += collect_uploads(state, now).await?;
    crate::stills::evict(state).await?;
    crate::app::audit::checkpoint_if_due(state, crate::app::audit::CHECKPOINT_EVERY_MS).await?;
    Ok(n)
}

/// Deletes unfinished uploads past their expiry (row and staging bytes), and the rows of
/// finished uploads after a day (clients only HEAD them right after finishing).
async fn collect_uploads(state: &AppState, now: i64) -> Result<u64, frameproof_store::StoreError> {
    let expired = {
        let mut c = state.store().reader().await?;
        uploads::expired(&mut c, now, 86_400_000).await?
    };
    let mut n = 0;
    for u in expired {
        if u.completed_at.is_none()
            && let Ok(key) = BlobKey::new(u.staging_key.clone())
            && let Err(e) = state.blobs().delete(&key).await
        {
            tracing::warn!(error = %e, upload = %u.id, "deleting an expired upload's bytes failed; will retry");
            continue;
        }
        let mut tx = state.store().begin().await?;
        uploads::delete(&mut tx, u.id).await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Deletes media no row refers to: what a crash between a purge's commit and its file
/// deletes (or between writing a file and committing its row) leaves behind. Looks at
/// `originals/`, `derived/` and `staging/`; keeps everything a version, an upload or a job
/// names, and anything changed within `limits.orphan_grace_secs` (a file may be written just
/// before the row that names it commits). Answers how many entries it deleted.
pub async fn sweep_orphans(state: &AppState) -> Result<u64, frameproof_store::StoreError> {
    let grace_ms = state.config().limits.orphan_grace_secs.saturating_mul(1000);
    let wall_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0);
    let mut deleted = 0;
    for prefix in ["originals", "derived", "staging"] {
        let Ok(dir) = BlobKey::new(prefix) else { continue };
        let entries = match state.blobs().children(&dir).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, prefix, "listing media for the orphan sweep failed");
                continue;
            }
        };
        for (name, changed) in entries {
            if wall_now - changed < grace_ms {
                continue;
            }
            let Ok(key) = BlobKey::new(format!("{prefix}/{name}")) else { continue };
            let in_use = {
                let mut c = state.store().reader().await?;
                match prefix {
                    "originals" => versions::original_in_use(&mut c, key.as_str()).await?,
                    "derived" => match uuid::Uuid::parse_str(&name) {
                        Ok(id) => versions::exists(&mut c, id).await?,
                        Err(_) => true,
                    },
                    _ => uploads::staging_in_use(&mut c, key.as_str()).await?,
                }
            };
            if in_use {
                continue;
            }
            let gone = if prefix == "derived" {
                state.blobs().delete_prefix(&key).await
            } else {
                state.blobs().delete(&key).await
            };
            match gone {
                Ok(()) => {
                    tracing::info!(key = key.as_str(), "deleted media no row refers to");
                    deleted += 1;
                }
                Err(e) => tracing::warn!(error = %e, key = key.as_str(), "deleting orphan media failed; will retry"),
            }
        }
    }
    Ok(deleted)
}

/// The workflow's clock: every `limits.workflow_clock_secs`, stage runs past due are marked
/// overdue, backups asked and deemed approvals passed ([`crate::app::workflow::tick`]).
pub fn spawn_workflow_clock(state: AppState, mut stop: watch::Receiver<bool>) {
    let Some(every) = u64::try_from(state.config().limits.workflow_clock_secs).ok().filter(|s| *s > 0) else {
        return;
    };
    tokio::spawn(async move {
        loop {
            match crate::app::workflow::tick(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, "workflow clock: stage runs moved on"),
                Err(e) => tracing::warn!(error = ?e.message, "the workflow clock failed; will retry"),
            }
            match crate::app::reminders::pass(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(mails = n, "workflow clock: reminders queued"),
                Err(e) => tracing::warn!(error = ?e.message, "the reminder pass failed; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(every)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}

pub fn spawn(state: AppState, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            match run_once(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "emptied the trash past its retention"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
            }
            if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
                match sweep_orphans(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "swept media no row refers to"),
                    Err(e) => tracing::warn!(error = %e, "the orphan sweep failed; will retry"),
                }
                last_sweep = Some(tokio::time::Instant::now());
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}
