//! The login and refresh use cases: throttling, bcrypt off the async workers, 2FA, session
//! rows and token issuance. Handlers in `routes::auth` only translate HTTP.

use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};
use domain::status::AdminRole;
use uuid::Uuid;

use super::password;
use super::session::{hash_refresh_token, new_refresh_token};
use super::throttle::{Decision, ThrottlePolicy};
use super::{AdminUser, totp};
use crate::audit::AuditContext;
use crate::db;
use crate::error::{ApiError, ErrorCode};
use crate::routes::auth::{Me, TokenResponse};
use crate::state::AppState;
use store::models::admin::{AdminSession, AdminUser as AdminRow, NewAdminSession};

const REALM: &str = "admin";

pub struct LoginInput {
    pub username: String,
    pub password: String,
    pub totp_code: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub audit: AuditContext,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

fn invalid_refresh() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidToken,
        "the refresh token is invalid, expired or revoked",
    )
}

pub async fn login(state: &AppState, input: LoginInput) -> Result<TokenResponse, ApiError> {
    let username = input.username.trim().to_lowercase();
    if username.is_empty() || username.len() > 64 || input.password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let (u, ip) = (username.clone(), input.ip.clone());
    let (policy, decision, user) = db::run(&state.pool, move |conn| {
        let policy = ThrottlePolicy::load(conn)?;
        let decision = policy.decide(conn, REALM, &u, ip.as_deref(), Utc::now())?;
        let user = store::admins::find_by_username(conn, &u)?;
        Ok((policy, decision, user))
    })
    .await?;
    let failures = match decision {
        Decision::Locked { retry_after_secs } => {
            return Err(ApiError::new(
                ErrorCode::AccountLocked,
                "too many failed logins; try again later",
            )
            .with_retry_after(retry_after_secs));
        }
        Decision::Proceed { delay, failures } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            failures
        }
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = password::verify(input.password, stored, state.config.bcrypt_cost).await?;
    let user = user.filter(|u| password_ok && !u.disabled);

    // 2FA: asked for only once the password is right, so it reveals nothing to a guesser
    let mut recovery_used = None;
    if let Some(u) = &user
        && u.totp_enabled
    {
        let Some(code) = input.totp_code.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(ApiError::new(
                ErrorCode::TwoFactorRequired,
                "send `totp_code` from your authenticator app (or a recovery code)",
            ));
        };
        match totp::check_login_code(state, u, code)? {
            totp::CodeCheck::Valid => {}
            totp::CodeCheck::RecoveryCode(remaining) => recovery_used = Some(remaining),
            totp::CodeCheck::Invalid => {
                return fail(state, &username, input.ip, Some(u.id), &policy, failures).await;
            }
        }
    }
    let Some(user) = user else {
        return fail(state, &username, input.ip, None, &policy, failures).await;
    };
    let enrol_required = !user.totp_enabled && totp::required_for(state, &user.role).await?;
    let ttl_days = state.config.refresh_token_ttl_days;
    let (ip, ua, mut audit) = (input.ip, input.user_agent, input.audit);
    audit.set_actor("admin", Some(user.id), Some(user.username.clone()));
    let row = user.clone();
    let (refresh, session) = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            store::login_attempts::record(conn, REALM, &username, ip.as_deref(), true)?;
            store::admins::record_login_success(conn, row.id)?;
            if let Some(remaining) = recovery_used {
                store::admins::set_recovery_codes(conn, row.id, remaining)?;
            }
            let (token, session) = new_session(
                conn,
                row.id,
                Uuid::new_v4(),
                ip.as_deref(),
                ua.as_deref(),
                ttl_days,
            )?;
            audit.record(
                conn,
                "auth.login",
                "admin_user",
                Some(&row.id.to_string()),
                None,
                None,
            )?;
            Ok::<_, diesel::result::Error>((token, session))
        })
        .map_err(ApiError::from)
    })
    .await?;
    issue(state, &user, refresh, &session, enrol_required)
}

/// Records a failed attempt (and the lock it may trigger) and answers the uniform 401.
async fn fail(
    state: &AppState,
    username: &str,
    ip: Option<String>,
    user_id: Option<i64>,
    policy: &ThrottlePolicy,
    failures: i64,
) -> Result<TokenResponse, ApiError> {
    let username = username.to_owned();
    let lock_until = policy
        .locks_after(failures)
        .then(|| Utc::now() + chrono::Duration::minutes(i64::from(policy.lock_minutes)));
    db::run(&state.pool, move |conn| {
        store::login_attempts::record(conn, REALM, &username, ip.as_deref(), false)?;
        if let Some(id) = user_id {
            store::admins::record_login_failure(conn, id, lock_until)?;
        }
        Ok(())
    })
    .await?;
    Err(invalid_credentials())
}

