//! Background housekeeping: empties the trash past its retention, forgets old sign-in
//! failures and devices unseen for longer than their cookie lives, and signs the audit chain's head when it has grown for an hour. Runs at start and then every few minutes until the server stops.

use std::time::Duration;

use frameproof_blobs::BlobKey;
use frameproof_store::{accounts, assets, folders, projects, uploads, versions, workspaces};
use tokio::sync::watch;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(600);

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
    for v in gone {
        let keys = (BlobKey::new(v.original_key), BlobKey::new(format!("derived/{}", v.id)));
        if let (Ok(original), Ok(derived)) = keys {
            let _ = state.blobs().delete(&original).await;
            let _ = state.blobs().delete_prefix(&derived).await;
        }
    }
    n += collect_uploads(state, now).await?;
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

pub fn spawn(state: AppState, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            match run_once(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "emptied the trash past its retention"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}
