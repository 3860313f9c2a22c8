//! Rows of `customers` and `ledger_entries`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::status::{ActorKind, CustomerStatus, LedgerEntryType, UnknownStatus};
use rust_decimal::Decimal;

use crate::schema::{customers, ledger_entries};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = customers, check_for_backend(diesel::pg::Pg))]
pub struct Customer {
    pub id: i64,
    pub phone: String,
    pub name: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub location_id: Option<i64>,
    pub status: String,
    pub balance: Decimal,
    pub debt: Decimal,
    pub notes: Option<String>,
    pub portal_password_hash: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    pub fn status(&self) -> Result<CustomerStatus, UnknownStatus> {
        self.status.parse()
    }
}

/// A new customer; balance and debt start at zero and move only through ledger entries.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = customers)]
pub struct NewCustomer<'a> {
    pub phone: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub address: Option<&'a str>,
    pub location_id: Option<i64>,
    pub status: &'a str,
    pub notes: Option<&'a str>,
}

/// Profile fields only: balance and debt change through the ledger, never a plain update.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = customers)]
pub struct CustomerChanges {
    pub phone: Option<String>,
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub location_id: Option<Option<i64>>,
    pub status: Option<String>,
    pub notes: Option<Option<String>>,
    pub portal_password_hash: Option<Option<String>>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = ledger_entries, check_for_backend(diesel::pg::Pg))]
pub struct LedgerEntry {
    pub id: i64,
    pub customer_id: i64,
    pub entry_type: String,
    pub amount: Decimal,
    pub balance_before: Decimal,
    pub balance_after: Decimal,
    pub debt_before: Decimal,
    pub debt_after: Decimal,
    pub payment_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub reference: Option<String>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl LedgerEntry {
    pub fn entry_type(&self) -> Result<LedgerEntryType, UnknownStatus> {
        self.entry_type.parse()
    }

    pub fn actor_kind(&self) -> Result<ActorKind, UnknownStatus> {
        self.actor_kind.parse()
    }
}

/// Ledger rows are append-only: there is no changeset type.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct NewLedgerEntry<'a> {
    pub customer_id: i64,
    pub entry_type: &'a str,
    pub amount: Decimal,
    pub balance_before: Decimal,
    pub balance_after: Decimal,
    pub debt_before: Decimal,
    pub debt_after: Decimal,
    pub payment_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub reference: Option<&'a str>,
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub note: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}
