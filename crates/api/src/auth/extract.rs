//! Authentication extractors: [`AdminUser`] (any admin), [`Require<P>`] (an admin holding
//! permission `P`, visible in the handler signature) and [`PortalCustomer`] (a customer
//! portal token). Tokens are verified in memory; revocation comes from the per-process
//! cache (`auth::revocation`), with a database check only when that cache is stale.

use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::status::AdminRole;
use futures::future::LocalBoxFuture;
use uuid::Uuid;

use super::jwt::{Claims, Realm};
use super::permissions::{Permission, PermissionMarker};
use super::revocation::Verdict;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// An authenticated admin, from a valid, unrevoked admin access token.
#[derive(Debug, Clone)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub role: AdminRole,
    /// The session family of the token (what logout and session revocation act on).
    pub session: Uuid,
    /// The role requires 2FA and the admin has not enrolled yet: only self-service.
    pub enrol_pending: bool,
}

impl AdminUser {
    /// 403 problem+json unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.enrol_pending && permission != Permission::SelfService {
            return Err(ApiError::new(
                ErrorCode::TwoFactorEnrolmentRequired,
                "your role requires two-factor authentication: enrol at POST /api/v1/auth/2fa/enrol first",
            ));
        }
        if permission.allows(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the {} role lacks the `{}` permission",
                self.role,
                permission.as_str()
            )))
        }
    }
}

/// An admin holding permission `P`: `_: Require<perm::CustomersWrite>` or
/// `admin: Require<perm::SettingsWrite>` (derefs to [`AdminUser`]).
#[derive(Debug)]
pub struct Require<P: PermissionMarker> {
    pub admin: AdminUser,
    _p: PhantomData<P>,
}

impl<P: PermissionMarker> Deref for Require<P> {
    type Target = AdminUser;
    fn deref(&self) -> &AdminUser {
        &self.admin
    }
}

impl<P: PermissionMarker> Require<P> {
    pub fn into_inner(self) -> AdminUser {
        self.admin
    }
}

/// A customer logged into the self-service portal.
#[derive(Debug, Clone)]
pub struct PortalCustomer {
    pub customer_id: i64,
    pub session: Uuid,
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, detail)
}

fn invalid_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidToken,
        "the access token is invalid, expired or revoked",
    )
}

/// The bearer token of the request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Verifies the token of `realm` and its session; the shared core of every extractor.
async fn authenticate(
    state: web::Data<AppState>,
    token: Option<String>,
    realm: Realm,
) -> Result<Claims, ApiError> {
    let token =
        token.ok_or_else(|| unauthenticated("send `Authorization: Bearer <access token>`"))?;
    let claims = state
        .jwt
        .verify(&token, realm)
        .map_err(|_| invalid_token())?;
    match state.revocations.check(claims.sid) {
        Verdict::Live => Ok(claims),
        Verdict::Revoked => Err(invalid_token()),
        Verdict::Unknown => {
            let sid = claims.sid;
            let revoked = crate::db::run(&state.pool, move |conn| {
                Ok(store::admin_sessions::family_revoked(conn, sid)?)
            })
            .await?;
            if revoked {
                Err(invalid_token())
            } else {
                Ok(claims)
            }
        }
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("AppState is not registered"))
}

fn admin_from_claims(claims: Claims) -> Result<AdminUser, ApiError> {
    let id = claims.sub.parse().map_err(|_| invalid_token())?;
    let role = claims.role.parse().map_err(|_| invalid_token())?;
    Ok(AdminUser {
        id,
        username: claims.name,
        role,
        session: claims.sid,
        enrol_pending: claims.enrol,
    })
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let token = bearer(req).map(str::to_owned);
        Box::pin(async move {
            let claims = authenticate(state?, token, Realm::Admin).await?;
            admin_from_claims(claims)
        })
    }
}

impl<P: PermissionMarker + 'static> FromRequest for Require<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = AdminUser::from_request(req, payload);
        Box::pin(async move {
            let admin = admin.await?;
            admin.require(P::PERMISSION)?;
            Ok(Require {
                admin,
                _p: PhantomData,
            })
        })
    }
}

impl FromRequest for PortalCustomer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = app_state(req);
        let token = bearer(req).map(str::to_owned);
        Box::pin(async move {
            let claims = authenticate(state?, token, Realm::Customer).await?;
            Ok(PortalCustomer {
                customer_id: claims.sub.parse().map_err(|_| invalid_token())?,
                session: claims.sid,
            })
        })
    }
}
