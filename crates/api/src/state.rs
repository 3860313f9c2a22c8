//! Shared, immutable per-process state handed to every handler.

use crate::config::ApiConfig;
use crate::db::DbPool;
use crate::metrics::Metrics;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(pool: DbPool, config: ApiConfig) -> Self {
        Self {
            pool,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
