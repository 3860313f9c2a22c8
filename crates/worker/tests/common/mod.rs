//! Shared set-up for the worker's integration tests: a database of their own, a RabbitMQ
//! namespace of their own, and a test job whose handler records each run in a table.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Uuid as SqlUuid};
use domain::jobs::{JobFamily, JobSpec};
use serde::{Deserialize, Serialize};
use store::crypto::MasterKey;
use store::testing::TestDb;
use worker::amqp::Topology;
use worker::{
    JobContext, JobError, JobHandler, Registry, Worker, WorkerConfig, WorkerHandle, WorkerOptions,
};

pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const FAMILY: JobFamily = JobFamily::Lifecycle;
pub const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(600)];

/// A job that records its runs. `fail` makes it fail while the `test_switch` row says so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded {
    pub n: i64,
    #[serde(default)]
    pub fail: bool,
    #[serde(default)]
    pub permanent: bool,
    #[serde(default)]
    pub panic: bool,
    /// Sleep this long after committing the record (to be killed mid-job).
    #[serde(default)]
    pub hold_ms: u64,
}

impl JobSpec for Recorded {
    const KIND: &'static str = "test.recorded";
    const FAMILY: JobFamily = FAMILY;
}

impl Recorded {
    pub fn new(n: i64) -> Self {
        Self {
            n,
            fail: false,
            permanent: false,
            panic: false,
            hold_ms: 0,
        }
    }
}

/// Writes one `test_runs` row per successful run, with the completion mark in the same
/// transaction; failed attempts go to `test_attempts`.
pub struct RecordHandler;

#[async_trait::async_trait]
impl JobHandler for RecordHandler {
    type Job = Recorded;

    async fn run(&self, job: Recorded, ctx: &JobContext) -> Result<(), JobError> {
        let ctx2 = ctx.clone();
        let failing = store::pool::with_conn(&ctx.pool, move |conn| {
            diesel::sql_query("INSERT INTO test_attempts (job_id, attempt) VALUES ($1, $2)")
                .bind::<SqlUuid, _>(ctx2.job_id)
                .bind::<Integer, _>(ctx2.attempt as i32)
                .execute(conn)?;
            let on: Vec<Flag> = diesel::sql_query("SELECT fail FROM test_switch").load(conn)?;
            Ok(on.first().is_some_and(|f| f.fail))
        })
        .await?;
        if job.panic {
            panic!("test handler panics on purpose");
        }
        if job.fail && failing {
            return Err(if job.permanent {
                JobError::Permanent(format!("job {} refuses for good", job.n))
            } else {
                JobError::Retry(format!("job {} fails on attempt {}", job.n, ctx.attempt))
            });
        }
        let ctx2 = ctx.clone();
        store::pool::with_conn(&ctx.pool, move |conn| {
            conn.transaction(|conn| {
                diesel::sql_query("INSERT INTO test_runs (job_id, n, worker) VALUES ($1, $2, $3)")
                    .bind::<SqlUuid, _>(ctx2.job_id)
                    .bind::<BigInt, _>(job.n)
                    .bind::<Text, _>(&*ctx2.worker_id)
                    .execute(conn)?;
                ctx2.mark_processed(conn)
            })
        })
        .await?;
        if job.hold_ms > 0 {
            tokio::time::sleep(Duration::from_millis(job.hold_ms)).await;
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    fail: bool,
}

#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// A test's database with the test tables, and a namespace on the shared broker.
pub struct Harness {
    pub db: TestDb,
    pub namespace: String,
    pub master_key: Arc<MasterKey>,
}

impl Harness {
    pub async fn new() -> Harness {
        let db = TestDb::new().await;
        let mut conn = db.connect();
        diesel::sql_query(
            "CREATE TABLE test_runs (id BIGSERIAL PRIMARY KEY, job_id UUID NOT NULL, n BIGINT NOT NULL, \
             worker TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "CREATE TABLE test_attempts (job_id UUID NOT NULL, attempt INT NOT NULL, \
             at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query("CREATE TABLE test_switch (fail BOOLEAN NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query("INSERT INTO test_switch VALUES (true)")
            .execute(&mut conn)
            .unwrap();
        let namespace = format!("test.{}.{:08x}.", std::process::id(), rand::random::<u32>());
        Harness {
            db,
            namespace,
            master_key: Arc::new(MasterKey::generate().0),
        }
    }

    /// Config with this test's namespace, fast backoff and polling.
    pub fn config(&self, amqp_url: Option<&str>, id: &str) -> WorkerConfig {
        let mut c = WorkerConfig::defaults(amqp_url.map(str::to_owned));
        c.namespace = self.namespace.clone();
        c.families = vec![FAMILY];
        c.backoff = BACKOFF.to_vec();
        c.max_attempts = 3;
        c.outbox_poll = Duration::from_millis(200);
        c.scheduler_tick = Duration::from_millis(50);
        c.worker_id = id.to_owned();
        c.job_timeout = Duration::from_secs(30);
        c
    }

    pub fn registry() -> Registry {
        let mut reg = Registry::new();
        reg.register(RecordHandler);
        reg
    }

    pub fn start(
        &self,
        config: WorkerConfig,
        registry: Registry,
        options: WorkerOptions,
    ) -> WorkerHandle {
        // small: many tests share one PostgreSQL (max_connections) with other suites
        let pool = store::pool::build_pool(self.db.url(), 4).unwrap();
        Worker::new(
            config,
            pool,
            self.db.url(),
            self.master_key.clone(),
            registry,
        )
        .start(options)
    }

    pub fn enqueue(&self, jobs: &[Recorded]) -> Vec<uuid::Uuid> {
        let mut conn = self.db.connect();
        conn.transaction(|conn| {
            jobs.iter()
                .map(|j| store::outbox::enqueue(conn, j))
                .collect::<QueryResult<Vec<_>>>()
        })
        .unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        let mut conn = self.db.connect();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .count
    }

    pub fn set_failing(&self, fail: bool) {
        let mut conn = self.db.connect();
        diesel::sql_query("UPDATE test_switch SET fail = $1")
            .bind::<diesel::sql_types::Bool, _>(fail)
            .execute(&mut conn)
            .unwrap();
    }

    pub fn topology(&self) -> Topology {
        Topology::new(&self.namespace)
    }

    /// Messages ready in `queue` (passive declare).
    pub async fn ready(&self, queue: &str) -> u32 {
        let conn = lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        let q = ch
            .queue_declare(
                queue.into(),
                lapin::options::QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        let _ = conn.close(200, "done".into()).await;
        q.message_count()
    }

    /// Deletes this test's queues and exchange.
    pub async fn cleanup_broker(&self) {
        let Ok(conn) =
            lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default()).await
        else {
            return;
        };
        if let Ok(ch) = conn.create_channel().await {
            let _ = self.topology().delete(&ch, &[FAMILY], &BACKOFF).await;
        }
        let _ = conn.close(200, "done".into()).await;
    }
}

/// Polls `check` until it returns true or `timeout` passes.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
