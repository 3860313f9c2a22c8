#![doc = include_str!("../README.md")]

pub mod codec;
pub mod proto;
