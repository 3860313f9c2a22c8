//! Embedded schema migrations: apply, revert, report, and refuse databases that are not ours.

use std::collections::BTreeSet;

use diesel::migration::{Migration, MigrationSource};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Changes whenever any file under `migrations/` changes (computed by build.rs).
pub const MIGRATIONS_FINGERPRINT: &str = env!("MIKROBILL_MIGRATIONS_FINGERPRINT");

/// Serialises concurrent migrators (several `serve` replicas starting at once).
const MIGRATION_LOCK_KEY: i64 = 0x6d62_6d69_6772_0001;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "refusing to migrate: the database holds tables that mikrobill did not create ({}) and has no \
         migration history; point DATABASE_URL at an empty or mikrobill database",
        .0.join(", ")
    )]
    ForeignTables(Vec<String>),
    #[error(
        "refusing to migrate: the database has applied migrations this binary does not know ({}); \
         it was migrated by a newer or different program",
        .0.join(", ")
    )]
    UnknownMigrations(Vec<String>),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(&'static str),
}

/// One embedded migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Directory name, e.g. `2026-11-25-000001_foundation`.
    pub name: String,
    /// Version as diesel records it (`20261125000001`).
    pub version: String,
    pub applied: bool,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn embedded() -> Result<Vec<Box<dyn Migration<Pg>>>, MigrateError> {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .map_err(|e| MigrateError::Migration(e.to_string()))
}

fn has_history_table(conn: &mut PgConnection) -> Result<bool, MigrateError> {
    let row: CountRow = diesel::sql_query(
        "SELECT count(*) AS count FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = '__diesel_schema_migrations' AND n.nspname = current_schema()",
    )
    .get_result(conn)?;
    Ok(row.count > 0)
}

/// Refuses databases that hold someone else's tables, or migrations we do not know.
/// Touches nothing; called by [`run_pending`] before it writes anything.
pub fn check_database_is_ours(conn: &mut PgConnection) -> Result<(), MigrateError> {
    if !has_history_table(conn)? {
        let foreign: Vec<NameRow> = diesel::sql_query(
            "SELECT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
             ORDER BY 1 LIMIT 20",
        )
        .load(conn)?;
        if !foreign.is_empty() {
            return Err(MigrateError::ForeignTables(
                foreign.into_iter().map(|r| r.name).collect(),
            ));
        }
        return Ok(());
    }
    let known: BTreeSet<String> = embedded()?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn
        .applied_migrations()
        .map_err(|e| MigrateError::Migration(e.to_string()))?;
    let unknown: Vec<String> = applied
        .iter()
        .map(ToString::to_string)
        .filter(|v| !known.contains(v))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::UnknownMigrations(unknown))
    }
}

fn with_lock<R>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> Result<R, MigrateError>,
) -> Result<R, MigrateError> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(conn)?;
    let result = f(conn);
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(conn);
    let value = result?;
    unlocked?;
    Ok(value)
}

/// Applies every pending migration (each in its own transaction); returns the names applied.
#[tracing::instrument(skip_all)]
pub fn run_pending(conn: &mut PgConnection) -> Result<Vec<String>, MigrateError> {
    with_lock(conn, |conn| {
        check_database_is_ours(conn)?;
        let names = pending_names(conn)?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| MigrateError::Migration(e.to_string()))?;
        Ok(names)
    })
}

/// Reverts the last `count` applied migrations, newest first; returns the names reverted.
#[tracing::instrument(skip_all, fields(count))]
pub fn revert(conn: &mut PgConnection, count: usize) -> Result<Vec<String>, MigrateError> {
    with_lock(conn, |conn| {
        check_database_is_ours(conn)?;
        if !has_history_table(conn)? {
            return Ok(Vec::new());
        }
        let by_version: Vec<(String, String)> = embedded()?
            .iter()
            .map(|m| (m.name().version().to_string(), m.name().to_string()))
            .collect();
        let mut reverted = Vec::new();
        for _ in 0..count {
            let applied = conn
                .applied_migrations()
                .map_err(|e| MigrateError::Migration(e.to_string()))?;
            if applied.is_empty() {
                break;
            }
            let version = conn
                .revert_last_migration(MIGRATIONS)
                .map_err(|e| MigrateError::Migration(e.to_string()))?
                .to_string();
            let name = by_version
                .iter()
                .find(|(v, _)| *v == version)
                .map_or(version.clone(), |(_, n)| n.clone());
            reverted.push(name);
        }
        Ok(reverted)
    })
}

