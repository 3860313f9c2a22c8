//! Faster bulk loads: a table's secondary indexes and chosen foreign keys are dropped inside
//! the load's transaction and rebuilt before it commits (one sort per index and one join per
//! key instead of a million random index inserts and RI lookups). Being transactional DDL, a
//! failed load rolls the drops back too. Only used when the table holds fewer rows than the
//! load adds; the drop holds an ACCESS EXCLUSIVE lock on the table until commit.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{DemoError, Step};

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Nullable<Text>)]
    constraint_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    constraint_kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    constraint_def: Option<String>,
    #[diesel(sql_type = BigInt)]
    referenced_by: i64,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Statements that put back what [`defer`] dropped.
pub(crate) struct Deferred {
    restore: Vec<String>,
}

impl Deferred {
    pub(crate) fn restore(self, conn: &mut PgConnection) -> Result<(), DemoError> {
        diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(conn)
            .step("raising maintenance_work_mem")?;
        for sql in &self.restore {
            let started = std::time::Instant::now();
            diesel::sql_query(sql)
                .execute(conn)
                .step("rebuilding indexes and keys after the load")?;
            tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, %sql, "demo: rebuilt");
        }
        Ok(())
    }
}

/// Drops `table`'s secondary indexes and unique constraints (unless a foreign key depends on
/// them) and all its foreign keys, when it holds fewer than `rows_to_load` rows.
pub(crate) fn defer(
    conn: &mut PgConnection,
    table: &'static str,
    rows_to_load: usize,
) -> Result<Option<Deferred>, DemoError> {
    let limit = i64::try_from(rows_to_load).unwrap_or(i64::MAX);
    let existing: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM {table} LIMIT $1) s"
    ))
    .bind::<BigInt, _>(limit)
    .get_result(conn)
    .step("sizing a bulk table")?;
    if existing.n >= limit {
        return Ok(None);
    }
    let indexes: Vec<IndexRow> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(x.indexrelid) AS def,
                c.conname::text AS constraint_name, c.contype::text AS constraint_kind,
                pg_get_constraintdef(c.oid) AS constraint_def,
                (SELECT count(*) FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid) AS referenced_by
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
         WHERE x.indrelid = $1::regclass AND NOT x.indisprimary",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .step("reading a bulk table's indexes")?;
    let keys: Vec<ForeignKeyRow> = diesel::sql_query(
        "SELECT conname::text AS name, pg_get_constraintdef(oid) AS def
         FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .step("reading a bulk table's foreign keys")?;

    let mut drops = Vec::new();
    let mut restore = Vec::new();
    for idx in indexes {
        match (
            idx.constraint_name,
            idx.constraint_kind.as_deref(),
            idx.constraint_def,
        ) {
            (None, _, _) => {
                drops.push(format!("DROP INDEX \"{}\"", idx.name));
                restore.push(idx.def);
            }
            (Some(name), Some("u"), Some(def)) if idx.referenced_by == 0 => {
                drops.push(format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""));
                restore.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def}"
                ));
            }
            _ => {}
        }
    }
    for key in keys.into_iter() {
        drops.push(format!(
            "ALTER TABLE {table} DROP CONSTRAINT \"{}\"",
            key.name
        ));
        restore.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{}\" {}",
            key.name, key.def
        ));
    }
    for sql in &drops {
        diesel::sql_query(sql)
            .execute(conn)
            .step("dropping indexes before the bulk load")?;
    }
    Ok(Some(Deferred { restore }))
}
