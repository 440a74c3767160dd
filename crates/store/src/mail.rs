//! The mail outbox (what the mailer sends, durably) and the mention queue (gathered into digests).

use frameproof_domain::{CommentId, UserId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

pub struct NewMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub kind: &'a str,
    pub now: i64,
}

pub async fn enqueue(c: &mut Conn, m: &NewMail<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO mail_outbox (to_addr, subject, text_body, html_body, kind, created_at, send_after)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(m.to)
    .bind(m.subject)
    .bind(m.text)
    .bind(m.html)
    .bind(m.kind)
    .bind(m.now)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct MailRow {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub kind: String,
    pub attempts: i64,
}

/// Mail due at `now`, oldest first.
pub async fn due(c: &mut Conn, now: i64, max_attempts: i64, limit: i64) -> Result<Vec<MailRow>> {
    Ok(sqlx::query_as(
        "SELECT id, to_addr, subject, text_body, html_body, kind, attempts FROM mail_outbox
         WHERE sent_at IS NULL AND send_after <= $1 AND attempts < $2 ORDER BY send_after, id LIMIT $3",
    )
    .bind(now)
    .bind(max_attempts)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

pub async fn mark_sent(c: &mut Conn, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// A failed try: retried at `retry_at`.
pub async fn mark_failed(c: &mut Conn, id: i64, error: &str, retry_at: i64) -> Result<()> {
    sqlx::query("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, send_after = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(retry_at)
        .execute(c)
        .await?;
    Ok(())
}

/// The earliest time unsent mail falls due (to sleep until then).
pub async fn next_due(c: &mut Conn, max_attempts: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(send_after) FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1")
        .bind(max_attempts)
        .fetch_one(c)
        .await?)
}

/// Drops sent mail older than `before`.
pub async fn prune_sent(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
        .bind(before)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Mentions

pub async fn queue_mentions(c: &mut Conn, users: &[UserId], comment: CommentId, now: i64) -> Result<()> {
    for u in users {
        sqlx::query(
            "INSERT INTO mention_queue (user_id, comment_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(u.0)
        .bind(comment.0)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// People whose digest is due: their oldest waiting mention is at least `gather_ms` old and their
/// last digest went out at least `every_ms` ago.
pub async fn digests_due(c: &mut Conn, now: i64, gather_ms: i64, every_ms: i64) -> Result<Vec<UserId>> {
    let rows: Vec<(Uuid,)> = sqlx::query_as(
        "SELECT q.user_id FROM mention_queue q LEFT JOIN mention_digests d ON d.user_id = q.user_id
         GROUP BY q.user_id
         HAVING MIN(q.created_at) <= $1 AND (MAX(d.last_sent_at) IS NULL OR MAX(d.last_sent_at) <= $2)",
    )
    .bind(now - gather_ms)
    .bind(now - every_ms)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
}

/// One waiting mention, with what a digest shows of it.
#[derive(Clone, Debug, FromRow)]
pub struct PendingMention {
    pub comment_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub anchor_in: Option<i64>,
    pub version_id: Uuid,
    pub version_number: i64,
    pub version_kind: String,
    pub page: Option<i64>,
    pub asset_id: Uuid,
    pub asset_name: String,
    pub project_id: Uuid,
    pub workspace_id: Uuid,
    pub project_name: String,
    pub created_at: i64,
    /// Whether the comment still stands (not deleted) and the person can see it (team-only
    /// threads only for the team is checked by the caller).
    pub team_only: bool,
    pub deleted_at: Option<i64>,
}

/// A person's waiting mentions, oldest first, and removes them from the queue.
pub async fn take_mentions(c: &mut Conn, user: UserId) -> Result<Vec<PendingMention>> {
    let rows = sqlx::query_as(
        "SELECT c.id AS comment_id, c.author_name, c.body, c.anchor_in, c.version_id, v.number AS version_number, v.kind AS version_kind, c.page,
                a.id AS asset_id, a.name AS asset_name, p.id AS project_id, p.workspace_id, p.name AS project_name, q.created_at, c.team_only, c.deleted_at
         FROM mention_queue q JOIN comments c ON c.id = q.comment_id JOIN versions v ON v.id = c.version_id
         JOIN assets a ON a.id = v.asset_id JOIN projects p ON p.id = a.project_id
         WHERE q.user_id = $1 ORDER BY q.created_at, c.rowid",
    )
    .bind(user.0)
    .fetch_all(&mut *c)
    .await?;
    sqlx::query("DELETE FROM mention_queue WHERE user_id = $1").bind(user.0).execute(&mut *c).await?;
    Ok(rows)
}

pub async fn digest_sent(c: &mut Conn, user: UserId, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO mention_digests (user_id, last_sent_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET last_sent_at = excluded.last_sent_at",
    )
    .bind(user.0)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}
