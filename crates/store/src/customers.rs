//! Repository of `customers`: create, read, profile updates, soft delete, the filtered
//! keyset listing and the one-query summary. Balance and debt are never written here; they
//! move only through [`crate::ledger::post`].

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Numeric, Text, Timestamptz};
use rust_decimal::Decimal;

use crate::models::{Customer, CustomerChanges, NewCustomer};
use crate::schema::customers;

diesel::define_sql_function! {
    /// SQL `lower(text)`; unlike a `dsl::sql` fragment it keeps the query's prepared
    /// statement cacheable.
    fn lower(x: Text) -> Text;
}

/// What `q` was understood as: the start of a phone number (already in `62…` form) or
/// the start of a name (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    PhonePrefix(String),
    Name(String),
}

/// Filters of the customer listing, combined with AND; deleted customers never appear.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Exact, normalised phone.
    pub phone: Option<String>,
    pub search: Option<Search>,
    pub status: Option<String>,
    pub location_id: Option<i64>,
}

/// Escapes LIKE wildcards so user text matches literally.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn insert(conn: &mut PgConnection, new: &NewCustomer<'_>) -> QueryResult<Customer> {
    diesel::insert_into(customers::table)
        .values(new)
        .returning(Customer::as_returning())
        .get_result(conn)
}

/// A live (not deleted) customer; `NotFound` otherwise.
pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Customer> {
    customers::table
        .find(id)
        .filter(customers::deleted_at.is_null())
        .select(Customer::as_select())
        .first(conn)
}

/// The live customer with this normalised phone.
pub fn by_phone(conn: &mut PgConnection, phone: &str) -> QueryResult<Option<Customer>> {
    customers::table
        .filter(customers::phone.eq(phone))
        .filter(customers::deleted_at.is_null())
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

/// Updates profile fields of a live customer and returns the row before and after.
pub fn update(
    conn: &mut PgConnection,
    id: i64,
    changes: &CustomerChanges,
) -> QueryResult<(Customer, Customer)> {
    conn.transaction(|conn| {
        let before = customers::table
            .find(id)
            .filter(customers::deleted_at.is_null())
            .select(Customer::as_select())
            .for_update()
            .first(conn)?;
        let after = diesel::update(customers::table.find(id))
            .set(changes)
            .returning(Customer::as_returning())
            .get_result(conn)?;
        Ok((before, after))
    })
}

/// Marks a live customer deleted; the row and its ledger stay for history, the phone
/// becomes free for a new registration.
pub fn soft_delete(conn: &mut PgConnection, id: i64) -> QueryResult<Customer> {
    diesel::update(
        customers::table
            .find(id)
            .filter(customers::deleted_at.is_null()),
    )
    .set(customers::deleted_at.eq(diesel::dsl::now))
    .returning(Customer::as_returning())
    .get_result(conn)
}

/// Live customers matching `filter`, ordered by id, after the keyset cursor `after_id`.
pub fn list(
    conn: &mut PgConnection,
    filter: &CustomerFilter,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Customer>> {
    let mut q = customers::table
        .filter(customers::deleted_at.is_null())
        .select(Customer::as_select())
        .order(customers::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        q = q.filter(customers::id.gt(after));
    }
    if let Some(phone) = &filter.phone {
        q = q.filter(customers::phone.eq(phone.clone()));
    }
    if let Some(status) = &filter.status {
        q = q.filter(customers::status.eq(status.clone()));
    }
    if let Some(location) = filter.location_id {
        q = q.filter(customers::location_id.eq(location));
    }
    match &filter.search {
        Some(Search::PhonePrefix(prefix)) => {
            q = q.filter(customers::phone.like(format!("{}%", like_literal(prefix))));
        }
        Some(Search::Name(text)) => {
            // lower(name) LIKE 'x%' uses the text_pattern_ops index with good estimates.
            // A word-anywhere match (trigram) was tried: its row estimates are so poor that
            // a common surname took ~40 ms on 100k customers instead of < 1 ms.
            let text = like_literal(&text.to_lowercase());
            q = q.filter(lower(customers::name).like(format!("{text}%")));
        }
        None => {}
    }
    q.load(conn)
}

/// A customer's money position and services at a glance.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct CustomerSummary {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Numeric)]
    pub balance: Decimal,
    #[diesel(sql_type = Numeric)]
    pub debt: Decimal,
    /// Bought vouchers not yet expired or disabled.
    #[diesel(sql_type = BigInt)]
    pub active_vouchers: i64,
    /// Subscriptions that are active or in their grace period.
    #[diesel(sql_type = BigInt)]
    pub active_subscriptions: i64,
    /// The newest money-in ledger entry.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub last_payment_entry_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_payment_type: Option<String>,
    /// Money paid in by that entry (balance change minus debt change).
    #[diesel(sql_type = Nullable<Numeric>)]
    pub last_payment_amount: Option<Decimal>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_payment_at: Option<DateTime<Utc>>,
}

/// The customer id is bound after this text; the newest money-in entry (top_up, pay_debt,
/// payment) is the "last payment".
const SUMMARY_SQL: &str = "SELECT c.id, c.status, c.balance, c.debt,
        (SELECT count(*) FROM vouchers v
          WHERE v.sold_to_customer_id = c.id AND v.status IN ('unused', 'active')) AS active_vouchers,
        (SELECT count(*) FROM subscriptions s
          WHERE s.customer_id = c.id AND s.status IN ('active', 'grace')) AS active_subscriptions,
        p.id AS last_payment_entry_id, p.entry_type AS last_payment_type,
        p.amount - (p.debt_after - p.debt_before) AS last_payment_amount,
        p.created_at AS last_payment_at
   FROM customers c
   LEFT JOIN LATERAL (
        SELECT l.id, l.entry_type, l.amount, l.debt_before, l.debt_after, l.created_at
          FROM ledger_entries l
         WHERE l.customer_id = c.id AND l.entry_type IN ('top_up', 'pay_debt', 'payment')
         ORDER BY l.id DESC LIMIT 1) p ON true
  WHERE c.deleted_at IS NULL AND c.id = ";

/// The summary query as a type of its own: diesel never caches a `sql_query`'s prepared
/// statement, and planning this one costs several times its execution (1.2 ms vs 0.16 ms
/// measured); a static query id lets the connection keep it prepared.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct SummaryQuery {
    id: i64,
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for SummaryQuery {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(SUMMARY_SQL);
        out.push_bind_param::<BigInt, _>(&self.id)?;
        Ok(())
    }
}

impl diesel::query_builder::Query for SummaryQuery {
    type SqlType = diesel::sql_types::Untyped;
}

impl RunQueryDsl<PgConnection> for SummaryQuery {}

/// The summary of a live customer in one round trip, or `None`.
pub fn summary(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CustomerSummary>> {
    SummaryQuery { id }.get_result(conn).optional()
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_literal("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
