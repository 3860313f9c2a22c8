//! Customer self-service routes (realm `customer`): login with phone and the password an
//! operator set, then the customer's own profile, ledger, services and payments. Every
//! query is scoped by the token's customer id; no route takes another customer's id.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use domain::money::Money;
use domain::phone::Phone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::customers::{CustomerView, money};
use super::transactions::{LedgerEntryView, entries_page};
use crate::audit::{AuditContext, client_ip};
use crate::auth::PortalCustomer;
use crate::auth::jwt::Realm;
use crate::auth::password;
use crate::auth::throttle::{Decision, ThrottlePolicy};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;

const REALM: &str = "customer";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(me)
        .service(ledger)
        .service(services)
        .service(payments);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalLoginRequest {
    /// The customer's phone in any common form.
    #[schema(example = "0812-3456-7890")]
    pub phone: String,
    #[schema(example = "rahasia123")]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalToken {
    /// JWT for `Authorization: Bearer` on `/portal/*`; not valid on admin routes.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires; log in again afterwards.
    #[schema(example = 900)]
    pub expires_in: i64,
    pub customer: CustomerView,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "wrong phone number or password",
    )
}

/// Log a customer in with phone and portal password.
///
/// Wrong phone and wrong password give the same 401; repeated failures per phone and per IP
/// are slowed down and then locked (429 with Retry-After), like admin logins.
#[utoipa::path(
    tag = "portal",
    request_body = PortalLoginRequest,
    responses(
        (status = 200, body = PortalToken),
        (status = 429, description = "Locked after too many failures", body = crate::error::Problem, content_type = "application/problem+json"),
        ProblemResponses
    )
)]
#[post("/portal/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<PortalLoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let phone = Phone::parse(&body.phone).map_err(|e| ApiError::field("phone", e.to_string()))?;
    if body.password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let (ip, mut audit) = (client_ip(&req), AuditContext::from_request_parts(&req));
    let (p, i) = (phone.as_str().to_owned(), ip.clone());
    let (decision, found) = db::run(&state.pool, move |conn| {
        let decision =
            ThrottlePolicy::load(conn)?.decide(conn, REALM, &p, i.as_deref(), Utc::now())?;
        Ok((decision, store::portal::find_login(conn, &p)?))
    })
    .await?;
    match decision {
        Decision::Locked { retry_after_secs } => {
            return Err(ApiError::new(
                ErrorCode::AccountLocked,
                "too many failed logins; try again later",
            )
            .with_retry_after(retry_after_secs));
        }
        Decision::Proceed { delay, .. } if !delay.is_zero() => tokio::time::sleep(delay).await,
        Decision::Proceed { .. } => {}
    }
    let stored = found.as_ref().and_then(|f| f.password_hash.clone());
    let ok = password::verify(body.password, stored, state.config.bcrypt_cost).await?;
    let customer = found.filter(|_| ok);
    let succeeded = customer.is_some();
    let (p, i) = (phone.as_str().to_owned(), ip);
    if let Some(c) = &customer {
        audit.set_actor("customer", Some(c.id), Some(c.name.clone()));
    }
    let id = customer.as_ref().map(|c| c.id);
    let row = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            store::login_attempts::record(conn, REALM, &p, i.as_deref(), succeeded)?;
            let Some(id) = id else { return Ok(None) };
            audit.record(
                conn,
                "portal.login",
                "customer",
                Some(&id.to_string()),
                None,
                None,
            )?;
            Ok::<_, ApiError>(Some(store::customers::get(conn, id)?))
        })
    })
    .await?;
    let Some(row) = row else {
        return Err(invalid_credentials());
    };
    let (access_token, _) = state
        .jwt
        .issue(
            Realm::Customer,
            row.id,
            "customer",
            &row.name,
            Uuid::new_v4(),
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(PortalToken {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_secs(),
        customer: CustomerView::of(row)?,
    }))
}

/// The live customer behind a portal token. Tokens are not tracked per session, so this
/// is where access ends at once: a deleted customer, or one whose portal password an
/// operator removed, gets 401 on the next request.
fn own(
    conn: &mut diesel::PgConnection,
    who: &PortalCustomer,
) -> Result<store::models::Customer, ApiError> {
    let gone = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "portal access has ended; log in again",
        )
    };
    match store::customers::get(conn, who.customer_id) {
        Ok(c) if c.portal_password_hash.is_some() => Ok(c),
        Ok(_) | Err(diesel::result::Error::NotFound) => Err(gone()),
        Err(other) => Err(other.into()),
    }
}

