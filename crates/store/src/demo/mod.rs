//! `mikrobill demo`: realistic Indonesian demo data, bulk-loaded with COPY.
//!
//! Idempotent: a `demo_data` setting marks a complete load, so a second run changes nothing;
//! every demo row carries [`DEMO_TAG`] (in notes/note/description), so `--reset` can remove
//! exactly the demo rows before loading again. The whole load is one transaction.
//! Never creates admin users.

mod bulk;
mod catalog;
mod customers;
mod data;
mod vouchers;

use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::Text;
use indicatif::ProgressBar;

use crate::crypto::{CryptoError, MasterKey};
use crate::schema::settings;

/// Marks every row the demo creates.
pub const DEMO_TAG: &str = "mikrobill demo data";
/// Settings key of the completion marker.
pub const MARKER_KEY: &str = "demo_data";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub customers: usize,
    pub vouchers: usize,
    /// Routers created, spread over the demo locations.
    pub routers: usize,
    /// Router i listens at 127.0.0.1:(sim_base_port + i), where the RouterOS simulator runs.
    pub sim_base_port: u16,
    pub router_username: String,
    pub router_password: String,
    /// Remove earlier demo rows and load again.
    pub reset: bool,
    /// Same seed, same data.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            customers: 1_000,
            vouchers: 10_000,
            routers: 10,
            sim_base_port: 18_728,
            router_username: "admin".into(),
            router_password: "mikrobill-demo".into(),
            reset: false,
            seed: 20_261_125,
        }
    }
}

/// Row counts of a demo load.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DemoCounts {
    pub locations: usize,
    pub routers: usize,
    pub profiles: usize,
    pub vendors: usize,
    pub customers: usize,
    pub ledger_entries: usize,
    pub voucher_batches: usize,
    pub vouchers: usize,
}

#[derive(Debug)]
pub enum DemoOutcome {
    Loaded {
        counts: DemoCounts,
        elapsed: Duration,
    },
    /// A complete demo load is already there; nothing was written.
    AlreadyPresent { counts: DemoCounts },
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("{step}: {source}")]
    Query {
        step: &'static str,
        source: diesel::result::Error,
    },
    #[error("encrypting the router password failed: {0}")]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Invalid(&'static str),
}

impl From<diesel::result::Error> for DemoError {
    fn from(source: diesel::result::Error) -> Self {
        DemoError::Query {
            step: "demo transaction",
            source,
        }
    }
}

