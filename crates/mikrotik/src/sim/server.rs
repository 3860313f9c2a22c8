//! The simulator's network side: listeners, login, tagged command handling, latency, drops.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use super::{Ctl, Shared};
use crate::client::challenge_response;
use crate::client::transport::AsyncIo;
use crate::codec::{Decoder, encode_sentence};
use crate::proto::{Reply, ReplyKind, Row};

/// Accepts connections while the router is online; rebinds the same address after it comes
/// back online.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut ctl: watch::Receiver<Ctl>,
) {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    let mut listener = Some(listener);
    loop {
        let online = ctl.borrow_and_update().online;
        if !online {
            listener = None;
            if ctl.changed().await.is_err() {
                return;
            }
            continue;
        }
        if listener.is_none() {
            listener = rebind(addr).await;
            if listener.is_none() {
                tracing::warn!(?addr, "simulator could not rebind; staying offline");
                if ctl.changed().await.is_err() {
                    return;
                }
                continue;
            }
        }
        let Some(l) = listener.as_ref() else { continue };
        tokio::select! {
            accepted = l.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let shared = shared.clone();
                let ctl = ctl.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let io: Box<dyn AsyncIo> = match tls {
                        Some(acc) => match tokio::time::timeout(Duration::from_secs(10), acc.accept(tcp)).await {
                            Ok(Ok(s)) => Box::new(s),
                            Ok(Err(e)) => {
                                tracing::debug!(error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => return,
                        },
                        None => Box::new(tcp),
                    };
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    connection(io, &shared, ctl).await;
                    shared.connections.fetch_sub(1, Ordering::Relaxed);
                });
            }
            changed = ctl.changed() => if changed.is_err() { return },
        }
    }
}

async fn rebind(addr: Option<SocketAddr>) -> Option<TcpListener> {
    let addr = addr?;
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// One queued reply sentence: when it may leave, which command it answers, whether it ends it.
struct Outgoing {
    at: Instant,
    tag: Option<String>,
    reply: Reply,
    last: bool,
    close: bool,
}

#[derive(Default)]
struct LoginState {
    logged_in: bool,
    challenge: Option<String>,
}

async fn connection(io: Box<dyn AsyncIo>, shared: &Shared, mut ctl: watch::Receiver<Ctl>) {
    let start_gen = ctl.borrow_and_update().generation;
    let (mut rd, wr) = tokio::io::split(io);
    let (tx, rx) = mpsc::channel::<Outgoing>(4096);
    let canceled: Arc<Mutex<HashSet<String>>> = Arc::default();
    let writer = tokio::spawn(write_loop(wr, rx, canceled.clone()));
    let mut dec = Decoder::default();
    let mut login = LoginState::default();
    let mut buf = vec![0u8; 64 * 1024];
    'conn: loop {
        loop {
            let words = match dec.next_sentence() {
                Ok(Some(s)) if s.0.is_empty() => continue,
                Ok(Some(s)) => s.0,
                Ok(None) => break,
                Err(e) => {
                    let _ = send(&tx, &ctl, None, vec![fatal(&e.to_string())], true).await;
                    break 'conn;
                }
            };
            let tag = words
                .iter()
                .find_map(|w| w.strip_prefix(".tag="))
                .map(str::to_owned);
            let (replies, close) = handle(&words, shared, &mut login, &canceled);
            if send(&tx, &ctl, tag, replies, close).await.is_err() || close {
                break 'conn;
            }
        }
        tokio::select! {
            n = rd.read(&mut buf) => match n {
                Ok(0) | Err(_) => break,
                Ok(n) => dec.extend(&buf[..n]),
            },
            changed = ctl.changed() => {
                let c = *ctl.borrow_and_update();
                if changed.is_err() || c.generation != start_gen || !c.online {
                    break;
                }
            }
        }
    }
    drop(tx);
    let gen_now = ctl.borrow().generation;
    if gen_now != start_gen {
        // A dropped connection vanishes without a goodbye, like a cable pulled.
        writer.abort();
    } else {
        let _ = writer.await;
    }
}

async fn send(
    tx: &mpsc::Sender<Outgoing>,
    ctl: &watch::Receiver<Ctl>,
    tag: Option<String>,
    replies: Vec<Reply>,
    close: bool,
) -> Result<(), ()> {
    let at = Instant::now() + ctl.borrow().latency;
    let n = replies.len();
    for (i, reply) in replies.into_iter().enumerate() {
        let last = i + 1 == n;
        let out = Outgoing {
            at,
            tag: tag.clone(),
            reply,
            last,
            close: close && last,
        };
        tx.send(out).await.map_err(|_| ())?;
    }
    Ok(())
}

fn fatal(message: &str) -> Reply {
    Reply {
        kind: ReplyKind::Fatal,
        tag: None,
        attrs: Row::default(),
        message: Some(message.to_owned()),
    }
}

