//! Customer fields other than the phone: [`CustomerName`], [`Email`], free text limits and
//! the operator-set [`PortalPassword`], each parsed once at the edge.

use std::fmt;

/// Longest name kept.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest address kept.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Longest operator notes kept.
pub const MAX_NOTES_CHARS: usize = 2000;
/// Shortest portal password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// bcrypt ignores everything after 72 bytes; refuse longer rather than silently truncate.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name is required")]
    Empty,
    #[error("at most {MAX_NAME_CHARS} characters")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// A customer's display name, trimmed, non-blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerName(String);

impl CustomerName {
    pub fn parse(text: &str) -> Result<CustomerName, NameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong);
        }
        if text.chars().any(char::is_control) {
            return Err(NameError::ControlCharacter);
        }
        Ok(CustomerName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for CustomerName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why an e-mail address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("not an e-mail address (expected name@domain.tld)")]
    Invalid,
    #[error("at most 254 characters")]
    TooLong,
}

/// An e-mail address: one `@`, a local part, a dotted domain, no spaces. Deliverability is
/// not checked; this only stops typing mistakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, EmailError> {
        let text = text.trim();
        if text.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.split_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Invalid);
        }
        // the domain part is case-insensitive; keep the local part as written
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Free text longer than its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at most {limit} characters")]
pub struct TextTooLong {
    pub limit: usize,
}

/// Trimmed optional text: blank becomes `None`, over `limit` characters is refused.
pub fn optional_text(text: &str, limit: usize) -> Result<Option<String>, TextTooLong> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > limit {
        return Err(TextTooLong { limit });
    }
    Ok(Some(text.to_owned()))
}

/// Why a portal password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("at most {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
}

/// A customer's portal password as set by an operator; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PortalPassword(String);

impl PortalPassword {
    pub fn parse(text: &str) -> Result<PortalPassword, PasswordError> {
        if text.chars().count() < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if text.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(PortalPassword(text.to_owned()))
    }

    /// The secret itself, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PortalPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PortalPassword(***)")
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert_eq!(CustomerName::parse("  Ani  ").unwrap().as_str(), "Ani");
        assert_eq!(CustomerName::parse(" "), Err(NameError::Empty));
        assert_eq!(
            CustomerName::parse("a\u{7}b"),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(
            CustomerName::parse(&"é".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::TooLong)
        );
    }

    #[test]
    fn emails() {
        for ok in ["ani@example.com", "a.b+tag@Mail.Example.co.id"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse("A@Example.COM").unwrap().as_str(),
            "A@example.com"
        );
        for bad in [
            "",
            "ani",
            "ani@",
            "@example.com",
            "ani@example",
            "ani@@example.com",
            "a ni@example.com",
            "ani@exa_mple.com",
            "ani@-x.com",
            ".ani@example.com",
            "ani@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_and_passwords() {
        assert_eq!(optional_text("  ", 5), Ok(None));
        assert_eq!(optional_text(" ab ", 5), Ok(Some("ab".into())));
        assert_eq!(optional_text("abcdef", 5), Err(TextTooLong { limit: 5 }));
        assert_eq!(PortalPassword::parse("short"), Err(PasswordError::TooShort));
        assert_eq!(
            PortalPassword::parse(&"x".repeat(73)),
            Err(PasswordError::TooLong)
        );
        let p = PortalPassword::parse("correct horse").unwrap();
        assert_eq!(format!("{p:?}"), "PortalPassword(***)");
    }

    proptest! {
        #[test]
        fn accepted_emails_have_one_at_and_no_spaces(s in "[a-zA-Z0-9@. _-]{0,40}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert!(!e.as_str().contains(' '));
            }
        }

        #[test]
        fn accepted_names_are_trimmed_and_bounded(s in "\\PC{0,130}") {
            if let Ok(n) = CustomerName::parse(&s) {
                prop_assert_eq!(n.as_str().trim(), n.as_str());
                prop_assert!(!n.as_str().is_empty());
                prop_assert!(n.as_str().chars().count() <= MAX_NAME_CHARS);
            }
        }
    }
}
