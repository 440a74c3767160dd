//! The effective configuration: compiled defaults, then `frameproof.toml`, then
//! `FRAMEPROOF__SECTION__KEY` environment variables (loading lives in the CLI). Every key is
//! listed in `docs/configuration.md`; unknown keys are refused.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub limits: LimitsConfig,
    pub media: MediaConfig,
    pub mail: MailConfig,
}

/// `[server]`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where the database, media and keys live.
    pub data_dir: PathBuf,
    /// The URL people reach the server at (links in set-up, invites and mail). When unset,
    /// `http://<listen address>` is used. An `https://` URL makes session cookies `Secure`.
    pub public_url: Option<String>,
    /// When set, `/metrics` answers anyone presenting `Authorization: Bearer <token>`;
    /// otherwise it answers loopback clients only.
    pub metrics_token: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Serve the web app from this folder instead of the copy built into the binary (debug
    /// builds default to the source tree's `web/dist`).
    pub web_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            public_url: None,
            metrics_token: None,
            trust_forwarded_for: false,
            web_dir: None,
        }
    }
}

/// `[limits]`: quotas, sizes, rate limits and lifetimes. Tests tune these.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Storage quota of a new workspace, in bytes (100 GiB).
    pub default_quota_bytes: i64,
    /// Largest JSON request body, in bytes.
    pub json_body_max_bytes: usize,
    /// Longest page a list returns.
    pub max_page_size: u32,
    /// A browser session lasts this long after its last use.
    pub session_idle_hours: i64,
    /// An invitation link stays valid this long.
    pub invite_lifetime_hours: i64,
    /// Soft-deleted projects, folders and assets can be restored for this many days.
    pub trash_retention_days: i64,
    /// The orphan sweep leaves media changed more recently than this alone (a file may be
    /// written a moment before the row naming it commits).
    pub orphan_grace_secs: i64,
    /// How often the workflow clock looks at stage runs past due (overdue, backups, deemed
    /// approvals); 0 turns it off (tests drive it by hand).
    pub workflow_clock_secs: i64,
    /// Failed sign-ins for one account from one client address (or one known device) within the
    /// window before that address is refused for the account (429), even the right password;
    /// repeated bursts back off exponentially.
    pub login_failures_per_account_and_ip: i64,
    /// Failed sign-ins for one account within the window, from anywhere, past which sign-in
    /// to it is slowed, not refused: one try per `login_slow_interval_secs` from addresses and
    /// browsers it has not signed in from; known devices go on as before.
    pub login_failures_per_account: i64,
    /// Once an account is past its ceiling, at most one try from an unknown device this often.
    pub login_slow_interval_secs: i64,
    /// Failed sign-ins counted per client address (all accounts) within the window before that
    /// address is refused (429); repeated bursts back off exponentially.
    pub login_failures_per_ip: i64,
    /// The window for counting failed sign-ins, in seconds.
    pub login_failure_window_secs: i64,
    /// The largest file one upload may carry, in bytes (advertised as `Tus-Max-Size`).
    pub max_upload_bytes: i64,
    /// An unfinished upload is kept this long after its last byte arrived, then deleted.
    pub upload_expiry_hours: i64,
    /// Signed media URLs (proxies, stills) work this long, in seconds (at most 300).
    pub media_url_lifetime_secs: i64,
    /// Wrong share-link passwords counted per link and per client address within the window
    /// before even the right one is refused (429); repeated bursts back off exponentially.
    pub share_password_attempts: i64,
    /// The window for counting wrong share-link passwords, in seconds.
    pub share_password_window_secs: i64,
    /// A guest session lasts this long (its link's expiry and revocation apply on every request).
    pub guest_session_hours: i64,
    /// At most one mention digest per person this often, in seconds.
    pub mention_digest_secs: i64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            default_quota_bytes: frameproof_domain::quota::DEFAULT_QUOTA_BYTES,
            json_body_max_bytes: 1024 * 1024,
            max_page_size: 200,
            session_idle_hours: 24 * 14,
            invite_lifetime_hours: 24 * 7,
            trash_retention_days: 30,
            orphan_grace_secs: 3600,
            workflow_clock_secs: 60,
            login_failures_per_account_and_ip: 5,
            login_failures_per_account: 20,
            login_slow_interval_secs: 10,
            login_failures_per_ip: 50,
            login_failure_window_secs: 15 * 60,
            max_upload_bytes: 256 * 1024 * 1024 * 1024,
            upload_expiry_hours: 24 * 7,
            media_url_lifetime_secs: 300,
            share_password_attempts: 5,
            share_password_window_secs: 60,
            guest_session_hours: 24 * 30,
            mention_digest_secs: 300,
        }
    }
}

