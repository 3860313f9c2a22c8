//! Indonesian mobile numbers: [`Phone`] parses what people type (`0812-3456-7890`,
//! `+62 812 3456 7890`, `62812…`, `812…`) into the one stored form `62…` (digits only).
//!
//! Mobile numbers are `8` followed by 8 to 11 digits after the country code (so 11 to 14
//! digits with `62`). Separators people write (spaces, `-`, `.`, `(`, `)`) are ignored;
//! `+62 (0)812…` and the international prefix `0062` are understood. Anything else —
//! letters, a landline, another country — is refused with a reason.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Country code every stored number starts with.
const COUNTRY: &str = "62";
/// Digits after the country code: `8` plus 8..=11 more.
const MIN_NATIONAL: usize = 9;
const MAX_NATIONAL: usize = 12;

/// Why a text is not an Indonesian mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a phone number is required")]
    Empty,
    #[error("unexpected character {0:?} in a phone number")]
    InvalidCharacter(char),
    #[error("only Indonesian numbers (+62) are accepted")]
    NotIndonesian,
    #[error("not a mobile number (Indonesian mobile numbers start with 08 or +628)")]
    NotMobile,
    #[error("too short for an Indonesian mobile number")]
    TooShort,
    #[error("too long for an Indonesian mobile number")]
    TooLong,
}

/// A normalised Indonesian mobile number, `62` followed by 9..=12 digits starting with `8`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(String);

/// Digits of `input` and whether it began with `+`; separators dropped.
fn digits_of(input: &str) -> Result<(String, bool), PhoneError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, rest) = match input.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            other => return Err(PhoneError::InvalidCharacter(other)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    Ok((digits, plus))
}

/// The national part (after `62`, without trunk `0`) of a digit string, or why there is none.
fn national_part(digits: &str, plus: bool) -> Result<&str, PhoneError> {
    let after_country = if plus {
        digits
            .strip_prefix(COUNTRY)
            .ok_or(PhoneError::NotIndonesian)?
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.strip_prefix(COUNTRY)
            .ok_or(PhoneError::NotIndonesian)?
    } else if let Some(rest) = digits.strip_prefix(COUNTRY) {
        rest
    } else {
        digits
    };
    // "+62 (0)812…" and "0812…" both carry the trunk prefix 0
    Ok(after_country.strip_prefix('0').unwrap_or(after_country))
}

impl Phone {
    /// Normalises any common way of writing an Indonesian mobile number.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let (digits, plus) = digits_of(input)?;
        let national = national_part(&digits, plus)?;
        if !national.starts_with('8') {
            return Err(PhoneError::NotMobile);
        }
        if national.len() < MIN_NATIONAL {
            return Err(PhoneError::TooShort);
        }
        if national.len() > MAX_NATIONAL {
            return Err(PhoneError::TooLong);
        }
        Ok(Phone(format!("{COUNTRY}{national}")))
    }

    /// The stored form, e.g. `6281234567890`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The `62…` prefix to search for when someone types the start of a number (`0812`,
/// `+62 81`, `812`), or `None` when the text is not the start of a phone number.
///
/// A lone `6` stays `6` (it may be the start of `62`), so searching never misses.
pub fn search_prefix(input: &str) -> Option<String> {
    let (digits, plus) = digits_of(input).ok()?;
    if !plus && COUNTRY.starts_with(digits.as_str()) {
        return Some(digits);
    }
    if !plus && digits.starts_with('0') && "0062".starts_with(digits.as_str()) {
        // "0" and "00": the trunk or international prefix, nothing typed after it yet
        return Some(COUNTRY.to_owned());
    }
    let national = national_part(&digits, plus).ok()?;
    if !national.is_empty() && !national.starts_with('8') {
        return None;
    }
    if national.len() > MAX_NATIONAL {
        return None;
    }
    Some(format!("{COUNTRY}{national}"))
}

impl FromStr for Phone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Phone, PhoneError> {
        Phone::parse(s)
    }
}

impl TryFrom<&str> for Phone {
    type Error = PhoneError;

