//! Demo voucher batches and their vouchers: unique codes, a realistic mix of states.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::bulk;
use super::catalog::{Catalog, CatalogProfile};
use super::data::{VOUCHER_CHARSET, VOUCHER_CODE_LENGTH};
use super::{DEMO_TAG, DemoError, DemoOptions, Step};
use crate::schema::{voucher_batches, vouchers};

const BATCH_SIZE: usize = 500;
const CHUNK: usize = 50_000;

#[derive(Insertable)]
#[diesel(table_name = voucher_batches, treat_none_as_default_value = false)]
struct BatchRow {
    prefix: String,
    quantity: i32,
    profile_id: i64,
    vendor_id: Option<i64>,
    location_id: Option<i64>,
    router_id: Option<i64>,
    price_cost: Decimal,
    price_sell: Decimal,
    code_length: i32,
    charset: &'static str,
    note: Option<&'static str>,
    created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = vouchers, treat_none_as_default_value = false)]
struct VoucherRow<'a> {
    batch_id: i64,
    code: &'a str,
    password: &'a str,
    profile_id: i64,
    location_id: Option<i64>,
    router_id: Option<i64>,
    status: &'static str,
    price_sell: Decimal,
    sold_at: Option<DateTime<Utc>>,
    first_login_at: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A planned batch, before and after it has an id.
struct Batch {
    id: i64,
    row: BatchRow,
    validity: i64,
}

/// The random part of a code: 8 characters of a 32-character alphabet are exactly 40 bits.
fn random_part(bits: u64) -> [u8; VOUCHER_CODE_LENGTH] {
    let mut out = [0u8; VOUCHER_CODE_LENGTH];
    for (i, c) in out.iter_mut().enumerate() {
        *c = VOUCHER_CHARSET[((bits >> (5 * i)) & 31) as usize];
    }
    out
}

fn pick_profile<'a>(rng: &mut StdRng, hotspot: &[&'a CatalogProfile]) -> &'a CatalogProfile {
    // daily vouchers sell most, monthly least
    let weights = [30, 45, 17, 8];
    let mut roll = rng.random_range(0..weights.iter().take(hotspot.len()).sum::<i32>().max(1));
    for (p, w) in hotspot.iter().zip(weights) {
        if roll < w {
            return p;
        }
        roll -= w;
    }
    hotspot[0]
}

