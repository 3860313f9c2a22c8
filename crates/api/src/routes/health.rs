//! Liveness, readiness (database and broker) and Prometheus metrics.

use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// Liveness: the process is up and serving HTTP. Touches no dependency.
#[utoipa::path(tag = "ops", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `ok` or `skipped` (broker, in embedded job mode) per dependency.
    pub checks: ReadinessChecks,
}

#[derive(Serialize, ToSchema)]
pub struct ReadinessChecks {
    #[schema(example = "ok")]
    pub database: &'static str,
    #[schema(example = "ok")]
    pub broker: &'static str,
}

/// Readiness: PostgreSQL answers a query and RabbitMQ accepts a TCP connection.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, body = Readiness),
        (status = 503, description = "A dependency is down", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut failures = Vec::new();
    if let Err(e) = check_database(&state).await {
        failures.push(format!("database: {e}"));
    }
    let broker = if state.config.amqp_url.trim().is_empty() {
        "skipped"
    } else {
        match check_broker(&state.config.amqp_url).await {
            Ok(()) => "ok",
            Err(e) => {
                failures.push(format!("broker: {e}"));
                "down"
            }
        }
    };
    if !failures.is_empty() {
        return Err(
            ApiError::new(ErrorCode::ServiceUnavailable, failures.join("; ")).with_retry_after(5),
        );
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready",
        checks: ReadinessChecks {
            database: "ok",
            broker,
        },
    }))
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

async fn check_database(state: &AppState) -> Result<(), String> {
    use diesel::RunQueryDsl;
    let work = async {
        let conn = state.pool.get().await.map_err(|e| e.to_string())?;
        conn.interact(|c| diesel::sql_query("SELECT 1").execute(c))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    };
    tokio::time::timeout(CHECK_TIMEOUT, work)
        .await
        .map_err(|_| "timed out".to_owned())?
}

/// A TCP connect is enough to know the broker is reachable without opening an AMQP
/// channel per probe; the worker's own connection reports protocol-level trouble.
async fn check_broker(amqp_url: &str) -> Result<(), String> {
    let addr = broker_addr(amqp_url).ok_or_else(|| "AMQP_URL has no host".to_owned())?;
    tokio::time::timeout(CHECK_TIMEOUT, tokio::net::TcpStream::connect(addr.as_str()))
        .await
        .map_err(|_| "timed out".to_owned())?
        .map(|_| ())
        .map_err(|e| format!("unreachable ({e})"))
}

/// `amqp://user:pass@host:port/vhost` → `host:port` (5672/5671 by scheme when absent).
pub fn broker_addr(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host_port.ends_with(']');
    if has_port {
        Some(host_port.to_owned())
    } else {
        let port = if scheme.eq_ignore_ascii_case("amqps") {
            5671
        } else {
            5672
        };
        Some(format!("{host_port}:{port}"))
    }
}

/// Prometheus metrics of this process.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(&state.pool.status()))
}

#[cfg(test)]
mod tests {
    use super::broker_addr;

    #[test]
    fn broker_address_is_taken_from_the_url() {
        assert_eq!(
            broker_addr("amqp://guest:guest@127.0.0.1:5672/%2f").as_deref(),
            Some("127.0.0.1:5672")
        );
        assert_eq!(
            broker_addr("amqp://rabbit/").as_deref(),
            Some("rabbit:5672")
        );
        assert_eq!(
            broker_addr("amqps://u:p@mq.example:1234").as_deref(),
            Some("mq.example:1234")
        );
        assert_eq!(broker_addr("nonsense"), None);
    }
}