    fn try_from(s: &str) -> Result<Phone, PhoneError> {
        Phone::parse(s)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Phone, D::Error> {
        let text = String::deserialize(d)?;
        Phone::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalisation_table() {
        let ok = [
            ("081234567890", "6281234567890"),
            ("0812-3456-7890", "6281234567890"),
            ("0812 3456 7890", "6281234567890"),
            ("0812.3456.7890", "6281234567890"),
            ("(0812) 3456-7890", "6281234567890"),
            ("+6281234567890", "6281234567890"),
            ("+62 812 3456 7890", "6281234567890"),
            ("+62 (0)812-3456-7890", "6281234567890"),
            ("6281234567890", "6281234567890"),
            ("62 812-3456-7890", "6281234567890"),
            ("81234567890", "6281234567890"),
            ("0062 812 3456 7890", "6281234567890"),
            ("  0812345678  ", "62812345678"),
            ("0812345678901", "62812345678901"),
        ];
        for (input, expected) in ok {
            assert_eq!(
                Phone::parse(input).map(Phone::into_string).as_deref(),
                Ok(expected),
                "{input:?}"
            );
        }
        let bad = [
            ("", PhoneError::Empty),
            ("  ", PhoneError::Empty),
            ("+", PhoneError::Empty),
            ("---", PhoneError::Empty),
            ("0812abc4567", PhoneError::InvalidCharacter('a')),
            ("0812/3456", PhoneError::InvalidCharacter('/')),
            ("0812+3456789", PhoneError::InvalidCharacter('+')),
            ("+1 415 555 0100", PhoneError::NotIndonesian),
            ("0044 20 7946 0000", PhoneError::NotIndonesian),
            ("021-555-1234", PhoneError::NotMobile),
            ("+62 21 555 1234", PhoneError::NotMobile),
            ("12345", PhoneError::NotMobile),
            ("0812345", PhoneError::TooShort),
            ("08123456789012", PhoneError::TooLong),
        ];
        for (input, expected) in bad {
            assert_eq!(Phone::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn search_prefixes() {
        for (input, expected) in [
            ("0812", Some("62812")),
            ("+62 81", Some("6281")),
            ("812", Some("62812")),
            ("6281", Some("6281")),
            ("6", Some("6")),
            ("62", Some("62")),
            ("0", Some("62")),
            ("08", Some("628")),
            ("021", None),
            ("ani", None),
            ("", None),
        ] {
            assert_eq!(search_prefix(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn serde_normalises_and_refuses() {
        let p: Phone = serde_json::from_str("\"0812-3456-7890\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"6281234567890\"");
        assert!(serde_json::from_str::<Phone>("\"hello\"").is_err());
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", "-", ".", " - "])
    }

    proptest! {
        #[test]
        fn every_written_form_of_a_mobile_number_normalises_to_the_same_value(
            rest in "[0-9]{8,11}",
            form in 0usize..5,
            sep in separator(),
        ) {
            let national = format!("8{rest}");
            let spaced: String = national
                .as_bytes()
                .chunks(3)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(sep);
            let written = match form {
                0 => format!("0{spaced}"),
                1 => format!("+62{sep}{spaced}"),
                2 => format!("62{sep}{spaced}"),
                3 => spaced.clone(),
                _ => format!("+62{sep}(0){spaced}"),
            };
            let phone = Phone::parse(&written).unwrap();
            prop_assert_eq!(phone.as_str(), format!("62{national}"));
            // normalising is idempotent and every prefix of the input finds the number
            prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone.clone());
            let prefix = search_prefix(&written[..written.len() - 2]).unwrap();
            prop_assert!(phone.as_str().starts_with(&prefix), "{} vs {}", phone, prefix);
        }

        #[test]
        fn anything_accepted_is_a_stored_form(s in "[-+0-9 ().a-z]{0,20}") {
            if let Ok(phone) = Phone::parse(&s) {
                let p = phone.as_str();
                prop_assert!(p.starts_with("628"));
                prop_assert!((11..=14).contains(&p.len()));
                prop_assert!(p.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