fn simple(kind: ReplyKind, pairs: &[(&str, &str)]) -> Reply {
    let mut attrs = Row::default();
    for (k, v) in pairs {
        attrs.insert(*k, *v);
    }
    Reply {
        kind,
        tag: None,
        attrs,
        message: None,
    }
}

fn login_refused() -> Vec<Reply> {
    vec![
        simple(
            ReplyKind::Trap,
            &[("message", "invalid user name or password (6)")],
        ),
        simple(ReplyKind::Done, &[]),
    ]
}

/// Decides the replies to one sentence and whether to close afterwards.
fn handle(
    words: &[String],
    shared: &Shared,
    login: &mut LoginState,
    canceled: &Mutex<HashSet<String>>,
) -> (Vec<Reply>, bool) {
    let attr = |k: &str| {
        let prefix = format!("={k}=");
        words
            .iter()
            .find_map(|w| w.strip_prefix(prefix.as_str()))
            .map(str::to_owned)
    };
    let cmd = words[0].as_str();
    if cmd == "/quit" {
        return (vec![fatal("session terminated on request")], true);
    }
    if cmd == "/login" {
        return (
            do_login(
                shared,
                login,
                attr("name"),
                attr("password"),
                attr("response"),
            ),
            false,
        );
    }
    if !login.logged_in {
        return (vec![fatal("not logged in")], true);
    }
    if cmd == "/cancel" {
        if let Some(t) = attr("tag") {
            let mut set = canceled.lock().unwrap_or_else(|e| e.into_inner());
            if set.len() > 10_000 {
                set.clear();
            }
            set.insert(t);
        }
        return (vec![simple(ReplyKind::Done, &[])], false);
    }
    (shared.lock().execute(words), false)
}

fn do_login(
    shared: &Shared,
    login: &mut LoginState,
    name: Option<String>,
    password: Option<String>,
    response: Option<String>,
) -> Vec<Reply> {
    let v = &shared.version;
    match (name, password, response) {
        (Some(_), Some(_), _) if v.challenge_only() => challenge(login),
        (Some(n), Some(p), _) => {
            if n == shared.user && constant_time_eq(p.as_bytes(), shared.password.as_bytes()) {
                login.logged_in = true;
                vec![simple(ReplyKind::Done, &[])]
            } else {
                login_refused()
            }
        }
        (Some(n), None, Some(r)) if v.challenge_allowed() => {
            let expected = login
                .challenge
                .take()
                .and_then(|c| challenge_response(&shared.password, &c).ok());
            if n == shared.user
                && expected.is_some_and(|e| constant_time_eq(e.as_bytes(), r.as_bytes()))
            {
                login.logged_in = true;
                vec![simple(ReplyKind::Done, &[])]
            } else {
                login_refused()
            }
        }
        (None, None, None) if v.challenge_allowed() => challenge(login),
        _ => login_refused(),
    }
}

fn challenge(login: &mut LoginState) -> Vec<Reply> {
    let bytes: [u8; 16] = rand::random();
    let c = hex::encode(bytes);
    login.challenge = Some(c.clone());
    vec![simple(ReplyKind::Done, &[("ret", &c)])]
}

/// Constant-time comparison, so the simulator does not teach timing leaks by example.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let ha = md5::Md5::digest(a);
    let hb = md5::Md5::digest(b);
    ha.iter()
        .zip(hb.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

async fn write_loop(
    wr: tokio::io::WriteHalf<Box<dyn AsyncIo>>,
    mut rx: mpsc::Receiver<Outgoing>,
    canceled: Arc<Mutex<HashSet<String>>>,
) {
    let mut wr = BufWriter::with_capacity(64 * 1024, wr);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(out) = next.take() {
            if out.at > Instant::now() {
                if wr.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep_until(out.at).await;
            }
            let mut replies = vec![out.reply];
            let is_canceled = out.tag.as_ref().is_some_and(|t| {
                let mut set = canceled.lock().unwrap_or_else(|e| e.into_inner());
                if out.last {
                    set.remove(t)
                } else {
                    set.contains(t)
                }
            });
            if is_canceled {
                replies.clear();
                if out.last {
                    replies.push(simple(
                        ReplyKind::Trap,
                        &[("category", "2"), ("message", "interrupted")],
                    ));
                    replies.push(simple(ReplyKind::Done, &[]));
                }
            }
            for mut r in replies {
                r.tag.clone_from(&out.tag);
                if wr.write_all(&encode_sentence(&r.to_words())).await.is_err() {
                    return;
                }
            }
            if out.close {
                let _ = wr.flush().await;
                let _ = wr.shutdown().await;
                return;
            }
            next = rx.try_recv().ok();
        }
        if wr.flush().await.is_err() {
            return;
        }
    }
}
