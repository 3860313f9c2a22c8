//! Dead jobs and scheduler tasks over HTTP against the real server and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{TestApp, assert_problem};
use diesel::prelude::*;
use serde_json::{Value, json};
use store::jobs::NewDeadJob;

fn bury(app: &TestApp, family: &str, n: i64) -> i64 {
    let payload = json!({ "n": n });
    store::jobs::record_dead(
        &mut app.conn(),
        &NewDeadJob {
            job_id: uuid::Uuid::new_v4(),
            family,
            kind: "test.kind",
            payload: &payload,
            last_error: Some(&format!("failure {n}")),
            attempts: 6,
        },
    )
    .unwrap()
}

#[tokio::test]
async fn dead_jobs_are_listed_newest_first_with_cursor_and_last_error() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let ids: Vec<i64> = (0..5).map(|n| bury(&app, "router.sync", n)).collect();
    bury(&app, "backup", 99);

    let res = app
        .get("/jobs/dead?family=router.sync&limit=3", &admin)
        .await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    let got: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[4], ids[3], ids[2]]);
    assert_eq!(first["items"][0]["last_error"], "failure 4");
    assert_eq!(first["items"][0]["payload"], json!({"n": 4}));
    assert_eq!(first["items"][0]["attempts"], 6);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(
            &format!("/jobs/dead?family=router.sync&limit=3&cursor={cursor}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<i64> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[1], ids[0]]);
    assert!(second["next_cursor"].is_null());

    let all: Value = app.get("/jobs/dead", &admin).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    assert_problem(
        app.get("/jobs/dead?family=mail", &admin).await,
        422,
        "validation-failed",
    )
    .await;
}

#[tokio::test]
async fn replay_enqueues_the_job_again_once_and_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = bury(&app, "lifecycle", 1);
    let res = app
        .post(&format!("/jobs/dead/{id}/replay"), &admin, &json!({}))
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["dead_job_id"], id);
    let job_id: uuid::Uuid = body["job_id"].as_str().unwrap().parse().unwrap();
    {
        use store::schema::outbox::dsl;
        let (family, kind, payload, status): (String, String, Value, String) = dsl::outbox
            .filter(dsl::job_id.eq(job_id))
            .select((dsl::family, dsl::kind, dsl::payload, dsl::status))
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(
            (family.as_str(), kind.as_str(), status.as_str()),
            ("lifecycle", "test.kind", "pending")
        );
        assert_eq!(payload, json!({"n": 1}));
    }
    assert_eq!(app.audit_count("jobs.replay"), 1);
    // replayed jobs leave the default listing
    let listed: Value = app.get("/jobs/dead", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    let with: Value = app
        .get("/jobs/dead?include_replayed=true", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(with["items"][0]["replayed_at"].is_string());

    assert_problem(
        app.post(&format!("/jobs/dead/{id}/replay"), &admin, &json!({}))
            .await,
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.post("/jobs/dead/999999/replay", &admin, &json!({}))
            .await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn scheduler_tasks_show_their_last_run() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    {
        let mut conn = app.conn();
        let run = match store::scheduler::claim_slot(
            &mut conn,
            "router_poll",
            7,
            "w1",
            std::time::Duration::from_secs(60),
        )
        .unwrap()
        {
            store::scheduler::SlotClaim::Run(id) => id,
            other => panic!("slot not claimed: {other:?}"),
        };
        store::scheduler::finish_run(
            &mut conn,
            run,
            "router_poll",
            None,
            Some("polled 3 routers"),
            std::time::Duration::from_millis(42),
        )
        .unwrap();
        let run = match store::scheduler::claim_slot(
            &mut conn,
            "backup",
            7,
            "w1",
            std::time::Duration::from_secs(60),
        )
        .unwrap()
        {
            store::scheduler::SlotClaim::Run(id) => id,
            other => panic!("slot not claimed: {other:?}"),
        };
        store::scheduler::finish_run(
            &mut conn,
            run,
            "backup",
            Some("disk full"),
            None,
            std::time::Duration::from_millis(5),
        )
        .unwrap();
    }
    let res = app.get("/scheduler/tasks", &admin).await;
    assert_eq!(res.status(), 200);
    let tasks: Vec<Value> = res.json().await.unwrap();
    let poll = tasks.iter().find(|t| t["name"] == "router_poll").unwrap();
    assert_eq!(poll["interval_seconds"], 300);
    assert_eq!(poll["last_status"], "succeeded");
    assert_eq!(poll["last_result"], "polled 3 routers");
    assert!(poll["last_error"].is_null());
    assert_eq!(poll["last_duration_ms"], 42);
    let backup = tasks.iter().find(|t| t["name"] == "backup").unwrap();
    assert_eq!(backup["last_status"], "failed");
    assert_eq!(backup["last_error"], "disk full");
    let never = tasks.iter().find(|t| t["name"] == "expiry_sweep").unwrap();
    assert!(never["last_status"].is_null());
}

#[tokio::test]
async fn operators_may_not_see_or_replay_jobs() {
    let app = TestApp::spawn().await;
    let operator = app.login_as("operator").await;
    let id = bury(&app, "lifecycle", 1);
    assert_problem(app.get("/jobs/dead", &operator).await, 403, "forbidden").await;
    assert_problem(
        app.get("/scheduler/tasks", &operator).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(&format!("/jobs/dead/{id}/replay"), &operator, &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let anonymous = app
        .request(reqwest::Method::GET, "/jobs/dead", None, None)
        .await;
    assert_problem(anonymous, 401, "unauthenticated").await;
}
