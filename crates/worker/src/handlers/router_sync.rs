//! `router.sync`: bring one router to the database state. Reads the managed menus, plans
//! with `domain::sync` (desired vs actual) and applies the ensure-operations; differences
//! found by a periodic check are drift, recorded in `router_drift` and repaired only when
//! the router's `sync_mode` or the `drift_mode` setting says `repair`.
//!
//! The engine here (read, plan, apply) is shared by every sync job: profiles today, and the
//! hotspot users and PPP secrets of vouchers and subscriptions through the same kinds.

use std::time::Instant;

use domain::router_jobs::SyncRouter;
use domain::status::{ProfileType, RouterObjectType, SyncMode};
use domain::sync::{ActualObject, Attrs, DesiredObject, Policy, SyncOp, SyncPlan};
use mikrotik::{Client, Command};
use store::models::Router;

use super::router_links::{RouterLinks, router_error};
use crate::job::{JobContext, JobError, JobHandler};

/// The menu of an object kind.
pub fn menu_path(kind: RouterObjectType) -> &'static str {
    match kind {
        RouterObjectType::HotspotUser => "/ip/hotspot/user",
        RouterObjectType::HotspotProfile => "/ip/hotspot/user/profile",
        RouterObjectType::PppSecret => "/ppp/secret",
        RouterObjectType::PppProfile => "/ppp/profile",
    }
}

/// Properties that say nothing about configuration (counters, flags computed by RouterOS).
const VOLATILE: &[&str] = &[
    ".id",
    "bytes-in",
    "bytes-out",
    "packets-in",
    "packets-out",
    "uptime",
    "dynamic",
    "default",
    "last-logged-out",
    "last-caller-id",
];

/// The sync key of a router object: ours when the comment carries a marker.
pub fn key_for(kind: RouterObjectType, attrs: &Attrs, id: &str) -> Option<String> {
    let comment = attrs.get("comment").map(String::as_str);
    match kind {
        RouterObjectType::HotspotProfile | RouterObjectType::PppProfile => {
            domain::profile::key_of_comment(comment, id)
        }
        // vouchers and PPPoE secrets are keyed by their user name, unique per router
        RouterObjectType::HotspotUser | RouterObjectType::PppSecret => {
            domain::router_comment::Marker::of(comment?)?;
            attrs.get("name").cloned()
        }
    }
}

/// Every object of the given kinds, as the router prints them.
pub async fn read_actual(
    client: &Client,
    kinds: &[RouterObjectType],
) -> mikrotik::Result<Vec<ActualObject>> {
    let cmds: Vec<Command> = kinds
        .iter()
        .map(|k| Command::new(format!("{}/print", menu_path(*k))))
        .collect();
    let mut out = Vec::new();
    for (kind, res) in kinds.iter().zip(client.execute_many(&cmds).await) {
        for row in res?.rows {
            let Some(id) = row.id().map(str::to_owned) else {
                continue;
            };
            let attrs: Attrs = row
                .iter()
                .filter(|(k, _)| !VOLATILE.contains(k))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let key = key_for(*kind, &attrs, &id);
            out.push(ActualObject {
                kind: *kind,
                id,
                key,
                attrs,
            });
        }
    }
    Ok(out)
}

fn op_command(op: &SyncOp) -> Command {
    match op {
        SyncOp::Add { kind, attrs, .. } => {
            let mut c = Command::new(format!("{}/add", menu_path(*kind)));
            // an empty value on add means "leave the router's default"
            c.attrs = attrs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            c
        }
        SyncOp::Set {
            kind, id, changes, ..
        } => {
            let mut c = Command::new(format!("{}/set", menu_path(*kind))).attr(".id", id.clone());
            c.attrs
                .extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
            c
        }
        SyncOp::Remove { kind, id, .. } => {
            Command::new(format!("{}/remove", menu_path(*kind))).attr(".id", id.clone())
        }
    }
}

/// What applying a plan did.
#[derive(Debug, Default)]
pub struct Applied {
    pub ok: usize,
    /// Operations the router refused (`!trap`), with its message.
    pub refused: Vec<(String, String)>,
}

