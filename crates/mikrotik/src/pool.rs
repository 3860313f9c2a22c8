//! One shared session per router, keyed by router id, with a per-router concurrency limit
//! and a circuit breaker so a dead router fails fast instead of stalling its callers.
//!
//! A broken connection is replaced on the next use. After `failure_threshold` consecutive
//! failures the breaker opens for an exponentially growing, jittered delay; when it expires
//! one caller probes the router (half-open) while the others keep failing fast.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::client::{Client, ConnectOptions};
use crate::error::{Error, Result};
use crate::menus::SystemResource;

/// Pool behaviour.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Commands in flight per router (they share one multiplexed connection).
    pub max_in_flight: usize,
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// First open period; doubles on each further failed probe.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Re-run a closure once when it failed because a reused connection had died meanwhile
    /// (the router restarted, a NAT forgot us). The closure may then run twice.
    pub retry_stale: bool,
    /// Most sessions (`get`/`run` calls) started per second on one router; `None` for no
    /// limit. Small routers (hAP lite, old RB750) fall over when polled too eagerly.
    pub max_rate_per_router: Option<u32>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 8,
            failure_threshold: 3,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            retry_stale: true,
            max_rate_per_router: None,
        }
    }
}

/// State of a router's breaker, for health views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed { failures: u32 },
    Open { retry_in: Duration },
    HalfOpen,
}

#[derive(Debug)]
struct Breaker {
    failures: u32,
    opens: u32,
    open_until: Option<Instant>,
    probing: bool,
}

impl Breaker {
    fn state(&self, now: Instant) -> BreakerState {
        match self.open_until {
            Some(t) if t > now => BreakerState::Open { retry_in: t - now },
            Some(_) => BreakerState::HalfOpen,
            None => BreakerState::Closed {
                failures: self.failures,
            },
        }
    }
}

struct Slot {
    opts: ConnectOptions,
    client: tokio::sync::Mutex<Option<Client>>,
    limit: Arc<Semaphore>,
    breaker: Mutex<Breaker>,
    /// Earliest start of the next call under the rate limit.
    next_start: Mutex<Instant>,
}

