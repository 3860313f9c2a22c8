//! Repository of `router_drift`: what a sync found different on a router. One open row per
//! router object; a row is closed as `repaired` when the sync fixed it and as `cleared` when
//! the difference went away by itself.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text};

use crate::schema::router_drift;

/// One difference to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDrift {
    pub object_type: String,
    pub object_name: String,
    pub drift_kind: String,
    pub expected: Option<serde_json::Value>,
    pub actual: Option<serde_json::Value>,
    /// The sync repaired it right away: stored closed, as history.
    pub repaired: bool,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = router_drift, check_for_backend(diesel::pg::Pg))]
pub struct DriftRow {
    pub id: i64,
    pub router_id: i64,
    pub object_type: String,
    pub object_name: String,
    pub drift_kind: String,
    pub expected: Option<serde_json::Value>,
    pub actual: Option<serde_json::Value>,
    pub detected_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

/// Counts of what [`record`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    pub opened: usize,
    pub repaired: usize,
    pub cleared: usize,
}

/// Records the drift a sync of `router_id` found among `object_types`: open rows are
/// updated or inserted, repaired ones are closed, and open rows of those types that the
/// sync no longer sees are closed as `cleared`.
pub fn record(
    conn: &mut PgConnection,
    router_id: i64,
    object_types: &[&str],
    found: &[NewDrift],
) -> QueryResult<Recorded> {
    let mut out = Recorded::default();
    let (repaired, open): (Vec<&NewDrift>, Vec<&NewDrift>) = found.iter().partition(|d| d.repaired);
    for d in &open {
        diesel::sql_query(
            "INSERT INTO router_drift (router_id, object_type, object_name, drift_kind, expected, actual) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (router_id, object_type, object_name) WHERE resolved_at IS NULL \
             DO UPDATE SET drift_kind = EXCLUDED.drift_kind, expected = EXCLUDED.expected, actual = EXCLUDED.actual",
        )
        .bind::<BigInt, _>(router_id)
        .bind::<Text, _>(&d.object_type)
        .bind::<Text, _>(&d.object_name)
        .bind::<Text, _>(&d.drift_kind)
        .bind::<Nullable<Jsonb>, _>(&d.expected)
        .bind::<Nullable<Jsonb>, _>(&d.actual)
        .execute(conn)?;
        out.opened += 1;
    }
    for d in &repaired {
        // close the open row if there is one, else keep a closed row as history
        let closed = diesel::update(
            router_drift::table
                .filter(router_drift::router_id.eq(router_id))
                .filter(router_drift::object_type.eq(&d.object_type))
                .filter(router_drift::object_name.eq(&d.object_name))
                .filter(router_drift::resolved_at.is_null()),
        )
        .set((
            router_drift::drift_kind.eq(&d.drift_kind),
            router_drift::actual.eq(&d.actual),
            router_drift::resolved_at.eq(diesel::dsl::now),
            router_drift::resolution.eq("repaired"),
        ))
        .execute(conn)?;
        if closed == 0 {
            diesel::insert_into(router_drift::table)
                .values((
                    router_drift::router_id.eq(router_id),
                    router_drift::object_type.eq(&d.object_type),
                    router_drift::object_name.eq(&d.object_name),
                    router_drift::drift_kind.eq(&d.drift_kind),
                    router_drift::expected.eq(&d.expected),
                    router_drift::actual.eq(&d.actual),
                    router_drift::resolved_at.eq(diesel::dsl::now),
                    router_drift::resolution.eq("repaired"),
                ))
                .execute(conn)?;
        }
        out.repaired += 1;
    }
    // everything else still open for these types is gone from the router's differences
    let types: Vec<String> = object_types.iter().map(|s| (*s).to_owned()).collect();
    let keep_types: Vec<String> = open.iter().map(|d| d.object_type.clone()).collect();
    let keep_names: Vec<String> = open.iter().map(|d| d.object_name.clone()).collect();
    out.cleared = diesel::sql_query(
        "UPDATE router_drift SET resolved_at = now(), resolution = 'cleared' \
         WHERE router_id = $1 AND resolved_at IS NULL AND object_type = ANY($2) \
           AND (object_type, object_name) NOT IN (SELECT * FROM unnest($3::text[], $4::text[]))",
    )
    .bind::<BigInt, _>(router_id)
    .bind::<Array<Text>, _>(&types)
    .bind::<Array<Text>, _>(&keep_types)
    .bind::<Array<Text>, _>(&keep_names)
    .execute(conn)?;
    Ok(out)
}

/// Drift of a router, newest first; `open_only` hides resolved rows.
pub fn list(
    conn: &mut PgConnection,
    router_id: i64,
    open_only: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DriftRow>> {
    let mut q = router_drift::table
        .filter(router_drift::router_id.eq(router_id))
        .select(DriftRow::as_select())
        .order(router_drift::id.desc())
        .limit(limit)
        .into_boxed();
    if open_only {
        q = q.filter(router_drift::resolved_at.is_null());
    }
    if let Some(after) = after {
        q = q.filter(router_drift::id.lt(after));
    }
    q.load(conn)
}

/// Number of open drift rows per router.
pub fn open_count(conn: &mut PgConnection, router_id: i64) -> QueryResult<i64> {
    router_drift::table
        .filter(router_drift::router_id.eq(router_id))
        .filter(router_drift::resolved_at.is_null())
        .count()
        .get_result(conn)
}
