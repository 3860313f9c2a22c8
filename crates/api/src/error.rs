//! The one error type of the HTTP API and its catalogue of problem types: every failure a
//! client can see is an RFC 9457 `application/problem+json` body with a stable `type`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($variant:ident => $slug:literal, $status:ident, $title:literal;)*) => {
        /// Stable error codes; the slug is part of the public contract (`type` URI).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn slug(self) -> &'static str {
                match self { $(ErrorCode::$variant => $slug),* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),* }
            }

            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),* }
            }
        }
    };
}

error_codes! {
    BadRequest => "bad-request", BAD_REQUEST, "The request is malformed";
    MalformedJson => "malformed-json", BAD_REQUEST, "The request body is not valid JSON for this operation";
    InvalidQuery => "invalid-query", BAD_REQUEST, "A query parameter is invalid";
    InvalidPath => "invalid-path", BAD_REQUEST, "A path parameter is invalid";
    ValidationFailed => "validation-failed", UNPROCESSABLE_ENTITY, "One or more fields are invalid";
    Unauthenticated => "unauthenticated", UNAUTHORIZED, "Authentication is required";
    InvalidCredentials => "invalid-credentials", UNAUTHORIZED, "Invalid credentials";
    InvalidToken => "invalid-token", UNAUTHORIZED, "The token is invalid, expired or revoked";
    TwoFactorRequired => "two-factor-required", UNAUTHORIZED, "A two-factor code is required";
    Forbidden => "forbidden", FORBIDDEN, "You do not have permission for this action";
    TwoFactorEnrolmentRequired => "two-factor-enrolment-required", FORBIDDEN, "Your role requires two-factor authentication; enrol first";
    NotFound => "not-found", NOT_FOUND, "The resource does not exist";
    MethodNotAllowed => "method-not-allowed", METHOD_NOT_ALLOWED, "The method is not allowed on this resource";
    Conflict => "conflict", CONFLICT, "The request conflicts with the current state";
    AlreadyExists => "already-exists", CONFLICT, "A resource with this value already exists";
    InUse => "in-use", CONFLICT, "The resource is still in use";
    InsufficientBalance => "insufficient-balance", CONFLICT, "The balance is not sufficient";
    IdempotencyKeyReused => "idempotency-key-reused", UNPROCESSABLE_ENTITY, "The Idempotency-Key was already used with a different request";
    IdempotencyInProgress => "idempotency-in-progress", CONFLICT, "A request with this Idempotency-Key is still being processed";
    PayloadTooLarge => "payload-too-large", PAYLOAD_TOO_LARGE, "The request body is too large";
    UnsupportedMediaType => "unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "The request content type is not supported";
    TooManyRequests => "too-many-requests", TOO_MANY_REQUESTS, "Too many requests; slow down";
    AccountLocked => "account-locked", TOO_MANY_REQUESTS, "Too many failed attempts; try again later";
    RouterUnreachable => "router-unreachable", BAD_GATEWAY, "The router could not be reached";
    UpstreamFailed => "upstream-failed", BAD_GATEWAY, "An upstream service failed";
    ServiceUnavailable => "service-unavailable", SERVICE_UNAVAILABLE, "The service is temporarily unavailable";
    Internal => "internal", INTERNAL_SERVER_ERROR, "Internal server error";
}

impl ErrorCode {
    pub fn type_uri(self) -> String {
        format!("urn:mikrobill:problem:{}", self.slug())
    }
}

/// One invalid field of a request, as shown in `errors[]`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer-like path of the field (`phone`, `items[2].amount`, `query.limit`).
    #[schema(example = "phone")]
    pub field: String,
    /// Human-readable reason.
    #[schema(example = "not a valid Indonesian phone number")]
    pub message: String,
}

