//! Request extractors whose failures are problem+json with the field at fault, replacing
//! actix's defaults (which answer text/plain and never name the field).

use crate::error::{ApiError, ErrorCode, FieldError};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use std::ops::Deref;

/// JSON body: 415 without a JSON content type, 413 over the configured limit, 400 for a
/// syntax error and 422 naming the field for a missing field, a wrong type or an unknown
/// enum value.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Maximum JSON body size, registered as app data; falls back to 256 KiB.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<BodyLimit>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let content_type_ok = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ));
            }
            let bytes = body.await.map_err(|e| payload_error(&e, limit))?;
            if bytes.len() > limit {
                return Err(too_large(limit));
            }
            parse_json(&bytes).map(Json)
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body exceeds the limit of {limit} bytes"),
    )
}

fn payload_error(err: &actix_web::Error, limit: usize) -> ApiError {
    let status = err.as_response_error().status_code();
    if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::new(ErrorCode::BadRequest, "the request body could not be read")
    }
}

/// Deserializes with the path of the failing field, so `{"items":[{"amount":"x"}]}`
/// reports `items[0].amount`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                let field = missing_field(&message)
                    .map(|f| join_path(&path, &f))
                    .unwrap_or_else(|| if path == "." { "body".into() } else { path });
                ApiError::fields(vec![FieldError { field, message }])
            }
            _ => ApiError::new(ErrorCode::MalformedJson, format!("invalid JSON: {}", inner)),
        }
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// serde reports a missing field on its parent's path; name the field itself.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

fn join_path(parent: &str, field: &str) -> String {
    if parent == "." || parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// Maps actix's query-string failures to a 400 naming the parameter where serde tells it.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    let message = err.to_string();
    let detail = message
        .strip_prefix("Query deserialize error: ")
        .unwrap_or(&message)
        .to_owned();
    let mut e = ApiError::new(ErrorCode::InvalidQuery, detail.clone());
    e.errors.push(FieldError {
        field: missing_field(&detail)
            .map(|f| format!("query.{f}"))
            .unwrap_or_else(|| "query".into()),
        message: detail,
    });
    e.into()
}

pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    let mut e = ApiError::new(
        ErrorCode::InvalidPath,
        "a path parameter has the wrong format",
    );
    e.errors.push(FieldError {
        field: "path".into(),
        message: err.to_string(),
    });
    e.into()
}

pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let e = match err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => too_large(limit),
        J::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ),
        J::Deserialize(inner) => match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::field("body", strip_position(&inner.to_string()))
            }
            _ => ApiError::new(ErrorCode::MalformedJson, format!("invalid JSON: {inner}")),
        },
        other => ApiError::new(ErrorCode::BadRequest, other.to_string()),
    };
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "fields only exist to be deserialized")]
    struct Item {
        amount: u32,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        TopUp,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "fields only exist to be deserialized")]
    struct Body {
        items: Vec<Item>,
    }

    fn field_of(json: &str) -> (u16, String) {
        match parse_json::<Body>(json.as_bytes()) {
            Ok(_) => (200, String::new()),
            Err(e) => (
                e.code.status().as_u16(),
                e.errors
                    .first()
                    .map(|f| f.field.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    #[test]
    fn json_errors_name_the_field_at_fault() {
        assert_eq!(
            field_of(r#"{"items":[{"amount":"x","kind":"top_up"}]}"#),
            (422, "items[0].amount".into())
        );
        assert_eq!(
            field_of(r#"{"items":[{"amount":1,"kind":"bogus"}]}"#),
            (422, "items[0].kind".into())
        );
        assert_eq!(
            field_of(r#"{"items":[{"kind":"top_up"}]}"#),
            (422, "items[0].amount".into())
        );
        assert_eq!(
            field_of(r#"{"items":[{"amount":1,"kind":"top_up"}]}"#),
            (200, String::new())
        );
        assert_eq!(field_of(r#"{"items": ["#).0, 400);
    }
}
