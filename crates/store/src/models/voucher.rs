//! Rows of `voucher_batches` and `vouchers`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::status::{UnknownStatus, VoucherStatus};
use rust_decimal::Decimal;

use crate::schema::{voucher_batches, vouchers};

/// A batch is immutable once generated (no changeset): its vouchers carry the state.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = voucher_batches, check_for_backend(diesel::pg::Pg))]
pub struct VoucherBatch {
    pub id: i64,
    pub prefix: String,
    pub quantity: i32,
    pub profile_id: i64,
    pub vendor_id: Option<i64>,
    pub location_id: Option<i64>,
    pub router_id: Option<i64>,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
    pub code_length: i32,
    pub charset: String,
    pub created_by: Option<i64>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = voucher_batches)]
pub struct NewVoucherBatch<'a> {
    pub prefix: &'a str,
    pub quantity: i32,
    pub profile_id: i64,
    pub vendor_id: Option<i64>,
    pub location_id: Option<i64>,
    pub router_id: Option<i64>,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
    pub code_length: i32,
    pub charset: &'a str,
    pub created_by: Option<i64>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = vouchers, check_for_backend(diesel::pg::Pg))]
pub struct Voucher {
    pub id: i64,
    pub batch_id: i64,
    pub code: String,
    pub password: String,
    pub profile_id: i64,
    pub location_id: Option<i64>,
    pub router_id: Option<i64>,
    pub status: String,
    pub price_sell: Decimal,
    pub sold_at: Option<DateTime<Utc>>,
    pub sold_to_customer_id: Option<i64>,
    pub first_login_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Voucher {
    pub fn status(&self) -> Result<VoucherStatus, UnknownStatus> {
        self.status.parse()
    }
}

/// Insert and COPY shape. `treat_none_as_default_value = false` is what diesel's
/// `copy_from(..).from_insertable(..)` needs; every column here either has a value or is
/// nullable, so `None` meaning NULL is also right for plain INSERTs.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vouchers, treat_none_as_default_value = false)]
pub struct NewVoucher<'a> {
    pub batch_id: i64,
    pub code: &'a str,
    pub password: &'a str,
    pub profile_id: i64,
    pub location_id: Option<i64>,
    pub router_id: Option<i64>,
    pub status: &'a str,
    pub price_sell: Decimal,
    pub sold_at: Option<DateTime<Utc>>,
    pub sold_to_customer_id: Option<i64>,
    pub first_login_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// State changes of a voucher as it is sold, used, expired or disabled.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = vouchers)]
pub struct VoucherChanges {
    pub status: Option<String>,
    pub router_id: Option<Option<i64>>,
    pub sold_at: Option<Option<DateTime<Utc>>>,
    pub sold_to_customer_id: Option<Option<i64>>,
    pub first_login_at: Option<Option<DateTime<Utc>>>,
    pub valid_until: Option<Option<DateTime<Utc>>>,
    pub expired_at: Option<Option<DateTime<Utc>>>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
}