fn plan_batches(
    rng: &mut StdRng,
    opts: &DemoOptions,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Vec<Batch> {
    let hotspot: Vec<&CatalogProfile> = catalog.hotspot_profiles().collect();
    let mut left = opts.vouchers;
    let mut batches = Vec::new();
    while left > 0 && !hotspot.is_empty() {
        let quantity = left.min(BATCH_SIZE);
        left -= quantity;
        let loc = &catalog.locations[rng.random_range(0..catalog.locations.len())];
        let profile = pick_profile(rng, &hotspot);
        let vendor = (rng.random_bool(0.5) && !catalog.vendors.is_empty())
            .then(|| catalog.vendors[rng.random_range(0..catalog.vendors.len())]);
        let router =
            (!loc.routers.is_empty()).then(|| loc.routers[rng.random_range(0..loc.routers.len())]);
        batches.push(Batch {
            id: 0,
            validity: profile.spec.validity_seconds,
            row: BatchRow {
                prefix: format!("{}-", loc.code),
                quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
                profile_id: profile.id,
                vendor_id: vendor,
                location_id: Some(loc.id),
                router_id: router,
                price_cost: Decimal::from(profile.spec.cost),
                price_sell: Decimal::from(profile.spec.sell),
                code_length: VOUCHER_CODE_LENGTH as i32,
                charset: std::str::from_utf8(VOUCHER_CHARSET)
                    .unwrap_or("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
                note: Some(DEMO_TAG),
                created_at: now - Duration::seconds(rng.random_range(3_600..180 * 86_400)),
            },
        });
    }
    batches
}

struct State {
    status: &'static str,
    sold_at: Option<DateTime<Utc>>,
    first_login_at: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

/// unused 62 %, active 18 %, expired 17 %, disabled 3 %; times consistent with the batch.
fn state(rng: &mut StdRng, created: DateTime<Utc>, validity: i64, now: DateTime<Utc>) -> State {
    let age = (now - created).num_seconds().max(2);
    let unused = State {
        status: "unused",
        sold_at: None,
        first_login_at: None,
        valid_until: None,
        expired_at: None,
        disabled_at: None,
        updated_at: created,
    };
    match rng.random_range(0..100) {
        0..62 => unused,
        62..80 => {
            // logged in recently enough to still be running
            let since = rng.random_range(1..validity.min(age).max(2));
            let login = now - Duration::seconds(since);
            State {
                status: "active",
                sold_at: Some(login - Duration::seconds(rng.random_range(60..3_600))),
                first_login_at: Some(login),
                valid_until: Some(login + Duration::seconds(validity)),
                updated_at: login,
                ..unused
            }
        }
        80..97 if age > validity + 60 => {
            let login = created + Duration::seconds(rng.random_range(1..(age - validity).max(2)));
            let until = login + Duration::seconds(validity);
            let expired = until + Duration::seconds(rng.random_range(1..300));
            State {
                status: "expired",
                sold_at: Some(login - Duration::seconds(rng.random_range(60..3_600))),
                first_login_at: Some(login),
                valid_until: Some(until),
                expired_at: Some(expired),
                updated_at: expired,
                ..unused
            }
        }
        97.. => {
            let at = created + Duration::seconds(rng.random_range(1..age));
            State {
                status: "disabled",
                disabled_at: Some(at),
                updated_at: at,
                ..unused
            }
        }
        _ => unused,
    }
}

/// Loads the batches and `opts.vouchers` vouchers; returns (batches, vouchers).
pub(crate) fn load(
    conn: &mut PgConnection,
    opts: &DemoOptions,
    catalog: &Catalog,
    now: DateTime<Utc>,
    progress: &ProgressBar,
) -> Result<(usize, usize), DemoError> {
    let mut rng = StdRng::seed_from_u64(opts.seed.wrapping_add(1));
    let mut batches = plan_batches(&mut rng, opts, catalog, now);
    {
        let deferred = bulk::defer(conn, "vouchers", opts.vouchers)?;
        for group in batches.chunks_mut(1_000) {
            let rows: Vec<&BatchRow> = group.iter().map(|b| &b.row).collect();
            let ids: Vec<i64> = diesel::insert_into(voucher_batches::table)
                .values(rows)
                .returning(voucher_batches::id)
                .get_results(conn)
                .step("inserting demo voucher batches")?;
            for (batch, id) in group.iter_mut().zip(ids) {
                batch.id = id;
            }
        }

        // (batch index, position) of every voucher, cut into COPY-sized chunks
        let mut seen: HashSet<u64> = HashSet::with_capacity(opts.vouchers);
        let mut plan = batches
            .iter()
            .flat_map(|b| std::iter::repeat_n(b, b.row.quantity as usize));
        let mut loaded = 0;
        loop {
            let chunk: Vec<&Batch> = plan.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let codes: Vec<String> = chunk
                .iter()
                .map(|b| {
                    let bits = loop {
                        let bits = rng.random::<u64>() & ((1 << 40) - 1);
                        if seen.insert(bits) {
                            break bits;
                        }
                    };
                    let mut code = String::with_capacity(b.row.prefix.len() + VOUCHER_CODE_LENGTH);
                    code.push_str(&b.row.prefix);
                    code.extend(random_part(bits).iter().map(|&c| char::from(c)));
                    code
                })
                .collect();
            let rows: Vec<VoucherRow<'_>> = chunk
                .iter()
                .zip(&codes)
                .map(|(b, code)| {
                    let s = state(&mut rng, b.row.created_at, b.validity, now);
                    VoucherRow {
                        batch_id: b.id,
                        code,
                        password: code,
                        profile_id: b.row.profile_id,
                        location_id: b.row.location_id,
                        router_id: b.row.router_id,
                        status: s.status,
                        price_sell: b.row.price_sell,
                        sold_at: s.sold_at,
                        first_login_at: s.first_login_at,
                        valid_until: s.valid_until,
                        expired_at: s.expired_at,
                        disabled_at: s.disabled_at,
                        created_at: b.row.created_at,
                        updated_at: s.updated_at,
                    }
                })
                .collect();
            diesel::copy_from(vouchers::table)
                .from_insertable(&rows)
                .execute(conn)
                .step("copying demo vouchers (a code already taken?)")?;
            loaded += rows.len();
            progress.inc(rows.len() as u64);
        }
        tracing::debug!(rows = loaded, "demo: vouchers copied");
        if let Some(deferred) = deferred {
            progress.set_message("indexing vouchers");
            deferred.restore(conn)?;
        }
        Ok((batches.len(), loaded))
    }
}
