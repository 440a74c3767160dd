//! The application state every handler and use case receives.

use std::sync::Arc;

use frameproof_domain::Timestamp;
use frameproof_store::Store;

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;

/// Shared, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    config: Config,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
    /// `scheme://host:port` links are built from (public URL, or the bound address).
    base_url: String,
}

impl AppState {
    pub fn new(store: Store, config: Config, clock: Arc<dyn Clock>, base_url: String) -> Self {
        let base_url = config.server.public_url.clone().unwrap_or(base_url).trim_end_matches('/').to_owned();
        Self(Arc::new(Inner { store, config, clock, metrics: Metrics::default(), base_url }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The base of links handed to people (set-up, invitations).
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }
}