/// `[media]`: the external tools (used by the media pipeline).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// How many media jobs run at once.
    pub concurrency: u32,
    /// poppler's PDF renderer and reader (PDF versions get page images).
    pub pdftoppm: PathBuf,
    pub pdfinfo: PathBuf,
    /// A running job's lease: when its worker stops heartbeating for this long (a crash), the
    /// job goes back to the queue for another worker.
    pub job_lease_secs: u32,
    /// The most bytes cached frame stills (made on request for comments, reports and the
    /// player) may take together; the least recently used go first past it.
    pub still_cache_bytes: i64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
            pdftoppm: PathBuf::from("pdftoppm"),
            pdfinfo: PathBuf::from("pdfinfo"),
            concurrency: 1,
            job_lease_secs: 30,
            still_cache_bytes: 1 << 30,
        }
    }
}

/// How the mailer talks to its SMTP server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    None,
    #[default]
    Starttls,
    Tls,
}

/// `[mail]`: SMTP for invitations, share links and notifications. Unset `host` = no mail.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: MailTls,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
}

impl Config {
    /// The configuration with secrets replaced by `"<redacted>"`, for printing.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        let hide = |v: &mut Option<String>| {
            if v.is_some() {
                *v = Some(String::from("<redacted>"));
            }
        };
        hide(&mut c.server.metrics_token);
        hide(&mut c.mail.password);
        c
    }

    /// Checks values serde cannot: URLs, positive limits.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!("server.public_url must start with http:// or https://, got {url:?}"));
        }
        let l = &self.limits;
        let positive = [
            ("limits.default_quota_bytes", l.default_quota_bytes),
            ("limits.session_idle_hours", l.session_idle_hours),
            ("limits.invite_lifetime_hours", l.invite_lifetime_hours),
            ("limits.trash_retention_days", l.trash_retention_days),
            ("limits.login_failures_per_account_and_ip", l.login_failures_per_account_and_ip),
            ("limits.login_failures_per_account", l.login_failures_per_account),
            ("limits.login_slow_interval_secs", l.login_slow_interval_secs),
            ("limits.login_failures_per_ip", l.login_failures_per_ip),
            ("limits.login_failure_window_secs", l.login_failure_window_secs),
            ("limits.max_upload_bytes", l.max_upload_bytes),
            ("limits.upload_expiry_hours", l.upload_expiry_hours),
            ("limits.media_url_lifetime_secs", l.media_url_lifetime_secs),
            ("limits.share_password_attempts", l.share_password_attempts),
            ("limits.share_password_window_secs", l.share_password_window_secs),
            ("limits.guest_session_hours", l.guest_session_hours),
            ("limits.mention_digest_secs", l.mention_digest_secs),
        ];
        for (key, v) in positive {
            if v <= 0 {
                return Err(format!("{key} must be positive, got {v}"));
            }
        }
        if l.workflow_clock_secs < 0 {
            return Err(format!("limits.workflow_clock_secs must be zero or more, got {}", l.workflow_clock_secs));
        }
        if l.orphan_grace_secs < 0 {
            return Err(format!("limits.orphan_grace_secs must be zero or more, got {}", l.orphan_grace_secs));
        }
        if l.media_url_lifetime_secs > 300 {
            return Err(format!(
                "limits.media_url_lifetime_secs must be at most 300, got {}",
                l.media_url_lifetime_secs
            ));
        }
        if self.media.still_cache_bytes <= 0 {
            return Err(format!("media.still_cache_bytes must be positive, got {}", self.media.still_cache_bytes));
        }
        if self.media.job_lease_secs < 2 {
            return Err(String::from("media.job_lease_secs must be at least 2"));
        }
        if l.max_page_size == 0 || l.json_body_max_bytes == 0 || self.media.concurrency == 0 {
            return Err(String::from(
                "limits.max_page_size, limits.json_body_max_bytes and media.concurrency must be positive",
            ));
        }
        Ok(())
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    pub fn https(&self) -> bool {
        self.server.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}