/// RFC 9457 problem details as written by every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "urn:mikrobill:problem:validation-failed")]
    pub type_uri: String,
    #[schema(example = "One or more fields are invalid")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "phone: not a valid Indonesian phone number")]
    pub detail: String,
    /// Stable machine-readable code (the last segment of `type`).
    #[schema(example = "validation-failed")]
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The API's error: a catalogue code, a client-safe detail, optional field errors and,
/// for 5xx, the internal cause that is logged but never sent.
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            cause: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, detail)
    }

    /// A 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::fields(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A 422 listing every invalid field at once, so a form can show them together.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            code: ErrorCode::ValidationFailed,
            detail,
            errors,
            retry_after_secs: None,
            cause: None,
        }
    }

    /// A 500 whose cause is logged, never returned.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            code: ErrorCode::Internal,
            detail: "an unexpected error occurred; it has been logged".into(),
            errors: Vec::new(),
            retry_after_secs: None,
            cause: Some(cause.into()),
        }
    }

    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::ServiceUnavailable, detail);
        e.retry_after_secs = Some(retry_after_secs);
        e
    }

    pub fn with_cause(
        mut self,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: self.code.type_uri(),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code.slug().to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.slug(), self.detail)?;
        let mut source = self.cause.as_deref().map(|c| c as &dyn std::error::Error);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.slug(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.code.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut res = HttpResponse::build(self.code.status());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Maps a missing row to a 404 naming what was missing (`router not found`); every other
/// database error keeps the generic mapping below.
pub fn not_found(e: diesel::result::Error, what: &str) -> ApiError {
    match e {
        diesel::result::Error::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &err {
            E::NotFound => ApiError::not_found("resource"),
            E::DatabaseError(kind, info) => {
                let field = info
                    .column_name()
                    .map(str::to_owned)
                    .or_else(|| info.constraint_name().map(field_of_constraint))
                    .unwrap_or_else(|| "request".to_owned());
                match kind {
                    K::UniqueViolation => {
                        let mut e = ApiError::new(
                            ErrorCode::AlreadyExists,
                            format!("{field} is already in use"),
                        );
                        e.errors.push(FieldError {
                            field,
                            message: "already exists".into(),
                        });
                        e
                    }
                    K::CheckViolation => ApiError::field(field, "violates a rule of the data"),
                    K::ForeignKeyViolation => ApiError::field(
                        field,
                        "refers to something that does not exist or is still referenced",
                    ),
                    K::NotNullViolation => ApiError::field(field, "is required"),
                    K::SerializationFailure => ApiError::unavailable(
                        "the request collided with a concurrent change; retry it",
                        1,
                    ),
                    // PostgreSQL text cannot hold NUL: bad input, not a server fault
                    _ if info.message().contains("0x00") => {
                        ApiError::field("body", "text must not contain NUL (\\u0000) characters")
                    }
                    _ => ApiError::internal(err),
                }
            }
            // an update whose fields were all omitted: nothing to do is the client's mistake
            E::QueryBuilderError(e) if e.to_string().contains("no changes to save") => {
                ApiError::field("body", "names no field to change")
            }
            _ => ApiError::internal(err),
        }
    }
}

/// Constraint names follow PostgreSQL's defaults (`customers_phone_key`,
/// `customers_balance_check`): strip the table and the suffix to name the field.
fn field_of_constraint(name: &str) -> String {
    let trimmed = [
        "_key",
        "_check",
        "_fkey",
        "_idx",
        "_excl",
        "_format",
        "_not_blank",
    ]
    .iter()
    .find_map(|s| name.strip_suffix(s))
    .unwrap_or(name);
    match trimmed.split_once('_') {
        Some((_, rest)) if !rest.is_empty() => rest.to_owned(),
        _ => trimmed.to_owned(),
    }
}

impl From<deadpool_diesel::PoolError> for ApiError {
    fn from(err: deadpool_diesel::PoolError) -> Self {
        ApiError::unavailable("the database is busy or unreachable; retry shortly", 2)
            .with_cause(err)
    }
}

impl From<deadpool_diesel::InteractError> for ApiError {
    fn from(err: deadpool_diesel::InteractError) -> Self {
        ApiError::internal(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_unique_slug_and_an_error_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.slug()), "duplicate slug {}", code.slug());
            assert!(code.status().as_u16() >= 400);
        }
    }

    #[test]
    fn constraint_names_map_to_fields() {
        assert_eq!(field_of_constraint("customers_phone_key"), "phone");
        assert_eq!(
            field_of_constraint("profiles_price_sell_check"),
            "price_sell"
        );
    }

    #[test]
    fn internal_errors_never_leak_their_cause() {
        let e = ApiError::internal("password=hunter2 leaked");
        let body = serde_json::to_string(&e.problem()).unwrap_or_default();
        assert!(!body.contains("hunter2"));
        assert_eq!(e.problem().status, 500);
    }
}
