//! Customers repository and the ledger use case against a real PostgreSQL database.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

use diesel::prelude::*;
use domain::ledger::{LedgerError, Operation, Reason};
use domain::money::{Money, SignedMoney};
use domain::status::ActorKind;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use store::customers::{self, CustomerFilter, Search};
use store::ledger::{self, Actor, PostError, Posted, Posting};
use store::models::{CustomerChanges, NewCustomer};
use store::pool::with_conn;
use store::schema::ledger_entries;
use store::testing::TestDb;

const ADMIN: Actor = Actor {
    kind: ActorKind::Admin,
    id: None,
};

fn new_customer<'a>(phone: &'a str, name: &'a str) -> NewCustomer<'a> {
    NewCustomer {
        phone,
        name,
        email: None,
        address: None,
        location_id: None,
        status: "active",
        notes: None,
    }
}

fn posting(customer_id: i64, operation: Operation) -> Posting<'static> {
    Posting {
        customer_id,
        operation,
        actor: ADMIN,
        note: None,
        reference: None,
        payment_id: None,
        voucher_id: None,
        subscription_id: None,
        idempotency_key: None,
    }
}

fn no_audit(_: &mut PgConnection, _: &store::models::LedgerEntry) -> QueryResult<()> {
    Ok(())
}

fn ledger_rows(conn: &mut PgConnection, customer_id: i64) -> i64 {
    ledger_entries::table
        .filter(ledger_entries::customer_id.eq(customer_id))
        .count()
        .get_result(conn)
        .unwrap()
}

#[tokio::test]
async fn debt_is_settled_first_and_the_rest_carries_over_to_balance() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000001", "Ani")).unwrap();
    ledger::post(
        conn,
        &posting(c.id, Operation::AddDebt(Money::whole(30))),
        no_audit,
    )
    .unwrap();
    let paid = ledger::post(
        conn,
        &posting(c.id, Operation::PayDebt(Money::whole(100))),
        no_audit,
    )
    .unwrap();
    let Posted::New(entry) = paid else {
        panic!("expected a new entry")
    };
    assert_eq!(
        (entry.debt_before, entry.debt_after),
        (dec!(30.00), dec!(0.00))
    );
    assert_eq!(
        (entry.balance_before, entry.balance_after),
        (dec!(0.00), dec!(70.00))
    );
    assert_eq!(entry.amount, dec!(70.00));
    let after = customers::get(conn, c.id).unwrap();
    assert_eq!((after.balance, after.debt), (dec!(70.00), dec!(0.00)));
    assert_eq!(
        ledger::totals(conn, c.id).unwrap(),
        (dec!(70.00), dec!(0.00))
    );
}

#[tokio::test]
async fn debit_beyond_balance_is_refused_and_writes_nothing() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000002", "Budi")).unwrap();
    ledger::post(
        conn,
        &posting(c.id, Operation::TopUp(Money::whole(10))),
        no_audit,
    )
    .unwrap();
    let refused = ledger::post(
        conn,
        &posting(c.id, Operation::Debit(Money::whole(11))),
        |_, _| panic!("the after-hook must not run for a refused posting"),
    );
    assert!(matches!(
        refused,
        Err(PostError::Refused(LedgerError::InsufficientBalance { .. }))
    ));
    assert_eq!(ledger_rows(conn, c.id), 1);
    assert_eq!(customers::get(conn, c.id).unwrap().balance, dec!(10.00));
}

#[tokio::test]
async fn a_failing_after_hook_rolls_the_posting_back() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000003", "Citra")).unwrap();
    let failed = ledger::post(
        conn,
        &posting(c.id, Operation::TopUp(Money::whole(10))),
        |_, _| Err(diesel::result::Error::RollbackTransaction),
    );
    assert!(matches!(failed, Err(PostError::Db(_))));
    assert_eq!(ledger_rows(conn, c.id), 0);
    assert_eq!(customers::get(conn, c.id).unwrap().balance, dec!(0.00));
}

#[tokio::test]
async fn an_idempotency_key_moves_money_once() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000004", "Dewi")).unwrap();
    let mut p = posting(c.id, Operation::TopUp(Money::whole(25)));
    p.idempotency_key = Some("k-1");
    let first = ledger::post(conn, &p, no_audit).unwrap();
    let second = ledger::post(conn, &p, no_audit).unwrap();
    assert!(matches!(first, Posted::New(_)));
    assert_eq!(second, Posted::Replayed(first.entry().clone()));
    assert_eq!(customers::get(conn, c.id).unwrap().balance, dec!(25.00));
    let mut other = posting(c.id, Operation::Debit(Money::whole(1)));
    other.idempotency_key = Some("k-1");
    assert!(matches!(
        ledger::post(conn, &other, no_audit),
        Err(PostError::KeyReused { .. })
    ));
}

#[tokio::test]
async fn deleted_customers_keep_history_release_the_phone_and_refuse_postings() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000005", "Eka")).unwrap();
    ledger::post(
        conn,
        &posting(c.id, Operation::TopUp(Money::whole(5))),
        no_audit,
    )
    .unwrap();
    customers::soft_delete(conn, c.id).unwrap();
    assert!(matches!(
        customers::get(conn, c.id),
        Err(diesel::result::Error::NotFound)
    ));
    assert!(
        customers::by_phone(conn, "6281200000005")
            .unwrap()
            .is_none()
    );
    assert_eq!(ledger::list(conn, c.id, None, 10).unwrap().len(), 1);
    assert!(matches!(
        ledger::post(
            conn,
            &posting(c.id, Operation::TopUp(Money::whole(5))),
            no_audit
        ),
        Err(PostError::CustomerNotFound)
    ));
    let again = customers::insert(conn, &new_customer("6281200000005", "Eka Baru")).unwrap();
    assert_ne!(again.id, c.id);
    let dup = customers::insert(conn, &new_customer("6281200000005", "Eka Lagi"));
    assert!(matches!(
        dup,
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    ));
}

