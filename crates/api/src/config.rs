//! Settings of the HTTP API, read from the environment/TOML view and validated at start.

use domain::config::{ConfigError, Env};
use std::fmt;
use std::net::SocketAddr;

#[derive(Clone)]
pub struct ApiConfig {
    pub bind: SocketAddr,
    /// HMAC key for access tokens; at least 32 bytes.
    pub jwt_secret: Vec<u8>,
    /// Still accepted for verification only, so a key rotation does not log everyone out.
    pub jwt_previous_secret: Option<Vec<u8>>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_days: i64,
    pub bcrypt_cost: u32,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub db_pool_size: usize,
    pub workers: usize,
    /// Empty when the broker is not used (embedded job mode); `/readyz` then skips it.
    pub amqp_url: String,
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("bind", &self.bind)
            .field("jwt_secret", &"<redacted>")
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_days", &self.refresh_token_ttl_days)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("cors_origins", &self.cors_origins)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("db_pool_size", &self.db_pool_size)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl ApiConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let secret = env.required("MIKROBILL_JWT_SECRET")?;
        if secret.len() < 32 {
            return Err(ConfigError::new(
                "MIKROBILL_JWT_SECRET",
                "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
            ));
        }
        let previous = env
            .raw("MIKROBILL_JWT_PREVIOUS_SECRET")
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.as_bytes().to_vec());
        let bcrypt_cost = env.parse_or("MIKROBILL_BCRYPT_COST", 10u32)?;
        if !(4..=16).contains(&bcrypt_cost) {
            return Err(ConfigError::new(
                "MIKROBILL_BCRYPT_COST",
                format!("{bcrypt_cost} is outside 4..=16"),
            ));
        }
        let access_token_ttl_secs = env.parse_or("MIKROBILL_ACCESS_TOKEN_TTL_SECS", 900i64)?;
        if !(60..=86_400).contains(&access_token_ttl_secs) {
            return Err(ConfigError::new(
                "MIKROBILL_ACCESS_TOKEN_TTL_SECS",
                "must be between 60 and 86400",
            ));
        }
        let refresh_token_ttl_days = env.parse_or("MIKROBILL_REFRESH_TOKEN_TTL_DAYS", 30i64)?;
        if !(1..=365).contains(&refresh_token_ttl_days) {
            return Err(ConfigError::new(
                "MIKROBILL_REFRESH_TOKEN_TTL_DAYS",
                "must be between 1 and 365",
            ));
        }
        let db_pool_size = env.parse_or("MIKROBILL_DB_POOL_SIZE", 16usize)?;
        if db_pool_size == 0 {
            return Err(ConfigError::new(
                "MIKROBILL_DB_POOL_SIZE",
                "must be at least 1",
            ));
        }
        Ok(Self {
            bind: env.parse_or("MIKROBILL_BIND", default_bind())?,
            jwt_secret: secret.into_bytes(),
            jwt_previous_secret: previous,
            access_token_ttl_secs,
            refresh_token_ttl_days,
            bcrypt_cost,
            cors_origins: env.list("MIKROBILL_CORS_ORIGINS"),
            body_limit_bytes: env.parse_or("MIKROBILL_BODY_LIMIT_BYTES", 256 * 1024usize)?,
            db_pool_size,
            workers: env.parse_or("MIKROBILL_HTTP_WORKERS", 0usize)?,
            amqp_url: env.string_or("AMQP_URL", crate::DEFAULT_AMQP_URL),
        })
    }

    /// A configuration for tests and the OpenAPI generator, with a random secret.
    pub fn for_tests() -> Self {
        use rand::Rng;
        let secret: [u8; 32] = rand::rng().random();
        Self {
            bind: default_bind(),
            jwt_secret: hex::encode(secret).into_bytes(),
            jwt_previous_secret: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            bcrypt_cost: 4,
            cors_origins: Vec::new(),
            body_limit_bytes: 256 * 1024,
            db_pool_size: 8,
            workers: 2,
            amqp_url: String::new(),
        }
    }
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
