//! Per-router leases (`router_leases`): a worker holds a router for a time-to-live so router
//! polling can be spread over any number of workers without polling one router twice at once.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};

/// Takes (or renews) the lease on `router_id` for `holder` until `ttl` from now. True when
/// `holder` now holds it: the lease was free, expired, or already its own.
pub fn try_acquire(
    conn: &mut PgConnection,
    router_id: i64,
    holder: &str,
    ttl: Duration,
) -> QueryResult<bool> {
    diesel::sql_query(
        "INSERT INTO router_leases (router_id, holder, acquired_at, expires_at) \
         VALUES ($1, $2, now(), now() + make_interval(secs => $3)) \
         ON CONFLICT (router_id) DO UPDATE \
           SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at, \
               acquired_at = CASE WHEN router_leases.holder = EXCLUDED.holder \
                                  THEN router_leases.acquired_at ELSE now() END \
           WHERE router_leases.expires_at <= now() OR router_leases.holder = EXCLUDED.holder",
    )
    .bind::<BigInt, _>(router_id)
    .bind::<Text, _>(holder)
    .bind::<Double, _>(ttl.as_secs_f64())
    .execute(conn)
    .map(|n| n == 1)
}

/// Gives the lease back early (only if `holder` holds it); true when it did.
pub fn release(conn: &mut PgConnection, router_id: i64, holder: &str) -> QueryResult<bool> {
    use crate::schema::router_leases::dsl;
    diesel::delete(
        dsl::router_leases
            .filter(dsl::router_id.eq(router_id))
            .filter(dsl::holder.eq(holder)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Drops every lease `holder` holds (a worker shutting down cleanly).
pub fn release_all(conn: &mut PgConnection, holder: &str) -> QueryResult<usize> {
    use crate::schema::router_leases::dsl;
    diesel::delete(dsl::router_leases.filter(dsl::holder.eq(holder))).execute(conn)
}
