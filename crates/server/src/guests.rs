//! Guests: people reached through a share link. A guest holds a server-side session bound to one
//! link; every request re-reads the session and the link, so a revoked, expired or narrowed link
//! stops working at the next request. What a guest reaches is the link's scope, and what they may
//! do there is the link's permissions.

use frameproof_domain::{Action, AssetId};
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::{self, ProjectRow};
use frameproof_store::shares::{self, GuestSessionRow, LinkRow};
use frameproof_store::versions::VersionRow;
use frameproof_store::{Conn, assets};

use crate::auth::hash_token;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A guest on a live link.
#[derive(Clone, Debug)]
pub struct Guest {
    pub session: GuestSessionRow,
    pub link: LinkRow,
    /// The client's address, for the access log.
    pub ip: String,
}

/// The one answer for a link that does not open: unknown, expired, revoked, or a session that
/// ended. No hint which.
pub fn link_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "link-not-found",
        "this link does not work: it may have expired or been revoked; ask whoever sent it for a new one",
    )
}

/// Whether a guest must prove their e-mail with a one-time code before seeing anything: the link
/// limits e-mail domains, grants decisions, or counts distinct viewers.
pub fn needs_verification(link: &LinkRow) -> bool {
    link.allowed_domains.is_some() || link.can_decide || link.max_viewers.is_some()
}

/// Whether `email` is allowed by the link's domain list.
pub fn domain_allowed(link: &LinkRow, email: &str) -> bool {
    email_in_domains(&link.domains(), email)
}

/// Whether `email` is at one of `domains` (none: any e-mail is).
pub fn email_in_domains(domains: &[String], email: &str) -> bool {
    domains.is_empty() || email.rsplit_once('@').is_some_and(|(_, d)| domains.iter().any(|a| a.eq_ignore_ascii_case(d)))
}

impl Guest {
    pub fn verified(&self) -> bool {
        self.session.verified_at.is_some()
    }

    /// Whether the link lets this guest do `action` (inside its scope).
    pub fn may(&self, action: Action) -> bool {
        let l = &self.link;
        match action {
            Action::View | Action::Export => true,
            Action::Comment => l.can_comment,
            // Deciding needs a proven e-mail: a decision carries it.
            Action::Decide => l.can_decide && self.verified(),
            Action::DownloadOriginal => l.can_download_original,
            Action::ManageWorkspace | Action::EditContent | Action::ManageReview | Action::ManageLocks => false,
        }
    }

    /// A live asset inside the link's scope, with its project; anything else is 404.
    pub async fn asset(&self, c: &mut Conn, id: AssetId) -> ApiResult<(AssetRow, ProjectRow)> {
        let asset = assets::get(&mut *c, id).await?.ok_or_else(ApiError::not_found)?;
        if asset.deleted_at.is_some() || asset.project_id != self.link.project_id {
            return Err(ApiError::not_found());
        }
        let project = projects::get(&mut *c, asset.project_id).await?.ok_or_else(ApiError::not_found)?;
        if project.deleted_at.is_some() || !shares::reaches_asset(&mut *c, &self.link, id).await? {
            return Err(ApiError::not_found());
        }
        Ok((asset, project))
    }

    /// Whether the link shows this version of an asset in its scope: a version link shows its
    /// version; `current` shows the asset's current version; `all` the whole stack.
    pub fn shows(&self, asset: &AssetRow, v: &VersionRow) -> bool {
        match (self.link.scope.as_str(), self.link.versions.as_str()) {
            ("version", _) => self.link.version_id == Some(v.id.0),
            (_, "current") => asset.current_version_id == Some(v.id.0),
            _ => true,
        }
    }
}

/// The guest behind a session token, if the session and its link are live (and the e-mail is
/// proven where the link asks for it).
pub async fn resolve(state: &AppState, token: &str, ip: Option<std::net::IpAddr>) -> ApiResult<Guest> {
    let now = state.now().0;
    let hash = hash_token(token);
    let mut c = state.store().reader().await?;
    let session = shares::session_by_hash(&mut c, &hash).await?.ok_or_else(link_not_found)?;
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(link_not_found());
    }
    let link = shares::link(&mut c, session.link_id).await?.ok_or_else(link_not_found)?;
    // The link may have been narrowed since: a domain list added later shuts out other e-mails.
    if !link.live(now) || !domain_allowed(&link, &session.email) {
        return Err(link_not_found());
    }
    drop(c);
    if needs_verification(&link) && session.verified_at.is_none() {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "verification-required",
            "enter the code we e-mailed you first",
        ));
    }
    if now - session.last_seen_at > 60_000 {
        let mut tx = state.store().begin().await?;
        shares::touch_session(&mut tx, session.id, now).await?;
        tx.commit().await?;
    }
    let ip = ip.map(|i| i.to_string()).unwrap_or_else(|| String::from("unknown"));
    Ok(Guest { session, link, ip })
}
