//! Profiles (plans): what a valid plan is, and the router object that carries it
//! (`/ip/hotspot/user/profile` or `/ppp/profile`, marked in its comment).

use rust_decimal::Decimal;

use crate::rate_limit::RateLimit;
use crate::router_comment::{Marker, RouterComment};
use crate::status::{ProfileType, RouterObjectType};
use crate::sync::{Attrs, DesiredObject};
use crate::validity::Validity;

/// Longest profile / router profile name accepted.
pub const MAX_NAME_LEN: usize = 64;
/// `NUMERIC(15,2)` upper bound.
const MAX_PRICE_CENTS: i64 = 999_999_999_999_999;

/// A problem with one input field, named as the API names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: &'static str,
    pub message: String,
}

fn issue(field: &'static str, message: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field,
        message: message.into(),
    }
}

/// A profile as submitted (after JSON decoding), before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    pub name: String,
    pub profile_type: ProfileType,
    /// `None` = same as `name`.
    pub router_profile: Option<String>,
    pub validity: String,
    pub rate_limit: Option<String>,
    pub shared_users: Option<i32>,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
}

/// A profile that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProfile {
    pub name: String,
    pub profile_type: ProfileType,
    pub router_profile: String,
    pub validity: Validity,
    pub rate_limit: Option<RateLimit>,
    pub shared_users: i32,
    pub price_cost: Decimal,
    pub price_sell: Decimal,
}

/// Checks a name that ends up on routers: not blank, no control characters, bounded.
pub fn check_name(field: &'static str, name: &str) -> Result<String, FieldIssue> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(issue(field, "must not be blank"));
    }
    if trimmed.chars().count() > MAX_NAME_LEN {
        return Err(issue(
            field,
            format!("must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(issue(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

fn check_price(field: &'static str, value: Decimal) -> Result<Decimal, FieldIssue> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(issue(field, "must not be negative"));
    }
    if value.normalize().scale() > 2 {
        return Err(issue(field, "at most 2 decimal places are allowed"));
    }
    let mut v = value;
    v.rescale(2);
    if v.mantissa() > i128::from(MAX_PRICE_CENTS) {
        return Err(issue(field, "too large (at most 9999999999999.99)"));
    }
    v.set_sign_positive(true);
    Ok(v)
}

/// Collects failures while validation goes on, so every bad field is reported at once.
struct Keep<'a>(&'a mut Vec<FieldIssue>);

impl Keep<'_> {
    fn ok<T>(&mut self, r: Result<T, FieldIssue>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
}

/// Applies every rule and reports every failing field at once.
pub fn validate(input: &ProfileInput) -> Result<ValidProfile, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut keep = Keep(&mut issues);
    let name = keep.ok(check_name("name", &input.name));
    let router_profile = match &input.router_profile {
        Some(rp) => keep.ok(check_name("router_profile", rp)),
        None => name.clone(),
    };
    let validity =
        keep.ok(Validity::parse(&input.validity).map_err(|e| issue("validity", e.to_string())));
    let rate_limit = match input.rate_limit.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => keep.ok(RateLimit::parse(text)
            .map(Some)
            .map_err(|e| issue("rate_limit", e.to_string()))),
    };
    let shared_users = keep.ok(match input.shared_users {
        None => Ok(1),
        Some(n @ 1..=1000) => Ok(n),
        Some(_) => Err(issue("shared_users", "must be between 1 and 1000")),
    });
    if input.profile_type == ProfileType::Pppoe && input.shared_users.is_some_and(|n| n != 1) {
        keep.0
            .push(issue("shared_users", "applies to hotspot profiles only"));
    }
    let cost = keep.ok(check_price("price_cost", input.price_cost));
    let sell = keep.ok(check_price("price_sell", input.price_sell));
    if let (Some(c), Some(s)) = (cost, sell)
        && s < c
    {
        keep.0
            .push(issue("price_sell", "must not be lower than price_cost"));
    }
    match (
        name,
        router_profile,
        validity,
        rate_limit,
        shared_users,
        cost,
        sell,
    ) {
        (
            Some(name),
            Some(router_profile),
            Some(validity),
            Some(rate_limit),
            Some(shared_users),
            Some(price_cost),
            Some(price_sell),
        ) if issues.is_empty() => Ok(ValidProfile {
            name,
            profile_type: input.profile_type,
            router_profile,
            validity,
            rate_limit,
            shared_users,
            price_cost,
            price_sell,
        }),
        _ => Err(issues),
    }
}

/// The router menu that carries profiles of this type.
pub fn object_type(t: ProfileType) -> RouterObjectType {
    match t {
        ProfileType::Hotspot => RouterObjectType::HotspotProfile,
        ProfileType::Pppoe => RouterObjectType::PppProfile,
    }
}

/// The marker of router profiles of this type.
pub fn marker(t: ProfileType) -> Marker {
    match t {
        ProfileType::Hotspot => Marker::Voucher,
        ProfileType::Pppoe => Marker::Pppoe,
    }
}

/// Sync key of the router object made from profile `id`.
pub fn sync_key(id: i64) -> String {
    format!("profile:{id}")
}

/// The sync key of a router profile read back, from its comment: `Some` for every comment
/// carrying our marker (a damaged one gets a key no profile has, so it shows as drift),
/// `None` for the operator's own profiles.
pub fn key_of_comment(comment: Option<&str>, id: &str) -> Option<String> {
    let c = comment?;
    Marker::of(c)?;
    Some(
        match c.parse::<RouterComment>().ok().and_then(|c| c.profile_id()) {
            Some(pid) => sync_key(pid),
            None => format!("damaged:{id}"),
        },
    )
}

