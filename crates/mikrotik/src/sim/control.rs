//! Several simulated routers at once ([`Fleet`]) and a small HTTP/1.1 JSON control API over
//! them, used by `mikrobill routeros-sim` and by tests that drive the real binary.
//!
//! | method | path | body | effect |
//! |---|---|---|---|
//! | GET | `/routers` | | list routers |
//! | GET | `/routers/{name}/menu/{path…}` | | rows of a menu, e.g. `/menu/ip/hotspot/user` |
//! | POST | `/routers/{name}/exec` | `{"words": ["/ip/hotspot/user/set", "=.id=*1", "=comment=x"]}` | operator edit (drift) |
//! | POST | `/routers/{name}/hotspot/login` | `{"user": "u", "password": "p"}` | hotspot client logs in |
//! | POST | `/routers/{name}/hotspot/logout` | `{"user": "u"}` | hotspot client leaves |
//! | POST | `/routers/{name}/ppp/connect` | `{"name": "u", "password": "p"}` | PPPoE client dials in |
//! | POST | `/routers/{name}/ppp/disconnect` | `{"name": "u"}` | PPPoE client hangs up |
//! | POST | `/routers/{name}/latency` | `{"ms": 200}` | delay every reply |
//! | POST | `/routers/{name}/drop` | | close all API connections |
//! | POST | `/routers/{name}/offline`, `/online` | | take the router off / back on the network |
//! | POST | `/routers/{name}/advance` | `{"secs": 3600}` | move the router's clock forward |

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use super::http::{read_request, respond};
use super::{SimConfig, SimError, SimHandle, Simulator};
use crate::proto::Reply;

/// A TOML file describing several routers: `[[router]]` tables with the fields of
/// [`SimConfig`].
#[derive(Debug, Deserialize)]
pub struct FleetFile {
    #[serde(rename = "router", default)]
    pub routers: Vec<SimConfig>,
}

impl FleetFile {
    pub fn parse(text: &str) -> Result<Self, SimError> {
        toml::from_str(text).map_err(|e| SimError::Config(e.to_string()))
    }
}

/// Several simulated routers, addressed by name.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    routers: Vec<SimHandle>,
}

impl Fleet {
    /// Starts every router; names must be unique.
    pub async fn start(configs: Vec<SimConfig>) -> Result<Self, SimError> {
        let mut routers: Vec<SimHandle> = Vec::with_capacity(configs.len());
        for c in configs {
            if routers.iter().any(|r| r.name() == c.name) {
                return Err(SimError::Config(format!(
                    "duplicate router name {}",
                    c.name
                )));
            }
            routers.push(Simulator::start(c).await?);
        }
        Ok(Self { routers })
    }

    pub fn routers(&self) -> &[SimHandle] {
        &self.routers
    }

    pub fn get(&self, name: &str) -> Option<&SimHandle> {
        self.routers.iter().find(|r| r.name() == name)
    }
}

/// Serves the control API until the listener fails.
pub async fn serve_control(listener: TcpListener, fleet: Arc<Fleet>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let fleet = fleet.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_one(stream, &fleet).await {
                tracing::debug!(error = %e, "control request failed");
            }
        });
    }
}

async fn serve_one(mut s: TcpStream, fleet: &Fleet) -> std::io::Result<()> {
    let Some(req) = read_request(&mut s).await? else {
        return Ok(());
    };
    let (status, out) = match req.json() {
        Ok(body) => route(fleet, &req.method, &req.path, &body),
        Err(e) => (400, json!({"error": e})),
    };
    respond(&mut s, status, &out).await
}

fn reply_json(r: &Reply) -> Value {
    let attrs: serde_json::Map<String, Value> = r
        .attrs
        .iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    json!({"kind": format!("{:?}", r.kind).to_lowercase(), "attrs": attrs, "message": r.message})
}

fn str_field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

fn sim_result(r: Result<Value, SimError>) -> (u16, Value) {
    match r {
        Ok(v) => (200, v),
        Err(e) => (409, json!({"error": e.to_string()})),
    }
}

fn route(fleet: &Fleet, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let path = path.split('?').next().unwrap_or_default();
    if method == "GET" && path == "/routers" {
        let list: Vec<Value> = fleet
            .routers()
            .iter()
            .map(|r| {
                json!({"name": r.name(), "addr": r.addr().to_string(),
                       "tls_addr": r.tls_addr().map(|a| a.to_string()),
                       "tls_fingerprint": r.tls_fingerprint(), "online": r.is_online(),
                       "rest_addr": r.rest_addr().map(|a| a.to_string()),
                       "rest_tls_addr": r.rest_tls_addr().map(|a| a.to_string()),
                       "connections": r.connections()})
            })
            .collect();
        return (200, Value::Array(list));
    }
    let Some(rest) = path.strip_prefix("/routers/") else {
        return (404, json!({"error": "no such route"}));
    };
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    let Some(r) = fleet.get(name) else {
        return (404, json!({"error": format!("unknown router {name}")}));
    };
    let missing = |k: &str| (400, json!({"error": format!("missing field {k}")}));
    match (method, action) {
        ("GET", a) if a.starts_with("menu/") => {
            let menu = format!("/{}", &a["menu/".len()..]);
            let rows: Vec<Value> = r
                .print(&menu)
                .iter()
                .map(|row| {
                    Value::Object(
                        row.iter()
                            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                            .collect(),
                    )
                })
                .collect();
            (200, Value::Array(rows))
        }
        ("POST", "exec") => {
            let Some(words) = body.get("words").and_then(Value::as_array) else {
                return missing("words");
            };
            let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
            if words.is_empty() {
                return missing("words");
            }
            let replies: Vec<Value> = r.exec(&words).iter().map(reply_json).collect();
            (200, json!({"replies": replies}))
        }
        ("POST", "hotspot/login") => match str_field(body, "user") {
            Some(u) => sim_result(
                r.hotspot_login(u, str_field(body, "password"))
                    .map(|id| json!({"id": id})),
            ),
            None => missing("user"),
        },
        ("POST", "hotspot/logout") => match str_field(body, "user") {
            Some(u) => sim_result(r.hotspot_logout(u).map(|()| json!({}))),
            None => missing("user"),
        },
        ("POST", "ppp/connect") => match str_field(body, "name") {
            Some(n) => sim_result(
                r.ppp_connect(n, str_field(body, "password"))
                    .map(|id| json!({"id": id})),
            ),
            None => missing("name"),
        },
        ("POST", "ppp/disconnect") => match str_field(body, "name") {
            Some(n) => sim_result(r.ppp_disconnect(n).map(|()| json!({}))),
            None => missing("name"),
        },
        ("POST", "latency") => match body.get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                r.set_latency(Duration::from_millis(ms));
                (200, json!({}))
            }
            None => missing("ms"),
        },
        ("POST", "advance") => match body.get("secs").and_then(Value::as_u64) {
            Some(secs) => {
                r.advance(Duration::from_secs(secs));
                (200, json!({}))
            }
            None => missing("secs"),
        },
        ("POST", "drop") => {
            r.drop_connections();
            (200, json!({}))
        }
        ("POST", "offline") => {
            r.set_online(false);
            (200, json!({}))
        }
        ("POST", "online") => {
            r.set_online(true);
            (200, json!({}))
        }
        _ => (404, json!({"error": "no such route"})),
    }
}
