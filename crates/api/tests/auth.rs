//! Login, refresh rotation, reuse detection, logout, session revocation and lockout, over
//! HTTP against the real server and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a panic is a test failure")]

mod common;

use common::{PASSWORD, TestApp, assert_problem};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn login_returns_tokens_and_me_answers_from_the_token() {
    let app = TestApp::spawn().await;
    let tokens = app.login_full("operator").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["refresh_token"].as_str().unwrap().len(), 43);
    let token = tokens["access_token"].as_str().unwrap();
    let res = app.get("/auth/me", token).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["role"], "operator");
    let perms: Vec<&str> = me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(perms.contains(&"customers.read") && !perms.contains(&"settings.write"));
    assert_eq!(app.audit_count("auth.login"), 1);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_admin("ana", "admin", PASSWORD);
    let wrong: Value = assert_problem(
        app.login("ana", "not the password").await,
        401,
        "invalid-credentials",
    )
    .await;
    let unknown: Value = assert_problem(
        app.login("nobody", "not the password").await,
        401,
        "invalid-credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
    // usernames are case-insensitive
    assert_eq!(app.login("ANA", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn missing_or_garbage_tokens_are_401_problems() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/auth/me", None, None).await;
    assert_problem(res, 401, "unauthenticated").await;
    assert_problem(app.get("/auth/me", "not.a.jwt").await, 401, "invalid-token").await;
}

#[tokio::test]
async fn refresh_rotates_and_reusing_an_old_token_revokes_the_session() {
    let app = TestApp::spawn().await;
    let first = app.login_full("admin").await;
    let r1 = first["refresh_token"].as_str().unwrap();
    let res = app
        .request(
            Method::POST,
            "/auth/refresh",
            None,
            Some(&json!({"refresh_token": r1})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    let access2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.get("/auth/me", access2).await.status(), 200);

    // the rotated token comes back: theft is assumed and the whole family dies
    let reuse = app
        .request(
            Method::POST,
            "/auth/refresh",
            None,
            Some(&json!({"refresh_token": r1})),
        )
        .await;
    assert_problem(reuse, 401, "invalid-token").await;
    let after = app
        .request(
            Method::POST,
            "/auth/refresh",
            None,
            Some(&json!({"refresh_token": r2})),
        )
        .await;
    assert_problem(after, 401, "invalid-token").await;
    assert_problem(app.get("/auth/me", access2).await, 401, "invalid-token").await;
    assert_eq!(app.audit_count("auth.refresh_reuse"), 1);
}

#[tokio::test]
async fn logout_kills_the_access_and_refresh_tokens() {
    let app = TestApp::spawn().await;
    let tokens = app.login_full("operator").await;
    let access = tokens["access_token"].as_str().unwrap();
    let res = app
        .request(Method::POST, "/auth/logout", Some(access), None)
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/auth/me", access).await, 401, "invalid-token").await;
    let refresh = app
        .request(
            Method::POST,
            "/auth/refresh",
            None,
            Some(&json!({"refresh_token": tokens["refresh_token"]})),
        )
        .await;
    assert_problem(refresh, 401, "invalid-token").await;
    assert_eq!(app.audit_count("auth.logout"), 1);
}

#[tokio::test]
async fn revoking_another_session_logs_that_device_out() {
    let app = TestApp::spawn().await;
    app.create_admin("budi", "admin", PASSWORD);
    let phone: Value = app.login("budi", PASSWORD).await.json().await.unwrap();
    let laptop: Value = app.login("budi", PASSWORD).await.json().await.unwrap();
    let laptop_token = laptop["access_token"].as_str().unwrap();
    let sessions: Vec<Value> = app
        .get("/auth/sessions", laptop_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    let res = app
        .delete(&format!("/auth/sessions/{}", other["id"]), laptop_token)
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get("/auth/me", phone["access_token"].as_str().unwrap())
            .await,
        401,
        "invalid-token",
    )
    .await;
    assert_eq!(app.get("/auth/me", laptop_token).await.status(), 200);
    // someone else's session is not found, not revocable
    let intruder = app.login_as("admin").await;
    let own = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_problem(
        app.delete(&format!("/auth/sessions/{}", own["id"]), &intruder)
            .await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn repeated_failures_lock_the_username_even_when_it_does_not_exist() {
    let app = TestApp::spawn().await;
    app.create_admin("citra", "admin", PASSWORD);
    {
        use diesel::prelude::*;
        use store::schema::settings;
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq("login_throttle"),
                settings::value.eq(json!({"max_failures": 3, "ip_max_failures": 100, "window_minutes": 15, "lock_minutes": 15})),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    for name in ["citra", "ghost"] {
        for _ in 0..3 {
            assert_problem(
                app.login(name, "wrong password!").await,
                401,
                "invalid-credentials",
            )
            .await;
        }
        let res = app
            .login(name, if name == "citra" { PASSWORD } else { "x" })
            .await;
        assert!(res.headers().contains_key("retry-after"));
        assert_problem(res, 429, "account-locked").await;
    }
}
