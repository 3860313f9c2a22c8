//! `mikrobill migrate [status] [--down N]`: applies, reverts or lists the embedded migrations.

use anyhow::Context;

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub action: Option<MigrateAction>,
    /// Revert the last N applied migrations instead of applying pending ones.
    #[arg(long, value_name = "N")]
    pub down: Option<usize>,
}

#[derive(clap::Subcommand, Debug)]
pub enum MigrateAction {
    /// List every migration and whether it is applied.
    Status,
}

pub async fn run(args: MigrateArgs, database_url: &str) -> anyhow::Result<()> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || run_blocking(&args, &url))
        .await
        .context("the migration task crashed")?
}

fn connect(url: &str) -> anyhow::Result<diesel::PgConnection> {
    use diesel::Connection;
    diesel::PgConnection::establish(url).context("cannot connect to the database (DATABASE_URL)")
}

fn run_blocking(args: &MigrateArgs, url: &str) -> anyhow::Result<()> {
    match (&args.action, args.down) {
        (Some(MigrateAction::Status), _) => {
            let mut conn = connect(url)?;
            let all = store::migrate::status(&mut conn)?;
            let pending = all.iter().filter(|m| !m.applied).count();
            for m in &all {
                println!(
                    "{} {}",
                    if m.applied { "[applied]" } else { "[pending]" },
                    m.name
                );
            }
            println!("{} applied, {pending} pending", all.len() - pending);
        }
        (None, Some(count)) => {
            let mut conn = connect(url)?;
            let reverted = store::migrate::revert(&mut conn, count)?;
            for name in &reverted {
                println!("reverted {name}");
            }
            println!("{} migration(s) reverted", reverted.len());
        }
        (None, None) => {
            if store::migrate::create_database_if_missing(url)? {
                println!("created the database");
            }
            let mut conn = connect(url)?;
            let applied = store::migrate::run_pending(&mut conn)?;
            for name in &applied {
                println!("applied {name}");
            }
            if applied.is_empty() {
                println!("database is up to date");
            } else {
                println!("{} migration(s) applied", applied.len());
            }
        }
    }
    Ok(())
}
