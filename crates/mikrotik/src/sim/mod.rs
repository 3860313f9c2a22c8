//! An in-memory RouterOS that speaks the API protocol, for tests, demos and benchmarks.
//!
//! [`Simulator::start`] binds one router (plain API and optionally API-SSL) and returns a
//! [`SimHandle`]: its address, ready-made [`ConnectOptions`], and the control surface tests
//! use to act like the world around a router — clients logging in, an operator editing
//! items by hand, latency, dropped connections, the router going offline.

pub mod control;
mod http;
mod menu;
mod query;
mod rest;
mod server;
mod state;
mod tls;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::watch;

use crate::client::{ConnectOptions, TlsOptions};
use crate::proto::{Reply, ReplyKind, Row};
use crate::rest::RestOptions;
pub use menu::{
    HOTSPOT_ACTIVE, HOTSPOT_PROFILE, HOTSPOT_USER, PPP_ACTIVE, PPP_PROFILE, PPP_SECRET,
};
use state::RouterState;

/// The RouterOS version a simulator imitates, which decides protocol details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosVersion {
    pub text: String,
    major: u32,
    minor: u32,
}

impl RosVersion {
    /// Parses `7.18`, `6.49.10`, `6.40`.
    pub fn parse(s: &str) -> Result<Self, SimError> {
        let mut it = s.split('.');
        let major = it.next().and_then(|m| m.parse().ok());
        let minor = it.next().map_or(Some(0), |m| m.parse().ok());
        match (major, minor) {
            (Some(major), Some(minor)) => Ok(Self {
                text: s.to_owned(),
                major,
                minor,
            }),
            _ => Err(SimError::Config(format!("bad RouterOS version {s:?}"))),
        }
    }
    /// RouterOS ≥ 7.18 answers an empty print with `!empty`.
    pub fn sends_empty(&self) -> bool {
        (self.major, self.minor) >= (7, 18)
    }
    /// RouterOS < 6.43 only knows the MD5 challenge login.
    pub fn challenge_only(&self) -> bool {
        (self.major, self.minor) < (6, 43)
    }
    /// RouterOS 6.x still accepts the MD5 challenge.
    pub fn challenge_allowed(&self) -> bool {
        self.major < 7
    }
}

/// Failures of the simulator's control surface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("no such user")]
    NoSuchUser,
    #[error("user is disabled")]
    Disabled,
    #[error("wrong password")]
    BadPassword,
    #[error("uptime limit reached")]
    LimitReached,
    #[error("user already has an active session")]
    AlreadyActive,
    #[error("unknown router {0}")]
    UnknownRouter(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot listen: {0}")]
    Bind(String),
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
fn default_version() -> String {
    "7.18".into()
}

/// One simulated router.
#[derive(Clone, Deserialize)]
pub struct SimConfig {
    /// `/system/identity` name, also the router's key in the control API.
    pub name: String,
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Also serve API-SSL here, with a fresh self-signed certificate.
    #[serde(default)]
    pub tls_listen: Option<SocketAddr>,
    /// Serve the v7 REST service over plain HTTP here.
    #[serde(default)]
    pub rest_listen: Option<SocketAddr>,
    /// Serve the REST service over HTTPS (same certificate as API-SSL) here.
    #[serde(default)]
    pub rest_tls_listen: Option<SocketAddr>,
    pub user: String,
    pub password: String,
    #[serde(default = "default_version")]
    pub ros_version: String,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("name", &self.name)
            .field("listen", &self.listen)
            .field("tls_listen", &self.tls_listen)
            .field("rest_listen", &self.rest_listen)
            .field("rest_tls_listen", &self.rest_tls_listen)
            .field("user", &self.user)
            .field("ros_version", &self.ros_version)
            .finish_non_exhaustive()
    }
}

impl SimConfig {
    /// A router on a free loopback port with these credentials, imitating RouterOS 7.18.
    pub fn new(name: &str, user: &str, password: &str) -> Self {
        Self {
            name: name.into(),
            listen: default_listen(),
            tls_listen: None,
            rest_listen: None,
            rest_tls_listen: None,
            user: user.into(),
            password: password.into(),
            ros_version: default_version(),
        }
    }
    pub fn version(mut self, v: &str) -> Self {
        self.ros_version = v.into();
        self
    }
    /// Also serve API-SSL on a free loopback port.
    pub fn with_tls(mut self) -> Self {
        self.tls_listen = Some(default_listen());
        self
    }
    /// Also serve REST over HTTP and HTTPS on free loopback ports.
    pub fn with_rest(mut self) -> Self {
        self.rest_listen = Some(default_listen());
        self.rest_tls_listen = Some(default_listen());
        self
    }
}

