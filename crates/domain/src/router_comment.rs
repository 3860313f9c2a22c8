//! The comment codec that marks router objects as managed by mikrobill.
//!
//! Routers keep no foreign keys, so the comment is how billing finds its own objects again:
//! - hotspot voucher user: `VOUCHER_SYSTEM|<price_sell>|<first_login_unix>|<valid_until_unix>`
//!   (`0` for a time not known yet),
//! - PPPoE secret: `PPPOE_SYSTEM|customer=<id>[|subscription=<id>][|expires=<unix>]`,
//! - hotspot/PPP profile: `VOUCHER_SYSTEM|profile=<id>` / `PPPOE_SYSTEM|profile=<id>`.
//!
//! Objects whose comment does not start with a marker belong to the operator and are never
//! touched.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

pub const VOUCHER_MARKER: &str = "VOUCHER_SYSTEM";
pub const PPPOE_MARKER: &str = "PPPOE_SYSTEM";

/// Which marker a managed comment carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    Voucher,
    Pppoe,
}

impl Marker {
    pub fn as_str(self) -> &'static str {
        match self {
            Marker::Voucher => VOUCHER_MARKER,
            Marker::Pppoe => PPPOE_MARKER,
        }
    }

    /// The marker a comment starts with (`MARKER` alone or `MARKER|…`), even when the rest
    /// was damaged by hand: such an object is still ours, just drifted.
    pub fn of(comment: &str) -> Option<Marker> {
        [Marker::Voucher, Marker::Pppoe].into_iter().find(|m| {
            comment
                .strip_prefix(m.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('|'))
        })
    }
}

/// Why a managed comment could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("comment carries no mikrobill marker")]
    NotManaged,
    #[error("field {field} is malformed: {value:?}")]
    Field { field: &'static str, value: String },
    #[error("comment has {0} fields where 4 are expected")]
    FieldCount(usize),
    #[error("PPPoE comment lacks customer=<id>")]
    MissingCustomer,
    #[error("unknown or repeated key {0:?}")]
    Key(String),
}

/// Price and clock of a hotspot voucher user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherComment {
    pub price_sell: Decimal,
    /// Unix seconds of the first login; `None` while unused.
    pub first_login: Option<i64>,
    /// Unix seconds when the voucher expires; `None` until the first login.
    pub valid_until: Option<i64>,
}

/// The customer (and subscription) behind a PPPoE secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PppoeComment {
    pub customer_id: i64,
    pub subscription_id: Option<i64>,
    /// Unix seconds when the paid period ends.
    pub expires_at: Option<i64>,
}

/// A parsed managed comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterComment {
    Voucher(VoucherComment),
    Pppoe(PppoeComment),
    /// A hotspot user profile (`Marker::Voucher`) or PPP profile (`Marker::Pppoe`) made from
    /// the billing profile `profile_id`.
    Profile {
        marker: Marker,
        profile_id: i64,
    },
}

impl RouterComment {
    pub fn marker(&self) -> Marker {
        match self {
            RouterComment::Voucher(_) => Marker::Voucher,
            RouterComment::Pppoe(_) => Marker::Pppoe,
            RouterComment::Profile { marker, .. } => *marker,
        }
    }

    /// The billing profile id of a profile comment.
    pub fn profile_id(&self) -> Option<i64> {
        match self {
            RouterComment::Profile { profile_id, .. } => Some(*profile_id),
            _ => None,
        }
    }
}

fn field<T: FromStr>(name: &'static str, value: &str) -> Result<T, CommentError> {
    value.parse().map_err(|_| CommentError::Field {
        field: name,
        value: value.chars().take(40).collect(),
    })
}

/// `0` and an empty field both mean "not known yet".
fn opt_time(name: &'static str, value: &str) -> Result<Option<i64>, CommentError> {
    match value {
        "" | "0" => Ok(None),
        v => field::<i64>(name, v).map(Some),
    }
}

fn id(name: &'static str, value: &str) -> Result<i64, CommentError> {
    match field::<i64>(name, value)? {
        n if n > 0 => Ok(n),
        _ => Err(CommentError::Field {
            field: name,
            value: value.to_owned(),
        }),
    }
}

impl FromStr for RouterComment {
    type Err = CommentError;

    fn from_str(s: &str) -> Result<Self, CommentError> {
        let marker = Marker::of(s).ok_or(CommentError::NotManaged)?;
        let fields: Vec<&str> = s.split('|').skip(1).collect();
        if let [only] = fields.as_slice()
            && let Some(p) = only.strip_prefix("profile=")
        {
            return Ok(RouterComment::Profile {
                marker,
                profile_id: id("profile", p)?,
            });
        }
        match marker {
            Marker::Voucher => {
                let [price, first, until] = fields.as_slice() else {
                    return Err(CommentError::FieldCount(fields.len() + 1));
                };
                let price_sell: Decimal = field("price_sell", price)?;
                if price_sell.is_sign_negative() {
                    return Err(CommentError::Field {
                        field: "price_sell",
                        value: (*price).to_owned(),
                    });
                }
                Ok(RouterComment::Voucher(VoucherComment {
                    price_sell,
                    first_login: opt_time("first_login", first)?,
                    valid_until: opt_time("valid_until", until)?,
                }))
            }
            Marker::Pppoe => {
                let (mut customer, mut subscription, mut expires) = (None, None, None);
                for f in fields {
                    let (k, v) = f
                        .split_once('=')
                        .ok_or_else(|| CommentError::Key(f.to_owned()))?;
                    let slot = match k {
                        "customer" => &mut customer,
                        "subscription" => &mut subscription,
                        "expires" => &mut expires,
                        _ => return Err(CommentError::Key(k.to_owned())),
                    };
                    if slot.replace(v).is_some() {
                        return Err(CommentError::Key(k.to_owned()));
                    }
                }
                Ok(RouterComment::Pppoe(PppoeComment {
                    customer_id: id("customer", customer.ok_or(CommentError::MissingCustomer)?)?,
                    subscription_id: subscription.map(|v| id("subscription", v)).transpose()?,
                    expires_at: expires
                        .map(|v| opt_time("expires", v))
                        .transpose()?
                        .flatten(),
                }))
            }
        }
    }
}

