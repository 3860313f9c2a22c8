//! Demo customers with a ledger history whose running totals end at each customer's balance.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use domain::ledger::{self, Operation, Position};
use domain::money::Money;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::catalog::Catalog;
use super::{DEMO_TAG, DemoError, DemoOptions, Step};
use super::{bulk, data};
use crate::schema::{customers, ledger_entries};

const CHUNK: usize = 10_000;
const TOP_UPS: &[u32] = &[20_000, 50_000, 100_000, 150_000, 200_000, 300_000, 500_000];
const PURCHASES: &[u32] = &[3_000, 5_000, 20_000, 50_000, 150_000, 200_000];

#[derive(Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
struct CustomerRow<'a> {
    id: i64,
    phone: &'a str,
    name: &'a str,
    email: Option<&'a str>,
    address: Option<&'a str>,
    location_id: Option<i64>,
    status: &'static str,
    balance: Decimal,
    debt: Decimal,
    notes: Option<&'static str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_entries, treat_none_as_default_value = false)]
struct LedgerRow {
    customer_id: i64,
    entry_type: &'static str,
    amount: Decimal,
    balance_before: Decimal,
    balance_after: Decimal,
    debt_before: Decimal,
    debt_after: Decimal,
    actor_kind: &'static str,
    note: Option<&'static str>,
    created_at: DateTime<Utc>,
}

