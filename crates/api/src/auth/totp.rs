//! TOTP two-factor authentication (RFC 6238, SHA-1, 6 digits, 30 s, ±1 step) for admins:
//! secrets encrypted under the master key, provisioning URI plus an SVG QR code, and ten
//! one-time recovery codes stored as SHA-256 hashes (they are random, so a fast hash is
//! enough). The `require_2fa_roles` setting forces enrolment per role.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use store::models::admin::AdminUser as AdminRow;

pub const ISSUER: &str = "mikrobill";
pub const REQUIRE_SETTING: &str = "require_2fa_roles";
const RECOVERY_CODES: usize = 10;

pub enum CodeCheck {
    Valid,
    /// A recovery code matched; the remaining hashes to store.
    RecoveryCode(serde_json::Value),
    Invalid,
}

fn master_key(state: &AppState) -> Result<&store::crypto::MasterKey, ApiError> {
    state.master_key.as_ref().ok_or_else(|| {
        ApiError::unavailable("MIKROBILL_MASTER_KEY is not configured on this server", 60)
    })
}

pub fn totp_for(secret: Vec<u8>, account: &str) -> Result<TOTP, ApiError> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// A fresh secret: its ciphertext for the database and the TOTP for the URI and QR code.
pub fn new_secret(state: &AppState, account: &str) -> Result<(Vec<u8>, TOTP), ApiError> {
    let raw = Secret::generate_secret()
        .to_bytes()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let enc = store::crypto::encrypt(master_key(state)?, &raw).map_err(ApiError::internal)?;
    Ok((enc, totp_for(raw, account)?))
}

pub fn decrypt(state: &AppState, user: &AdminRow) -> Result<TOTP, ApiError> {
    let enc = user.totp_secret_enc.as_deref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            "two-factor enrolment has not been started",
        )
    })?;
    let raw = store::crypto::decrypt(master_key(state)?, enc).map_err(ApiError::internal)?;
    totp_for(raw, &user.username)
}

pub fn code_matches(totp: &TOTP, code: &str) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    code.len() == 6 && totp.check_current(&code).unwrap_or(false)
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub fn hash_recovery(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_recovery(code).as_bytes()))
}

/// Ten new codes (`xxxx-xxxx`) and the JSON array of their hashes.
pub fn new_recovery_codes() -> (Vec<String>, serde_json::Value) {
    use rand::Rng;
    const CHARSET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let s: String = (0..8)
                .map(|_| char::from(CHARSET[rng.random_range(0..CHARSET.len())]))
                .collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|c| serde_json::Value::String(hash_recovery(c)))
        .collect();
    (codes, serde_json::Value::Array(hashes))
}

/// Checks a login's second factor: a current TOTP code, or an unused recovery code.
pub fn check_login_code(
    state: &AppState,
    user: &AdminRow,
    code: &str,
) -> Result<CodeCheck, ApiError> {
    if code_matches(&decrypt(state, user)?, code) {
        return Ok(CodeCheck::Valid);
    }
    let wanted = hash_recovery(code);
    let hashes = user.recovery_codes.as_array().cloned().unwrap_or_default();
    if normalise_recovery(code).len() == 8 && hashes.iter().any(|h| h.as_str() == Some(&wanted)) {
        let remaining = hashes
            .into_iter()
            .filter(|h| h.as_str() != Some(&wanted))
            .collect();
        return Ok(CodeCheck::RecoveryCode(serde_json::Value::Array(remaining)));
    }
    Ok(CodeCheck::Invalid)
}

/// Whether the `require_2fa_roles` setting lists `role`.
pub async fn required_for(state: &AppState, role: &str) -> Result<bool, ApiError> {
    let role = role.to_owned();
    crate::db::run(&state.pool, move |conn| {
        let setting = store::settings::get(conn, REQUIRE_SETTING)?;
        Ok(setting
            .and_then(|s| s.value.as_array().cloned())
            .is_some_and(|roles| roles.iter().any(|r| r.as_str() == Some(role.as_str()))))
    })
    .await
}

/// The provisioning URI as an SVG QR code (no image crates needed).
pub fn qr_svg(uri: &str) -> Result<String, ApiError> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(uri, QrCodeEcc::Medium)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    #[test]
    fn current_code_matches_and_others_do_not() {
        let totp = totp_for(vec![7u8; 20], "ana").unwrap();
        let code = totp.generate_current().unwrap();
        assert!(code_matches(&totp, &code));
        assert!(!code_matches(&totp, "12345"));
        assert!(totp.get_url().starts_with("otpauth://totp/mikrobill:ana?"));
    }

    #[test]
    fn recovery_codes_hash_ignoring_case_and_dashes() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let first = hashes[0].as_str().unwrap();
        assert_eq!(
            hash_recovery(&codes[0].to_uppercase().replace('-', "")),
            first
        );
    }

    #[test]
    fn qr_is_an_svg() {
        let svg = qr_svg("otpauth://totp/mikrobill:ana?secret=ABC").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"));
    }
}
