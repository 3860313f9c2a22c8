//! Location routes: where routers, customers and profiles belong. A location that still has
//! routers cannot be deleted.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditContext;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::models::{Location, LocationChanges, NewLocation};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(remove);
}

const MAX_NAME: usize = 100;
const MAX_TEXT: usize = 1000;

/// A location (site) of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Kampung Melayu")]
    pub name: String,
    pub address: Option<String>,
    /// IANA timezone of the site.
    #[schema(example = "Asia/Jakarta")]
    pub timezone: String,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Location> for LocationView {
    fn from(l: Location) -> Self {
        Self {
            id: l.id,
            name: l.name,
            address: l.address,
            timezone: l.timezone,
            notes: l.notes,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

impl LocationView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocation {
    #[schema(example = "Kampung Melayu")]
    pub name: String,
    pub address: Option<String>,
    /// Default `Asia/Jakarta`.
    #[schema(example = "Asia/Jakarta")]
    pub timezone: Option<String>,
    pub notes: Option<String>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocation {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

/// A required single-line text: trimmed, not blank, bounded, no control characters.
pub(crate) fn required_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    let msg = if v.is_empty() {
        Some("must not be blank".to_owned())
    } else if v.chars().count() > max {
        Some(format!("must be at most {max} characters"))
    } else if v.chars().any(char::is_control) {
        Some("must not contain control characters".to_owned())
    } else {
        None
    };
    if let Some(message) = msg {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        });
    }
    v.to_owned()
}

/// An optional free text: empty becomes `None`.
pub(crate) fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError {
            field: field.to_owned(),
            message: format!("must be at most {max} characters"),
        });
    }
    Some(v.to_owned())
}

/// `Area/City` IANA names (`Asia/Jakarta`, `UTC`); the exact list is the operating system's.
pub(crate) fn timezone(errors: &mut Vec<FieldError>, field: &str, value: &str) -> String {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && !v.starts_with('/')
        && !v.ends_with('/');
    if !ok {
        errors.push(FieldError {
            field: field.to_owned(),
            message: "must be an IANA timezone such as Asia/Jakarta".into(),
        });
    }
    v.to_owned()
}

fn finish(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

/// List locations.
#[utoipa::path(
    tag = "locations",
    params(PageParams),
    responses((status = 200, body = Page<LocationView>), ProblemResponses),
    security(("bearer" = ["locations.read"]))
)]
#[get("/locations")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::LocationsRead>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let after: Option<i64> = page.cursor()?;
    let rows = db::run(&state.pool, move |c| {
        Ok(store::locations::list(c, after, limit + 1)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page::build(rows, limit, |l| l.id).map(LocationView::from)))
}

/// Create a location.
#[utoipa::path(
    tag = "locations",
    request_body = CreateLocation,
    responses((status = 201, body = LocationView), ProblemResponses),
    security(("bearer" = ["locations.write"]))
)]
#[post("/locations")]
async fn create(
    state: web::Data<AppState>,
    _: Require<perm::LocationsWrite>,
    audit: AuditContext,
    body: Json<CreateLocation>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = Vec::new();
    let name = required_text(&mut e, "name", &b.name, MAX_NAME);
    let address = optional_text(&mut e, "address", b.address.as_deref(), MAX_TEXT);
    let tz = timezone(
        &mut e,
        "timezone",
        b.timezone.as_deref().unwrap_or("Asia/Jakarta"),
    );
    let notes = optional_text(&mut e, "notes", b.notes.as_deref(), MAX_TEXT);
    finish(e)?;
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let row = store::locations::insert(
                c,
                &NewLocation {
                    name: &name,
                    address: address.as_deref(),
                    timezone: &tz,
                    notes: notes.as_deref(),
                },
            )?;
            let view = LocationView::from(row);
            audit.record(
                c,
                "locations.create",
                "location",
                Some(&view.id.to_string()),
                None,
                Some(view.json()),
            )?;
            Ok::<_, ApiError>(view)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Get a location.
#[utoipa::path(
    tag = "locations",
    responses((status = 200, body = LocationView), ProblemResponses),
    security(("bearer" = ["locations.read"]))
)]
#[get("/locations/{id}")]
async fn show(
    state: web::Data<AppState>,
    _: Require<perm::LocationsRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |c| {
        store::locations::get(c, id).map_err(|e| not_found(e, "location"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(LocationView::from(row)))
}

pub(crate) use crate::error::not_found;

/// Update a location.
#[utoipa::path(
    tag = "locations",
    request_body = UpdateLocation,
    responses((status = 200, body = LocationView), ProblemResponses),
    security(("bearer" = ["locations.write"]))
)]
#[patch("/locations/{id}")]
async fn update(
    state: web::Data<AppState>,
    _: Require<perm::LocationsWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
    body: Json<UpdateLocation>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.into_inner();
    let mut e = Vec::new();
    let changes = LocationChanges {
        name: b.name.map(|n| required_text(&mut e, "name", &n, MAX_NAME)),
        address: b
            .address
            .map(|a| optional_text(&mut e, "address", a.as_deref(), MAX_TEXT)),
        timezone: b.timezone.map(|t| timezone(&mut e, "timezone", &t)),
        notes: b
            .notes
            .map(|n| optional_text(&mut e, "notes", n.as_deref(), MAX_TEXT)),
    };
    finish(e)?;
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let before = LocationView::from(
                store::locations::get(c, id).map_err(|e| not_found(e, "location"))?,
            );
            let after = LocationView::from(store::locations::update(c, id, &changes)?);
            audit.record(
                c,
                "locations.update",
                "location",
                Some(&id.to_string()),
                Some(before.json()),
                Some(after.json()),
            )?;
            Ok::<_, ApiError>(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Delete a location.
///
/// Refused with 409 `in-use` while routers belong to it; customers and vendors of the
/// location lose it, profiles stop being limited to it.
#[utoipa::path(
    tag = "locations",
    responses((status = 204, description = "Deleted"), ProblemResponses),
    security(("bearer" = ["locations.write"]))
)]
#[delete("/locations/{id}")]
async fn remove(
    state: web::Data<AppState>,
    _: Require<perm::LocationsWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let before = LocationView::from(
                store::locations::get(c, id).map_err(|e| not_found(e, "location"))?,
            );
            let routers = store::locations::router_count(c, id)?;
            if routers > 0 {
                return Err(ApiError::new(
                    ErrorCode::InUse,
                    format!(
                        "the location still has {routers} router(s); move or delete them first"
                    ),
                ));
            }
            store::locations::delete(c, id)?;
            audit.record(
                c,
                "locations.delete",
                "location",
                Some(&id.to_string()),
                Some(before.json()),
                None,
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
