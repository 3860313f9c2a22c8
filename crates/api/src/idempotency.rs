//! `Idempotency-Key` support for money-moving POSTs: the first request with a key claims it
//! (`in_progress`), runs, and stores its status and body; a retry with the same key and the
//! same request gets the stored response byte for byte plus `Idempotency-Replayed: true`.
//! Same key with a different request → 422 `idempotency-key-reused`; a retry while the first
//! is still running → 409 `idempotency-in-progress`. Keys are scoped per actor (admin or
//! customer) and expire after 24 h. State lives in PostgreSQL, so it holds across replicas.
//!
//! Usage in a handler (the header is optional; without it the closure just runs):
//!
//! ```ignore
//! #[post("/customers/{id}/transactions")]
//! async fn create(state: web::Data<AppState>, _: Require<perm::LedgerTopUp>, idem: Idempotency,
//!                 path: web::Path<i64>, body: Json<NewTransaction>) -> Result<HttpResponse, ApiError> {
//!     let (id, body) = (path.into_inner(), body.into_inner());
//!     // hash the request first: the closure below takes `body` by move
//!     let request = idempotency::fingerprint(&(id, &body));
//!     idem.run(&state, request, move || async move {
//!         let entry = db::run(&state.pool, move |conn| { /* one transaction */ }).await?;
//!         Ok((StatusCode::CREATED, entry))       // any Serialize body
//!     }).await
//! }
//! ```
//!
//! Document the header with `params(IdempotencyKeyHeader)` in `#[utoipa::path]`.
//! Error responses of 4xx are stored and replayed like successes (the same request fails the
//! same way); 5xx and cancelled requests release the key so the client can retry.

use std::future::{Future, Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::audit::AuditContext;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use store::idempotency::Claim;

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED_HEADER: &str = "Idempotency-Replayed";
pub const TTL_HOURS: i64 = 24;
const MAX_KEY_LEN: usize = 255;

/// The `Idempotency-Key` request header, for `#[utoipa::path(params(...))]`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Client-chosen unique key (1–255 visible ASCII characters, e.g. a UUID). Retrying
    /// with the same key replays the first response instead of repeating the operation.
    #[param(
        rename = "Idempotency-Key",
        max_length = 255,
        example = "5f0c1c9e-3a4b-4d7e-9d61-0c2b4f6a9b10"
    )]
    pub idempotency_key: Option<String>,
}

/// SHA-256 of what makes two requests "the same" (besides method, path and actor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Vec<u8>);

/// Hashes the request (normally the path ids and the parsed body) before the operation
/// closure takes ownership of it.
pub fn fingerprint(request: &impl Serialize) -> Fingerprint {
    Fingerprint(Sha256::digest(serde_json::to_vec(request).unwrap_or_default()).to_vec())
}

/// Anything [`Idempotency::run`] accepts as the request: a [`Fingerprint`] or `&impl Serialize`.
pub trait IntoFingerprint {
    fn into_fingerprint(self) -> Fingerprint;
}

impl IntoFingerprint for Fingerprint {
    fn into_fingerprint(self) -> Fingerprint {
        self
    }
}

impl<R: Serialize> IntoFingerprint for &R {
    fn into_fingerprint(self) -> Fingerprint {
        fingerprint(self)
    }
}

/// The extracted header plus what scopes it.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key: Option<String>,
    scope: String,
    method: String,
    path: String,
}

impl FromRequest for Idempotency {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req))
    }
}

