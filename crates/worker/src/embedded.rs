//! Embedded mode (`AMQP_URL` empty): the same handlers run in-process straight from the
//! outbox, so a single machine needs only PostgreSQL. Rows are claimed with `SKIP LOCKED`
//! under a lease (`available_at` pushed out), run, then marked done, rescheduled with
//! backoff, or dead. Any number of processes may run this loop side by side.

use std::sync::Arc;
use std::time::Duration;

use diesel::Connection;
use domain::jobs::JobFamily;
use store::outbox::OutboxJob;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::exec::{Outcome, Runner};
use crate::job::JobError;

/// What the embedded runner needs to know.
#[derive(Debug, Clone)]
pub struct EmbeddedSettings {
    pub families: Vec<JobFamily>,
    /// Jobs run at once.
    pub concurrency: usize,
    pub max_attempts: u32,
    pub backoff: Vec<Duration>,
    /// Fallback poll when no NOTIFY arrives (also how soon a retry falls due).
    pub poll: Duration,
    /// A claimed row is presumed abandoned (its process died) after this long.
    pub lease: Duration,
}

/// Runs jobs until `shutdown` fires, then waits for the ones in hand.
pub async fn run(
    settings: EmbeddedSettings,
    runner: Runner,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let settings = Arc::new(settings);
    let mut running = JoinSet::new();
    let mut failures = 0u32;
    loop {
        while running.try_join_next().is_some() {}
        // wait for at least one free slot before claiming
        let first = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let free = 1 + slots.available_permits();
        let (families, lease) = (settings.families.clone(), settings.lease);
        let claimed = store::pool::with_conn(&runner.pool, move |conn| {
            store::outbox::claim_due(conn, &families, i64::try_from(free).unwrap_or(1), lease)
        })
        .await;
        let jobs = match claimed {
            Ok(jobs) => {
                failures = 0;
                jobs
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, "embedded runner cannot claim jobs");
                drop(first);
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(crate::amqp::reconnect_delay(failures)) => continue,
                }
            }
        };
        let full_batch = jobs.len() >= free;
        let mut permits = vec![first];
        for _ in 1..jobs.len() {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        if jobs.is_empty() {
            drop(permits);
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = wake.notified() => {}
                () = tokio::time::sleep(settings.poll) => {}
            }
            continue;
        }
        for (job, permit) in jobs.into_iter().zip(permits) {
            let (runner, settings) = (runner.clone(), settings.clone());
            running.spawn(async move {
                run_one(&runner, &settings, job).await;
                drop(permit);
            });
        }
        if !full_batch {
            // fewer due jobs than free slots: wait for news instead of polling hot
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = wake.notified() => {}
                () = tokio::time::sleep(settings.poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
    }
    while running.join_next().await.is_some() {}
}

#[tracing::instrument(skip_all, fields(job_id = %job.job_id, kind = job.kind, attempt = job.attempts))]
async fn run_one(runner: &Runner, settings: &EmbeddedSettings, job: OutboxJob) {
    let attempt = u32::try_from(job.attempts).unwrap_or(1).max(1);
    let outcome = runner
        .execute(job.job_id, &job.kind, attempt, job.payload.clone())
        .await;
    let (id, attempts, job_id, kind) = (job.id, job.attempts, job.job_id, job.kind.clone());
    let recorded = match outcome {
        Outcome::AlreadyDone | Outcome::Succeeded => {
            store::pool::with_conn(&runner.pool, move |conn| {
                conn.transaction(|conn| {
                    store::jobs::mark_processed(conn, job_id, &kind)?;
                    store::outbox::mark_done(conn, id, attempts)
                })
            })
            .await
        }
        Outcome::Failed(error) => {
            let message = error.to_string();
            if matches!(error, JobError::Retry(_)) && attempt < settings.max_attempts {
                let delay = domain::jobs::backoff_delay(&settings.backoff, attempt);
                tracing::info!(?delay, error = %message, "job failed; will retry");
                store::pool::with_conn(&runner.pool, move |conn| {
                    store::outbox::schedule_retry(conn, id, attempts, delay, &message)
                })
                .await
            } else {
                tracing::warn!(error = %message, "job is dead");
                let (family, payload) = (job.family.clone(), job.payload.clone());
                store::pool::with_conn(&runner.pool, move |conn| {
                    conn.transaction(|conn| {
                        let marked = store::outbox::mark_dead(conn, id, attempts, &message)?;
                        if marked {
                            store::jobs::record_dead(
                                conn,
                                &store::jobs::NewDeadJob {
                                    job_id,
                                    family: &family,
                                    kind: &kind,
                                    payload: &payload,
                                    last_error: Some(&message),
                                    attempts,
                                },
                            )?;
                        }
                        Ok(marked)
                    })
                })
                .await
            }
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the job's lease ran out and another runner took it over"),
        // the lease expires and the job runs again: handlers are idempotent
        Err(e) => tracing::warn!(error = %e, "cannot record the job's outcome"),
    }
}
