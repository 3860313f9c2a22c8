//! Access tokens: HS256 JWTs signed with `jwt_secret`, verified with it or with
//! `jwt_previous_secret` so a key rotation does not log everyone out. Used for both realms:
//! admins here, portal customers by the customers module.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which login issued the token; an admin token never opens a portal route and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Realm {
    Admin,
    Customer,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Admin id or customer id, as a string (RFC 7519).
    pub sub: String,
    pub realm: Realm,
    /// `super_admin` | `admin` | `operator` for admins, `customer` for the portal.
    pub role: String,
    /// Display name for audit rows, so they need no lookup.
    #[serde(default)]
    pub name: String,
    /// The session family: revoking it invalidates this token (see `auth::revocation`).
    pub sid: Uuid,
    pub jti: Uuid,
    /// Set when a role requires 2FA and the admin has not enrolled: the token only opens
    /// self-service routes (enrolment, me, logout).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enrol: bool,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("token is invalid or expired")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token belongs to another realm")]
    WrongRealm,
}

/// Precomputed keys; cheap to share.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    previous: Option<DecodingKey>,
    validation: Validation,
    ttl_secs: i64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], previous: Option<&[u8]>, ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            previous: previous.map(DecodingKey::from_secret),
            validation,
            ttl_secs,
        }
    }

    pub fn from_config(config: &crate::ApiConfig) -> Self {
        Self::new(
            &config.jwt_secret,
            config.jwt_previous_secret.as_deref(),
            config.access_token_ttl_secs,
        )
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Signs a fresh access token; returns it with its claims.
    pub fn issue(
        &self,
        realm: Realm,
        subject: i64,
        role: &str,
        name: &str,
        session_family: Uuid,
    ) -> Result<(String, Claims), JwtError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            realm,
            role: role.to_owned(),
            name: name.to_owned(),
            sid: session_family,
            jti: Uuid::new_v4(),
            enrol: false,
            iat: now,
            exp: now + self.ttl_secs,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// An admin token; `enrol` restricts it to self-service until 2FA is set up.
    pub fn issue_admin(
        &self,
        admin_id: i64,
        role: &str,
        username: &str,
        session_family: Uuid,
        enrol: bool,
    ) -> Result<(String, Claims), JwtError> {
        if !enrol {
            return self.issue(Realm::Admin, admin_id, role, username, session_family);
        }
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: admin_id.to_string(),
            realm: Realm::Admin,
            role: role.to_owned(),
            name: username.to_owned(),
            sid: session_family,
            jti: Uuid::new_v4(),
            enrol,
            iat: now,
            exp: now + self.ttl_secs,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// Verifies signature (current key, then the previous one), expiry and realm.
    pub fn verify(&self, token: &str, realm: Realm) -> Result<Claims, JwtError> {
        let claims = match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => data.claims,
            Err(e) => match (&self.previous, e.kind()) {
                (Some(prev), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
                    jsonwebtoken::decode::<Claims>(token, prev, &self.validation)?.claims
                }
                _ => return Err(e.into()),
            },
        };
        if claims.realm != realm {
            return Err(JwtError::WrongRealm);
        }
        Ok(claims)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    const A: &[u8] = b"0123456789abcdef0123456789abcdef";
    const B: &[u8] = b"fedcba9876543210fedcba9876543210";

    #[test]
    fn issued_token_verifies_and_carries_claims() {
        let keys = JwtKeys::new(A, None, 900);
        let sid = Uuid::new_v4();
        let (token, _) = keys.issue(Realm::Admin, 7, "admin", "ana", sid).unwrap();
        let claims = keys.verify(&token, Realm::Admin).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.sid, claims.role.as_str()),
            ("7", sid, "admin")
        );
    }

    #[test]
    fn previous_secret_still_verifies_after_rotation() {
        let old = JwtKeys::new(A, None, 900);
        let (token, _) = old
            .issue(Realm::Admin, 1, "admin", "a", Uuid::new_v4())
            .unwrap();
        assert!(
            JwtKeys::new(B, Some(A), 900)
                .verify(&token, Realm::Admin)
                .is_ok()
        );
        assert!(
            JwtKeys::new(B, None, 900)
                .verify(&token, Realm::Admin)
                .is_err()
        );
    }

    #[test]
    fn realm_and_expiry_are_enforced() {
        let keys = JwtKeys::new(A, None, 900);
        let (token, _) = keys
            .issue(Realm::Customer, 1, "customer", "c", Uuid::new_v4())
            .unwrap();
        assert!(matches!(
            keys.verify(&token, Realm::Admin),
            Err(JwtError::WrongRealm)
        ));
        let expired = JwtKeys::new(A, None, -120);
        let (token, _) = expired
            .issue(Realm::Admin, 1, "admin", "a", Uuid::new_v4())
            .unwrap();
        assert!(keys.verify(&token, Realm::Admin).is_err());
    }
}
