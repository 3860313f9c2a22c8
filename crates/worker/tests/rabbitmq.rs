//! The RabbitMQ path end to end: outbox → relay → exchange → family queue → handler, with
//! retries, dead letters, redelivery, broker outages and concurrent relays.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

mod common;

use std::time::Duration;

use common::{AMQP_URL, FAMILY, Harness, Recorded, wait_until};
use diesel::prelude::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use worker::WorkerOptions;

const BOTH: WorkerOptions = WorkerOptions {
    consume: true,
    relay: true,
    scheduler: false,
};
const RELAY_ONLY: WorkerOptions = WorkerOptions {
    consume: false,
    relay: true,
    scheduler: false,
};
const CONSUME_ONLY: WorkerOptions = WorkerOptions {
    consume: true,
    relay: false,
    scheduler: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn job_enqueued_in_a_transaction_reaches_its_handler_through_rabbitmq() {
    let h = Harness::new().await;
    let worker = h.start(h.config(Some(AMQP_URL), "w1"), Harness::registry(), BOTH);
    let ids = h.enqueue(&[Recorded::new(7)]);
    wait_until(Duration::from_secs(20), "the job to run", || async {
        h.count("SELECT count(*) AS count FROM test_runs") == 1
    })
    .await;
    let sql = format!(
        "SELECT count(*) AS count FROM test_runs WHERE job_id = '{}' AND n = 7",
        ids[0]
    );
    assert_eq!(h.count(&sql), 1);
    assert_eq!(
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'published'"),
        1
    );
    assert_eq!(h.count("SELECT count(*) AS count FROM processed_jobs"), 1);
    worker.shutdown().await;
    h.cleanup_broker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rolled_back_transaction_publishes_nothing() {
    let h = Harness::new().await;
    let worker = h.start(h.config(Some(AMQP_URL), "w1"), Harness::registry(), BOTH);
    {
        let mut conn = h.db.connect();
        let rolled_back: Result<(), diesel::result::Error> = conn.transaction(|conn| {
            store::outbox::enqueue(conn, &Recorded::new(1))?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
    }
    // a committed job after it: once it ran, the rolled-back one had every chance to
    h.enqueue(&[Recorded::new(2)]);
    wait_until(Duration::from_secs(20), "the committed job", || async {
        h.count("SELECT count(*) AS count FROM test_runs WHERE n = 2") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.count("SELECT count(*) AS count FROM test_runs WHERE n = 1"),
        0
    );
    assert_eq!(h.count("SELECT count(*) AS count FROM outbox"), 1);
    worker.shutdown().await;
    h.cleanup_broker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_job_retries_with_backoff_then_is_dead_and_replay_runs_it() {
    let h = Harness::new().await;
    let worker = h.start(h.config(Some(AMQP_URL), "w1"), Harness::registry(), BOTH);
    let job = Recorded {
        fail: true,
        ..Recorded::new(3)
    };
    let ids = h.enqueue(&[job]);
    wait_until(Duration::from_secs(20), "the job to be dead", || async {
        h.count("SELECT count(*) AS count FROM dead_jobs") == 1
    })
    .await;
    // three attempts (max_attempts = 3), spaced by the backoff steps 200 ms and 600 ms
    let mut conn = h.db.connect();
    #[derive(QueryableByName)]
    struct Gap {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempt: i32,
        #[diesel(sql_type = diesel::sql_types::Double)]
        ms: f64,
    }
    let gaps: Vec<Gap> = diesel::sql_query(
        "SELECT attempt, COALESCE(EXTRACT(EPOCH FROM at - lag(at) OVER (ORDER BY at)) * 1000, 0)::float8 AS ms \
         FROM test_attempts ORDER BY at",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(
        gaps.iter().map(|g| g.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(gaps[1].ms >= 190.0, "first retry after {} ms", gaps[1].ms);
    assert!(gaps[2].ms >= 590.0, "second retry after {} ms", gaps[2].ms);
    let dead = store::jobs::list_dead(
        &mut conn,
        &store::jobs::DeadJobQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job_id, ids[0]);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("job 3 fails on attempt 3")
    );
    assert_eq!(dead[0].family, FAMILY.as_str());
    // the dead-letter queue holds the message too
    let dlq = h.topology().dead_queue(FAMILY);
    wait_until(Duration::from_secs(5), "the dead-letter copy", || async {
        h.ready(&dlq).await == 1
    })
    .await;

    // fixed: replaying runs it through the outbox again, once
    h.set_failing(false);
    let new_id = conn
        .transaction(|conn| store::jobs::replay_dead(conn, dead[0].id))
        .unwrap();
    assert_ne!(new_id, ids[0]);
    wait_until(Duration::from_secs(20), "the replayed job", || async {
        h.count("SELECT count(*) AS count FROM test_runs WHERE n = 3") == 1
    })
    .await;
    let again = conn.transaction(|conn| store::jobs::replay_dead(conn, dead[0].id));
    assert!(matches!(
        again,
        Err(store::jobs::ReplayError::AlreadyReplayed(_))
    ));
    worker.shutdown().await;
    h.cleanup_broker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn permanent_failure_and_panic_are_dead_without_or_after_retries() {
    let h = Harness::new().await;
    let worker = h.start(h.config(Some(AMQP_URL), "w1"), Harness::registry(), BOTH);
    let permanent = Recorded {
        fail: true,
        permanent: true,
        ..Recorded::new(4)
    };
    let panics = Recorded {
        panic: true,
        ..Recorded::new(5)
    };
    let ids = h.enqueue(&[permanent, panics]);
    wait_until(Duration::from_secs(20), "both jobs dead", || async {
        h.count("SELECT count(*) AS count FROM dead_jobs") == 2
    })
    .await;
    let attempts = |id: uuid::Uuid| {
        format!("SELECT attempts::bigint AS count FROM dead_jobs WHERE job_id = '{id}'")
    };
    assert_eq!(
        h.count(&attempts(ids[0])),
        1,
        "a permanent failure is not retried"
    );
    assert_eq!(
        h.count(&attempts(ids[1])),
        3,
        "a panic is retried like a transient failure"
    );
    let sql = format!(
        "SELECT count(*) AS count FROM dead_jobs WHERE job_id = '{}' AND last_error LIKE '%panicked%on purpose%'",
        ids[1]
    );
    assert_eq!(h.count(&sql), 1);
    worker.shutdown().await;
    h.cleanup_broker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn job_redelivered_after_its_worker_is_killed_mid_job_applies_once() {
    let h = Harness::new().await;
    let relay = h.start(
        h.config(Some(AMQP_URL), "relay"),
        Harness::registry(),
        RELAY_ONLY,
    );
    let first = h.start(
        h.config(Some(AMQP_URL), "first"),
        Harness::registry(),
        CONSUME_ONLY,
    );
    // the handler commits its work, then is still busy when its worker dies (no ack)
    h.enqueue(&[Recorded {
        hold_ms: 60_000,
        ..Recorded::new(9)
    }]);
    wait_until(
        Duration::from_secs(20),
        "the first run to commit",
        || async { h.count("SELECT count(*) AS count FROM test_runs") == 1 },
    )
    .await;
    first.kill().await;
    let queue = h.topology().queue(FAMILY);
    wait_until(
        Duration::from_secs(10),
        "the job back in its queue",
        || async { h.ready(&queue).await == 1 },
    )
    .await;
    let second = h.start(
        h.config(Some(AMQP_URL), "second"),
        Harness::registry(),
        CONSUME_ONLY,
    );
    wait_until(
        Duration::from_secs(10),
        "the redelivery to be acknowledged",
        || async { h.ready(&queue).await == 0 },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.count("SELECT count(*) AS count FROM test_runs"), 1);
    assert_eq!(
        h.count("SELECT count(*) AS count FROM test_runs WHERE worker = 'first'"),
        1
    );
    second.shutdown().await;
    relay.shutdown().await;
    h.cleanup_broker().await;
}

/// Forwards `listener`'s connections to the broker.
async fn proxy(listener: TcpListener) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5672").await else {
                let _ = inbound.shutdown().await;
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_jobs_enqueued_while_the_broker_is_unreachable_are_delivered_exactly_once() {
    let h = Harness::new().await;
    // a port with nothing listening yet: the relay's broker is "down"
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down_url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
    let relay = h.start(
        h.config(Some(&down_url), "relay"),
        Harness::registry(),
        RELAY_ONLY,
    );
    let consumer = h.start(
        h.config(Some(AMQP_URL), "consumer"),
        Harness::registry(),
        CONSUME_ONLY,
    );
    for chunk in 0..10 {
        let jobs: Vec<Recorded> = (0..100).map(|i| Recorded::new(chunk * 100 + i)).collect();
        h.enqueue(&jobs);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'pending'"),
        1000
    );
    assert_eq!(h.count("SELECT count(*) AS count FROM test_runs"), 0);

    // the broker "comes back" on the relay's address
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let forward = tokio::spawn(proxy(listener));
    wait_until(Duration::from_secs(60), "all 1000 jobs to run", || async {
        h.count("SELECT count(*) AS count FROM test_runs") >= 1000
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.count("SELECT count(*) AS count FROM test_runs"), 1000);
    assert_eq!(
        h.count("SELECT count(DISTINCT n) AS count FROM test_runs"),
        1000
    );
    assert_eq!(
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'published'"),
        1000
    );
    relay.shutdown().await;
    consumer.shutdown().await;
    forward.abort();
    h.cleanup_broker().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_at_once_never_publish_a_job_twice() {
    let h = Harness::new().await;
    for chunk in 0..20 {
        let jobs: Vec<Recorded> = (0..100).map(|i| Recorded::new(chunk * 100 + i)).collect();
        h.enqueue(&jobs);
    }
    let mut small = h.config(Some(AMQP_URL), "relay-a");
    small.outbox_batch = 50;
    let a = h.start(small.clone(), Harness::registry(), RELAY_ONLY);
    small.worker_id = "relay-b".into();
    let b = h.start(small, Harness::registry(), RELAY_ONLY);
    wait_until(Duration::from_secs(60), "the outbox to drain", || async {
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'pending'") == 0
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
    // nothing consumes: the queue holds exactly what was published
    let queue = h.topology().queue(FAMILY);
    assert_eq!(h.ready(&queue).await, 2000);
    h.cleanup_broker().await;
}

/// A proxy to the broker whose connections can be cut and whose port can stop answering.
struct CuttableProxy {
    port: u16,
    accept: Option<tokio::task::JoinHandle<()>>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl CuttableProxy {
    async fn start(port: u16) -> CuttableProxy {
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut proxy = CuttableProxy {
            port,
            accept: None,
            links,
        };
        proxy.open().await;
        proxy
    }

    async fn open(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let links = self.links.clone();
        self.accept = Some(tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5672").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().unwrap().push(link);
            }
        }));
    }

    /// Drops every connection and stops listening: the broker "goes away".
    fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broker_lost_mid_burst_reconnects_and_every_job_applies_once() {
    let h = Harness::new().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut proxy = CuttableProxy::start(port).await;
    let url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
    let mut config = h.config(Some(&url), "w1");
    config.prefetch = 20;
    let worker = h.start(config, Harness::registry(), BOTH);
    for chunk in 0..10 {
        let jobs: Vec<Recorded> = (0..100).map(|i| Recorded::new(chunk * 100 + i)).collect();
        h.enqueue(&jobs);
    }
    wait_until(
        Duration::from_secs(30),
        "the burst to be under way",
        || async { h.count("SELECT count(*) AS count FROM test_runs") >= 100 },
    )
    .await;
    // relay and consumers lose the broker mid-burst, with deliveries unacknowledged
    proxy.cut();
    let during = h.count("SELECT count(*) AS count FROM test_runs");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for chunk in 10..12 {
        let jobs: Vec<Recorded> = (0..100).map(|i| Recorded::new(chunk * 100 + i)).collect();
        h.enqueue(&jobs);
    }
    proxy.open().await;
    wait_until(Duration::from_secs(60), "all 1200 jobs to run", || async {
        h.count("SELECT count(*) AS count FROM test_runs") >= 1200
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(during < 1200, "the cut came too late to test anything");
    assert_eq!(h.count("SELECT count(*) AS count FROM test_runs"), 1200);
    assert_eq!(
        h.count("SELECT count(DISTINCT n) AS count FROM test_runs"),
        1200
    );
    assert_eq!(
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'pending'"),
        0
    );
    worker.shutdown().await;
    proxy.cut();
    h.cleanup_broker().await;
}
