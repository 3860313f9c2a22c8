//! Repository of `routers` and `router_health_checks`: CRUD, the routers a profile reaches,
//! and health results with the online/offline transition decided atomically.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

use crate::models::{NewRouter, Router, RouterChanges};
use crate::schema::{router_health_checks, routers};

pub fn insert(conn: &mut PgConnection, new: &NewRouter<'_>) -> QueryResult<Router> {
    diesel::insert_into(routers::table)
        .values(new)
        .returning(Router::as_returning())
        .get_result(conn)
}

pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Router> {
    routers::table
        .find(id)
        .select(Router::as_select())
        .first(conn)
}

/// Filters of the router listing.
#[derive(Debug, Clone, Default)]
pub struct RouterFilter {
    pub location_id: Option<i64>,
    pub enabled: Option<bool>,
    pub status: Option<String>,
}

/// Routers ordered by id, after the cursor `after`.
pub fn list(
    conn: &mut PgConnection,
    filter: &RouterFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Router>> {
    let mut q = routers::table
        .select(Router::as_select())
        .order(routers::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(routers::id.gt(after));
    }
    if let Some(l) = filter.location_id {
        q = q.filter(routers::location_id.eq(l));
    }
    if let Some(e) = filter.enabled {
        q = q.filter(routers::enabled.eq(e));
    }
    if let Some(s) = &filter.status {
        q = q.filter(routers::status.eq(s.clone()));
    }
    q.load(conn)
}

/// Every enabled router, by id.
pub fn enabled(conn: &mut PgConnection) -> QueryResult<Vec<Router>> {
    routers::table
        .filter(routers::enabled.eq(true))
        .select(Router::as_select())
        .order(routers::id.asc())
        .load(conn)
}

/// Ids of every enabled router (what the scheduler fans out to).
pub fn enabled_ids(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    routers::table
        .filter(routers::enabled.eq(true))
        .select(routers::id)
        .order(routers::id.asc())
        .load(conn)
}

pub fn update(conn: &mut PgConnection, id: i64, changes: &RouterChanges) -> QueryResult<Router> {
    let c = changes;
    let empty = c.location_id.is_none()
        && c.name.is_none()
        && c.host.is_none()
        && c.api_port.is_none()
        && c.use_tls.is_none()
        && c.tls_fingerprint.is_none()
        && c.username.is_none()
        && c.password_enc.is_none()
        && c.timezone.is_none()
        && c.enabled.is_none()
        && c.ros_version.is_none()
        && c.sync_mode.is_none()
        && c.notes.is_none();
    if empty {
        return get(conn, id);
    }
    diesel::update(routers::table.find(id))
        .set(changes)
        .returning(Router::as_returning())
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<()> {
    match diesel::delete(routers::table.find(id)).execute(conn)? {
        0 => Err(diesel::result::Error::NotFound),
        _ => Ok(()),
    }
}

/// Marks a sync as finished now.
pub fn mark_synced(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::update(routers::table.find(id))
        .set(routers::last_synced_at.eq(diesel::dsl::now))
        .execute(conn)
}

/// What one health check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthResult {
    pub online: bool,
    pub latency_ms: Option<i32>,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub board_name: Option<String>,
    pub uptime_seconds: Option<i64>,
    pub cpu_load: Option<i32>,
    pub free_memory: Option<i64>,
    pub total_memory: Option<i64>,
    /// Why the router could not be reached (never contains the password).
    pub error: Option<String>,
}

/// The status before and after a recorded health check.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Transition {
    #[diesel(sql_type = Text)]
    pub before: String,
    #[diesel(sql_type = Text)]
    pub after: String,
}

impl Transition {
    /// An online router went offline or an offline one came back: worth one alert. The
    /// first check of a new router (`unknown` → …) is not.
    pub fn is_alert(&self) -> bool {
        matches!(
            (self.before.as_str(), self.after.as_str()),
            ("online", "offline") | ("offline", "online")
        )
    }
}

/// Stores a health check on the router row and in its history, returning the transition.
/// The old status is read under the row lock, so concurrent checks see each transition once.
pub fn record_health(
    conn: &mut PgConnection,
    id: i64,
    h: &HealthResult,
) -> QueryResult<Transition> {
    let status = if h.online { "online" } else { "offline" };
    let t: Transition = diesel::sql_query(
        "WITH old AS (SELECT id, status FROM routers WHERE id = $1 FOR UPDATE) \
         UPDATE routers r SET status = $2, last_checked_at = now(), \
             last_seen_at = CASE WHEN $3 THEN now() ELSE r.last_seen_at END, \
             latency_ms = $4, \
             identity = COALESCE($5, r.identity), version = COALESCE($6, r.version), \
             board_name = COALESCE($7, r.board_name), \
             uptime_seconds = CASE WHEN $3 THEN $8 ELSE r.uptime_seconds END, \
             cpu_load = CASE WHEN $3 THEN $9 ELSE r.cpu_load END, \
             free_memory = CASE WHEN $3 THEN $10 ELSE r.free_memory END, \
             total_memory = COALESCE($11, r.total_memory), \
             last_error = $12 \
         FROM old WHERE r.id = old.id \
         RETURNING old.status AS before, r.status AS after",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(status)
    .bind::<Bool, _>(h.online)
    .bind::<Nullable<Integer>, _>(h.latency_ms)
    .bind::<Nullable<Text>, _>(h.identity.as_deref())
    .bind::<Nullable<Text>, _>(h.version.as_deref())
    .bind::<Nullable<Text>, _>(h.board_name.as_deref())
    .bind::<Nullable<BigInt>, _>(h.uptime_seconds)
    .bind::<Nullable<Integer>, _>(h.cpu_load)
    .bind::<Nullable<BigInt>, _>(h.free_memory)
    .bind::<Nullable<BigInt>, _>(h.total_memory)
    .bind::<Nullable<Text>, _>(h.error.as_deref())
    .get_result(conn)?;
    diesel::insert_into(router_health_checks::table)
        .values((
            router_health_checks::router_id.eq(id),
            router_health_checks::online.eq(h.online),
            router_health_checks::latency_ms.eq(h.latency_ms),
            router_health_checks::cpu_load.eq(h.cpu_load),
            router_health_checks::free_memory.eq(h.free_memory),
            router_health_checks::uptime_seconds.eq(h.uptime_seconds),
            router_health_checks::error.eq(h.error.as_deref()),
        ))
        .execute(conn)?;
    Ok(t)
}

/// One row of a router's health history.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = router_health_checks, check_for_backend(diesel::pg::Pg))]
pub struct HealthCheck {
    pub id: i64,
    pub router_id: i64,
    pub checked_at: DateTime<Utc>,
    pub online: bool,
    pub latency_ms: Option<i32>,
    pub cpu_load: Option<i32>,
    pub free_memory: Option<i64>,
    pub uptime_seconds: Option<i64>,
    pub error: Option<String>,
}

/// The newest health checks of a router.
pub fn health_history(
    conn: &mut PgConnection,
    id: i64,
    limit: i64,
) -> QueryResult<Vec<HealthCheck>> {
    router_health_checks::table
        .filter(router_health_checks::router_id.eq(id))
        .order(router_health_checks::checked_at.desc())
        .limit(limit)
        .select(HealthCheck::as_select())
        .load(conn)
}
