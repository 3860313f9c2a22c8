//! Profiles through the API: validation, the outbox job written with each change, the 409
//! for profiles in use, and the worker bringing the RouterOS simulator in step.
#![allow(clippy::expect_used, reason = "a failing test should panic")]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestApp, assert_problem};
use diesel::prelude::*;
use mikrotik::sim::{HOTSPOT_PROFILE, PPP_PROFILE, SimConfig, SimHandle, Simulator};
use serde_json::{Value, json};

fn start_worker(app: &TestApp) -> worker::WorkerHandle {
    let mut config = worker::WorkerConfig::defaults(None);
    config.backoff = vec![Duration::from_millis(200)];
    config.outbox_poll = Duration::from_millis(50);
    let key = app.state.master_key.clone().expect("master key");
    worker::Worker::new(
        config,
        app.db.pool().clone(),
        app.db.url(),
        Arc::new(key),
        worker::Registry::with_all(),
    )
    .start(worker::WorkerOptions {
        consume: true,
        relay: false,
        scheduler: false,
    })
}

async fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn sim(name: &str, version: &str) -> SimHandle {
    Simulator::start(SimConfig::new(name, "billing", "pw").version(version))
        .await
        .expect("simulator")
}

/// A location with a router pointing at `s`; returns (location id, router id).
async fn site(app: &TestApp, token: &str, s: &SimHandle) -> (i64, i64) {
    let loc: Value = app
        .post(
            "/locations",
            token,
            &json!({"name": format!("loc-{}", s.name())}),
        )
        .await
        .json()
        .await
        .expect("json");
    let r: Value = app
        .post(
            "/routers",
            token,
            &json!({"location_id": loc["id"], "name": s.name(), "host": s.addr().ip().to_string(),
                    "api_port": s.addr().port(), "username": "billing", "password": "pw"}),
        )
        .await
        .json()
        .await
        .expect("json");
    (
        loc["id"].as_i64().expect("id"),
        r["id"].as_i64().expect("id"),
    )
}

fn row(s: &SimHandle, menu: &str, name: &str) -> Option<mikrotik::Row> {
    s.print(menu)
        .into_iter()
        .find(|r| r.get("name") == Some(name))
}

