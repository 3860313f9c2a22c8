//! Ledger routes: the one money-moving route `POST /customers/{id}/transactions` (each type
//! needs its own permission, honours `Idempotency-Key`), the paged ledger with running
//! balance and the one-query money summary.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::ledger::{LedgerError, Operation, Reason};
use domain::money::{Money, SignedMoney};
use domain::status::ActorKind;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::customers::{money, not_found};
use crate::audit::AuditContext;
use crate::auth::{AdminUser, Permission, Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::Json;
use crate::idempotency::{Idempotency, IdempotencyKeyHeader};
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::ledger::{Actor, PostError, Posting};
use store::models::LedgerEntry;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create).service(ledger).service(summary);
}

/// What the operator does with the customer's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionType {
    /// Cash paid in: settles debt first, the rest becomes balance (`ledger.top_up`).
    TopUp,
    /// Take money from the balance; refused when the balance is short (`ledger.debit`).
    Debit,
    /// Give money back to the balance (`ledger.refund`).
    Refund,
    /// Correct the balance either way; `amount` may be negative, `reason` is required
    /// (`ledger.adjust`).
    Adjustment,
    /// Record a sale on credit: the debt grows (`ledger.add_debt`).
    AddDebt,
    /// Cash paid against the debt; any excess becomes balance (`ledger.pay_debt`).
    PayDebt,
}

