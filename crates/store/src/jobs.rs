//! The durable job queue. Enqueue happens in the same transaction as the change that needs the
//! work; a worker claims a job with a lease, heartbeats extend it, and a reaper returns jobs
//! whose lease ran out (the worker died) to the queue.

use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

/// A job row.
#[derive(Clone, Debug, FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub priority: i64,
    pub run_at: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub progress: i64,
    pub cancel_requested: bool,
    pub unique_key: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, kind, payload, state, priority, run_at, attempts, max_attempts, lease_owner, lease_expires_at, \
     progress, cancel_requested, unique_key, last_error, created_at, updated_at";

pub struct NewJob<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub payload: &'a str,
    pub priority: i64,
    pub max_attempts: i64,
    /// At most one queued-or-running job per key: enqueueing again is a no-op.
    pub unique_key: Option<&'a str>,
    pub now: i64,
}

/// Enqueues a job; false when a live job with the same unique key exists already.
pub async fn enqueue(c: &mut Conn, j: &NewJob<'_>) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, priority, run_at, max_attempts, unique_key, created_at, updated_at)
         VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $5, $5)
         ON CONFLICT (unique_key) WHERE state IN ('queued', 'running') DO NOTHING",
    )
    .bind(j.id)
    .bind(j.kind)
    .bind(j.payload)
    .bind(j.priority)
    .bind(j.now)
    .bind(j.max_attempts)
    .bind(j.unique_key)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Claims the most urgent runnable job of `kinds` (inside `BEGIN IMMEDIATE`, so two workers
/// never claim the same row).
pub async fn claim(c: &mut Conn, kinds: &[&str], owner: &str, now: i64, lease_ms: i64) -> Result<Option<JobRow>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_expires_at = $3,
                heartbeat_at = $1, updated_at = $1
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $1 AND kind IN ({})
                     ORDER BY priority, run_at, id LIMIT 1)
         RETURNING {COLS}",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(owner).bind(now + lease_ms);
    for k in kinds {
        q = q.bind(*k);
    }
    Ok(q.fetch_optional(c).await?)
}

/// Extends the lease and stores progress; answers whether cancellation was requested, or
/// `None` when the lease was lost (another worker owns the job now).
pub async fn heartbeat(
    c: &mut Conn,
    id: Uuid,
    owner: &str,
    now: i64,
    lease_ms: i64,
    progress: i64,
) -> Result<Option<bool>> {
    Ok(sqlx::query_scalar(
        "UPDATE jobs SET lease_expires_at = $3, heartbeat_at = $4, progress = $5, updated_at = $4
         WHERE id = $1 AND lease_owner = $2 AND state = 'running' RETURNING cancel_requested",
    )
    .bind(id)
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .bind(progress)
    .fetch_optional(c)
    .await?)
}

