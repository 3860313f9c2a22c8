//! Amounts of money: [`Money`] (never negative) and [`SignedMoney`] (a change), both exactly
//! two decimal places and within PostgreSQL `NUMERIC(15,2)`.
//!
//! On the wire both are decimal strings with two places (`"15000.00"`); input may also be a
//! JSON number. Parsing is strict: a third decimal, an exponent, `NaN`/`inf`, a leading `+`
//! or a value beyond 13 integer digits is refused rather than rounded, because a rounded
//! amount is a wrong amount.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Decimal places of every amount.
pub const SCALE: u32 = 2;
/// Integer digits `NUMERIC(15,2)` can hold.
const MAX_INTEGER_DIGITS: usize = 13;

/// Why a text or number is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount is required")]
    Empty,
    #[error("not a decimal amount (expected digits with an optional `.` and two decimals)")]
    Invalid,
    #[error("at most 2 decimal places are allowed")]
    TooManyDecimals,
    #[error("must not be negative")]
    Negative,
    #[error("too large (at most 9999999999999.99)")]
    TooLarge,
}

/// The largest magnitude `NUMERIC(15,2)` stores.
fn max_magnitude() -> Decimal {
    Decimal::new(999_999_999_999_999, SCALE)
}

/// Brings a decimal to exactly two places, refusing anything that would need rounding or
/// does not fit the column.
fn to_amount(mut value: Decimal) -> Result<Decimal, MoneyError> {
    if value.scale() > SCALE {
        let normalized = value.normalize();
        if normalized.scale() > SCALE {
            return Err(MoneyError::TooManyDecimals);
        }
        value = normalized;
    }
    if value.abs() > max_magnitude() {
        return Err(MoneyError::TooLarge);
    }
    value.rescale(SCALE);
    if value.is_zero() {
        // "-0.00" is not an amount anyone means
        value.set_sign_positive(true);
    }
    Ok(value)
}

/// Strict grammar `-?[0-9]+(\.[0-9]{1,2})?` (surrounding whitespace tolerated).
fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MoneyError::Invalid);
    }
    if let Some(frac) = frac {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::Invalid);
        }
        if frac.len() > SCALE as usize {
            return Err(MoneyError::TooManyDecimals);
        }
    }
    if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(MoneyError::TooLarge);
    }
    let value = Decimal::from_str_exact(text).map_err(|_| MoneyError::Invalid)?;
    to_amount(value)
}

