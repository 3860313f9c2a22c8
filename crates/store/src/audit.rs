//! Repository of `audit_log`: append-only writes and the filtered, keyset-paged read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::models::audit::{AuditEntry, NewAuditEntry};
use crate::schema::audit_log;

pub fn insert(conn: &mut PgConnection, entry: &NewAuditEntry<'_>) -> QueryResult<i64> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .returning(audit_log::id)
        .get_result(conn)
}

/// Filters of the audit log listing; all optional and combined with AND.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub actor_kind: Option<String>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first; `before_id` is the keyset cursor (ids only grow).
pub fn list(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut q = audit_log::table
        .select(AuditEntry::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = before_id {
        q = q.filter(audit_log::id.lt(id));
    }
    if let Some(actor) = filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(kind) = &filter.actor_kind {
        q = q.filter(audit_log::actor_kind.eq(kind.clone()));
    }
    if let Some(action) = &filter.action {
        q = q.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(rt) = &filter.resource_type {
        q = q.filter(audit_log::resource_type.eq(rt.clone()));
    }
    if let Some(rid) = &filter.resource_id {
        q = q.filter(audit_log::resource_id.eq(rid.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::created_at.lt(to));
    }
    q.load(conn)
}
