//! The customer ledger: [`post`] is the one use case that changes a balance or debt (row
//! lock, domain rule, update, append-only entry, caller's audit row — one transaction), and
//! the reads of the entries.

use diesel::prelude::*;
use domain::ledger::{self, LedgerError, Operation, Position};
use domain::money::Money;
use domain::status::ActorKind;
use rust_decimal::Decimal;

use crate::models::{LedgerEntry, NewLedgerEntry};
use crate::schema::{customers, ledger_entries};

/// Who asked for the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
}

/// A requested change of one customer's money, with what it refers to.
#[derive(Debug, Clone)]
pub struct Posting<'a> {
    pub customer_id: i64,
    pub operation: Operation,
    pub actor: Actor,
    /// Free text; an adjustment's reason is stored here when no note is given.
    pub note: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub payment_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub subscription_id: Option<i64>,
    /// A client's `Idempotency-Key`: a second posting with it returns the first entry.
    pub idempotency_key: Option<&'a str>,
}

/// The result of a posting.
#[derive(Debug, Clone, PartialEq)]
pub enum Posted {
    /// The entry just written.
    New(LedgerEntry),
    /// The idempotency key was used before: the entry it wrote, nothing changed now.
    Replayed(LedgerEntry),
}

impl Posted {
    pub fn entry(&self) -> &LedgerEntry {
        match self {
            Posted::New(e) | Posted::Replayed(e) => e,
        }
    }
}

/// Why nothing was posted.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("customer not found")]
    CustomerNotFound,
    #[error(transparent)]
    Refused(#[from] LedgerError),
    #[error("the idempotency key was already used for a {previous} entry")]
    KeyReused { previous: String },
    #[error("stored amount out of range: {0}")]
    Corrupt(#[from] domain::money::MoneyError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Applies `posting` in one transaction: locks the customer row (so concurrent postings
/// serialise), applies the domain rule, updates balance/debt, appends the entry, then runs
/// `after` (e.g. the audit row) in the same transaction. A refusal writes nothing.
pub fn post<F>(
    conn: &mut PgConnection,
    posting: &Posting<'_>,
    after: F,
) -> Result<Posted, PostError>
where
    F: FnOnce(&mut PgConnection, &LedgerEntry) -> QueryResult<()>,
{
    conn.transaction(|conn| {
        let (balance, debt): (Decimal, Decimal) = customers::table
            .find(posting.customer_id)
            .filter(customers::deleted_at.is_null())
            .select((customers::balance, customers::debt))
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(PostError::CustomerNotFound)?;
        // checked under the lock: a concurrent retry with the same key waits, then sees it
        if let Some(key) = posting.idempotency_key {
            let previous = ledger_entries::table
                .filter(ledger_entries::customer_id.eq(posting.customer_id))
                .filter(ledger_entries::idempotency_key.eq(key))
                .select(LedgerEntry::as_select())
                .first(conn)
                .optional()?;
            if let Some(previous) = previous {
                if previous.entry_type != posting.operation.entry_type().as_str() {
                    return Err(PostError::KeyReused {
                        previous: previous.entry_type,
                    });
                }
                return Ok(Posted::Replayed(previous));
            }
        }
        let before = Position {
            balance: Money::try_from(balance)?,
            debt: Money::try_from(debt)?,
        };
        let applied = ledger::apply(before, &posting.operation)?;
        diesel::update(customers::table.find(posting.customer_id))
            .set((
                customers::balance.eq(applied.after.balance.as_decimal()),
                customers::debt.eq(applied.after.debt.as_decimal()),
            ))
            .execute(conn)?;
        let note = posting
            .note
            .or_else(|| posting.operation.reason().map(|r| r.as_str()));
        let entry = diesel::insert_into(ledger_entries::table)
            .values(&NewLedgerEntry {
                customer_id: posting.customer_id,
                entry_type: applied.entry_type.as_str(),
                amount: applied.amount.as_decimal(),
                balance_before: applied.before.balance.as_decimal(),
                balance_after: applied.after.balance.as_decimal(),
                debt_before: applied.before.debt.as_decimal(),
                debt_after: applied.after.debt.as_decimal(),
                payment_id: posting.payment_id,
                voucher_id: posting.voucher_id,
                subscription_id: posting.subscription_id,
                reference: posting.reference,
                actor_kind: posting.actor.kind.as_str(),
                actor_id: posting.actor.id,
                note,
                idempotency_key: posting.idempotency_key,
            })
            .returning(LedgerEntry::as_returning())
            .get_result(conn)?;
        after(conn, &entry)?;
        Ok(Posted::New(entry))
    })
}

/// A customer's entries, newest first, before the keyset cursor `before_id`. Each entry's
/// `balance_after` is the running balance.
pub fn list(
    conn: &mut PgConnection,
    customer_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LedgerEntry>> {
    let mut q = ledger_entries::table
        .filter(ledger_entries::customer_id.eq(customer_id))
        .select(LedgerEntry::as_select())
        .order(ledger_entries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before_id {
        q = q.filter(ledger_entries::id.lt(before));
    }
    q.load(conn)
}

/// Sums of balance changes and of debt changes over all of a customer's entries: they
/// equal the customer's balance and debt when the ledger is consistent.
pub fn totals(conn: &mut PgConnection, customer_id: i64) -> QueryResult<(Decimal, Decimal)> {
    let (amount, debt): (Option<Decimal>, Option<Decimal>) = ledger_entries::table
        .filter(ledger_entries::customer_id.eq(customer_id))
        .select((
            diesel::dsl::sum(ledger_entries::amount),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Numeric>>(
                "sum(debt_after - debt_before)",
            ),
        ))
        .first(conn)?;
    Ok((
        amount.unwrap_or(Decimal::ZERO),
        debt.unwrap_or(Decimal::ZERO),
    ))
}
