//! Encryption of secrets at rest (router passwords, gateway keys, tokens): AES-256-GCM under
//! `MIKROBILL_MASTER_KEY`, stored as `nonce (12 bytes) || ciphertext || tag` in BYTEA columns.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Environment variable holding the key.
pub const MASTER_KEY_ENV: &str = "MIKROBILL_MASTER_KEY";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("{MASTER_KEY_ENV} is not set")]
    MissingKey,
    #[error("{MASTER_KEY_ENV} must be 64 hex characters or the base64 of 32 bytes")]
    MalformedKey,
    #[error("ciphertext is too short to be ours")]
    Truncated,
    // Deliberately vague: wrong key and tampering look the same, and neither leaks data.
    #[error("decryption failed: wrong key or corrupted ciphertext")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
    #[error("decrypted secret is not UTF-8")]
    NotUtf8,
}

/// The AES-256 key; its `Debug` never prints the key.
#[derive(Clone)]
pub struct MasterKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Parses the variable's value: 64 hex characters, or standard base64 of 32 bytes.
    pub fn from_env_value(value: &str) -> Result<Self, CryptoError> {
        let value = value.trim();
        let bytes = if value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(value).map_err(|_| CryptoError::MalformedKey)?
        } else {
            STANDARD
                .decode(value)
                .map_err(|_| CryptoError::MalformedKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::MalformedKey)?;
        Ok(Self::from_bytes(key))
    }

    /// Reads `MIKROBILL_MASTER_KEY`.
    pub fn from_env() -> Result<Self, CryptoError> {
        match std::env::var(MASTER_KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::from_env_value(&v),
            _ => Err(CryptoError::MissingKey),
        }
    }

    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
        }
    }

    /// A random key and its hex form, for set-up scripts and tests.
    pub fn generate() -> (Self, String) {
        let key: [u8; 32] = rand::random();
        (Self::from_bytes(key), hex::encode(key))
    }
}

/// Encrypts with a fresh random nonce; the output is what goes into a `*_enc` column.
pub fn encrypt(key: &MasterKey, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = key
        .cipher
        .encrypt(&nonce, plaintext)
        .map_err(|_| CryptoError::Encrypt)?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts a value produced by [`encrypt`] under the same key.
pub fn decrypt(key: &MasterKey, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Truncated);
    }
    let (nonce, sealed) = data.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Truncated)?;
    key.cipher
        .decrypt(&Nonce::from(nonce), sealed)
        .map_err(|_| CryptoError::Decrypt)
}

/// [`encrypt`] for text secrets.
pub fn encrypt_str(key: &MasterKey, plaintext: &str) -> Result<Vec<u8>, CryptoError> {
    encrypt(key, plaintext.as_bytes())
}

/// [`decrypt`] for text secrets.
pub fn decrypt_string(key: &MasterKey, data: &[u8]) -> Result<String, CryptoError> {
    String::from_utf8(decrypt(key, data)?).map_err(|_| CryptoError::NotUtf8)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;

    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trips_and_uses_a_fresh_nonce_each_time() {
        let key = MasterKey::from_env_value(HEX_KEY).unwrap();
        let a = encrypt_str(&key, "router-secret").unwrap();
        let b = encrypt_str(&key, "router-secret").unwrap();
        assert_ne!(a, b, "same plaintext must not give the same ciphertext");
        assert_eq!(a.len(), NONCE_LEN + "router-secret".len() + TAG_LEN);
        assert!(
            !a.windows(6).any(|w| w == b"router"),
            "plaintext must not appear in ciphertext"
        );
        assert_eq!(decrypt_string(&key, &a).unwrap(), "router-secret");
        assert_eq!(decrypt_string(&key, &b).unwrap(), "router-secret");
    }

    #[test]
    fn hex_and_base64_forms_of_the_same_key_are_interchangeable() {
        let bytes = hex::decode(HEX_KEY).unwrap();
        let b64 = STANDARD.encode(&bytes);
        let from_hex = MasterKey::from_env_value(HEX_KEY).unwrap();
        let from_b64 = MasterKey::from_env_value(&format!(" {b64}\n")).unwrap();
        let sealed = encrypt(&from_hex, b"x").unwrap();
        assert_eq!(decrypt(&from_b64, &sealed).unwrap(), b"x");
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "abc",
            &HEX_KEY[..62],
            &STANDARD.encode([7u8; 16]),
            &format!("{HEX_KEY}00"),
            "zz",
        ] {
            assert_eq!(
                MasterKey::from_env_value(bad).unwrap_err(),
                CryptoError::MalformedKey,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn wrong_key_and_tampering_are_detected() {
        let key = MasterKey::from_env_value(HEX_KEY).unwrap();
        let (other, other_hex) = MasterKey::generate();
        assert_eq!(other_hex.len(), 64);
        let mut sealed = encrypt(&key, b"gateway-api-key").unwrap();
        assert_eq!(decrypt(&other, &sealed).unwrap_err(), CryptoError::Decrypt);
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(decrypt(&key, &sealed).unwrap_err(), CryptoError::Decrypt);
        assert_eq!(
            decrypt(&key, &sealed[..20]).unwrap_err(),
            CryptoError::Truncated
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = MasterKey::from_env_value(HEX_KEY).unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
    }
}
