//! RouterOS v7 REST transport (`/rest/...` over HTTPS or HTTP), behind [`RouterApi`].
//!
//! Every command is sent as `POST /rest/<path>` with its attributes as a JSON object,
//! `.proplist` as a list and queries as `.query` (the binary API's query words without the
//! leading `?`), which is the form the REST service accepts for any command. One short
//! HTTP/1.1 exchange per command: REST has no multiplexing, so prefer the binary API for
//! bulk work and use REST where only `www-ssl` is reachable.

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

use crate::api::RouterApi;
use crate::client::transport::{self, TlsOptions};
use crate::client::{Password, Response};
use crate::error::{Error, Result, Stage};
use crate::proto::{Command, Row};

/// Largest REST response accepted; a print of 100k users is ~40 MiB of JSON.
const MAX_RESPONSE: usize = 256 * 1024 * 1024;

/// Where and how to reach a router's REST service.
#[derive(Debug, Clone)]
pub struct RestOptions {
    pub host: String,
    pub port: u16,
    /// `Some` for `https://` (the default on routers), `None` for plain `http://`.
    pub tls: Option<TlsOptions>,
    pub username: String,
    pub password: Password,
    pub timeout: Duration,
}

impl RestOptions {
    /// HTTPS on port 443 with the given certificate check.
    pub fn https(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Password>,
        tls: TlsOptions,
    ) -> Self {
        Self {
            host: host.into(),
            port: 443,
            tls: Some(tls),
            username: username.into(),
            password: password.into(),
            timeout: Duration::from_secs(30),
        }
    }

    /// Plain HTTP on port 80 (lab use only: credentials travel in clear text).
    pub fn http(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        Self {
            port: 80,
            tls: None,
            ..Self::https(host, username, password, TlsOptions::with_roots(Vec::new()))
        }
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// A REST client for one router. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RestClient {
    opts: std::sync::Arc<RestOptions>,
}

impl RestClient {
    pub fn new(opts: RestOptions) -> Self {
        Self {
            opts: std::sync::Arc::new(opts),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<(u16, Value)> {
        let o = &self.opts;
        let mut io = timeout(o.timeout, transport::open(&o.host, o.port, o.tls.as_ref()))
            .await
            .map_err(|_| Error::Timeout(Stage::Connect))??;
        let body = body.to_string();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            o.username,
            o.password.expose()
        ));
        let req = format!(
            "POST /rest{path} HTTP/1.1\r\nhost: {}\r\nauthorization: Basic {auth}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            o.host,
            body.len()
        );
        let exchange = async {
            io.write_all(req.as_bytes()).await?;
            io.flush().await?;
            let mut raw = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = io.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                if raw.len() + n > MAX_RESPONSE {
                    return Err(Error::Protocol("REST response too large".into()));
                }
                raw.extend_from_slice(&buf[..n]);
            }
            Ok(raw)
        };
        let raw = timeout(o.timeout, exchange)
            .await
            .map_err(|_| Error::Timeout(Stage::Command))??;
        parse_http(&raw)
    }
}

/// Splits an HTTP/1.1 response into status and JSON body (plain or chunked).
fn parse_http(raw: &[u8]) -> Result<(u16, Value)> {
    let bad = |m: &str| Error::Protocol(format!("REST: {m}"));
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|_| bad("header not UTF-8"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let chunked = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    });
    let mut body = &raw[head_end + 4..];
    let mut joined = Vec::new();
    if chunked {
        loop {
            let line_end = body
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("bad chunk"))?;
            let size_txt = std::str::from_utf8(&body[..line_end]).map_err(|_| bad("bad chunk"))?;
            let size = usize::from_str_radix(size_txt.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            body = &body[line_end + 2..];
            if size == 0 {
                break;
            }
            let chunk = body.get(..size).ok_or_else(|| bad("truncated chunk"))?;
            joined.extend_from_slice(chunk);
            body = body.get(size + 2..).unwrap_or_default();
        }
        body = &joined;
    }
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body).map_err(|e| bad(&e.to_string()))?
    };
    Ok((status, value))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn row(obj: &Map<String, Value>) -> Row {
    let mut r = Row::default();
    for (k, v) in obj {
        r.insert(k.clone(), text(v));
    }
    r
}

/// The JSON body REST expects for a command.
pub fn request_body(cmd: &Command) -> Value {
    let mut body = Map::new();
    for (k, v) in &cmd.attrs {
        body.insert(k.clone(), Value::String(v.clone()));
    }
    if let Some(p) = &cmd.proplist {
        body.insert(".proplist".into(), Value::from(p.clone()));
    }
    if !cmd.queries.is_empty() {
        let q: Vec<Value> = cmd
            .queries
            .iter()
            .map(|q| Value::String(q.strip_prefix('?').unwrap_or(q).to_owned()))
            .collect();
        body.insert(".query".into(), Value::Array(q));
    }
    Value::Object(body)
}

impl RouterApi for RestClient {
    fn execute(&self, cmd: &Command) -> impl Future<Output = Result<Response>> + Send {
        let body = request_body(cmd);
        let path = cmd.path.clone();
        async move {
            let (status, value) = self.post(&path, &body).await?;
            match status {
                200..=299 => {}
                401 | 403 => {
                    return Err(Error::Auth(
                        value
                            .get("message")
                            .map(text)
                            .unwrap_or_else(|| "unauthorized".into()),
                    ));
                }
                _ => {
                    // Errors look like {"error":400,"message":"Bad Request","detail":"failure: …"}.
                    let message = value
                        .get("detail")
                        .or_else(|| value.get("message"))
                        .map(text)
                        .unwrap_or_else(|| format!("HTTP {status}"));
                    return Err(Error::Trap {
                        category: None,
                        message,
                    });
                }
            }
            let mut res = Response::default();
            match value {
                Value::Array(items) => {
                    for it in &items {
                        if let Value::Object(o) = it {
                            res.rows.push(row(o));
                        }
                    }
                    res.empty = items.is_empty();
                }
                Value::Object(o) => res.done = row(&o),
                _ => {}
            }
            Ok(res)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Query;

    #[test]
    fn commands_map_to_the_rest_body() {
        let c = Command::new("/ip/hotspot/user/print")
            .proplist([".id", "name"])
            .query(Query::eq("name", "a"))
            .query(Query::or());
        assert_eq!(
            request_body(&c),
            serde_json::json!({".proplist": [".id", "name"], ".query": ["name=a", "#|"]})
        );
    }

    #[test]
    fn chunked_and_plain_responses_parse() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]";
        assert_eq!(parse_http(plain).ok(), Some((200, serde_json::json!([]))));
        let chunked = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n4\r\n:\"b\"\r\n1\r\n}\r\n0\r\n\r\n";
        assert_eq!(
            parse_http(chunked).ok(),
            Some((400, serde_json::json!({"a": "b"})))
        );
        assert!(parse_http(b"garbage").is_err());
    }
}
