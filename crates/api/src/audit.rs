//! The audit trail of mutations: the [`AuditContext`] extractor (who, from where, which
//! request) and [`AuditContext::record`], called inside the same transaction as the change
//! so a change and its audit row commit or roll back together. Secrets are redacted by key
//! name before anything is stored.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel::PgConnection;
use serde_json::Value;
use std::future::{Ready, ready};

use crate::auth::jwt::Realm;
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::state::AppState;
use store::models::audit::NewAuditEntry;

/// Who did it and from where; filled from the request, so handlers only add the what.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// `admin`, `customer` or `anonymous`.
    pub actor_kind: &'static str,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
    pub method: String,
    pub path: String,
}

/// Key fragments whose values never reach the audit log.
const SECRET_KEY_PARTS: &[&str] = &[
    "password",
    "secret",
    "token",
    "key",
    "hash",
    "totp",
    "recovery",
    "otp",
    "pin",
    "credential",
];

pub const REDACTED: &str = "[redacted]";

/// Replaces the value of every object member whose name looks secret, at any depth.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    if SECRET_KEY_PARTS.iter().any(|p| lower.contains(p)) && !v.is_null() {
                        (k, Value::String(REDACTED.into()))
                    } else {
                        (k, redact(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// The peer address. Forwarded headers are not trusted: anyone can send them, and the IP
/// feeds login throttling.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}

impl AuditContext {
    pub fn from_request_parts(req: &HttpRequest) -> Self {
        let mut ctx = AuditContext {
            actor_kind: "anonymous",
            actor_id: None,
            actor_name: None,
            ip: client_ip(req),
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            user_agent: user_agent(req),
            method: req.method().to_string(),
            path: req.path().to_owned(),
        };
        // the handler's own auth extractor enforces validity and revocation; here the
        // token only names the actor
        if let (Some(state), Some(token)) = (
            req.app_data::<web::Data<AppState>>(),
            crate::auth::extract::bearer(req),
        ) {
            if let Ok(c) = state.jwt.verify(token, Realm::Admin) {
                ctx.set_actor("admin", c.sub.parse().ok(), Some(c.name));
            } else if let Ok(c) = state.jwt.verify(token, Realm::Customer) {
                ctx.set_actor("customer", c.sub.parse().ok(), None);
            }
        }
        ctx
    }

    /// Names the actor explicitly, e.g. after a login proved who the anonymous caller is.
    pub fn set_actor(&mut self, kind: &'static str, id: Option<i64>, name: Option<String>) {
        self.actor_kind = kind;
        self.actor_id = id;
        self.actor_name = name;
    }

    /// Appends one audit row. Call it inside the transaction of the change.
    pub fn record(
        &self,
        conn: &mut PgConnection,
        action: &str,
        resource_type: &str,
        resource_id: Option<&str>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> diesel::QueryResult<i64> {
        store::audit::insert(
            conn,
            &NewAuditEntry {
                actor_kind: self.actor_kind,
                actor_id: self.actor_id,
                actor_name: self.actor_name.as_deref(),
                action,
                resource_type: Some(resource_type),
                resource_id,
                method: Some(&self.method),
                path: Some(&self.path),
                status_code: None,
                ip: self.ip.as_deref(),
                request_id: self.request_id.as_deref(),
                before: before.map(redact),
                after: after.map(redact),
            },
        )
    }
}

impl FromRequest for AuditContext {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AuditContext::from_request_parts(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let v = redact(json!({
            "username": "ana",
            "password": "hunter22",
            "gateway": {"api_key": "abc", "name": "duitku"},
            "items": [{"refresh_token": "t"}],
            "totp_secret": null
        }));
        assert_eq!(v["username"], "ana");
        assert_eq!(v["password"], REDACTED);
        assert_eq!(v["gateway"]["api_key"], REDACTED);
        assert_eq!(v["gateway"]["name"], "duitku");
        assert_eq!(v["items"][0]["refresh_token"], REDACTED);
        assert!(v["totp_secret"].is_null());
    }
}
