#![doc = include_str!("../README.md")]

pub mod crypto;
pub mod demo;
pub mod migrate;
pub mod models;
pub mod pool;
pub mod schema;
pub mod testing;
