//! Router routes: CRUD (the password is encrypted under `MIKROBILL_MASTER_KEY` and never
//! returned), a live connection test and the drift found by sync. Creating a router, or
//! moving it, queues a full push of what billing manages and a health check.

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use domain::router_jobs::{PollRouter, SyncRouter};
use domain::status::SyncMode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::locations::{not_found, optional_text, required_text, timezone};
use crate::audit::AuditContext;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::models::{NewRouter, Router, RouterChanges};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(remove)
        .service(test)
        .service(drift);
}

/// A router; the password is never returned, only whether one is set.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouterView {
    #[schema(example = 3)]
    pub id: i64,
    pub location_id: i64,
    #[schema(example = "core-1")]
    pub name: String,
    /// Any address the API can reach: LAN IP, DNS name, or a VPN tunnel address for routers
    /// behind NAT/CGNAT that dial in over WireGuard/SSTP/OVPN.
    #[schema(example = "10.8.0.2")]
    pub host: String,
    #[schema(example = 8728)]
    pub api_port: i32,
    pub use_tls: bool,
    /// SHA-256 (hex) of the router's API-SSL certificate, pinned.
    pub tls_fingerprint: Option<String>,
    #[schema(example = "billing")]
    pub username: String,
    pub password_set: bool,
    pub timezone: Option<String>,
    pub enabled: bool,
    /// Operator hint; `6` for RouterOS before 6.43 (MD5 challenge login).
    pub ros_version: Option<String>,
    /// `report`: drift is only shown; `repair`: the sync puts billing's state back.
    #[schema(example = "report")]
    pub sync_mode: String,
    pub notes: Option<String>,
    /// `unknown`, `online` or `offline`, from the last health check.
    #[schema(example = "online")]
    pub status: String,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Round trip of the last health check (connect + identity + resources).
    pub latency_ms: Option<i32>,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub board_name: Option<String>,
    pub uptime_seconds: Option<i64>,
    pub cpu_load: Option<i32>,
    pub free_memory: Option<i64>,
    pub total_memory: Option<i64>,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Router> for RouterView {
    fn from(r: Router) -> Self {
        Self {
            id: r.id,
            location_id: r.location_id,
            name: r.name,
            host: r.host,
            api_port: r.api_port,
            use_tls: r.use_tls,
            tls_fingerprint: r.tls_fingerprint,
            username: r.username,
            password_set: !r.password_enc.is_empty(),
            timezone: r.timezone,
            enabled: r.enabled,
            ros_version: r.ros_version,
            sync_mode: r.sync_mode,
            notes: r.notes,
            status: r.status,
            last_seen_at: r.last_seen_at,
            last_checked_at: r.last_checked_at,
            latency_ms: r.latency_ms,
            identity: r.identity,
            version: r.version,
            board_name: r.board_name,
            uptime_seconds: r.uptime_seconds,
            cpu_load: r.cpu_load,
            free_memory: r.free_memory,
            total_memory: r.total_memory,
            last_error: r.last_error,
            last_synced_at: r.last_synced_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl RouterView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRouter {
    pub location_id: i64,
    #[schema(example = "core-1")]
    pub name: String,
    #[schema(example = "10.8.0.2")]
    pub host: String,
    /// Default 8728, or 8729 with TLS.
    pub api_port: Option<i32>,
    #[serde(default)]
    pub use_tls: bool,
    /// Required with `use_tls`: SHA-256 hex of the router certificate.
    pub tls_fingerprint: Option<String>,
    #[schema(example = "billing")]
    pub username: String,
    /// Stored encrypted; never returned.
    #[schema(example = "s3cret", format = Password)]
    pub password: String,
    pub timezone: Option<String>,
    pub enabled: Option<bool>,
    pub ros_version: Option<String>,
    /// `report` (default) or `repair`.
    pub sync_mode: Option<String>,
    pub notes: Option<String>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRouter {
    pub location_id: Option<i64>,
    pub name: Option<String>,
    pub host: Option<String>,
    pub api_port: Option<i32>,
    pub use_tls: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub tls_fingerprint: Option<Option<String>>,
    pub username: Option<String>,
    #[schema(format = Password)]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub ros_version: Option<Option<String>>,
    pub sync_mode: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

fn host(e: &mut Vec<FieldError>, v: &str) -> String {
    let v = v.trim();
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if !ok {
        e.push(FieldError {
            field: "host".into(),
            message: "must be an IP address or host name".into(),
        });
    }
    v.to_owned()
}

fn port(e: &mut Vec<FieldError>, v: i32) -> i32 {
    if !(1..=65_535).contains(&v) {
        e.push(FieldError {
            field: "api_port".into(),
            message: "must be between 1 and 65535".into(),
        });
    }
    v
}

fn fingerprint(e: &mut Vec<FieldError>, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    let clean: String = v
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if clean.len() != 64 || !clean.chars().all(|c| c.is_ascii_hexdigit()) {
        e.push(FieldError {
            field: "tls_fingerprint".into(),
            message: "must be a SHA-256 fingerprint (64 hex digits)".into(),
        });
    }
    Some(clean)
}

fn password(e: &mut Vec<FieldError>, v: &str) {
    if v.is_empty() || v.len() > 256 {
        e.push(FieldError {
            field: "password".into(),
            message: "must be 1 to 256 bytes".into(),
        });
    }
}

fn sync_mode(e: &mut Vec<FieldError>, v: &str) -> String {
    match v.parse::<SyncMode>() {
        Ok(m) => m.as_str().to_owned(),
        Err(_) => {
            e.push(FieldError {
                field: "sync_mode".into(),
                message: "must be report or repair".into(),
            });
            v.to_owned()
        }
    }
}

fn ros_version(e: &mut Vec<FieldError>, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    if v.len() > 16 || !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        e.push(FieldError {
            field: "ros_version".into(),
            message: "must be a RouterOS version such as 6, 6.49 or 7.18".into(),
        });
    }
    Some(v.to_owned())
}

fn master_key(state: &AppState) -> ApiResult<&store::crypto::MasterKey> {
    state.master_key.as_ref().ok_or_else(|| {
        ApiError::unavailable(
            "MIKROBILL_MASTER_KEY is not configured; router passwords cannot be stored or used",
            60,
        )
    })
}

fn encrypt(state: &AppState, password: &str) -> ApiResult<Vec<u8>> {
    store::crypto::encrypt(master_key(state)?, password.as_bytes()).map_err(ApiError::internal)
}

fn check_location(c: &mut diesel::PgConnection, id: i64) -> ApiResult<()> {
    if store::locations::missing(c, &[id])?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::field("location_id", "no such location"))
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouterQuery {
    pub location_id: Option<i64>,
    pub enabled: Option<bool>,
    /// `unknown`, `online` or `offline`.
    pub status: Option<String>,
}

/// List routers with their last health.
#[utoipa::path(
    tag = "routers",
    params(RouterQuery, PageParams),
    responses((status = 200, body = Page<RouterView>), ProblemResponses),
    security(("bearer" = ["routers.read"]))
)]
#[get("/routers")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::RoutersRead>,
    query: web::Query<RouterQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    if let Some(s) = &q.status
        && s.parse::<domain::status::RouterStatus>().is_err()
    {
        return Err(ApiError::field(
            "status",
            "must be unknown, online or offline",
        ));
    }
    let filter = store::routers::RouterFilter {
        location_id: q.location_id,
        enabled: q.enabled,
        status: q.status,
    };
    let limit = page.limit()?;
    let after: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |c| {
        Ok(store::routers::list(c, &filter, after, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |r| r.id).map(RouterView::from)))
}

/// Add a router.
///
/// The password is encrypted at rest. A full push of the profiles of its location and a
/// health check are queued.
#[utoipa::path(
    tag = "routers",
    request_body = CreateRouter,
    responses((status = 201, body = RouterView), ProblemResponses),
    security(("bearer" = ["routers.write"]))
)]
#[post("/routers")]
async fn create(
    state: web::Data<AppState>,
    _: Require<perm::RoutersWrite>,
    audit: AuditContext,
    body: Json<CreateRouter>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = Vec::new();
    let name = required_text(&mut e, "name", &b.name, 64);
    let host = host(&mut e, &b.host);
    let api_port = port(
        &mut e,
        b.api_port.unwrap_or(if b.use_tls { 8729 } else { 8728 }),
    );
    let fp = fingerprint(&mut e, b.tls_fingerprint.as_deref());
    if b.use_tls && fp.is_none() {
        e.push(FieldError {
            field: "tls_fingerprint".into(),
            message: "is required with use_tls (the certificate is pinned)".into(),
        });
    }
    let username = required_text(&mut e, "username", &b.username, 64);
    password(&mut e, &b.password);
    let tz = b
        .timezone
        .as_deref()
        .map(|t| timezone(&mut e, "timezone", t));
    let ros = ros_version(&mut e, b.ros_version.as_deref());
    let mode = sync_mode(&mut e, b.sync_mode.as_deref().unwrap_or("report"));
    let notes = optional_text(&mut e, "notes", b.notes.as_deref(), 1000);
    if !e.is_empty() {
        return Err(ApiError::fields(e));
    }
    let enc = encrypt(&state, &b.password)?;
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            check_location(c, b.location_id)?;
            let row = store::routers::insert(
                c,
                &NewRouter {
                    location_id: b.location_id,
                    name: &name,
                    host: &host,
                    api_port,
                    use_tls: b.use_tls,
                    tls_fingerprint: fp.as_deref(),
                    username: &username,
                    password_enc: &enc,
                    timezone: tz.as_deref(),
                    enabled: b.enabled.unwrap_or(true),
                    ros_version: ros.as_deref(),
                    sync_mode: &mode,
                    notes: notes.as_deref(),
                },
            )?;
            if row.enabled {
                store::outbox::enqueue(
                    c,
                    &SyncRouter {
                        router_id: row.id,
                        apply: true,
                    },
                )?;
                store::outbox::enqueue(c, &PollRouter { router_id: row.id })?;
            }
            let view = RouterView::from(row);
            audit.record(
                c,
                "routers.create",
                "router",
                Some(&view.id.to_string()),
                None,
                Some(view.json()),
            )?;
            Ok::<_, ApiError>(view)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Get a router with its last health.
#[utoipa::path(
    tag = "routers",
    responses((status = 200, body = RouterView), ProblemResponses),
    security(("bearer" = ["routers.read"]))
)]
#[get("/routers/{id}")]
async fn show(
    state: web::Data<AppState>,
    _: Require<perm::RoutersRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |c| {
        store::routers::get(c, id).map_err(|e| not_found(e, "router"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(RouterView::from(row)))
}

/// Change a router.
///
/// A new location, address or credentials, or enabling it, queue a full push and a
/// health check.
#[utoipa::path(
    tag = "routers",
    request_body = UpdateRouter,
    responses((status = 200, body = RouterView), ProblemResponses),
    security(("bearer" = ["routers.write"]))
)]
#[patch("/routers/{id}")]
async fn update(
    state: web::Data<AppState>,
    _: Require<perm::RoutersWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
    body: Json<UpdateRouter>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.into_inner();
    let mut e = Vec::new();
    if let Some(p) = &b.password {
        password(&mut e, p);
    }
    let mut changes = RouterChanges {
        location_id: b.location_id,
        name: b.name.map(|n| required_text(&mut e, "name", &n, 64)),
        host: b.host.map(|h| host(&mut e, &h)),
        api_port: b.api_port.map(|p| port(&mut e, p)),
        use_tls: b.use_tls,
        tls_fingerprint: b.tls_fingerprint.map(|f| fingerprint(&mut e, f.as_deref())),
        username: b
            .username
            .map(|u| required_text(&mut e, "username", &u, 64)),
        password_enc: None,
        timezone: b
            .timezone
            .map(|t| t.map(|t| timezone(&mut e, "timezone", &t))),
        enabled: b.enabled,
        ros_version: b.ros_version.map(|v| ros_version(&mut e, v.as_deref())),
        sync_mode: b.sync_mode.map(|m| sync_mode(&mut e, &m)),
        notes: b
            .notes
            .map(|n| optional_text(&mut e, "notes", n.as_deref(), 1000)),
    };
    if !e.is_empty() {
        return Err(ApiError::fields(e));
    }
    if let Some(p) = &b.password {
        changes.password_enc = Some(encrypt(&state, p)?);
    }
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let before = store::routers::get(c, id).map_err(|e| not_found(e, "router"))?;
            if let Some(l) = changes.location_id {
                check_location(c, l)?;
            }
            let after = store::routers::update(c, id, &changes)?;
            if after.use_tls && after.tls_fingerprint.is_none() {
                return Err(ApiError::field(
                    "tls_fingerprint",
                    "is required with use_tls (the certificate is pinned)",
                ));
            }
            let reconnect = before.host != after.host
                || before.api_port != after.api_port
                || before.use_tls != after.use_tls
                || before.tls_fingerprint != after.tls_fingerprint
                || before.username != after.username
                || before.password_enc != after.password_enc;
            let push = after.enabled
                && (before.location_id != after.location_id || !before.enabled || reconnect);
            if push {
                store::outbox::enqueue(
                    c,
                    &SyncRouter {
                        router_id: id,
                        apply: true,
                    },
                )?;
                store::outbox::enqueue(c, &PollRouter { router_id: id })?;
            }
            let (before, after) = (RouterView::from(before), RouterView::from(after));
            audit.record(
                c,
                "routers.update",
                "router",
                Some(&id.to_string()),
                Some(before.json()),
                Some(after.json()),
            )?;
            Ok::<_, ApiError>(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Delete a router.
///
/// Refused with 409 `in-use` while PPPoE users live on it. Objects on the router itself are
/// left as they are.
#[utoipa::path(
    tag = "routers",
    responses((status = 204, description = "Deleted"), ProblemResponses),
    security(("bearer" = ["routers.write"]))
)]
#[delete("/routers/{id}")]
async fn remove(
    state: web::Data<AppState>,
    _: Require<perm::RoutersWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db::run(&state.pool, move |c| {
        use diesel::prelude::*;
        c.transaction(|c| {
            let before =
                RouterView::from(store::routers::get(c, id).map_err(|e| not_found(e, "router"))?);
            let users: i64 = store::schema::pppoe_users::table
                .filter(store::schema::pppoe_users::router_id.eq(id))
                .count()
                .get_result(c)?;
            if users > 0 {
                return Err(ApiError::new(
                    ErrorCode::InUse,
                    format!("{users} PPPoE user(s) live on this router; move or delete them first"),
                ));
            }
            store::routers::delete(c, id)?;
            audit.record(
                c,
                "routers.delete",
                "router",
                Some(&id.to_string()),
                Some(before.json()),
                None,
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Connection settings of a router row, with the password decrypted.
pub(crate) fn connect_options(state: &AppState, r: &Router) -> ApiResult<mikrotik::ConnectOptions> {
    let plain = store::crypto::decrypt(master_key(state)?, &r.password_enc)
        .map_err(|_| ApiError::new(ErrorCode::Conflict, "the stored router password cannot be decrypted with the current master key; set it again"))?;
    let plain = String::from_utf8(plain).map_err(ApiError::internal)?;
    let port = u16::try_from(r.api_port).map_err(ApiError::internal)?;
    let mut opts = mikrotik::ConnectOptions::new(r.host.clone(), r.username.clone(), plain)
        .port(port)
        .timeouts(
            Duration::from_secs(5),
            Duration::from_secs(5),
            Duration::from_secs(10),
        );
    if r.use_tls {
        let pin = r.tls_fingerprint.as_deref().unwrap_or_default();
        let tls = mikrotik::TlsOptions::pinned(pin)
            .map_err(|e| ApiError::field("tls_fingerprint", e.to_string()))?;
        opts = opts.tls(tls).port(port);
    }
    Ok(opts)
}

/// A 502 that names the router and the failure; driver errors never contain the password.
pub(crate) fn unreachable(r: &Router, e: &mikrotik::Error) -> ApiError {
    ApiError::new(
        ErrorCode::RouterUnreachable,
        format!("router {} at {}:{}: {e}", r.name, r.host, r.api_port),
    )
}

/// What the router answered to a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouterTestResult {
    #[schema(example = "core-1")]
    pub identity: String,
    #[schema(example = "7.18 (stable)")]
    pub version: String,
    pub board_name: Option<String>,
    pub uptime_seconds: u64,
    pub cpu_load: Option<u64>,
    pub free_memory: Option<u64>,
    pub total_memory: Option<u64>,
    /// Connect, login, identity and resources, end to end.
    #[schema(example = 12)]
    pub latency_ms: u64,
}

/// Test the connection to a router.
///
/// Connects with the stored settings and reads identity and resources. An unreachable
/// router, a refused login or a certificate mismatch answer 502 `router-unreachable`.
#[utoipa::path(
    tag = "routers",
    responses((status = 200, body = RouterTestResult), ProblemResponses),
    security(("bearer" = ["routers.read"]))
)]
#[post("/routers/{id}/test")]
async fn test(
    state: web::Data<AppState>,
    _: Require<perm::RoutersRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let router = db::run(&state.pool, move |c| {
        store::routers::get(c, id).map_err(|e| not_found(e, "router"))
    })
    .await?;
    let opts = connect_options(&state, &router)?;
    let started = Instant::now();
    let result = async {
        let client = mikrotik::Client::connect(opts).await?;
        let (identity, resource) = tokio::join!(client.system_identity(), client.system_resource());
        Ok::<_, mikrotik::Error>((identity?, resource?))
    }
    .await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (identity, r) = result.map_err(|e| unreachable(&router, &e))?;
    Ok(HttpResponse::Ok().json(RouterTestResult {
        identity,
        version: r.version,
        board_name: r.board_name,
        uptime_seconds: r.uptime.as_secs(),
        cpu_load: r.cpu_load,
        free_memory: r.free_memory,
        total_memory: r.total_memory,
        latency_ms,
    }))
}

/// One difference between billing and a router.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriftView {
    pub id: i64,
    /// `hotspot_profile`, `ppp_profile`, `hotspot_user` or `ppp_secret`.
    #[schema(example = "hotspot_profile")]
    pub object_type: String,
    #[schema(example = "1h")]
    pub object_name: String,
    /// `missing`, `unexpected` or `changed`.
    #[schema(example = "changed")]
    pub drift_kind: String,
    /// What billing wants (secrets redacted).
    #[schema(value_type = Object, example = json!({"rate-limit": "2M/2M"}))]
    pub expected: Option<serde_json::Value>,
    /// What the router has (secrets redacted); `_note` says why it cannot be repaired.
    #[schema(value_type = Object, example = json!({"rate-limit": "9M/9M"}))]
    pub actual: Option<serde_json::Value>,
    pub detected_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `repaired`, `accepted`, `ignored` or `cleared`.
    pub resolution: Option<String>,
}

impl From<store::drift::DriftRow> for DriftView {
    fn from(d: store::drift::DriftRow) -> Self {
        Self {
            id: d.id,
            object_type: d.object_type,
            object_name: d.object_name,
            drift_kind: d.drift_kind,
            expected: d.expected,
            actual: d.actual,
            detected_at: d.detected_at,
            resolved_at: d.resolved_at,
            resolution: d.resolution,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DriftQuery {
    /// Include resolved rows (history); default only open drift.
    #[serde(default)]
    pub all: bool,
}

/// Drift found on a router.
///
/// Managed objects edited, added or removed by hand on the router, newest first. Billing
/// never follows the router: drift is repaired or only reported per the router's
/// `sync_mode` (or the `drift_mode` setting).
#[utoipa::path(
    tag = "routers",
    params(DriftQuery, PageParams),
    responses((status = 200, body = Page<DriftView>), ProblemResponses),
    security(("bearer" = ["routers.read"]))
)]
#[get("/routers/{id}/drift")]
async fn drift(
    state: web::Data<AppState>,
    _: Require<perm::RoutersRead>,
    id: web::Path<i64>,
    query: web::Query<DriftQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let open_only = !query.all;
    let limit = page.limit()?;
    let after: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |c| {
        store::routers::get(c, id).map_err(|e| not_found(e, "router"))?;
        Ok(store::drift::list(c, id, open_only, after, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |d| d.id).map(DriftView::from)))
}
