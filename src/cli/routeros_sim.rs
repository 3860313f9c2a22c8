//! `mikrobill routeros-sim`: run one or more simulated RouterOS routers and their control API.
//!
//! On start it prints one JSON line to stdout with every bound address (so callers can use
//! port 0), then serves until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use mikrotik::sim::SimConfig;
use mikrotik::sim::control::{Fleet, FleetFile, serve_control};

/// A password given on the command line, kept out of `Debug` output.
#[derive(Clone)]
pub struct SimPassword(String);

impl std::fmt::Debug for SimPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for SimPassword {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[derive(clap::Args, Debug)]
pub struct RouterOsSimArgs {
    /// Plain API address of the single router (when no --router/--config is given).
    #[arg(long, default_value = "127.0.0.1:8728")]
    pub listen: SocketAddr,
    /// Also serve API-SSL (self-signed certificate) for the single router here.
    #[arg(long)]
    pub tls_listen: Option<SocketAddr>,
    /// Also serve the v7 REST service over plain HTTP for the single router here.
    #[arg(long)]
    pub rest_listen: Option<SocketAddr>,
    /// Also serve REST over HTTPS (same certificate as API-SSL) for the single router here.
    #[arg(long)]
    pub rest_tls_listen: Option<SocketAddr>,
    /// API user of the single router.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// API password of the single router.
    #[arg(long, env = "MIKROBILL_SIM_PASSWORD")]
    pub password: Option<SimPassword>,
    /// Identity of the single router.
    #[arg(long, default_value = "mikrobill-sim")]
    pub name: String,
    /// RouterOS version to imitate: 7.18+ sends `!empty`; 6.x accepts the MD5 login;
    /// below 6.43 only the MD5 login exists.
    #[arg(long, default_value = "7.18")]
    pub ros_version: String,
    /// Extra router, repeatable: `name=ADDR,USER,PASSWORD` (uses --ros-version).
    #[arg(long = "router", value_name = "NAME=ADDR,USER,PASSWORD")]
    pub routers: Vec<String>,
    /// TOML file with `[[router]]` tables (name, listen, tls_listen, rest_listen,
    /// rest_tls_listen, user, password, ros_version).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address of the HTTP control API (hotspot/PPPoE logins, drift, latency, offline).
    #[arg(long)]
    pub control_listen: Option<SocketAddr>,
}

fn parse_router(spec: &str, version: &str) -> anyhow::Result<SimConfig> {
    let (name, rest) = spec
        .split_once('=')
        .context("--router must look like name=ADDR,USER,PASSWORD")?;
    let mut parts = rest.splitn(3, ',');
    let (Some(addr), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next())
    else {
        anyhow::bail!("--router {name}: expected ADDR,USER,PASSWORD");
    };
    let listen: SocketAddr = addr
        .parse()
        .with_context(|| format!("--router {name}: bad address {addr:?}"))?;
    let mut c = SimConfig::new(name, user, password).version(version);
    c.listen = listen;
    Ok(c)
}

fn configs(args: &RouterOsSimArgs) -> anyhow::Result<Vec<SimConfig>> {
    let mut out = Vec::new();
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        out.extend(
            FleetFile::parse(&text)
                .with_context(|| format!("bad simulator config {}", path.display()))?
                .routers,
        );
    }
    for r in &args.routers {
        out.push(parse_router(r, &args.ros_version)?);
    }
    if out.is_empty() {
        let password = args
            .password
            .as_ref()
            .context("--password (or MIKROBILL_SIM_PASSWORD) is required for the single router")?;
        let mut c = SimConfig::new(&args.name, &args.user, &password.0).version(&args.ros_version);
        c.listen = args.listen;
        c.tls_listen = args.tls_listen;
        c.rest_listen = args.rest_listen;
        c.rest_tls_listen = args.rest_tls_listen;
        out.push(c);
    }
    Ok(out)
}

pub async fn run(args: RouterOsSimArgs) -> anyhow::Result<()> {
    let fleet = Arc::new(Fleet::start(configs(&args)?).await?);
    let control = match args.control_listen {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for the control API"))?;
            let bound = l.local_addr()?;
            let f = fleet.clone();
            tokio::spawn(async move {
                if let Err(e) = serve_control(l, f).await {
                    tracing::error!(error = %e, "control API stopped");
                }
            });
            Some(bound)
        }
        None => None,
    };
    let routers: Vec<serde_json::Value> = fleet
        .routers()
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name(),
                "addr": r.addr().to_string(),
                "tls_addr": r.tls_addr().map(|a| a.to_string()),
                "tls_fingerprint": r.tls_fingerprint(),
                "rest_addr": r.rest_addr().map(|a| a.to_string()),
                "rest_tls_addr": r.rest_tls_addr().map(|a| a.to_string()),
            })
        })
        .collect();
    let ready = serde_json::json!({"routers": routers, "control": control.map(|a| a.to_string())});
    // One machine-readable line for scripts that started us on port 0.
    println!("{ready}");
    wait_for_shutdown().await
}

async fn wait_for_shutdown() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    tracing::info!("RouterOS simulator stopping");
    Ok(())
}
