//! One module per subcommand; each owns its clap arguments and its `run`.

pub mod openapi;
pub mod serve;
