//! Repository of `profiles` and `profile_locations`: CRUD, where a profile is available,
//! what still uses it, and which profiles belong on a router.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::models::{NewProfile, Profile, ProfileChanges, ProfileLocation};
use crate::schema::{
    pppoe_users, profile_locations, profiles, routers, subscriptions, voucher_batches, vouchers,
};

pub fn insert(conn: &mut PgConnection, new: &NewProfile<'_>) -> QueryResult<Profile> {
    diesel::insert_into(profiles::table)
        .values(new)
        .returning(Profile::as_returning())
        .get_result(conn)
}

pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Profile> {
    profiles::table
        .find(id)
        .filter(profiles::deleted_at.is_null())
        .select(Profile::as_select())
        .first(conn)
}

/// Same as [`get`] but `None` when absent.
pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Profile>> {
    get(conn, id).optional()
}

/// Filters of the profile listing.
#[derive(Debug, Clone, Default)]
pub struct ProfileFilter {
    pub profile_type: Option<String>,
    pub active: Option<bool>,
    /// Profiles available at this location (including those available everywhere).
    pub location_id: Option<i64>,
}

pub fn list(
    conn: &mut PgConnection,
    filter: &ProfileFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Profile>> {
    let mut q = profiles::table
        .filter(profiles::deleted_at.is_null())
        .select(Profile::as_select())
        .order(profiles::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(profiles::id.gt(after));
    }
    if let Some(t) = &filter.profile_type {
        q = q.filter(profiles::profile_type.eq(t.clone()));
    }
    if let Some(a) = filter.active {
        q = q.filter(profiles::active.eq(a));
    }
    if let Some(l) = filter.location_id {
        let restricted = profile_locations::table.select(profile_locations::profile_id);
        let here = profile_locations::table
            .filter(profile_locations::location_id.eq(l))
            .select(profile_locations::profile_id);
        q = q.filter(
            profiles::id
                .eq_any(here)
                .or(profiles::id.ne_all(restricted)),
        );
    }
    q.load(conn)
}

pub fn update(conn: &mut PgConnection, id: i64, changes: &ProfileChanges) -> QueryResult<Profile> {
    diesel::update(
        profiles::table
            .find(id)
            .filter(profiles::deleted_at.is_null()),
    )
    .set(changes)
    .returning(Profile::as_returning())
    .get_result(conn)
}

/// Location ids of one profile (empty = available everywhere).
pub fn location_ids(conn: &mut PgConnection, id: i64) -> QueryResult<Vec<i64>> {
    profile_locations::table
        .filter(profile_locations::profile_id.eq(id))
        .select(profile_locations::location_id)
        .order(profile_locations::location_id.asc())
        .load(conn)
}

/// Location ids of many profiles at once (for listings).
pub fn location_ids_of(
    conn: &mut PgConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<ProfileLocation> = profile_locations::table
        .filter(profile_locations::profile_id.eq_any(ids))
        .select(ProfileLocation::as_select())
        .order((
            profile_locations::profile_id,
            profile_locations::location_id,
        ))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        map.entry(r.profile_id).or_default().push(r.location_id);
    }
    Ok(map)
}

/// Replaces the locations of a profile.
pub fn set_locations(conn: &mut PgConnection, id: i64, location_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(profile_locations::table.filter(profile_locations::profile_id.eq(id)))
        .execute(conn)?;
    let rows: Vec<ProfileLocation> = location_ids
        .iter()
        .map(|&location_id| ProfileLocation {
            profile_id: id,
            location_id,
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(profile_locations::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(())
}

/// What still refers to a profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub vouchers: i64,
    pub voucher_batches: i64,
    pub pppoe_users: i64,
    pub subscriptions: i64,
}

impl Usage {
    pub fn is_used(&self) -> bool {
        self.vouchers + self.voucher_batches + self.pppoe_users + self.subscriptions > 0
    }
}

pub fn usage(conn: &mut PgConnection, id: i64) -> QueryResult<Usage> {
    Ok(Usage {
        vouchers: vouchers::table
            .filter(vouchers::profile_id.eq(id))
            .count()
            .get_result(conn)?,
        voucher_batches: voucher_batches::table
            .filter(voucher_batches::profile_id.eq(id))
            .count()
            .get_result(conn)?,
        pppoe_users: pppoe_users::table
            .filter(pppoe_users::profile_id.eq(id))
            .count()
            .get_result(conn)?,
        subscriptions: subscriptions::table
            .filter(subscriptions::profile_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

/// Deletes the profile row (its locations go with it). Callers check [`usage`] first in the
/// same transaction; the foreign keys refuse it anyway. The row is removed rather than
/// marked deleted so its name can be used again; routers are cleaned by the sync job,
/// which finds the router objects by the profile id in their comment.
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<()> {
    match diesel::delete(profiles::table.find(id)).execute(conn)? {
        0 => Err(diesel::result::Error::NotFound),
        _ => Ok(()),
    }
}

/// Profiles that belong on routers of `location_id`: available there or everywhere.
pub fn for_location(conn: &mut PgConnection, location_id: i64) -> QueryResult<Vec<Profile>> {
    list(
        conn,
        &ProfileFilter {
            location_id: Some(location_id),
            ..ProfileFilter::default()
        },
        None,
        i64::MAX,
    )
}

/// Enabled routers that should carry the profile: those of its locations, or all.
pub fn target_router_ids(conn: &mut PgConnection, profile_id: i64) -> QueryResult<Vec<i64>> {
    let locs = location_ids(conn, profile_id)?;
    let mut q = routers::table
        .filter(routers::enabled.eq(true))
        .select(routers::id)
        .order(routers::id.asc())
        .into_boxed();
    if !locs.is_empty() {
        q = q.filter(routers::location_id.eq_any(locs));
    }
    q.load(conn)
}