/// Marks a job done (only by its lease owner).
pub async fn succeed(c: &mut Conn, id: Uuid, owner: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'succeeded', progress = 100, lease_owner = NULL, lease_expires_at = NULL, updated_at = $3
         WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a failure: back to the queue at `retry_at`, or failed for good when `retry_at` is
/// `None` (no attempts left, or an error retrying cannot fix).
pub async fn fail(c: &mut Conn, id: Uuid, owner: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<()> {
    let (state, run_at) = match retry_at {
        Some(t) => ("queued", t),
        None => ("failed", now),
    };
    sqlx::query(
        "UPDATE jobs SET state = $3, run_at = $4, last_error = $5, lease_owner = NULL, lease_expires_at = NULL, updated_at = $6
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .bind(state)
    .bind(run_at)
    .bind(error)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Hands a stopping worker's running jobs back to the queue; the interrupted attempt is not
/// counted. Answers how many.
pub async fn release(c: &mut Conn, owner: &str, now: i64) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                lease_owner = NULL, lease_expires_at = NULL, run_at = $2, updated_at = $2
         WHERE lease_owner = $1 AND state = 'running'",
    )
    .bind(owner)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// Marks a job whose cancellation was honoured (only by the worker still holding it).
pub async fn cancelled(c: &mut Conn, id: Uuid, owner: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = $3
         WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Asks for a job to stop: a queued one is cancelled at once, a running one at its next heartbeat.
pub async fn request_cancel(c: &mut Conn, unique_key: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE jobs SET state = 'cancelled', updated_at = $2 WHERE unique_key = $1 AND state = 'queued'")
        .bind(unique_key)
        .bind(now)
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE jobs SET cancel_requested = 1, updated_at = $2 WHERE unique_key = $1 AND state = 'running'")
        .bind(unique_key)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Returns running jobs whose lease ran out to the queue (their worker died), or fails them
/// when they have used every attempt. Answers the ids failed for good.
pub async fn reap(c: &mut Conn, now: i64) -> Result<(u64, Vec<JobRow>)> {
    let requeued = sqlx::query(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_at = $1, updated_at = $1
         WHERE state = 'running' AND lease_expires_at < $1 AND attempts < max_attempts",
    )
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    let sql = format!(
        "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1,
                last_error = COALESCE(last_error, 'the worker stopped answering')
         WHERE state = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts RETURNING {COLS}"
    );
    let failed = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).fetch_all(c).await?;
    Ok((requeued, failed))
}

pub async fn get(c: &mut Conn, id: Uuid) -> Result<Option<JobRow>> {
    let sql = format!("SELECT {COLS} FROM jobs WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in(dir.path()).await.unwrap();
        (dir, s)
    }

    fn job<'a>(id: Uuid, key: Option<&'a str>, priority: i64, now: i64) -> NewJob<'a> {
        NewJob { id, kind: "ingest", payload: "{}", priority, max_attempts: 2, unique_key: key, now }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[tokio::test]
    async fn enqueue_is_idempotent_while_a_job_with_the_key_is_live() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        assert!(enqueue(&mut tx, &job(id(1), Some("ingest:v1"), 10, 100)).await.unwrap());
        assert!(!enqueue(&mut tx, &job(id(2), Some("ingest:v1"), 10, 100)).await.unwrap(), "same key, still queued");
        let claimed = claim(&mut tx, &["ingest"], "w1", 100, 1000).await.unwrap().unwrap();
        assert!(!enqueue(&mut tx, &job(id(3), Some("ingest:v1"), 10, 100)).await.unwrap(), "same key, running");
        assert!(succeed(&mut tx, claimed.id, "w1", 200).await.unwrap());
        assert!(
            enqueue(&mut tx, &job(id(4), Some("ingest:v1"), 10, 300)).await.unwrap(),
            "a finished job frees the key"
        );
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn claims_take_the_most_urgent_runnable_job_once() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        enqueue(&mut tx, &job(id(1), None, 20, 100)).await.unwrap();
        enqueue(&mut tx, &job(id(2), None, 10, 200)).await.unwrap();
        let first = claim(&mut tx, &["ingest"], "w1", 300, 1000).await.unwrap().unwrap();
        assert_eq!(
            (first.id, first.state.as_str(), first.attempts),
            (id(2), "running", 1),
            "lower priority number first"
        );
        let second = claim(&mut tx, &["ingest"], "w2", 300, 1000).await.unwrap().unwrap();
        assert_eq!(second.id, id(1));
        assert!(claim(&mut tx, &["ingest"], "w3", 300, 1000).await.unwrap().is_none(), "nothing is claimed twice");
        assert!(claim(&mut tx, &["other"], "w3", 300, 1000).await.unwrap().is_none());
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn heartbeats_extend_leases_report_cancellation_and_notice_a_lost_lease() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        enqueue(&mut tx, &job(id(1), Some("k"), 10, 0)).await.unwrap();
        let j = claim(&mut tx, &["ingest"], "w1", 0, 1000).await.unwrap().unwrap();
        assert_eq!(heartbeat(&mut tx, j.id, "w1", 500, 1000, 40).await.unwrap(), Some(false));
        assert_eq!(get(&mut tx, j.id).await.unwrap().unwrap().progress, 40);
        // Extended to 1500: a reap at 1200 leaves it alone.
        assert_eq!(reap(&mut tx, 1200).await.unwrap().0, 0);
        request_cancel(&mut tx, "k", 1300).await.unwrap();
        assert_eq!(heartbeat(&mut tx, j.id, "w1", 1400, 1000, 50).await.unwrap(), Some(true));
        assert_eq!(heartbeat(&mut tx, j.id, "intruder", 1400, 1000, 50).await.unwrap(), None);
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_dead_workers_job_is_requeued_then_failed_after_its_attempts() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        enqueue(&mut tx, &job(id(1), None, 10, 0)).await.unwrap();
        claim(&mut tx, &["ingest"], "dead", 0, 1000).await.unwrap().unwrap();
        let (requeued, failed) = reap(&mut tx, 2000).await.unwrap();
        assert_eq!((requeued, failed.len()), (1, 0));
        let again = claim(&mut tx, &["ingest"], "w2", 2000, 1000).await.unwrap().unwrap();
        assert_eq!(again.attempts, 2);
        assert!(!succeed(&mut tx, again.id, "dead", 2100).await.unwrap(), "the old owner cannot finish it");
        let (requeued, failed) = reap(&mut tx, 4000).await.unwrap();
        assert_eq!((requeued, failed.len()), (0, 1), "max_attempts = 2 used up");
        assert_eq!(get(&mut tx, again.id).await.unwrap().unwrap().state, "failed");
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_retry_waits_for_its_backoff() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        enqueue(&mut tx, &job(id(1), None, 10, 0)).await.unwrap();
        let j = claim(&mut tx, &["ingest"], "w1", 0, 1000).await.unwrap().unwrap();
        fail(&mut tx, j.id, "w1", "disk hiccup", Some(5000), 100).await.unwrap();
        assert!(claim(&mut tx, &["ingest"], "w1", 4999, 1000).await.unwrap().is_none());
        let j = claim(&mut tx, &["ingest"], "w1", 5000, 1000).await.unwrap().unwrap();
        assert_eq!(j.last_error.as_deref(), Some("disk hiccup"));
        fail(&mut tx, j.id, "w1", "not media", None, 5100).await.unwrap();
        assert_eq!(get(&mut tx, j.id).await.unwrap().unwrap().state, "failed");
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_stopping_worker_hands_its_jobs_back_without_using_an_attempt() {
        let (_d, s) = store().await;
        let mut tx = s.begin().await.unwrap();
        enqueue(&mut tx, &job(id(1), None, 10, 0)).await.unwrap();
        claim(&mut tx, &["ingest"], "w1", 0, 1000).await.unwrap().unwrap();
        assert_eq!(release(&mut tx, "w1", 10).await.unwrap(), 1);
        let j = claim(&mut tx, &["ingest"], "w2", 20, 1000).await.unwrap().unwrap();
        assert_eq!(j.attempts, 1, "the interrupted attempt was not counted");
        tx.commit().await.unwrap();
    }
}
