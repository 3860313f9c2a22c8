//! Customer routes: CRUD with soft delete and the filtered listing (exact phone in any
//! written form, phone/name search, status, location).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::customer::{self as rules, CustomerName, Email, PortalPassword};
use domain::money::Money;
use domain::phone::{self, Phone};
use domain::status::CustomerStatus;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::customers::{CustomerFilter, Search};
use store::models::{Customer, CustomerChanges, NewCustomer};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(remove);
}

/// A stored amount as the API's two-place money.
pub(crate) fn money(value: Decimal) -> Result<Money, ApiError> {
    Money::try_from(value).map_err(ApiError::internal)
}

/// A customer as returned by every customer route; the portal password never leaves.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    #[schema(example = 42)]
    pub id: i64,
    /// Normalised `62…` mobile number.
    #[schema(example = "6281234567890")]
    pub phone: String,
    #[schema(example = "Budi Santoso")]
    pub name: String,
    #[schema(example = "budi@example.com")]
    pub email: Option<String>,
    pub address: Option<String>,
    pub location_id: Option<i64>,
    /// `active`, `inactive` or `suspended`.
    #[schema(example = "active")]
    pub status: String,
    #[schema(value_type = String, example = "15000.00")]
    pub balance: Money,
    #[schema(value_type = String, example = "0.00")]
    pub debt: Money,
    pub notes: Option<String>,
    /// Whether a portal password is set (the customer can log into the self-service API).
    pub portal_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CustomerView {
    pub fn of(c: Customer) -> Result<CustomerView, ApiError> {
        Ok(CustomerView {
            balance: money(c.balance)?,
            debt: money(c.debt)?,
            portal_enabled: c.portal_password_hash.is_some(),
            id: c.id,
            phone: c.phone,
            name: c.name,
            email: c.email,
            address: c.address,
            location_id: c.location_id,
            status: c.status,
            notes: c.notes,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
    }

    fn audit_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    /// Any common form: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `812…`.
    #[schema(example = "0812-3456-7890")]
    pub phone: String,
    #[schema(example = "Budi Santoso")]
    pub name: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub location_id: Option<i64>,
    /// `active` (default), `inactive` or `suspended`.
    pub status: Option<String>,
    pub notes: Option<String>,
    /// Lets the customer log into the portal (8–72 bytes).
    pub portal_password: Option<String>,
}

/// Present with `null` clears the field; absent leaves it unchanged.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Fields to change; omitted fields stay as they are, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    pub phone: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub location_id: Option<Option<i64>>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// Sets the portal password; `null` disables portal login.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub portal_password: Option<Option<String>>,
}

/// Collects every field problem of a request so the client sees them all at once.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError {
                    field: field.to_owned(),
                    message: e.to_string(),
                });
                None
            }
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(self.0))
        }
    }
}

fn parse_status(text: &str) -> Result<CustomerStatus, String> {
    text.parse()
        .map_err(|_| format!("must be one of {}", CustomerStatus::VALUES.join(", ")))
}

fn optional_email(p: &mut Problems, text: Option<&str>) -> Option<String> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    p.check("email", Email::parse(text)).map(Email::into_string)
}

fn text(p: &mut Problems, field: &str, text: Option<&str>, limit: usize) -> Option<String> {
    p.check(field, rules::optional_text(text.unwrap_or(""), limit))
        .flatten()
}

/// Parsed and validated create request, with the password hashed later off the workers.
struct ValidCreate {
    phone: Phone,
    name: CustomerName,
    email: Option<String>,
    address: Option<String>,
    location_id: Option<i64>,
    status: CustomerStatus,
    notes: Option<String>,
    password: Option<PortalPassword>,
}

