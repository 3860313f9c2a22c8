//! Connections from a worker to its routers: one shared [`RouterPool`] keyed by router id,
//! kept in step with the router rows it was built from, plus a per-router lock so the jobs
//! of one process never work on the same router at once (the `router_leases` row does the
//! same across processes).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mikrotik::{ConnectOptions, PoolConfig, RouterPool, TlsOptions};
use store::crypto::MasterKey;
use store::models::Router;

use crate::job::JobError;
use crate::resources::Resources;

/// How long a worker may hold a router before another worker may take it over.
pub const LEASE_TTL: Duration = Duration::from_secs(120);
/// How long a job waits for another worker's lease on its router before retrying later.
const LEASE_WAIT: Duration = Duration::from_secs(5);

/// Why a router row cannot be turned into connection settings.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the router password cannot be decrypted with this master key")]
    Password,
    #[error("router {0} uses TLS but has no certificate fingerprint to pin")]
    NoFingerprint(i64),
    #[error("router {id}: {reason}")]
    Settings { id: i64, reason: String },
}

impl From<LinkError> for JobError {
    fn from(e: LinkError) -> Self {
        // retrying cannot fix the router's settings; the operator has to
        JobError::Permanent(e.to_string())
    }
}

/// Connection settings for a router row, with the password decrypted.
pub fn connect_options(router: &Router, key: &MasterKey) -> Result<ConnectOptions, LinkError> {
    let password =
        store::crypto::decrypt(key, &router.password_enc).map_err(|_| LinkError::Password)?;
    let password = String::from_utf8(password).map_err(|_| LinkError::Password)?;
    let port = u16::try_from(router.api_port).map_err(|_| LinkError::Settings {
        id: router.id,
        reason: format!("port {} is out of range", router.api_port),
    })?;
    let mut opts = ConnectOptions::new(router.host.clone(), router.username.clone(), password)
        .port(port)
        .timeouts(
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(60),
        );
    if router.use_tls {
        let pin = router
            .tls_fingerprint
            .as_deref()
            .ok_or(LinkError::NoFingerprint(router.id))?;
        let tls = TlsOptions::pinned(pin).map_err(|e| LinkError::Settings {
            id: router.id,
            reason: e.to_string(),
        })?;
        opts = opts.tls(tls).port(port);
    }
    Ok(opts)
}

/// The worker's routers: sessions, their settings fingerprints and per-router locks.
pub struct RouterLinks {
    pool: RouterPool<i64>,
    seen: Mutex<HashMap<i64, u64>>,
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for RouterLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterLinks")
            .field("routers", &self.pool.ids().len())
            .finish()
    }
}

impl RouterLinks {
    pub fn new(cfg: PoolConfig) -> Self {
        Self {
            pool: RouterPool::new(cfg),
            seen: Mutex::default(),
            locks: Mutex::default(),
        }
    }

    /// The process-wide instance (insert one into the resources first to tune it).
    pub fn shared(resources: &Resources) -> Arc<RouterLinks> {
        resources.get_or_init(|| RouterLinks::new(PoolConfig::default()))
    }

    /// The pool with this router registered under its current settings.
    pub fn pool_for(
        &self,
        router: &Router,
        key: &MasterKey,
    ) -> Result<&RouterPool<i64>, LinkError> {
        let mut h = DefaultHasher::new();
        (
            &router.host,
            router.api_port,
            router.use_tls,
            &router.tls_fingerprint,
            &router.username,
            &router.password_enc,
        )
            .hash(&mut h);
        let fp = h.finish();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.get(&router.id) != Some(&fp) {
            // new or changed settings: a fresh slot (and session) for this router
            self.pool.upsert(router.id, connect_options(router, key)?);
            seen.insert(router.id, fp);
        }
        Ok(&self.pool)
    }

    /// Holds the router for this process and, through `router_leases`, across workers.
    pub async fn hold(
        &self,
        db: &store::pool::DbPool,
        router_id: i64,
        holder: &str,
    ) -> Result<RouterHold, JobError> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(router_id)
            .or_default()
            .clone();
        let guard = lock.lock_owned().await;
        let deadline = tokio::time::Instant::now() + LEASE_WAIT;
        loop {
            let holder_owned = holder.to_owned();
            let got = store::pool::with_conn(db, move |c| {
                store::leases::try_acquire(c, router_id, &holder_owned, LEASE_TTL)
            })
            .await?;
            if got {
                return Ok(RouterHold {
                    _guard: guard,
                    db: db.clone(),
                    router_id,
                    holder: holder.to_owned(),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(JobError::Retry(format!(
                    "router {router_id} is held by another worker"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Holds the router only if nobody else does right now (polling skips busy routers).
    pub async fn try_hold(
        &self,
        db: &store::pool::DbPool,
        router_id: i64,
        holder: &str,
    ) -> Result<Option<RouterHold>, JobError> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(router_id)
            .or_default()
            .clone();
        let Ok(guard) = lock.try_lock_owned() else {
            return Ok(None);
        };
        let holder_owned = holder.to_owned();
        let got = store::pool::with_conn(db, move |c| {
            store::leases::try_acquire(c, router_id, &holder_owned, LEASE_TTL)
        })
        .await?;
        Ok(got.then(|| RouterHold {
            _guard: guard,
            db: db.clone(),
            router_id,
            holder: holder.to_owned(),
        }))
    }
}

/// A router held by this job; release it with [`RouterHold::release`] (an abandoned hold
/// expires after [`LEASE_TTL`]).
pub struct RouterHold {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    db: store::pool::DbPool,
    router_id: i64,
    holder: String,
}

impl RouterHold {
    pub async fn release(self) {
        let (id, holder) = (self.router_id, self.holder.clone());
        if let Err(e) =
            store::pool::with_conn(&self.db, move |c| store::leases::release(c, id, &holder)).await
        {
            tracing::warn!(router_id = id, error = %e, "router lease not released; it expires by itself");
        }
    }
}

/// A driver failure as a job outcome: an unreachable router is worth retrying later.
pub fn router_error(router_id: i64, e: &mikrotik::Error) -> JobError {
    JobError::Retry(format!("router {router_id}: {e}"))
}
