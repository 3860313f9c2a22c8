//! Starting a worker: the consumers (RabbitMQ) or the embedded runner (no broker), the
//! outbox relay and the scheduler, as tasks of the current runtime, with one handle to stop
//! them gracefully or kill them.

use std::sync::Arc;

use store::crypto::MasterKey;
use store::pool::DbPool;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::amqp::Topology;
use crate::amqp::consumer::{self, ConsumerSettings};
use crate::amqp::relay::{self, RelaySettings};
use crate::config::WorkerConfig;
use crate::embedded::{self, EmbeddedSettings};
use crate::exec::Runner;
use crate::registry::Registry;
use crate::resources::Resources;
use crate::scheduler::{self, SchedulerDeps, SchedulerSettings};

/// Which parts to run (`mikrobill worker --no-scheduler --no-relay`).
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// Consume jobs (RabbitMQ consumers, or the embedded runner when there is no broker).
    pub consume: bool,
    /// Publish the outbox to RabbitMQ (ignored in embedded mode).
    pub relay: bool,
    pub scheduler: bool,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            consume: true,
            relay: true,
            scheduler: true,
        }
    }
}

/// A worker ready to start.
pub struct Worker {
    config: WorkerConfig,
    pool: DbPool,
    database_url: String,
    master_key: Arc<MasterKey>,
    registry: Arc<Registry>,
    resources: Arc<Resources>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// `database_url` is used for the LISTEN connection, `pool` for everything else.
    pub fn new(
        config: WorkerConfig,
        pool: DbPool,
        database_url: impl Into<String>,
        master_key: Arc<MasterKey>,
        registry: Registry,
    ) -> Self {
        Self {
            config,
            pool,
            database_url: database_url.into(),
            master_key,
            registry: Arc::new(registry),
            resources: Arc::new(Resources::default()),
        }
    }

    /// Shared clients handed to every job and task (insert them before [`Worker::start`]).
    pub fn resources(&self) -> &Arc<Resources> {
        &self.resources
    }

    /// Spawns the selected parts on the current runtime.
    pub fn start(self, options: WorkerOptions) -> WorkerHandle {
        let shutdown = CancellationToken::new();
        let kill = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let config = self.config;
        let worker_id: Arc<str> = Arc::from(config.worker_id.as_str());
        let runner = Runner {
            pool: self.pool.clone(),
            master_key: self.master_key.clone(),
            resources: self.resources.clone(),
            worker_id: worker_id.clone(),
            registry: self.registry.clone(),
            job_timeout: config.job_timeout,
            processed: crate::processed::ProcessedLog::start(self.pool.clone()),
        };
        let topology = Topology::new(&config.namespace);
        let needs_wake = options.consume && config.amqp_url.is_none()
            || options.relay && config.amqp_url.is_some();
        let wake = Arc::new(Notify::new());
        let mut listener = None;
        if needs_wake {
            match crate::listener::spawn(self.database_url.clone(), wake.clone(), shutdown.clone())
            {
                Ok(thread) => listener = Some(thread),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start the outbox listener; polling only")
                }
            }
        }
        match &config.amqp_url {
            Some(url) => {
                if options.relay {
                    let settings = RelaySettings {
                        amqp_url: url.clone(),
                        topology: topology.clone(),
                        backoff: config.backoff.clone(),
                        batch: config.outbox_batch,
                        poll: config.outbox_poll,
                        name: format!("{worker_id}/relay"),
                    };
                    let (pool, wake, stop) = (self.pool.clone(), wake.clone(), shutdown.clone());
                    tasks.spawn(relay::run(settings, pool, wake, stop));
                }
                if options.consume {
                    let settings = ConsumerSettings {
                        amqp_url: url.clone(),
                        topology,
                        families: config.families.clone(),
                        prefetch: config.prefetch,
                        max_attempts: config.max_attempts,
                        backoff: config.backoff.clone(),
                        name: format!("{worker_id}/consumer"),
                    };
                    tasks.spawn(consumer::run(
                        settings,
                        runner,
                        shutdown.clone(),
                        kill.clone(),
                    ));
                }
            }
            None => {
                if options.consume {
                    let settings = EmbeddedSettings {
                        families: config.families.clone(),
                        concurrency: usize::from(config.prefetch),
                        max_attempts: config.max_attempts,
                        backoff: config.backoff.clone(),
                        poll: config.outbox_poll,
                        lease: config.job_timeout + std::time::Duration::from_secs(30),
                    };
                    tasks.spawn(embedded::run(
                        settings,
                        runner,
                        wake.clone(),
                        shutdown.clone(),
                    ));
                }
            }
        }
        if options.scheduler {
            let deps = SchedulerDeps {
                pool: self.pool.clone(),
                master_key: self.master_key.clone(),
                resources: self.resources.clone(),
                worker_id,
            };
            let settings = SchedulerSettings {
                tick: config.scheduler_tick,
                ..SchedulerSettings::default()
            };
            let tasks_defs = self.registry.tasks().to_vec();
            tasks.spawn(scheduler::run(deps, tasks_defs, settings, shutdown.clone()));
        }
        WorkerHandle {
            shutdown,
            kill,
            tasks,
            listener,
        }
    }
}

/// Controls a started worker.
#[derive(Debug)]
pub struct WorkerHandle {
    shutdown: CancellationToken,
    kill: CancellationToken,
    tasks: JoinSet<()>,
    listener: Option<std::thread::JoinHandle<()>>,
}

impl WorkerHandle {
    /// Stops taking work, finishes the jobs in hand, and returns when everything stopped.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.join_listener().await;
    }

    /// Stops at once as if the process died: unacknowledged jobs return to their queue.
    pub async fn kill(mut self) {
        self.kill.cancel();
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.join_listener().await;
    }

    /// Waits until the worker stops by itself (it only does when shut down).
    pub async fn wait(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }

    /// A token that stops the worker gracefully when cancelled (e.g. on SIGTERM).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    async fn join_listener(&mut self) {
        if let Some(thread) = self.listener.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
