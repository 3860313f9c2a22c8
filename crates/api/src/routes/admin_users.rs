//! Admin accounts: list, create, read, edit (role, profile, disable), delete and password
//! reset. Only super_admin holds `admins.*`. Changing the role, disabling or resetting the
//! password revokes the admin's sessions, so the change takes effect within seconds.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::{Require, password, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError, Problem};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use domain::status::AdminRole;
use store::models::admin::{AdminUser as AdminRow, AdminUserChanges, NewAdminUser};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(remove)
        .service(reset_password);
}

/// An admin account as the API shows it (never the hash, secret or recovery codes).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserView {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "kasir1")]
    pub username: String,
    /// `super_admin`, `admin` or `operator`.
    #[schema(example = "operator")]
    pub role: String,
    #[schema(example = "Siti Kasir")]
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location_id: Option<i64>,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AdminRow> for AdminUserView {
    fn from(r: AdminRow) -> Self {
        Self {
            id: r.id,
            username: r.username,
            role: r.role,
            full_name: r.full_name,
            email: r.email,
            phone: r.phone,
            location_id: r.location_id,
            disabled: r.disabled,
            totp_enabled: r.totp_enabled,
            locked_until: r.locked_until,
            last_login_at: r.last_login_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn snapshot(r: &AdminRow) -> serde_json::Value {
    serde_json::json!({
        "username": r.username, "role": r.role, "full_name": r.full_name, "email": r.email,
        "phone": r.phone, "location_id": r.location_id, "disabled": r.disabled,
    })
}

/// An admin role (the API's view of `domain::status::AdminRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Admin,
    Operator,
}

impl From<Role> for AdminRole {
    fn from(r: Role) -> Self {
        match r {
            Role::SuperAdmin => AdminRole::SuperAdmin,
            Role::Admin => AdminRole::Admin,
            Role::Operator => AdminRole::Operator,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdminUserRequest {
    #[schema(example = "kasir1")]
    pub username: String,
    /// At least 10 characters, at most 72 bytes.
    #[schema(example = "a long passphrase")]
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location_id: Option<i64>,
}

/// Fields to change; omitted fields stay as they are, `null` clears optional ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUserPatch {
    pub role: Option<Role>,
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub location_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

fn validate_username(name: &str, errors: &mut Vec<FieldError>) {
    if name.len() < 3 || name.len() > 64 || name.chars().any(char::is_whitespace) {
        errors.push(FieldError {
            field: "username".into(),
            message: "must be 3 to 64 characters without spaces".into(),
        });
    }
}

fn validate_text(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError {
            field: field.into(),
            message: format!("must be at most {max} characters"),
        });
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("admin user")
}

/// List admin users (oldest first).
#[utoipa::path(
    tag = "admins",
    params(PageParams),
    responses((status = 200, body = Page<AdminUserView>), ProblemResponses),
    security(("bearer" = ["admins.read"]))
)]
#[get("/admin-users")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::AdminsRead>,
    q: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let limit = q.limit()?;
    let after: Option<i64> = q.cursor()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::admins::list(conn, after, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |r| r.id).map(AdminUserView::from)))
}

/// Create an admin user.
#[utoipa::path(
    tag = "admins",
    request_body = NewAdminUserRequest,
    responses((status = 201, body = AdminUserView), (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["admins.write"]))
)]
#[post("/admin-users")]
async fn create(
    state: web::Data<AppState>,
    _: Require<perm::AdminsWrite>,
    audit: AuditContext,
    body: Json<NewAdminUserRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let username = b.username.trim().to_owned();
    let mut errors = Vec::new();
    validate_username(&username, &mut errors);
    if let Err(e) = password::validate_new("password", &b.password) {
        errors.push(e);
    }
    validate_text("full_name", b.full_name.as_deref(), 200, &mut errors);
    validate_text("email", b.email.as_deref(), 200, &mut errors);
    validate_text("phone", b.phone.as_deref(), 32, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let hash = password::hash(b.password, state.config.bcrypt_cost).await?;
    let row = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            if store::admins::find_by_username(conn, &username)?.is_some() {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    "username is already in use",
                ));
            }
            let full_name = b.full_name.clone().unwrap_or_else(|| username.clone());
            let row = store::admins::insert(
                conn,
                &NewAdminUser {
                    username: &username,
                    password_hash: &hash,
                    role: AdminRole::from(b.role).as_str(),
                    full_name: &full_name,
                    email: b.email.as_deref(),
                    phone: b.phone.as_deref(),
                    location_id: b.location_id,
                },
            )?;
            audit.record(
                conn,
                "admin_user.create",
                "admin_user",
                Some(&row.id.to_string()),
                None,
                Some(snapshot(&row)),
            )?;
            Ok(row)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(AdminUserView::from(row)))
}

/// Read one admin user.
#[utoipa::path(
    tag = "admins",
    params(("id" = i64, Path)),
    responses((status = 200, body = AdminUserView), (status = 404, description = "No such admin", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["admins.read"]))
)]
#[get("/admin-users/{id}")]
async fn read(
    state: web::Data<AppState>,
    _: Require<perm::AdminsRead>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let row = db::run(&state.pool, move |conn| {
        store::admins::find(conn, id)?.ok_or_else(not_found)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AdminUserView::from(row)))
}

