//! `mikrobill demo`: loads realistic demo data (never an admin user) with a progress bar.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use store::crypto::{MASTER_KEY_ENV, MasterKey};
use store::demo::{DemoOptions, DemoOutcome};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Number of customers (each with a ledger history).
    #[arg(long, default_value_t = 1_000)]
    pub customers: usize,
    /// Number of hotspot vouchers, in batches of 500.
    #[arg(long, default_value_t = 10_000)]
    pub vouchers: usize,
    /// Number of routers, spread over the five demo locations.
    #[arg(long, default_value_t = 10)]
    pub routers: usize,
    /// Router i points at 127.0.0.1:(P + i), where `mikrobill routeros-sim` listens.
    #[arg(long, value_name = "P", default_value_t = 18_728)]
    pub routers_sim_base_port: u16,
    /// API user the demo routers are configured with.
    #[arg(long, default_value = "admin")]
    pub router_username: String,
    /// API password of the demo routers (stored encrypted).
    #[arg(long, default_value = "mikrobill-demo")]
    pub router_password: String,
    /// Delete earlier demo data and load again.
    #[arg(long)]
    pub reset: bool,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 20_261_125)]
    pub seed: u64,
}

pub async fn run(args: DemoArgs, database_url: &str) -> anyhow::Result<()> {
    let key_value = std::env::var(MASTER_KEY_ENV).with_context(|| {
        format!("{MASTER_KEY_ENV} is not set; the demo encrypts router passwords with it")
    })?;
    let key = MasterKey::from_env_value(&key_value)?;
    let url = database_url.to_owned();
    let opts = DemoOptions {
        customers: args.customers,
        vouchers: args.vouchers,
        routers: args.routers,
        sim_base_port: args.routers_sim_base_port,
        router_username: args.router_username,
        router_password: args.router_password,
        reset: args.reset,
        seed: args.seed,
    };
    tokio::task::spawn_blocking(move || run_blocking(&url, &key, &opts))
        .await
        .context("the demo task crashed")?
}

fn run_blocking(url: &str, key: &MasterKey, opts: &DemoOptions) -> anyhow::Result<()> {
    if store::migrate::create_database_if_missing(url)? {
        println!("created the database");
    }
    {
        use diesel::Connection;
        let mut conn =
            diesel::PgConnection::establish(url).context("cannot connect to the database")?;
        let applied = store::migrate::run_pending(&mut conn)?;
        if !applied.is_empty() {
            println!("applied {} migration(s)", applied.len());
        }
    }
    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:40} [{bar:30}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let outcome = store::demo::load(url, key, opts, &progress);
    progress.finish_and_clear();
    match outcome? {
        DemoOutcome::AlreadyPresent { counts } => {
            println!(
                "demo data is already loaded ({} customers, {} vouchers); nothing changed. Use --reset to load it again.",
                counts.customers, counts.vouchers
            );
        }
        DemoOutcome::Loaded { counts, elapsed } => {
            println!("demo data loaded in {:.1} s:", elapsed.as_secs_f64());
            println!(
                "  {} locations, {} routers (127.0.0.1:{}..), {} profiles, {} vendors",
                counts.locations,
                counts.routers,
                opts.sim_base_port,
                counts.profiles,
                counts.vendors
            );
            println!(
                "  {} customers with {} ledger entries",
                counts.customers, counts.ledger_entries
            );
            println!(
                "  {} vouchers in {} batches",
                counts.vouchers, counts.voucher_batches
            );
            println!("no admin user was created: use `mikrobill admin create`");
        }
    }
    Ok(())
}
