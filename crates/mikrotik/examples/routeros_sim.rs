//! Standalone RouterOS simulator with exactly the arguments of `mikrobill routeros-sim`,
//! for the conformance script and benchmarks: it compiles the root CLI module itself.

#[path = "../../../src/cli/routeros_sim.rs"]
mod routeros_sim;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "routeros-sim")]
struct Cli {
    #[command(flatten)]
    args: routeros_sim::RouterOsSimArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    routeros_sim::run(Cli::parse().args).await
}
