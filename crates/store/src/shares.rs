//! Share links, guest sessions, the access log, recipient lists and guest approvers.

use frameproof_domain::{
    AssetId, FolderId, GuestSessionId, ProjectId, RecipientListId, ShareLinkId, UserId, VersionId,
};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Conn, Result};

// ---------------------------------------------------------------------------------------------
// Links

/// A share link as stored (its token only as a hash).
#[derive(Clone, Debug, FromRow)]
pub struct LinkRow {
    #[sqlx(try_from = "Uuid")]
    pub id: ShareLinkId,
    pub workspace_id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub scope: String,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub folder_id: Option<Uuid>,
    pub name: String,
    pub message: String,
    pub can_comment: bool,
    pub can_decide: bool,
    pub can_download_proxy: bool,
    pub can_download_original: bool,
    pub versions: String,
    pub expires_at: Option<i64>,
    pub password_hash: Option<String>,
    pub allowed_domains: Option<String>,
    pub max_viewers: Option<i64>,
    /// The guest page shows the campaign's brief.
    pub show_brief: bool,
    pub created_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
    pub revoked_at: Option<i64>,
    #[sqlx(default)]
    pub viewers: i64,
    #[sqlx(default)]
    pub opens: i64,
}

const LINK_COLS: &str = "l.id, l.workspace_id, l.project_id, l.scope, l.asset_id, l.version_id, l.folder_id, l.name, \
     l.message, l.can_comment, l.can_decide, l.can_download_proxy, l.can_download_original, l.versions, l.expires_at, \
     l.password_hash, l.allowed_domains, l.max_viewers, l.show_brief, l.created_by, l.created_at, l.updated_at, l.revoked_at";

impl LinkRow {
    /// The allowed e-mail domains (empty: any).
    pub fn domains(&self) -> Vec<String> {
        self.allowed_domains.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default()
    }

    /// Whether the link still opens at `now`.
    pub fn live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

pub struct NewLink<'a> {
    pub id: ShareLinkId,
    pub workspace_id: Uuid,
    pub project_id: ProjectId,
    pub scope: &'a str,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    pub folder_id: Option<FolderId>,
    pub list: &'a [AssetId],
    pub token_hash: &'a [u8],
    pub settings: &'a LinkSettings,
    pub created_by: UserId,
    pub now: i64,
}

/// What a producer may set on a link, and change later.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    pub name: String,
    pub message: String,
    pub can_comment: bool,
    pub can_decide: bool,
    pub can_download_proxy: bool,
    pub can_download_original: bool,
    pub versions: String,
    pub expires_at: Option<i64>,
    pub password_hash: Option<String>,
    pub allowed_domains: Vec<String>,
    pub max_viewers: Option<i64>,
    pub show_brief: bool,
}

impl LinkSettings {
    /// The settings of a stored link.
    pub fn of(l: &LinkRow) -> Self {
        Self {
            name: l.name.clone(),
            message: l.message.clone(),
            can_comment: l.can_comment,
            can_decide: l.can_decide,
            can_download_proxy: l.can_download_proxy,
            can_download_original: l.can_download_original,
            versions: l.versions.clone(),
            expires_at: l.expires_at,
            password_hash: l.password_hash.clone(),
            allowed_domains: l.domains(),
            max_viewers: l.max_viewers,
            show_brief: l.show_brief,
        }
    }

    fn domains_json(&self) -> Result<Option<String>> {
        if self.allowed_domains.is_empty() { Ok(None) } else { Ok(Some(serde_json::to_string(&self.allowed_domains)?)) }
    }
}

