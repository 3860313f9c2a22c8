//! Repository of `login_attempts`, the cross-replica memory of failed logins that drives
//! throttling and lockout per username and per IP.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::login_attempts;

pub fn record(
    conn: &mut PgConnection,
    realm: &str,
    username: &str,
    ip: Option<&str>,
    succeeded: bool,
) -> QueryResult<usize> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::realm.eq(realm),
            login_attempts::username.eq(username),
            login_attempts::ip.eq(ip),
            login_attempts::succeeded.eq(succeeded),
        ))
        .execute(conn)
}

/// Failures for `username` since `since` and after its last success, with the newest
/// failure's time (to compute when a lock ends).
pub fn failures_for_username(
    conn: &mut PgConnection,
    realm: &str,
    username: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let last_success: Option<DateTime<Utc>> = login_attempts::table
        .filter(login_attempts::realm.eq(realm))
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(true))
        .filter(login_attempts::created_at.ge(since))
        .select(diesel::dsl::max(login_attempts::created_at))
        .first(conn)?;
    let from = last_success.map_or(since, |s| s.max(since));
    login_attempts::table
        .filter(login_attempts::realm.eq(realm))
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(from))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_attempts::created_at),
        ))
        .first(conn)
}

/// Failures from `ip` since `since`, with the newest failure's time.
pub fn failures_for_ip(
    conn: &mut PgConnection,
    realm: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    login_attempts::table
        .filter(login_attempts::realm.eq(realm))
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.ge(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_attempts::created_at),
        ))
        .first(conn)
}

/// Housekeeping: forget attempts older than `before`.
pub fn delete_older_than(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(before)))
        .execute(conn)
}