fn validate_create(body: CreateCustomer) -> Result<ValidCreate, ApiError> {
    let mut p = Problems::default();
    let phone = p.check("phone", Phone::parse(&body.phone));
    let name = p.check("name", CustomerName::parse(&body.name));
    let email = optional_email(&mut p, body.email.as_deref());
    let address = text(
        &mut p,
        "address",
        body.address.as_deref(),
        rules::MAX_ADDRESS_CHARS,
    );
    let notes = text(
        &mut p,
        "notes",
        body.notes.as_deref(),
        rules::MAX_NOTES_CHARS,
    );
    let status = p.check(
        "status",
        parse_status(body.status.as_deref().unwrap_or("active")),
    );
    let password = match body.portal_password.as_deref() {
        Some(pw) => p
            .check("portal_password", PortalPassword::parse(pw))
            .map(Some),
        None => Some(None),
    };
    p.finish()?;
    match (phone, name, status, password) {
        (Some(phone), Some(name), Some(status), Some(password)) => Ok(ValidCreate {
            phone,
            name,
            email,
            address,
            location_id: body.location_id,
            status,
            notes,
            password,
        }),
        _ => Err(ApiError::internal("validation passed without values")),
    }
}

/// The changeset of a PATCH plus the new password to hash, if any.
fn validate_update(
    body: UpdateCustomer,
) -> Result<(CustomerChanges, Option<Option<PortalPassword>>), ApiError> {
    let mut p = Problems::default();
    let mut changes = CustomerChanges {
        phone: body
            .phone
            .and_then(|v| p.check("phone", Phone::parse(&v)).map(Phone::into_string)),
        name: body.name.and_then(|v| {
            p.check("name", CustomerName::parse(&v))
                .map(CustomerName::into_string)
        }),
        location_id: body.location_id,
        status: body.status.and_then(|v| {
            p.check("status", parse_status(&v))
                .map(|s| s.as_str().to_owned())
        }),
        ..Default::default()
    };
    if let Some(email) = body.email {
        changes.email = Some(optional_email(&mut p, email.as_deref()));
    }
    if let Some(address) = body.address {
        changes.address = Some(text(
            &mut p,
            "address",
            address.as_deref(),
            rules::MAX_ADDRESS_CHARS,
        ));
    }
    if let Some(notes) = body.notes {
        changes.notes = Some(text(
            &mut p,
            "notes",
            notes.as_deref(),
            rules::MAX_NOTES_CHARS,
        ));
    }
    let password = body.portal_password.map(|pw| match pw {
        Some(pw) => p.check("portal_password", PortalPassword::parse(&pw)),
        None => None,
    });
    p.finish()?;
    Ok((changes, password))
}

async fn hash_password(state: &AppState, pw: Option<PortalPassword>) -> ApiResult<Option<String>> {
    match pw {
        Some(pw) => Ok(Some(
            crate::auth::password::hash(pw.expose().to_owned(), state.config.bcrypt_cost).await?,
        )),
        None => Ok(None),
    }
}

/// Create a customer.
///
/// The phone is normalised to `62…` and must be unique among live customers (409
/// `already-exists` naming `phone`). Balance and debt start at zero.
#[utoipa::path(
    tag = "customers",
    request_body = CreateCustomer,
    responses((status = 201, body = CustomerView), ProblemResponses),
    security(("bearer" = ["customers.create"]))
)]
#[post("/customers")]
async fn create(
    state: web::Data<AppState>,
    _: Require<perm::CustomersCreate>,
    audit: AuditContext,
    body: Json<CreateCustomer>,
) -> ApiResult<HttpResponse> {
    let v = validate_create(body.into_inner())?;
    let hash = hash_password(&state, v.password.clone()).await?;
    let view = db::run(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            let mut row = store::customers::insert(
                conn,
                &NewCustomer {
                    phone: v.phone.as_str(),
                    name: v.name.as_str(),
                    email: v.email.as_deref(),
                    address: v.address.as_deref(),
                    location_id: v.location_id,
                    status: v.status.as_str(),
                    notes: v.notes.as_deref(),
                },
            )?;
            if let Some(hash) = hash {
                let set = CustomerChanges {
                    portal_password_hash: Some(Some(hash)),
                    ..Default::default()
                };
                row = store::customers::update(conn, row.id, &set)?.1;
            }
            let view = CustomerView::of(row)?;
            audit.record(
                conn,
                "customers.create",
                "customer",
                Some(&view.id.to_string()),
                None,
                Some(view.audit_json()),
            )?;
            Ok::<_, ApiError>(view)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Exact phone in any written form (`0812…`, `+62 812…`); normalised before the lookup.
    #[param(example = "0812-3456-7890")]
    pub phone: Option<String>,
    /// Start of a phone number (any form) or of the name, case-insensitive.
    #[param(example = "budi")]
    pub q: Option<String>,
    /// `active`, `inactive` or `suspended`.
    pub status: Option<String>,
    pub location_id: Option<i64>,
}

fn filter_of(query: CustomerQuery) -> Result<CustomerFilter, ApiError> {
    let mut p = Problems::default();
    let phone = query
        .phone
        .and_then(|v| p.check("phone", Phone::parse(&v)).map(Phone::into_string));
    let status = query.status.and_then(|v| {
        p.check("status", parse_status(&v))
            .map(|s| s.as_str().to_owned())
    });
    let search = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        None => None,
        Some(q) if q.chars().count() > 100 => {
            p.0.push(FieldError {
                field: "q".into(),
                message: "at most 100 characters".into(),
            });
            None
        }
        Some(q) => Some(match phone::search_prefix(q) {
            Some(prefix) if q.chars().any(|c| c.is_ascii_digit()) => Search::PhonePrefix(prefix),
            _ => Search::Name(q.to_owned()),
        }),
    };
    p.finish()?;
    Ok(CustomerFilter {
        phone,
        search,
        status,
        location_id: query.location_id,
    })
}

