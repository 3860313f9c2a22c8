//! The migrations themselves: apply/revert cycles and the shape they leave behind.
#![expect(clippy::unwrap_used, reason = "a failing test should panic")]

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use store::migrate::{self, MigrateError};
use store::testing::TestDb;

#[derive(QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = Text)]
    name: String,
}

fn names(conn: &mut PgConnection, sql: &str) -> BTreeSet<String> {
    diesel::sql_query(sql)
        .load::<Row>(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

fn public_tables(conn: &mut PgConnection) -> BTreeSet<String> {
    names(
        conn,
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    )
}

const TABLES: &[&str] = &[
    "admin_locations",
    "admin_sessions",
    "admin_users",
    "audit_log",
    "backup_schedules",
    "backups",
    "customer_sessions",
    "customers",
    "dead_jobs",
    "idempotency_keys",
    "ledger_entries",
    "locations",
    "login_attempts",
    "notifications",
    "outbox",
    "payment_links",
    "payment_plugins",
    "payments",
    "plugin_error_logs",
    "pppoe_users",
    "processed_jobs",
    "profile_locations",
    "profiles",
    "receipts",
    "router_drift",
    "router_health_checks",
    "router_leases",
    "routers",
    "scheduler_runs",
    "scheduler_tasks",
    "settings",
    "subscriptions",
    "system_logs",
    "vendors",
    "voucher_batches",
    "vouchers",
    "webhook_inbox",
    "whatsapp_messages",
    "whatsapp_sessions",
    "whatsapp_templates",
];

#[tokio::test]
async fn migrations_go_up_from_empty_down_to_empty_and_up_again() {
    let db = TestDb::empty().await;
    let mut conn = db.connect();
    let total = migrate::status(&mut conn).unwrap().len();
    assert!(
        migrate::status(&mut conn)
            .unwrap()
            .iter()
            .all(|m| !m.applied)
    );

    let applied = migrate::run_pending(&mut conn).unwrap();
    assert_eq!(applied.len(), total);
    assert!(
        migrate::status(&mut conn)
            .unwrap()
            .iter()
            .all(|m| m.applied)
    );
    let tables = public_tables(&mut conn);
    for t in TABLES {
        assert!(tables.contains(*t), "table {t} missing after migrating up");
    }
    assert!(
        migrate::run_pending(&mut conn).unwrap().is_empty(),
        "second run applies nothing"
    );

    let reverted = migrate::revert(&mut conn, total + 5).unwrap();
    assert_eq!(
        reverted.len(),
        total,
        "reverting more than exist stops at empty"
    );
    let newest = migrate::status(&mut conn)
        .unwrap()
        .last()
        .unwrap()
        .name
        .clone();
    assert_eq!(reverted[0], newest, "newest first: {reverted:?}");
    let left = public_tables(&mut conn);
    assert_eq!(
        left,
        BTreeSet::from(["__diesel_schema_migrations".to_owned()])
    );
    let functions = names(
        &mut conn,
        "SELECT proname AS name FROM pg_proc WHERE proname = 'set_updated_at'",
    );
    assert!(
        functions.is_empty(),
        "down.sql drops the trigger function too"
    );

    assert_eq!(migrate::run_pending(&mut conn).unwrap().len(), total);
    assert_eq!(public_tables(&mut conn).len(), TABLES.len() + 1);

    let one = migrate::revert(&mut conn, 1).unwrap();
    assert_eq!(one.len(), 1);
    let status = migrate::status(&mut conn).unwrap();
    assert_eq!(status.iter().filter(|m| !m.applied).count(), 1);
    assert!(!status.last().unwrap().applied);
}

#[tokio::test]
async fn migrate_refuses_a_database_with_foreign_tables_and_touches_nothing() {
    let db = TestDb::empty().await;
    let mut conn = db.connect();
    diesel::sql_query("CREATE TABLE wordpress_posts (id serial primary key, title text)")
        .execute(&mut conn)
        .unwrap();
    let err = migrate::run_pending(&mut conn).unwrap_err();
    match &err {
        MigrateError::ForeignTables(t) => assert_eq!(t, &["public.wordpress_posts".to_owned()]),
        other => panic!("expected ForeignTables, got {other:?}"),
    }
    assert!(err.to_string().contains("public.wordpress_posts"), "{err}");
    assert_eq!(
        public_tables(&mut conn),
        BTreeSet::from(["wordpress_posts".to_owned()])
    );
    assert!(migrate::revert(&mut conn, 1).is_err());
}

#[tokio::test]
async fn migrate_refuses_history_from_another_program() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')")
        .execute(&mut conn)
        .unwrap();
    let err = migrate::run_pending(&mut conn).unwrap_err();
    assert!(
        matches!(err, MigrateError::UnknownMigrations(ref v) if v == &["29990101000000".to_owned()]),
        "{err:?}"
    );
}

#[tokio::test]
async fn every_status_check_lists_exactly_the_rust_enum_values() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        def: String,
    }
    // single-column CHECKs of the form `col = ANY (ARRAY['a'::text, …])`
    let checks: Vec<Check> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS table_name, a.attname::text AS column_name,
                pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'c' AND array_length(c.conkey, 1) = 1
           AND c.connamespace = 'public'::regnamespace
           AND pg_get_constraintdef(c.oid) LIKE '%= ANY (ARRAY[%'",
    )
    .load(&mut conn)
    .unwrap();
    let mut seen = BTreeSet::new();
    for check in &checks {
        let values: Vec<&str> = check.def.split('\'').skip(1).step_by(2).collect();
        let vocab = domain::status::COLUMN_VOCABULARIES
            .iter()
            .find(|(t, c, _)| *t == check.table_name && *c == check.column_name)
            .unwrap_or_else(|| {
                panic!(
                    "{}.{} has a value list but no Rust enum",
                    check.table_name, check.column_name
                )
            });
        let expected = vocab.2.to_vec();
        assert_eq!(
            values, expected,
            "{}.{}: SQL CHECK vs Rust enum",
            check.table_name, check.column_name
        );
        seen.insert((check.table_name.clone(), check.column_name.clone()));
    }
    for (t, c, _) in domain::status::COLUMN_VOCABULARIES {
        assert!(
            seen.contains(&((*t).to_owned(), (*c).to_owned())),
            "no CHECK constraint found for {t}.{c}"
        );
    }
}