pub(crate) trait Step<T> {
    fn step(self, step: &'static str) -> Result<T, DemoError>;
}

impl<T> Step<T> for QueryResult<T> {
    fn step(self, step: &'static str) -> Result<T, DemoError> {
        self.map_err(|source| DemoError::Query { step, source })
    }
}

#[derive(QueryableByName)]
struct MarkerRow {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Marker {
    complete: bool,
    counts: DemoCounts,
}

fn read_marker(conn: &mut PgConnection) -> Result<Option<Marker>, DemoError> {
    let row: Option<MarkerRow> =
        diesel::sql_query("SELECT value::text AS value FROM settings WHERE key = $1")
            .bind::<Text, _>(MARKER_KEY)
            .get_result(conn)
            .optional()
            .step("reading the demo marker")?;
    Ok(row.and_then(|r| serde_json::from_str(&r.value).ok()))
}

fn write_marker(conn: &mut PgConnection, marker: &Marker) -> Result<(), DemoError> {
    let value = serde_json::to_value(marker)
        .map_err(|_| DemoError::Invalid("marker is not serialisable"))?;
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(MARKER_KEY),
            settings::value.eq(&value),
            settings::description
                .eq("Set by `mikrobill demo`; delete the demo with `mikrobill demo --reset`"),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set(settings::value.eq(&value))
        .execute(conn)
        .step("writing the demo marker")?;
    Ok(())
}

/// Deletes every row carrying [`DEMO_TAG`] and the marker, in foreign-key order, in one
/// transaction. Fails (and deletes nothing) if real data has since been attached to demo rows.
pub fn remove(conn: &mut PgConnection) -> Result<(), DemoError> {
    conn.transaction(|conn| {
        for (step, sql) in [
            (
                "deleting demo ledger entries",
                "DELETE FROM ledger_entries WHERE customer_id IN (SELECT id FROM customers WHERE notes = $1)",
            ),
            (
                "deleting demo vouchers",
                "DELETE FROM vouchers WHERE batch_id IN (SELECT id FROM voucher_batches WHERE note = $1)",
            ),
            ("deleting demo voucher batches", "DELETE FROM voucher_batches WHERE note = $1"),
            ("deleting demo customers", "DELETE FROM customers WHERE notes = $1"),
            ("deleting demo vendors", "DELETE FROM vendors WHERE notes = $1"),
            ("deleting demo profiles", "DELETE FROM profiles WHERE description = $1"),
            ("deleting demo routers", "DELETE FROM routers WHERE notes = $1"),
            ("deleting demo locations", "DELETE FROM locations WHERE notes = $1"),
        ] {
            diesel::sql_query(sql).bind::<Text, _>(DEMO_TAG).execute(conn).step(step)?;
        }
        diesel::delete(settings::table.find(MARKER_KEY)).execute(conn).step("deleting the demo marker")?;
        Ok(())
    })
}

/// Loads the demo data into the (migrated) database at `url` in one transaction, reporting
/// row progress on `progress` (use `ProgressBar::hidden()` when nobody watches).
pub fn load(
    url: &str,
    key: &MasterKey,
    opts: &DemoOptions,
    progress: &ProgressBar,
) -> Result<DemoOutcome, DemoError> {
    if opts.routers == 0 {
        return Err(DemoError::Invalid("--routers must be at least 1"));
    }
    if usize::from(opts.sim_base_port) + opts.routers > usize::from(u16::MAX) {
        return Err(DemoError::Invalid(
            "--routers-sim-base-port leaves no room for that many routers",
        ));
    }
    let started = Instant::now();
    let mut conn = PgConnection::establish(url)?;
    match read_marker(&mut conn)? {
        Some(marker) if marker.complete && !opts.reset => {
            return Ok(DemoOutcome::AlreadyPresent {
                counts: marker.counts,
            });
        }
        _ => {
            progress.set_message("removing earlier demo rows");
            remove(&mut conn)?;
        }
    }

    // One transaction: a failed or interrupted load leaves nothing behind. The loads run one
    // after the other on purpose: two connections would each lock tables the other's
    // foreign-key checks need (deadlock), and PostgreSQL already uses both cores for the
    // index rebuilds.
    let counts = conn.transaction(|conn| {
        diesel::sql_query("SET LOCAL synchronous_commit = off")
            .execute(conn)
            .step("tuning the load")?;
        progress.set_message("locations, routers, profiles, vendors");
        let catalog = catalog::insert(conn, key, opts)?;
        progress.set_length((opts.customers + opts.vouchers) as u64);
        progress.set_position(0);
        progress.set_message("customers and their ledgers");
        let now = Utc::now();
        let (customers, ledger_entries) = customers::load(conn, opts, &catalog, now, progress)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "demo: customers loaded"
        );
        progress.set_message("vouchers");
        let (voucher_batches, vouchers) = vouchers::load(conn, opts, &catalog, now, progress)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "demo: vouchers loaded"
        );
        let counts = DemoCounts {
            locations: catalog.locations.len(),
            routers: catalog.routers.len(),
            profiles: catalog.profiles.len(),
            vendors: catalog.vendors.len(),
            customers,
            ledger_entries,
            voucher_batches,
            vouchers,
        };
        write_marker(
            conn,
            &Marker {
                complete: true,
                counts: counts.clone(),
            },
        )?;
        Ok::<_, DemoError>(counts)
    })?;
    progress.set_message("analyzing");
    for table in ["customers", "ledger_entries", "voucher_batches", "vouchers"] {
        diesel::sql_query(format!("ANALYZE {table}"))
            .execute(&mut conn)
            .step("analyzing loaded tables")?;
    }
    Ok(DemoOutcome::Loaded {
        counts,
        elapsed: started.elapsed(),
    })
}
