//! The job runtime and the media job handlers.
//!
//! Owns claiming jobs from the queue (`frameproof_store::jobs`), keeping their leases alive with
//! heartbeats that also carry progress and notice cancellation, retrying with backoff, and
//! reaping jobs whose worker died. `frameproof serve` runs a [`Runner`] in-process and
//! `frameproof worker` runs one alone against the same data. It knows nothing of HTTP.

pub mod ingest;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use frameproof_blobs::Blobs;
use frameproof_media::Tools;
use frameproof_store::Store;
use frameproof_store::jobs::{self, JobRow};
use tokio::sync::{Semaphore, watch};

/// How often a running job heartbeats, as a share of its lease.
const HEARTBEATS_PER_LEASE: u32 = 4;
/// How often an idle runner looks for work (writes in this process wake it sooner).
const POLL: Duration = Duration::from_secs(1);

/// Why a job stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (I/O trouble, a busy database).
    #[error("{0}")]
    Retry(String),
    /// No attempt will do better (the input is not media, a bug in the payload).
    #[error("{0}")]
    Fatal(String),
}

impl From<frameproof_store::StoreError> for JobError {
    fn from(e: frameproof_store::StoreError) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}

impl From<frameproof_blobs::BlobError> for JobError {
    fn from(e: frameproof_blobs::BlobError) -> Self {
        JobError::Retry(format!("storage: {e}"))
    }
}

/// What a job handler gets: the data, the tools, and a progress dial the heartbeat reports.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub blobs: Blobs,
    pub tools: Tools,
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    pub progress: Arc<AtomicI64>,
}

impl Ctx {
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Runs jobs until told to stop.
pub struct Runner {
    pub ctx: Ctx,
    /// Names this process in leases (`<host>-<random>`).
    pub worker_id: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// A claimed job's lease without a heartbeat, in milliseconds.
    pub lease_ms: i64,
}

fn backoff_ms(attempts: i64) -> i64 {
    // 5 s, 20 s, 80 s, … capped at 10 minutes.
    (5_000_i64.saturating_mul(4_i64.saturating_pow(u32::try_from(attempts.max(1) - 1).unwrap_or(0)))).min(600_000)
}

impl Runner {
    /// Claims and runs jobs until `stop` turns true. Then it stops claiming, cancels the jobs
    /// it is running (their processes are killed) and hands them back to the queue without
    /// counting the interrupted attempt, so another runner (or the next start) redoes them.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut running = tokio::task::JoinSet::new();
        let mut changes = self.ctx.store.subscribe();
        let mut last_reap = 0_i64;
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            let now = self.ctx.now();
            if now - last_reap >= (self.lease_ms / 3).clamp(500, 10_000) {
                last_reap = now;
                self.reap().await;
            }
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                _ = stop.changed() => continue,
            };
            match self.claim().await {
                Some(job) => {
                    let ctx = self.ctx.clone();
                    let owner = self.worker_id.clone();
                    let lease_ms = self.lease_ms;
                    running.spawn(async move {
                        run_one(ctx, owner, job, lease_ms).await;
                        drop(permit);
                    });
                    continue;
                }
                None => drop(permit),
            }
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
        }
        running.abort_all();
        while running.join_next().await.is_some() {}
        let now = self.ctx.now();
        if let Ok(mut tx) = self.ctx.store.begin().await {
            match jobs::release(&mut tx, &self.worker_id, now).await {
                Ok(n) if n > 0 => tracing::info!(released = n, "handed unfinished jobs back to the queue"),
                _ => {}
            }
            let _ = tx.commit().await;
        }
    }

    async fn claim(&self) -> Option<JobRow> {
        let now = self.ctx.now();
        let mut tx = self.ctx.store.begin().await.ok()?;
        let job = jobs::claim(&mut tx, &[ingest::KIND], &self.worker_id, now, self.lease_ms).await.ok()??;
        // Only a claim that took a job commits: a commit wakes every runner and event stream,
        // and an idle runner that woke itself would spin.
        tx.commit().await.ok()?;
        Some(job)
    }

    async fn reap(&self) {
        let now = self.ctx.now();
        let Ok(mut tx) = self.ctx.store.begin().await else { return };
        match jobs::reap(&mut tx, now).await {
            // Nothing to reap: roll back rather than commit (commits wake everyone).
            Ok((0, failed)) if failed.is_empty() => {}
            Ok((requeued, failed)) => {
                for job in &failed {
                    if job.kind == ingest::KIND {
                        ingest::give_up(&mut tx, job, "processing stopped answering several times", now).await;
                    }
                }
                if tx.commit().await.is_ok() {
                    tracing::warn!(requeued, failed = failed.len(), "reaped jobs whose worker stopped");
                }
            }
            Err(e) => tracing::warn!(error = %e, "reaping jobs failed"),
        }
    }
}

