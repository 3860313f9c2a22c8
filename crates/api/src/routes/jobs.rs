//! Job operations: dead jobs (listed with their last error, replayed through the outbox) and
//! the scheduler's periodic tasks with their last run and result.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::jobs::JobFamily;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::jobs::{DeadJob, DeadJobQuery, ReplayError};
use store::scheduler::SchedulerTask;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_dead).service(replay).service(list_tasks);
}

/// A job that exhausted its retries (or failed permanently).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadJobView {
    #[schema(example = 17)]
    pub id: i64,
    /// The failed job's id (UUID).
    #[schema(example = "4f0c2a7e-8d6b-4a53-9b43-0d1c2b3a4f5e")]
    pub job_id: String,
    #[schema(example = "router.sync")]
    pub family: String,
    #[schema(example = "router.sync_profile")]
    pub kind: String,
    /// The job's payload, as enqueued.
    #[schema(value_type = Object, example = json!({"profile_id": 3}))]
    pub payload: serde_json::Value,
    /// The error of the last attempt.
    #[schema(example = "router 4 unreachable: connection refused")]
    pub last_error: Option<String>,
    #[schema(example = 6)]
    pub attempts: i32,
    pub failed_at: DateTime<Utc>,
    /// When it was replayed; null while it is still dead.
    pub replayed_at: Option<DateTime<Utc>>,
}

impl From<DeadJob> for DeadJobView {
    fn from(d: DeadJob) -> Self {
        DeadJobView {
            id: d.id,
            job_id: d.job_id.to_string(),
            family: d.family,
            kind: d.kind,
            payload: d.payload,
            last_error: d.last_error,
            attempts: d.attempts,
            failed_at: d.failed_at,
            replayed_at: d.replayed_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadJobFilter {
    /// Only this job family (`router.sync`, `router.poll`, `notify.whatsapp`,
    /// `payment.webhook`, `lifecycle`, `backup`).
    #[param(example = "router.sync")]
    pub family: Option<String>,
    /// Also list jobs already replayed (default false).
    pub include_replayed: Option<bool>,
}

/// List dead jobs.
///
/// Newest first, with the error of their last attempt. Follow `next_cursor` for more.
#[utoipa::path(
    tag = "jobs",
    params(DeadJobFilter, PageParams),
    responses((status = 200, body = Page<DeadJobView>), ProblemResponses),
    security(("bearer" = ["jobs.read"]))
)]
#[get("/jobs/dead")]
async fn list_dead(
    state: web::Data<AppState>,
    _: Require<perm::JobsRead>,
    filter: web::Query<DeadJobFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let filter = filter.into_inner();
    let family = match filter
        .family
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        None => None,
        Some(f) => Some(
            f.parse::<JobFamily>()
                .map_err(|e| ApiError::field("family", e.to_string()))?
                .as_str()
                .to_owned(),
        ),
    };
    let limit = page.limit()?;
    let query = DeadJobQuery {
        family,
        include_replayed: filter.include_replayed.unwrap_or(false),
        before_id: page.cursor()?,
        limit: limit + 1,
    };
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::jobs::list_dead(conn, &query)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |d| d.id).map(DeadJobView::from)))
}

/// The job a replay enqueued.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayView {
    /// The dead job record that was replayed.
    #[schema(example = 17)]
    pub dead_job_id: i64,
    /// Id of the new job written to the outbox.
    #[schema(example = "9a1d7c3e-2b4f-4e8a-8c1d-5e6f7a8b9c0d")]
    pub job_id: String,
}

/// Replay a dead job.
///
/// Writes the job to the outbox again under a new job id (it runs with a fresh set of
/// attempts) and marks the dead record replayed. A record can be replayed once (409 after).
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Dead job record id")),
    responses((status = 202, body = ReplayView), ProblemResponses),
    security(("bearer" = ["jobs.write"]))
)]
#[post("/jobs/dead/{id}/replay")]
async fn replay(
    state: web::Data<AppState>,
    _: Require<perm::JobsWrite>,
    audit: AuditContext,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let view = db::run(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            let job_id = store::jobs::replay_dead(conn, id).map_err(|e| match e {
                ReplayError::NotFound(_) => ApiError::not_found("dead job"),
                ReplayError::AlreadyReplayed(_) => ApiError::conflict(e.to_string()),
                ReplayError::Db(db) => ApiError::from(db),
            })?;
            let view = ReplayView {
                dead_job_id: id,
                job_id: job_id.to_string(),
            };
            audit.record(
                conn,
                "jobs.replay",
                "dead_job",
                Some(&id.to_string()),
                None,
                Some(serde_json::json!({ "job_id": view.job_id })),
            )?;
            Ok::<_, ApiError>(view)
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(view))
}

/// A periodic task and the outcome of its last run.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulerTaskView {
    #[schema(example = "router_poll")]
    pub name: String,
    #[schema(example = 300)]
    pub interval_seconds: i32,
    /// Slots start at epoch + offset + k × interval.
    #[schema(example = 0)]
    pub offset_seconds: i32,
    pub enabled: bool,
    pub description: Option<String>,
    /// `running`, `succeeded`, `failed` or `skipped`; null before the first run.
    #[schema(example = "succeeded")]
    pub last_status: Option<String>,
    /// Summary of the last successful run.
    #[schema(example = "polled 12 routers, 1 offline")]
    pub last_result: Option<String>,
    /// Error of the last run when it failed or was skipped.
    pub last_error: Option<String>,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    #[schema(example = 184)]
    pub last_duration_ms: Option<i64>,
}

impl From<SchedulerTask> for SchedulerTaskView {
    fn from(t: SchedulerTask) -> Self {
        // one column holds the last run's message: a summary on success, else the error
        let succeeded = t.last_status.as_deref() == Some("succeeded");
        let (last_result, last_error) = if succeeded {
            (t.last_error, None)
        } else {
            (None, t.last_error)
        };
        SchedulerTaskView {
            name: t.name,
            interval_seconds: t.interval_seconds,
            offset_seconds: t.offset_seconds,
            enabled: t.enabled,
            description: t.description,
            last_status: t.last_status,
            last_result,
            last_error,
            last_started_at: t.last_started_at,
            last_finished_at: t.last_finished_at,
            last_duration_ms: t.last_duration_ms,
        }
    }
}

/// List scheduler tasks.
///
/// Every periodic task with its schedule and the outcome of its last run.
#[utoipa::path(
    tag = "jobs",
    responses((status = 200, body = Vec<SchedulerTaskView>), ProblemResponses),
    security(("bearer" = ["jobs.read"]))
)]
#[get("/scheduler/tasks")]
async fn list_tasks(
    state: web::Data<AppState>,
    _: Require<perm::JobsRead>,
) -> ApiResult<HttpResponse> {
    let tasks = db::run(&state.pool, |conn| Ok(store::scheduler::list_tasks(conn)?)).await?;
    let views: Vec<SchedulerTaskView> = tasks.into_iter().map(SchedulerTaskView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}
