//! Job contracts shared by the API (which enqueues) and the worker (which runs): the queue
//! families and the trait every job payload implements. Pure: serde only, no I/O.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A queue family: one durable queue (and its retry and dead-letter queues) per family, so
/// a worker process can choose which kinds of work it serves (`mikrobill worker --queues`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum JobFamily {
    #[serde(rename = "router.sync")]
    RouterSync,
    #[serde(rename = "router.poll")]
    RouterPoll,
    #[serde(rename = "notify.whatsapp")]
    NotifyWhatsapp,
    #[serde(rename = "payment.webhook")]
    PaymentWebhook,
    #[serde(rename = "lifecycle")]
    Lifecycle,
    #[serde(rename = "backup")]
    Backup,
}

impl JobFamily {
    pub const ALL: [JobFamily; 6] = [
        JobFamily::RouterSync,
        JobFamily::RouterPoll,
        JobFamily::NotifyWhatsapp,
        JobFamily::PaymentWebhook,
        JobFamily::Lifecycle,
        JobFamily::Backup,
    ];

    /// The wire name: routing key, queue-name suffix and the `outbox.family` column.
    pub fn as_str(self) -> &'static str {
        match self {
            JobFamily::RouterSync => "router.sync",
            JobFamily::RouterPoll => "router.poll",
            JobFamily::NotifyWhatsapp => "notify.whatsapp",
            JobFamily::PaymentWebhook => "payment.webhook",
            JobFamily::Lifecycle => "lifecycle",
            JobFamily::Backup => "backup",
        }
    }

    /// Parses a comma-separated list (`router.sync,router.poll`); empty means every family.
    pub fn parse_list(list: &str) -> Result<Vec<JobFamily>, UnknownJobFamily> {
        let mut families = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let family: JobFamily = part.parse()?;
            if !families.contains(&family) {
                families.push(family);
            }
        }
        if families.is_empty() {
            families.extend(JobFamily::ALL);
        }
        Ok(families)
    }
}

impl fmt::Display for JobFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A family name that is not one of [`JobFamily::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown job family {0:?} (expected one of: router.sync, router.poll, notify.whatsapp, payment.webhook, lifecycle, backup)"
)]
pub struct UnknownJobFamily(pub String);

impl FromStr for JobFamily {
    type Err = UnknownJobFamily;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobFamily::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownJobFamily(s.to_owned()))
    }
}

/// A job payload type. The job row is written with `store::outbox::enqueue` in the same
/// transaction as the change that caused it; the worker decodes it by `KIND`.
pub trait JobSpec: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Unique name of the job type, e.g. `"router.sync_profile"`.
    const KIND: &'static str;
    /// The queue the job travels on.
    const FAMILY: JobFamily;

    /// Natural key: a second enqueue with the same key while one is still pending is
    /// coalesced into it (its payload replaced by the newer one), and handlers use it (with
    /// the job id) to stay idempotent.
    fn idempotency_key(&self) -> Option<String> {
        None
    }
}

/// Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: the
/// schedule's entry for that attempt, its last entry once past its end.
pub fn backoff_delay(schedule: &[std::time::Duration], attempt: u32) -> std::time::Duration {
    let index = (attempt.max(1) as usize - 1).min(schedule.len().saturating_sub(1));
    schedule.get(index).copied().unwrap_or_default()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn family_names_round_trip_through_str_and_serde() {
        for family in JobFamily::ALL {
            assert_eq!(family.as_str().parse::<JobFamily>(), Ok(family));
            let json = serde_json::to_string(&family).unwrap();
            assert_eq!(json, format!("\"{}\"", family.as_str()));
        }
        assert!("router".parse::<JobFamily>().is_err());
    }

    #[test]
    fn family_list_dedups_and_defaults_to_all() {
        assert_eq!(
            JobFamily::parse_list("router.sync, router.poll,router.sync").unwrap(),
            vec![JobFamily::RouterSync, JobFamily::RouterPoll]
        );
        assert_eq!(JobFamily::parse_list(" ").unwrap(), JobFamily::ALL.to_vec());
        assert_eq!(
            JobFamily::parse_list("router.sync,nope").unwrap_err(),
            UnknownJobFamily("nope".into())
        );
    }

    #[test]
    fn backoff_uses_last_step_past_the_schedule() {
        let s = [Duration::from_secs(1), Duration::from_secs(5)];
        assert_eq!(backoff_delay(&s, 1), Duration::from_secs(1));
        assert_eq!(backoff_delay(&s, 2), Duration::from_secs(5));
        assert_eq!(backoff_delay(&s, 9), Duration::from_secs(5));
        assert_eq!(backoff_delay(&[], 3), Duration::ZERO);
    }
}
