//! `GET/PATCH /settings`: typed runtime settings with per-field validation. Secret settings
//! are encrypted with the master key and write-only: responses only say whether each is set.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, get, patch, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::throttle::ThrottlePolicy;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::routes::admin_users::Role;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(read).service(update);
}

/// Secret settings: write-only, encrypted at rest.
pub const SECRET_KEYS: &[&str] = &["whatsapp_api_token", "smtp_password", "backup_passphrase"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintLayout {
    A4Grid,
    #[serde(rename = "thermal_58")]
    Thermal58,
    #[serde(rename = "thermal_80")]
    Thermal80,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DriftMode {
    Report,
    Repair,
}

/// Every setting with its current (or default) value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Settings {
    #[schema(example = "MikroBill Net")]
    pub company_name: String,
    pub company_address: String,
    #[schema(example = "6281234567890")]
    pub company_phone: String,
    /// IANA time zone of the business.
    #[schema(example = "Asia/Jakarta")]
    pub timezone: String,
    /// ISO 4217 code.
    #[schema(example = "IDR")]
    pub currency: String,
    /// Comment marker of router objects managed for vouchers.
    #[schema(example = "VOUCHER_SYSTEM")]
    pub voucher_marker: String,
    #[schema(example = "PPPOE_SYSTEM")]
    pub pppoe_marker: String,
    /// Days a PPPoE subscription stays usable after expiry.
    #[schema(example = 3)]
    pub grace_period_days: i32,
    #[schema(example = 3)]
    pub expiry_warning_days: i32,
    pub print_layout: PrintLayout,
    pub voucher_charset: String,
    #[schema(example = 8)]
    pub voucher_code_length: i32,
    #[schema(example = 90)]
    pub voucher_shelf_life_days: i32,
    pub drift_mode: DriftMode,
    pub login_throttle: ThrottlePolicy,
    /// Roles whose admins must use two-factor authentication.
    #[schema(value_type = Vec<Role>)]
    pub require_2fa_roles: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            company_name: "MikroBill Net".into(),
            company_address: String::new(),
            company_phone: String::new(),
            timezone: "Asia/Jakarta".into(),
            currency: "IDR".into(),
            voucher_marker: "VOUCHER_SYSTEM".into(),
            pppoe_marker: "PPPOE_SYSTEM".into(),
            grace_period_days: 3,
            expiry_warning_days: 3,
            print_layout: PrintLayout::A4Grid,
            voucher_charset: "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".into(),
            voucher_code_length: 8,
            voucher_shelf_life_days: 90,
            drift_mode: DriftMode::Report,
            login_throttle: ThrottlePolicy::default(),
            require_2fa_roles: Vec::new(),
        }
    }
}

/// Whether a write-only secret has a value.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretStatus {
    pub set: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    #[serde(flatten)]
    pub settings: Settings,
    /// Secret settings by name; values are never returned.
    #[schema(example = json!({"whatsapp_api_token": {"set": true}}))]
    pub secrets: BTreeMap<String, SecretStatus>,
}

/// Fields to change; omitted ones stay. `secrets` maps a secret name to its new value, or
/// to `null` to clear it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub company_name: Option<String>,
    pub company_address: Option<String>,
    pub company_phone: Option<String>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    pub voucher_marker: Option<String>,
    pub pppoe_marker: Option<String>,
    pub grace_period_days: Option<i32>,
    pub expiry_warning_days: Option<i32>,
    pub print_layout: Option<PrintLayout>,
    pub voucher_charset: Option<String>,
    pub voucher_code_length: Option<i32>,
    pub voucher_shelf_life_days: Option<i32>,
    pub drift_mode: Option<DriftMode>,
    pub login_throttle: Option<ThrottlePolicy>,
    pub require_2fa_roles: Option<Vec<Role>>,
    #[schema(value_type = Option<HashMap<String, Option<String>>>)]
    pub secrets: Option<HashMap<String, Option<String>>>,
}

fn role_name(r: Role) -> &'static str {
    domain::status::AdminRole::from(r).as_str()
}

