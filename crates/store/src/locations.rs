//! Repository of `locations`: CRUD, keyset listing and the in-use check before delete.

use diesel::prelude::*;

use crate::models::{Location, LocationChanges, NewLocation};
use crate::schema::{locations, routers};

pub fn insert(conn: &mut PgConnection, new: &NewLocation<'_>) -> QueryResult<Location> {
    diesel::insert_into(locations::table)
        .values(new)
        .returning(Location::as_returning())
        .get_result(conn)
}

pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Location> {
    locations::table
        .find(id)
        .select(Location::as_select())
        .first(conn)
}

/// Locations ordered by id, after the cursor `after`.
pub fn list(conn: &mut PgConnection, after: Option<i64>, limit: i64) -> QueryResult<Vec<Location>> {
    let mut q = locations::table
        .select(Location::as_select())
        .order(locations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(locations::id.gt(after));
    }
    q.load(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: i64,
    changes: &LocationChanges,
) -> QueryResult<Location> {
    if is_empty(changes) {
        return get(conn, id);
    }
    diesel::update(locations::table.find(id))
        .set(changes)
        .returning(Location::as_returning())
        .get_result(conn)
}

fn is_empty(c: &LocationChanges) -> bool {
    c.name.is_none() && c.address.is_none() && c.timezone.is_none() && c.notes.is_none()
}

/// Number of routers in the location (a location with routers cannot be deleted).
pub fn router_count(conn: &mut PgConnection, id: i64) -> QueryResult<i64> {
    routers::table
        .filter(routers::location_id.eq(id))
        .count()
        .get_result(conn)
}

/// Deletes the location; `NotFound` when absent. Callers check [`router_count`] first in the
/// same transaction (the foreign key refuses it anyway).
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<()> {
    match diesel::delete(locations::table.find(id)).execute(conn)? {
        0 => Err(diesel::result::Error::NotFound),
        _ => Ok(()),
    }
}

/// Whether every id names a location; returns the ones that do not.
pub fn missing(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let found: Vec<i64> = locations::table
        .filter(locations::id.eq_any(ids))
        .select(locations::id)
        .load(conn)?;
    Ok(ids.iter().copied().filter(|i| !found.contains(i)).collect())
}
