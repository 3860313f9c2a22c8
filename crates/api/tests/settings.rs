//! Typed settings: defaults, validation per field, secrets encrypted and write-only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{TestApp, assert_problem};
use serde_json::{Value, json};

#[tokio::test]
async fn settings_read_with_seeded_values_and_patch_validates_every_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let s: Value = app.get("/settings", &admin).await.json().await.unwrap();
    assert_eq!(s["timezone"], "Asia/Jakarta");
    assert_eq!(s["currency"], "IDR");
    assert_eq!(s["drift_mode"], "report");
    assert_eq!(s["login_throttle"]["max_failures"], 5);
    assert_eq!(s["secrets"]["whatsapp_api_token"]["set"], false);

    let bad = app
        .patch(
            "/settings",
            &admin,
            &json!({"timezone": "Mars/Base", "grace_period_days": 999, "currency": "idr"}),
        )
        .await;
    let body = assert_problem(bad, 422, "validation-failed").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["currency", "grace_period_days", "timezone"]);
    let unknown = app
        .patch("/settings", &admin, &json!({"drift_mode": "sometimes"}))
        .await;
    let body = assert_problem(unknown, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "drift_mode");

    let ok = app.patch("/settings", &admin, &json!({"timezone": "Asia/Jayapura", "drift_mode": "repair", "print_layout": "thermal_58"})).await;
    assert_eq!(ok.status(), 200);
    let s: Value = app.get("/settings", &admin).await.json().await.unwrap();
    assert_eq!(
        (
            s["timezone"].as_str(),
            s["drift_mode"].as_str(),
            s["print_layout"].as_str()
        ),
        (Some("Asia/Jayapura"), Some("repair"), Some("thermal_58"))
    );
}

#[tokio::test]
async fn secret_settings_are_encrypted_and_never_returned() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let res = app
        .patch(
            "/settings",
            &admin,
            &json!({"secrets": {"whatsapp_api_token": "super-secret-value"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(!text.contains("super-secret-value"));
    let s: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s["secrets"]["whatsapp_api_token"]["set"], true);
    // at rest: ciphertext that decrypts with the master key only
    let row = store::settings::get(&mut app.conn(), "whatsapp_api_token")
        .unwrap()
        .unwrap();
    let enc = row.secret_enc.unwrap();
    assert!(!String::from_utf8_lossy(&enc).contains("super-secret-value"));
    let key = app.state.master_key.as_ref().unwrap();
    assert_eq!(
        store::crypto::decrypt_string(key, &enc).unwrap(),
        "super-secret-value"
    );
    let audit: Value = app.get("/audit-log", &admin).await.json().await.unwrap();
    assert!(!audit.to_string().contains("super-secret-value"));

    let cleared = app
        .patch(
            "/settings",
            &admin,
            &json!({"secrets": {"whatsapp_api_token": null}}),
        )
        .await;
    assert_eq!(
        cleared.json::<Value>().await.unwrap()["secrets"]["whatsapp_api_token"]["set"],
        false
    );
    let unknown = app
        .patch(
            "/settings",
            &admin,
            &json!({"secrets": {"root_password": "x"}}),
        )
        .await;
    assert_problem(unknown, 422, "validation-failed").await;
}

#[tokio::test]
async fn operators_cannot_read_or_change_settings() {
    let app = TestApp::spawn().await;
    let op = app.login_as("operator").await;
    assert_problem(app.get("/settings", &op).await, 403, "forbidden").await;
    assert_problem(
        app.patch("/settings", &op, &json!({"currency": "USD"}))
            .await,
        403,
        "forbidden",
    )
    .await;
}
