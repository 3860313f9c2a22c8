//! `mikrobill worker`: consumes job families from RabbitMQ (or, with `AMQP_URL` empty, runs
//! them straight from the outbox), relays the outbox and runs the scheduler. Any number of
//! worker processes may run; SIGINT/SIGTERM finish the jobs in hand before exiting.

use std::sync::Arc;

use anyhow::Context;
use domain::config::{ConfigError, Env};
use domain::jobs::JobFamily;
use worker::{Registry, Worker, WorkerConfig, WorkerOptions};

#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    /// Job families to consume, comma-separated (router.sync, router.poll, notify.whatsapp,
    /// payment.webhook, lifecycle, backup); default all, or MIKROBILL_WORKER_QUEUES.
    #[arg(long, value_delimiter = ',', value_parser = parse_family)]
    pub queues: Option<Vec<JobFamily>>,
    /// Do not run the periodic tasks in this process.
    #[arg(long)]
    pub no_scheduler: bool,
    /// Do not publish the outbox to RabbitMQ from this process.
    #[arg(long)]
    pub no_relay: bool,
}

fn parse_family(s: &str) -> Result<JobFamily, String> {
    s.trim()
        .parse()
        .map_err(|e: domain::jobs::UnknownJobFamily| e.to_string())
}

/// Reads the worker settings, applying the command line over the environment.
pub fn config(args: &WorkerArgs, env: &Env) -> Result<WorkerConfig, ConfigError> {
    let mut config = WorkerConfig::from_env(env)?;
    if let Some(queues) = &args.queues {
        config.families = queues.clone();
    }
    Ok(config)
}

pub async fn run(args: WorkerArgs, env: &Env, config: WorkerConfig) -> anyhow::Result<()> {
    let database_url = crate::config::database_url(env);
    let master_key = master_key(env)?;
    let pool = store::pool::build_pool(&database_url, config.db_pool_size)?;
    let options = WorkerOptions {
        consume: true,
        relay: !args.no_relay,
        scheduler: !args.no_scheduler,
    };
    let families: Vec<&str> = config.families.iter().map(|f| f.as_str()).collect();
    tracing::info!(
        worker_id = config.worker_id,
        mode = if config.amqp_url.is_some() {
            "rabbitmq"
        } else {
            "embedded"
        },
        families = families.join(","),
        relay = options.relay,
        scheduler = options.scheduler,
        "worker starting"
    );
    let handle =
        Worker::new(config, pool, database_url, master_key, Registry::with_all()).start(options);
    shutdown_signal().await;
    tracing::info!("worker stopping: finishing the jobs in hand");
    handle.shutdown().await;
    Ok(())
}

/// The master key (router passwords are decrypted by the jobs).
pub fn master_key(env: &Env) -> anyhow::Result<Arc<store::crypto::MasterKey>> {
    let value = env
        .required(store::crypto::MASTER_KEY_ENV)
        .with_context(|| "MIKROBILL_MASTER_KEY (e.g. `openssl rand -hex 32`)")?;
    let key = store::crypto::MasterKey::from_env_value(&value)
        .with_context(|| store::crypto::MASTER_KEY_ENV)?;
    Ok(Arc::new(key))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
