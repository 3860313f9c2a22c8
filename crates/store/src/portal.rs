//! Reads behind the customer self-service API, always scoped to one customer id: the
//! login lookup, bought vouchers, PPPoE subscriptions and payments.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::schema::{customers, payments, pppoe_users, profiles, subscriptions, vouchers};

/// What a portal login needs to know about the customer owning a phone.
#[derive(Debug, Clone, Queryable)]
pub struct PortalLogin {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub password_hash: Option<String>,
}

/// The live customer with this normalised phone, for a login attempt.
pub fn find_login(conn: &mut PgConnection, phone: &str) -> QueryResult<Option<PortalLogin>> {
    customers::table
        .filter(customers::phone.eq(phone))
        .filter(customers::deleted_at.is_null())
        .select((
            customers::id,
            customers::name,
            customers::status,
            customers::portal_password_hash,
        ))
        .first(conn)
        .optional()
}

/// A voucher sold to the customer.
#[derive(Debug, Clone, Queryable)]
pub struct VoucherService {
    pub id: i64,
    pub code: String,
    pub status: String,
    pub profile: String,
    pub price_sell: Decimal,
    pub sold_at: Option<DateTime<Utc>>,
    pub first_login_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// A PPPoE subscription of the customer.
#[derive(Debug, Clone, Queryable)]
pub struct SubscriptionService {
    pub id: i64,
    pub status: String,
    pub profile: String,
    pub username: Option<String>,
    pub price: Decimal,
    pub period_days: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
}

/// Most services listed per kind; a household rarely has more.
pub const SERVICES_LIMIT: i64 = 200;

pub fn vouchers_of(conn: &mut PgConnection, customer_id: i64) -> QueryResult<Vec<VoucherService>> {
    vouchers::table
        .inner_join(profiles::table)
        .filter(vouchers::sold_to_customer_id.eq(customer_id))
        .select((
            vouchers::id,
            vouchers::code,
            vouchers::status,
            profiles::name,
            vouchers::price_sell,
            vouchers::sold_at,
            vouchers::first_login_at,
            vouchers::valid_until,
        ))
        .order(vouchers::id.desc())
        .limit(SERVICES_LIMIT)
        .load(conn)
}

pub fn subscriptions_of(
    conn: &mut PgConnection,
    customer_id: i64,
) -> QueryResult<Vec<SubscriptionService>> {
    subscriptions::table
        .inner_join(profiles::table)
        .left_join(pppoe_users::table)
        .filter(subscriptions::customer_id.eq(customer_id))
        .select((
            subscriptions::id,
            subscriptions::status,
            profiles::name,
            pppoe_users::username.nullable(),
            subscriptions::price,
            subscriptions::period_days,
            subscriptions::expires_at,
            subscriptions::auto_renew,
        ))
        .order(subscriptions::id.desc())
        .limit(SERVICES_LIMIT)
        .load(conn)
}

/// A payment as the customer sees it (no gateway internals).
#[derive(Debug, Clone, Queryable)]
pub struct CustomerPayment {
    pub id: i64,
    pub plugin: String,
    pub merchant_ref: String,
    pub amount: Decimal,
    pub fee: Decimal,
    pub total: Decimal,
    pub status: String,
    pub purpose: String,
    pub description: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The customer's payments, newest first, before the keyset cursor `before_id`.
pub fn payments_of(
    conn: &mut PgConnection,
    customer_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CustomerPayment>> {
    let mut q = payments::table
        .filter(payments::customer_id.eq(customer_id))
        .select((
            payments::id,
            payments::plugin,
            payments::merchant_ref,
            payments::amount,
            payments::fee,
            payments::total,
            payments::status,
            payments::purpose,
            payments::description,
            payments::paid_at,
            payments::created_at,
        ))
        .order(payments::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before_id {
        q = q.filter(payments::id.lt(before));
    }
    q.load(conn)
}
