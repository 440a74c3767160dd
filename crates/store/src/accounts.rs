//! Users, sessions, personal API tokens, sign-in failure counters and the set-up token.
//! Tokens are stored only as their SHA-256 hashes; the caller hashes.

use frameproof_domain::UserId;
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

/// A user row.
#[derive(Clone, Debug, FromRow)]
pub struct UserRow {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub password_changed_at: i64,
}

const USER_COLS: &str = "id, email, name, password_hash, created_at, updated_at, password_changed_at";

/// A new user; `email` already lower-cased and validated.
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
}

pub async fn insert_user(c: &mut Conn, u: &NewUser<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $5, $5)",
    )
    .bind(u.id.0)
    .bind(u.email)
    .bind(u.name)
    .bind(u.password_hash)
    .bind(u.now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn count_users(c: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await?)
}

pub async fn user_by_email(c: &mut Conn, email: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(c).await?)
}

pub async fn user_by_id(c: &mut Conn, id: UserId) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

pub async fn set_password(c: &mut Conn, id: UserId, hash: &str, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(hash)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_user_name(c: &mut Conn, id: UserId, name: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE users SET name = $2, updated_at = $3 WHERE id = $1")
        .bind(id.0)
        .bind(name)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// A session row.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub ip: String,
    pub user_agent: String,
}

const SESSION_COLS: &str = "id, user_id, created_at, last_seen_at, expires_at, revoked_at, ip, user_agent";

pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: UserId,
    pub token_hash: &'a [u8],
    pub now: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session(c: &mut Conn, s: &NewSession<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(s.id)
    .bind(s.user_id.0)
    .bind(s.token_hash)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(c)
    .await?;
    Ok(())
}

/// The live (not revoked, not expired) session holding this token hash, and its user, in one
/// round trip (every cookie request asks).
pub async fn live_session_with_user(c: &mut Conn, hash: &[u8], now: i64) -> Result<Option<(SessionRow, UserRow)>> {
    let live = "token_hash = $1 AND revoked_at IS NULL AND expires_at > $2";
    credential_with_user(c, "sessions", SESSION_COLS, live, hash, now).await
}

/// A credential row of `table` matching `live` (`$1` the token hash, `$2` now) and its user.
async fn credential_with_user<T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>>(
    c: &mut Conn,
    table: &str,
    cols: &str,
    live: &str,
    hash: &[u8],
    now: i64,
) -> Result<Option<(T, UserRow)>> {
    let sql = format!(
        "SELECT 'c' AS k, {cols} FROM {table} WHERE {live};
         SELECT 'u' AS k, {USER_COLS} FROM users WHERE id = (SELECT user_id FROM {table} WHERE {live})"
    );
    let rows = crate::Tagged::fetch(c, sqlx::query(sqlx::AssertSqlSafe(sql)).bind(hash).bind(now)).await?;
    Ok(rows.one("c")?.zip(rows.one("u")?))
}

/// Records activity and slides the expiry forward.
pub async fn touch_session(c: &mut Conn, id: Uuid, now: i64, expires_at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn list_sessions(c: &mut Conn, user: UserId, now: i64) -> Result<Vec<SessionRow>> {
    let sql = format!(
        "SELECT {SESSION_COLS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC, id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user.0).bind(now).fetch_all(c).await?)
}

/// Revokes one of a user's sessions; false when there was no such live session.
pub async fn revoke_session(c: &mut Conn, user: UserId, id: Uuid, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(id)
        .bind(user.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Revokes every session of a user, except `keep` if given. Returns how many were revoked.
pub async fn revoke_user_sessions(c: &mut Conn, user: UserId, keep: Option<Uuid>, now: i64) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND ($3 IS NULL OR id <> $3)",
    )
    .bind(user.0)
    .bind(now)
    .bind(keep)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// API tokens

/// A personal API token row (never the token itself).
#[derive(Clone, Debug, FromRow)]
pub struct ApiTokenRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLS: &str = "id, user_id, name, created_at, last_used_at, expires_at, revoked_at";

pub struct NewApiToken<'a> {
    pub id: Uuid,
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a [u8],
    pub now: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert_api_token(c: &mut Conn, t: &NewApiToken<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.id)
    .bind(t.user_id.0)
    .bind(t.name)
    .bind(t.token_hash)
    .bind(t.now)
    .bind(t.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The live API token holding this hash, and its user, in one round trip (every API request
/// asks).
pub async fn live_api_token_with_user(c: &mut Conn, hash: &[u8], now: i64) -> Result<Option<(ApiTokenRow, UserRow)>> {
    let live = "token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)";
    credential_with_user(c, "api_tokens", TOKEN_COLS, live, hash, now).await
}

pub async fn touch_api_token(c: &mut Conn, id: Uuid, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1").bind(id).bind(now).execute(c).await?;
    Ok(())
}

pub async fn list_api_tokens(c: &mut Conn, user: UserId) -> Result<Vec<ApiTokenRow>> {
    let sql = format!(
        "SELECT {TOKEN_COLS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user.0).fetch_all(c).await?)
}

pub async fn revoke_api_token(c: &mut Conn, user: UserId, id: Uuid, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(id)
        .bind(user.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn revoke_user_api_tokens(c: &mut Conn, user: UserId, now: i64) -> Result<u64> {
    let r = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Sign-in failures

pub async fn record_login_failure(c: &mut Conn, key: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (scope_key, at) VALUES ($1, $2)").bind(key).bind(now).execute(c).await?;
    Ok(())
}

/// Failures for `key` at or after `since`, and the oldest of them.
pub async fn login_failures_since(c: &mut Conn, key: &str, since: i64) -> Result<(i64, Option<i64>)> {
    Ok(sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE scope_key = $1 AND at >= $2")
        .bind(key)
        .bind(since)
        .fetch_one(c)
        .await?)
}

/// The latest failure for `key`.
pub async fn last_login_failure(c: &mut Conn, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MAX(at) FROM login_failures WHERE scope_key = $1").bind(key).fetch_one(c).await?)
}

pub async fn clear_login_failures(c: &mut Conn, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE scope_key = $1").bind(key).execute(c).await?;
    Ok(())
}

/// Forgets an account's failed sign-ins: its own count and those of every (account, address)
/// pair (`admin reset-password` lifts a lock-out this way). Per-address and per-device counts
/// stay: they are not the account's.
pub async fn clear_account_login_failures(c: &mut Conn, email: &str) -> Result<()> {
    let pair_prefix = format!("login-pair:{email}|");
    sqlx::query("DELETE FROM login_failures WHERE scope_key = $1 OR substr(scope_key, 1, length($2)) = $2")
        .bind(format!("login-account:{email}"))
        .bind(pair_prefix)
        .execute(c)
        .await?;
    Ok(())
}

/// Drops failure rows older than `before` (housekeeping).
pub async fn prune_login_failures(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(before).execute(c).await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Known devices

/// Whether the device whose cookie hashes to `hash` has signed in to `user` before; marks it
/// seen when it has.
pub async fn touch_known_device(c: &mut Conn, hash: &[u8], user: UserId, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE known_devices SET last_seen_at = $3 WHERE token_hash = $1 AND user_id = $2")
        .bind(hash)
        .bind(user.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Whether the device whose cookie hashes to `hash` has signed in to `user` before (reads only).
pub async fn is_known_device(c: &mut Conn, hash: &[u8], user: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(hash)
        .bind(user.0)
        .fetch_one(c)
        .await?;
    Ok(n > 0)
}

/// Remembers a device that just signed in to `user`.
pub async fn insert_known_device(c: &mut Conn, hash: &[u8], user: UserId, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO known_devices (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(hash)
        .bind(user.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Forgets devices not seen since `before` (housekeeping).
pub async fn prune_known_devices(c: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM known_devices WHERE last_seen_at < $1").bind(before).execute(c).await?;
    Ok(r.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Set-up token

/// Replaces any earlier set-up token with this one.
pub async fn replace_setup_token(c: &mut Conn, hash: &[u8], now: i64) -> Result<()> {
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *c).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
        .bind(hash)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes the set-up token if it matches; true when it did (it can be used once).
pub async fn consume_setup_token(c: &mut Conn, hash: &[u8]) -> Result<bool> {
    let r = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1").bind(hash).execute(c).await?;
    Ok(r.rows_affected() == 1)
}
