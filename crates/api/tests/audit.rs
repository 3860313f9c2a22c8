//! Every mutating route of the platform writes an audit row in the same transaction, with
//! secrets redacted; `GET /audit-log` filters and pages them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn every_mutating_platform_route_writes_an_audit_row() {
    let app = TestApp::spawn().await;
    let boss_tokens = app.login_full("super_admin").await;
    let boss = boss_tokens["access_token"].as_str().unwrap().to_owned();
    let steps: Vec<(&str, Method, String, Value)> = vec![
        (
            "admin_user.create",
            Method::POST,
            "/admin-users".into(),
            json!({"username": "hana", "password": "hana's passphrase", "role": "operator"}),
        ),
        (
            "settings.update",
            Method::PATCH,
            "/settings".into(),
            json!({"timezone": "Asia/Makassar", "secrets": {"whatsapp_api_token": "tok-123456"}}),
        ),
    ];
    for (action, method, path, body) in steps {
        let res = app.request(method, &path, Some(&boss), Some(&body)).await;
        assert!(res.status().is_success(), "{action}: {}", res.status());
        assert_eq!(app.audit_count(action), 1, "{action}");
    }
    let hana: Value = app
        .get("/admin-users?limit=200", &boss)
        .await
        .json()
        .await
        .unwrap();
    let hana_id = hana["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "hana")
        .unwrap()["id"]
        .clone();
    let more: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "admin_user.update",
            Method::PATCH,
            format!("/admin-users/{hana_id}"),
            Some(json!({"full_name": "Hana K"})),
        ),
        (
            "admin_user.password_reset",
            Method::POST,
            format!("/admin-users/{hana_id}/password"),
            Some(json!({"password": "another passphrase"})),
        ),
        (
            "admin_user.delete",
            Method::DELETE,
            format!("/admin-users/{hana_id}"),
            None,
        ),
    ];
    for (action, method, path, body) in more {
        let res = app.request(method, &path, Some(&boss), body.as_ref()).await;
        assert!(res.status().is_success(), "{action}: {}", res.status());
        assert_eq!(app.audit_count(action), 1, "{action}");
    }
    // self-service mutations
    app.create_admin("ika", "admin", PASSWORD);
    let ika: Value = app.login("ika", PASSWORD).await.json().await.unwrap();
    let t = ika["access_token"].as_str().unwrap();
    assert_eq!(
        app.post(
            "/auth/password",
            t,
            &json!({"current_password": PASSWORD, "new_password": "ika's new passphrase"})
        )
        .await
        .status(),
        204
    );
    assert_eq!(app.audit_count("auth.password_change"), 1);
    assert_eq!(
        app.post("/auth/2fa/enrol", t, &json!({})).await.status(),
        200
    );
    assert_eq!(app.audit_count("auth.2fa_enrol"), 1);
    let sessions: Vec<Value> = app.get("/auth/sessions", t).await.json().await.unwrap();
    assert_eq!(
        app.delete(&format!("/auth/sessions/{}", sessions[0]["id"]), t)
            .await
            .status(),
        204
    );
    assert_eq!(app.audit_count("auth.session_revoke"), 1);

    // who, from where, which request; secrets redacted
    let page: Value = app
        .get("/audit-log?action=settings.update", &boss)
        .await
        .json()
        .await
        .unwrap();
    let entry = &page["items"][0];
    assert_eq!(entry["actor_kind"], "admin");
    assert_eq!(entry["actor_id"], boss_tokens["admin"]["id"]);
    assert_eq!(entry["ip"], "127.0.0.1");
    assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(entry["before"]["timezone"], "Asia/Jakarta");
    assert_eq!(entry["after"]["timezone"], "Asia/Makassar");
    assert!(!entry.to_string().contains("tok-123456"));
    assert!(!page.to_string().contains("passphrase"));
}

#[tokio::test]
async fn audit_log_filters_and_pages_with_a_cursor() {
    let app = TestApp::spawn().await;
    let boss = app.login_as("super_admin").await;
    for i in 0..5 {
        let body = json!({"username": format!("user{i}"), "password": "a fine passphrase", "role": "operator"});
        assert_eq!(app.post("/admin-users", &boss, &body).await.status(), 201);
    }
    let first: Value = app
        .get(
            "/audit-log?resource_type=admin_user&action=admin_user.create&limit=2",
            &boss,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        for item in page["items"].as_array().unwrap() {
            seen.push(item["resource_id"].as_str().unwrap().to_owned());
        }
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        page = app
            .get(&format!("/audit-log?resource_type=admin_user&action=admin_user.create&limit=2&cursor={cursor}"), &boss)
            .await
            .json()
            .await
            .unwrap();
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.parse::<i64>().unwrap()));
    assert_eq!(seen, sorted, "newest first");
    let future: Value = app
        .get("/audit-log?from=2999-01-01T00:00:00Z", &boss)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
    let one = app
        .get(&format!("/audit-log?resource_id={}", seen[0]), &boss)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
}
