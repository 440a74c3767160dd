//! Use cases: plain async functions over the app state, one module per area. Handlers call
//! exactly one of these; each write runs in one transaction together with its event.

pub mod accounts;
pub mod analytics;
pub mod assets;
pub mod audit;
pub mod briefs;
pub mod calendars;
pub mod checkpoints;
pub mod comments;
pub mod folders;
pub mod guests;
pub mod intake;
pub mod interchange;
pub mod projects;
pub mod reminders;
pub mod report;
pub mod review;
pub mod shares;
pub mod throttle;
pub mod uploads;
pub mod versions;
pub mod workflow;
pub mod workspaces;

use frameproof_domain::Timestamp;
use uuid::Uuid;

use crate::auth::random10;

/// A new UUIDv7 for `now`.
pub fn new_uuid(now: Timestamp) -> Uuid {
    frameproof_domain::ids::uuid_v7(now.0, random10())
}

use frameproof_store::{Cursor, ListQuery, SortKey};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Paging and sorting of every list: `?limit=&cursor=&sort=&order=&q=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Rows per page (default 50, at most the server's `limits.max_page_size`).
    #[serde(default, deserialize_with = "number_from_text")]
    #[param(value_type = Option<u32>)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// `name` (default), `created_at` or `updated_at`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// Only names containing this text (case-insensitive).
    pub q: Option<String>,
}

impl ListParams {
    /// Validates the parameters into a store query.
    pub fn query(&self, state: &AppState) -> ApiResult<ListQuery> {
        let sort = match self.sort.as_deref() {
            None => SortKey::Name,
            Some(s) => SortKey::parse(s).ok_or_else(|| {
                ApiError::bad_request("invalid-sort", format!("sort must be name, created_at or updated_at, not {s:?}"))
            })?,
        };
        let descending = match self.order.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(o) => {
                return Err(ApiError::bad_request("invalid-order", format!("order must be asc or desc, not {o:?}")));
            }
        };
        let limit = page_limit(state, self.limit, 50)?;
        let mut q = ListQuery { sort, descending, limit, after: None };
        if let Some(c) = &self.cursor {
            let cursor = Cursor::decode(c).filter(|c| c.s == q.sort_name()).ok_or_else(|| {
                ApiError::bad_request("invalid-cursor", "the cursor is not valid for this list and sort")
            })?;
            q.after = Some(cursor);
        }
        Ok(q)
    }

    /// The search text, when one was given.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// A list's page size: `asked`, else `default` (capped at the server's `limits.max_page_size`);
/// 400 `invalid-limit` outside 1..=max.
pub fn page_limit(state: &AppState, asked: Option<u32>, default: u32) -> ApiResult<u32> {
    let max = state.config().limits.max_page_size;
    let limit = asked.unwrap_or(default.min(max));
    if limit == 0 || limit > max {
        return Err(ApiError::bad_request("invalid-limit", format!("limit must be between 1 and {max}")));
    }
    Ok(limit)
}

/// A reason or note a person writes (a skip, a move, a decline, a nudge): trimmed, at most
/// `max` characters (400 `field-too-long`), no control characters but line breaks and tabs
/// (400 `invalid-characters`), and, when `required`, not empty (400 `reason-required`); each
/// error names the field.
pub(crate) fn reason_text(field: &str, raw: &str, max: usize, required: bool) -> Result<String, ApiError> {
    let t = raw.trim();
    let named = |e: ApiError| e.with_fields([field.to_owned()]);
    if required && t.is_empty() {
        return Err(named(ApiError::bad_request(
            "reason-required",
            format!("{field}: say why (1 to {max} characters)"),
        )));
    }
    if t.chars().count() > max {
        return Err(named(ApiError::bad_request("field-too-long", format!("{field}: at most {max} characters"))));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(named(ApiError::bad_request(
            "invalid-characters",
            format!("{field}: no control characters but line breaks and tabs"),
        )));
    }
    Ok(t.to_owned())
}

/// For PATCH bodies: tells a field given as `null` (`Some(None)`) from one left out (`None`).
pub fn some_or_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Query strings carry numbers as text; this reads either form.
fn number_from_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| serde::de::Error::custom(format!("limit must be a whole number, not {s:?}")))
    })
    .transpose()
}
