//! `router.sync_profile`: push one profile to the routers that should carry it and remove it
//! from those that should not (deleted, or its locations changed). Only the router objects
//! whose comment names this profile are touched. A router that cannot be reached gets a
//! catch-up job of its own, so the others are not held back by it.

use diesel::Connection;
use domain::profile::{RouterProfile, desired_object, sync_key};
use domain::router_jobs::SyncProfile;
use domain::status::RouterObjectType;
use domain::sync::{Policy, plan_scoped};
use futures::StreamExt;
use store::models::{Profile, Router};

use super::router_links::{RouterLinks, router_error};
use super::router_sync::{apply, read_actual};
use crate::job::{JobContext, JobError, JobHandler};

/// Routers worked on at once by one job.
const FAN_OUT: usize = 32;

/// Handler of [`SyncProfile`].
#[derive(Debug, Default)]
pub struct SyncProfileHandler;

fn desired(p: &Profile) -> Option<domain::sync::DesiredObject> {
    let t = p.profile_type().ok()?;
    Some(desired_object(&RouterProfile {
        id: p.id,
        profile_type: t,
        router_profile: &p.router_profile,
        rate_limit: p.rate_limit.as_deref(),
        shared_users: p.shared_users,
    }))
}

/// Ensures the profile's object on one router: present and equal when `want` is given,
/// absent otherwise.
async fn ensure_on(
    ctx: &JobContext,
    links: &RouterLinks,
    router: &Router,
    profile_id: i64,
    want: Option<domain::sync::DesiredObject>,
) -> Result<(), JobError> {
    let pool = links.pool_for(router, &ctx.master_key)?;
    let key = sync_key(profile_id);
    let kinds = match &want {
        Some(d) => vec![d.kind],
        // a deleted profile's type is unknown: look in both menus
        None => vec![
            RouterObjectType::HotspotProfile,
            RouterObjectType::PppProfile,
        ],
    };
    let res = pool
        .run(&router.id, |client| {
            let (kinds, want, key) = (kinds.clone(), want.clone(), key.clone());
            async move {
                let actual = read_actual(&client, &kinds).await?;
                let desired: Vec<_> = want.into_iter().collect();
                let plan = plan_scoped(&desired, &actual, Policy::Apply, |_, k| k == key);
                for d in &plan.drift {
                    tracing::warn!(object = %d.name, note = ?d.note, "profile cannot be placed on the router");
                }
                apply(&client, &plan.ops).await
            }
        })
        .await;
    let applied = res.map_err(|e| router_error(router.id, &e))?;
    if let Some((_, msg)) = applied.refused.first() {
        return Err(JobError::Retry(format!(
            "router {} refused the profile: {msg}",
            router.id
        )));
    }
    Ok(())
}

/// Rounds of push-and-check before a job gives up chasing a profile edited non-stop.
const MAX_ROUNDS: usize = 5;

/// What a push is computed from: the profile (if it still exists), the enabled routers in
/// scope and those of them that should carry it.
#[derive(Debug, PartialEq)]
struct Loaded {
    profile: Option<Profile>,
    routers: Vec<Router>,
    targets: Vec<i64>,
}

async fn load(ctx: &JobContext, pid: i64, only: Option<i64>) -> Result<Loaded, JobError> {
    let loaded = store::pool::with_conn(&ctx.pool, move |conn| {
        let profile = store::profiles::find(conn, pid)?;
        let routers = match only {
            Some(r) => store::routers::get(conn, r)
                .map(|r| vec![r])
                .or_else(|e| match e {
                    diesel::result::Error::NotFound => Ok(Vec::new()),
                    e => Err(e),
                })?,
            None => store::routers::enabled(conn)?,
        };
        let targets = match &profile {
            Some(_) => store::profiles::target_router_ids(conn, pid)?,
            None => Vec::new(),
        };
        Ok((profile, routers, targets))
    })
    .await?;
    let (profile, mut routers, targets) = loaded;
    routers.retain(|r| r.enabled);
    // health columns change with every poll; only what a push depends on is compared
    for r in &mut routers {
        r.status.clear();
        (
            r.last_seen_at,
            r.last_checked_at,
            r.latency_ms,
            r.uptime_seconds,
            r.cpu_load,
            r.free_memory,
        ) = (None, None, None, None, None, None);
        (r.last_error, r.last_synced_at, r.updated_at) = (None, None, r.created_at);
        (r.identity, r.version, r.board_name, r.total_memory) = (None, None, None, None);
    }
    Ok(Loaded {
        profile,
        routers,
        targets,
    })
}

/// Pushes the profile to every router in scope; returns the routers that failed.
async fn push(
    ctx: &JobContext,
    links: &std::sync::Arc<RouterLinks>,
    pid: i64,
    l: &Loaded,
) -> Vec<(i64, JobError)> {
    let want = l.profile.as_ref().and_then(desired);
    let mut jobs = Vec::new();
    for r in l.routers.iter().cloned() {
        let want = if l.targets.contains(&r.id) {
            want.clone()
        } else {
            None
        };
        let (links, ctx) = (links.clone(), ctx.clone());
        jobs.push(async move {
            let res = ensure_on(&ctx, &links, &r, pid, want).await;
            (r.id, res)
        });
    }
    let results: Vec<(i64, Result<(), JobError>)> = futures::stream::iter(jobs)
        .buffer_unordered(FAN_OUT)
        .collect()
        .await;
    results
        .into_iter()
        .filter_map(|(id, r)| r.err().map(|e| (id, e)))
        .collect()
}

#[async_trait::async_trait]
impl JobHandler for SyncProfileHandler {
    type Job = SyncProfile;

    async fn run(&self, job: SyncProfile, ctx: &JobContext) -> Result<(), JobError> {
        let pid = job.profile_id;
        let only = job.router_id;
        let links = RouterLinks::shared(&ctx.resources);
        // Pushes of one profile may overlap (two quick edits, two workers) and take no lock:
        // after pushing, the job reads the profile again and pushes once more if it changed
        // meanwhile, so the last push always carries the newest state.
        let mut pushed: Option<Loaded> = None;
        let mut failed: Vec<(i64, JobError)> = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let loaded = load(ctx, pid, only).await?;
            if pushed.as_ref() == Some(&loaded) {
                break;
            }
            failed = push(ctx, &links, pid, &loaded).await;
            pushed = Some(loaded);
        }
        if failed.is_empty() {
            return Ok(());
        }
        if only.is_some() {
            return Err(failed
                .into_iter()
                .next()
                .map_or_else(|| JobError::Retry("sync failed".into()), |(_, e)| e));
        }
        // leave one catch-up job per unreachable router and let this one succeed
        for (id, e) in &failed {
            tracing::info!(router_id = id, profile_id = pid, error = %e, "profile push deferred to a catch-up job");
        }
        let ids: Vec<i64> = failed.iter().map(|(id, _)| *id).collect();
        store::pool::with_conn(&ctx.pool, move |conn| {
            conn.transaction(|conn| {
                for router_id in ids {
                    store::outbox::enqueue(
                        conn,
                        &SyncProfile {
                            profile_id: pid,
                            router_id: Some(router_id),
                        },
                    )?;
                }
                Ok(())
            })
        })
        .await?;
        Ok(())
    }
}
