//! Rows of `locations` and `routers`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::status::{RouterStatus, SyncMode, UnknownStatus};

use crate::schema::{locations, routers};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = locations, check_for_backend(diesel::pg::Pg))]
pub struct Location {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub timezone: String,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = locations)]
pub struct NewLocation<'a> {
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub timezone: &'a str,
    pub notes: Option<&'a str>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = locations)]
pub struct LocationChanges {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub timezone: Option<String>,
    pub notes: Option<Option<String>>,
}

/// A router; `password_enc` is ciphertext (see `store::crypto`) and never leaves the server.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = routers, check_for_backend(diesel::pg::Pg))]
pub struct Router {
    pub id: i64,
    pub location_id: i64,
    pub name: String,
    pub host: String,
    pub api_port: i32,
    pub use_tls: bool,
    pub tls_fingerprint: Option<String>,
    pub username: String,
    pub password_enc: Vec<u8>,
    pub timezone: Option<String>,
    pub enabled: bool,
    pub ros_version: Option<String>,
    pub status: String,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub latency_ms: Option<i32>,
    pub identity: Option<String>,
    pub version: Option<String>,
    pub uptime_seconds: Option<i64>,
    pub cpu_load: Option<i32>,
    pub free_memory: Option<i64>,
    pub total_memory: Option<i64>,
    pub board_name: Option<String>,
    pub last_error: Option<String>,
    pub sync_mode: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Router {
    pub fn status(&self) -> Result<RouterStatus, UnknownStatus> {
        self.status.parse()
    }

    pub fn sync_mode(&self) -> Result<SyncMode, UnknownStatus> {
        self.sync_mode.parse()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = routers)]
pub struct NewRouter<'a> {
    pub location_id: i64,
    pub name: &'a str,
    pub host: &'a str,
    pub api_port: i32,
    pub use_tls: bool,
    pub tls_fingerprint: Option<&'a str>,
    pub username: &'a str,
    pub password_enc: &'a [u8],
    pub timezone: Option<&'a str>,
    pub enabled: bool,
    pub ros_version: Option<&'a str>,
    pub sync_mode: &'a str,
    pub notes: Option<&'a str>,
}

/// Operator-editable router fields; health fields are written by the poller directly.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = routers)]
pub struct RouterChanges {
    pub location_id: Option<i64>,
    pub name: Option<String>,
    pub host: Option<String>,
    pub api_port: Option<i32>,
    pub use_tls: Option<bool>,
    pub tls_fingerprint: Option<Option<String>>,
    pub username: Option<String>,
    pub password_enc: Option<Vec<u8>>,
    pub timezone: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub ros_version: Option<Option<String>>,
    pub sync_mode: Option<String>,
    pub notes: Option<Option<String>>,
}