/// A non-negative amount: balances, debts, prices and the size of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, SCALE));

    /// Parses a decimal string (`"15000"`, `"15000.5"`, `"15000.50"`).
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        Money::try_from(parse_decimal(text)?)
    }

    /// A whole amount, e.g. `Money::whole(15_000)` for 15000.00.
    pub fn whole(units: u32) -> Money {
        Money(Decimal::new(i64::from(units) * 100, SCALE))
    }

    /// The amount as a decimal with exactly two places.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// `self + other`, or `None` beyond `NUMERIC(15,2)`.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::try_from(self.0.checked_add(other.0)?).ok()
    }

    /// `self - other`, or `None` when it would go below zero.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Money::try_from(self.0.checked_sub(other.0)?).ok()
    }

    /// `self + delta`, or `None` when it would go below zero or beyond `NUMERIC(15,2)`.
    pub fn checked_apply(self, delta: SignedMoney) -> Option<Money> {
        Money::try_from(self.0.checked_add(delta.0)?).ok()
    }

    /// The change from `self` to `after` (negative when `after` is smaller).
    pub fn delta_to(self, after: Money) -> SignedMoney {
        // both fit NUMERIC(15,2) and are ≥ 0, so their difference does too
        SignedMoney(after.0 - self.0)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<Money, MoneyError> {
        let value = to_amount(value)?;
        if value.is_sign_negative() {
            return Err(MoneyError::Negative);
        }
        Ok(Money(value))
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Decimal {
        value.0
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A signed change of money: an adjustment, or a ledger entry's effect on a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SignedMoney(Decimal);

impl SignedMoney {
    pub const ZERO: SignedMoney = SignedMoney(Decimal::from_parts(0, 0, 0, false, SCALE));

    /// Parses a decimal string that may start with `-`.
    pub fn parse(text: &str) -> Result<SignedMoney, MoneyError> {
        Ok(SignedMoney(parse_decimal(text)?))
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// The size of the change.
    pub fn magnitude(self) -> Money {
        Money(self.0.abs())
    }

    /// `-amount`.
    pub fn negative(amount: Money) -> SignedMoney {
        SignedMoney(-amount.0)
    }
}

impl From<Money> for SignedMoney {
    fn from(value: Money) -> SignedMoney {
        SignedMoney(value.0)
    }
}

impl TryFrom<Decimal> for SignedMoney {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<SignedMoney, MoneyError> {
        Ok(SignedMoney(to_amount(value)?))
    }
}

impl From<SignedMoney> for Decimal {
    fn from(value: SignedMoney) -> Decimal {
        value.0
    }
}

impl FromStr for SignedMoney {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<SignedMoney, MoneyError> {
        SignedMoney::parse(s)
    }
}

impl fmt::Display for SignedMoney {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Accepts a JSON string or number and hands the decimal text to `parse`.
struct AmountVisitor<T> {
    parse: fn(&str) -> Result<T, MoneyError>,
}

impl<T> Visitor<'_> for AmountVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount with at most 2 decimal places, as a string or number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if !v.is_finite() {
            return Err(E::custom(MoneyError::Invalid));
        }
        // Display of f64 is the shortest text that reads back as the same number and never
        // uses an exponent, so 10.005 stays "10.005" and is refused instead of rounded
        self.visit_str(&v.to_string())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        d.deserialize_any(AmountVisitor {
            parse: Money::parse,
        })
    }
}

impl Serialize for SignedMoney {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SignedMoney {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SignedMoney, D::Error> {
        d.deserialize_any(AmountVisitor {
            parse: SignedMoney::parse,
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints_two_places() {
        for (input, printed) in [
            ("15000", "15000.00"),
            ("15000.5", "15000.50"),
            ("15000.50", "15000.50"),
            (" 0 ", "0.00"),
            ("007.10", "7.10"),
            ("9999999999999.99", "9999999999999.99"),
        ] {
            assert_eq!(Money::parse(input).unwrap().to_string(), printed, "{input}");
        }
        assert_eq!(Money::whole(15_000).to_string(), "15000.00");
        assert_eq!(Money::ZERO.to_string(), "0.00");
    }

    #[test]
    fn refuses_what_would_need_rounding_or_does_not_fit() {
        for (input, err) in [
            ("", MoneyError::Empty),
            ("1.005", MoneyError::TooManyDecimals),
            ("-5", MoneyError::Negative),
            ("10000000000000", MoneyError::TooLarge),
            ("NaN", MoneyError::Invalid),
            ("inf", MoneyError::Invalid),
            ("1e5", MoneyError::Invalid),
            ("+5", MoneyError::Invalid),
            ("5.", MoneyError::Invalid),
            (".5", MoneyError::Invalid),
            ("1,000", MoneyError::Invalid),
            ("--1", MoneyError::Invalid),
        ] {
            assert_eq!(Money::parse(input), Err(err), "{input:?}");
        }
        assert_eq!(SignedMoney::parse("-5").unwrap().to_string(), "-5.00");
        assert_eq!(SignedMoney::parse("-0").unwrap().to_string(), "0.00");
    }

    #[test]
    fn json_accepts_strings_and_numbers_and_writes_strings() {
        let m: Money = serde_json::from_str("\"15000\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"15000.00\"");
        let m: Money = serde_json::from_str("15000.5").unwrap();
        assert_eq!(m.to_string(), "15000.50");
        let m: Money = serde_json::from_str("12").unwrap();
        assert_eq!(m.to_string(), "12.00");
        assert!(serde_json::from_str::<Money>("10.005").is_err());
        assert!(serde_json::from_str::<Money>("-1").is_err());
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
        let s: SignedMoney = serde_json::from_str("-2.5").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"-2.50\"");
    }

    #[test]
    fn arithmetic_stays_in_range() {
        let max = Money::parse("9999999999999.99").unwrap();
        assert_eq!(max.checked_add(Money::parse("0.01").unwrap()), None);
        assert_eq!(Money::whole(1).checked_sub(Money::whole(2)), None);
        assert_eq!(
            Money::whole(5).checked_apply(SignedMoney::negative(Money::whole(2))),
            Some(Money::whole(3))
        );
        assert_eq!(
            Money::whole(5).delta_to(Money::whole(2)),
            SignedMoney::negative(Money::whole(3))
        );
    }

    proptest! {
        #[test]
        fn any_cent_amount_round_trips(cents in 0i64..=999_999_999_999_999) {
            let text = Decimal::new(cents, 2).to_string();
            let money = Money::parse(&text).unwrap();
            prop_assert_eq!(money.as_decimal(), Decimal::new(cents, 2));
            prop_assert_eq!(money.to_string(), text.clone());
            let json = serde_json::to_string(&money).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
        }

        #[test]
        fn three_decimals_are_always_refused(milli in 0i64..=1_000_000_000, last in 1i64..=9) {
            let value = Decimal::new(milli * 10 + last, 3);
            prop_assert_eq!(Money::parse(&value.to_string()), Err(MoneyError::TooManyDecimals));
        }

        #[test]
        fn arbitrary_text_never_panics_and_parsed_values_print_two_places(s in "\\PC{0,20}") {
            if let Ok(m) = SignedMoney::parse(&s) {
                prop_assert_eq!(m.as_decimal().scale(), SCALE);
            }
        }

        #[test]
        fn add_then_sub_is_identity(a in 0i64..=99_999_999_999_999, b in 0i64..=99_999_999_999_999) {
            let a = Money::try_from(Decimal::new(a, 2)).unwrap();
            let b = Money::try_from(Decimal::new(b, 2)).unwrap();
            let sum = a.checked_add(b).unwrap();
            prop_assert_eq!(sum.checked_sub(b), Some(a));
            prop_assert_eq!(a.delta_to(sum), SignedMoney::from(b));
        }
    }
}
