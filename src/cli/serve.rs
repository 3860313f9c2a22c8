//! `mikrobill serve`: migrates (unless told not to) and runs the HTTP API.

use anyhow::Context;
use domain::config::Env;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Do not apply pending migrations at start (when a separate `migrate` step runs them).
    #[arg(long)]
    pub no_migrate: bool,
}

pub async fn run(args: ServeArgs, env: &Env, api_config: api::ApiConfig) -> anyhow::Result<()> {
    let database_url = crate::config::database_url(env);
    if !args.no_migrate {
        let url = database_url.clone();
        let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
            store::migrate::create_database_if_missing(&url)?;
            let mut conn = diesel::Connection::establish(&url)
                .with_context(|| "cannot connect to DATABASE_URL")?;
            Ok(store::migrate::run_pending(&mut conn)?)
        })
        .await??;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied migrations");
        }
    }
    let pool = store::pool::build_pool(&database_url, api_config.db_pool_size)?;
    let listener = std::net::TcpListener::bind(api_config.bind)
        .with_context(|| format!("cannot bind MIKROBILL_BIND={}", api_config.bind))?;
    let addr = listener.local_addr()?;
    let master_key = env
        .raw(store::crypto::MASTER_KEY_ENV)
        .filter(|v| !v.trim().is_empty())
        .ok_or(store::crypto::CryptoError::MissingKey)
        .and_then(store::crypto::MasterKey::from_env_value)
        .with_context(|| "MIKROBILL_MASTER_KEY (e.g. `openssl rand -hex 32`)")?;
    // AMQP_URL empty: no broker, so this process also runs the jobs (and the scheduler)
    // straight from the outbox; a single machine then needs only PostgreSQL
    let worker_config = worker::WorkerConfig::from_env(env).map_err(|e| anyhow::anyhow!("{e}"))?;
    let embedded = if worker_config.amqp_url.is_none() {
        let jobs_pool = store::pool::build_pool(&database_url, worker_config.db_pool_size)?;
        tracing::info!("AMQP_URL is empty: running jobs in-process (embedded mode)");
        let options = worker::WorkerOptions {
            consume: true,
            relay: false,
            scheduler: true,
        };
        let key = std::sync::Arc::new(master_key.clone());
        let registry = worker::Registry::with_all();
        Some(
            worker::Worker::new(
                worker_config,
                jobs_pool,
                database_url.clone(),
                key,
                registry,
            )
            .start(options),
        )
    } else {
        None
    };
    let state = api::AppState::new(pool, api_config).with_master_key(master_key);
    tracing::info!(%addr, "mikrobill API listening; docs at http://{addr}/docs/");
    api::server::start(state, listener)?.await?;
    if let Some(jobs) = embedded {
        jobs.shutdown().await;
    }
    Ok(())
}
