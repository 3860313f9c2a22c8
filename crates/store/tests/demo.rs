//! The demo loader: consistent data, idempotent reruns, reset.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use indicatif::ProgressBar;
use store::crypto::{self, MasterKey};
use store::demo::{self, DemoOptions, DemoOutcome};
use store::models::Router;
use store::schema::routers;
use store::testing::TestDb;

#[derive(QueryableByName, Debug, PartialEq)]
struct Num {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Num>(conn).unwrap().n
}

fn small() -> DemoOptions {
    DemoOptions {
        customers: 700,
        vouchers: 3_200,
        routers: 7,
        sim_base_port: 20_000,
        ..DemoOptions::default()
    }
}

fn table_counts(conn: &mut PgConnection) -> Vec<i64> {
    [
        "locations",
        "routers",
        "profiles",
        "profile_locations",
        "vendors",
        "customers",
        "ledger_entries",
        "voucher_batches",
        "vouchers",
    ]
    .iter()
    .map(|t| count(conn, &format!("SELECT count(*) AS n FROM {t}")))
    .collect()
}

#[tokio::test]
async fn demo_loads_consistent_data_and_a_second_run_changes_nothing() {
    let db = TestDb::new().await;
    let (key, _) = MasterKey::generate();
    let url = db.url().to_owned();
    let opts = small();
    let first = tokio::task::spawn_blocking({
        let (url, key, opts) = (url.clone(), key.clone(), opts.clone());
        move || demo::load(&url, &key, &opts, &ProgressBar::hidden())
    })
    .await
    .unwrap()
    .unwrap();
    let DemoOutcome::Loaded { counts, .. } = first else {
        panic!("first run must load: {first:?}")
    };
    assert_eq!(
        (counts.customers, counts.vouchers, counts.routers),
        (700, 3_200, 7)
    );
    assert_eq!(
        counts.voucher_batches, 7,
        "3,200 vouchers in batches of 500"
    );

    let conn = &mut db.connect();
    let before = table_counts(conn);
    assert_eq!(before[5], 700);
    assert_eq!(before[6], i64::try_from(counts.ledger_entries).unwrap());
    assert!(counts.ledger_entries > 700, "most customers have a history");
    assert_eq!(
        count(conn, "SELECT count(*) AS n FROM admin_users"),
        0,
        "the demo never creates admins"
    );

    // each customer's ledger chains from zero to its current balance and debt
    let broken = count(
        conn,
        "SELECT count(*) AS n FROM customers c
         LEFT JOIN LATERAL (SELECT balance_after, debt_after FROM ledger_entries l
                            WHERE l.customer_id = c.id ORDER BY id DESC LIMIT 1) last ON true
         LEFT JOIN LATERAL (SELECT coalesce(sum(amount), 0) AS bal,
                                   coalesce(sum(debt_after - debt_before), 0) AS debt
                            FROM ledger_entries l WHERE l.customer_id = c.id) s ON true
         WHERE coalesce(last.balance_after, 0) <> c.balance OR coalesce(last.debt_after, 0) <> c.debt
            OR s.bal <> c.balance OR s.debt <> c.debt",
    );
    assert_eq!(broken, 0, "ledger sums must match balances");
    let gaps = count(
        conn,
        "SELECT count(*) AS n FROM (SELECT balance_before, debt_before,
                lag(balance_after, 1, 0) OVER w AS prev_bal, lag(debt_after, 1, 0) OVER w AS prev_debt
              FROM ledger_entries WINDOW w AS (PARTITION BY customer_id ORDER BY id)) x
         WHERE balance_before <> prev_bal OR debt_before <> prev_debt",
    );
    assert_eq!(gaps, 0, "each entry starts where the previous one ended");
    let off_rule = count(
        conn,
        "SELECT count(*) AS n FROM ledger_entries WHERE amount <> balance_after - balance_before",
    );
    assert_eq!(off_rule, 0, "amount is the signed change of the balance");
    let debtors = count(conn, "SELECT count(*) AS n FROM customers WHERE debt > 0");
    assert!(debtors > 0, "some customers owe money");

    // vouchers: states consistent with their times
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = Bool)]
        ok: bool,
    }
    let ok: Flag = diesel::sql_query(
        "SELECT bool_and(CASE status
            WHEN 'unused' THEN first_login_at IS NULL
            WHEN 'active' THEN first_login_at <= now() AND valid_until > first_login_at
            WHEN 'expired' THEN valid_until < now() AND expired_at >= valid_until
            WHEN 'disabled' THEN disabled_at IS NOT NULL END) AS ok FROM vouchers",
    )
    .get_result(conn)
    .unwrap();
    assert!(ok.ok);
    for status in ["unused", "active", "expired", "disabled"] {
        let n = count(
            conn,
            &format!("SELECT count(*) AS n FROM vouchers WHERE status = '{status}'"),
        );
        assert!(n > 0, "some {status} vouchers");
    }

    // routers point at the simulator ports with a password only the master key opens
    let rs: Vec<Router> = routers::table
        .order(routers::api_port)
        .select(Router::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(
        rs.iter().map(|r| r.api_port).collect::<Vec<_>>(),
        (20_000..20_007).collect::<Vec<_>>()
    );
    assert!(rs.iter().all(|r| r.host == "127.0.0.1"));
    assert_eq!(
        crypto::decrypt_string(&key, &rs[0].password_enc).unwrap(),
        "mikrobill-demo"
    );

    let second = tokio::task::spawn_blocking({
        let (url, key, opts) = (url.clone(), key.clone(), opts.clone());
        move || demo::load(&url, &key, &opts, &ProgressBar::hidden())
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        matches!(second, DemoOutcome::AlreadyPresent { ref counts } if counts.customers == 700),
        "{second:?}"
    );
    assert_eq!(
        table_counts(conn),
        before,
        "a second run must not duplicate anything"
    );

    let reset = tokio::task::spawn_blocking({
        let (url, key) = (url.clone(), key.clone());
        let opts = DemoOptions {
            reset: true,
            ..opts.clone()
        };
        move || demo::load(&url, &key, &opts, &ProgressBar::hidden())
    })
    .await
    .unwrap()
    .unwrap();
    assert!(matches!(reset, DemoOutcome::Loaded { .. }));
    assert_eq!(
        table_counts(conn),
        before,
        "--reset replaces the demo rows instead of adding to them"
    );
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Shape {
    #[diesel(sql_type = diesel::sql_types::Text)]
    shape: String,
}

/// Every index and constraint (with its validation state) of the bulk-loaded tables.
fn shape(conn: &mut PgConnection) -> String {
    diesel::sql_query(
        "SELECT (SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes
                 WHERE tablename IN ('customers', 'ledger_entries', 'vouchers'))
             || E'\\n' || (SELECT string_agg(conname || ' ' || convalidated || ' ' || pg_get_constraintdef(oid), E'\\n' ORDER BY conname)
                 FROM pg_constraint
                 WHERE conrelid IN ('customers'::regclass, 'ledger_entries'::regclass, 'vouchers'::regclass)) AS shape",
    )
    .get_result::<Shape>(conn)
    .unwrap()
    .shape
}

#[tokio::test]
async fn the_bulk_load_puts_back_every_index_and_constraint_it_dropped() {
    let loaded = TestDb::new().await;
    let pristine = TestDb::new().await;
    let (key, _) = MasterKey::generate();
    let url = loaded.url().to_owned();
    let opts = DemoOptions {
        customers: 300,
        vouchers: 1_000,
        routers: 2,
        ..DemoOptions::default()
    };
    tokio::task::spawn_blocking(move || demo::load(&url, &key, &opts, &ProgressBar::hidden()))
        .await
        .unwrap()
        .unwrap();
    let after = shape(&mut loaded.connect());
    assert!(after.contains("vouchers_code_key true"), "{after}");
    assert_eq!(after, shape(&mut pristine.connect()));
}

#[tokio::test]
async fn an_interrupted_load_is_cleaned_up_by_the_next_run() {
    let db = TestDb::new().await;
    let (key, _) = MasterKey::generate();
    let opts = DemoOptions {
        customers: 50,
        vouchers: 100,
        routers: 2,
        ..DemoOptions::default()
    };
    let url = db.url().to_owned();
    let run = |url: String, key: MasterKey, opts: DemoOptions| {
        tokio::task::spawn_blocking(move || demo::load(&url, &key, &opts, &ProgressBar::hidden()))
    };
    run(url.clone(), key.clone(), opts.clone())
        .await
        .unwrap()
        .unwrap();
    let conn = &mut db.connect();
    let before = table_counts(conn);
    // simulate a crash after the catalog: marker says incomplete
    diesel::sql_query("UPDATE settings SET value = jsonb_set(value, '{complete}', 'false') WHERE key = 'demo_data'")
        .execute(conn)
        .unwrap();
    let again = run(url, key, opts).await.unwrap().unwrap();
    assert!(matches!(again, DemoOutcome::Loaded { .. }));
    assert_eq!(table_counts(conn), before);
    demo::remove(conn).unwrap();
    assert_eq!(
        table_counts(conn),
        vec![0; 9],
        "remove deletes every demo row"
    );
    assert_eq!(
        count(
            conn,
            "SELECT count(*) AS n FROM settings WHERE key = 'demo_data'"
        ),
        0
    );
}
