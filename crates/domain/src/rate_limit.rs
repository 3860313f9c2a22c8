//! MikroTik `rate-limit` text (`2M/2M`, `512k/1M 1M/2M 384k/768k 8/8 8 256k/512k`): parsed
//! and validated so a typo is refused by the API instead of by every router later.
//!
//! Syntax (RouterOS manual, hotspot/PPP profile):
//! `rx-rate[/tx-rate] [rx-burst-rate[/tx-burst-rate] [rx-burst-threshold[/tx-burst-threshold]
//! [rx-burst-time[/tx-burst-time] [priority] [rx-rate-min[/tx-rate-min]]]]]`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a rate-limit text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    #[error("is empty")]
    Empty,
    #[error(
        "has {0} parts; at most 6 (rate, burst-rate, burst-threshold, burst-time, priority, limit-at)"
    )]
    TooManyParts(usize),
    #[error("{part} {value:?} is not a rate (digits with an optional k, M or G suffix)")]
    Rate { part: &'static str, value: String },
    #[error("burst-time {0:?} is not a time in seconds or RouterOS time syntax")]
    BurstTime(String),
    #[error("priority {0:?} must be a number from 1 to 8")]
    Priority(String),
    #[error("{part} {value:?} must be `rx` or `rx/tx`")]
    Pair { part: &'static str, value: String },
    #[error("rate is too large")]
    Overflow,
}

/// An upload/download pair; `tx` is `None` when the operator wrote one value for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair<T> {
    pub rx: T,
    pub tx: Option<T>,
}

impl<T: Copy> Pair<T> {
    /// The transmit value, which RouterOS takes from `rx` when it is left out.
    pub fn tx_or_rx(&self) -> T {
        self.tx.unwrap_or(self.rx)
    }
}

/// A validated rate limit. Displays as the operator wrote it (tokens kept, whitespace
/// collapsed) because RouterOS echoes the text back verbatim and sync compares text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    text: String,
    rate: Pair<u64>,
    burst_rate: Option<Pair<u64>>,
    burst_threshold: Option<Pair<u64>>,
    burst_time: Option<Pair<u64>>,
    priority: Option<u8>,
    limit_at: Option<Pair<u64>>,
}

const PART_NAMES: [&str; 6] = [
    "rate",
    "burst-rate",
    "burst-threshold",
    "burst-time",
    "priority",
    "limit-at",
];

/// Parses `2M`, `512k`, `1536000`, `1.5M` into bits per second.
fn parse_rate(part: &'static str, s: &str) -> Result<u64, RateLimitError> {
    let bad = || RateLimitError::Rate {
        part,
        value: s.chars().take(32).collect(),
    };
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1_000u64),
        Some((i, 'm' | 'M')) => (&s[..i], 1_000_000),
        Some((i, 'g' | 'G')) => (&s[..i], 1_000_000_000),
        _ => (s, 1),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if int.is_empty()
        || !digits(int)
        || !digits(frac)
        || (num.contains('.') && (frac.is_empty() || mult == 1))
    {
        return Err(bad());
    }
    if frac.len() > 3 {
        return Err(bad());
    }
    let whole: u64 = int.parse().map_err(|_| RateLimitError::Overflow)?;
    let mut value = whole.checked_mul(mult).ok_or(RateLimitError::Overflow)?;
    if !frac.is_empty() {
        let f: u64 = frac.parse().map_err(|_| bad())?;
        let scale = 10u64.pow(u32::try_from(frac.len()).unwrap_or(3));
        value = value
            .checked_add(f.checked_mul(mult).ok_or(RateLimitError::Overflow)? / scale)
            .ok_or(RateLimitError::Overflow)?;
    }
    Ok(value)
}

