//! Rows of `settings` and `idempotency_keys`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{idempotency_keys, settings};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = settings, check_for_backend(diesel::pg::Pg))]
pub struct Setting {
    pub key: String,
    pub value: serde_json::Value,
    pub is_secret: bool,
    pub secret_enc: Option<Vec<u8>>,
    pub description: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
    pub request_hash: Vec<u8>,
    pub status: String,
    pub response_status: Option<i32>,
    pub response_headers: Option<serde_json::Value>,
    pub response_body: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
