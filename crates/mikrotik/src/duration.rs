//! RouterOS duration text (`1w2d3h4m5s`, `00:30:00`) to and from `std::time::Duration`.

use std::time::Duration;

/// Parses `1w2d3h4m5s`, `1d02:03:04`, `02:03:04` and plain seconds (`90`). Milliseconds
/// (`500ms`) are accepted and kept.
pub fn parse(s: &str) -> Option<Duration> {
    let s = s.trim();
    // Durations are ASCII; refusing the rest keeps byte indexing below on char boundaries.
    if s.is_empty() || !s.is_ascii() {
        return None;
    }
    let mut total_ms: u64 = 0;
    let mut num: Option<u64> = None;
    let mut rest = s;
    // Clock suffix `hh:mm:ss` (optionally after `Nd`/`Nw` units).
    if let Some(pos) = s.find(':') {
        let start = s[..pos]
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let clock = &s[start..];
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() != 3 {
            return None;
        }
        let h: u64 = parts[0].parse().ok()?;
        let m: u64 = parts[1].parse().ok()?;
        let sec: u64 = parts[2].split('.').next()?.parse().ok()?;
        total_ms = (h * 3600 + m * 60 + sec) * 1000;
        rest = &s[..start];
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(u64::from(c - b'0'))?,
            );
            i += 1;
            continue;
        }
        let n = num.take()?;
        let unit_ms = match (c, bytes.get(i + 1)) {
            (b'm', Some(b's')) => {
                i += 1;
                1
            }
            (b'w', _) => 7 * 86_400_000,
            (b'd', _) => 86_400_000,
            (b'h', _) => 3_600_000,
            (b'm', _) => 60_000,
            (b's', _) => 1000,
            _ => return None,
        };
        total_ms = total_ms.checked_add(n.checked_mul(unit_ms)?)?;
        i += 1;
    }
    if let Some(n) = num {
        total_ms = total_ms.checked_add(n.checked_mul(1000)?)?;
    }
    Some(Duration::from_millis(total_ms))
}

/// Formats as RouterOS prints it: `1w2d3h4m5s`, zero units left out, `0s` for zero.
pub fn format(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, len) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ] {
        let n = secs / len;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
            secs %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_routers_print() {
        assert_eq!(parse("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("1w2d3h4m5s"), Some(Duration::from_secs(788_645)));
        assert_eq!(parse("00:30:00"), Some(Duration::from_secs(1800)));
        assert_eq!(parse("1d02:00:01"), Some(Duration::from_secs(93_601)));
        assert_eq!(parse("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1m500ms"), Some(Duration::from_millis(60_500)));
        assert_eq!(parse("abc"), None);
        assert_eq!(parse(""), None);
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(secs in 0u64..100_000_000) {
            prop_assert_eq!(parse(&format(Duration::from_secs(secs))), Some(Duration::from_secs(secs)));
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse(&s);
        }
    }
}