fn parse_pair<T>(
    part: &'static str,
    s: &str,
    one: impl Fn(&'static str, &str) -> Result<T, RateLimitError>,
) -> Result<Pair<T>, RateLimitError> {
    let mut it = s.split('/');
    let rx = it.next().unwrap_or_default();
    let tx = it.next();
    if it.next().is_some() || rx.is_empty() || tx.is_some_and(str::is_empty) {
        return Err(RateLimitError::Pair {
            part,
            value: s.chars().take(32).collect(),
        });
    }
    Ok(Pair {
        rx: one(part, rx)?,
        tx: tx.map(|t| one(part, t)).transpose()?,
    })
}

fn parse_burst_time(_: &'static str, s: &str) -> Result<u64, RateLimitError> {
    crate::validity::parse_seconds(s)
        .map_err(|_| RateLimitError::BurstTime(s.chars().take(32).collect()))
}

impl RateLimit {
    pub fn parse(text: &str) -> Result<Self, RateLimitError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.is_empty() {
            return Err(RateLimitError::Empty);
        }
        if parts.len() > PART_NAMES.len() {
            return Err(RateLimitError::TooManyParts(parts.len()));
        }
        let rate_pair = |i: usize| -> Result<Option<Pair<u64>>, RateLimitError> {
            parts
                .get(i)
                .map(|p| parse_pair(PART_NAMES[i], p, parse_rate))
                .transpose()
        };
        let priority = parts
            .get(4)
            .map(|p| match p.parse::<u8>() {
                Ok(n @ 1..=8) => Ok(n),
                _ => Err(RateLimitError::Priority(p.chars().take(32).collect())),
            })
            .transpose()?;
        Ok(Self {
            text: parts.join(" "),
            rate: rate_pair(0)?.ok_or(RateLimitError::Empty)?,
            burst_rate: rate_pair(1)?,
            burst_threshold: rate_pair(2)?,
            burst_time: parts
                .get(3)
                .map(|p| parse_pair(PART_NAMES[3], p, parse_burst_time))
                .transpose()?,
            priority,
            limit_at: rate_pair(5)?,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Receive (client upload) and transmit (client download) rates in bits per second;
    /// 0 means unlimited.
    pub fn rate(&self) -> Pair<u64> {
        self.rate
    }
    pub fn burst_rate(&self) -> Option<Pair<u64>> {
        self.burst_rate
    }
    pub fn burst_threshold(&self) -> Option<Pair<u64>> {
        self.burst_threshold
    }
    /// Burst time in seconds.
    pub fn burst_time(&self) -> Option<Pair<u64>> {
        self.burst_time
    }
    pub fn priority(&self) -> Option<u8> {
        self.priority
    }
    pub fn limit_at(&self) -> Option<Pair<u64>> {
        self.limit_at
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for RateLimit {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl TryFrom<&str> for RateLimit {
    type Error = RateLimitError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for RateLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for RateLimit {
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
    fn simple_rates_parse() {
        let r = RateLimit::parse("2M/2M").map(|r| r.rate());
        assert_eq!(
            r,
            Ok(Pair {
                rx: 2_000_000,
                tx: Some(2_000_000)
            })
        );
        let r = RateLimit::parse("512k/1M").map(|r| (r.rate().rx, r.rate().tx_or_rx()));
        assert_eq!(r, Ok((512_000, 1_000_000)));
        let r = RateLimit::parse("1M").map(|r| r.rate().tx_or_rx());
        assert_eq!(r, Ok(1_000_000));
        let r = RateLimit::parse("1.5M/768000").map(|r| r.rate());
        assert_eq!(
            r,
            Ok(Pair {
                rx: 1_500_000,
                tx: Some(768_000)
            })
        );
    }

    #[test]
    fn full_burst_syntax_parses() {
        let r = RateLimit::parse("512k/1M  1M/2M 384k/768k 8/8 8 256k/512k").map(|r| {
            (
                r.as_str().to_owned(),
                r.burst_rate(),
                r.burst_time(),
                r.priority(),
                r.limit_at().map(|p| p.rx),
            )
        });
        assert_eq!(
            r,
            Ok((
                "512k/1M 1M/2M 384k/768k 8/8 8 256k/512k".to_owned(),
                Some(Pair {
                    rx: 1_000_000,
                    tx: Some(2_000_000)
                }),
                Some(Pair { rx: 8, tx: Some(8) }),
                Some(8),
                Some(256_000),
            ))
        );
    }

    #[test]
    fn typos_are_refused_with_the_part_named() {
        assert_eq!(RateLimit::parse("  "), Err(RateLimitError::Empty));
        assert!(matches!(
            RateLimit::parse("2X/2M"),
            Err(RateLimitError::Rate { part: "rate", .. })
        ));
        assert!(matches!(
            RateLimit::parse("2M/"),
            Err(RateLimitError::Pair { .. })
        ));
        assert!(matches!(
            RateLimit::parse("2M/2M/2M"),
            Err(RateLimitError::Pair { .. })
        ));
        assert!(matches!(
            RateLimit::parse("2M 4M/x"),
            Err(RateLimitError::Rate {
                part: "burst-rate",
                ..
            })
        ));
        assert!(matches!(
            RateLimit::parse("2M 4M 1M soon"),
            Err(RateLimitError::BurstTime(_))
        ));
        assert!(matches!(
            RateLimit::parse("2M 4M 1M 8 9"),
            Err(RateLimitError::Priority(_))
        ));
        assert!(matches!(
            RateLimit::parse("1 2 3 4 5 6 7"),
            Err(RateLimitError::TooManyParts(7))
        ));
        assert!(matches!(
            RateLimit::parse("1.5"),
            Err(RateLimitError::Rate { .. })
        ));
        assert!(matches!(
            RateLimit::parse("M"),
            Err(RateLimitError::Rate { .. })
        ));
        assert_eq!(
            RateLimit::parse("99999999999G"),
            Err(RateLimitError::Overflow)
        );
    }

    fn rate_text() -> impl Strategy<Value = (String, u64)> {
        (
            0u64..100_000,
            prop::sample::select(vec![
                ("", 1u64),
                ("k", 1_000),
                ("M", 1_000_000),
                ("G", 1_000_000_000),
            ]),
        )
            .prop_map(|(n, (suffix, mult))| (format!("{n}{suffix}"), n * mult))
    }

    proptest! {
        #[test]
        fn any_rate_pair_parses_to_its_value(rx in rate_text(), tx in rate_text()) {
            let r = RateLimit::parse(&format!("{}/{}", rx.0, tx.0));
            prop_assert_eq!(r.map(|r| r.rate()), Ok(Pair { rx: rx.1, tx: Some(tx.1) }));
        }

        #[test]
        fn display_is_a_fixed_point(rx in rate_text(), burst in rate_text(), t in 0u64..3600, prio in 1u8..=8) {
            let text = format!("{}  {}/{} {}/{} {t} {prio}", rx.0, burst.0, burst.0, rx.0, rx.0);
            let once = RateLimit::parse(&text);
            let twice = once.clone().and_then(|r| RateLimit::parse(r.as_str()));
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn parse_never_panics(text in ".{0,60}") {
            let _ = RateLimit::parse(&text);
        }
    }
}
