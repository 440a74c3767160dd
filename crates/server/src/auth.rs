//! Who is calling: session cookies and API tokens, password hashing, CSRF.
//!
//! Session and API tokens are 256 random bits; only their SHA-256 hashes are stored, so a
//! leaked database holds no usable credential. Passwords are argon2id (OWASP parameters),
//! hashed off the async runtime.

use std::net::{IpAddr, SocketAddr};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frameproof_domain::UserId;
use frameproof_store::accounts;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::recent::Recent;
use crate::state::AppState;

/// The prefix of personal API tokens (lets secret scanners recognise them).
pub const API_TOKEN_PREFIX: &str = "fpt_";

/// A fresh secret: 32 random bytes, base64url.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Ten random bytes for the random part of a UUIDv7.
pub fn random10() -> [u8; 10] {
    let mut b = [0u8; 10];
    rand::fill(&mut b);
    b
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Checks a password against a stored hash on a blocking thread. A missing hash still costs a
/// full hash, so an unknown account takes as long as a wrong password.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match hash {
            Some(h) => argon.verify_password(password.as_bytes(), h.as_str()).is_ok(),
            None => {
                let _ = argon.hash_password(password.as_bytes());
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// How the caller proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Session(Uuid),
    ApiToken(Uuid),
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub credential: Credential,
}

/// The session cookie's name: `__Host-` prefixed when the server is reached over https
/// (browsers drop `Secure` cookies on plain-http LAN installs, so there it is unprefixed).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config().https() { "__Host-fp_session" } else { "fp_session" }
}

/// A `Set-Cookie` value carrying a new session token.
pub fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> String {
    let secure = if state.config().https() { "; Secure" } else { "" };
    format!("{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}", cookie_name(state))
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    session_cookie(state, "", 0)
}

/// The known-device cookie's name (`__Secure-` prefixed over https). It is sent only to the
/// sign-in routes and tells [`crate::app::accounts::login`] that this browser signed in before.
pub fn device_cookie_name(state: &AppState) -> &'static str {
    if state.config().https() { "__Secure-fp_device" } else { "fp_device" }
}

/// How long a browser stays known after its last sign-in (browsers cap cookies at 400 days).
pub const DEVICE_COOKIE_DAYS: i64 = 400;

/// A `Set-Cookie` value carrying a new known-device token.
pub fn device_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config().https() { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        device_cookie_name(state),
        DEVICE_COOKIE_DAYS * 86_400
    )
}

/// The value of cookie `name` in the request, if sent.
pub fn request_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie_value(headers, name)
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when configured to trust it.
pub fn client_ip(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    if state.config().server.trust_forwarded_for {
        let fwd = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if fwd.is_some() {
            return fwd;
        }
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Requests that change state must come from our own origin: the `Origin` header (or, failing
/// that, `Referer`) must name the host the request was sent to or the configured public URL.
/// Cookie-authenticated requests must carry one (`required`); others are checked when they do
/// (a browser on another site always sends `Origin`), so scripts without one are unaffected.
pub fn check_origin(state: &AppState, method: &Method, headers: &HeaderMap, required: bool) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let origin = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|v| v.to_str().ok());
    let Some(origin) = origin else {
        return if required { Err(cross_origin()) } else { Ok(()) };
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or(""));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let public_host = state
        .config()
        .server
        .public_url
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""));
    match origin_host {
        Some(o) if Some(o) == host || Some(o) == public_host => Ok(()),
        _ => Err(cross_origin()),
    }
}

fn cross_origin() -> ApiError {
    ApiError::forbidden("cross-site request refused: a change must come from this site (its Origin header)")
        .with_code("cross-origin-refused")
}

impl ApiError {
    /// The same error with another stable code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}

/// How long a resolved credential is reused without reading it again, at most. Within this
/// process a change that ends access (sign-out, revocation, password change, user deleted)
/// ends the reuse at once, through the store's access epoch; a change made by another process
/// (`frameproof admin`, another node) is seen within this time.
pub use crate::recent::REUSE_FOR;

/// Credentials resolved in the last [`REUSE_FOR`], so a client sending request after request
/// does not have its session and user read for every one. Keyed by the token's SHA-256 (no
/// token is kept); an entry counts only while the store's access epoch is the one it was read
/// under, the credential has not expired, and it is younger than [`REUSE_FOR`].
#[derive(Debug, Default)]
pub struct KnownCredentials(Recent<(bool, Vec<u8>), (Principal, i64)>);

impl KnownCredentials {
    fn get(&self, key: &(bool, Vec<u8>), epoch: i64, now: i64) -> Option<Principal> {
        self.0.get(key, epoch).filter(|(_, expires_at)| now < *expires_at).map(|(p, _)| p)
    }

    /// Keeps a principal whose credential expires at `expires_at` (app clock, ms).
    fn put(&self, key: (bool, Vec<u8>), principal: Principal, expires_at: i64, epoch: i64) {
        self.0.put(key, (principal, expires_at), epoch);
    }