/// Runs one claimed job with a heartbeat beside it.
async fn run_one(ctx: Ctx, owner: String, job: JobRow, lease_ms: i64) {
    let every = Duration::from_millis(u64::try_from(lease_ms).unwrap_or(30_000)) / HEARTBEATS_PER_LEASE;
    ctx.progress.store(0, Ordering::Relaxed);
    // Why the job must stop: 1 = cancellation was requested, 2 = the lease was lost (another
    // worker may own the job now, so this one must not write its outcome).
    let (cancel_tx, mut cancel_rx) = watch::channel(0u8);
    let beat = {
        let ctx = ctx.clone();
        let owner = owner.clone();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let now = ctx.now();
                let progress = ctx.progress.load(Ordering::Relaxed);
                let Ok(mut tx) = ctx.store.begin().await else { continue };
                let answer = jobs::heartbeat(&mut tx, id, &owner, now, lease_ms, progress).await;
                let _ = tx.commit().await;
                match answer {
                    Ok(Some(true)) => {
                        let _ = cancel_tx.send(1);
                        return;
                    }
                    Ok(None) => {
                        let _ = cancel_tx.send(2);
                        return;
                    }
                    _ => {}
                }
            }
        })
    };
    let started = std::time::Instant::now();
    let handler = async {
        match job.kind.as_str() {
            ingest::KIND => ingest::run(&ctx, &job).await,
            other => Err(JobError::Fatal(format!("unknown job kind {other:?}"))),
        }
    };
    let outcome = tokio::select! {
        r = handler => Some(r),
        _ = cancel_rx.wait_for(|c| *c != 0) => None,
    };
    beat.abort();
    let now = ctx.now();
    let Ok(mut tx) = ctx.store.begin().await else { return };
    match outcome {
        None if *cancel_rx.borrow() == 2 => {
            tracing::warn!(job = %job.id, kind = %job.kind, "lost the job's lease; leaving it to its new owner");
        }
        None => {
            let _ = jobs::cancelled(&mut tx, job.id, &owner, now).await;
            tracing::info!(job = %job.id, kind = %job.kind, "job cancelled");
        }
        Some(Ok(())) => {
            let _ = jobs::succeed(&mut tx, job.id, &owner, now).await;
            tracing::info!(job = %job.id, kind = %job.kind, secs = started.elapsed().as_secs_f64(), "job done");
        }
        Some(Err(JobError::Retry(why))) if job.attempts < job.max_attempts => {
            let _ = jobs::fail(&mut tx, job.id, &owner, &why, Some(now + backoff_ms(job.attempts)), now).await;
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %why, "job failed; will retry");
        }
        Some(Err(e)) => {
            let why = e.to_string();
            let _ = jobs::fail(&mut tx, job.id, &owner, &why, None, now).await;
            if job.kind == ingest::KIND {
                ingest::give_up(&mut tx, &job, &why, now).await;
            }
            tracing::warn!(job = %job.id, kind = %job.kind, error = %why, "job failed for good");
        }
    }
    let _ = tx.commit().await;
}

/// A worker id: random, so two processes on one host never share leases.
pub fn worker_id() -> String {
    let n: u64 = rand::random();
    format!("worker-{n:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(1), 5_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(3), 80_000);
        assert_eq!(backoff_ms(30), 600_000);
    }
}
