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
    let kinds_json = serde_json::to_string(kinds)?;
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_expires_at = $3,
                heartbeat_at = $1, updated_at = $1
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $1
                       AND kind IN (SELECT value FROM json_each($4))
                     ORDER BY priority, run_at, id LIMIT 1)
         RETURNING {COLS}"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(owner)
        .bind(now + lease_ms)
        .bind(kinds_json)
        .fetch_optional(c)
        .await?)
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

/// Marks a job whose cancellation was honoured.
pub async fn cancelled(c: &mut Conn, id: Uuid, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
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

/// The newest job with this unique key (any state).
pub async fn by_key(c: &mut Conn, unique_key: &str) -> Result<Option<JobRow>> {
    let sql = format!("SELECT {COLS} FROM jobs WHERE unique_key = $1 ORDER BY created_at DESC, id DESC LIMIT 1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unique_key).fetch_optional(c).await?)
}

/// Queue depth per state (for metrics).
pub async fn counts(c: &mut Conn) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetch_all(c).await?)
}
