//! Locations and routers through the API, against real RouterOS simulators.
#![allow(clippy::expect_used, reason = "a failing test should panic")]

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, assert_problem};
use mikrotik::sim::{HOTSPOT_PROFILE, SimConfig, SimHandle, Simulator};
use serde_json::{Value, json};

async fn sim(name: &str, version: &str) -> SimHandle {
    Simulator::start(SimConfig::new(name, "billing", "r0uter-pass").version(version))
        .await
        .expect("simulator")
}

async fn location(app: &TestApp, token: &str, name: &str) -> i64 {
    let res = app.post("/locations", token, &json!({"name": name})).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn router_for(app: &TestApp, token: &str, loc: i64, s: &SimHandle) -> Value {
    let res = app
        .post(
            "/routers",
            token,
            &json!({
                "location_id": loc, "name": s.name(), "host": s.addr().ip().to_string(),
                "api_port": s.addr().port(), "username": "billing", "password": "r0uter-pass"
            }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

#[tokio::test]
async fn location_crud_and_delete_refused_while_it_has_routers() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = location(&app, &admin, "Kampung Melayu").await;
    let res = app
        .patch(
            &format!("/locations/{id}"),
            &admin,
            &json!({"address": "Jl. Raya 1", "timezone": "Asia/Makassar"}),
        )
        .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        (body["address"].as_str(), body["timezone"].as_str()),
        (Some("Jl. Raya 1"), Some("Asia/Makassar"))
    );
    assert_problem(
        app.post("/locations", &admin, &json!({"name": "Kampung Melayu"}))
            .await,
        409,
        "already-exists",
    )
    .await;
    assert_problem(
        app.post(
            "/locations",
            &admin,
            &json!({"name": " ", "timezone": "not a zone"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;

    let s = sim("kml-1", "7.18").await;
    let r = router_for(&app, &admin, id, &s).await;
    assert_problem(
        app.delete(&format!("/locations/{id}"), &admin).await,
        409,
        "in-use",
    )
    .await;
    assert_eq!(
        app.delete(&format!("/routers/{}", r["id"]), &admin)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/locations/{id}"), &admin)
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/locations/{id}"), &admin).await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(app.audit_count("locations.delete"), 1);
}

#[tokio::test]
async fn router_password_is_encrypted_at_rest_and_never_returned() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let loc = location(&app, &admin, "HQ").await;
    let s = sim("hq-1", "7.18").await;
    let r = router_for(&app, &admin, loc, &s).await;
    assert_eq!(r["password_set"], true);
    assert!(r.get("password").is_none() && r.get("password_enc").is_none());
    let listed = app
        .get("/routers", &admin)
        .await
        .text()
        .await
        .expect("text");
    assert!(!listed.contains("r0uter-pass"));
    let mut conn = app.conn();
    let row = store::routers::get(&mut conn, r["id"].as_i64().expect("id")).expect("row");
    assert!(!String::from_utf8_lossy(&row.password_enc).contains("r0uter-pass"));
    let audit: Vec<String> = {
        use diesel::prelude::*;
        store::schema::audit_log::table
            .select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "coalesce(after::text, '')",
            ))
            .load(&mut conn)
            .expect("audit")
    };
    assert!(audit.iter().all(|a| !a.contains("r0uter-pass")));
    // creating a router queues its full push and a health check, in the same transaction
    let kinds: Vec<String> = {
        use diesel::prelude::*;
        store::schema::outbox::table
            .select(store::schema::outbox::kind)
            .load(&mut conn)
            .expect("outbox")
    };
    assert!(kinds.contains(&"router.sync".to_owned()) && kinds.contains(&"router.poll".to_owned()));
}

#[tokio::test]
async fn router_input_is_validated_field_by_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let loc = location(&app, &admin, "Depok").await;
    let body = assert_problem(
        app.post(
            "/routers",
            &admin,
            &json!({"location_id": loc, "name": "x", "host": "bad host", "api_port": 70000, "use_tls": true,
                    "username": "u", "password": "", "sync_mode": "sometimes"}),
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
    for f in [
        "host",
        "api_port",
        "tls_fingerprint",
        "password",
        "sync_mode",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    let res = app
        .post("/routers", &admin, &json!({"location_id": 999_999, "name": "x", "host": "10.8.0.2", "username": "u", "password": "p"}))
        .await;
    let body = assert_problem(res, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "location_id");
    let operator = app.login_as("operator").await;
    assert_problem(
        app.post("/routers", &operator, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(app.get("/routers", &operator).await.status(), 200);
}

async fn test_router(version: &str) {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let loc = location(&app, &admin, "Bogor").await;
    let s = sim(&format!("bgr-{}", version.replace('.', "")), version).await;
    let r = router_for(&app, &admin, loc, &s).await;
    let res = app
        .post(&format!("/routers/{}/test", r["id"]), &admin, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["identity"].as_str(), Some(s.name()));
    assert!(
        body["version"]
            .as_str()
            .is_some_and(|v| v.starts_with(version)),
        "{body}"
    );
    assert!(body["latency_ms"].as_u64().is_some() && body["uptime_seconds"].as_u64().is_some());
    assert!(body.get("cpu_load").is_some() && body.get("free_memory").is_some());
}

#[tokio::test]
async fn router_test_reports_identity_version_resources_and_latency_on_routeros7() {
    test_router("7.18").await;
}

#[tokio::test]
async fn router_test_reports_identity_version_resources_and_latency_on_routeros6() {
    test_router("6.49").await;
}

#[tokio::test]
async fn unreachable_router_answers_502_without_leaking_the_password() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let loc = location(&app, &admin, "Bekasi").await;
    let s = sim("bks-1", "7.18").await;
    let r = router_for(&app, &admin, loc, &s).await;
    s.set_online(false);
    let body = assert_problem(
        app.post(&format!("/routers/{}/test", r["id"]), &admin, &json!({}))
            .await,
        502,
        "router-unreachable",
    )
    .await;
    assert!(!body.to_string().contains("r0uter-pass"));
    s.set_online(true);
    // a wrong password is refused by the router: also 502, and the password is not echoed
    app.patch(
        &format!("/routers/{}", r["id"]),
        &admin,
        &json!({"password": "wrong-secret"}),
    )
    .await;
    let body = assert_problem(
        app.post(&format!("/routers/{}/test", r["id"]), &admin, &json!({}))
            .await,
        502,
        "router-unreachable",
    )
    .await;
    assert!(!body.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn active_sessions_per_router_and_across_routers_list_failures_instead_of_failing() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let operator = app.login_as("operator").await;
    let loc = location(&app, &admin, "Tangerang").await;
    let (a, b, down) = (
        sim("tgr-a", "7.18").await,
        sim("tgr-b", "6.49").await,
        sim("tgr-down", "7.18").await,
    );
    let ra = router_for(&app, &admin, loc, &a).await;
    router_for(&app, &admin, loc, &b).await;
    router_for(&app, &admin, loc, &down).await;
    a.exec_ok(&["/ip/hotspot/user/add", "=name=AB3K9Q", "=password=AB3K9Q"])
        .expect("user");
    a.hotspot_login("AB3K9Q", Some("AB3K9Q")).expect("login");
    b.exec_ok(&[
        "/ppp/secret/add",
        "=name=budi",
        "=password=pw",
        "=service=pppoe",
    ])
    .expect("secret");
    b.ppp_connect("budi", Some("pw")).expect("dial");
    down.set_online(false);

    let res = app
        .get(&format!("/routers/{}/active", ra["id"]), &operator)
        .await;
    let one: Value = res.json().await.expect("json");
    assert_eq!(one["sessions"][0]["user"], "AB3K9Q");
    assert_eq!(one["sessions"][0]["service"], "hotspot");

    let all: Value = app
        .get("/sessions/active", &operator)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["routers"], 3);
    let users: Vec<(&str, &str)> = all["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            (
                s["user"].as_str().unwrap_or(""),
                s["service"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(users, vec![("AB3K9Q", "hotspot"), ("budi", "pppoe")]);
    assert_eq!(all["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["errors"][0]["router_name"], "tgr-down");
}

#[tokio::test]
async fn drift_made_by_hand_is_listed_for_the_router() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let worker = common_worker::start(&app);
    let loc = location(&app, &admin, "Cibubur").await;
    let s = sim("cbr-1", "7.18").await;
    let r = router_for(&app, &admin, loc, &s).await;
    let router_id = r["id"].as_i64().expect("id");
    let res = app
        .post("/profiles", &admin, &json!({"name": "1h", "type": "hotspot", "validity": "1h", "rate_limit": "2M/2M", "price_sell": "5000"}))
        .await;
    assert_eq!(res.status(), 201);
    common_worker::eventually(10, "profile on router", || {
        s.print(HOTSPOT_PROFILE)
            .iter()
            .any(|p| p.get("name") == Some("1h"))
    })
    .await;
    // let the router's initial full push finish first: it would overwrite the edit below
    let mut conn = app.conn();
    common_worker::eventually(10, "outbox drained", || {
        common_worker::pending(&mut conn) == 0
    })
    .await;
    let id = s
        .print(HOTSPOT_PROFILE)
        .into_iter()
        .find(|p| p.get("name") == Some("1h"))
        .and_then(|p| p.get(".id").map(str::to_owned));
    s.exec_ok(&[
        "/ip/hotspot/user/profile/set",
        &format!("=.id={}", id.unwrap_or_default()),
        "=rate-limit=8M/8M",
    ])
    .expect("edit");
    store::outbox::enqueue(
        &mut app.conn(),
        &domain::router_jobs::SyncRouter {
            router_id,
            apply: false,
        },
    )
    .expect("enqueue");
    let deadline = Instant::now() + Duration::from_secs(10);
    let drift = loop {
        let body: Value = app
            .get(&format!("/routers/{router_id}/drift"), &admin)
            .await
            .json()
            .await
            .expect("json");
        if body["items"].as_array().is_some_and(|i| !i.is_empty()) {
            break body;
        }
        assert!(Instant::now() < deadline, "no drift reported");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(drift["items"][0]["object_name"], "1h");
    assert_eq!(drift["items"][0]["drift_kind"], "changed");
    assert_eq!(drift["items"][0]["actual"]["rate-limit"], "8M/8M");
    worker.shutdown().await;
}

mod common_worker {
    //! An embedded worker on the test app's database.
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    pub fn start(app: &super::TestApp) -> worker::WorkerHandle {
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

    /// Jobs not finished yet.
    pub fn pending(conn: &mut diesel::PgConnection) -> i64 {
        use diesel::prelude::*;
        store::schema::outbox::table
            .filter(store::schema::outbox::status.eq_any(["pending", "published"]))
            .count()
            .get_result(conn)
            .unwrap_or(-1)
    }

    pub async fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn api_ssl_router_is_tested_with_its_certificate_pinned() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let loc = location(&app, &admin, "Serpong").await;
    let s = Simulator::start(SimConfig::new("srp-tls", "billing", "r0uter-pass").with_tls())
        .await
        .expect("simulator");
    let tls = s.tls_addr().expect("tls listener");
    let pin = s.tls_fingerprint().expect("fingerprint").to_owned();
    let res = app
        .post(
            "/routers",
            &admin,
            &json!({"location_id": loc, "name": "srp-tls", "host": tls.ip().to_string(), "api_port": tls.port(),
                    "use_tls": true, "tls_fingerprint": pin, "username": "billing", "password": "r0uter-pass"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.expect("json");
    let ok = app
        .post(&format!("/routers/{}/test", r["id"]), &admin, &json!({}))
        .await;
    assert_eq!(ok.status(), 200);
    let wrong = "00".repeat(32);
    app.patch(
        &format!("/routers/{}", r["id"]),
        &admin,
        &json!({"tls_fingerprint": wrong}),
    )
    .await;
    assert_problem(
        app.post(&format!("/routers/{}/test", r["id"]), &admin, &json!({}))
            .await,
        502,
        "router-unreachable",
    )
    .await;
}
