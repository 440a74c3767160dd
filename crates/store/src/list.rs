//! Keyset pagination: a list is ordered by a sort key and then by id, and a cursor is the last
//! row's (key, id). Pages stay stable while rows are added or removed, unlike OFFSET.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a list can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Case-insensitive name.
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    /// Parses the API's name for a sort key.
    pub fn parse(s: &str) -> Option<SortKey> {
        match s {
            "name" => Some(SortKey::Name),
            "created_at" => Some(SortKey::CreatedAt),
            "updated_at" => Some(SortKey::UpdatedAt),
            _ => None,
        }
    }

    fn column(self) -> &'static str {
        match self {
            SortKey::Name => "name_key",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }
}

/// A position in a list: the last row seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort key the cursor was made for (a cursor is refused under another sort).
    pub s: String,
    /// The last row's sort value.
    pub k: CursorKey,
    /// The last row's id.
    pub id: Uuid,
}

/// A sort value inside a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CursorKey {
    Int(i64),
    Text(String),
}

impl Cursor {
    /// The opaque string handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads an opaque cursor back; `None` when it was not made by [`Cursor::encode`].
    pub fn decode(s: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// One page request.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// Rows per page (the caller bounds it).
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl ListQuery {
    /// `ORDER BY` for this query.
    pub(crate) fn order_by(&self) -> String {
        let dir = if self.descending { "DESC" } else { "ASC" };
        format!("ORDER BY {col} {dir}, id {dir}", col = self.sort.column())
    }

    /// The keyset condition (`AND (…)`) using placeholders `$a` (key) and `$b` (id), or an
    /// always-true condition when there is no cursor.
    pub(crate) fn after_clause(&self, a: usize, b: usize) -> String {
        if self.after.is_none() {
            return String::new();
        }
        let op = if self.descending { "<" } else { ">" };
        let col = self.sort.column();
        format!(" AND ({col} {op} ${a} OR ({col} = ${a} AND id {op} ${b}))")
    }

    /// Fetches one more row than asked, so the caller knows whether there is a next page.
    pub(crate) fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The cursor's sort name, so a cursor from another sort is refused.
    pub fn sort_name(&self) -> &'static str {
        match self.sort {
            SortKey::Name => "name",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }
}

/// Rows that can be paged: they know their sort value and id.
pub trait Keyed {
    fn id(&self) -> Uuid;
    fn name_key(&self) -> &str;
    fn created_at(&self) -> i64;
    fn updated_at(&self) -> i64;
}

/// A page of rows and the cursor for the next one.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// Trims the extra row fetched by [`ListQuery::fetch_limit`] and builds the next cursor.
pub(crate) fn page<T: Keyed>(q: &ListQuery, mut rows: Vec<T>) -> Page<T> {
    let more = rows.len() > q.limit as usize;
    rows.truncate(q.limit as usize);
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(Cursor {
            s: q.sort_name().to_owned(),
            k: match q.sort {
                SortKey::Name => CursorKey::Text(last.name_key().to_owned()),
                SortKey::CreatedAt => CursorKey::Int(last.created_at()),
                SortKey::UpdatedAt => CursorKey::Int(last.updated_at()),
            },
            id: last.id(),
        }),
        _ => None,
    };
    Page { items: rows, next }
}

/// Binds a cursor's key and id to a query built with [`ListQuery::after_clause`].
pub(crate) fn bind_after<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments>,
    q: &ListQuery,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments> {
    if let Some(c) = &q.after {
        query = match &c.k {
            CursorKey::Int(i) => query.bind(*i),
            CursorKey::Text(t) => query.bind(t.clone()),
        };
        query = query.bind(c.id);
    }
    query
}

/// The case-insensitive sort form of a name (Unicode lower case, computed here so both
/// databases sort alike).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// A `LIKE … ESCAPE '\'` pattern matching names that contain `search` (case-insensitive).
pub fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for ch in name_key(search).chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}
