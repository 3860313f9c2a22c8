//! A table of malformed requests: each is a 4xx problem+json naming what is wrong, never a
//! 500 and never actix's default text body.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::TestApp;
use serde_json::Value;

/// (method, path, content type, body, expected status, expected code, field named)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    String,
    u16,
    &'static str,
    Option<&'static str>,
);

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let app = TestApp::spawn().await;
    let token = app.login_as("super_admin").await;
    let big = format!("{{\"username\": \"{}\"}}", "x".repeat(300 * 1024));
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            "{\"username\": ".into(),
            400,
            "malformed-json",
            None,
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            "{\"username\": 5, \"password\": \"x\"}".into(),
            422,
            "validation-failed",
            Some("username"),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            "{\"password\": \"x\"}".into(),
            422,
            "validation-failed",
            Some("username"),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "text/plain",
            "username=a".into(),
            415,
            "unsupported-media-type",
            None,
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            big,
            413,
            "payload-too-large",
            None,
        ),
        (
            "POST",
            "/api/v1/admin-users",
            "application/json",
            "{\"username\": \"abc\", \"password\": \"long enough pw\", \"role\": \"god\"}".into(),
            422,
            "validation-failed",
            Some("role"),
        ),
        (
            "POST",
            "/api/v1/admin-users",
            "application/json",
            "{\"username\": \"a b\", \"password\": \"short\", \"role\": \"admin\"}".into(),
            422,
            "validation-failed",
            Some("username"),
        ),
        (
            "PATCH",
            "/api/v1/admin-users/abc",
            "application/json",
            "{}".into(),
            400,
            "invalid-path",
            None,
        ),
        (
            "GET",
            "/api/v1/admin-users?limit=0",
            "application/json",
            String::new(),
            422,
            "validation-failed",
            Some("limit"),
        ),
        (
            "GET",
            "/api/v1/admin-users?limit=abc",
            "application/json",
            String::new(),
            400,
            "invalid-query",
            None,
        ),
        (
            "GET",
            "/api/v1/admin-users?cursor=%%%",
            "application/json",
            String::new(),
            422,
            "validation-failed",
            Some("cursor"),
        ),
        (
            "GET",
            "/api/v1/admin-users?cursor=bm90IGpzb24",
            "application/json",
            String::new(),
            422,
            "validation-failed",
            Some("cursor"),
        ),
        (
            "GET",
            "/api/v1/audit-log?from=yesterday",
            "application/json",
            String::new(),
            400,
            "invalid-query",
            None,
        ),
        (
            "PATCH",
            "/api/v1/settings",
            "application/json",
            "{\"no_such_setting\": 1}".into(),
            422,
            "validation-failed",
            None,
        ),
        (
            "GET",
            "/api/v1/admin-users/1",
            "application/json",
            String::new(),
            200,
            "",
            None,
        ),
        (
            "PATCH",
            "/api/v1/admin-users/1",
            "application/json",
            "{\"full_name\": \"a\\u0000b\"}".into(),
            422,
            "validation-failed",
            Some("body"),
        ),
        (
            "GET",
            "/api/v1/no-such-route",
            "application/json",
            String::new(),
            404,
            "not-found",
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, ct, body, status, code, field) in cases {
        let res = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", app.address),
            )
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let got = res.status().as_u16();
        let got_ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = res.text().await.unwrap();
        let name = format!("{method} {path}");
        if got != status {
            failures.push(format!("{name}: status {got}, want {status}: {text}"));
            continue;
        }
        if status < 400 {
            continue;
        }
        if got_ct != "application/problem+json" {
            failures.push(format!("{name}: content type {got_ct:?}"));
            continue;
        }
        let problem: Value = serde_json::from_str(&text).unwrap();
        if problem["code"] != code {
            failures.push(format!("{name}: code {}, want {code}", problem["code"]));
        }
        if let Some(f) = field
            && !problem["errors"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|x| x["field"].as_str().is_some_and(|s| s.contains(f)))
            })
        {
            failures.push(format!("{name}: no error names {f}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
