//! Worker settings from the environment, checked at start-up; errors name the variable.

use std::time::Duration;

use domain::config::{ConfigError, Env};
use domain::jobs::JobFamily;

pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const DEFAULT_BACKOFF: &str = "1s,5s,30s,2m,10m";

/// Everything the worker's loops need to know.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `AMQP_URL`; `None` (set to empty) selects embedded mode: handlers run in-process
    /// straight from the outbox.
    pub amqp_url: Option<String>,
    /// Prefix of every exchange and queue name (`MIKROBILL_AMQP_NAMESPACE`), so tests and
    /// staging can share a broker without touching production's queues.
    pub namespace: String,
    /// Families this process consumes (`MIKROBILL_WORKER_QUEUES`, default all).
    pub families: Vec<JobFamily>,
    /// Unacknowledged deliveries per family consumer (`MIKROBILL_WORKER_PREFETCH`), which is
    /// also how many jobs of a family run at once.
    pub prefetch: u16,
    /// Attempts before a job is dead (`MIKROBILL_JOB_MAX_ATTEMPTS`, first run included).
    pub max_attempts: u32,
    /// Delay before each retry (`MIKROBILL_JOB_BACKOFF`, e.g. `1s,5s,30s,2m,10m`; the last
    /// step repeats).
    pub backoff: Vec<Duration>,
    /// A handler running longer fails its attempt (`MIKROBILL_JOB_TIMEOUT_SECS`).
    pub job_timeout: Duration,
    /// Outbox rows per relay transaction (`MIKROBILL_OUTBOX_BATCH`).
    pub outbox_batch: i64,
    /// Relay / embedded poll fallback when no NOTIFY arrives (`MIKROBILL_OUTBOX_POLL_MS`).
    pub outbox_poll: Duration,
    /// Database connections of the worker process (`MIKROBILL_WORKER_DB_POOL_SIZE`).
    pub db_pool_size: usize,
    /// Scheduler tick (`MIKROBILL_SCHEDULER_TICK_MS`).
    pub scheduler_tick: Duration,
    /// This process's id in leases and scheduler runs (`MIKROBILL_WORKER_ID`, default
    /// host-pid).
    pub worker_id: String,
}

impl WorkerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let amqp_url = match env.raw("AMQP_URL") {
            None => Some(DEFAULT_AMQP_URL.to_owned()),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => {
                let v = v.trim();
                if !(v.starts_with("amqp://") || v.starts_with("amqps://")) {
                    return Err(ConfigError::new(
                        "AMQP_URL",
                        "must start with amqp:// or amqps:// (or be empty for embedded mode)",
                    ));
                }
                Some(v.to_owned())
            }
        };
        let families = JobFamily::parse_list(&env.string_or("MIKROBILL_WORKER_QUEUES", ""))
            .map_err(|e| ConfigError::new("MIKROBILL_WORKER_QUEUES", e))?;
        let prefetch: u16 = env.parse_or("MIKROBILL_WORKER_PREFETCH", 64)?;
        if prefetch == 0 {
            return Err(ConfigError::new(
                "MIKROBILL_WORKER_PREFETCH",
                "must be at least 1",
            ));
        }
        let max_attempts: u32 = env.parse_or("MIKROBILL_JOB_MAX_ATTEMPTS", 6)?;
        if max_attempts == 0 {
            return Err(ConfigError::new(
                "MIKROBILL_JOB_MAX_ATTEMPTS",
                "must be at least 1",
            ));
        }
        let backoff = parse_backoff(&env.string_or("MIKROBILL_JOB_BACKOFF", DEFAULT_BACKOFF))
            .map_err(|e| ConfigError::new("MIKROBILL_JOB_BACKOFF", e))?;
        let job_timeout_secs: u64 = env.parse_or("MIKROBILL_JOB_TIMEOUT_SECS", 300)?;
        let outbox_batch: i64 = env.parse_or("MIKROBILL_OUTBOX_BATCH", 500)?;
        if !(1..=10_000).contains(&outbox_batch) {
            return Err(ConfigError::new(
                "MIKROBILL_OUTBOX_BATCH",
                "must be between 1 and 10000",
            ));
        }
        let poll_ms: u64 = env.parse_or("MIKROBILL_OUTBOX_POLL_MS", 1000)?;
        let db_pool_size: usize = env.parse_or("MIKROBILL_WORKER_DB_POOL_SIZE", 16)?;
        let tick_ms: u64 = env.parse_or("MIKROBILL_SCHEDULER_TICK_MS", 1000)?;
        let worker_id = match env.raw("MIKROBILL_WORKER_ID").map(str::trim) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => default_worker_id(),
        };
        Ok(Self {
            amqp_url,
            namespace: env.string_or("MIKROBILL_AMQP_NAMESPACE", ""),
            families,
            prefetch,
            max_attempts,
            backoff,
            job_timeout: Duration::from_secs(job_timeout_secs.max(1)),
            outbox_batch,
            outbox_poll: Duration::from_millis(poll_ms.max(10)),
            db_pool_size: db_pool_size.max(2),
            scheduler_tick: Duration::from_millis(tick_ms.max(10)),
            worker_id,
        })
    }

    /// Defaults for the given broker (`None` = embedded), as tests and tools start from.
    pub fn defaults(amqp_url: Option<String>) -> Self {
        let mut env = Env::default();
        env.set("AMQP_URL", amqp_url.unwrap_or_default());
        // the defaults are valid by construction; fall back field by field never happens
        match Self::from_env(&env) {
            Ok(config) => config,
            Err(e) => unreachable!("default worker config is invalid: {e}"),
        }
    }

    /// Delay before the attempt after `attempt` (1-based).
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        domain::jobs::backoff_delay(&self.backoff, attempt)
    }
}

fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Parses `1s,5s,30s,2m,10m` (units ms, s, m, h).
pub fn parse_backoff(text: &str) -> Result<Vec<Duration>, String> {
    let mut steps = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let split = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        let (number, unit) = part.split_at(split);
        let n: u64 = number
            .parse()
            .map_err(|_| format!("{part:?} is not a duration like 5s or 2m"))?;
        let step = match unit {
            "ms" => Duration::from_millis(n),
            "s" | "" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => return Err(format!("{part:?} has an unknown unit (use ms, s, m or h)")),
        };
        if step.is_zero() {
            return Err(format!("{part:?}: retry delays must be positive"));
        }
        steps.push(step);
    }
    if steps.is_empty() {
        return Err("needs at least one delay".to_owned());
    }
    Ok(steps)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;

    #[test]
    fn empty_amqp_url_selects_embedded_mode_and_unset_uses_local_broker() {
        let embedded = WorkerConfig::from_env(&Env::from_pairs([("AMQP_URL", "")])).unwrap();
        assert_eq!(embedded.amqp_url, None);
        let default = WorkerConfig::from_env(&Env::default()).unwrap();
        assert_eq!(default.amqp_url.as_deref(), Some(DEFAULT_AMQP_URL));
        assert_eq!(default.families, JobFamily::ALL.to_vec());
        assert_eq!(default.backoff_after(1), Duration::from_secs(1));
        assert_eq!(default.backoff_after(5), Duration::from_secs(600));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("MIKROBILL_WORKER_PREFETCH", "0"),
            ("MIKROBILL_WORKER_PREFETCH", "many"),
            ("MIKROBILL_JOB_MAX_ATTEMPTS", "-1"),
            ("MIKROBILL_JOB_BACKOFF", "1s,soon"),
            ("MIKROBILL_WORKER_QUEUES", "router.sync,mail"),
            ("AMQP_URL", "http://rabbit"),
            ("MIKROBILL_OUTBOX_BATCH", "0"),
        ] {
            let err = WorkerConfig::from_env(&Env::from_pairs([(var, value)])).unwrap_err();
            assert_eq!(err.var, var, "{value}");
        }
    }

    #[test]
    fn backoff_accepts_units() {
        assert_eq!(
            parse_backoff("250ms, 2s,1m,1h").unwrap(),
            vec![
                Duration::from_millis(250),
                Duration::from_secs(2),
                Duration::from_secs(60),
                Duration::from_secs(3600)
            ]
        );
        assert!(parse_backoff("").is_err());
        assert!(parse_backoff("0s").is_err());
    }
}