impl TransactionType {
    fn permission(self) -> Permission {
        match self {
            TransactionType::TopUp => Permission::LedgerTopUp,
            TransactionType::Debit => Permission::LedgerDebit,
            TransactionType::Refund => Permission::LedgerRefund,
            TransactionType::Adjustment => Permission::LedgerAdjust,
            TransactionType::AddDebt => Permission::LedgerAddDebt,
            TransactionType::PayDebt => Permission::LedgerPayDebt,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransaction {
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// Decimal string or number, at most two places; greater than zero, except that an
    /// adjustment may be negative.
    #[schema(value_type = String, example = "15000.00")]
    pub amount: SignedMoney,
    /// Why: required for an adjustment.
    pub reason: Option<String>,
    /// Free text kept with the entry.
    pub note: Option<String>,
    /// External reference (receipt number, …).
    pub reference: Option<String>,
}

/// One ledger entry. `amount` is the signed change of the balance, `debt_change` that of the
/// debt; `balance_after` is the running balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: i64,
    pub customer_id: i64,
    /// `top_up`, `debit`, `refund`, `adjustment`, `add_debt`, `pay_debt`, `payment`, `purchase`.
    #[schema(example = "top_up")]
    pub r#type: String,
    #[schema(value_type = String, example = "15000.00")]
    pub amount: SignedMoney,
    #[schema(value_type = String, example = "0.00")]
    pub debt_change: SignedMoney,
    #[schema(value_type = String, example = "0.00")]
    pub balance_before: Money,
    #[schema(value_type = String, example = "15000.00")]
    pub balance_after: Money,
    #[schema(value_type = String, example = "0.00")]
    pub debt_before: Money,
    #[schema(value_type = String, example = "0.00")]
    pub debt_after: Money,
    pub payment_id: Option<i64>,
    pub voucher_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub reference: Option<String>,
    pub note: Option<String>,
    /// `admin`, `customer` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl LedgerEntryView {
    pub fn of(e: LedgerEntry) -> Result<LedgerEntryView, ApiError> {
        let signed = |d| SignedMoney::try_from(d).map_err(ApiError::internal);
        let (debt_before, debt_after) = (money(e.debt_before)?, money(e.debt_after)?);
        Ok(LedgerEntryView {
            id: e.id,
            customer_id: e.customer_id,
            r#type: e.entry_type,
            amount: signed(e.amount)?,
            debt_change: debt_before.delta_to(debt_after),
            balance_before: money(e.balance_before)?,
            balance_after: money(e.balance_after)?,
            debt_before,
            debt_after,
            payment_id: e.payment_id,
            voucher_id: e.voucher_id,
            subscription_id: e.subscription_id,
            reference: e.reference,
            note: e.note,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            created_at: e.created_at,
        })
    }
}

fn positive(amount: SignedMoney) -> Result<Money, ApiError> {
    if amount.is_negative() {
        return Err(ApiError::field("amount", "must not be negative"));
    }
    Ok(amount.magnitude())
}

fn operation_of(body: &NewTransaction) -> Result<Operation, ApiError> {
    Ok(match body.kind {
        TransactionType::TopUp => Operation::TopUp(positive(body.amount)?),
        TransactionType::Debit => Operation::Debit(positive(body.amount)?),
        TransactionType::Refund => Operation::Refund(positive(body.amount)?),
        TransactionType::AddDebt => Operation::AddDebt(positive(body.amount)?),
        TransactionType::PayDebt => Operation::PayDebt(positive(body.amount)?),
        TransactionType::Adjustment => Operation::Adjustment {
            delta: body.amount,
            reason: Reason::parse(body.reason.as_deref().unwrap_or(""))
                .map_err(|e| ApiError::field("reason", e.to_string()))?,
        },
    })
}

fn refusal(e: PostError) -> ApiError {
    match e {
        PostError::CustomerNotFound => ApiError::not_found("customer"),
        PostError::Refused(LedgerError::InsufficientBalance { balance, requested }) => {
            ApiError::new(
                ErrorCode::InsufficientBalance,
                format!("the balance is {balance}, {requested} was requested; nothing was changed"),
            )
        }
        PostError::Refused(e @ (LedgerError::ZeroAmount | LedgerError::LimitExceeded)) => {
            ApiError::field("amount", e.to_string())
        }
        PostError::Refused(e @ (LedgerError::ReasonRequired | LedgerError::ReasonTooLong)) => {
            ApiError::field("reason", e.to_string())
        }
        PostError::KeyReused { .. } => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different transaction of this customer",
        ),
        PostError::Corrupt(e) => ApiError::internal(e),
        PostError::Db(e) => e.into(),
    }
}

fn limit_text(field: &str, text: Option<&str>, limit: usize) -> Result<(), ApiError> {
    match text {
        Some(t) if t.chars().count() > limit => Err(ApiError::field(
            field,
            format!("at most {limit} characters"),
        )),
        _ => Ok(()),
    }
}

/// Move money: top up, debit, refund, adjust, add debt or pay debt.
///
/// Runs in one database transaction with the customer row locked, so concurrent requests
/// serialise. A debit beyond the balance answers 409 `insufficient-balance` and writes
/// nothing. With `Idempotency-Key`, a retry returns the first response and moves money once.
/// The permission depends on `type` (any one of the listed scopes, matching the type).
#[utoipa::path(
    tag = "ledger",
    params(("id" = i64, Path, description = "Customer id"), IdempotencyKeyHeader),
    request_body = NewTransaction,
    responses(
        (status = 201, body = LedgerEntryView),
        (status = 409, description = "Insufficient balance, or the key's first request is still running",
         body = crate::error::Problem, content_type = "application/problem+json"),
        ProblemResponses
    ),
    security(
        ("bearer" = ["ledger.top_up"]), ("bearer" = ["ledger.debit"]), ("bearer" = ["ledger.refund"]),
        ("bearer" = ["ledger.adjust"]), ("bearer" = ["ledger.add_debt"]), ("bearer" = ["ledger.pay_debt"])
    )
)]
#[post("/customers/{id}/transactions")]
async fn create(
    state: web::Data<AppState>,
    admin: AdminUser,
    audit: AuditContext,
    idem: Idempotency,
    id: web::Path<i64>,
    body: Json<NewTransaction>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.into_inner());
    admin.require(body.kind.permission())?;
    let operation = operation_of(&body)?;
    limit_text(
        "note",
        body.note.as_deref(),
        domain::ledger::MAX_REASON_CHARS,
    )?;
    limit_text("reference", body.reference.as_deref(), 200)?;
    let key = idem.key().map(str::to_owned);
    let pool = state.pool.clone();
    let (note, reference) = (body.note.clone(), body.reference.clone());
    idem.run(&state, &(id, &body), move || async move {
        let entry = db::run(&pool, move |conn| {
            let posting = Posting {
                customer_id: id,
                operation,
                actor: Actor {
                    kind: ActorKind::Admin,
                    id: Some(admin.id),
                },
                note: note.as_deref(),
                reference: reference.as_deref(),
                payment_id: None,
                voucher_id: None,
                subscription_id: None,
                idempotency_key: key.as_deref(),
            };
            let posted = store::ledger::post(conn, &posting, |conn, e| {
                let before = json!({"balance": e.balance_before, "debt": e.debt_before});
                let after = json!({"balance": e.balance_after, "debt": e.debt_after, "entry_id": e.id, "amount": e.amount});
                let action = format!("ledger.{}", e.entry_type);
                audit.record(conn, &action, "customer", Some(&id.to_string()), Some(before), Some(after))?;
                Ok(())
            })
            .map_err(refusal)?;
            Ok(posted.entry().clone())
        })
        .await?;
        Ok((StatusCode::CREATED, LedgerEntryView::of(entry)?))
    })
    .await
}