impl Idempotency {
    fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        let key = match req.headers().get(HEADER) {
            None => None,
            Some(v) => {
                let s = v.to_str().unwrap_or("");
                if s.is_empty() || s.len() > MAX_KEY_LEN || !s.bytes().all(|b| b.is_ascii_graphic())
                {
                    return Err(ApiError::field(
                        "header.Idempotency-Key",
                        "must be 1 to 255 visible ASCII characters",
                    ));
                }
                Some(s.to_owned())
            }
        };
        let ctx = AuditContext::from_request_parts(req);
        let scope = match ctx.actor_id {
            Some(id) => format!("{}:{id}", ctx.actor_kind),
            None => "anonymous".to_owned(),
        };
        Ok(Self {
            key,
            scope,
            method: req.method().to_string(),
            path: req.path().to_owned(),
        })
    }

    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    fn request_hash(&self, request: Fingerprint) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(self.method.as_bytes());
        h.update(b" ");
        h.update(self.path.as_bytes());
        h.update(b"\n");
        h.update(&request.0);
        h.finalize().to_vec()
    }

    /// Runs `op` at most once per key; see the module doc. `request` is what makes two
    /// requests "the same" besides method and path: a [`fingerprint`] or `&body`.
    pub async fn run<R, F, Fut, T>(
        self,
        state: &AppState,
        request: R,
        op: F,
    ) -> Result<HttpResponse, ApiError>
    where
        R: IntoFingerprint,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(StatusCode, T), ApiError>>,
        T: Serialize,
    {
        let Some(key) = self.key.clone() else {
            let (status, body) = op().await?;
            return Ok(json_response(
                status,
                serde_json::to_vec(&body).map_err(ApiError::internal)?,
            ));
        };
        let hash = self.request_hash(request.into_fingerprint());
        let expires = Utc::now() + chrono::Duration::hours(TTL_HOURS);
        let (scope, k, h) = (self.scope.clone(), key.clone(), hash.clone());
        let claim = crate::db::run(&state.pool, move |conn| {
            Ok(store::idempotency::claim(conn, &scope, &k, &h, expires)?)
        })
        .await?;
        if let Claim::Existing(row) = claim {
            if row.request_hash != hash {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was used for a different request; use a new key",
                ));
            }
            return match (row.status.as_str(), row.response_status, row.response_body) {
                ("completed", Some(status), Some(body)) => {
                    Ok(replay(status, &row.response_headers, body))
                }
                _ => Err(ApiError::new(
                    ErrorCode::IdempotencyInProgress,
                    "the first request with this Idempotency-Key is still running; retry shortly",
                )
                .with_retry_after(1)),
            };
        }
        let mut guard = ReleaseGuard {
            pool: state.pool.clone(),
            scope: self.scope.clone(),
            key: key.clone(),
            armed: true,
        };
        let (status, body, content_type) = match op().await {
            Ok((status, body)) => (
                status,
                serde_json::to_vec(&body).map_err(ApiError::internal)?,
                "application/json",
            ),
            Err(e) if e.code.status().is_client_error() => {
                let body = serde_json::to_vec(&e.problem()).map_err(ApiError::internal)?;
                (e.code.status(), body, "application/problem+json")
            }
            // the guard releases the key: a server-side failure may succeed on retry
            Err(e) => return Err(e),
        };
        let (scope, stored) = (self.scope.clone(), body.clone());
        let headers = serde_json::json!({ "content-type": content_type });
        let code = i32::from(status.as_u16());
        crate::db::run(&state.pool, move |conn| {
            Ok(store::idempotency::complete(
                conn, &scope, &key, code, headers, &stored,
            )?)
        })
        .await?;
        guard.armed = false;
        Ok(HttpResponse::build(status)
            .content_type(content_type)
            .body(body))
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

fn replay(status: i32, headers: &Option<serde_json::Value>, body: Vec<u8>) -> HttpResponse {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let content_type = headers
        .as_ref()
        .and_then(|h| h.get("content-type"))
        .and_then(|v| v.as_str())
        .unwrap_or("application/json")
        .to_owned();
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((REPLAYED_HEADER, "true"))
        .body(body)
}

/// Releases an `in_progress` claim if the operation did not finish (error, panic, or the
/// client went away and actix dropped the handler future).
struct ReleaseGuard {
    pool: crate::db::DbPool,
    scope: String,
    key: String,
    armed: bool,
}

impl Drop for ReleaseGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (pool, scope, key) = (
            self.pool.clone(),
            std::mem::take(&mut self.scope),
            std::mem::take(&mut self.key),
        );
        if tokio::runtime::Handle::try_current().is_ok() {
            actix_web::rt::spawn(async move {
                if let Err(e) = store::pool::with_conn(&pool, move |conn| {
                    store::idempotency::release(conn, &scope, &key)
                })
                .await
                {
                    tracing::warn!(error = %e, "releasing an idempotency key failed; it expires in 24 h");
                }
            });
        }
    }
}
