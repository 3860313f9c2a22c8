//! Login, refresh rotation, reuse detection, logout, session revocation and lockout, over
//! HTTP against the real server and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

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

fn current_code(secret_base32: &str, account: &str) -> String {
    let raw = totp_rs::Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .unwrap();
    api::auth::totp::totp_for(raw, account)
        .unwrap()
        .generate_current()
        .unwrap()
}

#[tokio::test]
async fn two_factor_enrolment_then_login_needs_a_code_and_recovery_codes_work_once() {
    let app = TestApp::spawn().await;
    app.create_admin("dewi", "admin", PASSWORD);
    let tokens: Value = app.login("dewi", PASSWORD).await.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    let enrol: Value = app
        .post("/auth/2fa/enrol", token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = enrol["secret"].as_str().unwrap();
    assert!(
        enrol["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(enrol["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let wrong = app
        .post("/auth/2fa/confirm", token, &json!({"code": "000000"}))
        .await;
    assert_problem(wrong, 422, "validation-failed").await;
    let res = app
        .post(
            "/auth/2fa/confirm",
            token,
            &json!({"code": current_code(secret, "dewi")}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let codes: Value = res.json().await.unwrap();
    let recovery = codes["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(codes["recovery_codes"].as_array().unwrap().len(), 10);

    assert_problem(
        app.login("dewi", PASSWORD).await,
        401,
        "two-factor-required",
    )
    .await;
    let login = |code: String| {
        let app = &app;
        async move {
            app.request(
                Method::POST,
                "/auth/login",
                None,
                Some(&json!({"username": "dewi", "password": PASSWORD, "totp_code": code})),
            )
            .await
        }
    };
    assert_problem(login("123456".into()).await, 401, "invalid-credentials").await;
    assert_eq!(login(current_code(secret, "dewi")).await.status(), 200);
    assert_eq!(login(recovery.clone()).await.status(), 200);
    assert_problem(login(recovery).await, 401, "invalid-credentials").await;
    // no secret leaks into the audit trail
    let mut conn = app.conn();
    use diesel::prelude::*;
    let rows: Vec<Option<Value>> = store::schema::audit_log::table
        .select(store::schema::audit_log::after)
        .load(&mut conn)
        .unwrap();
    assert!(!format!("{rows:?}").contains(secret));
}

#[tokio::test]
async fn a_role_that_requires_two_factor_gets_a_restricted_token_until_enrolled() {
    let app = TestApp::spawn().await;
    let boss = app.login_as("super_admin").await;
    let res = app
        .patch("/settings", &boss, &json!({"require_2fa_roles": ["admin"]}))
        .await;
    assert_eq!(res.status(), 200);
    app.create_admin("eko", "admin", PASSWORD);
    let tokens: Value = app.login("eko", PASSWORD).await.json().await.unwrap();
    assert_eq!(tokens["two_factor_enrolment_required"], true);
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.get("/auth/me", token).await.status(), 200);
    // a route the role holds stays closed until enrolment; self-service stays open
    assert_problem(
        app.get("/audit-log", token).await,
        403,
        "two-factor-enrolment-required",
    )
    .await;
    assert_eq!(app.get("/auth/sessions", token).await.status(), 200);
    let enrol: Value = app
        .post("/auth/2fa/enrol", token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = current_code(enrol["secret"].as_str().unwrap(), "eko");
    assert_eq!(
        app.post("/auth/2fa/confirm", token, &json!({"code": code}))
            .await
            .status(),
        200
    );
    let refreshed: Value = app
        .request(
            Method::POST,
            "/auth/refresh",
            None,
            Some(&json!({"refresh_token": tokens["refresh_token"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["two_factor_enrolment_required"], false);
    assert_eq!(
        app.get("/audit-log", refreshed["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_logs_out_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_admin("fajar", "operator", PASSWORD);
    let a: Value = app.login("fajar", PASSWORD).await.json().await.unwrap();
    let b: Value = app.login("fajar", PASSWORD).await.json().await.unwrap();
    let ta = a["access_token"].as_str().unwrap();
    let wrong = app.post("/auth/password", ta, &json!({"current_password": "nope nope nope", "new_password": "a brand new passphrase"})).await;
    let body = assert_problem(wrong, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let res = app
        .post(
            "/auth/password",
            ta,
            &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/auth/me", ta).await.status(), 200);
    assert_problem(
        app.get("/auth/me", b["access_token"].as_str().unwrap())
            .await,
        401,
        "invalid-token",
    )
    .await;
    assert_eq!(
        app.login("fajar", "a brand new passphrase").await.status(),
        200
    );
}

#[tokio::test]
async fn demoting_an_admin_revokes_their_sessions_and_the_last_super_admin_is_protected() {
    let app = TestApp::spawn().await;
    let boss_tokens = app.login_full("super_admin").await;
    let boss = boss_tokens["access_token"].as_str().unwrap();
    let boss_id = boss_tokens["admin"]["id"].as_i64().unwrap();
    let gita = app.create_admin("gita", "admin", PASSWORD);
    let gita_token: Value = app.login("gita", PASSWORD).await.json().await.unwrap();
    let res = app
        .patch(
            &format!("/admin-users/{gita}"),
            boss,
            &json!({"role": "operator"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["role"], "operator");
    assert!(view.get("password_hash").is_none());
    assert_problem(
        app.get("/auth/me", gita_token["access_token"].as_str().unwrap())
            .await,
        401,
        "invalid-token",
    )
    .await;

    let res = app
        .patch(
            &format!("/admin-users/{boss_id}"),
            boss,
            &json!({"disabled": true}),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    assert_problem(
        app.delete(&format!("/admin-users/{boss_id}"), boss).await,
        409,
        "conflict",
    )
    .await;
    let dup = app
        .post(
            "/admin-users",
            boss,
            &json!({"username": "GITA", "password": "long enough pw", "role": "admin"}),
        )
        .await;
    assert_problem(dup, 409, "already-exists").await;
}

#[tokio::test]
async fn request_ids_are_echoed_and_cors_answers_only_configured_origins() {
    let app = TestApp::spawn_with(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let res = app
        .client
        .get(app.url("healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let generated = app
        .client
        .get(app.url("healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(generated.headers()["x-request-id"], "bad id with spaces");
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/auth/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = preflight("https://app.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
