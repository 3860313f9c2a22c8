//! What a job handler is and what it gets: [`JobHandler`], [`JobContext`], [`JobError`].

use std::sync::Arc;

use diesel::PgConnection;
use domain::jobs::JobSpec;
use store::crypto::MasterKey;
use store::pool::DbPool;
use uuid::Uuid;

use crate::resources::Resources;

/// Runs one job type. Handlers must be idempotent: a job can be delivered more than once
/// (a worker dying before its ack); completed job ids are skipped, but a handler that dies
/// half-way is run again.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    type Job: JobSpec;
    async fn run(&self, job: Self::Job, ctx: &JobContext) -> Result<(), JobError>;
}

/// Everything a handler may use besides its payload.
#[derive(Clone)]
pub struct JobContext {
    pub job_id: Uuid,
    /// The job's `KIND`.
    pub kind: String,
    /// 1 on the first delivery, +1 per retry.
    pub attempt: u32,
    pub pool: DbPool,
    pub master_key: Arc<MasterKey>,
    /// Process-wide shared clients (e.g. the router connection pool), created on first use.
    pub resources: Arc<Resources>,
    /// This process's id (lease holder, scheduler slot holder, logs).
    pub worker_id: Arc<str>,
}

impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("job_id", &self.job_id)
            .field("kind", &self.kind)
            .field("attempt", &self.attempt)
            .field("worker_id", &self.worker_id)
            .finish_non_exhaustive()
    }
}

impl JobContext {
    /// Marks this job completed inside the handler's own transaction, so its database effects
    /// and the mark commit together (exactly-once for database work). Optional: the worker
    /// marks it anyway after `run` returns `Ok`. Returns false when it was already marked.
    pub fn mark_processed(&self, conn: &mut PgConnection) -> diesel::QueryResult<bool> {
        store::jobs::mark_processed(conn, self.job_id, &self.kind)
    }
}

/// How a job failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Transient (router offline, database busy): retried with backoff, dead after the
    /// configured number of attempts.
    #[error("{0}")]
    Retry(String),
    /// Retrying cannot help (bad payload, deleted target): straight to the dead-letter queue.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn retry(e: impl std::fmt::Display) -> Self {
        JobError::Retry(e.to_string())
    }

    pub fn permanent(e: impl std::fmt::Display) -> Self {
        JobError::Permanent(e.to_string())
    }
}

impl From<store::pool::DbError> for JobError {
    fn from(e: store::pool::DbError) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}