#[tokio::test]
async fn create_fills_defaults_and_writes_its_sync_job_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let res = app
        .post("/profiles", &admin, &json!({"name": "1 Hari", "type": "hotspot", "validity": "1d", "rate_limit": "2M/2M", "price_sell": 10000}))
        .await;
    assert_eq!(res.status(), 201);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["router_profile"], "1 Hari");
    assert_eq!(
        (p["price_cost"].as_str(), p["price_sell"].as_str()),
        (Some("0.00"), Some("10000.00"))
    );
    assert_eq!(
        (p["validity"].as_str(), p["validity_seconds"].as_i64()),
        (Some("1d"), Some(86_400))
    );
    assert_eq!(p["shared_users"], 1);
    assert_eq!(p["location_ids"], json!([]));
    let jobs: Vec<(String, serde_json::Value)> = store::schema::outbox::table
        .filter(store::schema::outbox::kind.eq("router.sync_profile"))
        .select((store::schema::outbox::kind, store::schema::outbox::payload))
        .load(&mut app.conn())
        .expect("outbox");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1["profile_id"], p["id"]);
    assert_eq!(app.audit_count("profiles.create"), 1);
    let operator = app.login_as("operator").await;
    assert_eq!(
        app.get(&format!("/profiles/{}", p["id"]), &operator)
            .await
            .status(),
        200
    );
    assert_problem(
        app.post("/profiles", &operator, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn invalid_profiles_are_refused_naming_every_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let body = assert_problem(
        app.post(
            "/profiles",
            &admin,
            &json!({"name": "x", "type": "hotspot", "validity": "forever", "rate_limit": "fast/slow",
                    "price_cost": "6000", "price_sell": "5000", "location_ids": []}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["validity", "rate_limit", "price_sell"]);
    let body = assert_problem(
        app.post(
            "/profiles",
            &admin,
            &json!({"name": "x", "type": "wifi", "validity": "1h", "price_sell": "1"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "type");
    let body = assert_problem(
        app.post(
            "/profiles",
            &admin,
            &json!({"name": "x", "type": "hotspot", "validity": "1h", "price_sell": "1.001"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "price_sell");
    let body = assert_problem(
        app.post("/profiles", &admin, &json!({"name": "x", "type": "pppoe", "validity": "30d", "price_sell": "1", "location_ids": [424242]}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "location_ids");
    app.post(
        "/profiles",
        &admin,
        &json!({"name": "dup", "type": "pppoe", "validity": "30d", "price_sell": "1"}),
    )
    .await;
    assert_problem(
        app.post(
            "/profiles",
            &admin,
            &json!({"name": "dup", "type": "pppoe", "validity": "30d", "price_sell": "1"}),
        )
        .await,
        409,
        "already-exists",
    )
    .await;
    // a patch is validated merged with the stored profile
    let p: Value = app
        .get("/profiles?type=pppoe", &admin)
        .await
        .json()
        .await
        .expect("json");
    let id = &p["items"][0]["id"];
    assert_problem(
        app.patch(
            &format!("/profiles/{id}"),
            &admin,
            &json!({"price_cost": "2"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
}

#[tokio::test]
async fn deleting_a_profile_still_in_use_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let p: Value = app
        .post(
            "/profiles",
            &admin,
            &json!({"name": "3h", "type": "hotspot", "validity": "3h", "price_sell": "3000"}),
        )
        .await
        .json()
        .await
        .expect("json");
    diesel::sql_query(format!(
        "INSERT INTO voucher_batches (quantity, profile_id, price_cost, price_sell, code_length, charset) \
         VALUES (10, {}, 0, 3000, 8, 'ABCDEFGH')",
        p["id"]
    ))
    .execute(&mut app.conn())
    .expect("batch");
    assert_problem(
        app.delete(&format!("/profiles/{}", p["id"]), &admin).await,
        409,
        "in-use",
    )
    .await;
    diesel::sql_query("DELETE FROM voucher_batches")
        .execute(&mut app.conn())
        .expect("clean");
    assert_eq!(
        app.delete(&format!("/profiles/{}", p["id"]), &admin)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/profiles/{}", p["id"]), &admin).await,
        404,
        "not-found",
    )
    .await;
}

async fn api_changes_reach_the_router(version: &str) {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let worker = start_worker(&app);
    let s = sim(&format!("p{}", version.replace('.', "")), version).await;
    let other = sim(&format!("o{}", version.replace('.', "")), version).await;
    s.exec_ok(&[
        "/ip/hotspot/user/profile/add",
        "=name=guest",
        "=rate-limit=1M/1M",
    ])
    .expect("operator profile");
    let (loc, _) = site(&app, &admin, &s).await;
    let (other_loc, _) = site(&app, &admin, &other).await;

    let res = app
        .post("/profiles", &admin, &json!({"name": "1 Jam", "router_profile": "1jam", "type": "hotspot", "validity": "1h",
                                          "rate_limit": "2M/2M", "shared_users": 2, "price_cost": "3000", "price_sell": "5000",
                                          "location_ids": [loc]}))
        .await;
    let p: Value = res.json().await.expect("json");
    let pppoe: Value = app
        .post(
            "/profiles",
            &admin,
            &json!({"name": "10 Mbps", "router_profile": "10M", "type": "pppoe", "validity": "30d",
                                          "rate_limit": "10M/10M", "price_sell": "150000"}),
        )
        .await
        .json()
        .await
        .expect("json");
    eventually(10, "profiles pushed", || {
        row(&s, HOTSPOT_PROFILE, "1jam").is_some_and(|r| {
            r.get("rate-limit") == Some("2M/2M")
                && r.get("shared-users") == Some("2")
                && r.get("comment") == Some(&*format!("VOUCHER_SYSTEM|profile={}", p["id"]))
        }) && row(&s, PPP_PROFILE, "10M").is_some()
            && row(&other, PPP_PROFILE, "10M").is_some()
    })
    .await;
    assert!(
        row(&other, HOTSPOT_PROFILE, "1jam").is_none(),
        "only the profile's locations carry it"
    );

    app.patch(
        &format!("/profiles/{}", p["id"]),
        &admin,
        &json!({"rate_limit": "4M/4M", "router_profile": "1jam-b"}),
    )
    .await;
    eventually(10, "rename and rate pushed", || {
        row(&s, HOTSPOT_PROFILE, "1jam-b").is_some_and(|r| r.get("rate-limit") == Some("4M/4M"))
    })
    .await;
    assert!(row(&s, HOTSPOT_PROFILE, "1jam").is_none());

    app.patch(
        &format!("/profiles/{}", p["id"]),
        &admin,
        &json!({"location_ids": [other_loc]}),
    )
    .await;
    eventually(10, "moved between locations", || {
        row(&other, HOTSPOT_PROFILE, "1jam-b").is_some()
            && row(&s, HOTSPOT_PROFILE, "1jam-b").is_none()
    })
    .await;

    assert_eq!(
        app.delete(&format!("/profiles/{}", pppoe["id"]), &admin)
            .await
            .status(),
        204
    );
    eventually(10, "deleted everywhere", || {
        row(&s, PPP_PROFILE, "10M").is_none() && row(&other, PPP_PROFILE, "10M").is_none()
    })
    .await;
    assert_eq!(
        row(&s, HOTSPOT_PROFILE, "guest")
            .and_then(|r| r.get("rate-limit").map(str::to_owned))
            .as_deref(),
        Some("1M/1M")
    );
    worker.shutdown().await;
}

#[tokio::test]
async fn api_changes_reach_a_routeros7_router() {
    api_changes_reach_the_router("7.18").await;
}

#[tokio::test]
async fn api_changes_reach_a_routeros6_router() {
    api_changes_reach_the_router("6.49").await;
}

/// Latency from a profile PATCH answered by the API to the change visible on the router, at
/// 100 changes/s for 10 s. Run with `--ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_api_change_to_router_latency() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let worker = start_worker(&app);
    let s = sim("bench", "7.18").await;
    site(&app, &admin, &s).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let p: Value = app
            .post("/profiles", &admin, &json!({"name": format!("p{i}"), "type": "hotspot", "validity": "1h", "rate_limit": "1k/1k", "price_sell": "1"}))
            .await
            .json()
            .await
            .expect("json");
        ids.push(p["id"].as_i64().expect("id"));
    }
    eventually(30, "initial push", || s.print(HOTSPOT_PROFILE).len() >= 21).await;
    let (total, rate) = (1000usize, 100u64);
    let mut latencies = Vec::with_capacity(total);
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / rate));
    let mut pending: Vec<(String, String, Instant)> = Vec::new();
    let started = Instant::now();
    let mut sent = 0;
    while sent < total || !pending.is_empty() {
        if sent < total {
            tick.tick().await;
            let i = sent % ids.len();
            let value = format!("{}k/{}k", sent + 2, sent + 2);
            let res = app
                .patch(
                    &format!("/profiles/{}", ids[i]),
                    &admin,
                    &json!({"rate_limit": value}),
                )
                .await;
            assert_eq!(res.status(), 200);
            pending.push((format!("p{i}"), value, Instant::now()));
            sent += 1;
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let rows = s.print(HOTSPOT_PROFILE);
        let now = Instant::now();
        pending.retain(|(name, value, at)| {
            let current = rows
                .iter()
                .find(|r| r.get("name") == Some(name))
                .and_then(|r| r.get("rate-limit"));
            // a later change of the same profile supersedes this one: it counts as applied
            let seen = current == Some(value.as_str())
                || current
                    .and_then(|c| c.split('k').next()?.parse::<usize>().ok())
                    .is_some_and(|c| {
                        c > value
                            .split('k')
                            .next()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0)
                    });
            if seen {
                latencies.push(now.duration_since(*at));
            }
            !seen
        });
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "benchmark did not converge"
        );
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    eprintln!(
        "api→router latency over {} changes at {rate}/s: p50 {:?} p95 {:?} p99 {:?} max {:?}",
        latencies.len(),
        pct(0.50),
        pct(0.95),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
    worker.shutdown().await;
}
