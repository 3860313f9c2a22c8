//! `router.poll`: a router's health (identity, resources, latency) stored on its row and in
//! `router_health_checks`; an online → offline or offline → online change raises one alert.
//! Also the periodic tasks `router.health` and `router.sync`, which fan out one job per
//! enabled router so the work spreads over every worker.

use std::time::{Duration, Instant};

use diesel::{Connection, OptionalExtension};
use domain::router_jobs::{PollRouter, RouterStatusAlert, SyncRouter};
use store::routers::HealthResult;

use super::router_links::RouterLinks;
use crate::job::{JobContext, JobError, JobHandler};
use crate::registry::Registry;
use crate::scheduler::{TaskContext, TaskDef};

/// How often every router is polled and reconciled.
pub const INTERVAL: Duration = Duration::from_secs(300);
/// A health check slower than this counts as the router being offline.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);

/// Handler of [`PollRouter`].
#[derive(Debug, Default)]
pub struct PollRouterHandler;

fn clamp_i32(v: Option<u64>) -> Option<i32> {
    v.map(|v| i32::try_from(v).unwrap_or(i32::MAX))
}

fn clamp_i64(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// Checks one router now and stores what it found. Returns the stored result.
pub async fn check(
    ctx: &JobContext,
    links: &RouterLinks,
    router: &store::models::Router,
) -> Result<HealthResult, JobError> {
    let pool = links.pool_for(router, &ctx.master_key)?;
    let started = Instant::now();
    let res = tokio::time::timeout(HEALTH_TIMEOUT, async {
        match pool.health(&router.id).await {
            // the pool's breaker only says recent attempts failed; a health check must look
            Err(mikrotik::Error::Unavailable { .. }) => probe(router, &ctx.master_key).await,
            other => other,
        }
    })
    .await;
    let elapsed = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let health = match res {
        Ok(Ok((identity, r))) => HealthResult {
            online: true,
            latency_ms: Some(elapsed),
            identity: Some(identity),
            version: Some(r.version),
            board_name: r.board_name,
            uptime_seconds: i64::try_from(r.uptime.as_secs()).ok(),
            cpu_load: clamp_i32(r.cpu_load),
            free_memory: clamp_i64(r.free_memory),
            total_memory: clamp_i64(r.total_memory),
            error: None,
        },
        Ok(Err(e)) => HealthResult {
            error: Some(e.to_string()),
            ..HealthResult::default()
        },
        Err(_) => HealthResult {
            error: Some(format!("no answer within {} s", HEALTH_TIMEOUT.as_secs())),
            ..HealthResult::default()
        },
    };
    let stored = health.clone();
    let (id, name) = (router.id, router.name.clone());
    store::pool::with_conn(&ctx.pool, move |conn| {
        conn.transaction(|conn| {
            let t = store::routers::record_health(conn, id, &stored)?;
            if t.is_alert() {
                let alert = RouterStatusAlert {
                    router_id: id,
                    router_name: name.clone(),
                    online: stored.online,
                    at: chrono::Utc::now().timestamp(),
                    error: stored.error.clone(),
                };
                // the notification row and its job commit with the status change, once
                let inserted = diesel::sql_query(
                    "INSERT INTO notifications (event, payload, dedupe_key) VALUES ($1, $2, $3) \
                     ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind::<diesel::sql_types::Text, _>(if stored.online {
                    "router_online"
                } else {
                    "router_offline"
                })
                .bind::<diesel::sql_types::Jsonb, _>(
                    serde_json::to_value(&alert).unwrap_or_default(),
                )
                .bind::<diesel::sql_types::Text, _>(alert.dedupe_key())
                .execute(conn)?;
                if inserted > 0 {
                    store::outbox::enqueue(conn, &alert)?;
                }
            }
            Ok(())
        })
    })
    .await?;
    Ok(health)
}

use diesel::RunQueryDsl;

/// A health check on a fresh connection, outside the pool.
async fn probe(
    router: &store::models::Router,
    key: &store::crypto::MasterKey,
) -> mikrotik::Result<(String, mikrotik::menus::SystemResource)> {
    let opts = super::router_links::connect_options(router, key)
        .map_err(|e| mikrotik::Error::Protocol(e.to_string()))?;
    let client = mikrotik::Client::connect(opts).await?;
    let (identity, resource) = tokio::join!(client.system_identity(), client.system_resource());
    Ok((identity?, resource?))
}

#[async_trait::async_trait]
impl JobHandler for PollRouterHandler {
    type Job = PollRouter;

    async fn run(&self, job: PollRouter, ctx: &JobContext) -> Result<(), JobError> {
        let id = job.router_id;
        let router =
            store::pool::with_conn(&ctx.pool, move |c| store::routers::get(c, id).optional())
                .await?;
        let Some(router) = router.filter(|r| r.enabled) else {
            return Ok(());
        };
        let links = RouterLinks::shared(&ctx.resources);
        // a router another worker is already polling needs no second look
        let Some(hold) = links.try_hold(&ctx.pool, id, &ctx.worker_id).await? else {
            return Ok(());
        };
        let res = check(ctx, &links, &router).await;
        hold.release().await;
        // offline is a finding, not a failure: it is stored and the next slot looks again,
        // while the router's sync jobs are the ones that wait and retry
        res.map(drop)
    }
}

async fn fan_out_polls(ctx: TaskContext) -> Result<String, JobError> {
    let n = store::pool::with_conn(&ctx.pool, |conn| {
        conn.transaction(|conn| {
            let ids = store::routers::enabled_ids(conn)?;
            for router_id in &ids {
                store::outbox::enqueue(
                    conn,
                    &PollRouter {
                        router_id: *router_id,
                    },
                )?;
            }
            Ok(ids.len())
        })
    })
    .await?;
    Ok(format!("queued health checks of {n} routers"))
}

async fn fan_out_syncs(ctx: TaskContext) -> Result<String, JobError> {
    let n = store::pool::with_conn(&ctx.pool, |conn| {
        conn.transaction(|conn| {
            let ids = store::routers::enabled_ids(conn)?;
            for router_id in &ids {
                store::outbox::enqueue(
                    conn,
                    &SyncRouter {
                        router_id: *router_id,
                        apply: false,
                    },
                )?;
            }
            Ok(ids.len())
        })
    })
    .await?;
    Ok(format!("queued sync checks of {n} routers"))
}

/// The periodic tasks of routers.
pub fn register_tasks(reg: &mut Registry) {
    reg.task(
        TaskDef::new("router.health", INTERVAL, fan_out_polls)
            .description("Queue a health check of every enabled router"),
    );
    reg.task(
        TaskDef::new("router.sync", INTERVAL, fan_out_syncs)
            .description("Queue a sync check of every enabled router: drift is recorded, and repaired per sync mode"),
    );
}
