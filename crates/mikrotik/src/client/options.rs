//! Connection settings: where the router is, how to log in, how long to wait.

use std::fmt;
use std::time::Duration;

use crate::client::transport::TlsOptions;
use crate::codec::DEFAULT_MAX_WORD_LEN;

/// A router password. Never printed: `Debug` and `Display` show `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(p: impl Into<String>) -> Self {
        Self(p.into())
    }
    /// The clear text, for the login exchange only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

/// Which login exchange to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginMethod {
    /// Plain login; if the router answers with an MD5 challenge (RouterOS < 6.43), complete
    /// the challenge instead. Works with every version.
    #[default]
    Auto,
    /// `/login =name= =password=` only (RouterOS ≥ 6.43).
    Plain,
    /// The legacy MD5 challenge only (RouterOS < 6.43).
    Challenge,
}

/// Everything needed to open a session with one router.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    /// `None` for the plain API service; `Some` for API-SSL.
    pub tls: Option<TlsOptions>,
    pub username: String,
    pub password: Password,
    pub login: LoginMethod,
    pub connect_timeout: Duration,
    pub login_timeout: Duration,
    /// Whole-command timeout for collected commands; the idle timeout between rows of a
    /// streamed print.
    pub command_timeout: Duration,
    /// Cap on one reply word; a router announcing more is treated as hostile.
    pub max_word_len: usize,
}

impl ConnectOptions {
    /// Plain API on port 8728 with default timeouts (5 s connect, 10 s login, 30 s command).
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Self {
        Self {
            host: host.into(),
            port: 8728,
            tls: None,
            username: username.into(),
            password: password.into(),
            login: LoginMethod::Auto,
            connect_timeout: Duration::from_secs(5),
            login_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            max_word_len: DEFAULT_MAX_WORD_LEN,
        }
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Switches to API-SSL; sets the port to 8729 unless one was chosen already.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        if self.port == 8728 {
            self.port = 8729;
        }
        self.tls = Some(tls);
        self
    }

    pub fn login_method(mut self, m: LoginMethod) -> Self {
        self.login = m;
        self
    }

    pub fn timeouts(mut self, connect: Duration, login: Duration, command: Duration) -> Self {
        self.connect_timeout = connect;
        self.login_timeout = login;
        self.command_timeout = command;
        self
    }

    pub fn command_timeout(mut self, t: Duration) -> Self {
        self.command_timeout = t;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_shows_in_debug_output() {
        let o = ConnectOptions::new("10.0.0.1", "admin", "hunter2");
        let s = format!("{o:?} {}", o.password);
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("admin"));
    }
}
