//! Background housekeeping: empties the trash past its retention and forgets old sign-in
//! failures. Runs at start and then every few minutes until the server stops.

use std::time::Duration;

use frameproof_store::{accounts, assets, folders, projects};
use tokio::sync::watch;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(600);

/// Runs one pass; answers how many rows were purged.
pub async fn run_once(state: &AppState) -> Result<u64, frameproof_store::StoreError> {
    let now = state.now().0;
    let limits = &state.config().limits;
    let cutoff = now - limits.trash_retention_days * 86_400_000;
    let mut tx = state.store().begin().await?;
    let mut n = assets::purge_deleted(&mut tx, cutoff).await?;
    n += folders::purge_deleted(&mut tx, cutoff).await?;
    n += projects::purge_deleted(&mut tx, cutoff).await?;
    accounts::prune_login_failures(&mut tx, now - limits.login_failure_window_secs * 1000).await?;
    tx.commit().await?;
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
