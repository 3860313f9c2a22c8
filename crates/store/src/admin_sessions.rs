//! Repository of `admin_sessions`: one row per refresh token; rotation links rows of one
//! login into a family, and revoking is always done per family.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::models::admin::{AdminSession, NewAdminSession};
use crate::schema::admin_sessions;

/// `revoked_reason` of a row superseded by rotation: the family lives on.
pub const REASON_ROTATED: &str = "rotated";

pub fn insert(conn: &mut PgConnection, new: &NewAdminSession<'_>) -> QueryResult<AdminSession> {
    diesel::insert_into(admin_sessions::table)
        .values(new)
        .returning(AdminSession::as_returning())
        .get_result(conn)
}

/// Locks the row so two concurrent refreshes of one token cannot both rotate it.
pub fn find_by_hash_for_update(
    conn: &mut PgConnection,
    hash: &[u8],
) -> QueryResult<Option<AdminSession>> {
    admin_sessions::table
        .filter(admin_sessions::refresh_token_hash.eq(hash))
        .select(AdminSession::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<AdminSession>> {
    admin_sessions::table
        .find(id)
        .select(AdminSession::as_select())
        .first(conn)
        .optional()
}

/// Marks `old` as rotated into `new_id`.
pub fn mark_rotated(conn: &mut PgConnection, old: i64, new_id: i64) -> QueryResult<usize> {
    diesel::update(admin_sessions::table.find(old))
        .set((
            admin_sessions::revoked_at.eq(diesel::dsl::now),
            admin_sessions::revoked_reason.eq(REASON_ROTATED),
            admin_sessions::replaced_by_id.eq(new_id),
            admin_sessions::last_used_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

/// Revokes every still-live row of the family (rotated rows keep their reason).
pub fn revoke_family(conn: &mut PgConnection, family: Uuid, reason: &str) -> QueryResult<usize> {
    diesel::update(
        admin_sessions::table
            .filter(admin_sessions::family_id.eq(family))
            .filter(admin_sessions::revoked_at.is_null()),
    )
    .set((
        admin_sessions::revoked_at.eq(diesel::dsl::now),
        admin_sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
}

/// Revokes every live session of an admin (password change, disable, role change).
pub fn revoke_all_of_user(
    conn: &mut PgConnection,
    admin_id: i64,
    reason: &str,
) -> QueryResult<Vec<Uuid>> {
    diesel::update(
        admin_sessions::table
            .filter(admin_sessions::admin_user_id.eq(admin_id))
            .filter(admin_sessions::revoked_at.is_null()),
    )
    .set((
        admin_sessions::revoked_at.eq(diesel::dsl::now),
        admin_sessions::revoked_reason.eq(reason),
    ))
    .returning(admin_sessions::family_id)
    .get_results(conn)
}

/// Revokes every live session of an admin except the family `keep` (own password change).
pub fn revoke_others_of_user(
    conn: &mut PgConnection,
    admin_id: i64,
    keep: Uuid,
    reason: &str,
) -> QueryResult<Vec<Uuid>> {
    diesel::update(
        admin_sessions::table
            .filter(admin_sessions::admin_user_id.eq(admin_id))
            .filter(admin_sessions::family_id.ne(keep))
            .filter(admin_sessions::revoked_at.is_null()),
    )
    .set((
        admin_sessions::revoked_at.eq(diesel::dsl::now),
        admin_sessions::revoked_reason.eq(reason),
    ))
    .returning(admin_sessions::family_id)
    .get_results(conn)
}

/// The live head of each family of an admin: what "my sessions" shows.
pub fn list_active(conn: &mut PgConnection, admin_id: i64) -> QueryResult<Vec<AdminSession>> {
    admin_sessions::table
        .filter(admin_sessions::admin_user_id.eq(admin_id))
        .filter(admin_sessions::revoked_at.is_null())
        .filter(admin_sessions::expires_at.gt(diesel::dsl::now))
        .select(AdminSession::as_select())
        .order(admin_sessions::created_at.desc())
        .load(conn)
}

/// Families revoked (not merely rotated) since `since`, of admins and of portal customers
/// alike (family ids are random UUIDs): the API's revocation cache feed.
pub fn revoked_families_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    use crate::schema::customer_sessions;
    admin_sessions::table
        .filter(admin_sessions::revoked_at.ge(since))
        .filter(admin_sessions::revoked_reason.ne(REASON_ROTATED))
        .select(admin_sessions::family_id)
        .union(
            customer_sessions::table
                .filter(customer_sessions::revoked_at.ge(since))
                .filter(customer_sessions::revoked_reason.ne(REASON_ROTATED))
                .select(customer_sessions::family_id),
        )
        .load(conn)
}

/// True when the family (admin or customer) has been revoked; used while the cache is cold.
pub fn family_revoked(conn: &mut PgConnection, family: Uuid) -> QueryResult<bool> {
    use crate::schema::customer_sessions;
    let admin: bool = diesel::select(diesel::dsl::exists(
        admin_sessions::table
            .filter(admin_sessions::family_id.eq(family))
            .filter(admin_sessions::revoked_at.is_not_null())
            .filter(admin_sessions::revoked_reason.ne(REASON_ROTATED)),
    ))
    .get_result(conn)?;
    if admin {
        return Ok(true);
    }
    diesel::select(diesel::dsl::exists(
        customer_sessions::table
            .filter(customer_sessions::family_id.eq(family))
            .filter(customer_sessions::revoked_at.is_not_null())
            .filter(customer_sessions::revoked_reason.ne(REASON_ROTATED)),
    ))
    .get_result(conn)
}
