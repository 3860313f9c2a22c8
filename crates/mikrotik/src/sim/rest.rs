//! The simulator's REST service (`/rest/...`), sharing state with its binary API.
//!
//! `GET /rest/<menu>` prints, `PUT` adds, `PATCH /rest/<menu>/<id>` sets,
//! `DELETE /rest/<menu>/<id>` removes, and `POST /rest/<menu>/<command>` runs any command
//! with a JSON body (`.proplist`, `.query` included), as RouterOS v7 does. Errors are
//! `{"error": 400, "message": "Bad Request", "detail": "<trap message>"}`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::http::{Request, read_request, respond};
use super::{Ctl, Shared};
use crate::client::transport::AsyncIo;
use crate::proto::{Reply, ReplyKind};

pub(crate) async fn serve_rest(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut ctl: watch::Receiver<Ctl>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let c = *ctl.borrow();
                if !c.online {
                    // An offline router does not answer; closing at once is the closest we get
                    // without giving up the port.
                    continue;
                }
                let shared = shared.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let mut io: Box<dyn AsyncIo> = match tls {
                        Some(acc) => match tokio::time::timeout(Duration::from_secs(10), acc.accept(tcp)).await {
                            Ok(Ok(s)) => Box::new(s),
                            _ => return,
                        },
                        None => Box::new(tcp),
                    };
                    let Ok(Some(req)) = read_request(&mut io).await else { return };
                    let (status, body) = handle(&req, &shared);
                    tokio::time::sleep(c.latency).await;
                    let _ = respond(&mut io, status, &body).await;
                });
            }
            changed = ctl.changed() => if changed.is_err() { return },
        }
    }
}

fn authorized(req: &Request, shared: &Shared) -> bool {
    let Some(b64) = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return false;
    };
    let expected = format!("{}:{}", shared.user, shared.password);
    super::server::constant_time_eq(&raw, expected.as_bytes())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// JSON body → API words after the command word.
fn words_from_body(body: &Value) -> Vec<String> {
    let mut w = Vec::new();
    let Value::Object(map) = body else { return w };
    for (k, v) in map {
        match (k.as_str(), v) {
            (".proplist", Value::Array(items)) => {
                let names: Vec<String> = items.iter().map(text).collect();
                w.push(format!("=.proplist={}", names.join(",")));
            }
            (".query", Value::Array(items)) => {
                w.extend(items.iter().map(|q| format!("?{}", text(q))))
            }
            _ => w.push(format!("={k}={}", text(v))),
        }
    }
    w
}

fn row_json(r: &Reply) -> Value {
    Value::Object(
        r.attrs
            .iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect::<Map<_, _>>(),
    )
}

fn handle(req: &Request, shared: &Shared) -> (u16, Value) {
    if !authorized(req, shared) {
        return (401, json!({"error": 401, "message": "Unauthorized"}));
    }
    let Some(path) = req.path.strip_prefix("/rest") else {
        return (404, json!({"error": 404, "message": "Not Found"}));
    };
    let body = match req.json() {
        Ok(b) => b,
        Err(e) => {
            return (
                400,
                json!({"error": 400, "message": "Bad Request", "detail": e}),
            );
        }
    };
    let (menu, last) = path.rsplit_once('/').unwrap_or(("", path));
    let mut words = match req.method.as_str() {
        "GET" => vec![format!("{path}/print")],
        "PUT" => vec![format!("{path}/add")],
        "PATCH" => vec![format!("{menu}/set"), format!("=.id={last}")],
        "DELETE" => vec![format!("{menu}/remove"), format!("=.id={last}")],
        "POST" => vec![path.to_owned()],
        _ => return (400, json!({"error": 400, "message": "Bad Request"})),
    };
    words.extend(words_from_body(&body));
    let replies = shared.lock().execute(&words);
    if let Some(t) = replies.iter().find(|r| r.kind == ReplyKind::Trap) {
        let detail = t.attrs.get("message").unwrap_or_default();
        let status = if detail == "no such command prefix" {
            404
        } else {
            400
        };
        return (
            status,
            json!({"error": status, "message": "Bad Request", "detail": detail}),
        );
    }
    let rows: Vec<Value> = replies
        .iter()
        .filter(|r| r.kind == ReplyKind::Re)
        .map(row_json)
        .collect();
    let done = replies.iter().find(|r| r.kind == ReplyKind::Done);
    let verb = words[0].rsplit('/').next().unwrap_or_default();
    match (req.method.as_str(), verb) {
        (_, "print" | "getall") => (200, Value::Array(rows)),
        ("PUT", _) => {
            let id = done
                .and_then(|d| d.attrs.get("ret"))
                .unwrap_or_default()
                .to_owned();
            let created = shared
                .lock()
                .execute(&[format!("{path}/print"), format!("?.id={id}")]);
            (
                200,
                created
                    .iter()
                    .find(|r| r.kind == ReplyKind::Re)
                    .map_or(json!({}), row_json),
            )
        }
        _ => match done.filter(|d| d.attrs.get("ret").is_some()) {
            Some(d) => (200, row_json(d)),
            None => (200, Value::Array(Vec::new())),
        },
    }
}
