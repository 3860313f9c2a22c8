#![doc = include_str!("../README.md")]

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod routes;
pub mod server;
pub mod state;

pub use config::ApiConfig;
pub use state::AppState;

pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
