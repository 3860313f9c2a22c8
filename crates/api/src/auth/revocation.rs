//! Per-process cache of revoked session families, refreshed from PostgreSQL every
//! [`REFRESH_EVERY`], so authenticating a request costs no database round trip.
//!
//! Why a cache rather than "access tokens of a revoked session live until expiry": logout,
//! `DELETE /auth/sessions/{id}`, disabling an admin or changing their role must take effect
//! within seconds, not 15 minutes, and the feed is tiny (only families revoked within the
//! last access-token lifetime can still have live tokens). Across replicas a revocation is
//! effective within one refresh period; on the replica that revoked it, immediately. When the
//! cache is stale (never loaded, or the database was unreachable for several periods) the
//! extractor falls back to asking the database, so it never fails open.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use crate::db::DbPool;

/// How often every process reloads the revoked families.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// After this long without a successful reload the cache is not trusted.
const STALE_AFTER_MS: i64 = 10_000;

#[derive(Debug, Default)]
pub struct RevocationCache {
    revoked: RwLock<HashSet<Uuid>>,
    /// Unix milliseconds of the last successful load; 0 = never.
    loaded_at_ms: AtomicI64,
}

/// What the cache knows about a session family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Live,
    Revoked,
    /// The cache is stale: ask the database.
    Unknown,
}

impl RevocationCache {
    pub fn check(&self, family: Uuid) -> Verdict {
        let revoked = self
            .revoked
            .read()
            .map(|set| set.contains(&family))
            .unwrap_or(false);
        if revoked {
            return Verdict::Revoked;
        }
        let loaded = self.loaded_at_ms.load(Ordering::Relaxed);
        if loaded == 0 || Utc::now().timestamp_millis() - loaded > STALE_AFTER_MS {
            Verdict::Unknown
        } else {
            Verdict::Live
        }
    }

    /// Records a revocation made by this process, effective before the next reload.
    pub fn insert(&self, families: impl IntoIterator<Item = Uuid>) {
        if let Ok(mut set) = self.revoked.write() {
            set.extend(families);
        }
    }

    fn replace(&self, families: HashSet<Uuid>) {
        if let Ok(mut set) = self.revoked.write() {
            // a reload that raced a local insert drops it until the next reload, which
            // sees the committed revocation: at most one period of lag, as on other replicas
            *set = families;
        }
        self.loaded_at_ms
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Loads once now and then every [`REFRESH_EVERY`] on the current tokio runtime, until
    /// the cache is dropped.
    pub fn spawn_refresher(self: &Arc<Self>, pool: DbPool, access_ttl_secs: i64) {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(cache) = weak.upgrade() else { break };
                // tokens older than their TTL (plus JWT leeway) are dead anyway
                let since = Utc::now() - chrono::Duration::seconds(access_ttl_secs + 60);
                match store::pool::with_conn(&pool, move |conn| {
                    store::admin_sessions::revoked_families_since(conn, since)
                })
                .await
                {
                    Ok(families) => cache.replace(families.into_iter().collect()),
                    Err(e) => tracing::warn!(error = %e, "reloading revoked sessions failed"),
                }
            }
        });
    }
}
