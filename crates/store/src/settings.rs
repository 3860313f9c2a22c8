//! Repository of `settings`: plain JSON values and encrypted write-only secrets.

use diesel::prelude::*;

use crate::models::setting::Setting;
use crate::schema::settings;

pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<Setting>> {
    settings::table
        .select(Setting::as_select())
        .order(settings::key.asc())
        .load(conn)
}

pub fn get(conn: &mut PgConnection, key: &str) -> QueryResult<Option<Setting>> {
    settings::table
        .find(key)
        .select(Setting::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a plain value.
pub fn put_value(
    conn: &mut PgConnection,
    key: &str,
    value: &serde_json::Value,
    updated_by: Option<i64>,
) -> QueryResult<usize> {
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::is_secret.eq(false),
            settings::updated_by.eq(updated_by),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(value),
            settings::is_secret.eq(false),
            settings::secret_enc.eq(None::<Vec<u8>>),
            settings::updated_by.eq(updated_by),
        ))
        .execute(conn)
}

/// Inserts or replaces a secret; `ciphertext = None` clears it.
pub fn put_secret(
    conn: &mut PgConnection,
    key: &str,
    ciphertext: Option<&[u8]>,
    updated_by: Option<i64>,
) -> QueryResult<usize> {
    let null = serde_json::Value::Null;
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(&null),
            settings::is_secret.eq(true),
            settings::secret_enc.eq(ciphertext),
            settings::updated_by.eq(updated_by),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((
            settings::value.eq(&null),
            settings::is_secret.eq(true),
            settings::secret_enc.eq(ciphertext),
            settings::updated_by.eq(updated_by),
        ))
        .execute(conn)
}
