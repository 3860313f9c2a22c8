#![doc = include_str!("../README.md")]

pub mod api;
pub mod client;
pub mod codec;
pub mod duration;
pub mod error;
pub mod menus;
pub mod pool;
pub mod proto;
pub mod rest;
pub mod sim;

pub use api::RouterApi;
pub use client::{Client, ConnectOptions, LoginMethod, Password, Response, RowStream, TlsOptions};
pub use error::{Error, Result, Stage};
pub use pool::{BreakerState, PoolConfig, PooledClient, RouterPool};
pub use proto::{Command, Query, Row};