pub async fn insert_link(c: &mut Conn, n: &NewLink<'_>) -> Result<()> {
    let s = n.settings;
    sqlx::query(
        "INSERT INTO share_links (id, workspace_id, project_id, scope, asset_id, version_id, folder_id, token_hash, name,
            message, can_comment, can_decide, can_download_proxy, can_download_original, versions, expires_at,
            password_hash, allowed_domains, max_viewers, created_by, created_at, updated_at, show_brief)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22)",
    )
    .bind(n.id.0)
    .bind(n.workspace_id)
    .bind(n.project_id.0)
    .bind(n.scope)
    .bind(n.asset_id.map(|a| a.0))
    .bind(n.version_id.map(|v| v.0))
    .bind(n.folder_id.map(|f| f.0))
    .bind(n.token_hash)
    .bind(&s.name)
    .bind(&s.message)
    .bind(s.can_comment)
    .bind(s.can_decide)
    .bind(s.can_download_proxy)
    .bind(s.can_download_original)
    .bind(&s.versions)
    .bind(s.expires_at)
    .bind(&s.password_hash)
    .bind(s.domains_json()?)
    .bind(s.max_viewers)
    .bind(n.created_by.0)
    .bind(n.now)
    .bind(s.show_brief)
    .execute(&mut *c)
    .await?;
    for (i, a) in n.list.iter().enumerate() {
        sqlx::query("INSERT INTO share_link_assets (link_id, asset_id, position) VALUES ($1, $2, $3)")
            .bind(n.id.0)
            .bind(a.0)
            .bind(i as i64)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Replaces what a producer may change (the token and scope never change).
pub async fn update_link(c: &mut Conn, id: ShareLinkId, s: &LinkSettings, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE share_links SET name = $2, message = $3, can_comment = $4, can_decide = $5, can_download_proxy = $6,
            can_download_original = $7, versions = $8, expires_at = $9, password_hash = $10, allowed_domains = $11,
            max_viewers = $12, updated_at = $13, show_brief = $14
         WHERE id = $1",
    )
    .bind(id.0)
    .bind(&s.name)
    .bind(&s.message)
    .bind(s.can_comment)
    .bind(s.can_decide)
    .bind(s.can_download_proxy)
    .bind(s.can_download_original)
    .bind(&s.versions)
    .bind(s.expires_at)
    .bind(&s.password_hash)
    .bind(s.domains_json()?)
    .bind(s.max_viewers)
    .bind(now)
    .bind(s.show_brief)
    .execute(c)
    .await?;
    Ok(())
}