#[tokio::test]
async fn search_by_phone_prefix_name_prefix_status_and_location() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let ani = customers::insert(conn, &new_customer("6281211110001", "Ani Wijaya")).unwrap();
    let budi = customers::insert(conn, &new_customer("6281311110002", "Budi Anggara")).unwrap();
    let _percent = customers::insert(conn, &new_customer("6285711110003", "100% Sinyal")).unwrap();
    let changes = CustomerChanges {
        status: Some("suspended".into()),
        ..Default::default()
    };
    customers::update(conn, budi.id, &changes).unwrap();
    let ids = |filter: CustomerFilter, conn: &mut PgConnection| -> Vec<i64> {
        customers::list(conn, &filter, None, 50)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect()
    };
    let search = |s: Search| CustomerFilter {
        search: Some(s),
        ..Default::default()
    };
    assert_eq!(
        ids(search(Search::PhonePrefix("62812".into())), conn),
        vec![ani.id]
    );
    assert_eq!(ids(search(Search::Name("AN".into())), conn), vec![ani.id]);
    assert_eq!(
        ids(search(Search::Name("bUdI a".into())), conn),
        vec![budi.id]
    );
    assert!(ids(search(Search::Name("ang".into())), conn).is_empty());
    assert_eq!(ids(search(Search::Name("%".into())), conn).len(), 0);
    let suspended = CustomerFilter {
        status: Some("suspended".into()),
        ..Default::default()
    };
    assert_eq!(ids(suspended, conn), vec![budi.id]);
    // keyset pages
    let page1 = customers::list(conn, &CustomerFilter::default(), None, 2).unwrap();
    let page2 = customers::list(conn, &CustomerFilter::default(), Some(page1[1].id), 2).unwrap();
    assert_eq!(page1.len() + page2.len(), 3);
    assert!(page2[0].id > page1[1].id);
}

#[tokio::test]
async fn summary_counts_services_and_names_the_last_payment() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c = customers::insert(conn, &new_customer("6281200000006", "Fitri")).unwrap();
    let empty = customers::summary(conn, c.id).unwrap().unwrap();
    assert_eq!((empty.active_vouchers, empty.active_subscriptions), (0, 0));
    assert_eq!(empty.last_payment_at, None);
    ledger::post(
        conn,
        &posting(c.id, Operation::AddDebt(Money::whole(20))),
        no_audit,
    )
    .unwrap();
    ledger::post(
        conn,
        &posting(c.id, Operation::TopUp(Money::whole(50))),
        no_audit,
    )
    .unwrap();
    ledger::post(
        conn,
        &posting(c.id, Operation::Debit(Money::whole(5))),
        no_audit,
    )
    .unwrap();
    let s = customers::summary(conn, c.id).unwrap().unwrap();
    assert_eq!((s.balance, s.debt), (dec!(25.00), dec!(0.00)));
    assert_eq!(s.last_payment_type.as_deref(), Some("top_up"));
    assert_eq!(s.last_payment_amount, Some(dec!(50.00)));
    assert!(customers::summary(conn, c.id + 1000).unwrap().is_none());
}

/// 1,000 concurrent postings (top-ups, debits, adjustments) on one customer through the
/// pool: every refusal is a clean insufficient-balance, and the balance equals the ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_postings_on_one_customer_keep_balance_equal_to_ledger_sum() {
    let db = TestDb::new().await;
    let c = customers::insert(&mut db.connect(), &new_customer("6281200000007", "Gita")).unwrap();
    let id = c.id;
    let mut tasks = Vec::new();
    for i in 0..1000u32 {
        let pool = db.pool().clone();
        tasks.push(tokio::spawn(async move {
            let op = match i % 4 {
                0 | 1 => Operation::Debit(Money::whole(7)),
                2 => Operation::TopUp(Money::whole(10)),
                _ => Operation::Adjustment {
                    delta: SignedMoney::negative(Money::whole(3)),
                    reason: Reason::parse("test").unwrap(),
                },
            };
            with_conn(&pool, move |conn| {
                match ledger::post(conn, &posting(id, op), no_audit) {
                    Ok(_) => Ok(true),
                    Err(PostError::Refused(LedgerError::InsufficientBalance { .. })) => Ok(false),
                    Err(PostError::Db(e)) => Err(e),
                    Err(other) => panic!("unexpected {other:?}"),
                }
            })
            .await
            .unwrap()
        }));
    }
    let mut applied = 0i64;
    for t in tasks {
        if t.await.unwrap() {
            applied += 1;
        }
    }
    let conn = &mut db.connect();
    assert_eq!(ledger_rows(conn, id), applied);
    assert!(applied >= 250, "at least every top-up applies");
    let balance = customers::get(conn, id).unwrap().balance;
    assert_eq!(ledger::totals(conn, id).unwrap().0, balance);
    assert!(balance >= Decimal::ZERO);
    // the chain of before/after values is unbroken in id order
    let entries = ledger::list(conn, id, None, 2000).unwrap();
    for pair in entries.windows(2) {
        assert_eq!(pair[0].balance_before, pair[1].balance_after);
    }
}