fn new_session(
    conn: &mut PgConnection,
    admin_id: i64,
    family: Uuid,
    ip: Option<&str>,
    ua: Option<&str>,
    ttl_days: i64,
) -> diesel::QueryResult<(String, AdminSession)> {
    let (token, hash) = new_refresh_token();
    let session = store::admin_sessions::insert(
        conn,
        &NewAdminSession {
            admin_user_id: admin_id,
            family_id: family,
            refresh_token_hash: &hash,
            user_agent: ua,
            ip,
            expires_at: Utc::now() + chrono::Duration::days(ttl_days),
        },
    )?;
    Ok((token, session))
}

fn issue(
    state: &AppState,
    user: &AdminRow,
    refresh_token: String,
    session: &AdminSession,
    enrol_required: bool,
) -> Result<TokenResponse, ApiError> {
    let role: AdminRole = user.role.parse().map_err(ApiError::internal)?;
    let (access_token, claims) = state
        .jwt
        .issue_admin(
            user.id,
            role.as_str(),
            &user.username,
            session.family_id,
            enrol_required,
        )
        .map_err(ApiError::internal)?;
    let admin = AdminUser {
        id: user.id,
        username: user.username.clone(),
        role,
        session: claims.sid,
        enrol_pending: claims.enrol,
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_secs(),
        refresh_token,
        refresh_expires_at: session.expires_at,
        two_factor_enrolment_required: enrol_required,
        admin: Me::of(&admin),
    })
}

enum RefreshOutcome {
    Rotated(Box<(AdminRow, String, AdminSession)>),
    /// A rotated token came back: the family is revoked.
    Reused(Uuid),
    Invalid,
}

pub async fn refresh(
    state: &AppState,
    token: String,
    ip: Option<String>,
    ua: Option<String>,
    mut audit: AuditContext,
) -> Result<TokenResponse, ApiError> {
    let hash = hash_refresh_token(&token);
    let ttl_days = state.config.refresh_token_ttl_days;
    let outcome = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let Some(old) = store::admin_sessions::find_by_hash_for_update(conn, &hash)? else {
                return Ok(RefreshOutcome::Invalid);
            };
            audit.set_actor("admin", Some(old.admin_user_id), None);
            if old.revoked_reason.as_deref() == Some(store::admin_sessions::REASON_ROTATED) {
                store::admin_sessions::revoke_family(conn, old.family_id, "refresh_token_reuse")?;
                audit.record(
                    conn,
                    "auth.refresh_reuse",
                    "admin_session",
                    Some(&old.id.to_string()),
                    None,
                    None,
                )?;
                return Ok(RefreshOutcome::Reused(old.family_id));
            }
            let now: DateTime<Utc> = Utc::now();
            if old.revoked_at.is_some() || old.expires_at <= now {
                return Ok(RefreshOutcome::Invalid);
            }
            let user = match store::admins::find(conn, old.admin_user_id)? {
                Some(u) if !u.disabled => u,
                _ => {
                    store::admin_sessions::revoke_family(conn, old.family_id, "disabled")?;
                    return Ok(RefreshOutcome::Reused(old.family_id));
                }
            };
            let (token, session) = new_session(
                conn,
                user.id,
                old.family_id,
                ip.as_deref(),
                ua.as_deref(),
                ttl_days,
            )?;
            store::admin_sessions::mark_rotated(conn, old.id, session.id)?;
            Ok::<_, diesel::result::Error>(RefreshOutcome::Rotated(Box::new((
                user, token, session,
            ))))
        })
        .map_err(ApiError::from)
    })
    .await?;
    match outcome {
        RefreshOutcome::Rotated(b) => {
            let (user, token, session) = *b;
            let enrol_required =
                !user.totp_enabled && totp::required_for(state, &user.role).await?;
            issue(state, &user, token, &session, enrol_required)
        }
        RefreshOutcome::Reused(family) => {
            state.revocations.insert([family]);
            Err(invalid_refresh())
        }
        RefreshOutcome::Invalid => Err(invalid_refresh()),
    }
}
