//! Job payloads of the router family: pushing profiles, reconciling and polling routers.

use serde::{Deserialize, Serialize};

use crate::jobs::{JobFamily, JobSpec};

/// Push one profile to the routers of its locations (and remove it where it no longer
/// belongs). Written by every profile create, update and delete. `router_id` narrows the
/// job to one router: the catch-up job left behind for a router that was unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProfile {
    pub profile_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router_id: Option<i64>,
}

impl JobSpec for SyncProfile {
    const KIND: &'static str = "router.sync_profile";
    const FAMILY: JobFamily = JobFamily::RouterSync;

    fn idempotency_key(&self) -> Option<String> {
        Some(match self.router_id {
            Some(r) => format!("profile:{}:router:{r}", self.profile_id),
            None => format!("profile:{}", self.profile_id),
        })
    }
}

/// Bring one router to the database state. `apply` pushes every difference (a new router,
/// a router moved to another location); otherwise differences are drift, repaired or only
/// reported according to the router's `sync_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRouter {
    pub router_id: i64,
    #[serde(default)]
    pub apply: bool,
}

impl JobSpec for SyncRouter {
    const KIND: &'static str = "router.sync";
    const FAMILY: JobFamily = JobFamily::RouterSync;

    fn idempotency_key(&self) -> Option<String> {
        Some(format!(
            "router:{}:{}",
            self.router_id,
            if self.apply { "apply" } else { "check" }
        ))
    }
}

/// Health check of one router: identity, resources, latency, online/offline transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRouter {
    pub router_id: i64,
}

impl JobSpec for PollRouter {
    const KIND: &'static str = "router.poll";
    const FAMILY: JobFamily = JobFamily::RouterPoll;

    fn idempotency_key(&self) -> Option<String> {
        Some(format!("router:{}", self.router_id))
    }
}

/// A router went offline or came back: one alert per transition, for the notification
/// worker (admins are told on WhatsApp). The `notifications` row with the same
/// `dedupe_key` is written in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterStatusAlert {
    pub router_id: i64,
    pub router_name: String,
    pub online: bool,
    /// Unix seconds of the health check that saw the change.
    pub at: i64,
    /// Why the router could not be reached, when it went offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RouterStatusAlert {
    /// Key of the alert in `notifications.dedupe_key` and the outbox.
    pub fn dedupe_key(&self) -> String {
        format!(
            "router_status:{}:{}:{}",
            self.router_id,
            if self.online { "online" } else { "offline" },
            self.at
        )
    }
}

impl JobSpec for RouterStatusAlert {
    const KIND: &'static str = "notify.router_status";
    const FAMILY: JobFamily = JobFamily::NotifyWhatsapp;

    fn idempotency_key(&self) -> Option<String> {
        Some(self.dedupe_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_up_jobs_do_not_coalesce_with_the_fan_out_job() {
        let all = SyncProfile {
            profile_id: 3,
            router_id: None,
        };
        let one = SyncProfile {
            profile_id: 3,
            router_id: Some(9),
        };
        assert_ne!(all.idempotency_key(), one.idempotency_key());
        let json = serde_json::to_string(&all).unwrap_or_default();
        assert_eq!(json, r#"{"profile_id":3}"#);
    }
}
