//! The one list of job handlers and scheduled tasks a worker knows (filled by
//! [`crate::handlers::register_all`]), and the type erasure that lets the consumers run a
//! handler from its `KIND` and JSON payload.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use domain::jobs::{JobFamily, JobSpec};
use futures::future::BoxFuture;

use crate::job::{JobContext, JobError, JobHandler};
use crate::scheduler::{TaskContext, TaskDef};

/// A handler behind its job type: decodes the payload, then runs.
pub(crate) trait ErasedHandler: Send + Sync {
    fn family(&self) -> JobFamily;
    fn run<'a>(
        &'a self,
        payload: serde_json::Value,
        ctx: &'a JobContext,
    ) -> BoxFuture<'a, Result<(), JobError>>;
}

struct Typed<H>(H);

impl<H: JobHandler> ErasedHandler for Typed<H> {
    fn family(&self) -> JobFamily {
        <H::Job as JobSpec>::FAMILY
    }

    fn run<'a>(
        &'a self,
        payload: serde_json::Value,
        ctx: &'a JobContext,
    ) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let job: H::Job = serde_json::from_value(payload).map_err(|e| {
                JobError::Permanent(format!(
                    "payload of {} does not decode: {e}",
                    <H::Job as JobSpec>::KIND
                ))
            })?;
            self.0.run(job, ctx).await
        })
    }
}

/// Job handlers by kind, and the scheduler's periodic tasks.
#[derive(Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Arc<dyn ErasedHandler>>,
    tasks: Vec<TaskDef>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<_> = self.handlers.keys().collect();
        kinds.sort();
        let tasks: Vec<_> = self.tasks.iter().map(|t| t.name).collect();
        f.debug_struct("Registry")
            .field("kinds", &kinds)
            .field("tasks", &tasks)
            .finish()
    }
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with every handler and task of the product ([`crate::handlers::register_all`]).
    pub fn with_all() -> Self {
        let mut reg = Self::new();
        crate::handlers::register_all(&mut reg);
        reg
    }

    /// Adds the handler of `H::Job`; a second handler for the same kind replaces the first.
    pub fn register<H: JobHandler>(&mut self, handler: H) -> &mut Self {
        let kind = <H::Job as JobSpec>::KIND;
        if self
            .handlers
            .insert(kind, Arc::new(Typed(handler)))
            .is_some()
        {
            tracing::warn!(kind, "job handler registered twice; the last one wins");
        }
        self
    }

    /// Adds a periodic task run once per `interval` slot across all workers (see
    /// [`crate::scheduler`]); the closure returns a one-line summary of what it did.
    pub fn register_task<F, Fut>(
        &mut self,
        name: &'static str,
        interval: Duration,
        run: F,
    ) -> &mut Self
    where
        F: Fn(TaskContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, JobError>> + Send + 'static,
    {
        self.task(TaskDef::new(name, interval, run))
    }

    /// Adds a task built with [`TaskDef`] (for an offset or a description).
    pub fn task(&mut self, def: TaskDef) -> &mut Self {
        self.tasks.retain(|t| t.name != def.name);
        self.tasks.push(def);
        self
    }

    /// Registered job kinds and their families.
    pub fn kinds(&self) -> Vec<(&'static str, JobFamily)> {
        let mut kinds: Vec<_> = self
            .handlers
            .iter()
            .map(|(k, h)| (*k, h.family()))
            .collect();
        kinds.sort();
        kinds
    }

    /// Registered periodic tasks.
    pub fn tasks(&self) -> &[TaskDef] {
        &self.tasks
    }

    pub(crate) fn handler(&self, kind: &str) -> Option<&Arc<dyn ErasedHandler>> {
        self.handlers.get(kind)
    }
}
