//! Jobs/s through outbox → relay (publisher confirms) → RabbitMQ → consumer → handler, on a
//! database of its own, enqueued by 4 concurrent producers (`--producers`): `cargo run --release -p worker --example jobs_bench -- --jobs 50000
//! --workers 1` (add `--embedded` for the no-broker path). Jobs are enqueued in transactions
//! of 500 while the workers run; the figure is jobs / (last job processed − first enqueue).
//! Loss and duplicates are checked against `processed_jobs`; latency is enqueue → processed.
//! `--rows` prints scripts/bench.sh table rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double};
use domain::jobs::{JobFamily, JobSpec};
use serde::{Deserialize, Serialize};
use store::testing::TestDb;
use worker::{JobContext, JobError, JobHandler, Registry, Worker, WorkerConfig, WorkerOptions};

#[derive(Serialize, Deserialize)]
struct Ping {
    n: u64,
}

impl JobSpec for Ping {
    const KIND: &'static str = "bench.ping";
    const FAMILY: JobFamily = JobFamily::Lifecycle;
}

struct PingHandler(Arc<AtomicU64>);

#[async_trait::async_trait]
impl JobHandler for PingHandler {
    type Job = Ping;

    async fn run(&self, _job: Ping, _ctx: &JobContext) -> Result<(), JobError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Stats {
    #[diesel(sql_type = BigInt)]
    processed: i64,
    #[diesel(sql_type = BigInt)]
    distinct_jobs: i64,
    #[diesel(sql_type = Double)]
    p50_ms: f64,
    #[diesel(sql_type = Double)]
    p99_ms: f64,
}

struct Args {
    jobs: u64,
    workers: usize,
    prefetch: u16,
    embedded: bool,
    rows: bool,
    producers: u64,
    trace: bool,
    prefill: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        jobs: 50_000,
        workers: 1,
        prefetch: 256,
        embedded: false,
        rows: false,
        producers: 4,
        trace: false,
        prefill: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--jobs" => {
                args.jobs = value("--jobs")?
                    .parse()
                    .map_err(|e| format!("--jobs: {e}"))?
            }
            "--workers" => {
                args.workers = value("--workers")?
                    .parse()
                    .map_err(|e| format!("--workers: {e}"))?
            }
            "--prefetch" => {
                args.prefetch = value("--prefetch")?
                    .parse()
                    .map_err(|e| format!("--prefetch: {e}"))?
            }
            "--producers" => {
                args.producers = value("--producers")?
                    .parse()
                    .map_err(|e| format!("--producers: {e}"))?
            }
            "--embedded" => args.embedded = true,
            "--trace" => args.trace = true,
            "--prefill" => args.prefill = true,
            "--rows" => args.rows = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jobs_bench: {e}");
            std::process::exit(2);
        }
    };
    let amqp_url =
        std::env::var("AMQP_URL").unwrap_or_else(|_| worker::config::DEFAULT_AMQP_URL.to_owned());
    let db = TestDb::new().await;
    let namespace = format!("bench.{}.", std::process::id());
    let counter = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    let start = |relay: bool, consume: bool, w: usize| {
        let mut config = WorkerConfig::defaults((!args.embedded).then(|| amqp_url.clone()));
        config.namespace = namespace.clone();
        config.families = vec![JobFamily::Lifecycle];
        config.prefetch = args.prefetch;
        config.worker_id = format!("bench-{w}");
        config.db_pool_size = 24;
        let pool = match store::pool::build_pool(db.url(), config.db_pool_size) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let mut registry = Registry::new();
        registry.register(PingHandler(counter.clone()));
        let key = Arc::new(store::crypto::MasterKey::generate().0);
        let options = WorkerOptions {
            consume,
            relay,
            scheduler: false,
        };
        Worker::new(config, pool, db.url(), key, registry).start(options)
    };
    // --prefill: consumers first, the relays only once every job is in the outbox, so the
    // figure is the pipeline's own rate; otherwise everything runs while jobs are enqueued
    for w in 0..args.workers {
        handles.push(start(!args.prefill, true, w));
    }
    // let the consumers connect and declare their queues before the clock starts
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let started = Instant::now();
    let total = args.jobs;
    // several producers, as concurrent API requests would be
    let producers = args.producers.max(1);
    let mut tasks = Vec::new();
    for p in 0..producers {
        let url = db.url().to_owned();
        tasks.push(tokio::task::spawn_blocking(move || {
            let mut conn = match PgConnection::establish(&url) {
                Ok(c) => c,
                Err(e) => panic!("{e}"),
            };
            let share = total / producers + u64::from(p < total % producers);
            let first = p * (total / producers) + p.min(total % producers);
            let mut n = first;
            while n < first + share {
                let end = (n + 500).min(first + share);
                let done = conn.transaction(|conn| {
                    for i in n..end {
                        store::outbox::enqueue(conn, &Ping { n: i })?;
                    }
                    QueryResult::Ok(())
                });
                if let Err(e) = done {
                    panic!("enqueue failed: {e}");
                }
                n = end;
            }
        }));
    }
    for t in tasks {
        if let Err(e) = t.await {
            panic!("{e}");
        }
    }
    let enqueued_at = Instant::now();
    let enqueue_secs = enqueued_at.duration_since(started).as_secs_f64();
    let started = if args.prefill {
        for w in 0..args.workers {
            handles.push(start(true, false, w));
        }
        Instant::now()
    } else {
        started
    };
    // wait for the completion marks (the durable record), not just the handler calls
    let mut conn = db.connect();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut last_trace = Instant::now();
    loop {
        let done: i64 = store::schema::processed_jobs::table
            .count()
            .get_result(&mut conn)
            .unwrap_or(0);
        if done as u64 >= total || Instant::now() > deadline {
            break;
        }
        if args.trace && last_trace.elapsed() >= Duration::from_millis(500) {
            last_trace = Instant::now();
            let published: i64 = store::schema::outbox::table
                .filter(store::schema::outbox::status.ne("pending"))
                .count()
                .get_result(&mut conn)
                .unwrap_or(0);
            eprintln!(
                "{:6.2} s: published {published:>7}, processed {done:>7}",
                started.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for h in handles {
        h.shutdown().await;
    }
    let stats: Stats = match diesel::sql_query(
        "SELECT count(*) AS processed, count(DISTINCT o.job_id) AS distinct_jobs, \
           COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM p.processed_at - o.created_at)), 0) * 1000 AS p50_ms, \
           COALESCE(percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM p.processed_at - o.created_at)), 0) * 1000 AS p99_ms \
         FROM processed_jobs p JOIN outbox o USING (job_id)",
    )
    .get_result(&mut conn)
    {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let calls = counter.load(Ordering::Relaxed);
    let lost = total.saturating_sub(stats.distinct_jobs as u64);
    let rate = total as f64 / elapsed;
    let mode = if args.embedded {
        "embedded (outbox only)"
    } else {
        "outbox→RabbitMQ→worker"
    };
    println!(
        "jobs: {mode}, {} worker(s), {total} jobs: enqueue {:.0}/s, end to end {rate:.0} jobs/s ({elapsed:.2} s), \
         enqueue→processed p50 {:.0} ms p99 {:.0} ms, handler calls {calls}, lost {lost}, processed twice {}",
        args.workers,
        total as f64 / enqueue_secs,
        stats.p50_ms,
        stats.p99_ms,
        (stats.processed - stats.distinct_jobs).max(0),
    );
    if args.rows {
        // scripts/bench.sh's table: at most 38 bytes, the workers go in the conns column
        let label = match (args.embedded, args.prefill) {
            (true, _) => "jobs embedded, no broker",
            (false, false) => "jobs e2e, enqueued while running",
            (false, true) => "jobs drain, outbox prefilled",
        };
        println!(
            "ROW\t{label}\t{}\t{rate:.0}\t{:.0}ms\t{:.0}ms\t{lost}",
            args.workers, stats.p50_ms, stats.p99_ms
        );
    }
    if !args.embedded
        && let Ok(c) =
            lapin::Connection::connect(&amqp_url, lapin::ConnectionProperties::default()).await
    {
        if let Ok(ch) = c.create_channel().await {
            let backoff = WorkerConfig::defaults(None).backoff;
            let _ = worker::amqp::Topology::new(&namespace)
                .delete(&ch, &[JobFamily::Lifecycle], &backoff)
                .await;
        }
        let _ = c.close(200, "bench done".into()).await;
    }
    if lost > 0 {
        std::process::exit(1);
    }
}
