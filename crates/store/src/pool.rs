//! The deadpool-diesel connection pool and the one way to run blocking diesel code on it.

use std::time::Duration;

use deadpool_diesel::postgres::{Manager, Pool};
use deadpool_diesel::{InteractError, Runtime, Timeouts};
use diesel::PgConnection;

/// The pool every process shares; cheap to clone.
pub type DbPool = Pool;

/// How long a request waits for a free connection before giving up (→ 503 upstream).
const WAIT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long opening a new connection may take.
const CREATE_TIMEOUT: Duration = Duration::from_secs(5);

/// The pool could not be configured.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the database pool: {0}")]
pub struct PoolBuildError(#[from] deadpool_diesel::postgres::BuildError);

/// Failure of [`with_conn`]: no connection, a crashed closure, or the query's own error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection within the wait timeout, or the database refused a new one.
    #[error("no database connection available: {0}")]
    Pool(#[from] deadpool_diesel::PoolError),
    /// The closure panicked or was aborted on its blocking thread.
    #[error("database task did not complete: {0}")]
    Interact(String),
    /// The query itself failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    /// True when the pool ran out of connections (callers answer 503 + Retry-After).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Pool(_))
    }
}

/// Builds a pool of at most `size` connections; connections open lazily on first use.
pub fn build_pool(url: &str, size: usize) -> Result<DbPool, PoolBuildError> {
    let manager = Manager::new(url, Runtime::Tokio1);
    let pool = Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(WAIT_TIMEOUT),
            create: Some(CREATE_TIMEOUT),
            recycle: Some(CREATE_TIMEOUT),
        })
        .build()?;
    Ok(pool)
}

/// Runs `f` on a pooled connection on a blocking thread. Do all the queries of one request
/// in one call: each call costs a thread hop.
pub async fn with_conn<F, R>(pool: &DbPool, f: F) -> Result<R, DbError>
where
    F: FnOnce(&mut PgConnection) -> Result<R, diesel::result::Error> + Send + 'static,
    R: Send + 'static,
{
    let conn = pool.get().await?;
    match conn.interact(f).await {
        Ok(result) => Ok(result?),
        Err(InteractError::Panic(_)) => Err(DbError::Interact("the closure panicked".into())),
        Err(InteractError::Cancelled) => Err(DbError::Interact("the task was cancelled".into())),
    }
}
