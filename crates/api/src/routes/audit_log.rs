//! `GET /audit-log`: the audit trail, newest first, filtered and cursor-paged.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::audit::AuditFilter;
use store::models::audit::AuditEntry;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

/// Filters (all optional, combined with AND) and paging. Flattening is avoided on purpose:
/// serde_urlencoded cannot parse numbers inside a flattened struct.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Admin (or customer) id that acted.
    pub actor_id: Option<i64>,
    /// `admin`, `customer`, `system` or `anonymous`.
    pub actor_kind: Option<String>,
    /// e.g. `admin_user.update`, `ledger.top_up`.
    pub action: Option<String>,
    /// e.g. `customer`, `admin_user`, `settings`.
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One audit entry. Secrets in `before`/`after` are replaced by `[redacted]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    #[schema(example = "admin")]
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    #[schema(example = "admin_user.update")]
    pub action: String,
    #[schema(example = "admin_user")]
    pub resource_type: Option<String>,
    #[schema(example = "7")]
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// State before the change.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// State after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            method: e.method,
            path: e.path,
            ip: e.ip,
            request_id: e.request_id,
            before: e.before,
            after: e.after,
            created_at: e.created_at,
        }
    }
}

/// Search the audit log (newest first).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = Page<AuditEntryView>), ProblemResponses),
    security(("bearer" = ["audit.read"]))
)]
#[get("/audit-log")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::AuditRead>,
    q: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let paging = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = paging.limit()?;
    let before: Option<i64> = paging.cursor()?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::field("from", "must not be after `to`"));
    }
    let filter = AuditFilter {
        actor_id: q.actor_id,
        actor_kind: q.actor_kind,
        action: q.action,
        resource_type: q.resource_type,
        resource_id: q.resource_id,
        from: q.from,
        to: q.to,
    };
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::audit::list(conn, &filter, before, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |r| r.id).map(AuditEntryView::from)))
}