impl fmt::Display for RouterComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouterComment::Voucher(v) => write!(
                f,
                "{VOUCHER_MARKER}|{}|{}|{}",
                v.price_sell.round_dp(2).normalize(),
                v.first_login.unwrap_or(0),
                v.valid_until.unwrap_or(0)
            ),
            RouterComment::Pppoe(p) => {
                write!(f, "{PPPOE_MARKER}|customer={}", p.customer_id)?;
                if let Some(s) = p.subscription_id {
                    write!(f, "|subscription={s}")?;
                }
                if let Some(e) = p.expires_at {
                    write!(f, "|expires={e}")?;
                }
                Ok(())
            }
            RouterComment::Profile { marker, profile_id } => {
                write!(f, "{}|profile={profile_id}", marker.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn voucher_comment_has_the_documented_shape() {
        let c = RouterComment::Voucher(VoucherComment {
            price_sell: Decimal::new(500000, 2),
            first_login: Some(1_764_000_000),
            valid_until: Some(1_764_086_400),
        });
        assert_eq!(c.to_string(), "VOUCHER_SYSTEM|5000|1764000000|1764086400");
        let unused = "VOUCHER_SYSTEM|5000|0|0".parse::<RouterComment>();
        assert!(matches!(
            unused,
            Ok(RouterComment::Voucher(VoucherComment {
                first_login: None,
                valid_until: None,
                ..
            }))
        ));
    }

    #[test]
    fn pppoe_and_profile_comments_parse() {
        assert_eq!(
            "PPPOE_SYSTEM|customer=42|expires=1764000000".parse(),
            Ok(RouterComment::Pppoe(PppoeComment {
                customer_id: 42,
                subscription_id: None,
                expires_at: Some(1_764_000_000)
            }))
        );
        assert_eq!(
            "PPPOE_SYSTEM|profile=7".parse(),
            Ok(RouterComment::Profile {
                marker: Marker::Pppoe,
                profile_id: 7
            })
        );
        assert_eq!(
            "VOUCHER_SYSTEM|profile=3"
                .parse::<RouterComment>()
                .map(|c| c.profile_id()),
            Ok(Some(3))
        );
    }

    #[test]
    fn foreign_and_damaged_comments_are_told_apart() {
        assert_eq!(
            "office printer".parse::<RouterComment>(),
            Err(CommentError::NotManaged)
        );
        assert_eq!(Marker::of("VOUCHER_SYSTEMS|x"), None);
        assert_eq!(Marker::of("VOUCHER_SYSTEM|garbage"), Some(Marker::Voucher));
        assert_eq!(Marker::of("PPPOE_SYSTEM"), Some(Marker::Pppoe));
        assert!("VOUCHER_SYSTEM|garbage".parse::<RouterComment>().is_err());
        assert!("VOUCHER_SYSTEM|-5|0|0".parse::<RouterComment>().is_err());
        assert_eq!(
            "PPPOE_SYSTEM|expires=1".parse::<RouterComment>(),
            Err(CommentError::MissingCustomer)
        );
        assert_eq!(
            "PPPOE_SYSTEM|customer=1|customer=2".parse::<RouterComment>(),
            Err(CommentError::Key("customer".into()))
        );
        assert!("PPPOE_SYSTEM|customer=0".parse::<RouterComment>().is_err());
        assert!("VOUCHER_SYSTEM|profile=x".parse::<RouterComment>().is_err());
    }

    fn comment() -> impl Strategy<Value = RouterComment> {
        let time = prop::option::of(1i64..4_000_000_000);
        prop_oneof![
            (0i64..1_000_000_000, time.clone(), time.clone()).prop_map(
                |(cents, first_login, valid_until)| {
                    RouterComment::Voucher(VoucherComment {
                        price_sell: Decimal::new(cents, 2),
                        first_login,
                        valid_until,
                    })
                }
            ),
            (1i64..i64::MAX, prop::option::of(1i64..i64::MAX), time).prop_map(
                |(customer_id, subscription_id, expires_at)| {
                    RouterComment::Pppoe(PppoeComment {
                        customer_id,
                        subscription_id,
                        expires_at,
                    })
                }
            ),
            (prop::bool::ANY, 1i64..i64::MAX).prop_map(|(v, profile_id)| RouterComment::Profile {
                marker: if v { Marker::Voucher } else { Marker::Pppoe },
                profile_id,
            }),
        ]
    }

    proptest! {
        #[test]
        fn comments_round_trip(c in comment()) {
            let text = c.to_string();
            prop_assert_eq!(Marker::of(&text), Some(c.marker()));
            prop_assert_eq!(text.parse::<RouterComment>(), Ok(c));
        }

        #[test]
        fn text_without_a_marker_is_never_managed(s in "[^VP].{0,40}") {
            prop_assert_eq!(Marker::of(&s), None);
            prop_assert_eq!(s.parse::<RouterComment>(), Err(CommentError::NotManaged));
        }

        #[test]
        fn parse_never_panics(s in "(VOUCHER_SYSTEM|PPPOE_SYSTEM)?[|=a-z0-9.-]{0,40}") {
            let _ = s.parse::<RouterComment>();
        }
    }
}
