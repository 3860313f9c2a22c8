//! Running a request's queries on the pool: one `interact` (one blocking-thread hop) per
//! request, as deadpool-diesel charges per hop (design section 6).

use crate::error::ApiError;
use diesel::PgConnection;

pub type DbPool = deadpool_diesel::postgres::Pool;

/// Runs `f` on one pooled connection. Put every query of a request in the same closure.
pub async fn run<F, R>(pool: &DbPool, f: F) -> Result<R, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<R, ApiError> + Send + 'static,
    R: Send + 'static,
{
    let conn = pool.get().await?;
    conn.interact(f).await?
}
