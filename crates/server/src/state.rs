//! The application state every handler and use case receives.

use std::sync::Arc;

use frameproof_blobs::Blobs;
use frameproof_domain::Timestamp;
use frameproof_media::Tools;
use frameproof_store::Store;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;

/// Shared, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    blobs: Blobs,
    tools: Tools,
    media_key: Vec<u8>,
    keys: crate::keys::Keyring,
    hub: crate::hub::Hub,
    config: Config,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
    /// `scheme://host:port` links are built from (public URL, or the bound address).
    base_url: String,
    /// Set when the server is stopping: long-lived work (event streams) ends.
    stopping: watch::Sender<bool>,
    /// SMTP, when `[mail]` names a host.
    mailer: Option<crate::mail::Mailer>,
    /// Wakes the mail task when something was queued.
    mail_wake: tokio::sync::Notify,
    known_credentials: crate::auth::KnownCredentials,
    known_versions: crate::access::KnownVersions,
}

impl AppState {
    /// The state over an opened store and blob store. Loads (or, on first use, creates) the
    /// media-URL key and the Ed25519 signing keys in the data dir.
    pub fn new(
        store: Store,
        blobs: Blobs,
        config: Config,
        clock: Arc<dyn Clock>,
        base_url: String,
    ) -> std::io::Result<Self> {
        let base_url = config.server.public_url.clone().unwrap_or(base_url).trim_end_matches('/').to_owned();
        let (stopping, _) = watch::channel(false);
        let media = &config.media;
        let tools = Tools::new(media.ffmpeg.clone(), media.ffprobe.clone(), media.concurrency as usize)
            .with_poppler(media.pdftoppm.clone(), media.pdfinfo.clone());
        let media_key = crate::media_urls::load_or_create_key(&config.server.data_dir)?;
        let keys = crate::keys::Keyring::load_or_create(&config.server.data_dir)?;
        let mailer = crate::mail::Mailer::from_config(&config.mail).map_err(std::io::Error::other)?;
        Ok(Self(Arc::new(Inner {
            store,
            blobs,
            tools,
            media_key,
            keys,
            hub: crate::hub::Hub::default(),
            config,
            clock,
            metrics: Metrics::default(),
            base_url,
            stopping,
            mailer,
            mail_wake: tokio::sync::Notify::new(),
            known_credentials: crate::auth::KnownCredentials::default(),
            known_versions: crate::access::KnownVersions::default(),
        })))
    }

    /// The mailer, when mail is set up.
    pub fn mailer(&self) -> Option<&crate::mail::Mailer> {
        self.0.mailer.as_ref()
    }

    /// Tells the mail task that mail was queued.
    pub fn wake_mailer(&self) {
        self.0.mail_wake.notify_one();
    }

    /// Resolves when [`AppState::wake_mailer`] is called.
    pub async fn mail_wakeup(&self) {
        self.0.mail_wake.notified().await;
    }

    /// Recently resolved sign-ins (see [`crate::auth::resolve`]).
    pub fn known_credentials(&self) -> &crate::auth::KnownCredentials {
        &self.0.known_credentials
    }

    /// Versions members reached a moment ago (see [`crate::access::version_recent`]).
    pub fn known_versions(&self) -> &crate::access::KnownVersions {
        &self.0.known_versions
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The key that signs media URLs.
    pub fn media_key(&self) -> &[u8] {
        &self.0.media_key
    }

    /// The Ed25519 keys that sign receipts and audit checkpoints.
    pub fn keys(&self) -> &crate::keys::Keyring {
        &self.0.keys
    }

    /// The live fan-out of events to open streams.
    pub fn hub(&self) -> &crate::hub::Hub {
        &self.0.hub
    }

    /// The media tools (ffmpeg/ffprobe), shared with the in-process job runner.
    pub fn tools(&self) -> &Tools {
        &self.0.tools
    }

    pub fn blobs(&self) -> &Blobs {
        &self.0.blobs
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    /// The clock itself (for the job runner).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.0.clock.clone()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Tells long-lived work to end (the server is stopping).
    pub fn begin_shutdown(&self) {
        self.0.stopping.send_replace(true);
    }

    /// Resolves once the server is stopping.
    pub async fn stopping(&self) {
        let mut rx = self.0.stopping.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// The base of links handed to people (set-up, invitations).
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }
}
