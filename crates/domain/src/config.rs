//! Typed reading of configuration values from a flat key/value source (env vars merged
//! with an optional TOML file). Pure: the caller gathers the pairs, so every crate can
//! validate its own settings and name the exact variable at fault.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A configuration problem, always naming the variable so the operator can fix it in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: String,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &str, problem: impl fmt::Display) -> Self {
        Self {
            var: var.to_owned(),
            problem: problem.to_string(),
        }
    }
}

/// Flat view of every configuration value; keys are upper-case variable names
/// (`MIKROBILL_BIND`, `DATABASE_URL`, ...).
#[derive(Debug, Clone, Default)]
pub struct Env {
    values: HashMap<String, String>,
}

impl Env {
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Later sources win: used to lay process env over the TOML file.
    pub fn overlay(mut self, other: Env) -> Self {
        self.values.extend(other.values);
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_owned(), value.into());
    }

    /// The raw value; `Some("")` means the variable is set but empty.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn string_or(&self, key: &str, default: &str) -> String {
        self.raw(key).unwrap_or(default).to_owned()
    }

    pub fn required(&self, key: &str) -> Result<String, ConfigError> {
        match self.raw(key) {
            Some(v) if !v.trim().is_empty() => Ok(v.to_owned()),
            _ => Err(ConfigError::new(key, "is required but not set")),
        }
    }

    pub fn parse_or<T>(&self, key: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.raw(key) {
            None => Ok(default),
            Some(v) if v.trim().is_empty() => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|e| ConfigError::new(key, format!("invalid value {v:?}: {e}"))),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(key).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v.is_empty() => Ok(default),
            Some(v) => match v.as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::new(
                    key,
                    format!("invalid boolean {v:?} (use true/false)"),
                )),
            },
        }
    }

    /// Comma-separated list; empty entries are dropped.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.raw(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_number_names_the_variable() {
        let env = Env::from_pairs([("MIKROBILL_DB_POOL_SIZE", "lots")]);
        let Err(err) = env.parse_or("MIKROBILL_DB_POOL_SIZE", 8u32) else {
            panic!("a malformed number must be refused");
        };
        assert_eq!(err.var, "MIKROBILL_DB_POOL_SIZE");
        assert!(
            err.to_string()
                .starts_with("MIKROBILL_DB_POOL_SIZE: invalid value")
        );
    }

    #[test]
    fn empty_value_falls_back_to_default_but_required_refuses_it() {
        let env = Env::from_pairs([("A", "  ")]);
        assert_eq!(env.parse_or("A", 3u8), Ok(3));
        assert!(env.required("A").is_err());
    }

    #[test]
    fn overlay_prefers_later_source() {
        let file = Env::from_pairs([("A", "file"), ("B", "file")]);
        let env = file.overlay(Env::from_pairs([("A", "env")]));
        assert_eq!(env.raw("A"), Some("env"));
        assert_eq!(env.raw("B"), Some("file"));
        assert_eq!(env.list("C"), Vec::<String>::new());
    }
}
