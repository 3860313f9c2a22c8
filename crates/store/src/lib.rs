#![doc = include_str!("../README.md")]

pub mod crypto;
pub mod customers;
pub mod demo;
pub mod jobs;
pub mod leases;
pub mod ledger;
pub mod migrate;
pub mod models;
pub mod outbox;
pub mod pool;
pub mod portal;
pub mod scheduler;
pub mod schema;
pub mod testing;
