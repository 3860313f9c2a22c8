#![doc = include_str!("../README.md")]

pub mod config;
pub mod status;
pub mod customer;
pub mod ledger;
pub mod money;
pub mod phone;