/// The logged-in customer's profile, balance and debt.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = CustomerView), ProblemResponses),
    security(("portal_bearer" = []))
)]
#[get("/portal/me")]
async fn me(state: web::Data<AppState>, who: PortalCustomer) -> ApiResult<HttpResponse> {
    let row = db::run(&state.pool, move |conn| own(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(CustomerView::of(row)?))
}

/// The logged-in customer's ledger, newest first, with the running balance.
#[utoipa::path(
    tag = "portal",
    params(PageParams),
    responses((status = 200, body = Page<LedgerEntryView>), ProblemResponses),
    security(("portal_bearer" = []))
)]
#[get("/portal/ledger")]
async fn ledger(
    state: web::Data<AppState>,
    who: PortalCustomer,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let before: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |conn| {
        let c = own(conn, &who)?;
        Ok(store::ledger::list(conn, c.id, before, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(entries_page(rows, limit)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherServiceView {
    pub id: i64,
    #[schema(example = "HS-7K2M9Q")]
    pub code: String,
    /// `unused`, `active`, `expired` or `disabled`.
    pub status: String,
    /// Plan name.
    pub profile: String,
    #[schema(value_type = String, example = "5000.00")]
    pub price: Money,
    pub sold_at: Option<DateTime<Utc>>,
    pub first_login_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionServiceView {
    pub id: i64,
    /// `pending`, `active`, `grace`, `expired`, `suspended` or `cancelled`.
    pub status: String,
    pub profile: String,
    /// PPPoE username.
    pub username: Option<String>,
    #[schema(value_type = String, example = "150000.00")]
    pub price: Money,
    pub period_days: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalServices {
    pub vouchers: Vec<VoucherServiceView>,
    pub subscriptions: Vec<SubscriptionServiceView>,
}

/// The logged-in customer's vouchers and PPPoE subscriptions, newest first.
#[utoipa::path(
    tag = "portal",
    responses((status = 200, body = PortalServices), ProblemResponses),
    security(("portal_bearer" = []))
)]
#[get("/portal/services")]
async fn services(state: web::Data<AppState>, who: PortalCustomer) -> ApiResult<HttpResponse> {
    let (vouchers, subscriptions) = db::run(&state.pool, move |conn| {
        let c = own(conn, &who)?;
        Ok((
            store::portal::vouchers_of(conn, c.id)?,
            store::portal::subscriptions_of(conn, c.id)?,
        ))
    })
    .await?;
    let vouchers = vouchers
        .into_iter()
        .map(|v| {
            Ok(VoucherServiceView {
                price: money(v.price_sell)?,
                id: v.id,
                code: v.code,
                status: v.status,
                profile: v.profile,
                sold_at: v.sold_at,
                first_login_at: v.first_login_at,
                valid_until: v.valid_until,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let subscriptions = subscriptions
        .into_iter()
        .map(|s| {
            Ok(SubscriptionServiceView {
                price: money(s.price)?,
                id: s.id,
                status: s.status,
                profile: s.profile,
                username: s.username,
                period_days: s.period_days,
                expires_at: s.expires_at,
                auto_renew: s.auto_renew,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(PortalServices {
        vouchers,
        subscriptions,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalPaymentView {
    pub id: i64,
    /// Payment method (`cash`, `bank_transfer`, `duitku`, …).
    pub method: String,
    /// Our order reference.
    pub reference: String,
    #[schema(value_type = String, example = "50000.00")]
    pub amount: Money,
    #[schema(value_type = String, example = "2500.00")]
    pub fee: Money,
    #[schema(value_type = String, example = "52500.00")]
    pub total: Money,
    /// `pending`, `paid`, `failed`, `expired`, `cancelled` or `refunded`.
    pub status: String,
    /// `top_up`, `voucher`, `subscription` or `debt`.
    pub purpose: String,
    pub description: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The logged-in customer's payments, newest first.
#[utoipa::path(
    tag = "portal",
    params(PageParams),
    responses((status = 200, body = Page<PortalPaymentView>), ProblemResponses),
    security(("portal_bearer" = []))
)]
#[get("/portal/payments")]
async fn payments(
    state: web::Data<AppState>,
    who: PortalCustomer,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let before: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |conn| {
        let c = own(conn, &who)?;
        Ok(store::portal::payments_of(conn, c.id, before, limit + 1)?)
    })
    .await?;
    let page = Page::build(rows, limit, |p| p.id);
    let items = page
        .items
        .into_iter()
        .map(|p| {
            Ok(PortalPaymentView {
                amount: money(p.amount)?,
                fee: money(p.fee)?,
                total: money(p.total)?,
                id: p.id,
                method: p.plugin,
                reference: p.merchant_ref,
                status: p.status,
                purpose: p.purpose,
                description: p.description,
                paid_at: p.paid_at,
                created_at: p.created_at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
