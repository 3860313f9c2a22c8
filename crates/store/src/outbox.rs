//! The transactional outbox: job rows written in the caller's transaction, claimed by the
//! relay (RabbitMQ mode) or the embedded runner (no broker) with `FOR UPDATE SKIP LOCKED`.
//!
//! Row life: `pending` → `published` (handed to RabbitMQ after the broker confirmed it) or,
//! in embedded mode, `pending` (claimed: `attempts` + 1 and `available_at` pushed out as a
//! lease) → `done` | `pending` again with a later `available_at` (retry) | `dead`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid};
use domain::jobs::{JobFamily, JobSpec};
use uuid::Uuid;

/// The channel the relay LISTENs on; the payload is the job family.
pub const NOTIFY_CHANNEL: &str = "mikrobill_outbox";

/// A job to write, already serialised (replays and tools that do not have the Rust type).
#[derive(Debug, Clone)]
pub struct RawJob {
    pub family: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: Option<String>,
}

/// An outbox row as the relay and the embedded runner see it.
#[derive(Debug, Clone, QueryableByName)]
pub struct OutboxJob {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub job_id: Uuid,
    #[diesel(sql_type = Text)]
    pub family: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

#[derive(QueryableByName)]
struct JobIdRow {
    #[diesel(sql_type = SqlUuid)]
    job_id: Uuid,
}

/// Writes a job in the caller's transaction and wakes the relay once it commits; returns the
/// job id. A job whose idempotency key matches a row that is still waiting (never claimed)
/// is coalesced into it: that row takes the newer payload and its id is returned.
pub fn enqueue<J: JobSpec>(conn: &mut PgConnection, job: &J) -> QueryResult<Uuid> {
    let payload = serde_json::to_value(job)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    enqueue_raw(
        conn,
        &RawJob {
            family: J::FAMILY.as_str().to_owned(),
            kind: J::KIND.to_owned(),
            payload,
            idempotency_key: job.idempotency_key(),
        },
    )
}

/// [`enqueue`] for an already serialised job.
pub fn enqueue_raw(conn: &mut PgConnection, job: &RawJob) -> QueryResult<Uuid> {
    if let Some(key) = &job.idempotency_key {
        // Two transactions enqueueing the same key would both miss each other's uncommitted
        // row; the transaction-scoped lock makes the second wait for the first.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))")
            .bind::<Text, _>(&job.kind)
            .bind::<Text, _>(key)
            .execute(conn)?;
        // `attempts = 0`: a row the embedded runner already claimed is running, and changing
        // its payload now would be lost when it is marked done.
        let coalesced: Option<JobIdRow> = diesel::sql_query(
            "UPDATE outbox SET payload = $3 \
             WHERE id = (SELECT id FROM outbox WHERE kind = $1 AND idempotency_key = $2 \
                         AND status = 'pending' AND attempts = 0 ORDER BY id LIMIT 1) \
               AND status = 'pending' AND attempts = 0 \
             RETURNING job_id",
        )
        .bind::<Text, _>(&job.kind)
        .bind::<Text, _>(key)
        .bind::<Jsonb, _>(&job.payload)
        .get_result(conn)
        .optional()?;
        if let Some(row) = coalesced {
            return Ok(row.job_id);
        }
    }
    let job_id = Uuid::new_v4();
    // One round trip for the row and the wake-up; NOTIFY is delivered at commit, and
    // PostgreSQL folds duplicates within a transaction.
    diesel::sql_query(
        "WITH ins AS (INSERT INTO outbox (job_id, family, kind, payload, idempotency_key) \
                      VALUES ($1, $2, $3, $4, $5) RETURNING job_id), \
              woke AS (SELECT pg_notify($6, $2)) \
         SELECT ins.job_id FROM ins, woke",
    )
    .bind::<SqlUuid, _>(job_id)
    .bind::<Text, _>(&job.family)
    .bind::<Text, _>(&job.kind)
    .bind::<Jsonb, _>(&job.payload)
    .bind::<Nullable<Text>, _>(job.idempotency_key.as_deref())
    .bind::<Text, _>(NOTIFY_CHANNEL)
    .get_result::<JobIdRow>(conn)
    .map(|row| row.job_id)
}

/// Locks up to `limit` pending rows for publishing, oldest first, skipping rows another
/// relay holds. Call inside a transaction and keep it open until [`mark_published`]: the
/// row locks are what keep two relays from publishing the same job.
pub fn lock_pending(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<OutboxJob>> {
    diesel::sql_query(
        "SELECT id, job_id, family, kind, payload, attempts FROM outbox \
         WHERE status = 'pending' AND available_at <= now() \
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Marks rows the broker confirmed as published.
pub fn mark_published(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "UPDATE outbox SET status = 'published', published_at = now() WHERE id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)
}

/// Embedded mode: claims up to `limit` due rows of `families` for running in this process.
/// The claim commits at once (no lock is held while handlers run); `available_at` moves
/// `lease` ahead so a crashed runner's rows become due again after it.
pub fn claim_due(
    conn: &mut PgConnection,
    families: &[JobFamily],
    limit: i64,
    lease: Duration,
) -> QueryResult<Vec<OutboxJob>> {
    let families: Vec<&str> = families.iter().map(|f| f.as_str()).collect();
    diesel::sql_query(
        "UPDATE outbox SET attempts = attempts + 1, \
                available_at = now() + make_interval(secs => $3) \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE status = 'pending' AND available_at <= now() AND family = ANY($1) \
                      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING id, job_id, family, kind, payload, attempts",
    )
    .bind::<Array<Text>, _>(&families)
    .bind::<BigInt, _>(limit)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
    .load(conn)
}

/// Embedded mode: the claimed attempt succeeded. `attempts` guards against a runner whose
/// lease ran out and whose row another runner has claimed since.
pub fn mark_done(conn: &mut PgConnection, id: i64, attempts: i32) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE outbox SET status = 'done', last_error = NULL WHERE id = $1 AND attempts = $2 \
         AND status = 'pending'",
    )
    .bind::<BigInt, _>(id)
    .bind::<Integer, _>(attempts)
    .execute(conn)
    .map(|n| n == 1)
}

/// Embedded mode: the claimed attempt failed and will run again after `delay`.
pub fn schedule_retry(
    conn: &mut PgConnection,
    id: i64,
    attempts: i32,
    delay: Duration,
    error: &str,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE outbox SET available_at = now() + make_interval(secs => $3), last_error = $4 \
         WHERE id = $1 AND attempts = $2 AND status = 'pending'",
    )
    .bind::<BigInt, _>(id)
    .bind::<Integer, _>(attempts)
    .bind::<diesel::sql_types::Double, _>(delay.as_secs_f64())
    .bind::<Text, _>(error)
    .execute(conn)
    .map(|n| n == 1)
}

/// Embedded mode: the job is given up; the caller records it in `dead_jobs` in the same
/// transaction.
pub fn mark_dead(
    conn: &mut PgConnection,
    id: i64,
    attempts: i32,
    error: &str,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE outbox SET status = 'dead', last_error = $3 WHERE id = $1 AND attempts = $2 \
         AND status = 'pending'",
    )
    .bind::<BigInt, _>(id)
    .bind::<Integer, _>(attempts)
    .bind::<Text, _>(error)
    .execute(conn)
    .map(|n| n == 1)
}

/// How many rows wait to be published or run (for `/metrics` and tests).
pub fn pending_count(conn: &mut PgConnection) -> QueryResult<i64> {
    use crate::schema::outbox::dsl;
    dsl::outbox
        .filter(dsl::status.eq("pending"))
        .count()
        .get_result(conn)
}

/// Deletes finished rows (published, done) older than `before`; returns how many.
pub fn delete_finished_before(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::schema::outbox::dsl;
    diesel::delete(
        dsl::outbox
            .filter(dsl::status.eq_any(["published", "done"]))
            .filter(dsl::created_at.lt(before)),
    )
    .execute(conn)
}