/// Revokes a link; false when it already was.
pub async fn revoke_link(c: &mut Conn, id: ShareLinkId, by: UserId, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE share_links SET revoked_at = $2, revoked_by = $3, updated_at = $2 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id.0)
    .bind(now)
    .bind(by.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn link(c: &mut Conn, id: ShareLinkId) -> Result<Option<LinkRow>> {
    let sql = format!("SELECT {LINK_COLS} FROM share_links l WHERE l.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

pub async fn link_by_hash(c: &mut Conn, hash: &[u8]) -> Result<Option<LinkRow>> {
    let sql = format!("SELECT {LINK_COLS} FROM share_links l WHERE l.token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(c).await?)
}

/// A project's links, newest first, with how many distinct people and sessions opened each.
pub async fn links_of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<LinkRow>> {
    let sql = format!(
        "SELECT {LINK_COLS},
            (SELECT COUNT(*) FROM share_link_viewers v WHERE v.link_id = l.id) AS viewers,
            (SELECT COUNT(*) FROM share_access_log a WHERE a.link_id = l.id AND a.action = 'opened') AS opens
         FROM share_links l WHERE l.project_id = $1 ORDER BY l.created_at DESC, l.id DESC"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

/// A review list's assets, in the producer's order.
pub async fn list_assets(c: &mut Conn, link: ShareLinkId) -> Result<Vec<AssetId>> {
    let rows: Vec<(Uuid,)> =
        sqlx::query_as("SELECT asset_id FROM share_link_assets WHERE link_id = $1 ORDER BY position")
            .bind(link.0)
            .fetch_all(c)
            .await?;
    Ok(rows.into_iter().map(|(a,)| AssetId(a)).collect())
}

/// The live assets a link reaches, in the order a guest sees them (a list's order; else by name).
pub async fn assets_in_scope(c: &mut Conn, l: &LinkRow) -> Result<Vec<Uuid>> {
    let base = "SELECT a.id FROM assets a JOIN projects p ON p.id = a.project_id
                WHERE a.deleted_at IS NULL AND p.deleted_at IS NULL AND a.project_id = $1";
    let rows: Vec<(Uuid,)> = match l.scope.as_str() {
        "asset" | "version" => {
            let sql = format!("{base} AND a.id = $2");
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(l.project_id.0).bind(l.asset_id).fetch_all(c).await?
        }
        "folder" => {
            let sql = format!(
                "WITH RECURSIVE tree(id) AS (
                    SELECT id FROM folders WHERE id = $2 AND deleted_at IS NULL
                    UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id WHERE f.deleted_at IS NULL)
                 {base} AND a.folder_id IN (SELECT id FROM tree) ORDER BY a.name COLLATE NOCASE, a.id"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(l.project_id.0).bind(l.folder_id).fetch_all(c).await?
        }
        "project" => {
            let sql = format!(
                "{base} AND NOT EXISTS (SELECT 1 FROM folders f WHERE f.id = a.folder_id AND f.deleted_at IS NOT NULL)
                 ORDER BY a.name COLLATE NOCASE, a.id"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(l.project_id.0).fetch_all(c).await?
        }
        _ => {
            let sql =
                "SELECT a.id FROM share_link_assets s JOIN assets a ON a.id = s.asset_id JOIN projects p ON p.id = a.project_id
                 WHERE s.link_id = $1 AND a.deleted_at IS NULL AND p.deleted_at IS NULL AND a.project_id = $2
                 ORDER BY s.position";
            sqlx::query_as(sql).bind(l.id.0).bind(l.project_id.0).fetch_all(c).await?
        }
    };
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Whether a link reaches a live asset.
pub async fn reaches_asset(c: &mut Conn, l: &LinkRow, asset: AssetId) -> Result<bool> {
    Ok(match l.scope.as_str() {
        "asset" | "version" => l.asset_id == Some(asset.0),
        "list" => {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM share_link_assets WHERE link_id = $1 AND asset_id = $2")
                    .bind(l.id.0)
                    .bind(asset.0)
                    .fetch_one(&mut *c)
                    .await?;
            n > 0
        }
        "folder" => {
            let n: i64 = sqlx::query_scalar(
                "WITH RECURSIVE tree(id) AS (
                    SELECT id FROM folders WHERE id = $1 AND deleted_at IS NULL
                    UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id WHERE f.deleted_at IS NULL)
                 SELECT COUNT(*) FROM assets a WHERE a.id = $2 AND a.folder_id IN (SELECT id FROM tree)",
            )
            .bind(l.folder_id)
            .bind(asset.0)
            .fetch_one(&mut *c)
            .await?;
            n > 0
        }
        "project" => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM assets a WHERE a.id = $1 AND a.project_id = $2
                   AND NOT EXISTS (SELECT 1 FROM folders f WHERE f.id = a.folder_id AND f.deleted_at IS NOT NULL)",
            )
            .bind(asset.0)
            .bind(l.project_id.0)
            .fetch_one(&mut *c)
            .await?;
            n > 0
        }
        _ => false,
    })
}

// ---------------------------------------------------------------------------------------------
// Guest sessions

#[derive(Clone, Debug, FromRow)]
pub struct GuestSessionRow {
    #[sqlx(try_from = "Uuid")]
    pub id: GuestSessionId,
    #[sqlx(try_from = "Uuid")]
    pub link_id: ShareLinkId,
    pub name: String,
    pub email: String,
    pub verified_at: Option<i64>,
    pub code_hash: Option<Vec<u8>>,
    pub code_expires_at: Option<i64>,
    pub code_attempts: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const SESSION_COLS: &str = "id, link_id, name, email, verified_at, code_hash, code_expires_at, code_attempts, \
     created_at, last_seen_at, expires_at, revoked_at";

pub struct NewGuestSession<'a> {
    pub id: GuestSessionId,
    pub link_id: ShareLinkId,
    pub token_hash: &'a [u8],
    pub name: &'a str,
    pub email: &'a str,
    pub verified: bool,
    pub code_hash: Option<&'a [u8]>,
    pub code_expires_at: Option<i64>,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
}

pub async fn insert_session(c: &mut Conn, s: &NewGuestSession<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO guest_sessions (id, link_id, token_hash, name, email, verified_at, code_hash, code_expires_at,
            created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(s.id.0)
    .bind(s.link_id.0)
    .bind(s.token_hash)
    .bind(s.name)
    .bind(s.email)
    .bind(s.verified.then_some(s.now))
    .bind(s.code_hash)
    .bind(s.code_expires_at)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn session_by_hash(c: &mut Conn, hash: &[u8]) -> Result<Option<GuestSessionRow>> {
    let sql = format!("SELECT {SESSION_COLS} FROM guest_sessions WHERE token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(c).await?)
}

pub async fn session(c: &mut Conn, id: GuestSessionId) -> Result<Option<GuestSessionRow>> {
    let sql = format!("SELECT {SESSION_COLS} FROM guest_sessions WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(c).await?)
}

/// Counts one try of the one-time code.
pub async fn count_code_attempt(c: &mut Conn, id: GuestSessionId) -> Result<()> {
    sqlx::query("UPDATE guest_sessions SET code_attempts = code_attempts + 1 WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

/// The e-mail is proven: the code is spent.
pub async fn mark_verified(c: &mut Conn, id: GuestSessionId, now: i64) -> Result<()> {
    sqlx::query("UPDATE guest_sessions SET verified_at = $2, code_hash = NULL, code_expires_at = NULL WHERE id = $1")
        .bind(id.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn touch_session(c: &mut Conn, id: GuestSessionId, now: i64) -> Result<()> {
    sqlx::query("UPDATE guest_sessions SET last_seen_at = $2 WHERE id = $1").bind(id.0).bind(now).execute(c).await?;
    Ok(())
}

/// Ends a session (the guest left); false when it already ended.
pub async fn end_session(c: &mut Conn, id: GuestSessionId, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE guest_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id.0)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------------
// Distinct viewers

pub async fn is_viewer(c: &mut Conn, link: ShareLinkId, email: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM share_link_viewers WHERE link_id = $1 AND email = $2")
        .bind(link.0)
        .bind(email)
        .fetch_one(c)
        .await?;
    Ok(n > 0)
}

pub async fn viewer_count(c: &mut Conn, link: ShareLinkId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM share_link_viewers WHERE link_id = $1")
        .bind(link.0)
        .fetch_one(c)
        .await?)
}

/// Guest sessions opened on a link.
pub async fn open_count(c: &mut Conn, link: ShareLinkId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM share_access_log WHERE link_id = $1 AND action = 'opened'")
        .bind(link.0)
        .fetch_one(c)
        .await?)
}

pub async fn add_viewer(c: &mut Conn, link: ShareLinkId, email: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO share_link_viewers (link_id, email, first_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(link.0)
        .bind(email)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Access log

pub struct AccessEntry<'a> {
    pub link_id: ShareLinkId,
    pub session: Option<GuestSessionId>,
    pub at: i64,
    pub ip: &'a str,
    pub action: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    pub detail: &'a serde_json::Value,
}

pub async fn log_access(c: &mut Conn, e: &AccessEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO share_access_log (link_id, guest_session_id, at, ip, action, name, email, asset_id, version_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.link_id.0)
    .bind(e.session.map(|s| s.0))
    .bind(e.at)
    .bind(e.ip)
    .bind(e.action)
    .bind(e.name)
    .bind(e.email)
    .bind(e.asset_id.map(|a| a.0))
    .bind(e.version_id.map(|v| v.0))
    .bind(serde_json::to_string(e.detail)?)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, FromRow)]
pub struct AccessRow {
    pub id: i64,
    pub guest_session_id: Option<Uuid>,
    pub at: i64,
    pub ip: String,
    pub action: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub detail: String,
}

/// A link's access log, newest first, before `before` (an entry id) when given.
pub async fn access_log(c: &mut Conn, link: ShareLinkId, before: Option<i64>, limit: i64) -> Result<Vec<AccessRow>> {
    Ok(sqlx::query_as(
        "SELECT id, guest_session_id, at, ip, action, name, email, asset_id, version_id, detail
         FROM share_access_log WHERE link_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(link.0)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Recipient lists

#[derive(Clone, Debug, FromRow)]
pub struct RecipientListRow {
    #[sqlx(try_from = "Uuid")]
    pub id: RecipientListId,
    pub workspace_id: Uuid,
    pub name: String,
    pub emails: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RecipientListRow {
    pub fn addresses(&self) -> Vec<String> {
        serde_json::from_str(&self.emails).unwrap_or_default()
    }
}

pub async fn insert_recipient_list(
    c: &mut Conn,
    id: RecipientListId,
    workspace: Uuid,
    name: &str,
    emails: &[String],
    by: UserId,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO recipient_lists (id, workspace_id, name, name_key, emails, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.0)
    .bind(workspace)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(serde_json::to_string(emails)?)
    .bind(by.0)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn update_recipient_list(
    c: &mut Conn,
    id: RecipientListId,
    name: &str,
    emails: &[String],
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE recipient_lists SET name = $2, name_key = $3, emails = $4, updated_at = $5 WHERE id = $1")
        .bind(id.0)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(serde_json::to_string(emails)?)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn recipient_list(c: &mut Conn, id: RecipientListId) -> Result<Option<RecipientListRow>> {
    Ok(sqlx::query_as(
        "SELECT id, workspace_id, name, emails, created_at, updated_at FROM recipient_lists WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(c)
    .await?)
}

pub async fn recipient_lists(c: &mut Conn, workspace: Uuid) -> Result<Vec<RecipientListRow>> {
    Ok(sqlx::query_as(
        "SELECT id, workspace_id, name, emails, created_at, updated_at FROM recipient_lists
         WHERE workspace_id = $1 ORDER BY name_key",
    )
    .bind(workspace)
    .fetch_all(c)
    .await?)
}

pub async fn delete_recipient_list(c: &mut Conn, id: RecipientListId) -> Result<bool> {
    let r = sqlx::query("DELETE FROM recipient_lists WHERE id = $1").bind(id.0).execute(c).await?;
    Ok(r.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------------
// Guests as required approvers

#[derive(Clone, Debug, FromRow)]
pub struct GuestApproverRow {
    pub email: String,
    pub created_at: i64,
}

pub async fn guest_approvers(c: &mut Conn, asset: AssetId) -> Result<Vec<GuestApproverRow>> {
    Ok(sqlx::query_as("SELECT email, created_at FROM asset_guest_approvers WHERE asset_id = $1 ORDER BY email")
        .bind(asset.0)
        .fetch_all(c)
        .await?)
}

/// Makes the asset's guest approvers exactly `emails` (lower-case).
pub async fn set_guest_approvers(c: &mut Conn, asset: AssetId, emails: &[String], by: UserId, now: i64) -> Result<()> {
    for old in guest_approvers(c, asset).await? {
        if !emails.contains(&old.email) {
            sqlx::query("DELETE FROM asset_guest_approvers WHERE asset_id = $1 AND email = $2")
                .bind(asset.0)
                .bind(&old.email)
                .execute(&mut *c)
                .await?;
        }
    }
    for e in emails {
        sqlx::query(
            "INSERT INTO asset_guest_approvers (asset_id, email, added_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (asset_id, email) DO NOTHING",
        )
        .bind(asset.0)
        .bind(e)
        .bind(by.0)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
