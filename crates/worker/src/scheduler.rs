//! Periodic tasks: each has a name and an interval (plus an optional offset); time is cut
//! into slots `floor((now - offset) / interval)` and each slot runs once across any number
//! of workers, because running it starts with an `INSERT … ON CONFLICT DO NOTHING` into
//! `scheduler_runs` (unique on task + slot). Results land in `scheduler_tasks`.
//! A worker that was down for several slots runs only the current one: no catch-up storms.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use store::crypto::MasterKey;
use store::pool::DbPool;
use store::scheduler::{NewSchedulerTask, SlotClaim};
use tokio_util::sync::CancellationToken;

use crate::job::JobError;
use crate::registry::Registry;
use crate::resources::Resources;

type TaskFn =
    Arc<dyn Fn(TaskContext) -> BoxFuture<'static, Result<String, JobError>> + Send + Sync>;

/// A periodic task definition.
#[derive(Clone)]
pub struct TaskDef {
    pub name: &'static str,
    /// Default interval; the `scheduler_tasks` row, once created, is authoritative.
    pub interval: Duration,
    /// Slots start at epoch + offset + k × interval (e.g. 02:00 UTC = 09:00 Asia/Jakarta).
    pub offset: Duration,
    pub description: Option<&'static str>,
    run: TaskFn,
}

impl std::fmt::Debug for TaskDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskDef")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl TaskDef {
    pub fn new<F, Fut>(name: &'static str, interval: Duration, run: F) -> Self
    where
        F: Fn(TaskContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, JobError>> + Send + 'static,
    {
        Self {
            name,
            interval,
            offset: Duration::ZERO,
            description: None,
            run: Arc::new(move |ctx| run(ctx).boxed()),
        }
    }

    pub fn offset(mut self, offset: Duration) -> Self {
        self.offset = offset;
        self
    }

    pub fn description(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }
}

/// Registers a periodic task (same as [`Registry::register_task`]).
pub fn register_task<F, Fut>(reg: &mut Registry, name: &'static str, interval: Duration, run: F)
where
    F: Fn(TaskContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, JobError>> + Send + 'static,
{
    reg.register_task(name, interval, run);
}

/// What a task run gets.
#[derive(Clone)]
pub struct TaskContext {
    pub task: &'static str,
    /// The slot being run (`floor((now - offset) / interval)`).
    pub slot: i64,
    pub pool: DbPool,
    pub master_key: Arc<MasterKey>,
    pub resources: Arc<Resources>,
    pub worker_id: Arc<str>,
}

impl std::fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("task", &self.task)
            .field("slot", &self.slot)
            .field("worker_id", &self.worker_id)
            .finish_non_exhaustive()
    }
}

/// The slot of `now_ms` (milliseconds since the epoch) for a task.
pub fn slot_of(now_ms: i64, interval: Duration, offset: Duration) -> i64 {
    let interval_ms = i64::try_from(interval.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let offset_ms = i64::try_from(offset.as_millis()).unwrap_or(0);
    (now_ms - offset_ms).div_euclid(interval_ms)
}

/// Settings of the scheduler loop.
#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// How often the loop looks for due slots.
    pub tick: Duration,
    /// Upper bound of how long a run still marked `running` blocks later slots (its worker
    /// may have crashed); per task it is two intervals, at least 10 minutes.
    pub stale_after: Duration,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(1),
            stale_after: Duration::from_secs(3600),
        }
    }
}

/// Resources the tasks run with.
#[derive(Clone)]
pub struct SchedulerDeps {
    pub pool: DbPool,
    pub master_key: Arc<MasterKey>,
    pub resources: Arc<Resources>,
    pub worker_id: Arc<str>,
}

