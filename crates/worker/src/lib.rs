#![doc = include_str!("../README.md")]

pub mod amqp;
pub mod config;
pub mod embedded;
pub mod exec;
pub mod handlers;
pub mod job;
pub mod listener;
pub mod processed;
pub mod registry;
pub mod resources;
pub mod scheduler;
pub mod service;

pub use config::WorkerConfig;
pub use job::{JobContext, JobError, JobHandler};
pub use registry::Registry;
pub use resources::Resources;
pub use service::{Worker, WorkerHandle, WorkerOptions};
