//! CHECK constraints refuse bad rows; the models round-trip good ones.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use domain::status::{CustomerStatus, ProfileType, VoucherStatus};
use rust_decimal_macros::dec;
use store::models::*;
use store::schema::{customers, locations, profiles, vendors, voucher_batches, vouchers};
use store::testing::TestDb;

fn assert_check_violation<T: std::fmt::Debug>(result: QueryResult<T>, constraint: &str) {
    match result {
        Err(Error::DatabaseError(DatabaseErrorKind::CheckViolation, info)) => {
            assert_eq!(
                info.constraint_name(),
                Some(constraint),
                "{}",
                info.message()
            );
        }
        other => panic!("expected CHECK {constraint} to refuse the row, got {other:?}"),
    }
}

fn new_customer(phone: &str) -> NewCustomer<'_> {
    NewCustomer {
        phone,
        name: "Budi Santoso",
        email: None,
        address: Some("Jl. Melati No. 5, Bandung"),
        location_id: None,
        status: CustomerStatus::Active.as_str(),
        notes: None,
    }
}

fn hotspot_profile<'a>(name: &'a str) -> NewProfile<'a> {
    NewProfile {
        name,
        profile_type: ProfileType::Hotspot.as_str(),
        router_profile: "hs-1hari",
        validity: "1d",
        validity_seconds: 86_400,
        rate_limit: Some("2M/2M"),
        shared_users: 1,
        price_cost: dec!(4000),
        price_sell: dec!(5000),
        active: true,
        description: None,
    }
}

#[tokio::test]
async fn customer_checks_refuse_bad_phone_negative_money_and_unknown_status() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let c: Customer = diesel::insert_into(customers::table)
        .values(new_customer("6281234567890"))
        .returning(Customer::as_returning())
        .get_result(conn)
        .unwrap();
    assert_eq!(c.status().unwrap(), CustomerStatus::Active);
    assert_eq!(c.balance, dec!(0));

    for bad in [
        "081234567890",
        "+6281234567890",
        "62812",
        "6281234567890123",
        "62812345678a",
    ] {
        let r = diesel::insert_into(customers::table)
            .values(new_customer(bad))
            .execute(conn);
        assert_check_violation(r, "customers_phone_format");
    }
    let dup = diesel::insert_into(customers::table)
        .values(new_customer("6281234567890"))
        .execute(conn);
    assert!(matches!(
        dup,
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
    ));

    let r = diesel::update(customers::table.find(c.id))
        .set(customers::balance.eq(dec!(-0.01)))
        .execute(conn);
    assert_check_violation(r, "customers_balance_check");
    let r = diesel::update(customers::table.find(c.id))
        .set(customers::debt.eq(dec!(-1)))
        .execute(conn);
    assert_check_violation(r, "customers_debt_check");
    let r = diesel::update(customers::table.find(c.id))
        .set(CustomerChanges {
            status: Some("deleted".into()),
            ..Default::default()
        })
        .execute(conn);
    assert_check_violation(r, "customers_status_check");

    let before = c.updated_at;
    let after: Customer = diesel::update(customers::table.find(c.id))
        .set(CustomerChanges {
            name: Some("Budi S.".into()),
            ..Default::default()
        })
        .returning(Customer::as_returning())
        .get_result(conn)
        .unwrap();
    assert!(after.updated_at > before, "the trigger bumps updated_at");
}