/// Change an admin's role, profile or disabled flag.
///
/// Role changes and disabling revoke the admin's sessions. The last enabled super_admin can
/// be neither demoted nor disabled, and nobody changes their own role or disables
/// themselves (409).
#[utoipa::path(
    tag = "admins",
    params(("id" = i64, Path)),
    request_body = AdminUserPatch,
    responses((status = 200, body = AdminUserView), (status = 404, description = "No such admin", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Would leave no super_admin", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["admins.write"]))
)]
#[patch("/admin-users/{id}")]
async fn update(
    state: web::Data<AppState>,
    admin: Require<perm::AdminsWrite>,
    audit: AuditContext,
    path: web::Path<i64>,
    body: Json<AdminUserPatch>,
) -> ApiResult<HttpResponse> {
    let (id, p) = (path.into_inner(), body.into_inner());
    if id == admin.id
        && (p.role.is_some_and(|r| AdminRole::from(r) != admin.role) || p.disabled == Some(true))
    {
        // another super_admin must do it: nobody locks themselves out by accident
        return Err(ApiError::conflict(
            "you cannot change your own role or disable yourself",
        ));
    }
    let mut errors = Vec::new();
    validate_text("full_name", p.full_name.as_deref(), 200, &mut errors);
    validate_text(
        "email",
        p.email.as_ref().and_then(|e| e.as_deref()),
        200,
        &mut errors,
    );
    validate_text(
        "phone",
        p.phone.as_ref().and_then(|e| e.as_deref()),
        32,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let (row, revoked) = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let before = store::admins::find_for_update(conn, id).map_err(|_| not_found())?;
            let demotes = p.role.is_some_and(|r| r != Role::SuperAdmin);
            let disables = p.disabled == Some(true);
            if before.role == "super_admin"
                && !before.disabled
                && (demotes || disables)
                && store::admins::count_active_super_admins(conn)? <= 1
            {
                return Err(ApiError::conflict("this is the last enabled super_admin"));
            }
            let changes = AdminUserChanges {
                role: p.role.map(|r| AdminRole::from(r).as_str().to_owned()),
                full_name: p.full_name,
                email: p.email,
                phone: p.phone,
                location_id: p.location_id,
                disabled: p.disabled,
            };
            let nothing = changes.role.is_none()
                && changes.full_name.is_none()
                && changes.email.is_none()
                && changes.phone.is_none()
                && changes.location_id.is_none()
                && changes.disabled.is_none();
            // diesel refuses an empty SET; an empty patch changes nothing
            let after = if nothing {
                before.clone()
            } else {
                store::admins::update(conn, id, &changes)?
            };
            let mut revoked = Vec::new();
            if after.role != before.role || (after.disabled && !before.disabled) {
                revoked = store::admin_sessions::revoke_all_of_user(conn, id, "account_changed")?;
            }
            audit.record(
                conn,
                "admin_user.update",
                "admin_user",
                Some(&id.to_string()),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )?;
            Ok((after, revoked))
        })
    })
    .await?;
    state.revocations.insert(revoked);
    Ok(HttpResponse::Ok().json(AdminUserView::from(row)))
}

/// Delete an admin user (not yourself, not the last super_admin).
#[utoipa::path(
    tag = "admins",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such admin", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Yourself or the last super_admin", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["admins.write"]))
)]
#[delete("/admin-users/{id}")]
async fn remove(
    state: web::Data<AppState>,
    admin: Require<perm::AdminsWrite>,
    audit: AuditContext,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id == admin.id {
        return Err(ApiError::conflict("you cannot delete your own account"));
    }
    let revoked = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            let before = store::admins::find_for_update(conn, id).map_err(|_| not_found())?;
            if before.role == "super_admin"
                && !before.disabled
                && store::admins::count_active_super_admins(conn)? <= 1
            {
                return Err(ApiError::conflict("this is the last enabled super_admin"));
            }
            let revoked = store::admin_sessions::revoke_all_of_user(conn, id, "account_deleted")?;
            store::admins::delete(conn, id)?;
            audit.record(
                conn,
                "admin_user.delete",
                "admin_user",
                Some(&id.to_string()),
                Some(snapshot(&before)),
                None,
            )?;
            Ok(revoked)
        })
    })
    .await?;
    state.revocations.insert(revoked);
    Ok(HttpResponse::NoContent().finish())
}

/// Set a new password for an admin (e.g. a forgotten one); revokes their sessions.
#[utoipa::path(
    tag = "admins",
    params(("id" = i64, Path)),
    request_body = PasswordReset,
    responses((status = 204, description = "Password set"), (status = 404, description = "No such admin", body = Problem, content_type = "application/problem+json"), ProblemResponses),
    security(("bearer" = ["admins.write"]))
)]
#[post("/admin-users/{id}/password")]
async fn reset_password(
    state: web::Data<AppState>,
    _: Require<perm::AdminsWrite>,
    audit: AuditContext,
    path: web::Path<i64>,
    body: Json<PasswordReset>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let new = body.into_inner().password;
    password::validate_new("password", &new).map_err(|e| ApiError::fields(vec![e]))?;
    let hash = password::hash(new, state.config.bcrypt_cost).await?;
    let revoked = db::run(&state.pool, move |conn| {
        conn.build_transaction().run(|conn| {
            store::admins::find_for_update(conn, id).map_err(|_| not_found())?;
            store::admins::set_password(conn, id, &hash)?;
            let revoked = store::admin_sessions::revoke_all_of_user(conn, id, "password_reset")?;
            audit.record(
                conn,
                "admin_user.password_reset",
                "admin_user",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok(revoked)
        })
    })
    .await?;
    state.revocations.insert(revoked);
    Ok(HttpResponse::NoContent().finish())
}