/// Validates every field at once and returns the plain values to store, by key.
fn validate(p: &SettingsPatch) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let mut errors = Vec::new();
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let text = |key: &'static str,
                v: &Option<String>,
                min: usize,
                max: usize,
                out: &mut Vec<_>,
                err: &mut dyn FnMut(&str, String)| {
        if let Some(v) = v {
            let n = v.trim().chars().count();
            if n < min || n > max {
                err(key, format!("must be {min} to {max} characters"));
            } else {
                out.push((key, Value::String(v.trim().to_owned())));
            }
        }
    };
    text("company_name", &p.company_name, 1, 200, &mut out, &mut err);
    text(
        "company_address",
        &p.company_address,
        0,
        500,
        &mut out,
        &mut err,
    );
    if let Some(phone) = &p.company_phone {
        if phone.is_empty() || phone.len() > 20 || !phone.bytes().all(|b| b.is_ascii_digit()) {
            err(
                "company_phone",
                "must be digits only, e.g. 6281234567890".into(),
            );
        } else {
            out.push(("company_phone", Value::String(phone.clone())));
        }
    }
    if let Some(tz) = &p.timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            err(
                "timezone",
                format!("{tz:?} is not an IANA time zone (e.g. Asia/Jakarta)"),
            );
        } else {
            out.push(("timezone", Value::String(tz.clone())));
        }
    }
    if let Some(c) = &p.currency {
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            err(
                "currency",
                "must be a three-letter ISO 4217 code such as IDR".into(),
            );
        } else {
            out.push(("currency", Value::String(c.clone())));
        }
    }
    for (key, v) in [
        ("voucher_marker", &p.voucher_marker),
        ("pppoe_marker", &p.pppoe_marker),
    ] {
        if let Some(m) = v {
            if m.len() < 3
                || m.len() > 32
                || !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                err(key, "must be 3 to 32 letters, digits or underscores".into());
            } else {
                out.push((key, Value::String(m.clone())));
            }
        }
    }
    if let (Some(a), Some(b)) = (&p.voucher_marker, &p.pppoe_marker)
        && a == b
    {
        err("pppoe_marker", "must differ from voucher_marker".into());
    }
    for (key, v, lo, hi) in [
        ("grace_period_days", p.grace_period_days, 0, 60),
        ("expiry_warning_days", p.expiry_warning_days, 0, 30),
        ("voucher_code_length", p.voucher_code_length, 4, 16),
        (
            "voucher_shelf_life_days",
            p.voucher_shelf_life_days,
            1,
            3650,
        ),
    ] {
        if let Some(n) = v {
            if (lo..=hi).contains(&n) {
                out.push((key, Value::from(n)));
            } else {
                err(key, format!("must be between {lo} and {hi}"));
            }
        }
    }
    if let Some(cs) = &p.voucher_charset {
        let unique: std::collections::HashSet<char> = cs.chars().collect();
        if unique.len() != cs.chars().count()
            || unique.len() < 10
            || !cs.chars().all(|c| c.is_ascii_alphanumeric())
        {
            err(
                "voucher_charset",
                "must be at least 10 distinct letters or digits".into(),
            );
        } else {
            out.push(("voucher_charset", Value::String(cs.clone())));
        }
    }
    if let Some(l) = p.print_layout {
        out.push((
            "print_layout",
            serde_json::to_value(l).unwrap_or(Value::Null),
        ));
    }
    if let Some(d) = p.drift_mode {
        out.push(("drift_mode", serde_json::to_value(d).unwrap_or(Value::Null)));
    }
    if let Some(t) = &p.login_throttle {
        for (field, n, lo, hi) in [
            ("login_throttle.max_failures", t.max_failures, 1, 100),
            (
                "login_throttle.ip_max_failures",
                t.ip_max_failures,
                1,
                10_000,
            ),
            ("login_throttle.window_minutes", t.window_minutes, 1, 1440),
            ("login_throttle.lock_minutes", t.lock_minutes, 1, 1440),
        ] {
            if !(lo..=hi).contains(&n) {
                err(field, format!("must be between {lo} and {hi}"));
            }
        }
        out.push((
            "login_throttle",
            serde_json::to_value(t).unwrap_or(Value::Null),
        ));
    }
    if let Some(roles) = &p.require_2fa_roles {
        let names: Vec<Value> = roles
            .iter()
            .map(|r| Value::String(role_name(*r).into()))
            .collect();
        out.push(("require_2fa_roles", Value::Array(names)));
    }
    if let Some(secrets) = &p.secrets {
        for (k, v) in secrets {
            if !SECRET_KEYS.contains(&k.as_str()) {
                err(
                    &format!("secrets.{k}"),
                    format!("unknown secret; known: {}", SECRET_KEYS.join(", ")),
                );
            } else if v.as_ref().is_some_and(|s| s.is_empty() || s.len() > 4096) {
                err(
                    &format!("secrets.{k}"),
                    "must be 1 to 4096 bytes, or null to clear".into(),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::fields(errors))
    }
}

/// Reads the settings rows into the typed view (defaults for missing keys).
fn load(conn: &mut diesel::PgConnection) -> Result<SettingsView, ApiError> {
    let rows = store::settings::all(conn)?;
    let mut plain = serde_json::Map::new();
    let mut secrets: BTreeMap<String, SecretStatus> = SECRET_KEYS
        .iter()
        .map(|k| ((*k).to_owned(), SecretStatus { set: false }))
        .collect();
    for r in rows {
        if r.is_secret {
            secrets.insert(
                r.key,
                SecretStatus {
                    set: r.secret_enc.is_some(),
                },
            );
        } else {
            plain.insert(r.key, r.value);
        }
    }
    let defaults = serde_json::to_value(Settings::default()).map_err(ApiError::internal)?;
    let mut merged = defaults.as_object().cloned().unwrap_or_default();
    for (k, v) in plain {
        // keep a default when a stored value has the wrong shape, instead of failing the read
        if merged.contains_key(&k) {
            let mut probe = merged.clone();
            probe.insert(k.clone(), v.clone());
            if serde_json::from_value::<Settings>(Value::Object(probe)).is_ok() {
                merged.insert(k, v);
            }
        }
    }
    let settings = serde_json::from_value(Value::Object(merged)).map_err(ApiError::internal)?;
    Ok(SettingsView { settings, secrets })
}

/// All settings; secret ones only as `{"set": true|false}`.
#[utoipa::path(
    tag = "settings",
    responses((status = 200, body = SettingsView), ProblemResponses),
    security(("bearer" = ["settings.read"]))
)]
#[get("/settings")]
async fn read(
    state: web::Data<AppState>,
    _: Require<perm::SettingsRead>,
) -> ApiResult<HttpResponse> {
    let view = db::run(&state.pool, load).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change some settings; every invalid field is reported at once (422).
#[utoipa::path(
    tag = "settings",
    request_body = SettingsPatch,
    responses((status = 200, body = SettingsView), ProblemResponses),
    security(("bearer" = ["settings.write"]))
)]
#[patch("/settings")]
async fn update(
    state: web::Data<AppState>,
    admin: Require<perm::SettingsWrite>,
    audit: AuditContext,
    body: Json<SettingsPatch>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    let values = validate(&patch)?;
    let mut encrypted: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    if let Some(secrets) = patch.secrets {
        let key = state.master_key.as_ref().ok_or_else(|| {
            ApiError::unavailable("MIKROBILL_MASTER_KEY is not configured on this server", 60)
        })?;
        for (k, v) in secrets {
            let enc = match v {
                Some(plain) => {
                    Some(store::crypto::encrypt_str(key, &plain).map_err(ApiError::internal)?)
                }
                None => None,
            };
            encrypted.push((k, enc));
        }
    }
    let by = admin.id;
    let view = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let before = load(conn)?;
            for (k, v) in &values {
                store::settings::put_value(conn, k, v, Some(by))?;
            }
            let mut changed_secrets = serde_json::Map::new();
            for (k, enc) in &encrypted {
                store::settings::put_secret(conn, k, enc.as_deref(), Some(by))?;
                changed_secrets.insert(
                    k.clone(),
                    Value::String(if enc.is_some() { "set" } else { "cleared" }.into()),
                );
            }
            let after = load(conn)?;
            let mut before_json =
                serde_json::to_value(&before.settings).map_err(ApiError::internal)?;
            let mut after_json =
                serde_json::to_value(&after.settings).map_err(ApiError::internal)?;
            keep_changed(&mut before_json, &mut after_json);
            if !changed_secrets.is_empty() {
                after_json["changed_secrets"] = Value::Object(changed_secrets);
            }
            audit.record(
                conn,
                "settings.update",
                "settings",
                None,
                Some(before_json),
                Some(after_json),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Reduces both snapshots to the keys whose value changed, so the audit row is a diff.
fn keep_changed(before: &mut Value, after: &mut Value) {
    if let (Some(b), Some(a)) = (before.as_object_mut(), after.as_object_mut()) {
        let same: Vec<String> = a
            .iter()
            .filter(|(k, v)| b.get(*k) == Some(v))
            .map(|(k, _)| k.clone())
            .collect();
        for k in same {
            a.remove(&k);
            b.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invalid_field_is_reported_together() {
        let p = SettingsPatch {
            timezone: Some("Mars/Olympus".into()),
            currency: Some("rupiah".into()),
            grace_period_days: Some(-1),
            ..Default::default()
        };
        let e = validate(&p)
            .err()
            .map(|e| e.errors.into_iter().map(|f| f.field).collect::<Vec<_>>());
        assert_eq!(
            e,
            Some(vec![
                "timezone".to_owned(),
                "currency".into(),
                "grace_period_days".into()
            ])
        );
    }

    #[test]
    fn valid_values_pass() {
        let p = SettingsPatch {
            timezone: Some("Asia/Makassar".into()),
            voucher_code_length: Some(10),
            ..Default::default()
        };
        assert_eq!(validate(&p).map(|v| v.len()).ok(), Some(2));
    }
}
