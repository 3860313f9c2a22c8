//! The typed items of each menu and the specs used to write them.

use std::time::Duration;

use super::{Attrs, IntoAttrs, Item};
use crate::client::Password;
use crate::error::{Error, Result};
use crate::proto::Row;

fn req(row: &Row, field: &'static str) -> Result<String> {
    row.get(field).map(str::to_owned).ok_or(Error::Value {
        field,
        value: "<missing>".into(),
    })
}

fn opt(row: &Row, field: &str) -> Option<String> {
    row.get(field).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn flag(row: &Row, field: &'static str) -> Result<bool> {
    match row.get(field) {
        None | Some("false" | "no") => Ok(false),
        Some("true" | "yes") => Ok(true),
        Some(v) => Err(Error::Value {
            field,
            value: v.to_owned(),
        }),
    }
}

fn num(row: &Row, field: &'static str) -> Result<Option<u64>> {
    match row.get(field) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| Error::Value {
            field,
            value: v.to_owned(),
        }),
    }
}

fn dur(row: &Row, field: &'static str) -> Result<Option<Duration>> {
    match row.get(field) {
        None | Some("") => Ok(None),
        Some(v) => crate::duration::parse(v).map(Some).ok_or(Error::Value {
            field,
            value: v.to_owned(),
        }),
    }
}

/// `/ip/hotspot/user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotspotUser {
    pub id: String,
    pub name: String,
    pub password: Option<Password>,
    pub profile: Option<String>,
    pub limit_uptime: Option<Duration>,
    pub limit_bytes_total: Option<u64>,
    pub comment: Option<String>,
    pub disabled: bool,
    pub uptime: Duration,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl Item for HotspotUser {
    const PATH: &'static str = "/ip/hotspot/user";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            name: req(r, "name")?,
            password: opt(r, "password").map(Password::new),
            profile: opt(r, "profile"),
            limit_uptime: dur(r, "limit-uptime")?,
            limit_bytes_total: num(r, "limit-bytes-total")?,
            comment: opt(r, "comment"),
            disabled: flag(r, "disabled")?,
            uptime: dur(r, "uptime")?.unwrap_or_default(),
            bytes_in: num(r, "bytes-in")?.unwrap_or(0),
            bytes_out: num(r, "bytes-out")?.unwrap_or(0),
        })
    }
}

/// What billing writes to a hotspot user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotspotUserSpec {
    pub name: String,
    pub password: Option<Password>,
    pub profile: Option<String>,
    pub limit_uptime: Option<Duration>,
    pub limit_bytes_total: Option<u64>,
    pub comment: Option<String>,
    pub disabled: Option<bool>,
}

impl IntoAttrs for HotspotUserSpec {
    fn to_attrs(&self) -> Attrs {
        let a = Attrs::new()
            .set("name", &self.name)
            .opt("password", self.password.as_ref().map(Password::expose))
            .opt("profile", self.profile.as_deref())
            .duration("limit-uptime", self.limit_uptime)
            .opt(
                "limit-bytes-total",
                self.limit_bytes_total.map(|b| b.to_string()),
            )
            .opt("comment", self.comment.as_deref());
        match self.disabled {
            Some(d) => a.flag("disabled", d),
            None => a,
        }
    }
}

/// `/ip/hotspot/user/profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotspotUserProfile {
    pub id: String,
    pub name: String,
    pub rate_limit: Option<String>,
    pub shared_users: Option<String>,
    pub session_timeout: Option<Duration>,
    pub comment: Option<String>,
}

impl Item for HotspotUserProfile {
    const PATH: &'static str = "/ip/hotspot/user/profile";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            name: req(r, "name")?,
            rate_limit: opt(r, "rate-limit"),
            shared_users: opt(r, "shared-users"),
            session_timeout: dur(r, "session-timeout")?,
            comment: opt(r, "comment"),
        })
    }
}

/// What billing writes to a hotspot user profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotspotProfileSpec {
    pub name: String,
    pub rate_limit: Option<String>,
    pub shared_users: Option<u32>,
    pub session_timeout: Option<Duration>,
    pub comment: Option<String>,
}

impl IntoAttrs for HotspotProfileSpec {
    fn to_attrs(&self) -> Attrs {
        Attrs::new()
            .set("name", &self.name)
            .opt("rate-limit", self.rate_limit.as_deref())
            .opt("shared-users", self.shared_users.map(|n| n.to_string()))
            .duration("session-timeout", self.session_timeout)
            .opt("comment", self.comment.as_deref())
    }
}