/// What the fields of a stored profile look like on a router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterProfile<'a> {
    pub id: i64,
    pub profile_type: ProfileType,
    pub router_profile: &'a str,
    pub rate_limit: Option<&'a str>,
    pub shared_users: i32,
}

/// The desired router object for a profile.
pub fn desired_object(p: &RouterProfile<'_>) -> DesiredObject {
    let comment = RouterComment::Profile {
        marker: marker(p.profile_type),
        profile_id: p.id,
    };
    let mut attrs = Attrs::new();
    attrs.insert("name".into(), p.router_profile.to_owned());
    attrs.insert(
        "rate-limit".into(),
        p.rate_limit.unwrap_or_default().to_owned(),
    );
    attrs.insert("comment".into(), comment.to_string());
    if p.profile_type == ProfileType::Hotspot {
        attrs.insert("shared-users".into(), p.shared_users.to_string());
    }
    DesiredObject {
        kind: object_type(p.profile_type),
        key: sync_key(p.id),
        attrs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input() -> ProfileInput {
        ProfileInput {
            name: " 1 Jam ".into(),
            profile_type: ProfileType::Hotspot,
            router_profile: None,
            validity: "1h".into(),
            rate_limit: Some("2M/2M".into()),
            shared_users: None,
            price_cost: Decimal::new(3000, 0),
            price_sell: Decimal::new(5000, 0),
        }
    }

    #[test]
    fn defaults_fill_in_and_router_profile_follows_name() {
        let p = validate(&input()).map(|p| {
            (
                p.name,
                p.router_profile,
                p.shared_users,
                p.validity.seconds(),
                p.price_sell.to_string(),
            )
        });
        assert_eq!(
            p,
            Ok(("1 Jam".into(), "1 Jam".into(), 1, 3600, "5000.00".into()))
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = ProfileInput {
            name: "  ".into(),
            validity: "forever".into(),
            rate_limit: Some("fast".into()),
            shared_users: Some(0),
            price_cost: Decimal::new(-1, 0),
            price_sell: Decimal::new(1001, 3),
            ..input()
        };
        let fields: Vec<_> = validate(&bad)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "name",
                "validity",
                "rate_limit",
                "shared_users",
                "price_cost",
                "price_sell"
            ]
        );
    }

    #[test]
    fn sell_below_cost_is_refused() {
        let p = validate(&ProfileInput {
            price_sell: Decimal::new(2999, 0),
            ..input()
        });
        assert_eq!(p.err().map(|v| v[0].field), Some("price_sell"));
        let equal = validate(&ProfileInput {
            price_sell: Decimal::new(3000, 0),
            ..input()
        });
        assert!(equal.is_ok());
    }

    #[test]
    fn desired_object_carries_the_marker_and_managed_fields() {
        let hotspot = desired_object(&RouterProfile {
            id: 7,
            profile_type: ProfileType::Hotspot,
            router_profile: "1h",
            rate_limit: Some("2M/2M"),
            shared_users: 2,
        });
        assert_eq!(hotspot.kind, RouterObjectType::HotspotProfile);
        assert_eq!(hotspot.key, "profile:7");
        assert_eq!(
            hotspot.attrs.get("comment").map(String::as_str),
            Some("VOUCHER_SYSTEM|profile=7")
        );
        assert_eq!(
            hotspot.attrs.get("shared-users").map(String::as_str),
            Some("2")
        );
        let ppp = desired_object(&RouterProfile {
            id: 8,
            profile_type: ProfileType::Pppoe,
            router_profile: "10M",
            rate_limit: None,
            shared_users: 1,
        });
        assert_eq!(
            ppp.attrs.get("comment").map(String::as_str),
            Some("PPPOE_SYSTEM|profile=8")
        );
        assert!(!ppp.attrs.contains_key("shared-users"));
        assert_eq!(
            key_of_comment(ppp.attrs.get("comment").map(String::as_str), "*1"),
            Some("profile:8".into())
        );
    }

    #[test]
    fn comments_decide_ownership() {
        assert_eq!(key_of_comment(None, "*1"), None);
        assert_eq!(key_of_comment(Some("office"), "*1"), None);
        assert_eq!(
            key_of_comment(Some("VOUCHER_SYSTEM|oops"), "*1"),
            Some("damaged:*1".into())
        );
    }

    proptest! {
        #[test]
        fn valid_prices_keep_sell_at_least_cost(cost in 0i64..100_000_000, extra in 0i64..100_000_000) {
            let p = validate(&ProfileInput { price_cost: Decimal::new(cost, 2), price_sell: Decimal::new(cost + extra, 2), ..input() });
            let p = p.map_err(|e| format!("{e:?}"));
            prop_assert!(p.is_ok(), "{:?}", p);
            if let Ok(p) = p {
                prop_assert!(p.price_sell >= p.price_cost);
                prop_assert!(p.price_cost >= Decimal::ZERO);
                prop_assert_eq!(p.price_cost.scale(), 2);
            }
        }

        #[test]
        fn sell_below_cost_is_always_refused(cost in 1i64..100_000_000, less in 1i64..100_000) {
            prop_assume!(less <= cost);
            let p = validate(&ProfileInput { price_cost: Decimal::new(cost, 2), price_sell: Decimal::new(cost - less, 2), ..input() });
            prop_assert!(p.is_err());
        }
    }
}