    /// Forgets a user's credentials (their name or e-mail changed).
    pub fn forget_user(&self, user: UserId) {
        self.0.forget(|_, (p, _)| p.user_id == user);
    }
}

/// Resolves a token (session or API) to its user, reusing a recent answer (see
/// [`KnownCredentials`]) unless `fresh`. The event stream, which re-checks that its
/// credential is still alive whenever the access epoch in the database moves, asks `fresh`.
pub async fn resolve(
    state: &AppState,
    token: &str,
    via_cookie: bool,
    fresh: bool,
) -> Result<Option<Principal>, ApiError> {
    let now = state.now().0;
    let key = (via_cookie, hash_token(token));
    // Read before the credential is: a change that lands in between moves it past this value.
    let epoch = state.store().access_epoch();
    if !fresh && let Some(p) = state.known_credentials().get(&key, epoch, now) {
        return Ok(Some(p));
    }
    let hash = &key.1;
    let mut c = state.store().reader().await?;
    let (user, credential, touch, expires_at) = if via_cookie {
        match accounts::live_session_with_user(&mut c, hash, now).await? {
            Some((s, user)) => (user, Credential::Session(s.id), now - s.last_seen_at > 60_000, s.expires_at),
            None => return Ok(None),
        }
    } else {
        match accounts::live_api_token_with_user(&mut c, hash, now).await? {
            Some((t, user)) => (
                user,
                Credential::ApiToken(t.id),
                t.last_used_at.is_none_or(|l| now - l > 60_000),
                t.expires_at.unwrap_or(i64::MAX),
            ),
            None => return Ok(None),
        }
    };
    drop(c);
    if touch {
        // Last-use bookkeeping at most once a minute, so reads stay reads.
        let mut tx = state.store().begin().await?;
        match credential {
            Credential::Session(id) => {
                let idle = state.config().limits.session_idle_hours * 3_600_000;
                accounts::touch_session(&mut tx, id, now, now + idle).await?;
            }
            Credential::ApiToken(id) => accounts::touch_api_token(&mut tx, id, now).await?,
        }
        tx.commit().await?;
    }
    let principal = Principal { user_id: user.id, email: user.email, name: user.name, credential };
    state.known_credentials().put(key, principal.clone(), expires_at, epoch);
    Ok(Some(principal))
}

/// The credential a request carries: (token, came from the cookie).
pub fn request_token<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<(&'a str, bool)> {
    if let Some(t) = bearer(headers) {
        return Some((t, false));
    }
    cookie_value(headers, cookie_name(state)).filter(|v| !v.is_empty()).map(|v| (v, true))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let Some((token, via_cookie)) = request_token(state, &parts.headers) else {
            // A guest reaches nothing outside their link's scope, and members-only routes have
            // none: they are not there for a guest.
            if guest_token(state, &parts.headers).is_some() {
                return Err(ApiError::not_found());
            }
            return Err(ApiError::unauthorized());
        };
        let principal = resolve(state, token, via_cookie, false).await?.ok_or_else(ApiError::unauthorized)?;
        if via_cookie {
            check_origin(state, &parts.method, &parts.headers, true)?;
        }
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

// ---------------------------------------------------------------------------------------------
// Guests

/// The guest session cookie's name (see [`cookie_name`] for the prefix).
pub fn guest_cookie_name(state: &AppState) -> &'static str {
    if state.config().https() { "__Host-fp_guest" } else { "fp_guest" }
}

/// A `Set-Cookie` value carrying a guest session token (or removing it with `max_age_secs` 0).
pub fn guest_cookie(state: &AppState, token: &str, max_age_secs: i64) -> String {
    let secure = if state.config().https() { "; Secure" } else { "" };
    format!("{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}", guest_cookie_name(state))
}

/// The guest session token a request carries.
pub fn guest_token<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie_value(headers, guest_cookie_name(state)).filter(|v| !v.is_empty())
}

/// Who is calling a route a guest may also use: a member, or a guest through a share link.
#[derive(Clone, Debug)]
pub enum Caller {
    User(Principal),
    Guest(Box<crate::guests::Guest>),
}

impl Caller {
    /// The member, if the caller is one.
    pub fn user(&self) -> Option<&Principal> {
        match self {
            Caller::User(p) => Some(p),
            Caller::Guest(_) => None,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user().map(|p| p.user_id)
    }

    pub fn name(&self) -> &str {
        match self {
            Caller::User(p) => &p.name,
            Caller::Guest(g) => &g.session.name,
        }
    }

    pub fn guest(&self) -> Option<&crate::guests::Guest> {
        match self {
            Caller::User(_) => None,
            Caller::Guest(g) => Some(g),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if request_token(state, &parts.headers).is_some() {
            return Principal::from_request_parts(parts, state).await.map(Caller::User);
        }
        let Some(token) = guest_token(state, &parts.headers) else {
            return Err(ApiError::unauthorized());
        };
        let guest = crate::guests::resolve(state, token, client_ip(state, parts)).await?;
        check_origin(state, &parts.method, &parts.headers, true)?;
        Ok(Caller::Guest(Box::new(guest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            user_id: UserId(Uuid::from_u128(1)),
            email: String::from("a@example.com"),
            name: String::from("A"),
            credential: Credential::Session(Uuid::from_u128(2)),
        }
    }

    #[test]
    fn a_known_credential_counts_only_under_its_epoch_before_expiry_and_while_young() {
        let k = KnownCredentials::default();
        let key = (true, vec![7u8; 32]);
        k.put(key.clone(), principal(), 1_000, 5);
        assert!(k.get(&key, 5, 999).is_some());
        assert!(k.get(&key, 6, 999).is_none(), "access changed since it was read");
        assert!(k.get(&key, 5, 1_000).is_none(), "the credential expired");
        assert!(k.get(&(false, vec![7u8; 32]), 5, 999).is_none(), "a cookie token is not an API token");
        k.0.put_aged(key.clone(), (principal(), 1_000), 5, REUSE_FOR);
        assert!(k.get(&key, 5, 999).is_none(), "read too long ago");
        k.put(key.clone(), principal(), 1_000, 5);
        k.forget_user(UserId(Uuid::from_u128(2)));
        assert!(k.get(&key, 5, 999).is_some(), "another user forgotten");
        k.forget_user(UserId(Uuid::from_u128(1)));
        assert!(k.get(&key, 5, 999).is_none(), "forgotten");
    }
}
