//! Login throttling and lockout per username and per IP, computed from `login_attempts`
//! in PostgreSQL so every `serve` replica sees the same counts. Unknown usernames are
//! throttled exactly like known ones, so the answers never reveal which exist.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The `login_throttle` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThrottlePolicy {
    /// Failures of one username within the window that lock it.
    #[schema(example = 5)]
    pub max_failures: u32,
    /// Failures from one IP within the window that lock the IP.
    #[schema(example = 50)]
    pub ip_max_failures: u32,
    /// How far back failures count, in minutes.
    #[schema(example = 15)]
    pub window_minutes: u32,
    /// How long a lock lasts after the last failure, in minutes.
    #[schema(example = 15)]
    pub lock_minutes: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            ip_max_failures: 50,
            window_minutes: 15,
            lock_minutes: 15,
        }
    }
}

pub const SETTING_KEY: &str = "login_throttle";

/// What to do with a login attempt before checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead after waiting `delay` (zero for the first failures).
    Proceed { delay: Duration, failures: i64 },
    /// Refuse without checking the password; retry after this many seconds.
    Locked { retry_after_secs: u64 },
}

impl ThrottlePolicy {
    pub fn load(conn: &mut PgConnection) -> diesel::QueryResult<Self> {
        let stored = store::settings::get(conn, SETTING_KEY)?;
        Ok(stored
            .and_then(|s| serde_json::from_value(s.value).ok())
            .unwrap_or_default())
    }

    pub fn decide(
        &self,
        conn: &mut PgConnection,
        realm: &str,
        username: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> diesel::QueryResult<Decision> {
        let since = now - chrono::Duration::minutes(i64::from(self.window_minutes));
        let (failures, last) =
            store::login_attempts::failures_for_username(conn, realm, username, since)?;
        if let Some(locked) = self.lock_left(failures, last, self.max_failures, now) {
            return Ok(locked);
        }
        if let Some(ip) = ip {
            let (ip_failures, ip_last) =
                store::login_attempts::failures_for_ip(conn, realm, ip, since)?;
            if let Some(locked) = self.lock_left(ip_failures, ip_last, self.ip_max_failures, now) {
                return Ok(locked);
            }
        }
        Ok(Decision::Proceed {
            delay: slow_down(failures),
            failures,
        })
    }

    /// Whether this failure (the `failures`-th before it) reaches the lock threshold.
    pub fn locks_after(&self, failures_before: i64) -> bool {
        failures_before + 1 >= i64::from(self.max_failures)
    }

    fn lock_left(
        &self,
        failures: i64,
        last: Option<DateTime<Utc>>,
        max: u32,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let last = last?;
        if failures < i64::from(max) {
            return None;
        }
        let until = last + chrono::Duration::minutes(i64::from(self.lock_minutes));
        let left = (until - now).num_seconds();
        (left > 0).then(|| Decision::Locked {
            retry_after_secs: u64::try_from(left).unwrap_or(1),
        })
    }
}

/// No delay for the first two failures, then 0.5 s, 1 s, 2 s… capped at 4 s: slows a
/// guesser without hurting a typo.
pub fn slow_down(failures: i64) -> Duration {
    if failures < 2 {
        return Duration::ZERO;
    }
    let exp = u32::try_from((failures - 2).min(3)).unwrap_or(3);
    Duration::from_millis(500 * 2u64.pow(exp)).min(Duration::from_secs(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        assert_eq!(slow_down(0), Duration::ZERO);
        assert_eq!(slow_down(1), Duration::ZERO);
        assert_eq!(slow_down(2), Duration::from_millis(500));
        assert_eq!(slow_down(3), Duration::from_secs(1));
        assert_eq!(slow_down(40), Duration::from_secs(4));
    }

    #[test]
    fn lock_needs_threshold_and_ends_after_lock_minutes() {
        let p = ThrottlePolicy::default();
        let now = Utc::now();
        assert!(p.lock_left(4, Some(now), 5, now).is_none());
        assert!(matches!(
            p.lock_left(5, Some(now), 5, now),
            Some(Decision::Locked { .. })
        ));
        let old = now - chrono::Duration::minutes(16);
        assert!(p.lock_left(9, Some(old), 5, now).is_none());
    }
}
