#![doc = include_str!("../README.md")]

pub mod crypto;
pub mod customers;
pub mod demo;
pub mod ledger;
pub mod migrate;
pub mod models;
pub mod pool;
pub mod portal;
pub mod schema;
pub mod testing;
