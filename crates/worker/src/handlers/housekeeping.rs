//! The `housekeeping` task: deletes job bookkeeping nobody needs any more (finished outbox
//! rows, completion marks and scheduler runs older than their retention).

use std::time::Duration;

use chrono::Utc;

use crate::job::JobError;
use crate::registry::Registry;
use crate::scheduler::{TaskContext, TaskDef};

/// Finished outbox rows and completion marks are kept this long: a redelivery older than
/// this (the broker's queues are far shorter-lived) is not expected.
const JOB_RETENTION_DAYS: i64 = 7;
const RUN_RETENTION_DAYS: i64 = 30;

pub fn register(reg: &mut Registry) {
    reg.task(
        TaskDef::new("housekeeping", Duration::from_secs(3600), run)
            .description("Delete finished outbox rows, old completion marks and scheduler runs"),
    );
}

async fn run(ctx: TaskContext) -> Result<String, JobError> {
    let (outbox, processed, runs) = store::pool::with_conn(&ctx.pool, |conn| {
        let jobs_before = Utc::now() - chrono::Duration::days(JOB_RETENTION_DAYS);
        let runs_before = Utc::now() - chrono::Duration::days(RUN_RETENTION_DAYS);
        Ok((
            store::outbox::delete_finished_before(conn, jobs_before)?,
            store::jobs::delete_processed_before(conn, jobs_before)?,
            store::scheduler::delete_runs_before(conn, runs_before)?,
        ))
    })
    .await?;
    Ok(format!(
        "deleted {outbox} outbox rows, {processed} completion marks, {runs} scheduler runs"
    ))
}
