//! The one mikrobill binary: API server, worker, migrations, admin and demo tools.

mod cli;
mod config;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "mikrobill",
    version,
    about = "Billing for ISPs and hotspot operators running MikroTik routers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP API.
    Serve(cli::serve::ServeArgs),
    /// Manage admin accounts (`admin create`).
    Admin(cli::admin::AdminArgs),
    /// Print the OpenAPI document.
    Openapi(cli::openapi::OpenApiArgs),
    /// Apply, revert or list database migrations.
    Migrate(cli::migrate::MigrateArgs),
    /// Load realistic demo data (idempotent).
    Demo(cli::demo::DemoArgs),
    /// Run the RouterOS API simulator (one or many routers).
    RouterosSim(Box<cli::routeros_sim::RouterOsSimArgs>),
    /// Run background jobs: queue consumers, the outbox relay and the scheduler.
    Worker(cli::worker::WorkerArgs),
}

/// Exit status for configuration errors, distinct from runtime failures (1).
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = match config::load_env() {
        Ok(env) => env,
        Err(e) => return config_error(&e),
    };
    if let Err(e) = config::init_tracing(&env) {
        return config_error(&e);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => {
                let api_config = match api::ApiConfig::from_env(&env) {
                    Ok(c) => c,
                    Err(e) => return Ok(config_error(&e)),
                };
                if let Err(e) = master_key(&env) {
                    return Ok(config_error(&e));
                }
                cli::serve::run(args, &env, api_config)
                    .await
                    .map(|()| ExitCode::SUCCESS)
            }
            Command::Admin(args) => cli::admin::run(args, &env)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Openapi(args) => cli::openapi::run(args).map(|()| ExitCode::SUCCESS),
            Command::Migrate(args) => cli::migrate::run(args, &config::database_url(&env))
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Demo(args) => cli::demo::run(args, &config::database_url(&env))
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::RouterosSim(args) => cli::routeros_sim::run(*args)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Worker(args) => {
                let worker_config = match cli::worker::config(&args, &env) {
                    Ok(c) => c,
                    Err(e) => return Ok(config_error(&e)),
                };
                if let Err(e) = master_key(&env) {
                    return Ok(config_error(&e));
                }
                cli::worker::run(args, &env, worker_config)
                    .await
                    .map(|()| ExitCode::SUCCESS)
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Secrets at rest cannot be read or written without it, so a bad one stops start-up.
fn master_key(env: &domain::config::Env) -> Result<(), domain::config::ConfigError> {
    let var = store::crypto::MASTER_KEY_ENV;
    let value = env.required(var)?;
    store::crypto::MasterKey::from_env_value(&value)
        .map(drop)
        .map_err(|e| domain::config::ConfigError::new(var, e))
}

fn config_error(e: &domain::config::ConfigError) -> ExitCode {
    eprintln!("config error: {e}");
    ExitCode::from(EXIT_CONFIG)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
