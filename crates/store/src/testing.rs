//! Per-test databases cloned from a migrated template, so integration tests run in parallel.
//!
//! The template `mikrobill_template_<fingerprint>` is built once per migration set: the name
//! carries a hash of `migrations/`, and a PostgreSQL advisory lock makes concurrent test
//! processes (nextest runs one per test) wait for the first builder instead of racing it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::migrate::{self, DatabaseUrl, MIGRATIONS_FINGERPRINT};
use crate::pool::{DbPool, build_pool};

/// Server used by tests; only its host, port and credentials matter.
const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const TEMPLATE_LOCK_KEY: i64 = 0x6d62_7465_6d70_0001;
const TEST_DB_PREFIX: &str = "mbtest_";
const TEST_POOL_SIZE: usize = 8;

static TEMPLATE_READY: Mutex<Option<String>> = Mutex::new(None);
static COUNTER: AtomicU32 = AtomicU32::new(0);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// A database of its own for one test, dropped (best effort) when the value is dropped.
/// Set `MIKROBILL_TEST_KEEP_DB=1` to keep it for inspection.
pub struct TestDb {
    name: String,
    url: String,
    server: DatabaseUrl,
    pool: DbPool,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn server() -> DatabaseUrl {
    let url = std::env::var("MIKROBILL_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned());
    match DatabaseUrl::parse(&url) {
        Ok(parsed) => parsed,
        Err(e) => panic!("test database URL {url:?} is unusable: {e}"),
    }
}

fn admin(server: &DatabaseUrl) -> PgConnection {
    match PgConnection::establish(&server.server_url) {
        Ok(conn) => conn,
        Err(e) => panic!("cannot reach the test PostgreSQL server: {e}"),
    }
}

fn exec(conn: &mut PgConnection, sql: &str) {
    if let Err(e) = diesel::sql_query(sql).execute(conn) {
        panic!("test database setup `{sql}` failed: {e}");
    }
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    let found: Result<Count, _> =
        diesel::sql_query("SELECT count(*) AS count FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .get_result(conn);
    matches!(found, Ok(c) if c.count > 0)
}

/// Returns the name of the migrated template, building it if this migration set has none.
fn ensure_template(server: &DatabaseUrl) -> String {
    let mut ready = TEMPLATE_READY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(name) = ready.as_ref() {
        return name.clone();
    }
    let name = format!("mikrobill_template_{MIGRATIONS_FINGERPRINT}");
    let mut conn = admin(server);
    exec(
        &mut conn,
        &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"),
    );
    if !database_exists(&mut conn, &name) {
        // build under a temporary name and rename when complete, so a crashed build never
        // leaves a half-migrated template behind
        let building = format!("{name}_build");
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
        );
        exec(&mut conn, &format!("CREATE DATABASE \"{building}\""));
        {
            let mut target = match PgConnection::establish(&server.with_database(&building)) {
                Ok(c) => c,
                Err(e) => panic!("cannot connect to {building}: {e}"),
            };
            if let Err(e) = migrate::run_pending(&mut target) {
                panic!("migrating the test template failed: {e}");
            }
        }
        exec(
            &mut conn,
            &format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
        );
        let stale: Vec<Name> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'mikrobill\\_template\\_%' AND datname <> $1",
        )
        .bind::<Text, _>(&name)
        .load(&mut conn)
        .unwrap_or_default();
        for old in stale {
            // best effort: another process may still be cloning an older template
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{}\"", old.datname))
                .execute(&mut conn);
        }
    }
    drop_leaked_databases(&mut conn);
    exec(
        &mut conn,
        &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})"),
    );
    *ready = Some(name.clone());
    name
}

/// Drops test databases whose process is gone (killed by a timeout, aborted run) so they do
/// not pile up. Names carry the creating pid; a pid counts as alive unless `/proc` says
/// otherwise, which also keeps databases of test runs on other machines.
fn drop_leaked_databases(conn: &mut PgConnection) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rows) =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'mbtest\\_%'")
            .load::<Name>(conn)
    else {
        return;
    };
    for row in rows {
        let pid = row.datname[TEST_DB_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                row.datname
            ))
            .execute(conn);
        }
    }
}

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt: u32 = rand::random();
    format!("{TEST_DB_PREFIX}{}_{n}_{salt:08x}", std::process::id())
}

impl TestDb {
    /// A fresh database with every migration applied (cloned from the template).
    pub async fn new() -> TestDb {
        Self::create(true).await
    }

    /// A fresh, completely empty database (for tests of the migrations themselves).
    pub async fn empty() -> TestDb {
        Self::create(false).await
    }

    async fn create(migrated: bool) -> TestDb {
        let server = server();
        let setup = server.clone();
        let created = tokio::task::spawn_blocking(move || {
            let name = unique_name();
            let mut conn = admin(&setup);
            if migrated {
                let template = ensure_template(&setup);
                exec(
                    &mut conn,
                    &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
                );
            } else {
                exec(&mut conn, &format!("CREATE DATABASE \"{name}\""));
            }
            name
        })
        .await;
        let name = match created {
            Ok(name) => name,
            Err(e) => panic!("creating the test database failed: {e}"),
        };
        let url = server.with_database(&name);
        let pool = match build_pool(&url, TEST_POOL_SIZE) {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        };
        TestDb {
            name,
            url,
            server,
            pool,
        }
    }

    /// Connection URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Database name, e.g. for `psql` while debugging with `MIKROBILL_TEST_KEEP_DB=1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A pool on this test's database.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// A plain blocking connection, for tests that drive diesel directly.
    pub fn connect(&self) -> PgConnection {
        match PgConnection::establish(&self.url) {
            Ok(conn) => conn,
            Err(e) => panic!("cannot connect to test database {}: {e}", self.name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::env::var_os("MIKROBILL_TEST_KEEP_DB").is_some() {
            eprintln!("keeping test database {}", self.name);
            return;
        }
        // FORCE closes the pool's still-open connections
        if let Ok(mut conn) = PgConnection::establish(&self.server.server_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}
