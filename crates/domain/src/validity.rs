//! RouterOS time syntax (`3h`, `1d`, `30d`, `1w2d3h4m5s`) and the `Validity` of a profile.
//!
//! The operator writes durations the way RouterOS does; billing keeps whole seconds. The
//! same parser reads what routers print (`1d02:00:00`, bare seconds) so sync can compare.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a duration text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("is empty")]
    Empty,
    #[error("{0:?} is not RouterOS time syntax (e.g. 3h, 1d, 1w2d3h4m5s)")]
    Syntax(String),
    #[error(
        "unit {0:?} appears twice or out of order (write w, d, h, m, s from largest to smallest)"
    )]
    UnitOrder(char),
    #[error("is too long")]
    Overflow,
}

/// Why a validity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("must be longer than zero")]
    Zero,
    #[error("must be at most 10 years")]
    TooLong,
}

const UNITS: [(char, u64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3600),
    ('m', 60),
    ('s', 1),
];

/// Parses RouterOS time text into seconds: `1w2d3h4m5s` (units largest first, each at most
/// once), a bare number of seconds (`90`), or a clock suffix (`02:00:00`, `1d02:00:00`) as
/// routers print it. Case and surrounding spaces are ignored. Zero is allowed here.
pub fn parse_seconds(text: &str) -> Result<u64, DurationError> {
    let s = text.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let syntax = || DurationError::Syntax(text.trim().chars().take(40).collect());
    // byte slicing below relies on every character being one byte
    if !s.is_ascii() {
        return Err(syntax());
    }
    let (units_part, clock) = match s.find(':') {
        Some(pos) => {
            let start = s[..pos]
                .rfind(|c: char| !c.is_ascii_digit())
                .map_or(0, |i| i + 1);
            (
                &s[..start],
                Some(parse_clock(&s[start..]).ok_or_else(syntax)?),
            )
        }
        None => (s.as_str(), None),
    };
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    // index into UNITS of the last unit seen: each following unit must be smaller
    let mut last_unit: Option<usize> = None;
    for c in units_part.chars() {
        if let Some(d) = c.to_digit(10) {
            let n = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d)))
                .ok_or(DurationError::Overflow)?;
            number = Some(n);
            continue;
        }
        let idx = UNITS.iter().position(|(u, _)| *u == c).ok_or_else(syntax)?;
        let n = number.take().ok_or_else(syntax)?;
        if last_unit.is_some_and(|l| idx <= l) {
            return Err(DurationError::UnitOrder(c));
        }
        last_unit = Some(idx);
        total = n
            .checked_mul(UNITS[idx].1)
            .and_then(|v| total.checked_add(v))
            .ok_or(DurationError::Overflow)?;
    }
    if let Some(n) = number {
        // a trailing bare number means seconds, but only when nothing smaller came before
        // and no clock follows (`1h30` is ambiguous and refused)
        if clock.is_some() || last_unit.is_some() {
            return Err(syntax());
        }
        total = total.checked_add(n).ok_or(DurationError::Overflow)?;
    }
    if let Some(c) = clock {
        // a clock replaces h/m/s, so only w and d may precede it
        if last_unit.is_some_and(|l| l > 1) {
            return Err(syntax());
        }
        total = total.checked_add(c).ok_or(DurationError::Overflow)?;
    }
    Ok(total)
}

fn parse_clock(s: &str) -> Option<u64> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.is_empty() || m.len() != 2 {
        return None;
    }
    // routers may print fractions of a second; billing works in whole seconds
    let sec = sec.split('.').next()?;
    if sec.len() != 2 {
        return None;
    }
    let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if !(all_digits(h) && all_digits(m) && all_digits(sec)) {
        return None;
    }
    let (h, m, sec): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    if m >= 60 || sec >= 60 {
        return None;
    }
    h.checked_mul(3600)?.checked_add(m * 60 + sec)
}

/// Formats seconds the way RouterOS 7 prints them: `1w2d3h4m5s`, zero units left out,
/// `0s` for zero.
pub fn format_seconds(mut secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, len) in UNITS {
        let n = secs / len;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push(unit);
            secs %= len;
        }
    }
    out
}

/// How long a plan lasts: for hotspot vouchers counted from the first login, for PPPoE one
/// billing period. Always more than zero and at most ten years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Validity {
    seconds: u64,
}

impl Validity {
    pub const MAX_SECONDS: u64 = 10 * 366 * 86_400;

    /// Parses operator input such as `3h`, `1d`, `30d`.
    pub fn parse(text: &str) -> Result<Self, ValidityError> {
        Self::from_seconds(parse_seconds(text)?)
    }

