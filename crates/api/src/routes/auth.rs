//! Admin authentication routes: login, refresh-token rotation, logout, the current admin
//! and their sessions.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::{AuditContext, client_ip, user_agent};
use crate::auth::login::{self, LoginInput};
use crate::auth::{AdminUser, Permission, Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login_route)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(list_sessions)
        .service(revoke_session);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Six-digit code from the authenticator app, or a recovery code, when 2FA is enabled.
    #[schema(example = "123456")]
    pub totp_code: Option<String>,
}

/// Tokens returned by login and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque token for `POST /auth/refresh`; single use, rotated on every refresh.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    /// True when the role requires 2FA and the admin has not enrolled: until they do, the
    /// access token only opens `/auth/*` self-service routes.
    pub two_factor_enrolment_required: bool,
    pub admin: Me,
}

/// The authenticated admin, as carried by the access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "admin")]
    pub username: String,
    /// `super_admin`, `admin` or `operator`.
    #[schema(example = "admin")]
    pub role: String,
    /// Every permission scope the role holds.
    #[schema(example = json!(["customers.read", "ledger.top_up"]))]
    pub permissions: Vec<&'static str>,
    /// Session family of this token.
    pub session_id: Uuid,
}

impl Me {
    pub fn of(admin: &AdminUser) -> Me {
        Me {
            id: admin.id,
            username: admin.username.clone(),
            role: admin.role.as_str().to_owned(),
            permissions: Permission::ALL
                .iter()
                .filter(|p| p.allows(admin.role))
                .map(|p| p.as_str())
                .collect(),
            session_id: admin.session,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Log in with username and password (and a TOTP code when 2FA is on).
///
/// Wrong username and wrong password give the same 401. Repeated failures per username and
/// per IP are slowed down and then locked (429 with Retry-After).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 429, description = "Locked after too many failures", body = crate::error::Problem, content_type = "application/problem+json"),
        ProblemResponses
    )
)]
#[post("/auth/login")]
async fn login_route(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = LoginInput {
        username: body.username,
        password: body.password,
        totp_code: body.totp_code,
        ip: client_ip(&req),
        user_agent: user_agent(&req),
        audit: AuditContext::from_request_parts(&req),
    };
    let tokens = login::login(&state, input).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// The old refresh token stops working. Presenting an already rotated token again is
/// treated as theft: the whole session is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), ProblemResponses)
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = login::refresh(
        &state,
        body.into_inner().refresh_token,
        client_ip(&req),
        user_agent(&req),
        AuditContext::from_request_parts(&req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Log out: revoke the session of the presented access token (and its refresh token).
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Session revoked"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
) -> ApiResult<HttpResponse> {
    let family = admin.session;
    db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            store::admin_sessions::revoke_family(conn, family, "logout")?;
            audit.record(
                conn,
                "auth.logout",
                "admin_session",
                Some(&family.to_string()),
                None,
                None,
            )?;
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(())
    })
    .await?;
    state.revocations.insert([family]);
    Ok(HttpResponse::NoContent().finish())
}

/// The authenticated admin and their permissions (served from the token, no database hit).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Me), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[get("/auth/me")]
async fn me(admin: Require<perm::SelfService>) -> HttpResponse {
    HttpResponse::Ok().json(Me::of(&admin))
}

/// One login session (a refresh-token family).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    #[schema(example = 12)]
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[schema(example = "203.0.113.7")]
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// True for the session of the token making this request.
    pub current: bool,
}

/// List the caller's active sessions.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Vec<SessionView>), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[get("/auth/sessions")]
async fn list_sessions(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
) -> ApiResult<HttpResponse> {
    let (id, current) = (admin.id, admin.session);
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::admin_sessions::list_active(conn, id)?)
    })
    .await?;
    let views: Vec<SessionView> = rows
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
            current: s.family_id == current,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Revoke one of the caller's sessions (log out another device).
#[utoipa::path(
    tag = "auth",
    params(("id" = i64, Path, description = "Session id from GET /auth/sessions")),
    responses((status = 204, description = "Session revoked"), (status = 404, description = "No such session of yours", body = crate::error::Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["self"]))
)]
#[delete("/auth/sessions/{id}")]
async fn revoke_session(
    state: web::Data<AppState>,
    admin: Require<perm::SelfService>,
    audit: AuditContext,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (session_id, owner) = (path.into_inner(), admin.id);
    let family = db::run(&state.pool, move |conn| {
        conn.build_transaction()
            .run(|conn| {
                let Some(s) = store::admin_sessions::find(conn, session_id)? else {
                    return Ok(None);
                };
                if s.admin_user_id != owner {
                    return Ok(None);
                }
                store::admin_sessions::revoke_family(conn, s.family_id, "revoked")?;
                audit.record(
                    conn,
                    "auth.session_revoke",
                    "admin_session",
                    Some(&session_id.to_string()),
                    None,
                    None,
                )?;
                Ok::<_, diesel::result::Error>(Some(s.family_id))
            })
            .map_err(ApiError::from)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("session"))?;
    state.revocations.insert([family]);
    Ok(HttpResponse::NoContent().finish())
}