/// `/ip/hotspot/active`: a logged-in hotspot client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotspotActive {
    pub id: String,
    pub user: String,
    pub server: Option<String>,
    pub address: Option<String>,
    pub mac_address: Option<String>,
    pub login_by: Option<String>,
    pub uptime: Duration,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl Item for HotspotActive {
    const PATH: &'static str = "/ip/hotspot/active";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            user: req(r, "user")?,
            server: opt(r, "server"),
            address: opt(r, "address"),
            mac_address: opt(r, "mac-address"),
            login_by: opt(r, "login-by"),
            uptime: dur(r, "uptime")?.unwrap_or_default(),
            bytes_in: num(r, "bytes-in")?.unwrap_or(0),
            bytes_out: num(r, "bytes-out")?.unwrap_or(0),
        })
    }
}

/// `/ppp/secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PppSecret {
    pub id: String,
    pub name: String,
    pub password: Option<Password>,
    pub service: Option<String>,
    pub profile: Option<String>,
    pub remote_address: Option<String>,
    pub comment: Option<String>,
    pub disabled: bool,
}

impl Item for PppSecret {
    const PATH: &'static str = "/ppp/secret";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            name: req(r, "name")?,
            password: opt(r, "password").map(Password::new),
            service: opt(r, "service"),
            profile: opt(r, "profile"),
            remote_address: opt(r, "remote-address"),
            comment: opt(r, "comment"),
            disabled: flag(r, "disabled")?,
        })
    }
}

/// What billing writes to a PPP secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PppSecretSpec {
    pub name: String,
    pub password: Option<Password>,
    pub service: Option<String>,
    pub profile: Option<String>,
    pub remote_address: Option<String>,
    pub comment: Option<String>,
    pub disabled: Option<bool>,
}

impl IntoAttrs for PppSecretSpec {
    fn to_attrs(&self) -> Attrs {
        let a = Attrs::new()
            .set("name", &self.name)
            .opt("password", self.password.as_ref().map(Password::expose))
            .opt("service", self.service.as_deref())
            .opt("profile", self.profile.as_deref())
            .opt("remote-address", self.remote_address.as_deref())
            .opt("comment", self.comment.as_deref());
        match self.disabled {
            Some(d) => a.flag("disabled", d),
            None => a,
        }
    }
}

/// `/ppp/profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PppProfile {
    pub id: String,
    pub name: String,
    pub local_address: Option<String>,
    pub remote_address: Option<String>,
    pub rate_limit: Option<String>,
    pub comment: Option<String>,
}

impl Item for PppProfile {
    const PATH: &'static str = "/ppp/profile";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            name: req(r, "name")?,
            local_address: opt(r, "local-address"),
            remote_address: opt(r, "remote-address"),
            rate_limit: opt(r, "rate-limit"),
            comment: opt(r, "comment"),
        })
    }
}

/// What billing writes to a PPP profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PppProfileSpec {
    pub name: String,
    pub local_address: Option<String>,
    pub remote_address: Option<String>,
    pub rate_limit: Option<String>,
    pub comment: Option<String>,
}

impl IntoAttrs for PppProfileSpec {
    fn to_attrs(&self) -> Attrs {
        Attrs::new()
            .set("name", &self.name)
            .opt("local-address", self.local_address.as_deref())
            .opt("remote-address", self.remote_address.as_deref())
            .opt("rate-limit", self.rate_limit.as_deref())
            .opt("comment", self.comment.as_deref())
    }
}

/// `/ppp/active`: a connected PPP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PppActive {
    pub id: String,
    pub name: String,
    pub service: Option<String>,
    pub caller_id: Option<String>,
    pub address: Option<String>,
    pub uptime: Duration,
}

impl Item for PppActive {
    const PATH: &'static str = "/ppp/active";
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            id: req(r, ".id")?,
            name: req(r, "name")?,
            service: opt(r, "service"),
            caller_id: opt(r, "caller-id"),
            address: opt(r, "address"),
            uptime: dur(r, "uptime")?.unwrap_or_default(),
        })
    }
}

/// `/system/resource`: what the health check reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemResource {
    pub uptime: Duration,
    pub version: String,
    pub board_name: Option<String>,
    pub cpu_load: Option<u64>,
    pub free_memory: Option<u64>,
    pub total_memory: Option<u64>,
}

impl SystemResource {
    pub(crate) fn from_row(r: &Row) -> Result<Self> {
        Ok(Self {
            uptime: dur(r, "uptime")?.unwrap_or_default(),
            version: req(r, "version")?,
            board_name: opt(r, "board-name"),
            cpu_load: num(r, "cpu-load")?,
            free_memory: num(r, "free-memory")?,
            total_memory: num(r, "total-memory")?,
        })
    }
}
