//! The scheduler's shared state: task definitions and results (`scheduler_tasks`) and one
//! row per executed slot (`scheduler_runs`, unique on task + slot), which is what makes a slot
//! run once however many workers race for it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{scheduler_runs, scheduler_tasks};

/// A task row: its schedule and the outcome of its last run.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scheduler_tasks)]
pub struct SchedulerTask {
    pub name: String,
    pub interval_seconds: i32,
    pub offset_seconds: i32,
    pub enabled: bool,
    pub description: Option<String>,
    pub last_slot: Option<i64>,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
}

/// A task as the worker registers it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scheduler_tasks)]
pub struct NewSchedulerTask<'a> {
    pub name: &'a str,
    pub interval_seconds: i32,
    pub offset_seconds: i32,
    pub description: Option<&'a str>,
}

/// Creates the task row if it does not exist. An existing row keeps its interval, offset
/// and `enabled` flag: the database, not the binary, is where an operator tunes them.
pub fn ensure_task(conn: &mut PgConnection, task: &NewSchedulerTask<'_>) -> QueryResult<()> {
    diesel::insert_into(scheduler_tasks::table)
        .values(task)
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// The rows of the named tasks.
pub fn load_tasks(conn: &mut PgConnection, names: &[&str]) -> QueryResult<Vec<SchedulerTask>> {
    scheduler_tasks::table
        .filter(scheduler_tasks::name.eq_any(names))
        .select(SchedulerTask::as_select())
        .load(conn)
}

/// Every task, by name (for `GET /scheduler/tasks`).
pub fn list_tasks(conn: &mut PgConnection) -> QueryResult<Vec<SchedulerTask>> {
    scheduler_tasks::table
        .order(scheduler_tasks::name.asc())
        .select(SchedulerTask::as_select())
        .load(conn)
}

/// Outcome of [`claim_slot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotClaim {
    /// This caller owns the slot and must run the task, then call [`finish_run`].
    Run(i64),
    /// This caller owns the slot but an earlier run of the task is still going (recorded as
    /// `skipped`, so a slow task never runs twice at once).
    Skipped,
    /// Another worker got the slot first.
    Taken,
}

/// Claims `slot` of `task` for `holder`. Runs older than `stale` that never finished (their
/// worker died) do not block new slots. Call inside a transaction.
pub fn claim_slot(
    conn: &mut PgConnection,
    task: &str,
    slot: i64,
    holder: &str,
    stale: Duration,
) -> QueryResult<SlotClaim> {
    let stale_secs = stale.as_secs_f64();
    let busy: bool = diesel::select(diesel::dsl::exists(
        scheduler_runs::table
            .filter(scheduler_runs::task.eq(task))
            .filter(scheduler_runs::status.eq("running"))
            .filter(scheduler_runs::slot.lt(slot))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "started_at > now() - make_interval(secs => {stale_secs})"
            ))),
    ))
    .get_result(conn)?;
    let status = if busy { "skipped" } else { "running" };
    let inserted: Option<i64> = diesel::insert_into(scheduler_runs::table)
        .values((
            scheduler_runs::task.eq(task),
            scheduler_runs::slot.eq(slot),
            scheduler_runs::holder.eq(holder),
            scheduler_runs::status.eq(status),
        ))
        .on_conflict_do_nothing()
        .returning(scheduler_runs::id)
        .get_result(conn)
        .optional()?;
    let Some(run_id) = inserted else {
        return Ok(SlotClaim::Taken);
    };
    if busy {
        diesel::update(scheduler_runs::table.find(run_id))
            .set(scheduler_runs::finished_at.eq(diesel::dsl::now))
            .execute(conn)?;
        diesel::update(scheduler_tasks::table.find(task))
            .set((
                scheduler_tasks::last_slot.eq(slot),
                scheduler_tasks::last_status.eq("skipped"),
                scheduler_tasks::last_error.eq("the previous run was still going"),
            ))
            .execute(conn)?;
        return Ok(SlotClaim::Skipped);
    }
    diesel::update(scheduler_tasks::table.find(task))
        .set((
            scheduler_tasks::last_slot.eq(slot),
            scheduler_tasks::last_started_at.eq(diesel::dsl::now),
            scheduler_tasks::last_status.eq("running"),
        ))
        .execute(conn)?;
    Ok(SlotClaim::Run(run_id))
}

/// Records the outcome of a run claimed with [`claim_slot`]: `error` None means success.
pub fn finish_run(
    conn: &mut PgConnection,
    run_id: i64,
    task: &str,
    error: Option<&str>,
    summary: Option<&str>,
    duration: Duration,
) -> QueryResult<()> {
    let status = if error.is_some() {
        "failed"
    } else {
        "succeeded"
    };
    // the summary of a success shares the error column: it is the task's "last result"
    let message = error.or(summary);
    let duration_ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    diesel::update(scheduler_runs::table.find(run_id))
        .set((
            scheduler_runs::finished_at.eq(diesel::dsl::now),
            scheduler_runs::status.eq(status),
            scheduler_runs::error.eq(message),
        ))
        .execute(conn)?;
    diesel::update(scheduler_tasks::table.find(task))
        .set((
            scheduler_tasks::last_finished_at.eq(diesel::dsl::now),
            scheduler_tasks::last_status.eq(status),
            scheduler_tasks::last_error.eq(message),
            scheduler_tasks::last_duration_ms.eq(duration_ms),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A run row (tests and diagnostics).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scheduler_runs)]
pub struct SchedulerRun {
    pub id: i64,
    pub task: String,
    pub slot: i64,
    pub holder: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub error: Option<String>,
}

/// The runs of `task`, oldest slot first.
pub fn runs_of(conn: &mut PgConnection, task: &str) -> QueryResult<Vec<SchedulerRun>> {
    scheduler_runs::table
        .filter(scheduler_runs::task.eq(task))
        .order(scheduler_runs::slot.asc())
        .select(SchedulerRun::as_select())
        .load(conn)
}

/// Deletes run rows started before `before` (housekeeping); returns how many.
pub fn delete_runs_before(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(scheduler_runs::table.filter(scheduler_runs::started_at.lt(before)))
        .execute(conn)
}
