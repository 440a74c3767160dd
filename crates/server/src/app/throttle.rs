//! Counting failed guesses (passwords, share-link passwords) and refusing a key that failed
//! too often. Failures are rows in `login_failures`, so counts survive a restart and hold across
//! processes; a refused try is not a failure and is not counted.

use frameproof_store::{Conn, accounts};

use crate::error::{ApiError, ApiResult};

/// The longest back-off, and how long failures are remembered for it.
pub const BACKOFF_CAP_MS: i64 = 3_600_000;

/// How many failures a key may have within a window.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub attempts: i64,
    pub window_ms: i64,
}

/// Refuses with 429 when `key` has `attempts` failures within the window (until the oldest of
/// them leaves it), or, once it has had twice that within the last hour, until the window
/// doubled for every further `attempts` failures (capped at an hour) has passed since its last
/// failure: a steady guesser gets fewer tries per hour the longer it keeps going.
pub async fn refuse_if_backing_off(c: &mut Conn, key: &str, rule: Rule, now: i64) -> ApiResult<()> {
    let Rule { attempts, window_ms } = rule;
    let (recent, oldest) = accounts::login_failures_since(c, key, now - window_ms).await?;
    if recent >= attempts {
        let wait = oldest.map(|o| o + window_ms - now).unwrap_or(window_ms);
        return Err(too_many(wait));
    }
    let (hour, _) = accounts::login_failures_since(c, key, now - BACKOFF_CAP_MS).await?;
    if hour >= 2 * attempts {
        let last = accounts::last_login_failure(c, key).await?.unwrap_or(now);
        let doublings = u32::try_from((hour / attempts - 1).clamp(0, 6)).unwrap_or(6);
        let backoff = (window_ms << doublings).min(BACKOFF_CAP_MS);
        if now < last + backoff {
            return Err(too_many(last + backoff - now));
        }
    }
    Ok(())
}

/// Refuses with 429 when `key` has `ceiling` failures within `window_ms` and its last failure
/// was less than `interval_ms` ago: past the ceiling it is slowed to one try per interval, never
/// shut.
pub async fn refuse_if_too_soon(
    c: &mut Conn,
    key: &str,
    ceiling: i64,
    window_ms: i64,
    interval_ms: i64,
    now: i64,
) -> ApiResult<()> {
    let (recent, _) = accounts::login_failures_since(c, key, now - window_ms).await?;
    if recent < ceiling {
        return Ok(());
    }
    let last = accounts::last_login_failure(c, key).await?.unwrap_or(now);
    if now < last + interval_ms {
        return Err(too_many(last + interval_ms - now));
    }
    Ok(())
}

/// 429 `too-many-attempts` with the whole seconds to wait (at least one).
fn too_many(wait_ms: i64) -> ApiError {
    ApiError::too_many_attempts(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1))
}
