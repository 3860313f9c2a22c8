//! Rows of `profiles`, `profile_locations` and `vendors`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::status::{ProfileType, UnknownStatus};
use rust_decimal::Decimal;

use crate::schema::{profile_locations, profiles, vendors};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = profiles, check_for_backend(diesel::pg::Pg))]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub profile_type: String,
    pub router_profile: String,
    pub validity: String,
    pub validity_seconds: i64,
    pub rate_limit: Option<String>,
    pub shared_users: i32,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
    pub active: bool,
    pub description: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    pub fn profile_type(&self) -> Result<ProfileType, UnknownStatus> {
        self.profile_type.parse()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = profiles)]
pub struct NewProfile<'a> {
    pub name: &'a str,
    pub profile_type: &'a str,
    pub router_profile: &'a str,
    pub validity: &'a str,
    pub validity_seconds: i64,
    pub rate_limit: Option<&'a str>,
    pub shared_users: i32,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
    pub active: bool,
    pub description: Option<&'a str>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = profiles)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub router_profile: Option<String>,
    pub validity: Option<String>,
    pub validity_seconds: Option<i64>,
    pub rate_limit: Option<Option<String>>,
    pub shared_users: Option<i32>,
    pub price_cost: Option<Decimal>,
    pub price_sell: Option<Decimal>,
    pub active: Option<bool>,
    pub description: Option<Option<String>>,
    pub deleted_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = profile_locations, check_for_backend(diesel::pg::Pg))]
pub struct ProfileLocation {
    pub profile_id: i64,
    pub location_id: i64,
}

/// Same shape as [`ProfileLocation`]; named for symmetry with the other tables.
pub type NewProfileLocation = ProfileLocation;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = vendors, check_for_backend(diesel::pg::Pg))]
pub struct Vendor {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub contact_name: Option<String>,
    pub address: Option<String>,
    pub location_id: Option<i64>,
    pub discount_percent: Decimal,
    pub balance: Decimal,
    pub debt: Decimal,
    pub active: bool,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vendors)]
pub struct NewVendor<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub address: Option<&'a str>,
    pub location_id: Option<i64>,
    pub discount_percent: Decimal,
    pub active: bool,
    pub notes: Option<&'a str>,
}

/// Contact fields only: balance and debt move through the operations that justify them.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = vendors)]
pub struct VendorChanges {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub location_id: Option<Option<i64>>,
    pub discount_percent: Option<Decimal>,
    pub active: Option<bool>,
    pub notes: Option<Option<String>>,
}
