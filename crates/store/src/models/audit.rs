//! Rows of `audit_log`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditEntry {
    pub id: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status_code: Option<i32>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub actor_name: Option<&'a str>,
    pub action: &'a str,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub status_code: Option<i32>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
