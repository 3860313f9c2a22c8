//! Repository of `idempotency_keys`: claim a key, complete it with the response, replay it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::models::setting::IdempotencyKey;
use crate::schema::idempotency_keys;

/// Outcome of trying to claim `(scope, key)`.
#[derive(Debug)]
pub enum Claim {
    /// The key is new (or its previous use expired): the caller runs the operation.
    Claimed,
    /// The key exists and has not expired.
    Existing(IdempotencyKey),
}

/// Inserts an `in_progress` row, replacing an expired one; otherwise returns the live row.
pub fn claim(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    request_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<Claim> {
    conn.transaction(|conn| {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::scope.eq(scope))
                .filter(idempotency_keys::key.eq(key))
                .filter(idempotency_keys::expires_at.le(diesel::dsl::now)),
        )
        .execute(conn)?;
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::scope.eq(scope),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::status.eq("in_progress"),
                idempotency_keys::expires_at.eq(expires_at),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        let row = idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key))
            .select(IdempotencyKey::as_select())
            .first(conn)?;
        Ok(Claim::Existing(row))
    })
}

/// Stores the final response of a claimed key.
pub fn complete(
    conn: &mut PgConnection,
    scope: &str,
    key: &str,
    status: i32,
    headers: serde_json::Value,
    body: &[u8],
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::status.eq("completed"),
        idempotency_keys::response_status.eq(Some(status)),
        idempotency_keys::response_headers.eq(Some(headers)),
        idempotency_keys::response_body.eq(Some(body)),
    ))
    .execute(conn)
}

/// Releases a claim whose operation failed before producing a response worth replaying,
/// so the client may retry with the same key.
pub fn release(conn: &mut PgConnection, scope: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::scope.eq(scope))
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::status.eq("in_progress")),
    )
    .execute(conn)
}

/// Housekeeping: drop expired keys.
pub fn delete_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::expires_at.le(diesel::dsl::now)),
    )
    .execute(conn)
}