impl Slot {
    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sessions to many routers. Cheap to clone.
pub struct RouterPool<K> {
    cfg: PoolConfig,
    slots: Arc<RwLock<HashMap<K, Arc<Slot>>>>,
}

impl<K> Clone for RouterPool<K> {
    fn clone(&self) -> Self {
        Self {
            cfg: self.cfg.clone(),
            slots: self.slots.clone(),
        }
    }
}

/// A router's session held with one of its in-flight permits.
pub struct PooledClient {
    client: Client,
    fresh: bool,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for PooledClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl<K: Eq + Hash + Clone + std::fmt::Debug> RouterPool<K> {
    pub fn new(cfg: PoolConfig) -> Self {
        Self {
            cfg,
            slots: Arc::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<K, Arc<Slot>>> {
        self.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn slot(&self, id: &K) -> Result<Arc<Slot>> {
        self.read().get(id).cloned().ok_or(Error::UnknownRouter)
    }

    /// Adds a router or replaces its settings (its current session is closed).
    pub fn upsert(&self, id: K, opts: ConnectOptions) {
        let slot = Arc::new(Slot {
            opts,
            client: tokio::sync::Mutex::new(None),
            limit: Arc::new(Semaphore::new(self.cfg.max_in_flight.max(1))),
            breaker: Mutex::new(Breaker {
                failures: 0,
                opens: 0,
                open_until: None,
                probing: false,
            }),
            next_start: Mutex::new(Instant::now()),
        });
        self.slots
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, slot);
    }

    /// Forgets a router; its session closes once no caller holds it.
    pub fn remove(&self, id: &K) {
        self.slots
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Router ids in the pool.
    pub fn ids(&self) -> Vec<K> {
        self.read().keys().cloned().collect()
    }

    /// The breaker state of a router.
    pub fn breaker_state(&self, id: &K) -> Result<BreakerState> {
        Ok(self.slot(id)?.breaker().state(Instant::now()))
    }

    /// A session with the router, connecting if needed. Fails fast while the breaker is open.
    #[tracing::instrument(skip_all, fields(router = ?id))]
    pub async fn get(&self, id: &K) -> Result<PooledClient> {
        let slot = self.slot(id)?;
        self.admit(&slot)?;
        let permit = match slot.limit.clone().acquire_owned().await {
            Ok(p) => p,
            // The semaphore is never closed; treat it like a vanished router if it were.
            Err(_) => return Err(Error::UnknownRouter),
        };
        if let Some(rate) = self.cfg.max_rate_per_router.filter(|r| *r > 0) {
            let at = {
                let mut next = slot.next_start.lock().unwrap_or_else(|e| e.into_inner());
                let at = (*next).max(Instant::now());
                *next = at + Duration::from_secs(1) / rate;
                at
            };
            tokio::time::sleep_until(at).await;
        }
        let mut guard = slot.client.lock().await;
        // Callers queued behind a connect that just failed must not each retry in turn.
        if let BreakerState::Open { retry_in } = slot.breaker().state(Instant::now()) {
            return Err(Error::Unavailable { retry_in });
        }
        if let Some(c) = guard.as_ref().filter(|c| !c.is_closed()) {
            // A live session admitted while half-open counts as the probe passing.
            slot.breaker().probing = false;
            return Ok(PooledClient {
                client: c.clone(),
                fresh: false,
                _permit: permit,
            });
        }
        *guard = None;
        match Client::connect(slot.opts.clone()).await {
            Ok(c) => {
                *guard = Some(c.clone());
                drop(guard);
                self.record(&slot, true);
                Ok(PooledClient {
                    client: c,
                    fresh: true,
                    _permit: permit,
                })
            }
            Err(e) => {
                drop(guard);
                self.record(&slot, false);
                Err(e)
            }
        }
    }

    /// Runs `f` with the router's session and feeds the outcome to the breaker. Transport
    /// failures (timeouts, lost connections) count against the router; traps do not.
    #[tracing::instrument(skip_all, fields(router = ?id))]
    pub async fn run<T, F, Fut>(&self, id: &K, f: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let slot = self.slot(id)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let pc = self.get(id).await?;
            let fresh = pc.fresh;
            let res = f(pc.client.clone()).await;
            match &res {
                Err(e) if e.is_transport() => {
                    let stale = !fresh && matches!(e, Error::ConnectionLost);
                    if stale && self.cfg.retry_stale && attempt == 1 {
                        tracing::debug!(router = ?id, "reused session was dead; retrying once");
                        continue;
                    }
                    self.record(&slot, false);
                    // Reconnect on the next use: a session that timed out may be wedged.
                    slot.client.lock().await.take();
                }
                _ => self.record(&slot, true),
            }
            return res;
        }
    }

    /// Identity and resources of a router, as a health check.
    pub async fn health(&self, id: &K) -> Result<(String, SystemResource)> {
        self.run(id, |c| async move {
            let (identity, resource) = tokio::join!(c.system_identity(), c.system_resource());
            Ok((identity?, resource?))
        })
        .await
    }

    /// Health of every router, checked concurrently; one dead router costs at most its own
    /// timeouts (or nothing while its breaker is open).
    pub async fn health_all(&self) -> Vec<(K, Result<(String, SystemResource)>)> {
        let ids = self.ids();
        let checks = ids.iter().map(|id| self.health(id));
        ids.iter()
            .cloned()
            .zip(futures::future::join_all(checks).await)
            .collect()
    }

    fn admit(&self, slot: &Slot) -> Result<()> {
        let mut b = slot.breaker();
        match b.state(Instant::now()) {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { retry_in } => Err(Error::Unavailable { retry_in }),
            BreakerState::HalfOpen if b.probing => Err(Error::Unavailable {
                retry_in: Duration::ZERO,
            }),
            BreakerState::HalfOpen => {
                b.probing = true;
                Ok(())
            }
        }
    }

    fn record(&self, slot: &Slot, ok: bool) {
        let mut b = slot.breaker();
        b.probing = false;
        if ok {
            b.failures = 0;
            b.opens = 0;
            b.open_until = None;
            return;
        }
        b.failures += 1;
        let half_open = b.open_until.is_some();
        if half_open || b.failures >= self.cfg.failure_threshold {
            let exp = self
                .cfg
                .base_backoff
                .saturating_mul(2u32.saturating_pow(b.opens.min(16)));
            let backoff = exp.min(self.cfg.max_backoff);
            // ±20 % jitter so routers that failed together are not retried together.
            let jitter = rand::random_range(0.8..1.2);
            b.open_until = Some(Instant::now() + backoff.mul_f64(jitter));
            b.opens += 1;
            tracing::warn!(failures = b.failures, ?backoff, "router circuit opened");
        }
    }
}
