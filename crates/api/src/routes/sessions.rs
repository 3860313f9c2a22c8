//! Live sessions: who is logged in on the hotspots and PPPoE servers, read from the routers
//! at request time, for one router or all of them at once.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use futures::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::locations::not_found;
use super::routers::{connect_options, unreachable};
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::openapi::ProblemResponses;
use crate::state::AppState;
use store::models::Router;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(router_active).service(all_active);
}

/// Routers asked at once by `/sessions/active`.
const FAN_OUT: usize = 32;
/// A router that has not answered by then is listed under `errors`.
const ROUTER_TIMEOUT: Duration = Duration::from_secs(8);

/// One logged-in client.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveSession {
    pub router_id: i64,
    #[schema(example = "core-1")]
    pub router_name: String,
    /// `hotspot` or `pppoe`.
    #[schema(example = "hotspot")]
    pub service: String,
    /// Hotspot user or PPP secret name (a voucher code, a PPPoE username).
    #[schema(example = "AB3K9Q")]
    pub user: String,
    pub address: Option<String>,
    /// MAC address (hotspot) or caller id (PPPoE).
    pub client_id: Option<String>,
    pub uptime_seconds: u64,
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
}

/// A router that could not be asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouterError {
    pub router_id: i64,
    pub router_name: String,
    #[schema(example = "connect timed out")]
    pub error: String,
}

/// Sessions of many routers; unreachable routers are listed, not fatal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveSessions {
    pub sessions: Vec<ActiveSession>,
    pub errors: Vec<RouterError>,
    /// Routers asked.
    pub routers: usize,
}

async fn read_active(
    opts: mikrotik::ConnectOptions,
    r: &Router,
) -> mikrotik::Result<Vec<ActiveSession>> {
    let client = mikrotik::Client::connect(opts).await?;
    let (hotspot, ppp) = tokio::join!(client.hotspot_active().print(), client.ppp_active().print());
    let mut out: Vec<ActiveSession> = hotspot?
        .into_iter()
        .map(|h| ActiveSession {
            router_id: r.id,
            router_name: r.name.clone(),
            service: "hotspot".into(),
            user: h.user,
            address: h.address,
            client_id: h.mac_address,
            uptime_seconds: h.uptime.as_secs(),
            bytes_in: Some(h.bytes_in),
            bytes_out: Some(h.bytes_out),
        })
        .collect();
    out.extend(ppp?.into_iter().map(|p| ActiveSession {
        router_id: r.id,
        router_name: r.name.clone(),
        service: "pppoe".into(),
        user: p.name,
        address: p.address,
        client_id: p.caller_id,
        uptime_seconds: p.uptime.as_secs(),
        bytes_in: None,
        bytes_out: None,
    }));
    Ok(out)
}

async fn ask(state: &AppState, r: &Router) -> Result<Vec<ActiveSession>, ApiError> {
    let opts = connect_options(state, r)?;
    match tokio::time::timeout(ROUTER_TIMEOUT, read_active(opts, r)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(unreachable(r, &e)),
        Err(_) => Err(unreachable(
            r,
            &mikrotik::Error::Timeout(mikrotik::Stage::Command),
        )),
    }
}

/// Live sessions on one router.
///
/// Read from the router now; 502 `router-unreachable` when it cannot be asked.
#[utoipa::path(
    tag = "routers",
    responses((status = 200, body = ActiveSessions), ProblemResponses),
    security(("bearer" = ["sessions.read"]))
)]
#[get("/routers/{id}/active")]
async fn router_active(
    state: web::Data<AppState>,
    _: Require<perm::SessionsRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let router = db::run(&state.pool, move |c| {
        store::routers::get(c, id).map_err(|e| not_found(e, "router"))
    })
    .await?;
    let sessions = ask(&state, &router).await?;
    Ok(HttpResponse::Ok().json(ActiveSessions {
        sessions,
        errors: Vec::new(),
        routers: 1,
    }))
}

/// Live sessions on every enabled router.
///
/// Routers are asked concurrently; one that cannot be reached is listed in `errors` and the
/// others still answer.
#[utoipa::path(
    tag = "routers",
    responses((status = 200, body = ActiveSessions), ProblemResponses),
    security(("bearer" = ["sessions.read"]))
)]
#[get("/sessions/active")]
async fn all_active(
    state: web::Data<AppState>,
    _: Require<perm::SessionsRead>,
) -> ApiResult<HttpResponse> {
    let routers = db::run(&state.pool, |c| Ok(store::routers::enabled(c)?)).await?;
    let count = routers.len();
    let state = state.into_inner();
    let mut asks = Vec::with_capacity(count);
    for r in routers {
        let state = state.clone();
        asks.push(async move {
            let res = ask(&state, &r).await;
            (r, res)
        });
    }
    let answers: Vec<_> = futures::stream::iter(asks)
        .buffer_unordered(FAN_OUT)
        .collect()
        .await;
    let mut out = ActiveSessions {
        sessions: Vec::new(),
        errors: Vec::new(),
        routers: count,
    };
    for (r, res) in answers {
        match res {
            Ok(s) => out.sessions.extend(s),
            Err(e) => out.errors.push(RouterError {
                router_id: r.id,
                router_name: r.name,
                error: e.detail,
            }),
        }
    }
    out.sessions
        .sort_by(|a, b| (a.router_id, &a.user).cmp(&(b.router_id, &b.user)));
    out.errors.sort_by_key(|e| e.router_id);
    Ok(HttpResponse::Ok().json(out))
}