#[tokio::test]
async fn profile_and_batch_prices_must_keep_sell_at_or_above_cost() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let mut cheap = hotspot_profile("Murah");
    cheap.price_sell = dec!(3000);
    assert_check_violation(
        diesel::insert_into(profiles::table)
            .values(&cheap)
            .execute(conn),
        "profiles_price_check",
    );
    let mut negative = hotspot_profile("Minus");
    negative.price_cost = dec!(-1);
    negative.price_sell = dec!(0);
    assert_check_violation(
        diesel::insert_into(profiles::table)
            .values(&negative)
            .execute(conn),
        "profiles_price_check",
    );
    let mut bad_type = hotspot_profile("Aneh");
    bad_type.profile_type = "dialup";
    assert_check_violation(
        diesel::insert_into(profiles::table)
            .values(&bad_type)
            .execute(conn),
        "profiles_profile_type_check",
    );
    let equal = NewProfile {
        price_cost: dec!(5000),
        ..hotspot_profile("Impas")
    };
    diesel::insert_into(profiles::table)
        .values(&equal)
        .execute(conn)
        .unwrap();

    let profile: Profile = diesel::insert_into(profiles::table)
        .values(hotspot_profile("Harian"))
        .get_result(conn)
        .unwrap();
    let batch = NewVoucherBatch {
        prefix: "HS-",
        quantity: 10,
        profile_id: profile.id,
        vendor_id: None,
        location_id: None,
        router_id: None,
        price_cost: dec!(5000),
        price_sell: dec!(4000),
        code_length: 8,
        charset: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        created_by: None,
        note: None,
    };
    assert_check_violation(
        diesel::insert_into(voucher_batches::table)
            .values(&batch)
            .execute(conn),
        "voucher_batches_price_check",
    );
    let vendor = NewVendor {
        name: "Konter",
        phone: Some("0812"),
        contact_name: None,
        address: None,
        location_id: None,
        discount_percent: dec!(10),
        active: true,
        notes: None,
    };
    assert_check_violation(
        diesel::insert_into(vendors::table)
            .values(&vendor)
            .execute(conn),
        "vendors_phone_format",
    );
}

#[tokio::test]
async fn voucher_codes_accept_generated_shapes_and_refuse_others() {
    let db = TestDb::new().await;
    let conn = &mut db.connect();
    let loc: Location = diesel::insert_into(locations::table)
        .values(NewLocation {
            name: "Bandung",
            address: None,
            timezone: "Asia/Jakarta",
            notes: None,
        })
        .get_result(conn)
        .unwrap();
    let profile: Profile = diesel::insert_into(profiles::table)
        .values(hotspot_profile("Harian"))
        .get_result(conn)
        .unwrap();
    let batch: VoucherBatch = diesel::insert_into(voucher_batches::table)
        .values(NewVoucherBatch {
            prefix: "HS-",
            quantity: 3,
            profile_id: profile.id,
            vendor_id: None,
            location_id: Some(loc.id),
            router_id: None,
            price_cost: dec!(4000),
            price_sell: dec!(5000),
            code_length: 8,
            charset: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789",
            created_by: None,
            note: None,
        })
        .get_result(conn)
        .unwrap();
    let voucher = |code: &'static str, status: &'static str| NewVoucher {
        batch_id: batch.id,
        code,
        password: code,
        profile_id: profile.id,
        location_id: Some(loc.id),
        router_id: None,
        status,
        price_sell: dec!(5000),
        sold_at: None,
        sold_to_customer_id: None,
        first_login_at: None,
        valid_until: None,
        expired_at: None,
        disabled_at: None,
    };
    for good in [
        "HS-AB3DE7GH",
        "JKT1-K7M2P9Q4",
        "ABC234",
        "A1B2C3D4E5F6G7H8J9K0",
        "X-Y-ZZABCDEF",
    ] {
        let v: Voucher = diesel::insert_into(vouchers::table)
            .values(voucher(good, VoucherStatus::Unused.as_str()))
            .get_result(conn)
            .unwrap();
        assert_eq!(v.status().unwrap(), VoucherStatus::Unused);
    }
    // 16-character prefix + 20 random characters: the longest code there is
    let longest = "ABCDEFGHIJKLMNO-ABCDEFGHJKLMNPQRSTUV";
    assert_eq!(longest.len(), 36);
    diesel::insert_into(vouchers::table)
        .values(voucher(longest, "unused"))
        .execute(conn)
        .unwrap();
    for bad in [
        "HS-ABC",
        "-ABCDEFGH",
        "HS_ABCDEFGH",
        "HS-ABCD-EF",
        "ABCDEFGHJKLMNPQRSTUVW-",
        "kode voucher",
        "ABCDEFGHIJKLMNOP-ABCDEF",
        "ABCDEFGHIJKLMNO-ABCDEFGHJKLMNPQRSTUVW",
        "ABCDE",
    ] {
        assert_check_violation(
            diesel::insert_into(vouchers::table)
                .values(voucher(bad, "unused"))
                .execute(conn),
            "vouchers_code_format",
        );
    }
    assert_check_violation(
        diesel::insert_into(vouchers::table)
            .values(voucher("HS-QQQQQQQQ", "sold"))
            .execute(conn),
        "vouchers_status_check",
    );
    let dup = diesel::insert_into(vouchers::table)
        .values(voucher("ABC234", "unused"))
        .execute(conn);
    assert!(matches!(
        dup,
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
    ));
}
