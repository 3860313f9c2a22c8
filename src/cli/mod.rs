//! One module per subcommand; each owns its clap arguments and its `run`.

pub mod admin;
pub mod demo;
pub mod migrate;
pub mod openapi;
pub mod routeros_sim;
pub mod serve;
pub mod worker;
