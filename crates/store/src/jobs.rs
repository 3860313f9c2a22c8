//! Job bookkeeping beside the outbox: `processed_jobs` (a job id that completed is never run
//! again, however often it is delivered) and `dead_jobs` (jobs that exhausted their retries,
//! listed and replayed through the API).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::outbox::{self, RawJob};
use crate::schema::{dead_jobs, processed_jobs};

/// True when `job_id` already completed: a redelivery is acknowledged without running.
pub fn is_processed(conn: &mut PgConnection, job_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        processed_jobs::table.filter(processed_jobs::job_id.eq(job_id)),
    ))
    .get_result(conn)
}

/// Which of `job_ids` already completed (one query for a batch of lookups).
pub fn processed_among(conn: &mut PgConnection, job_ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    processed_jobs::table
        .filter(processed_jobs::job_id.eq_any(job_ids))
        .select(processed_jobs::job_id)
        .load(conn)
}

/// Records that `job_id` completed; false when it already was. Handlers that want their
/// database effects and this mark to commit together call it in their own transaction.
pub fn mark_processed(conn: &mut PgConnection, job_id: Uuid, kind: &str) -> QueryResult<bool> {
    diesel::insert_into(processed_jobs::table)
        .values((
            processed_jobs::job_id.eq(job_id),
            processed_jobs::kind.eq(kind),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}

/// [`mark_processed`] for a batch, in one statement.
pub fn mark_processed_many(conn: &mut PgConnection, jobs: &[(Uuid, String)]) -> QueryResult<usize> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = jobs
        .iter()
        .map(|(id, kind)| {
            (
                processed_jobs::job_id.eq(*id),
                processed_jobs::kind.eq(kind.as_str()),
            )
        })
        .collect();
    diesel::insert_into(processed_jobs::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
}

/// Deletes completion marks older than `before` (housekeeping); returns how many.
pub fn delete_processed_before(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(processed_jobs::table.filter(processed_jobs::processed_at.lt(before)))
        .execute(conn)
}

/// A job that exhausted its attempts (or failed permanently).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dead_jobs)]
pub struct DeadJob {
    pub id: i64,
    pub job_id: Uuid,
    pub family: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub last_error: Option<String>,
    pub attempts: i32,
    pub failed_at: DateTime<Utc>,
    pub replayed_at: Option<DateTime<Utc>>,
}

/// What to record when a job dies.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dead_jobs)]
pub struct NewDeadJob<'a> {
    pub job_id: Uuid,
    pub family: &'a str,
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub last_error: Option<&'a str>,
    pub attempts: i32,
}

/// Records a dead job and returns its id. A job id that already has an open (not replayed)
/// record updates it instead, so a death redelivered after a crash is listed once.
pub fn record_dead(conn: &mut PgConnection, job: &NewDeadJob<'_>) -> QueryResult<i64> {
    let open: Option<i64> = dead_jobs::table
        .filter(dead_jobs::job_id.eq(job.job_id))
        .filter(dead_jobs::replayed_at.is_null())
        .select(dead_jobs::id)
        .for_update()
        .first(conn)
        .optional()?;
    match open {
        Some(id) => diesel::update(dead_jobs::table.find(id))
            .set((
                dead_jobs::last_error.eq(job.last_error),
                dead_jobs::attempts.eq(job.attempts),
                dead_jobs::failed_at.eq(diesel::dsl::now),
            ))
            .returning(dead_jobs::id)
            .get_result(conn),
        None => diesel::insert_into(dead_jobs::table)
            .values(job)
            .returning(dead_jobs::id)
            .get_result(conn),
    }
}

/// Filter and page of [`list_dead`].
#[derive(Debug, Clone, Default)]
pub struct DeadJobQuery {
    /// Only this family.
    pub family: Option<String>,
    /// Also list jobs that were already replayed.
    pub include_replayed: bool,
    /// Rows with an id below this (the previous page's last id), newest first.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Dead jobs, newest first.
pub fn list_dead(conn: &mut PgConnection, q: &DeadJobQuery) -> QueryResult<Vec<DeadJob>> {
    let mut query = dead_jobs::table
        .select(DeadJob::as_select())
        .order(dead_jobs::id.desc())
        .limit(q.limit)
        .into_boxed();
    if let Some(family) = &q.family {
        query = query.filter(dead_jobs::family.eq(family.clone()));
    }
    if !q.include_replayed {
        query = query.filter(dead_jobs::replayed_at.is_null());
    }
    if let Some(before) = q.before_id {
        query = query.filter(dead_jobs::id.lt(before));
    }
    query.load(conn)
}

/// Why a replay was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("dead job {0} does not exist")]
    NotFound(i64),
    #[error("dead job {0} was already replayed")]
    AlreadyReplayed(i64),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Re-enqueues a dead job through the outbox under a new job id and marks the record
/// replayed; call inside a transaction. Returns the new job id.
pub fn replay_dead(conn: &mut PgConnection, id: i64) -> Result<Uuid, ReplayError> {
    let dead: DeadJob = dead_jobs::table
        .find(id)
        .select(DeadJob::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(ReplayError::NotFound(id))?;
    if dead.replayed_at.is_some() {
        return Err(ReplayError::AlreadyReplayed(id));
    }
    let job_id = outbox::enqueue_raw(
        conn,
        &RawJob {
            family: dead.family,
            kind: dead.kind,
            payload: dead.payload,
            idempotency_key: None,
        },
    )?;
    diesel::update(dead_jobs::table.find(id))
        .set(dead_jobs::replayed_at.eq(diesel::dsl::now))
        .execute(conn)?;
    Ok(job_id)
}
