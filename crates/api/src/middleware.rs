//! Request hygiene around every route: a request id in and out (`X-Request-Id`), security
//! headers, CORS from `MIKROBILL_CORS_ORIGINS`, and a structured access log that never
//! contains headers, bodies or query strings (they may carry tokens or passwords).

use std::time::Instant;

use actix_cors::Cors;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

pub const REQUEST_ID: &str = "x-request-id";

/// The request's id: the caller's `X-Request-Id` when sane, else a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| v.to_owned())
}

/// Request id, security headers and the access log, as one `from_fn` middleware.
pub async fn hygiene(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut res = next.call(req).await?;
    let status = res.status().as_u16();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static(REQUEST_ID), v);
    }
    let security: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in security {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    // the API's JSON is per user: never cache it in shared caches; /docs may be cached
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        target: "access",
        request_id = %id,
        %method,
        path = %path,
        status,
        micros = started.elapsed().as_micros() as u64,
    );
    Ok(res)
}

/// CORS for browser frontends: only the configured origins; none configured = no CORS
/// headers at all (same-origin use and non-browser clients still work).
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(REQUEST_ID),
        ])
        .expose_headers([
            HeaderName::from_static(REQUEST_ID),
            HeaderName::from_static("idempotency-replayed"),
            header::RETRY_AFTER,
        ])
        .max_age(600);
    for origin in origins {
        if origin == "*" {
            cors = cors.allow_any_origin().send_wildcard();
        } else {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}
