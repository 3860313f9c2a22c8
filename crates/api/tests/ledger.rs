//! Money over HTTP: transactions of every type, refusals that write nothing, idempotent
//! replays, the ledger with running balance, the summary and 1,000 concurrent requests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use common::{TestApp, assert_problem};
use diesel::prelude::*;
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use store::schema::ledger_entries;

async fn customer(app: &TestApp, token: &str, phone: &str) -> i64 {
    let res = app
        .post(
            "/customers",
            token,
            &json!({"phone": phone, "name": "Pelanggan"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn transact(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    app.post(&format!("/customers/{id}/transactions"), token, &body)
        .await
}

async fn transact_with_key(
    app: &TestApp,
    token: &str,
    id: i64,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/customers/{id}/transactions")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn ledger_rows(app: &TestApp, id: i64) -> i64 {
    ledger_entries::table
        .filter(ledger_entries::customer_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn customer_json(app: &TestApp, token: &str, id: i64) -> Value {
    app.get(&format!("/customers/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_type_moves_money_as_documented_and_the_ledger_shows_the_running_balance() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = customer(&app, &admin, "081277770001").await;
    let steps = [
        (
            json!({"type": "top_up", "amount": "100000"}),
            "100000.00",
            "0.00",
        ),
        (
            json!({"type": "debit", "amount": 25000.5}),
            "74999.50",
            "0.00",
        ),
        (
            json!({"type": "refund", "amount": "0.50"}),
            "75000.00",
            "0.00",
        ),
        (
            json!({"type": "add_debt", "amount": "50000"}),
            "75000.00",
            "50000.00",
        ),
        (
            json!({"type": "adjustment", "amount": "-5000", "reason": "double entry"}),
            "70000.00",
            "50000.00",
        ),
        // money in settles the debt first; the rest carries over to the balance
        (
            json!({"type": "pay_debt", "amount": "60000", "note": "cash"}),
            "80000.00",
            "0.00",
        ),
        (
            json!({"type": "add_debt", "amount": "30000"}),
            "80000.00",
            "30000.00",
        ),
        (
            json!({"type": "top_up", "amount": "10000"}),
            "80000.00",
            "20000.00",
        ),
    ];
    for (body, balance, debt) in &steps {
        let res = transact(&app, &admin, id, body.clone()).await;
        assert_eq!(res.status(), 201, "{body}");
        let entry: Value = res.json().await.unwrap();
        assert_eq!(entry["balance_after"], *balance, "{body}");
        assert_eq!(entry["debt_after"], *debt, "{body}");
        assert_eq!(entry["type"], body["type"]);
    }
    let c = customer_json(&app, &admin, id).await;
    assert_eq!(
        (c["balance"].as_str(), c["debt"].as_str()),
        (Some("80000.00"), Some("20000.00"))
    );

    let page: Value = app
        .get(&format!("/customers/{id}/ledger?limit=5"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["balance_after"], "80000.00", "newest first");
    assert_eq!(items[0]["amount"], "0.00");
    assert_eq!(items[0]["debt_change"], "-10000.00");
    assert_eq!(items[2]["note"], "cash");
    assert_eq!(items[3]["note"], "double entry", "the reason is kept");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(
            &format!("/customers/{id}/ledger?limit=5&cursor={cursor}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let rest = rest["items"].as_array().unwrap();
    assert_eq!(rest.len(), 3);
    assert_eq!(rest[2]["balance_before"], "0.00");
    // sum of balance changes equals the balance
    let sum: Decimal = items
        .iter()
        .chain(rest.iter())
        .map(|e| e["amount"].as_str().unwrap().parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(sum.to_string(), "80000.00");

    let summary: Value = app
        .get(&format!("/customers/{id}/summary"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["balance"], "80000.00");
    assert_eq!(summary["debt"], "20000.00");
    assert_eq!(summary["active_services"]["total"], 0);
    assert_eq!(summary["last_payment"]["type"], "top_up");
    assert_eq!(summary["last_payment"]["amount"], "10000.00");
    assert_eq!(app.audit_count("ledger.top_up"), 2);
    assert_eq!(app.audit_count("ledger.adjustment"), 1);
}

#[tokio::test]
async fn debit_beyond_balance_is_refused_with_409_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = customer(&app, &admin, "081277770002").await;
    assert_eq!(
        transact(&app, &admin, id, json!({"type": "top_up", "amount": "10"}))
            .await
            .status(),
        201
    );
    let res = transact(
        &app,
        &admin,
        id,
        json!({"type": "debit", "amount": "10.01"}),
    )
    .await;
    let problem = assert_problem(res, 409, "insufficient-balance").await;
    assert_eq!(
        problem["type"],
        "urn:mikrobill:problem:insufficient-balance"
    );
    let res = transact(
        &app,
        &admin,
        id,
        json!({"type": "adjustment", "amount": "-11", "reason": "x"}),
    )
    .await;
    assert_problem(res, 409, "insufficient-balance").await;
    assert_eq!(ledger_rows(&app, id), 1);
    assert_eq!(customer_json(&app, &admin, id).await["balance"], "10.00");
    assert_eq!(app.audit_count("ledger.debit"), 0);
}

#[tokio::test]
async fn bad_amounts_and_types_answer_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = customer(&app, &admin, "081277770003").await;
    for (body, field) in [
        (json!({"type": "top_up", "amount": "-5"}), "amount"),
        (json!({"type": "top_up", "amount": "1.005"}), "amount"),
        (json!({"type": "top_up", "amount": 1.005}), "amount"),
        (json!({"type": "top_up", "amount": "0"}), "amount"),
        (json!({"type": "top_up", "amount": "abc"}), "amount"),
        (json!({"type": "top_up", "amount": "NaN"}), "amount"),
        (
            json!({"type": "top_up", "amount": "10000000000000"}),
            "amount",
        ),
        (json!({"type": "top_up"}), "amount"),
        (json!({"type": "steal", "amount": "5"}), "type"),
        (json!({"type": "adjustment", "amount": "5"}), "reason"),
        (
            json!({"type": "adjustment", "amount": "5", "reason": "  "}),
            "reason",
        ),
    ] {
        let res = transact(&app, &admin, id, body.clone()).await;
        let problem = assert_problem(res, 422, "validation-failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body} → {problem}");
    }
    assert_eq!(ledger_rows(&app, id), 0);
    let res = transact(
        &app,
        &admin,
        999_999,
        json!({"type": "top_up", "amount": "5"}),
    )
    .await;
    assert_problem(res, 404, "not-found").await;
}

#[tokio::test]
async fn operators_take_cash_but_cannot_debit_or_adjust() {
    let app = TestApp::spawn().await;
    let operator = app.login_as("operator").await;
    let id = customer(&app, &operator, "081277770004").await;
    assert_eq!(
        transact(
            &app,
            &operator,
            id,
            json!({"type": "top_up", "amount": "5"})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        transact(
            &app,
            &operator,
            id,
            json!({"type": "pay_debt", "amount": "5"})
        )
        .await
        .status(),
        201
    );
    for t in ["debit", "refund", "add_debt"] {
        let res = transact(&app, &operator, id, json!({"type": t, "amount": "1"})).await;
        assert_problem(res, 403, "forbidden").await;
    }
    let res = transact(
        &app,
        &operator,
        id,
        json!({"type": "adjustment", "amount": "1", "reason": "r"}),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(ledger_rows(&app, id), 2);
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_response_and_moves_money_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = customer(&app, &admin, "081277770005").await;
    let body = json!({"type": "top_up", "amount": "15000"});
    let first = transact_with_key(&app, &admin, id, "topup-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = transact_with_key(&app, &admin, id, "topup-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(ledger_rows(&app, id), 1);
    assert_eq!(customer_json(&app, &admin, id).await["balance"], "15000.00");

    let other = json!({"type": "top_up", "amount": "1"});
    let res = transact_with_key(&app, &admin, id, "topup-1", &other).await;
    assert_problem(res, 422, "idempotency-key-reused").await;
    // a refusal is replayed too, and still moves nothing
    let debit = json!({"type": "debit", "amount": "99999"});
    let r1 = transact_with_key(&app, &admin, id, "debit-1", &debit).await;
    assert_problem(r1, 409, "insufficient-balance").await;
    let r2 = transact_with_key(&app, &admin, id, "debit-1", &debit).await;
    assert_problem(r2, 409, "insufficient-balance").await;
    assert_eq!(ledger_rows(&app, id), 1);
}

/// 1,000 concurrent top-ups and debits on one customer over HTTP: the balance ends equal
/// to the sum of the ledger, every before/after pair chains, and none is negative.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_debits_and_top_ups_keep_the_balance_equal_to_the_ledger() {
    let app = TestApp::spawn().await;
    let admin = app.login_as("admin").await;
    let id = customer(&app, &admin, "081277770006").await;
    let url = app.url(&format!("/customers/{id}/transactions"));
    let results: Vec<u16> = futures::stream::iter(0..1000u32)
        .map(|i| {
            let (client, url, admin) = (app.client.clone(), url.clone(), admin.clone());
            async move {
                let body = if i % 3 == 0 {
                    json!({"type": "top_up", "amount": "10"})
                } else {
                    json!({"type": "debit", "amount": "4"})
                };
                client
                    .post(&url)
                    .bearer_auth(&admin)
                    .header("Idempotency-Key", format!("c-{i}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let ok = results.iter().filter(|s| **s == 201).count();
    let refused = results.iter().filter(|s| **s == 409).count();
    assert_eq!(
        ok + refused,
        1000,
        "only successes and clean refusals: {results:?}"
    );
    assert!(ok >= 334);
    assert_eq!(ledger_rows(&app, id), i64::try_from(ok).unwrap());

    let conn = &mut app.conn();
    let (balance, sum) = store::ledger::totals(conn, id)
        .map(|(sum, _)| (store::customers::get(conn, id).unwrap().balance, sum))
        .unwrap();
    assert_eq!(balance, sum);
    let entries = store::ledger::list(conn, id, None, 2000).unwrap();
    assert!(entries.iter().all(|e| e.balance_after >= Decimal::ZERO));
    for pair in entries.windows(2) {
        assert_eq!(pair[0].balance_before, pair[1].balance_after);
    }
}