/// Knobs that change how every connection behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ctl {
    online: bool,
    /// Bumped to drop every open connection.
    generation: u64,
    latency: Duration,
}

/// What connection tasks share.
pub(crate) struct Shared {
    state: Mutex<RouterState>,
    user: String,
    password: String,
    version: RosVersion,
    connections: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, RouterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Entry point for starting simulated routers.
pub struct Simulator;

impl Simulator {
    /// Binds the router's listeners and starts serving.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let version = RosVersion::parse(&config.ros_version)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(RouterState::new(&config.name, version.clone())),
            user: config.user.clone(),
            password: config.password.clone(),
            version,
            connections: AtomicUsize::new(0),
        });
        let (ctl, rx) = watch::channel(Ctl {
            online: true,
            generation: 0,
            latency: Duration::ZERO,
        });
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| SimError::Bind(format!("{}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimError::Bind(e.to_string()))?;
        tokio::spawn(server::serve(listener, None, shared.clone(), rx.clone()));
        let needs_cert = config.tls_listen.is_some() || config.rest_tls_listen.is_some();
        let (acceptor, tls_fingerprint) = match needs_cert {
            true => {
                let (a, fp) = tls::self_signed_acceptor()?;
                (Some(a), Some(fp))
            }
            false => (None, None),
        };
        let bind = |addr: SocketAddr| async move {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| SimError::Bind(format!("{addr}: {e}")))?;
            let local = l.local_addr().map_err(|e| SimError::Bind(e.to_string()))?;
            Ok::<_, SimError>((l, local))
        };
        let mut tls_addr = None;
        if let (Some(addr), Some(acc)) = (config.tls_listen, acceptor.clone()) {
            let (l, local) = bind(addr).await?;
            tls_addr = Some(local);
            tokio::spawn(server::serve(l, Some(acc), shared.clone(), rx.clone()));
        }
        let mut rest_addr = None;
        if let Some(addr) = config.rest_listen {
            let (l, local) = bind(addr).await?;
            rest_addr = Some(local);
            tokio::spawn(rest::serve_rest(l, None, shared.clone(), rx.clone()));
        }
        let mut rest_tls_addr = None;
        if let (Some(addr), Some(acc)) = (config.rest_tls_listen, acceptor) {
            let (l, local) = bind(addr).await?;
            rest_tls_addr = Some(local);
            tokio::spawn(rest::serve_rest(l, Some(acc), shared.clone(), rx));
        }
        tracing::info!(router = %config.name, %addr, ?tls_addr, version = %config.ros_version, "RouterOS simulator listening");
        Ok(SimHandle {
            inner: Arc::new(Inner {
                name: config.name,
                addr,
                tls_addr,
                tls_fingerprint,
                rest_addr,
                rest_tls_addr,
                shared,
                ctl,
            }),
        })
    }
}

struct Inner {
    name: String,
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    tls_fingerprint: Option<String>,
    rest_addr: Option<SocketAddr>,
    rest_tls_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    // Dropping the last handle drops this sender, which stops every task of the router.
    ctl: watch::Sender<Ctl>,
}

