//! The driver's error type: every failure a caller may want to branch on is its own variant.

use std::time::Duration;

/// Which step ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Connect,
    Login,
    Command,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Login => "login",
            Stage::Command => "command",
        })
    }
}

/// Errors of the RouterOS client. Messages never contain the router password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The router refused the credentials (its message, e.g. `invalid user name or password (6)`).
    #[error("login refused by router: {0}")]
    Auth(String),
    /// The router answered the command with `!trap`.
    #[error("router trap{}: {message}", category.map(|c| format!(" (category {c})")).unwrap_or_default())]
    Trap {
        category: Option<u8>,
        message: String,
    },
    /// The connection closed or failed while the command was in flight.
    #[error("connection to router lost")]
    ConnectionLost,
    /// The step did not finish within its timeout.
    #[error("{0} timed out")]
    Timeout(Stage),
    /// The router sent `!fatal` and closed the session.
    #[error("router closed the session: {0}")]
    Fatal(String),
    /// The router sent something that is not the RouterOS API.
    #[error("protocol violation: {0}")]
    Protocol(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS error: {0}")]
    Tls(String),
    /// The pool's circuit breaker is open for this router; retry after the given delay.
    #[error("router unavailable (circuit open), retry in {retry_in:?}")]
    Unavailable { retry_in: Duration },
    /// The pool has no router with this id.
    #[error("unknown router")]
    UnknownRouter,
    /// A print row could not be read into the typed struct.
    #[error("unexpected value for {field}: {value:?}")]
    Value { field: &'static str, value: String },
}

impl Error {
    /// Whether the failure says something about the router's reachability (and so should
    /// count against its circuit breaker), as opposed to a refused command.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Error::ConnectionLost
                | Error::Timeout(_)
                | Error::Fatal(_)
                | Error::Protocol(_)
                | Error::Io(_)
                | Error::Tls(_)
        )
    }

    /// The trap message, if this is a trap.
    pub fn trap_message(&self) -> Option<&str> {
        match self {
            Error::Trap { message, .. } => Some(message),
            _ => None,
        }
    }
}

impl From<crate::codec::CodecError> for Error {
    fn from(e: crate::codec::CodecError) -> Self {
        Error::Protocol(e.to_string())
    }
}

impl From<crate::proto::ReplyError> for Error {
    fn from(e: crate::proto::ReplyError) -> Self {
        Error::Protocol(e.to_string())
    }
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
