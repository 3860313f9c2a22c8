//! Self-service account security: TOTP enrolment, confirmation, recovery codes, disabling,
//! and changing one's own password (old password required).

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::{Require, password, perm, totp};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(enrol)
        .service(confirm)
        .service(disable)
        .service(regenerate_codes)
        .service(change_password);
}

/// What an authenticator app needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    /// The shared secret in base32, for manual entry.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    pub secret: String,
    /// `otpauth://` provisioning URI.
    #[schema(example = "otpauth://totp/mikrobill:admin?secret=JBSWY3DPEHPK3PXP&issuer=mikrobill")]
    pub otpauth_uri: String,
    /// The URI as an SVG QR code.
    pub qr_svg: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// Current six-digit code from the authenticator app.
    #[schema(example = "123456")]
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableTwoFactor {
    pub password: String,
    /// A current code or a recovery code.
    pub code: String,
}

/// One-time recovery codes, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    #[schema(example = json!(["abcd-efgh", "jkmn-pqrs"]))]
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters, at most 72 bytes.
    pub new_password: String,
}

fn conflict(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::Conflict, detail)
}

fn bad_code() -> ApiError {
    ApiError::field("code", "is not a valid current code")
}

/// Start 2FA enrolment: returns a new secret as URI and QR code. Confirm it with a code.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Enrolment), (status = 409, description = "2FA is already enabled", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/2fa/enrol")]
async fn enrol(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
) -> ApiResult<HttpResponse> {
    let (enc, totp) = totp::new_secret(&state, &admin.username)?;
    let id = admin.id;
    db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let user = store::admins::find_for_update(conn, id)?;
            if user.totp_enabled {
                return Err(conflict(
                    "two-factor authentication is already enabled; disable it first",
                ));
            }
            store::admins::set_totp_pending(conn, id, &enc)?;
            audit.record(
                conn,
                "auth.2fa_enrol",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok(())
        })
    })
    .await?;
    let uri = totp.get_url();
    Ok(HttpResponse::Ok().json(Enrolment {
        secret: totp.get_secret_base32(),
        qr_svg: totp::qr_svg(&uri)?,
        otpauth_uri: uri,
    }))
}

/// Confirm enrolment with a current code: enables 2FA and returns ten recovery codes.
///
/// If your role requires 2FA, refresh your token afterwards to lift the enrolment restriction.
#[utoipa::path(
    tag = "auth",
    request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), (status = 409, description = "Not enrolling or already enabled", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/2fa/confirm")]
async fn confirm(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
    body: Json<TotpCode>,
) -> ApiResult<HttpResponse> {
    let (id, code) = (admin.id, body.into_inner().code);
    let (codes, hashes) = totp::new_recovery_codes();
    let st = state.clone();
    db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let user = store::admins::find_for_update(conn, id)?;
            if user.totp_enabled {
                return Err(conflict("two-factor authentication is already enabled"));
            }
            if !totp::code_matches(&totp::decrypt(&st, &user)?, &code) {
                return Err(bad_code());
            }
            store::admins::enable_totp(conn, id, hashes)?;
            audit.record(
                conn,
                "auth.2fa_enable",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Turn 2FA off (password and a code required). Refused when your role requires 2FA.
#[utoipa::path(
    tag = "auth",
    request_body = DisableTwoFactor,
    responses((status = 204, description = "2FA disabled"), (status = 409, description = "Not enabled, or required for your role", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/2fa/disable")]
async fn disable(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
    body: Json<DisableTwoFactor>,
) -> ApiResult<HttpResponse> {
    if totp::required_for(&state, admin.role.as_str()).await? {
        return Err(conflict("your role requires two-factor authentication"));
    }
    let (id, b) = (admin.id, body.into_inner());
    let user = db::run(&state.pool, move |conn| Ok(store::admins::find(conn, id)?)).await?;
    let user = user.ok_or_else(|| ApiError::not_found("admin user"))?;
    if !user.totp_enabled {
        return Err(conflict("two-factor authentication is not enabled"));
    }
    if !password::verify(
        b.password,
        Some(user.password_hash.clone()),
        state.config.bcrypt_cost,
    )
    .await?
    {
        return Err(ApiError::field("password", "is not your current password"));
    }
    if matches!(
        totp::check_login_code(&state, &user, &b.code)?,
        totp::CodeCheck::Invalid
    ) {
        return Err(bad_code());
    }
    db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            store::admins::disable_totp(conn, id)?;
            audit.record(
                conn,
                "auth.2fa_disable",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the recovery codes (a current code required); the old ones stop working.
#[utoipa::path(
    tag = "auth",
    request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), (status = 409, description = "2FA is not enabled", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/2fa/recovery-codes")]
async fn regenerate_codes(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
    body: Json<TotpCode>,
) -> ApiResult<HttpResponse> {
    let (id, code) = (admin.id, body.into_inner().code);
    let (codes, hashes) = totp::new_recovery_codes();
    let st = state.clone();
    db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let user = store::admins::find_for_update(conn, id)?;
            if !user.totp_enabled {
                return Err(conflict("two-factor authentication is not enabled"));
            }
            if !totp::code_matches(&totp::decrypt(&st, &user)?, &code) {
                return Err(bad_code());
            }
            store::admins::set_recovery_codes(conn, id, hashes)?;
            audit.record(
                conn,
                "auth.2fa_recovery_codes",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Change your own password; your other sessions are revoked.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
    body: Json<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    password::validate_new("new_password", &b.new_password)
        .map_err(|e| ApiError::fields(vec![e]))?;
    let id = admin.id;
    let current = db::run(&state.pool, move |conn| Ok(store::admins::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("admin user"))?;
    let cost = state.config.bcrypt_cost;
    if !password::verify(b.current_password, Some(current.password_hash), cost).await? {
        return Err(ApiError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = password::hash(b.new_password, cost).await?;
    let keep = admin.session;
    let revoked = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            store::admins::set_password(conn, id, &hash)?;
            let revoked =
                store::admin_sessions::revoke_others_of_user(conn, id, keep, "password_changed")?;
            audit.record(
                conn,
                "auth.password_change",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok::<_, ApiError>(revoked)
        })
    })
    .await?;
    state.revocations.insert(revoked);
    Ok(HttpResponse::NoContent().finish())
}