#[tokio::test]
async fn updated_at_triggers_exist_exactly_on_tables_with_the_column() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    let with_column = names(
        &mut conn,
        "SELECT table_name::text AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'updated_at'",
    );
    let with_trigger = names(
        &mut conn,
        "SELECT DISTINCT event_object_table::text AS name FROM information_schema.triggers
         WHERE trigger_schema = 'public' AND action_statement LIKE '%set_updated_at%'",
    );
    assert_eq!(with_column, with_trigger);
    assert!(with_column.contains("customers") && !with_column.contains("voucher_batches"));
}

#[tokio::test]
async fn column_types_follow_the_conventions() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    let naive = names(
        &mut conn,
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
           AND data_type IN ('timestamp without time zone', 'date', 'real', 'double precision', 'money')",
    );
    assert!(
        naive.is_empty(),
        "naive timestamps or float money: {naive:?}"
    );
    let bad_money = names(
        &mut conn,
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public'
           AND column_name ~ '^(balance|debt|amount|fee|total|price|price_cost|price_sell|fee_value)(_before|_after)?$'
           AND NOT (data_type = 'numeric' AND numeric_precision = 15 AND numeric_scale = 2)",
    );
    assert!(
        bad_money.is_empty(),
        "money not NUMERIC(15,2): {bad_money:?}"
    );
    let plain_secrets = names(
        &mut conn,
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name LIKE '%\\_enc' AND data_type <> 'bytea'",
    );
    assert!(plain_secrets.is_empty(), "{plain_secrets:?}");
    let secret_named = names(
        &mut conn,
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name ~ '(password|secret|token|api_key)$'",
    );
    // what remains in clear: the voucher password printed on paper anyway, the public token
    // in a payment link's URL, and the flag that says a setting is secret
    assert_eq!(
        secret_named,
        [
            "payment_links.token",
            "settings.is_secret",
            "vouchers.password"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    let ids = names(
        &mut conn,
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = 'public' AND (column_name = 'id' OR column_name LIKE '%\\_id')
           AND data_type IN ('integer', 'smallint', 'numeric')",
    );
    assert!(ids.is_empty(), "ids must be BIGINT: {ids:?}");
}

#[tokio::test]
async fn foreign_keys_and_lookup_indexes_are_present() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    let fks = names(
        &mut conn,
        "SELECT c.conrelid::regclass::text || '.' || a.attname || '->' || c.confrelid::regclass::text AS name
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f'",
    );
    for fk in [
        "routers.location_id->locations",
        "customers.location_id->locations",
        "ledger_entries.customer_id->customers",
        "ledger_entries.payment_id->payments",
        "vouchers.batch_id->voucher_batches",
        "vouchers.profile_id->profiles",
        "voucher_batches.vendor_id->vendors",
        "pppoe_users.router_id->routers",
        "subscriptions.pppoe_user_id->pppoe_users",
        "payments.plugin->payment_plugins",
        "payment_links.payment_id->payments",
        "receipts.payment_id->payments",
        "admin_sessions.admin_user_id->admin_users",
        "customer_sessions.customer_id->customers",
        "admin_locations.location_id->locations",
        "profile_locations.profile_id->profiles",
        "router_drift.router_id->routers",
        "router_leases.router_id->routers",
        "whatsapp_messages.session_id->whatsapp_sessions",
        "scheduler_runs.task->scheduler_tasks",
        "backups.schedule_id->backup_schedules",
    ] {
        assert!(fks.contains(fk), "foreign key {fk} missing");
    }
    let indexes = names(
        &mut conn,
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'",
    );
    for idx in [
        "customers_phone_key",
        "customers_phone_prefix_idx",
        "customers_name_lower_idx",
        "customers_name_trgm_idx",
        "customers_status_idx",
        "customers_location_idx",
        "ledger_entries_customer_idx",
        "vouchers_code_key",
        "vouchers_active_valid_until_idx",
        "vouchers_batch_idx",
        "subscriptions_status_expires_idx",
        "admin_users_username_key",
        "admin_sessions_refresh_token_hash_key",
        "login_attempts_username_idx",
        "login_attempts_ip_idx",
        "audit_log_actor_idx",
        "audit_log_resource_idx",
        "audit_log_created_idx",
        "outbox_pending_idx",
        "router_drift_open_key",
        "webhook_inbox_gateway_event_key",
        "whatsapp_messages_queue_idx",
        "scheduler_runs_task_slot_key",
        "payments_merchant_ref_key",
        "routers_location_name_key",
        "pppoe_users_router_username_key",
        "idempotency_keys_pkey",
    ] {
        assert!(indexes.contains(idx), "index {idx} missing");
    }
    #[derive(QueryableByName)]
    struct Volatile {
        #[diesel(sql_type = Bool)]
        any: bool,
    }
    let v: Volatile = diesel::sql_query(
        "SELECT coalesce(bool_or(pg_get_expr(indpred, indrelid) ~* '(now\\(|current_date|current_timestamp)'), false) AS any
         FROM pg_index WHERE indpred IS NOT NULL",
    )
    .get_result(&mut conn)
    .unwrap();
    assert!(!v.any, "index predicates must be immutable");
}

