//! The scheduler: each slot of a task runs once however many workers race for it.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

mod common;

use std::time::Duration;

use common::Harness;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use worker::scheduler::TaskContext;
use worker::{JobError, Registry, WorkerOptions};

const SCHEDULER: WorkerOptions = WorkerOptions {
    consume: false,
    relay: false,
    scheduler: true,
};

fn registry() -> Registry {
    let mut reg = Registry::new();
    reg.register_task(
        "test_tick",
        Duration::from_secs(1),
        |ctx: TaskContext| async move {
            let (slot, worker) = (ctx.slot, ctx.worker_id.to_string());
            store::pool::with_conn(&ctx.pool, move |conn| {
                diesel::sql_query("INSERT INTO test_ticks (slot, worker) VALUES ($1, $2)")
                    .bind::<BigInt, _>(slot)
                    .bind::<Text, _>(&worker)
                    .execute(conn)
            })
            .await?;
            Ok::<_, JobError>(format!("tick {slot}"))
        },
    );
    reg.register_task("test_broken", Duration::from_secs(1), |_ctx: TaskContext| async move {
        Err::<String, _>(JobError::Retry("the thing is down".into()))
    });
    reg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_slot_runs_once_across_two_workers() {
    let h = Harness::new().await;
    let mut conn = h.db.connect();
    diesel::sql_query("CREATE TABLE test_ticks (slot BIGINT NOT NULL, worker TEXT NOT NULL)")
        .execute(&mut conn)
        .unwrap();
    let a = h.start(h.config(None, "a"), registry(), SCHEDULER);
    let b = h.start(h.config(None, "b"), registry(), SCHEDULER);
    tokio::time::sleep(Duration::from_millis(4500)).await;
    a.shutdown().await;
    b.shutdown().await;
    let ticks = h.count("SELECT count(*) AS count FROM test_ticks");
    let slots = h.count("SELECT count(DISTINCT slot) AS count FROM test_ticks");
    assert!(ticks >= 4, "only {ticks} ticks in 4.5 s");
    assert_eq!(ticks, slots, "a slot ran twice");
    assert_eq!(
        h.count("SELECT count(*) AS count FROM scheduler_runs WHERE task = 'test_tick' AND status = 'succeeded'"),
        ticks
    );
    let tasks = store::scheduler::list_tasks(&mut conn).unwrap();
    let tick = tasks.iter().find(|t| t.name == "test_tick").unwrap();
    assert_eq!(tick.interval_seconds, 1);
    assert_eq!(tick.last_status.as_deref(), Some("succeeded"));
    assert!(tick.last_error.as_deref().unwrap().starts_with("tick "));
    assert!(tick.last_duration_ms.is_some());
    let broken = tasks.iter().find(|t| t.name == "test_broken").unwrap();
    assert_eq!(broken.last_status.as_deref(), Some("failed"));
    assert_eq!(broken.last_error.as_deref(), Some("the thing is down"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn disabled_task_does_not_run() {
    let h = Harness::new().await;
    let mut conn = h.db.connect();
    diesel::sql_query("CREATE TABLE test_ticks (slot BIGINT NOT NULL, worker TEXT NOT NULL)")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("INSERT INTO scheduler_tasks (name, interval_seconds, enabled) VALUES ('test_tick', 1, false)")
        .execute(&mut conn)
        .unwrap();
    let a = h.start(h.config(None, "a"), registry(), SCHEDULER);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    a.shutdown().await;
    assert_eq!(h.count("SELECT count(*) AS count FROM test_ticks"), 0);
    assert!(
        h.count("SELECT count(*) AS count FROM scheduler_runs WHERE task = 'test_broken'") >= 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn router_lease_is_exclusive_until_it_expires() {
    let h = Harness::new().await;
    let mut conn = h.db.connect();
    diesel::sql_query("INSERT INTO locations (id, name) VALUES (1, 'HQ')")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(
        "INSERT INTO routers (id, location_id, name, host, username, password_enc) VALUES (1, 1, 'r1', '10.0.0.1', 'api', '\\x00')",
    )
    .execute(&mut conn)
    .unwrap();
    let ttl = Duration::from_millis(400);
    assert!(store::leases::try_acquire(&mut conn, 1, "a", ttl).unwrap());
    assert!(!store::leases::try_acquire(&mut conn, 1, "b", ttl).unwrap());
    assert!(
        store::leases::try_acquire(&mut conn, 1, "a", ttl).unwrap(),
        "the holder renews"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        store::leases::try_acquire(&mut conn, 1, "b", ttl).unwrap(),
        "an expired lease is free"
    );
    assert!(!store::leases::release(&mut conn, 1, "a").unwrap());
    assert!(store::leases::release(&mut conn, 1, "b").unwrap());
    assert!(store::leases::try_acquire(&mut conn, 1, "a", ttl).unwrap());
}