    pub fn from_seconds(seconds: u64) -> Result<Self, ValidityError> {
        match seconds {
            0 => Err(ValidityError::Zero),
            s if s > Self::MAX_SECONDS => Err(ValidityError::TooLong),
            s => Ok(Self { seconds: s }),
        }
    }

    pub fn seconds(&self) -> u64 {
        self.seconds
    }

    /// Seconds as the `BIGINT` column holds them (always fits: bounded by `MAX_SECONDS`).
    pub fn seconds_i64(&self) -> i64 {
        i64::try_from(self.seconds).unwrap_or(i64::MAX)
    }

    pub fn as_duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.seconds)
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_seconds(self.seconds))
    }
}

impl TryFrom<&str> for Validity {
    type Error = ValidityError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for Validity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn operator_forms_parse() {
        assert_eq!(parse_seconds("3h"), Ok(10_800));
        assert_eq!(parse_seconds("1d"), Ok(86_400));
        assert_eq!(parse_seconds("30d"), Ok(2_592_000));
        assert_eq!(parse_seconds("1w2d3h4m5s"), Ok(788_645));
        assert_eq!(parse_seconds(" 2H30M "), Ok(9000));
        assert_eq!(parse_seconds("90"), Ok(90));
    }

    #[test]
    fn router_printed_forms_parse() {
        assert_eq!(parse_seconds("00:30:00"), Ok(1800));
        assert_eq!(parse_seconds("1d02:00:01"), Ok(93_601));
        assert_eq!(parse_seconds("1w1d00:00:00"), Ok(691_200));
        assert_eq!(parse_seconds("01:00:00.500"), Ok(3600));
    }

    #[test]
    fn malformed_text_is_refused_with_a_reason() {
        assert_eq!(parse_seconds(""), Err(DurationError::Empty));
        assert!(matches!(
            parse_seconds("abc"),
            Err(DurationError::Syntax(_))
        ));
        assert!(matches!(parse_seconds("1x"), Err(DurationError::Syntax(_))));
        assert!(matches!(parse_seconds("h"), Err(DurationError::Syntax(_))));
        assert!(matches!(
            parse_seconds("1h30"),
            Err(DurationError::Syntax(_))
        ));
        assert!(matches!(
            parse_seconds("1h02:00:00"),
            Err(DurationError::Syntax(_))
        ));
        assert!(matches!(
            parse_seconds("00:60:00"),
            Err(DurationError::Syntax(_))
        ));
        assert_eq!(parse_seconds("1h1d"), Err(DurationError::UnitOrder('d')));
        assert_eq!(parse_seconds("1h1h"), Err(DurationError::UnitOrder('h')));
        assert_eq!(
            parse_seconds("99999999999999999999w"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn validity_is_positive_and_bounded() {
        assert_eq!(Validity::parse("0s"), Err(ValidityError::Zero));
        assert_eq!(Validity::parse("600w"), Err(ValidityError::TooLong));
        let v = Validity::parse("1d12h").map(|v| (v.seconds(), v.to_string()));
        assert_eq!(v, Ok((129_600, "1d12h".to_owned())));
    }

    #[test]
    fn validity_serialises_as_its_text() {
        let v = Validity::parse("30d").map(|v| serde_json::to_string(&v).ok());
        assert_eq!(v, Ok(Some("\"4w2d\"".to_owned())));
        let back: Result<Validity, _> = serde_json::from_str("\"2h\"");
        assert_eq!(back.map(|v| v.seconds()).ok(), Some(7200));
        assert!(serde_json::from_str::<Validity>("\"soon\"").is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(secs in 0u64..=Validity::MAX_SECONDS * 2) {
            prop_assert_eq!(parse_seconds(&format_seconds(secs)), Ok(secs));
        }

        #[test]
        fn unit_text_parses_to_its_sum(w in 0u64..50, d in 0u64..7, h in 0u64..24, m in 0u64..60, s in 0u64..60) {
            let mut text = String::new();
            for (n, u) in [(w, 'w'), (d, 'd'), (h, 'h'), (m, 'm'), (s, 's')] {
                if n > 0 { text.push_str(&format!("{n}{u}")); }
            }
            prop_assume!(!text.is_empty());
            prop_assert_eq!(parse_seconds(&text), Ok(w * 604_800 + d * 86_400 + h * 3600 + m * 60 + s));
        }

        #[test]
        fn canonical_text_is_a_fixed_point(secs in 1u64..=Validity::MAX_SECONDS) {
            let v = Validity::from_seconds(secs);
            let again = v.clone().and_then(|v| Validity::parse(&v.to_string()));
            prop_assert_eq!(v, again);
        }

        #[test]
        fn parse_never_panics(text in ".{0,40}") {
            let _ = parse_seconds(&text);
        }
    }
}
