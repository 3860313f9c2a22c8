//! Profile (plan) routes. Every change writes a `router.sync_profile` job in the same
//! transaction, so routers follow the database; a profile still used by vouchers or
//! subscriptions cannot be deleted.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::Connection;
use domain::money::Money;
use domain::profile::{FieldIssue, ProfileInput, ValidProfile, validate};
use domain::router_jobs::SyncProfile;
use domain::status::ProfileType;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::locations::not_found;
use crate::audit::AuditContext;
use crate::auth::{Require, perm};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::extract::Json;
use crate::openapi::ProblemResponses;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use store::models::{NewProfile, Profile, ProfileChanges};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(remove);
}

/// A plan sold as hotspot vouchers or PPPoE subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = "1 Jam")]
    pub name: String,
    /// `hotspot` or `pppoe`.
    #[serde(rename = "type")]
    #[schema(example = "hotspot")]
    pub profile_type: String,
    /// Name of the `/ip/hotspot/user/profile` or `/ppp/profile` on routers.
    #[schema(example = "1jam")]
    pub router_profile: String,
    /// RouterOS time syntax; for hotspot the clock starts at the first login.
    #[schema(example = "1h")]
    pub validity: String,
    #[schema(example = 3600)]
    pub validity_seconds: i64,
    /// MikroTik rate-limit, e.g. `2M/2M`.
    #[schema(example = "2M/2M")]
    pub rate_limit: Option<String>,
    /// Devices per voucher at once (hotspot).
    #[schema(example = 1)]
    pub shared_users: i32,
    #[schema(value_type = String, example = "3000.00")]
    pub price_cost: Money,
    #[schema(value_type = String, example = "5000.00")]
    pub price_sell: Money,
    /// Where it is sold; empty = every location.
    pub location_ids: Vec<i64>,
    pub active: bool,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProfileView {
    fn of(p: Profile, location_ids: Vec<i64>) -> ApiResult<Self> {
        Ok(Self {
            price_cost: Money::try_from(p.price_cost).map_err(ApiError::internal)?,
            price_sell: Money::try_from(p.price_sell).map_err(ApiError::internal)?,
            id: p.id,
            name: p.name,
            profile_type: p.profile_type,
            router_profile: p.router_profile,
            validity: p.validity,
            validity_seconds: p.validity_seconds,
            rate_limit: p.rate_limit,
            shared_users: p.shared_users,
            location_ids,
            active: p.active,
            description: p.description,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }

    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProfile {
    #[schema(example = "1 Jam")]
    pub name: String,
    /// `hotspot` or `pppoe`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "hotspot")]
    pub profile_type: ProfileType,
    /// Defaults to `name`.
    pub router_profile: Option<String>,
    #[schema(example = "1h")]
    pub validity: String,
    #[schema(example = "2M/2M")]
    pub rate_limit: Option<String>,
    /// Hotspot only; default 1.
    pub shared_users: Option<i32>,
    /// Decimal string (or number), ≥ 0; default 0.
    #[schema(value_type = Option<String>, example = "3000")]
    pub price_cost: Option<Money>,
    /// Decimal string (or number), ≥ `price_cost`.
    #[schema(value_type = String, example = "5000")]
    pub price_sell: Money,
    /// Empty or absent = every location.
    #[serde(default)]
    pub location_ids: Vec<i64>,
    pub active: Option<bool>,
    pub description: Option<String>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Fields to change; omitted fields stay, `null` clears an optional one. The type cannot
/// change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    pub name: Option<String>,
    pub router_profile: Option<String>,
    pub validity: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub rate_limit: Option<Option<String>>,
    pub shared_users: Option<i32>,
    #[schema(value_type = Option<String>)]
    pub price_cost: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub price_sell: Option<Money>,
    pub location_ids: Option<Vec<i64>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

fn issues(v: Vec<FieldIssue>) -> ApiError {
    ApiError::fields(
        v.into_iter()
            .map(|i| FieldError {
                field: i.field.to_owned(),
                message: i.message,
            })
            .collect(),
    )
}

fn description(d: Option<&str>) -> ApiResult<Option<String>> {
    match d.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.chars().count() > 1000 => Err(ApiError::field(
            "description",
            "must be at most 1000 characters",
        )),
        d => Ok(d.map(str::to_owned)),
    }
}

fn check_locations(c: &mut diesel::PgConnection, ids: &[i64]) -> ApiResult<Vec<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let missing = store::locations::missing(c, &ids)?;
    if missing.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::field(
            "location_ids",
            format!("no such location: {missing:?}"),
        ))
    }
}

