//! `mikrobill admin create`: the first (or an emergency) admin account, bcrypt-hashed.

use anyhow::{Context, bail};
use domain::config::Env;
use domain::status::AdminRole;
use std::io::BufRead;

#[derive(clap::Args, Debug)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin user. Without --password-stdin a strong random password is
    /// generated and printed once.
    Create(CreateArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Login name (3 to 64 characters, no spaces; case-insensitive).
    #[arg(long)]
    pub username: String,
    /// super_admin, admin or operator.
    #[arg(long, value_parser = parse_role)]
    pub role: AdminRole,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Display name (defaults to the username).
    #[arg(long)]
    pub full_name: Option<String>,
}

fn parse_role(s: &str) -> Result<AdminRole, String> {
    s.parse().map_err(|_| {
        format!(
            "unknown role {s:?}; use one of {}",
            AdminRole::VALUES.join(", ")
        )
    })
}

pub async fn run(args: AdminArgs, env: &Env) -> anyhow::Result<()> {
    match args.command {
        AdminCommand::Create(create) => create_admin(create, env).await,
    }
}

async fn create_admin(args: CreateArgs, env: &Env) -> anyhow::Result<()> {
    let username = args.username.trim().to_owned();
    if username.len() < 3 || username.len() > 64 || username.chars().any(char::is_whitespace) {
        bail!("--username must be 3 to 64 characters without spaces");
    }
    let cost = env.parse_or("MIKROBILL_BCRYPT_COST", 10u32)?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (api::auth::password::generate(), true)
    };
    if let Err(e) = api::auth::password::validate_new("password", &password) {
        bail!("the password {}", e.message);
    }
    let url = crate::config::database_url(env);
    let full_name = args.full_name.unwrap_or_else(|| username.clone());
    let role = args.role;
    let name = username.clone();
    let secret = password.clone();
    let id = tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        use diesel::Connection;
        let hash = bcrypt::hash(&secret, cost).context("hashing the password failed")?;
        let mut conn = diesel::PgConnection::establish(&url)
            .context("cannot connect to DATABASE_URL (run `mikrobill migrate` or `serve` first)")?;
        conn.transaction(|conn| {
            if store::admins::find_by_username(conn, &name)?.is_some() {
                bail!("an admin named {name:?} already exists; choose another username");
            }
            let row = store::admins::insert(
                conn,
                &store::models::admin::NewAdminUser {
                    username: &name,
                    password_hash: &hash,
                    role: role.as_str(),
                    full_name: &full_name,
                    email: None,
                    phone: None,
                    location_id: None,
                },
            )?;
            store::audit::insert(
                conn,
                &store::models::audit::NewAuditEntry {
                    actor_kind: "system",
                    actor_id: None,
                    actor_name: Some("mikrobill admin create"),
                    action: "admin_user.create",
                    resource_type: Some("admin_user"),
                    resource_id: Some(&row.id.to_string()),
                    method: None,
                    path: None,
                    status_code: None,
                    ip: None,
                    request_id: None,
                    before: None,
                    after: Some(serde_json::json!({"username": row.username, "role": row.role})),
                },
            )?;
            Ok(row.id)
        })
    })
    .await??;
    println!("created admin {username:?} (id {id}, role {role})");
    if generated {
        println!("password (shown once, store it now): {password}");
    }
    Ok(())
}
