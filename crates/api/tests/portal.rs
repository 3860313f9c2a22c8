//! Customer self-service over HTTP: login with the operator-set password, own data only,
//! realm separation, throttling.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{TestApp, assert_problem};
use reqwest::Method;
use serde_json::{Value, json};

const PW: &str = "rahasia-123";

/// A customer with a portal password and one top-up; returns its id.
async fn portal_customer(app: &TestApp, admin: &str, phone: &str, top_up: &str) -> i64 {
    let res = app
        .post(
            "/customers",
            admin,
            &json!({"phone": phone, "name": "Pelanggan"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = app
        .patch(
            &format!("/customers/{id}"),
            admin,
            &json!({"portal_password": PW}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["portal_enabled"], true);
    let res = app
        .post(
            &format!("/customers/{id}/transactions"),
            admin,
            &json!({"type": "top_up", "amount": top_up}),
        )
        .await;
    assert_eq!(res.status(), 201);
    id
}

async fn portal_login(app: &TestApp, phone: &str, password: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        "/portal/auth/login",
        None,
        Some(&json!({"phone": phone, "password": password})),
    )
    .await
}

async fn token_of(app: &TestApp, phone: &str) -> String {
    let res = portal_login(app, phone, PW).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_customer_logs_in_with_any_phone_form_and_sees_own_profile_ledger_services_and_payments()
{
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = portal_customer(&app, &admin, "081288880001", "20000").await;
    let res = portal_login(&app, "+62 812-8888-0001", PW).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["customer"]["id"], id);
    assert!(body["customer"].get("portal_password_hash").is_none());
    let token = body["access_token"].as_str().unwrap();

    let me: Value = app.get("/portal/me", token).await.json().await.unwrap();
    assert_eq!(me["phone"], "6281288880001");
    assert_eq!(me["balance"], "20000.00");
    let ledger: Value = app.get("/portal/ledger", token).await.json().await.unwrap();
    assert_eq!(ledger["items"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["items"][0]["balance_after"], "20000.00");
    let services: Value = app
        .get("/portal/services", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(services, json!({"vouchers": [], "subscriptions": []}));
    let payments: Value = app
        .get("/portal/payments", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payments["items"], json!([]));
    assert_eq!(app.audit_count("portal.login"), 1);
}

#[tokio::test]
async fn a_customer_never_sees_another_customers_data_and_realms_do_not_mix() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let a = portal_customer(&app, &admin, "081288880002", "111").await;
    let b = portal_customer(&app, &admin, "081288880003", "222").await;
    let (ta, tb) = (
        token_of(&app, "081288880002").await,
        token_of(&app, "081288880003").await,
    );
    for (token, id, amount) in [(&ta, a, "111.00"), (&tb, b, "222.00")] {
        let me: Value = app.get("/portal/me", token).await.json().await.unwrap();
        assert_eq!(me["id"], id);
        let ledger: Value = app.get("/portal/ledger", token).await.json().await.unwrap();
        let items = ledger["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(items.iter().all(|e| e["customer_id"] == id));
        assert_eq!(items[0]["amount"], amount);
    }
    // a portal token opens no admin route, an admin token no portal route
    assert_problem(
        app.get(&format!("/customers/{b}"), &ta).await,
        401,
        "invalid-token",
    )
    .await;
    assert_problem(
        app.get(&format!("/customers/{a}/ledger"), &ta).await,
        401,
        "invalid-token",
    )
    .await;
    assert_problem(app.get("/portal/me", &admin).await, 401, "invalid-token").await;
    // a deleted customer's token stops working
    assert_eq!(
        app.delete(&format!("/customers/{a}"), &admin)
            .await
            .status(),
        204
    );
    assert_problem(app.get("/portal/me", &ta).await, 401, "invalid-token").await;
    assert_eq!(app.get("/portal/me", &tb).await.status(), 200);
    // removing the portal password ends access at once
    let res = app
        .patch(
            &format!("/customers/{b}"),
            &admin,
            &json!({"portal_password": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/portal/ledger", &tb).await, 401, "invalid-token").await;
}

#[tokio::test]
async fn wrong_passwords_are_uniform_and_locked_after_repeated_failures() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    portal_customer(&app, &admin, "081288880004", "1").await;
    // no password set yet: same answer as a wrong one
    let res = app
        .post(
            "/customers",
            &admin,
            &json!({"phone": "081288880005", "name": "Tanpa"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let w1 = assert_problem(
        portal_login(&app, "081288880004", "wrong-pass").await,
        401,
        "invalid-credentials",
    )
    .await;
    let w2 = assert_problem(
        portal_login(&app, "081288880005", PW).await,
        401,
        "invalid-credentials",
    )
    .await;
    let w3 = assert_problem(
        portal_login(&app, "081299999999", PW).await,
        401,
        "invalid-credentials",
    )
    .await;
    assert_eq!(w1["detail"], w2["detail"]);
    assert_eq!(w2["detail"], w3["detail"]);
    let res = portal_login(&app, "not a phone", PW).await;
    assert_eq!(
        assert_problem(res, 422, "validation-failed").await["errors"][0]["field"],
        "phone"
    );
    // five failures for one phone lock it, even against the right password
    for _ in 0..4 {
        assert_eq!(
            portal_login(&app, "0812-8888-0004", "wrong-pass")
                .await
                .status(),
            401
        );
    }
    let locked = portal_login(&app, "081288880004", PW).await;
    assert!(locked.headers().contains_key("retry-after"));
    assert_problem(locked, 429, "account-locked").await;
    // clearing the password disables portal login
    let id = app
        .get("/customers?phone=081288880005", &admin)
        .await
        .json::<Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let res = app
        .patch(
            &format!("/customers/{id}"),
            &admin,
            &json!({"portal_password": null}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["portal_enabled"], false);
}
