//! Shared, immutable per-process state handed to every handler.

use crate::auth::jwt::JwtKeys;
use crate::auth::revocation::RevocationCache;
use crate::config::ApiConfig;
use crate::db::DbPool;
use crate::metrics::Metrics;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
    /// Access-token keys, precomputed from `config`.
    pub jwt: Arc<JwtKeys>,
    /// Revoked session families, refreshed from the database (see `auth::revocation`).
    pub revocations: Arc<RevocationCache>,
    /// `MIKROBILL_MASTER_KEY` for secrets at rest; `None` makes secret writes answer 503.
    pub master_key: Option<store::crypto::MasterKey>,
}

impl AppState {
    pub fn new(pool: DbPool, config: ApiConfig) -> Self {
        Self {
            pool,
            jwt: Arc::new(JwtKeys::from_config(&config)),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            revocations: Arc::new(RevocationCache::default()),
            master_key: None,
        }
    }

    pub fn with_master_key(mut self, key: store::crypto::MasterKey) -> Self {
        self.master_key = Some(key);
        self
    }
}
