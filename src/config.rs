//! Gathers configuration from an optional TOML file and the process environment (which
//! wins), and sets up logging. Each crate validates its own part from the merged view.

use domain::config::{ConfigError, Env};
use std::path::Path;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/mikrobill";

/// Names read from the environment: ours, plus the two conventional URLs.
fn is_ours(key: &str) -> bool {
    key.starts_with("MIKROBILL_") || key == "DATABASE_URL" || key == "AMQP_URL"
}

/// The merged view: TOML file (path from `MIKROBILL_CONFIG`) overlaid by the environment.
pub fn load_env() -> Result<Env, ConfigError> {
    let process = Env::from_pairs(std::env::vars().filter(|(k, _)| is_ours(k)));
    let file = match process
        .raw("MIKROBILL_CONFIG")
        .filter(|p| !p.trim().is_empty())
    {
        Some(path) => read_toml(Path::new(path))?,
        None => Env::default(),
    };
    Ok(file.overlay(process))
}

/// `bind = "0.0.0.0:8080"` → `MIKROBILL_BIND`; `[jwt] secret = ".."` → `MIKROBILL_JWT_SECRET`;
/// `database_url` / `amqp_url` keep their conventional names.
fn read_toml(path: &Path) -> Result<Env, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            "MIKROBILL_CONFIG",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let table: toml::Table = text.parse().map_err(|e| {
        ConfigError::new(
            "MIKROBILL_CONFIG",
            format!("{} is not valid TOML: {e}", path.display()),
        )
    })?;
    let mut env = Env::default();
    flatten("", &table, &mut env)?;
    Ok(env)
}

fn flatten(prefix: &str, table: &toml::Table, env: &mut Env) -> Result<(), ConfigError> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.to_ascii_uppercase()
        } else {
            format!("{prefix}_{}", key.to_ascii_uppercase())
        };
        match value {
            toml::Value::Table(inner) => flatten(&name, inner, env)?,
            toml::Value::String(s) => env.set(&var_name(&name), s.clone()),
            toml::Value::Integer(i) => env.set(&var_name(&name), i.to_string()),
            toml::Value::Float(f) => env.set(&var_name(&name), f.to_string()),
            toml::Value::Boolean(b) => env.set(&var_name(&name), b.to_string()),
            toml::Value::Array(items) => {
                let joined = items
                    .iter()
                    .map(|v| match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                env.set(&var_name(&name), joined);
            }
            toml::Value::Datetime(d) => env.set(&var_name(&name), d.to_string()),
        }
    }
    Ok(())
}

fn var_name(flat: &str) -> String {
    match flat {
        "DATABASE_URL" | "AMQP_URL" => flat.to_owned(),
        _ => format!("MIKROBILL_{flat}"),
    }
}

pub fn database_url(env: &Env) -> String {
    env.string_or("DATABASE_URL", DEFAULT_DATABASE_URL)
}

/// One subscriber for the whole process: `MIKROBILL_LOG` filter, `MIKROBILL_LOG_JSON` switch.
pub fn init_tracing(env: &Env) -> Result<(), ConfigError> {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_new(env.string_or("MIKROBILL_LOG", "info,actix_web=warn,lapin=warn"))
            .map_err(|e| ConfigError::new("MIKROBILL_LOG", format!("invalid filter: {e}")))?;
    let json = env.bool_or("MIKROBILL_LOG_JSON", false)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests) is harmless; the first subscriber stays.
    let _ = result;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_keys_become_variable_names() {
        let table: toml::Table = "bind = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://x\"\n[jwt]\nsecret = \"s\"\n[cors]\norigins = [\"https://a\", \"https://b\"]\n"
            .parse()
            .unwrap_or_default();
        let mut env = Env::default();
        assert!(flatten("", &table, &mut env).is_ok());
        assert_eq!(env.raw("MIKROBILL_BIND"), Some("0.0.0.0:9000"));
        assert_eq!(env.raw("DATABASE_URL"), Some("postgres://x"));
        assert_eq!(env.raw("MIKROBILL_JWT_SECRET"), Some("s"));
        assert_eq!(
            env.raw("MIKROBILL_CORS_ORIGINS"),
            Some("https://a,https://b")
        );
    }
}