#[tokio::test]
async fn every_foreign_key_column_has_an_index_for_parent_deletes() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    let unindexed = names(
        &mut conn,
        "SELECT c.conrelid::regclass::text || '.' || a.attname AS name
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND NOT EXISTS (
             SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])",
    );
    assert!(
        unindexed.is_empty(),
        "foreign keys without an index: {unindexed:?}"
    );
}

#[tokio::test]
async fn seed_has_settings_plugins_templates_tasks_and_no_admin() {
    let db = TestDb::new().await;
    let mut conn = db.connect();
    let settings = names(&mut conn, "SELECT key AS name FROM settings");
    for key in [
        "company_name",
        "timezone",
        "currency",
        "voucher_marker",
        "pppoe_marker",
        "grace_period_days",
        "drift_mode",
    ] {
        assert!(settings.contains(key), "setting {key} missing");
    }
    let enabled = names(&mut conn, "SELECT name FROM payment_plugins WHERE enabled");
    assert_eq!(
        enabled,
        BTreeSet::from(["bank_transfer".to_owned(), "cash".to_owned()])
    );
    let plugins = names(&mut conn, "SELECT name FROM payment_plugins");
    assert_eq!(plugins.len(), 6);
    let templates = names(
        &mut conn,
        "SELECT key AS name FROM whatsapp_templates WHERE body LIKE '%{name}%'",
    );
    assert_eq!(
        templates,
        [
            "expiry_warning",
            "payment_confirmation",
            "service_expired",
            "service_renewed",
            "welcome_hotspot",
            "welcome_pppoe"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    assert!(
        names(&mut conn, "SELECT username AS name FROM admin_users").is_empty(),
        "no default admin"
    );
    assert!(names(&mut conn, "SELECT name FROM scheduler_tasks").len() >= 5);
    let tz: Row =
        diesel::sql_query("SELECT value #>> '{}' AS name FROM settings WHERE key = 'timezone'")
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(tz.name, "Asia/Jakarta");
}