/// A customer's ledger, newest first, with the running balance (`balance_after`).
#[utoipa::path(
    tag = "ledger",
    params(("id" = i64, Path, description = "Customer id"), PageParams),
    responses((status = 200, body = Page<LedgerEntryView>), ProblemResponses),
    security(("bearer" = ["ledger.read"]))
)]
#[get("/customers/{id}/ledger")]
async fn ledger(
    state: web::Data<AppState>,
    _: Require<perm::LedgerRead>,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let limit = page.limit()?;
    let before: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |conn| {
        store::customers::get(conn, id).map_err(|e| not_found(e, "customer"))?;
        Ok(store::ledger::list(conn, id, before, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(entries_page(rows, limit)?))
}

/// A page of entries keyed by id, as views.
pub(crate) fn entries_page(
    rows: Vec<LedgerEntry>,
    limit: i64,
) -> Result<Page<LedgerEntryView>, ApiError> {
    let page = Page::build(rows, limit, |e| e.id);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(LedgerEntryView::of)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

/// The newest money paid in.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastPayment {
    /// Ledger entry id.
    pub entry_id: i64,
    /// `top_up`, `pay_debt` or `payment`.
    #[schema(example = "top_up")]
    pub r#type: String,
    /// Money paid in (debt settled plus balance credited).
    #[schema(value_type = String, example = "50000.00")]
    pub amount: Money,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveServices {
    /// Bought vouchers that are unused or running.
    pub vouchers: i64,
    /// PPPoE subscriptions that are active or in their grace period.
    pub subscriptions: i64,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSummaryView {
    pub id: i64,
    #[schema(example = "active")]
    pub status: String,
    #[schema(value_type = String, example = "15000.00")]
    pub balance: Money,
    #[schema(value_type = String, example = "0.00")]
    pub debt: Money,
    pub active_services: ActiveServices,
    pub last_payment: Option<LastPayment>,
}

/// A customer's balance, debt, active services and last payment.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerSummaryView), ProblemResponses),
    security(("bearer" = ["customers.read"]))
)]
#[get("/customers/{id}/summary")]
async fn summary(
    state: web::Data<AppState>,
    _: Require<perm::CustomersRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let s = db::run(&state.pool, move |conn| {
        Ok(store::customers::summary(conn, id)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("customer"))?;
    let last_payment = match (
        s.last_payment_entry_id,
        s.last_payment_type,
        s.last_payment_amount,
        s.last_payment_at,
    ) {
        (Some(entry_id), Some(r#type), Some(amount), Some(at)) => Some(LastPayment {
            entry_id,
            r#type,
            amount: money(amount)?,
            at,
        }),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(CustomerSummaryView {
        id: s.id,
        status: s.status,
        balance: money(s.balance)?,
        debt: money(s.debt)?,
        active_services: ActiveServices {
            vouchers: s.active_vouchers,
            subscriptions: s.active_subscriptions,
            total: s.active_vouchers + s.active_subscriptions,
        },
        last_payment,
    }))
}
