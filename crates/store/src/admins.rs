//! Repository of `admin_users`: lookups, creation, profile/password/2FA changes, lockout.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::models::admin::{AdminUser, AdminUserChanges, NewAdminUser};
use crate::schema::admin_users;

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Case-insensitive, matching the `lower(username)` unique index.
pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<AdminUser>> {
    admin_users::table
        .filter(lower(admin_users::username).eq(lower(username)))
        .select(AdminUser::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<AdminUser>> {
    admin_users::table
        .find(id)
        .select(AdminUser::as_select())
        .first(conn)
        .optional()
}

/// Locks the row for the rest of the transaction (read-modify-write of 2FA state).
pub fn find_for_update(conn: &mut PgConnection, id: i64) -> QueryResult<AdminUser> {
    admin_users::table
        .find(id)
        .select(AdminUser::as_select())
        .for_update()
        .first(conn)
}

/// Keyset page ordered by id.
pub fn list(
    conn: &mut PgConnection,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AdminUser>> {
    let mut q = admin_users::table
        .select(AdminUser::as_select())
        .order(admin_users::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        q = q.filter(admin_users::id.gt(after));
    }
    q.load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewAdminUser<'_>) -> QueryResult<AdminUser> {
    diesel::insert_into(admin_users::table)
        .values(new)
        .returning(AdminUser::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: i64,
    changes: &AdminUserChanges,
) -> QueryResult<AdminUser> {
    diesel::update(admin_users::table.find(id))
        .set(changes)
        .returning(AdminUser::as_returning())
        .get_result(conn)
}

pub fn set_password(conn: &mut PgConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set((
            admin_users::password_hash.eq(hash),
            admin_users::password_changed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(admin_users::table.find(id)).execute(conn)
}

/// Number of enabled super admins, so the last one can't be demoted, disabled or deleted.
pub fn count_active_super_admins(conn: &mut PgConnection) -> QueryResult<i64> {
    admin_users::table
        .filter(admin_users::role.eq("super_admin"))
        .filter(admin_users::disabled.eq(false))
        .count()
        .get_result(conn)
}

/// Stores a pending (not yet confirmed) TOTP secret.
pub fn set_totp_pending(conn: &mut PgConnection, id: i64, secret_enc: &[u8]) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set((
            admin_users::totp_secret_enc.eq(Some(secret_enc)),
            admin_users::totp_enabled.eq(false),
        ))
        .execute(conn)
}

pub fn enable_totp(
    conn: &mut PgConnection,
    id: i64,
    recovery_hashes: serde_json::Value,
) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set((
            admin_users::totp_enabled.eq(true),
            admin_users::recovery_codes.eq(recovery_hashes),
        ))
        .execute(conn)
}

pub fn disable_totp(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set((
            admin_users::totp_enabled.eq(false),
            admin_users::totp_secret_enc.eq(None::<Vec<u8>>),
            admin_users::recovery_codes.eq(serde_json::json!([])),
        ))
        .execute(conn)
}

pub fn set_recovery_codes(
    conn: &mut PgConnection,
    id: i64,
    hashes: serde_json::Value,
) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set(admin_users::recovery_codes.eq(hashes))
        .execute(conn)
}

/// A successful login clears the failure counter and any lock.
pub fn record_login_success(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::update(admin_users::table.find(id))
        .set((
            admin_users::failed_logins.eq(0),
            admin_users::locked_until.eq(None::<DateTime<Utc>>),
            admin_users::last_login_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

/// Counts a failure; sets `locked_until` when the caller decided to lock.
pub fn record_login_failure(
    conn: &mut PgConnection,
    id: i64,
    lock_until: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let q = diesel::update(admin_users::table.find(id));
    match lock_until {
        Some(until) => q
            .set((
                admin_users::failed_logins.eq(admin_users::failed_logins + 1),
                admin_users::locked_until.eq(Some(until)),
            ))
            .execute(conn),
        None => q
            .set(admin_users::failed_logins.eq(admin_users::failed_logins + 1))
            .execute(conn),
    }
}