/// Runs `tasks` until `shutdown` fires, then waits for the runs in progress.
pub async fn run(
    deps: SchedulerDeps,
    tasks: Vec<TaskDef>,
    settings: SchedulerSettings,
    shutdown: CancellationToken,
) {
    if tasks.is_empty() {
        return;
    }
    let defs: Vec<(String, i32, i32, Option<String>)> = tasks
        .iter()
        .map(|t| {
            (
                t.name.to_owned(),
                i32::try_from(t.interval.as_secs().max(1)).unwrap_or(i32::MAX),
                i32::try_from(t.offset.as_secs()).unwrap_or(0),
                t.description.map(str::to_owned),
            )
        })
        .collect();
    // register the rows (retrying while the database is unreachable)
    loop {
        let defs = defs.clone();
        let registered = store::pool::with_conn(&deps.pool, move |conn| {
            for (name, interval_seconds, offset_seconds, description) in &defs {
                store::scheduler::ensure_task(
                    conn,
                    &NewSchedulerTask {
                        name,
                        interval_seconds: *interval_seconds,
                        offset_seconds: *offset_seconds,
                        description: description.as_deref(),
                    },
                )?;
            }
            Ok(())
        })
        .await;
        match registered {
            Ok(()) => break,
            Err(e) => tracing::warn!(error = %e, "cannot register scheduler tasks; retrying"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(settings.tick.max(Duration::from_secs(1))) => {}
        }
    }
    let by_name: HashMap<&'static str, TaskDef> = tasks.into_iter().map(|t| (t.name, t)).collect();
    let names: Vec<String> = by_name.keys().map(|n| (*n).to_owned()).collect();
    let mut last_claimed: HashMap<&'static str, i64> = HashMap::new();
    let mut running = tokio::task::JoinSet::new();
    let mut ticker = tokio::time::interval(settings.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
        }
        while running.try_join_next().is_some() {}
        let names = names.clone();
        let rows = match store::pool::with_conn(&deps.pool, move |conn| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            store::scheduler::load_tasks(conn, &names)
        })
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler cannot read its tasks");
                continue;
            }
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        for row in rows.into_iter().filter(|r| r.enabled) {
            let Some((&name, def)) = by_name.get_key_value(row.name.as_str()) else {
                continue;
            };
            let interval =
                Duration::from_secs(u64::try_from(row.interval_seconds).unwrap_or(1).max(1));
            let offset = Duration::from_secs(u64::try_from(row.offset_seconds).unwrap_or(0));
            let slot = slot_of(now_ms, interval, offset);
            if last_claimed.get(name).is_some_and(|&s| s >= slot) {
                continue;
            }
            let holder = deps.worker_id.clone();
            // a run left 'running' by a crashed worker blocks later slots only for a while:
            // two intervals (at least 10 min, at most `stale_after`)
            let stale = (interval * 2)
                .max(Duration::from_secs(600))
                .min(settings.stale_after);
            let claim = store::pool::with_conn(&deps.pool, move |conn| {
                conn.build_transaction()
                    .run(|conn| store::scheduler::claim_slot(conn, name, slot, &holder, stale))
            })
            .await;
            match claim {
                Ok(SlotClaim::Run(run_id)) => {
                    last_claimed.insert(name, slot);
                    let ctx = TaskContext {
                        task: name,
                        slot,
                        pool: deps.pool.clone(),
                        master_key: deps.master_key.clone(),
                        resources: deps.resources.clone(),
                        worker_id: deps.worker_id.clone(),
                    };
                    running.spawn(execute(def.run.clone(), ctx, run_id));
                }
                Ok(SlotClaim::Skipped) => {
                    last_claimed.insert(name, slot);
                    tracing::info!(
                        task = name,
                        slot,
                        "slot skipped: the previous run is still going"
                    );
                }
                Ok(SlotClaim::Taken) => {
                    last_claimed.insert(name, slot);
                }
                Err(e) => tracing::warn!(task = name, error = %e, "cannot claim scheduler slot"),
            }
        }
    }
    while running.join_next().await.is_some() {}
}

#[tracing::instrument(skip_all, fields(task = ctx.task, slot = ctx.slot))]
async fn execute(run: TaskFn, ctx: TaskContext, run_id: i64) {
    let pool = ctx.pool.clone();
    let task = ctx.task;
    let started = Instant::now();
    let outcome = match std::panic::AssertUnwindSafe(run(ctx)).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(JobError::Permanent(format!(
            "task panicked: {}",
            crate::exec::panic_message(&*panic)
        ))),
    };
    let elapsed = started.elapsed();
    match &outcome {
        Ok(summary) => tracing::info!(ms = elapsed.as_millis() as u64, summary, "task finished"),
        Err(e) => tracing::warn!(ms = elapsed.as_millis() as u64, error = %e, "task failed"),
    }
    let (error, summary) = match outcome {
        Ok(summary) => (None, Some(summary)),
        Err(e) => (Some(e.to_string()), None),
    };
    // recording must not be lost to a brief database hiccup: a few attempts
    for attempt in 0..5u32 {
        let (error, summary) = (error.clone(), summary.clone());
        let recorded = store::pool::with_conn(&pool, move |conn| {
            conn.build_transaction().run(|conn| {
                store::scheduler::finish_run(
                    conn,
                    run_id,
                    task,
                    error.as_deref(),
                    summary.as_deref(),
                    elapsed,
                )
            })
        })
        .await;
        match recorded {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(task, error = %e, "cannot record task result");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_interval_and_offset() {
        let minute = Duration::from_secs(60);
        assert_eq!(slot_of(0, minute, Duration::ZERO), 0);
        assert_eq!(slot_of(59_999, minute, Duration::ZERO), 0);
        assert_eq!(slot_of(60_000, minute, Duration::ZERO), 1);
        // daily at 02:00 UTC: 01:59 still belongs to the previous day's slot
        let day = Duration::from_secs(86_400);
        let two_h = Duration::from_secs(7200);
        assert_eq!(slot_of(86_400_000 + 7_199_000, day, two_h), 0);
        assert_eq!(slot_of(86_400_000 + 7_200_000, day, two_h), 1);
    }
}
