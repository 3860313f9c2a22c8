//! Running one delivered job, the same way for RabbitMQ and embedded mode: skip it if its id
//! already completed, find the handler by kind, run it under a timeout with panics caught.
//! The caller records the outcome (ack / mark done, retry, dead).

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use store::crypto::MasterKey;
use store::pool::DbPool;
use uuid::Uuid;

use crate::job::{JobContext, JobError};
use crate::processed::ProcessedLog;
use crate::registry::Registry;
use crate::resources::Resources;

/// What a job run needs; shared by every consumer of a process.
#[derive(Clone)]
pub struct Runner {
    pub pool: DbPool,
    pub master_key: Arc<MasterKey>,
    pub resources: Arc<Resources>,
    pub worker_id: Arc<str>,
    pub registry: Arc<Registry>,
    /// A handler still running after this long counts as a failed (retryable) attempt.
    pub job_timeout: Duration,
    /// Batched completion lookups and marks.
    pub processed: ProcessedLog,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("worker_id", &self.worker_id)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

/// Result of [`Runner::execute`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job id had completed before: nothing ran.
    AlreadyDone,
    /// The handler succeeded; the caller marks the job processed, then acknowledges.
    Succeeded,
    /// The handler failed, timed out or panicked.
    Failed(JobError),
}

impl Runner {
    #[tracing::instrument(skip_all, fields(job_id = %job_id, kind, attempt))]
    pub async fn execute(
        &self,
        job_id: Uuid,
        kind: &str,
        attempt: u32,
        payload: serde_json::Value,
    ) -> Outcome {
        match self.processed.is_processed(job_id).await {
            Ok(true) => return Outcome::AlreadyDone,
            Ok(false) => {}
            Err(e) => return Outcome::Failed(JobError::Retry(format!("database: {e}"))),
        }
        let Some(handler) = self.registry.handler(kind) else {
            return Outcome::Failed(JobError::Permanent(format!(
                "no handler for job kind {kind:?}"
            )));
        };
        let ctx = JobContext {
            job_id,
            kind: kind.to_owned(),
            attempt,
            pool: self.pool.clone(),
            master_key: self.master_key.clone(),
            resources: self.resources.clone(),
            worker_id: self.worker_id.clone(),
        };
        let run = std::panic::AssertUnwindSafe(handler.run(payload, &ctx)).catch_unwind();
        match tokio::time::timeout(self.job_timeout, run).await {
            Err(_) => Outcome::Failed(JobError::Retry(format!(
                "timed out after {} s",
                self.job_timeout.as_secs()
            ))),
            // a panic may come from a transient state as much as from a bug: it uses up an
            // attempt like any retryable failure, and is recorded with its message
            Ok(Err(panic)) => Outcome::Failed(JobError::Retry(format!(
                "handler panicked: {}",
                panic_message(&*panic)
            ))),
            Ok(Ok(Err(e))) => Outcome::Failed(e),
            Ok(Ok(Ok(()))) => Outcome::Succeeded,
        }
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".to_owned()
    }
}