/// Every embedded migration, oldest first, with whether it is applied.
pub fn status(conn: &mut PgConnection) -> Result<Vec<MigrationStatus>, MigrateError> {
    let applied: BTreeSet<String> = if has_history_table(conn)? {
        conn.applied_migrations()
            .map_err(|e| MigrateError::Migration(e.to_string()))?
            .iter()
            .map(ToString::to_string)
            .collect()
    } else {
        BTreeSet::new()
    };
    let mut all: Vec<MigrationStatus> = embedded()?
        .iter()
        .map(|m| {
            let version = m.name().version().to_string();
            MigrationStatus {
                name: m.name().to_string(),
                applied: applied.contains(&version),
                version,
            }
        })
        .collect();
    all.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(all)
}

fn pending_names(conn: &mut PgConnection) -> Result<Vec<String>, MigrateError> {
    Ok(status(conn)?
        .into_iter()
        .filter(|m| !m.applied)
        .map(|m| m.name)
        .collect())
}

/// A PostgreSQL URL split into the database name and a URL for the `postgres`
/// maintenance database on the same server (same credentials and parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub server_url: String,
    pub database: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, MigrateError> {
        let scheme_end = url
            .find("://")
            .ok_or(MigrateError::InvalidUrl("expected postgres://…"))?
            + 3;
        let (base, query) = match url.find('?') {
            Some(q) => (&url[..q], &url[q..]),
            None => (url, ""),
        };
        let slash = base[scheme_end..]
            .find('/')
            .map(|i| i + scheme_end)
            .ok_or(MigrateError::InvalidUrl("no database name after the host"))?;
        let database = &base[slash + 1..];
        if database.is_empty() {
            return Err(MigrateError::InvalidUrl("no database name after the host"));
        }
        if !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(MigrateError::InvalidUrl(
                "database name may hold only letters, digits, '_' and '-'",
            ));
        }
        Ok(Self {
            server_url: format!("{}/postgres{query}", &base[..slash]),
            database: database.to_owned(),
        })
    }

    /// The URL of another database on the same server.
    pub fn with_database(&self, database: &str) -> String {
        match self.server_url.rfind("/postgres") {
            Some(i) => format!(
                "{}/{database}{}",
                &self.server_url[..i],
                &self.server_url[i + 9..]
            ),
            None => self.server_url.clone(),
        }
    }
}

/// Creates the URL's database when it does not exist; returns whether it created it.
pub fn create_database_if_missing(url: &str) -> Result<bool, MigrateError> {
    let parsed = DatabaseUrl::parse(url)?;
    if PgConnection::establish(url).is_ok() {
        return Ok(false);
    }
    let mut admin = PgConnection::establish(&parsed.server_url)?;
    let exists: CountRow =
        diesel::sql_query("SELECT count(*) AS count FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(&parsed.database)
            .get_result(&mut admin)?;
    if exists.count > 0 {
        // it exists but we could not connect: report the real connection error
        PgConnection::establish(url)?;
        return Ok(false);
    }
    diesel::sql_query(format!("CREATE DATABASE \"{}\"", parsed.database)).execute(&mut admin)?;
    Ok(true)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;

    #[test]
    fn database_url_is_split_into_server_and_name() {
        let u = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/mikrobill?sslmode=disable")
            .unwrap();
        assert_eq!(u.database, "mikrobill");
        assert_eq!(
            u.server_url,
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            u.with_database("t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1?sslmode=disable"
        );
    }

    #[test]
    fn database_url_without_name_or_with_odd_name_is_refused() {
        assert!(DatabaseUrl::parse("postgres://127.0.0.1:5432").is_err());
        assert!(DatabaseUrl::parse("postgres://127.0.0.1:5432/").is_err());
        assert!(DatabaseUrl::parse("postgres://127.0.0.1/a\"b").is_err());
        assert!(DatabaseUrl::parse("127.0.0.1/db").is_err());
    }

    #[test]
    fn every_migration_has_a_distinct_version() {
        let all = embedded().unwrap();
        let versions: BTreeSet<String> =
            all.iter().map(|m| m.name().version().to_string()).collect();
        assert_eq!(versions.len(), all.len());
        assert!(all.len() >= 10);
    }
}