/// Control handle of a running simulated router. Cloneable; when the last clone is dropped
/// the router stops.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("name", &self.inner.name)
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    pub fn name(&self) -> &str {
        &self.inner.name
    }
    /// Address of the plain API listener.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }
    /// Address of the API-SSL listener, if enabled.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.inner.tls_addr
    }
    /// SHA-256 fingerprint (hex) of the self-signed certificate, for pinning.
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.inner.tls_fingerprint.as_deref()
    }
    /// Options that connect to this router's plain API with its credentials.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions::new(
            self.inner.addr.ip().to_string(),
            self.inner.shared.user.clone(),
            self.inner.shared.password.clone(),
        )
        .port(self.inner.addr.port())
    }
    /// Options for API-SSL with the certificate pinned; `None` without TLS.
    pub fn tls_connect_options(&self) -> Option<ConnectOptions> {
        let addr = self.inner.tls_addr?;
        let tls = TlsOptions::pinned(self.inner.tls_fingerprint.as_deref()?).ok()?;
        Some(self.connect_options().port(addr.port()).tls(tls))
    }
    /// Address of the plain-HTTP REST service, if enabled.
    pub fn rest_addr(&self) -> Option<SocketAddr> {
        self.inner.rest_addr
    }
    /// Address of the HTTPS REST service, if enabled.
    pub fn rest_tls_addr(&self) -> Option<SocketAddr> {
        self.inner.rest_tls_addr
    }
    /// REST over HTTPS with the certificate pinned; `None` without REST.
    pub fn rest_options(&self) -> Option<RestOptions> {
        let addr = self.inner.rest_tls_addr?;
        let tls = TlsOptions::pinned(self.inner.tls_fingerprint.as_deref()?).ok()?;
        let s = &self.inner.shared;
        Some(
            RestOptions::https(
                addr.ip().to_string(),
                s.user.clone(),
                s.password.clone(),
                tls,
            )
            .port(addr.port()),
        )
    }
    /// Number of open API connections.
    pub fn connections(&self) -> usize {
        self.inner.shared.connections.load(Ordering::Relaxed)
    }

    /// Runs a command as the operator would at the router's terminal (e.g. to create drift);
    /// returns the reply sentences.
    pub fn exec(&self, words: &[&str]) -> Vec<Reply> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        self.inner.shared.lock().execute(&words)
    }

    /// Runs a command as the operator; a trap becomes `Err(message)`.
    pub fn exec_ok(&self, words: &[&str]) -> Result<Row, String> {
        let replies = self.exec(words);
        if let Some(t) = replies.iter().find(|r| r.kind == ReplyKind::Trap) {
            return Err(t.attrs.get("message").unwrap_or_default().to_owned());
        }
        Ok(replies
            .into_iter()
            .find(|r| r.kind == ReplyKind::Done)
            .map(|r| r.attrs)
            .unwrap_or_default())
    }

    /// Every item of a menu (e.g. [`HOTSPOT_USER`]) with computed properties.
    pub fn print(&self, menu: &str) -> Vec<Row> {
        self.exec(&[&format!("{menu}/print")])
            .into_iter()
            .filter(|r| r.kind == ReplyKind::Re)
            .map(|r| r.attrs)
            .collect()
    }

    /// A hotspot client logs in (password checked when given). Returns the active id.
    pub fn hotspot_login(&self, user: &str, password: Option<&str>) -> Result<String, SimError> {
        self.inner
            .shared
            .lock()
            .hotspot_login(user, password, None, None)
    }
    /// The hotspot client of `user` logs out by itself.
    pub fn hotspot_logout(&self, user: &str) -> Result<(), SimError> {
        self.inner
            .shared
            .lock()
            .end_session(HOTSPOT_ACTIVE, "user", user)
    }
    /// A PPPoE client dials in with the secret `name`. Returns the active id.
    pub fn ppp_connect(&self, name: &str, password: Option<&str>) -> Result<String, SimError> {
        self.inner.shared.lock().ppp_connect(name, password, None)
    }
    /// The PPPoE client of `name` hangs up.
    pub fn ppp_disconnect(&self, name: &str) -> Result<(), SimError> {
        self.inner
            .shared
            .lock()
            .end_session(PPP_ACTIVE, "name", name)
    }
    /// Moves the router's clock forward: sessions age and `limit-uptime` applies.
    pub fn advance(&self, d: Duration) {
        self.inner.shared.lock().advance(d);
    }

    /// Delays every reply by `d` (round-trip latency of a far router).
    pub fn set_latency(&self, d: Duration) {
        self.inner.ctl.send_modify(|c| c.latency = d);
    }
    /// Closes every open API connection (the router stays reachable).
    pub fn drop_connections(&self) {
        self.inner.ctl.send_modify(|c| c.generation += 1);
    }
    /// Takes the router off the network (listeners closed, connections dropped) or back.
    pub fn set_online(&self, online: bool) {
        self.inner.ctl.send_modify(|c| {
            c.online = online;
            c.generation += 1;
        });
    }
    pub fn is_online(&self) -> bool {
        self.inner.ctl.borrow().online
    }
}