/// List and search customers.
///
/// Filters combine with AND. Ordered by id; follow `next_cursor` for more.
#[utoipa::path(
    tag = "customers",
    params(CustomerQuery, PageParams),
    responses((status = 200, body = Page<CustomerView>), ProblemResponses),
    security(("bearer" = ["customers.read"]))
)]
#[get("/customers")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::CustomersRead>,
    query: web::Query<CustomerQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let filter = filter_of(query.into_inner())?;
    let limit = page.limit()?;
    let after: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |conn| {
        Ok(store::customers::list(conn, &filter, after, limit + 1)?)
    })
    .await?;
    let page = Page::build(rows, limit, |c| c.id);
    let items = page
        .items
        .into_iter()
        .map(CustomerView::of)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Get one customer.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerView), ProblemResponses),
    security(("bearer" = ["customers.read"]))
)]
#[get("/customers/{id}")]
async fn show(
    state: web::Data<AppState>,
    _: Require<perm::CustomersRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| {
        store::customers::get(conn, id).map_err(|e| not_found(e, "customer"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(CustomerView::of(row)?))
}

pub(crate) use crate::error::not_found;

/// Update a customer's profile.
///
/// Balance and debt are not editable here: use `POST /customers/{id}/transactions`.
/// `portal_password` sets (or with `null` removes) the customer's portal login.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    request_body = UpdateCustomer,
    responses((status = 200, body = CustomerView), ProblemResponses),
    security(("bearer" = ["customers.write"]))
)]
#[patch("/customers/{id}")]
async fn update(
    state: web::Data<AppState>,
    _: Require<perm::CustomersWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
    body: Json<UpdateCustomer>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (mut changes, password) = validate_update(body.into_inner())?;
    if let Some(pw) = password {
        changes.portal_password_hash = Some(hash_password(&state, pw).await?);
    }
    let password_changed = changes.portal_password_hash.is_some();
    let view = db::run(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            let (before, after) = store::customers::update(conn, id, &changes)
                .map_err(|e| not_found(e, "customer"))?;
            let (before, after) = (CustomerView::of(before)?, CustomerView::of(after)?);
            let mut after_json = after.audit_json();
            if password_changed {
                after_json["portal_password"] = serde_json::Value::from("changed");
            }
            audit.record(
                conn,
                "customers.update",
                "customer",
                Some(&id.to_string()),
                Some(before.audit_json()),
                Some(after_json),
            )?;
            Ok::<_, ApiError>(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Delete a customer (soft).
///
/// The customer disappears from every route, but the row, its ledger and payments stay for
/// reports and audit; the phone number becomes free for a new registration.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 204, description = "Deleted"), ProblemResponses),
    security(("bearer" = ["customers.write"]))
)]
#[delete("/customers/{id}")]
async fn remove(
    state: web::Data<AppState>,
    _: Require<perm::CustomersWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db::run(&state.pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            let row =
                store::customers::soft_delete(conn, id).map_err(|e| not_found(e, "customer"))?;
            let before = CustomerView::of(row)?;
            audit.record(
                conn,
                "customers.delete",
                "customer",
                Some(&id.to_string()),
                Some(before.audit_json()),
                None,
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
