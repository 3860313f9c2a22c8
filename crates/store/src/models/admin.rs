//! Rows of `admin_users` and `admin_sessions`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::{admin_sessions, admin_users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = admin_users, check_for_backend(diesel::pg::Pg))]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location_id: Option<i64>,
    pub disabled: bool,
    pub totp_secret_enc: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub recovery_codes: serde_json::Value,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = admin_users)]
pub struct NewAdminUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub full_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub location_id: Option<i64>,
}

/// Profile fields an admin edit may change; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = admin_users)]
pub struct AdminUserChanges {
    pub role: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub location_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = admin_sessions, check_for_backend(diesel::pg::Pg))]
pub struct AdminSession {
    pub id: i64,
    pub admin_user_id: i64,
    pub family_id: Uuid,
    pub refresh_token_hash: Vec<u8>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub replaced_by_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = admin_sessions)]
pub struct NewAdminSession<'a> {
    pub admin_user_id: i64,
    pub family_id: Uuid,
    pub refresh_token_hash: &'a [u8],
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}
