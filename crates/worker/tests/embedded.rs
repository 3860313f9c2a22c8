//! Embedded mode (no broker): the same handlers run in-process from the outbox.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

mod common;

use std::time::Duration;

use common::{Harness, Recorded, wait_until};
use worker::WorkerOptions;

const RUNNER: WorkerOptions = WorkerOptions {
    consume: true,
    relay: false,
    scheduler: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_mode_runs_the_same_handler_without_rabbitmq() {
    let h = Harness::new().await;
    // two runners on one database: each job still runs once
    let a = h.start(h.config(None, "a"), Harness::registry(), RUNNER);
    let b = h.start(h.config(None, "b"), Harness::registry(), RUNNER);
    let jobs: Vec<Recorded> = (0..200).map(Recorded::new).collect();
    h.enqueue(&jobs);
    wait_until(Duration::from_secs(30), "200 jobs to run", || async {
        h.count("SELECT count(*) AS count FROM test_runs") >= 200
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.count("SELECT count(*) AS count FROM test_runs"), 200);
    assert_eq!(
        h.count("SELECT count(DISTINCT n) AS count FROM test_runs"),
        200
    );
    wait_until(Duration::from_secs(5), "rows marked done", || async {
        h.count("SELECT count(*) AS count FROM outbox WHERE status = 'done'") == 200
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_failure_retries_with_backoff_then_dies_and_replay_runs_it() {
    let h = Harness::new().await;
    let runner = h.start(h.config(None, "a"), Harness::registry(), RUNNER);
    let ids = h.enqueue(&[Recorded {
        fail: true,
        ..Recorded::new(1)
    }]);
    wait_until(Duration::from_secs(20), "the job to die", || async {
        h.count("SELECT count(*) AS count FROM dead_jobs") == 1
    })
    .await;
    assert_eq!(h.count("SELECT count(*) AS count FROM test_attempts"), 3);
    let sql = format!(
        "SELECT count(*) AS count FROM outbox WHERE job_id = '{}' AND status = 'dead' AND attempts = 3 \
         AND last_error = 'job 1 fails on attempt 3'",
        ids[0]
    );
    assert_eq!(h.count(&sql), 1);
    // the second retry waited at least the second backoff step (600 ms)
    let gap = h.count(
        "SELECT (EXTRACT(EPOCH FROM max(at) - min(at)) * 1000)::bigint AS count FROM test_attempts",
    );
    assert!(gap >= 790, "three attempts spanned only {gap} ms");
    h.set_failing(false);
    let mut conn = h.db.connect();
    let dead_id = h.count("SELECT id AS count FROM dead_jobs");
    diesel::Connection::transaction(&mut conn, |conn| store::jobs::replay_dead(conn, dead_id))
        .unwrap();
    wait_until(Duration::from_secs(20), "the replayed job", || async {
        h.count("SELECT count(*) AS count FROM test_runs WHERE n = 1") == 1
    })
    .await;
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pending_job_with_the_same_key_is_coalesced() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Keyed {
        key: String,
        version: i64,
    }
    impl domain::jobs::JobSpec for Keyed {
        const KIND: &'static str = "test.keyed";
        const FAMILY: domain::jobs::JobFamily = domain::jobs::JobFamily::RouterSync;
        fn idempotency_key(&self) -> Option<String> {
            Some(self.key.clone())
        }
    }
    let h = Harness::new().await;
    let mut conn = h.db.connect();
    let a = store::outbox::enqueue(
        &mut conn,
        &Keyed {
            key: "p1".into(),
            version: 1,
        },
    )
    .unwrap();
    let b = store::outbox::enqueue(
        &mut conn,
        &Keyed {
            key: "p1".into(),
            version: 2,
        },
    )
    .unwrap();
    let c = store::outbox::enqueue(
        &mut conn,
        &Keyed {
            key: "p2".into(),
            version: 1,
        },
    )
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(h.count("SELECT count(*) AS count FROM outbox"), 2);
    assert_eq!(
        h.count(
            "SELECT (payload->>'version')::bigint AS count FROM outbox WHERE idempotency_key = 'p1'"
        ),
        2,
        "the newer payload wins"
    );
}
