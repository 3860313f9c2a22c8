//! Customer CRUD, search, phone normalisation and validation over HTTP against the real
//! server and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{TestApp, assert_problem};
use serde_json::{Value, json};

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post("/customers", token, &body).await;
    assert_eq!(res.status(), 201, "create {body}");
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn create_read_update_and_soft_delete_keep_history_and_audit() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let c = create(
        &app,
        &admin,
        json!({"phone": "0812-3456-7890", "name": "  Budi Santoso ", "email": "Budi@Example.COM"}),
    )
    .await;
    assert_eq!(c["phone"], "6281234567890");
    assert_eq!(c["name"], "Budi Santoso");
    assert_eq!(c["email"], "Budi@example.com");
    assert_eq!(c["status"], "active");
    assert_eq!(c["balance"], "0.00");
    assert_eq!(c["debt"], "0.00");
    assert_eq!(c["portal_enabled"], false);
    let id = c["id"].as_i64().unwrap();

    let got: Value = app
        .get(&format!("/customers/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, c);

    let res = app
        .patch(
            &format!("/customers/{id}"),
            &admin,
            &json!({"name": "Budi S.", "email": null, "status": "suspended", "notes": "pays late"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["name"], "Budi S.");
    assert!(updated["email"].is_null());
    assert_eq!(updated["status"], "suspended");
    assert_eq!(updated["notes"], "pays late");
    assert_eq!(updated["phone"], "6281234567890");

    let res = app.delete(&format!("/customers/{id}"), &admin).await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get(&format!("/customers/{id}"), &admin).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.delete(&format!("/customers/{id}"), &admin).await,
        404,
        "not-found",
    )
    .await;
    // the row stays for history, and the number can be registered again
    use diesel::prelude::*;
    let kept: i64 = store::schema::customers::table
        .filter(store::schema::customers::id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(kept, 1);
    create(
        &app,
        &admin,
        json!({"phone": "+62 812 3456 7890", "name": "Budi Baru"}),
    )
    .await;
    assert_eq!(app.audit_count("customers.create"), 2);
    assert_eq!(app.audit_count("customers.update"), 1);
    assert_eq!(app.audit_count("customers.delete"), 1);
}

#[tokio::test]
async fn every_written_form_of_a_phone_finds_the_same_customer() {
    let app = TestApp::spawn().await;
    let token = app.login_as("operator").await;
    let c = create(
        &app,
        &token,
        json!({"phone": "081298765432", "name": "Ani"}),
    )
    .await;
    assert_eq!(c["phone"], "6281298765432");
    for form in [
        "081298765432",
        "0812-9876-5432",
        "0812 9876 5432",
        "0812.9876.5432",
        "(0812) 9876-5432",
        "+6281298765432",
        "+62 812 9876 5432",
        "+62 (0)812-9876-5432",
        "6281298765432",
        "81298765432",
    ] {
        let url = format!("/customers?phone={}", urlencode(form));
        let page: Value = app.get(&url, &token).await.json().await.unwrap();
        assert_eq!(ids(&page), vec![c["id"].as_i64().unwrap()], "{form}");
    }
    let none: Value = app
        .get("/customers?phone=081200000000", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(ids(&none).is_empty());
    // the same number in another form is a duplicate
    let dup = app
        .post(
            "/customers",
            &token,
            &json!({"phone": "+62 812-9876-5432", "name": "Ani 2"}),
        )
        .await;
    let body = assert_problem(dup, 409, "already-exists").await;
    assert_eq!(body["errors"][0]["field"], "phone");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn search_by_phone_prefix_name_status_and_location_with_cursor_pages() {
    let app = TestApp::spawn().await;
    let token = app.login_as("admin").await;
    let ani = create(
        &app,
        &token,
        json!({"phone": "081211110001", "name": "Ani Wijaya"}),
    )
    .await;
    let budi = create(
        &app,
        &token,
        json!({"phone": "081311110002", "name": "Budi Anggara", "status": "inactive"}),
    )
    .await;
    let citra = create(
        &app,
        &token,
        json!({"phone": "085711110003", "name": "Citra"}),
    )
    .await;
    let id = |c: &Value| c["id"].as_i64().unwrap();
    let search = |q: &str| format!("/customers?q={}", urlencode(q));

    let page: Value = app.get(&search("0812"), &token).await.json().await.unwrap();
    assert_eq!(ids(&page), vec![id(&ani)]);
    let page: Value = app
        .get(&search("+62 81"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page), vec![id(&ani), id(&budi)]);
    let page: Value = app.get(&search("ANI"), &token).await.json().await.unwrap();
    assert_eq!(ids(&page), vec![id(&ani)]);
    let page: Value = app
        .get(&search("budi a"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page), vec![id(&budi)]);
    let page: Value = app
        .get("/customers?status=inactive", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page), vec![id(&budi)]);
    let page: Value = app
        .get("/customers?location_id=999", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(ids(&page).is_empty());

    let first: Value = app
        .get("/customers?limit=2", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&first), vec![id(&ani), id(&budi)]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/customers?limit=2&cursor={cursor}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&second), vec![id(&citra)]);
    assert!(second["next_cursor"].is_null());

    let bad = app.get("/customers?status=deleted", &token).await;
    let body = assert_problem(bad, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "status");
}

#[tokio::test]
async fn bad_inputs_answer_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let token = app.login_as("admin").await;
    for (body, field) in [
        (json!({"phone": "hello", "name": "X"}), "phone"),
        (json!({"phone": "021-555-1234", "name": "X"}), "phone"),
        (json!({"phone": "+1 415 555 0100", "name": "X"}), "phone"),
        (json!({"phone": "0812345", "name": "X"}), "phone"),
        (json!({"phone": "081234567890", "name": "  "}), "name"),
        (
            json!({"phone": "081234567890", "name": "X", "email": "not-an-email"}),
            "email",
        ),
        (
            json!({"phone": "081234567890", "name": "X", "status": "gone"}),
            "status",
        ),
        (
            json!({"phone": "081234567890", "name": "X", "portal_password": "short"}),
            "portal_password",
        ),
        (json!({"name": "X"}), "phone"),
        (
            json!({"phone": "081234567890", "name": "X", "balance": "100"}),
            "balance",
        ),
    ] {
        let res = app.post("/customers", &token, &body).await;
        let problem = assert_problem(res, 422, "validation-failed").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body} → {problem}");
    }
    // every bad field at once
    let res = app
        .post(
            "/customers",
            &token,
            &json!({"phone": "x", "name": "", "email": "@"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation-failed").await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 3);
    let res = app
        .patch("/customers/1", &token, &json!({"phone": "abc"}))
        .await;
    assert_problem(res, 422, "validation-failed").await;
    let res = app.get("/customers/abc", &token).await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn operators_create_and_read_but_cannot_edit_or_delete() {
    let app = TestApp::spawn().await;
    let operator = app.login_as("operator").await;
    let c = create(
        &app,
        &operator,
        json!({"phone": "081255550001", "name": "Dewi"}),
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/customers/{id}/summary"), &operator)
            .await
            .status(),
        200
    );
    let res = app
        .patch(
            &format!("/customers/{id}"),
            &operator,
            &json!({"name": "D"}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(
        app.delete(&format!("/customers/{id}"), &operator).await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .request(reqwest::Method::GET, "/customers", None, None)
        .await;
    assert_problem(res, 401, "unauthenticated").await;
}
