//! Row types per table: `X` (read), `NewX` (insert), `XChanges` (update).
//!
//! Status columns are `String` here (diesel cannot map `domain` enums without making `domain`
//! depend on diesel); each read type has a typed accessor that parses them.

mod catalog;
mod customer;
mod location;
mod voucher;

pub use catalog::{
    NewProfile, NewProfileLocation, NewVendor, Profile, ProfileChanges, ProfileLocation, Vendor,
    VendorChanges,
};
pub use customer::{Customer, CustomerChanges, LedgerEntry, NewCustomer, NewLedgerEntry};
pub use location::{Location, LocationChanges, NewLocation, NewRouter, Router, RouterChanges};
pub use voucher::{NewVoucher, NewVoucherBatch, Voucher, VoucherBatch, VoucherChanges};
pub mod admin;
pub mod audit;
pub mod setting;