fn valid_fields(v: &ValidProfile) -> (String, i64, Option<String>) {
    (
        v.validity.to_string(),
        v.validity.seconds_i64(),
        v.rate_limit.as_ref().map(|r| r.as_str().to_owned()),
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileQuery {
    /// `hotspot` or `pppoe`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub profile_type: Option<String>,
    pub active: Option<bool>,
    /// Profiles sold at this location (including those sold everywhere).
    pub location_id: Option<i64>,
}

/// List profiles.
#[utoipa::path(
    tag = "profiles",
    params(ProfileQuery, PageParams),
    responses((status = 200, body = Page<ProfileView>), ProblemResponses),
    security(("bearer" = ["profiles.read"]))
)]
#[get("/profiles")]
async fn list(
    state: web::Data<AppState>,
    _: Require<perm::ProfilesRead>,
    query: web::Query<ProfileQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    if let Some(t) = &q.profile_type
        && t.parse::<ProfileType>().is_err()
    {
        return Err(ApiError::field("type", "must be hotspot or pppoe"));
    }
    let filter = store::profiles::ProfileFilter {
        profile_type: q.profile_type,
        active: q.active,
        location_id: q.location_id,
    };
    let limit = page.limit()?;
    let after: Option<i64> = page.cursor()?;
    let (rows, locs) = db::run(&state.pool, move |c| {
        let rows = store::profiles::list(c, &filter, after, limit + 1)?;
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        Ok((rows, store::profiles::location_ids_of(c, &ids)?))
    })
    .await?;
    let page = Page::build(rows, limit, |p| p.id);
    let items = page
        .items
        .into_iter()
        .map(|p| {
            let l = locs.get(&p.id).cloned().unwrap_or_default();
            ProfileView::of(p, l)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Create a profile.
///
/// Validity uses RouterOS time syntax (`3h`, `1d`, `30d`); `rate_limit` MikroTik syntax;
/// `price_sell ≥ price_cost ≥ 0`. The profile is pushed to the routers of its locations.
#[utoipa::path(
    tag = "profiles",
    request_body = CreateProfile,
    responses((status = 201, body = ProfileView), ProblemResponses),
    security(("bearer" = ["profiles.write"]))
)]
#[post("/profiles")]
async fn create(
    state: web::Data<AppState>,
    _: Require<perm::ProfilesWrite>,
    audit: AuditContext,
    body: Json<CreateProfile>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let v = validate(&ProfileInput {
        name: b.name,
        profile_type: b.profile_type,
        router_profile: b.router_profile,
        validity: b.validity,
        rate_limit: b.rate_limit,
        shared_users: b.shared_users,
        price_cost: b.price_cost.unwrap_or(Money::ZERO).as_decimal(),
        price_sell: b.price_sell.as_decimal(),
    })
    .map_err(issues)?;
    let desc = description(b.description.as_deref())?;
    let active = b.active.unwrap_or(true);
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let locations = check_locations(c, &b.location_ids)?;
            let (validity, seconds, rate) = valid_fields(&v);
            let row = store::profiles::insert(
                c,
                &NewProfile {
                    name: &v.name,
                    profile_type: v.profile_type.as_str(),
                    router_profile: &v.router_profile,
                    validity: &validity,
                    validity_seconds: seconds,
                    rate_limit: rate.as_deref(),
                    shared_users: v.shared_users,
                    price_cost: v.price_cost,
                    price_sell: v.price_sell,
                    active,
                    description: desc.as_deref(),
                },
            )?;
            store::profiles::set_locations(c, row.id, &locations)?;
            store::outbox::enqueue(
                c,
                &SyncProfile {
                    profile_id: row.id,
                    router_id: None,
                },
            )?;
            let view = ProfileView::of(row, locations)?;
            audit.record(
                c,
                "profiles.create",
                "profile",
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

/// Get a profile.
#[utoipa::path(
    tag = "profiles",
    responses((status = 200, body = ProfileView), ProblemResponses),
    security(("bearer" = ["profiles.read"]))
)]
#[get("/profiles/{id}")]
async fn show(
    state: web::Data<AppState>,
    _: Require<perm::ProfilesRead>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = db::run(&state.pool, move |c| {
        let p = store::profiles::get(c, id).map_err(|e| not_found(e, "profile"))?;
        ProfileView::of(p, store::profiles::location_ids(c, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change a profile.
///
/// The merged profile is validated as a whole (e.g. a new cost above the current selling
/// price is refused); routers are updated through the outbox.
#[utoipa::path(
    tag = "profiles",
    request_body = UpdateProfile,
    responses((status = 200, body = ProfileView), ProblemResponses),
    security(("bearer" = ["profiles.write"]))
)]
#[patch("/profiles/{id}")]
async fn update(
    state: web::Data<AppState>,
    _: Require<perm::ProfilesWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
    body: Json<UpdateProfile>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.into_inner();
    let desc = match &b.description {
        Some(d) => Some(description(d.as_deref())?),
        None => None,
    };
    let view = db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let old = store::profiles::get(c, id).map_err(|e| not_found(e, "profile"))?;
            let old_locations = store::profiles::location_ids(c, id)?;
            let t: ProfileType = old.profile_type().map_err(ApiError::internal)?;
            let v = validate(&ProfileInput {
                name: b.name.clone().unwrap_or_else(|| old.name.clone()),
                profile_type: t,
                router_profile: Some(
                    b.router_profile
                        .clone()
                        .unwrap_or_else(|| old.router_profile.clone()),
                ),
                validity: b.validity.clone().unwrap_or_else(|| old.validity.clone()),
                rate_limit: b
                    .rate_limit
                    .clone()
                    .unwrap_or_else(|| old.rate_limit.clone()),
                shared_users: Some(b.shared_users.unwrap_or(old.shared_users)),
                price_cost: b.price_cost.map_or(old.price_cost, Money::as_decimal),
                price_sell: b.price_sell.map_or(old.price_sell, Money::as_decimal),
            })
            .map_err(issues)?;
            let (validity, seconds, rate) = valid_fields(&v);
            let changes = ProfileChanges {
                name: Some(v.name),
                router_profile: Some(v.router_profile),
                validity: Some(validity),
                validity_seconds: Some(seconds),
                rate_limit: Some(rate),
                shared_users: Some(v.shared_users),
                price_cost: Some(v.price_cost),
                price_sell: Some(v.price_sell),
                active: b.active,
                description: desc,
                deleted_at: None,
            };
            let row = store::profiles::update(c, id, &changes)?;
            let locations = match &b.location_ids {
                Some(l) => {
                    let l = check_locations(c, l)?;
                    store::profiles::set_locations(c, id, &l)?;
                    l
                }
                None => old_locations.clone(),
            };
            store::outbox::enqueue(
                c,
                &SyncProfile {
                    profile_id: id,
                    router_id: None,
                },
            )?;
            let before = ProfileView::of(old, old_locations)?;
            let after = ProfileView::of(row, locations)?;
            audit.record(
                c,
                "profiles.update",
                "profile",
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

/// Delete a profile.
///
/// Refused with 409 `in-use` while vouchers, voucher batches, PPPoE users or subscriptions
/// use it (deactivate it instead). Routers drop their copy through the outbox.
#[utoipa::path(
    tag = "profiles",
    responses((status = 204, description = "Deleted"), ProblemResponses),
    security(("bearer" = ["profiles.write"]))
)]
#[delete("/profiles/{id}")]
async fn remove(
    state: web::Data<AppState>,
    _: Require<perm::ProfilesWrite>,
    audit: AuditContext,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db::run(&state.pool, move |c| {
        c.transaction(|c| {
            let old = store::profiles::get(c, id).map_err(|e| not_found(e, "profile"))?;
            let before = ProfileView::of(old, store::profiles::location_ids(c, id)?)?;
            let u = store::profiles::usage(c, id)?;
            if u.is_used() {
                return Err(ApiError::new(
                    ErrorCode::InUse,
                    format!(
                        "the profile is used by {} voucher(s), {} voucher batch(es), {} PPPoE user(s) and {} subscription(s); deactivate it instead",
                        u.vouchers, u.voucher_batches, u.pppoe_users, u.subscriptions
                    ),
                ));
            }
            store::profiles::delete(c, id)?;
            store::outbox::enqueue(c, &SyncProfile { profile_id: id, router_id: None })?;
            audit.record(c, "profiles.delete", "profile", Some(&id.to_string()), Some(before.json()), None)?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