struct Person {
    id: i64,
    phone: String,
    name: String,
    email: Option<String>,
    address: String,
    location_id: i64,
    status: &'static str,
    position: Position,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// One customer's history: top-ups, purchases, debts and repayments, in time order, each
/// computed by `domain::ledger::apply` (the one rule the application uses), so the rows obey
/// the same invariants as real ones. Operations the rule refuses are simply skipped.
fn history(rng: &mut StdRng, p: &mut Person, now: DateTime<Utc>, out: &mut Vec<LedgerRow>) {
    let mut t = p.created_at;
    let step = |rng: &mut StdRng, t: &mut DateTime<Utc>| {
        let room = (now - *t).num_seconds().max(2);
        *t += Duration::seconds(rng.random_range(1..room.clamp(2, 30 * 86_400)));
    };
    let mut push = |p: &mut Person, t, op: Operation, note| {
        let Ok(applied) = ledger::apply(p.position, &op) else {
            return;
        };
        out.push(LedgerRow {
            customer_id: p.id,
            entry_type: applied.entry_type.as_str(),
            amount: applied.amount.as_decimal(),
            balance_before: applied.before.balance.as_decimal(),
            balance_after: applied.after.balance.as_decimal(),
            debt_before: applied.before.debt.as_decimal(),
            debt_after: applied.after.debt.as_decimal(),
            actor_kind: if matches!(op, Operation::Purchase(_)) {
                "customer"
            } else {
                "admin"
            },
            note: Some(note),
            created_at: t,
        });
        p.position = applied.after;
        p.updated_at = t;
    };
    // a tenth are new customers without any movement yet
    if rng.random_range(0..10) == 0 {
        return;
    }
    for _ in 0..rng.random_range(1..=2) {
        step(rng, &mut t);
        let top_up = TOP_UPS[rng.random_range(0..TOP_UPS.len())];
        push(
            p,
            t,
            Operation::TopUp(Money::whole(top_up)),
            "Isi saldo tunai",
        );
        if rng.random_bool(0.7) {
            step(rng, &mut t);
            let price = PURCHASES[rng.random_range(0..PURCHASES.len())];
            push(
                p,
                t,
                Operation::Purchase(Money::whole(price)),
                "Pembelian paket internet",
            );
        }
    }
    if rng.random_bool(0.15) {
        step(rng, &mut t);
        let owed = [50_000, 100_000, 150_000][rng.random_range(0..3)];
        push(
            p,
            t,
            Operation::AddDebt(Money::whole(owed)),
            "Hutang pembelian voucher",
        );
        if rng.random_bool(0.5) {
            step(rng, &mut t);
            let paid = owed / [1, 2][rng.random_range(0..2)];
            push(
                p,
                t,
                Operation::PayDebt(Money::whole(paid)),
                "Pembayaran hutang tunai",
            );
        }
    }
}

fn person(
    rng: &mut StdRng,
    id: i64,
    catalog: &Catalog,
    phones: &mut HashSet<u64>,
    now: DateTime<Utc>,
) -> Person {
    let phone = loop {
        let prefix = data::PHONE_PREFIXES[rng.random_range(0..data::PHONE_PREFIXES.len())];
        let rest: u64 = rng.random_range(10_000_000..100_000_000);
        let key = prefix.parse::<u64>().unwrap_or(0) * 100_000_000 + rest;
        if phones.insert(key) {
            break format!("62{prefix}{rest}");
        }
    };
    let first = data::FIRST_NAMES[rng.random_range(0..data::FIRST_NAMES.len())];
    let last = data::LAST_NAMES[rng.random_range(0..data::LAST_NAMES.len())];
    let loc = &catalog.locations[rng.random_range(0..catalog.locations.len())];
    let email = rng.random_bool(0.3).then(|| {
        format!(
            "{}.{}{}@gmail.com",
            first.to_lowercase(),
            last.to_lowercase(),
            id % 1000
        )
    });
    let street = data::STREETS[rng.random_range(0..data::STREETS.len())];
    let address = format!("{street} No. {}, {}", rng.random_range(1..200), loc.city);
    let status = match rng.random_range(0..100) {
        0..90 => "active",
        90..97 => "inactive",
        _ => "suspended",
    };
    let created_at = now - Duration::seconds(rng.random_range(86_400..365 * 86_400));
    Person {
        id,
        phone,
        name: format!("{first} {last}"),
        email,
        address,
        location_id: loc.id,
        status,
        position: Position::default(),
        created_at,
        updated_at: created_at,
    }
}

/// Loads `opts.customers` customers and their ledgers; returns (customers, ledger entries).
pub(crate) fn load(
    conn: &mut PgConnection,
    opts: &DemoOptions,
    catalog: &Catalog,
    now: DateTime<Utc>,
    progress: &ProgressBar,
) -> Result<(usize, usize), DemoError> {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let count =
        i64::try_from(opts.customers).map_err(|_| DemoError::Invalid("too many customers"))?;
    {
        let deferred_customers = bulk::defer(conn, "customers", opts.customers)?;
        // about 2.4 entries per customer
        let deferred_ledger = bulk::defer(conn, "ledger_entries", opts.customers * 2)?;
        // ids up front, so ledger rows can reference customers loaded by the same COPY chunk
        let ids: Vec<Id> = diesel::sql_query(
            "SELECT nextval('customers_id_seq') AS id FROM generate_series(1, $1)",
        )
        .bind::<BigInt, _>(count)
        .load(conn)
        .step("reserving customer ids")?;
        let mut phones = HashSet::with_capacity(opts.customers);
        let mut ledger_total = 0;
        for chunk in ids.chunks(CHUNK) {
            let mut people: Vec<Person> = chunk
                .iter()
                .map(|id| person(&mut rng, id.id, catalog, &mut phones, now))
                .collect();
            let mut ledger = Vec::with_capacity(chunk.len() * 3);
            for p in &mut people {
                history(&mut rng, p, now, &mut ledger);
            }
            let rows: Vec<CustomerRow<'_>> = people
                .iter()
                .map(|p| CustomerRow {
                    id: p.id,
                    phone: &p.phone,
                    name: &p.name,
                    email: p.email.as_deref(),
                    address: Some(&p.address),
                    location_id: Some(p.location_id),
                    status: p.status,
                    balance: p.position.balance.as_decimal(),
                    debt: p.position.debt.as_decimal(),
                    notes: Some(DEMO_TAG),
                    created_at: p.created_at,
                    updated_at: p.updated_at,
                })
                .collect();
            diesel::copy_from(customers::table)
                .from_insertable(&rows)
                .execute(conn)
                .step("copying demo customers (a phone number already taken?)")?;
            diesel::copy_from(ledger_entries::table)
                .from_insertable(&ledger)
                .execute(conn)
                .step("copying demo ledger entries")?;
            ledger_total += ledger.len();
            progress.inc(chunk.len() as u64);
        }
        progress.set_message("indexing customers");
        for deferred in [deferred_customers, deferred_ledger].into_iter().flatten() {
            deferred.restore(conn)?;
        }
        Ok((ids.len(), ledger_total))
    }
}
