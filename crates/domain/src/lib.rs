#![doc = include_str!("../README.md")]

pub mod config;
pub mod customer;
pub mod jobs;
pub mod ledger;
pub mod money;
pub mod phone;
pub mod profile;
pub mod rate_limit;
pub mod router_comment;
pub mod router_jobs;
pub mod status;
pub mod sync;
pub mod validity;