/// Applies the operations in order: phases one after the other, renames one by one (each
/// may free the name the next needs), everything else of a phase pipelined.
pub async fn apply(client: &Client, ops: &[SyncOp]) -> mikrotik::Result<Applied> {
    let mut applied = Applied::default();
    let mut i = 0;
    while i < ops.len() {
        let phase = ops[i].phase();
        let end = ops[i..]
            .iter()
            .position(|o| o.phase() != phase)
            .map_or(ops.len(), |n| i + n);
        let (renames, rest): (Vec<&SyncOp>, Vec<&SyncOp>) = ops[i..end].iter().partition(
            |o| matches!(o, SyncOp::Set { changes, .. } if changes.contains_key("name")),
        );
        for op in renames {
            record(&mut applied, op, client.execute(&op_command(op)).await)?;
        }
        let cmds: Vec<Command> = rest.iter().map(|o| op_command(o)).collect();
        for (op, res) in rest.into_iter().zip(client.execute_many(&cmds).await) {
            record(&mut applied, op, res)?;
        }
        i = end;
    }
    Ok(applied)
}

fn record(
    applied: &mut Applied,
    op: &SyncOp,
    res: mikrotik::Result<mikrotik::Response>,
) -> mikrotik::Result<()> {
    match res {
        Ok(_) => applied.ok += 1,
        Err(e) if !e.is_transport() => applied.refused.push((op.key().to_owned(), e.to_string())),
        // a transport failure ends the run: the rest would fail the same way
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The kinds a router sync covers and the objects billing wants there.
pub fn desired_for_router(
    conn: &mut diesel::PgConnection,
    router: &Router,
) -> diesel::QueryResult<(Vec<RouterObjectType>, Vec<DesiredObject>)> {
    let profiles = store::profiles::for_location(conn, router.location_id)?;
    let desired = profiles
        .iter()
        .filter_map(|p| {
            let t: ProfileType = p.profile_type().ok()?;
            Some(domain::profile::desired_object(
                &domain::profile::RouterProfile {
                    id: p.id,
                    profile_type: t,
                    router_profile: &p.router_profile,
                    rate_limit: p.rate_limit.as_deref(),
                    shared_users: p.shared_users,
                },
            ))
        })
        .collect();
    Ok((
        vec![
            RouterObjectType::HotspotProfile,
            RouterObjectType::PppProfile,
        ],
        desired,
    ))
}

/// Drift rows of a plan, in the store's shape.
pub fn drift_rows(plan: &SyncPlan) -> Vec<store::drift::NewDrift> {
    let json = |a: &Option<Attrs>| a.as_ref().and_then(|a| serde_json::to_value(a).ok());
    plan.drift
        .iter()
        .map(|d| {
            let mut actual = json(&d.actual);
            if let Some(note) = &d.note {
                let obj = actual.get_or_insert_with(|| serde_json::json!({}));
                if let Some(map) = obj.as_object_mut() {
                    map.insert("_note".into(), serde_json::Value::String(note.clone()));
                }
            }
            store::drift::NewDrift {
                object_type: d.kind.as_str().to_owned(),
                object_name: d.name.clone(),
                drift_kind: d.drift.as_str().to_owned(),
                expected: json(&d.expected),
                actual,
                repaired: d.repaired,
            }
        })
        .collect()
}

/// Whether drift on this router is repaired: its own `sync_mode` or the global setting.
fn repair_mode(conn: &mut diesel::PgConnection, router: &Router) -> diesel::QueryResult<bool> {
    if router.sync_mode() == Ok(SyncMode::Repair) {
        return Ok(true);
    }
    use diesel::prelude::*;
    use store::schema::settings;
    let global: Option<serde_json::Value> = settings::table
        .find("drift_mode")
        .select(settings::value)
        .first(conn)
        .optional()?;
    Ok(global.is_some_and(|v| v.as_str() == Some(SyncMode::Repair.as_str())))
}

/// Outcome of one router sync, for logs and benchmarks.
#[derive(Debug, Default)]
pub struct SyncSummary {
    pub objects: usize,
    pub in_sync: usize,
    pub ops: usize,
    pub drift: usize,
    pub refused: usize,
}

/// Syncs one router end to end. The caller holds the router.
pub async fn sync_router(
    ctx_pool: &store::pool::DbPool,
    links: &RouterLinks,
    key: &store::crypto::MasterKey,
    router_id: i64,
    apply_all: bool,
) -> Result<SyncSummary, JobError> {
    let loaded = store::pool::with_conn(ctx_pool, move |conn| {
        let router = store::routers::get(conn, router_id).optional()?;
        let Some(router) = router else {
            return Ok(None);
        };
        let repair = repair_mode(conn, &router)?;
        let (kinds, desired) = desired_for_router(conn, &router)?;
        Ok(Some((router, repair, kinds, desired)))
    })
    .await?;
    let Some((router, repair, kinds, mut desired)) = loaded else {
        return Ok(SyncSummary::default());
    };
    if !router.enabled {
        return Ok(SyncSummary::default());
    }
    let pool = links.pool_for(&router, key)?;
    let policy = if apply_all {
        Policy::Apply
    } else {
        Policy::Reconcile { repair }
    };
    let writes = apply_all || repair;
    let started = Instant::now();
    let type_names: Vec<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut round = 0;
    let (plan, applied, objects) = loop {
        round += 1;
        let (plan, applied, objects) = pool
            .run(&router_id, |client| {
                let (kinds, desired) = (kinds.clone(), &desired);
                async move {
                    let actual = read_actual(&client, &kinds).await?;
                    let plan = domain::sync::plan(desired, &actual, policy);
                    let applied = apply(&client, &plan.ops).await?;
                    Ok((plan, applied, actual.len()))
                }
            })
            .await
            .map_err(|e| router_error(router_id, &e))?;
        // Profile pushes do not wait for a sync: if billing changed while this sync wrote
        // older values, run again with the new state instead of leaving them behind.
        let rows = drift_rows(&plan);
        let (names, seen, last) = (type_names.clone(), desired.clone(), !writes || round >= 3);
        let r = router.clone();
        let changed = store::pool::with_conn(ctx_pool, move |conn| {
            conn.transaction(|conn| {
                let (_, now) = desired_for_router(conn, &r)?;
                if now != seen && !last {
                    return Ok(Some(now));
                }
                store::drift::record(conn, router_id, &names, &rows)?;
                store::routers::mark_synced(conn, router_id)?;
                Ok(None)
            })
        })
        .await?;
        match changed {
            Some(now) => desired = now,
            None => break (plan, applied, objects),
        }
    };
    for (key, msg) in &applied.refused {
        tracing::warn!(router_id, object = %key, error = %msg, "router refused a sync operation");
    }
    tracing::info!(
        router_id,
        objects,
        ops = plan.ops.len(),
        drift = plan.drift.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "router synced"
    );
    let summary = SyncSummary {
        objects,
        in_sync: plan.in_sync,
        ops: plan.ops.len(),
        drift: plan.drift.len(),
        refused: applied.refused.len(),
    };
    if !applied.refused.is_empty() {
        return Err(JobError::Retry(format!(
            "router {router_id} refused {} operation(s): {}",
            applied.refused.len(),
            applied.refused[0].1
        )));
    }
    Ok(summary)
}

use diesel::{Connection, OptionalExtension};

/// Handler of [`SyncRouter`].
#[derive(Debug, Default)]
pub struct SyncRouterHandler;

#[async_trait::async_trait]
impl JobHandler for SyncRouterHandler {
    type Job = SyncRouter;

    async fn run(&self, job: SyncRouter, ctx: &JobContext) -> Result<(), JobError> {
        let links = RouterLinks::shared(&ctx.resources);
        let holder = format!("{}", ctx.worker_id);
        let hold = links.hold(&ctx.pool, job.router_id, &holder).await?;
        let res = sync_router(&ctx.pool, &links, &ctx.master_key, job.router_id, job.apply).await;
        hold.release().await;
        res.map(drop)
    }
}
