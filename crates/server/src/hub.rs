//! Live fan-out of events. One task per process reads new event rows once (with the access epoch
//! of the same snapshot) and broadcasts them to every open stream, which filters them in memory;
//! before, each stream queried the database for every change. Streams that fall behind the
//! broadcast (a slow client) catch up from the database, so nothing is missed.

use std::sync::Arc;
use std::time::Duration;

use frameproof_store::events::{self, EventRow};
use tokio::sync::{broadcast, watch};

use crate::state::AppState;

/// New events, and the access epoch of the snapshot they were read in.
#[derive(Debug)]
pub struct Batch {
    pub rows: Vec<EventRow>,
    pub epoch: i64,
}

/// The broadcast every open stream subscribes to.
#[derive(Debug)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Batch>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self { tx: broadcast::channel(1024).0 }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.tx.subscribe()
    }
}

/// How often the hub looks for rows written by other processes when nothing woke it.
const POLL: Duration = Duration::from_secs(1);

/// Reads what was committed after `after` (rows and epoch from one snapshot).
async fn read(state: &AppState, after: i64) -> Result<(Vec<EventRow>, i64), frameproof_store::StoreError> {
    let mut c = state.store().reader().await?;
    events::since_with_epoch(&mut c, after, 1000).await
}

/// Runs the fan-out until the server stops.
pub fn spawn(state: AppState, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut changes = state.store().subscribe();
        let mut last = match state.store().reader().await {
            Ok(mut c) => events::head(&mut c).await.unwrap_or(0),
            Err(_) => 0,
        };
        loop {
            match read(&state, last).await {
                Ok((rows, epoch)) if !rows.is_empty() => {
                    last = rows.last().map_or(last, |r| r.id);
                    let full = rows.len() == 1000;
                    // No receiver is fine: nobody is listening right now.
                    let _ = state.hub().tx.send(Arc::new(Batch { rows, epoch }));
                    if full {
                        continue;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reading new events failed; will retry"),
            }
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}
