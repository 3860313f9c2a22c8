//! The one status vocabulary shared by SQL CHECK constraints and Rust code.
//!
//! Each enum's `ALL` lists exactly the values its column's CHECK accepts; a store test reads
//! the constraints from `pg_constraint` and fails when the two drift apart. Adding a value
//! means a migration that widens the CHECK plus a new variant here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A text value that is not one of a status enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownStatus {
    /// The enum that refused the value, e.g. `CustomerStatus`.
    pub kind: &'static str,
    /// The refused text.
    pub value: String,
}

macro_rules! status_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order the SQL CHECK lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text of every value, in the same order as `ALL`.
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// The value as stored in the database and sent over the API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownStatus;

            fn from_str(s: &str) -> Result<Self, UnknownStatus> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownStatus { kind: stringify!($name), value: other.to_owned() }),
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = UnknownStatus;

            fn try_from(s: &str) -> Result<Self, UnknownStatus> {
                s.parse()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

status_enum! {
    /// `admin_users.role`.
    AdminRole { SuperAdmin => "super_admin", Admin => "admin", Operator => "operator" }
}
status_enum! {
    /// `login_attempts.realm`: which login form was used.
    AuthRealm { Admin => "admin", Customer => "customer" }
}
status_enum! {
    /// `audit_log.actor_kind`, `ledger_entries.actor_kind`: who caused a change.
    ActorKind { Admin => "admin", Customer => "customer", System => "system", Anonymous => "anonymous" }
}
status_enum! {
    /// `idempotency_keys.status`.
    IdempotencyStatus { InProgress => "in_progress", Completed => "completed" }
}
status_enum! {
    /// `routers.status`: reachability from the last health check.
    RouterStatus { Unknown => "unknown", Online => "online", Offline => "offline" }
}
status_enum! {
    /// `routers.sync_mode`: whether drift is only reported or also repaired.
    SyncMode { Report => "report", Repair => "repair" }
}
status_enum! {
    /// `router_drift.object_type`: the router menu a drifted object lives in.
    RouterObjectType {
        HotspotUser => "hotspot_user",
        HotspotProfile => "hotspot_profile",
        PppSecret => "ppp_secret",
        PppProfile => "ppp_profile",
    }
}
status_enum! {
    /// `router_drift.drift_kind`.
    DriftKind {
        /// In the database, not on the router.
        Missing => "missing",
        /// Marked as ours on the router, unknown to the database.
        Unexpected => "unexpected",
        /// On both, with different attributes.
        Changed => "changed",
    }
}
status_enum! {
    /// `router_drift.resolution`.
    DriftResolution {
        Repaired => "repaired",
        Accepted => "accepted",
        Ignored => "ignored",
        /// The difference went away by itself.
        Cleared => "cleared",
    }
}
status_enum! {
    /// `customers.status`.
    CustomerStatus { Active => "active", Inactive => "inactive", Suspended => "suspended" }
}
status_enum! {
    /// `ledger_entries.entry_type`.
    LedgerEntryType {
        TopUp => "top_up",
        Debit => "debit",
        Refund => "refund",
        Adjustment => "adjustment",
        AddDebt => "add_debt",
        PayDebt => "pay_debt",
        Payment => "payment",
        Purchase => "purchase",
    }
}
status_enum! {
    /// `profiles.profile_type`.
    ProfileType { Hotspot => "hotspot", Pppoe => "pppoe" }
}
status_enum! {
    /// `vouchers.status`: unused → active → expired; unused|active → disabled.
    VoucherStatus { Unused => "unused", Active => "active", Expired => "expired", Disabled => "disabled" }
}
status_enum! {
    /// `subscriptions.status`.
    SubscriptionStatus {
        Pending => "pending",
        Active => "active",
        Grace => "grace",
        Expired => "expired",
        Suspended => "suspended",
        Cancelled => "cancelled",
    }
}
status_enum! {
    /// `payment_plugins.kind`.
    PaymentPluginKind { Manual => "manual", Gateway => "gateway" }
}
status_enum! {
    /// `payment_plugins.fee_type`.
    FeeType { Flat => "flat", Percent => "percent" }
}
status_enum! {
    /// `payment_plugins.fee_payer`.
    FeePayer { Customer => "customer", Merchant => "merchant" }
}
status_enum! {
    /// `payments.status`.
    PaymentStatus {
        Pending => "pending",
        Paid => "paid",
        Failed => "failed",
        Expired => "expired",
        Cancelled => "cancelled",
        Refunded => "refunded",
    }
}
status_enum! {
    /// `payments.purpose`: what a completed payment is applied to.
    PaymentPurpose { TopUp => "top_up", Voucher => "voucher", Subscription => "subscription", Debt => "debt" }
}
status_enum! {
    /// `payment_links.status`.
    PaymentLinkStatus { Active => "active", Paid => "paid", Expired => "expired", Cancelled => "cancelled" }
}
status_enum! {
    /// `webhook_inbox.status`.
    WebhookStatus { Received => "received", Applied => "applied", Ignored => "ignored", Failed => "failed" }
}
status_enum! {
    /// `whatsapp_sessions.provider`.
    WhatsappProvider { CloudApi => "cloud_api", Waha => "waha", Evolution => "evolution", Log => "log" }
}
status_enum! {
    /// `whatsapp_sessions.status`.
    WhatsappSessionStatus {
        Disconnected => "disconnected",
        Connecting => "connecting",
        Connected => "connected",
        Failed => "failed",
    }
}
status_enum! {
    /// `whatsapp_messages.priority`, highest first.
    MessagePriority { High => "high", Normal => "normal", Low => "low", Bulk => "bulk" }
}
status_enum! {
    /// `whatsapp_messages.status`.
    MessageStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Delivered => "delivered",
        Read => "read",
        Failed => "failed",
    }
}
status_enum! {
    /// `notifications.channel`.
    NotificationChannel { Whatsapp => "whatsapp", Email => "email", Webhook => "webhook" }
}
status_enum! {
    /// `notifications.status`.
    NotificationStatus { Pending => "pending", Processed => "processed", Failed => "failed", Skipped => "skipped" }
}
status_enum! {
    /// `outbox.status`.
    OutboxStatus { Pending => "pending", Published => "published", Done => "done", Dead => "dead" }
}
status_enum! {
    /// `scheduler_runs.status`, `scheduler_tasks.last_status`.
    TaskRunStatus { Running => "running", Succeeded => "succeeded", Failed => "failed", Skipped => "skipped" }
}
status_enum! {
    /// `backups.kind`.
    BackupKind { Manual => "manual", Scheduled => "scheduled", PreRestore => "pre_restore" }
}
status_enum! {
    /// `backups.storage`, `backup_schedules.storage`.
    BackupStorage { Local => "local", S3 => "s3" }
}
status_enum! {
    /// `backups.status`.
    BackupStatus { Running => "running", Completed => "completed", Failed => "failed" }
}
status_enum! {
    /// `backup_schedules.frequency`.
    BackupFrequency { Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
}
status_enum! {
    /// `system_logs.level`.
    LogLevel { Trace => "trace", Debug => "debug", Info => "info", Warn => "warn", Error => "error" }
}

/// Every status vocabulary by the `table.column`s that store it, for the schema test.
pub const COLUMN_VOCABULARIES: &[(&str, &str, &[&str])] = &[
    ("admin_users", "role", AdminRole::VALUES),
    ("login_attempts", "realm", AuthRealm::VALUES),
    ("audit_log", "actor_kind", ActorKind::VALUES),
    ("ledger_entries", "actor_kind", ActorKind::VALUES),
    ("idempotency_keys", "status", IdempotencyStatus::VALUES),
    ("routers", "status", RouterStatus::VALUES),
    ("routers", "sync_mode", SyncMode::VALUES),
    ("router_drift", "object_type", RouterObjectType::VALUES),
    ("router_drift", "drift_kind", DriftKind::VALUES),
    ("router_drift", "resolution", DriftResolution::VALUES),
    ("customers", "status", CustomerStatus::VALUES),
    ("ledger_entries", "entry_type", LedgerEntryType::VALUES),
    ("profiles", "profile_type", ProfileType::VALUES),
    ("vouchers", "status", VoucherStatus::VALUES),
    ("subscriptions", "status", SubscriptionStatus::VALUES),
    ("payment_plugins", "kind", PaymentPluginKind::VALUES),
    ("payment_plugins", "fee_type", FeeType::VALUES),
    ("payment_plugins", "fee_payer", FeePayer::VALUES),
    ("payments", "status", PaymentStatus::VALUES),
    ("payments", "purpose", PaymentPurpose::VALUES),
    ("payment_links", "status", PaymentLinkStatus::VALUES),
    ("webhook_inbox", "status", WebhookStatus::VALUES),
    ("whatsapp_sessions", "provider", WhatsappProvider::VALUES),
    ("whatsapp_sessions", "status", WhatsappSessionStatus::VALUES),
    ("whatsapp_messages", "priority", MessagePriority::VALUES),
    ("whatsapp_messages", "status", MessageStatus::VALUES),
    ("notifications", "channel", NotificationChannel::VALUES),
    ("notifications", "status", NotificationStatus::VALUES),
    ("outbox", "status", OutboxStatus::VALUES),
    ("scheduler_tasks", "last_status", TaskRunStatus::VALUES),
    ("scheduler_runs", "status", TaskRunStatus::VALUES),
    ("backups", "kind", BackupKind::VALUES),
    ("backups", "storage", BackupStorage::VALUES),
    ("backups", "status", BackupStatus::VALUES),
    ("backup_schedules", "frequency", BackupFrequency::VALUES),
    ("backup_schedules", "storage", BackupStorage::VALUES),
    ("system_logs", "level", LogLevel::VALUES),
];

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;

    fn check<T>(all: &[T], values: &[&str])
    where
        T: Copy + PartialEq + fmt::Debug + FromStr<Err = UnknownStatus> + Serialize + AsRef<str>,
        T: for<'de> Deserialize<'de>,
    {
        assert_eq!(all.iter().map(AsRef::as_ref).collect::<Vec<_>>(), values);
        for v in all {
            let text = v.as_ref();
            assert_eq!(
                text.parse::<T>().as_ref(),
                Ok(v),
                "{text} round-trips through FromStr"
            );
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{text}\""), "serde uses the SQL text");
            let back: T = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *v);
        }
    }

    #[test]
    fn serde_and_from_str_agree_with_as_str_for_every_vocabulary() {
        check(AdminRole::ALL, AdminRole::VALUES);
        check(AuthRealm::ALL, AuthRealm::VALUES);
        check(ActorKind::ALL, ActorKind::VALUES);
        check(IdempotencyStatus::ALL, IdempotencyStatus::VALUES);
        check(RouterStatus::ALL, RouterStatus::VALUES);
        check(SyncMode::ALL, SyncMode::VALUES);
        check(RouterObjectType::ALL, RouterObjectType::VALUES);
        check(DriftKind::ALL, DriftKind::VALUES);
        check(DriftResolution::ALL, DriftResolution::VALUES);
        check(CustomerStatus::ALL, CustomerStatus::VALUES);
        check(LedgerEntryType::ALL, LedgerEntryType::VALUES);
        check(ProfileType::ALL, ProfileType::VALUES);
        check(VoucherStatus::ALL, VoucherStatus::VALUES);
        check(SubscriptionStatus::ALL, SubscriptionStatus::VALUES);
        check(PaymentPluginKind::ALL, PaymentPluginKind::VALUES);
        check(FeeType::ALL, FeeType::VALUES);
        check(FeePayer::ALL, FeePayer::VALUES);
        check(PaymentStatus::ALL, PaymentStatus::VALUES);
        check(PaymentPurpose::ALL, PaymentPurpose::VALUES);
        check(PaymentLinkStatus::ALL, PaymentLinkStatus::VALUES);
        check(WebhookStatus::ALL, WebhookStatus::VALUES);
        check(WhatsappProvider::ALL, WhatsappProvider::VALUES);
        check(WhatsappSessionStatus::ALL, WhatsappSessionStatus::VALUES);
        check(MessagePriority::ALL, MessagePriority::VALUES);
        check(MessageStatus::ALL, MessageStatus::VALUES);
        check(NotificationChannel::ALL, NotificationChannel::VALUES);
        check(NotificationStatus::ALL, NotificationStatus::VALUES);
        check(OutboxStatus::ALL, OutboxStatus::VALUES);
        check(TaskRunStatus::ALL, TaskRunStatus::VALUES);
        check(BackupKind::ALL, BackupKind::VALUES);
        check(BackupStorage::ALL, BackupStorage::VALUES);
        check(BackupStatus::ALL, BackupStatus::VALUES);
        check(BackupFrequency::ALL, BackupFrequency::VALUES);
        check(LogLevel::ALL, LogLevel::VALUES);
    }

    #[test]
    fn unknown_text_is_refused_with_the_enum_name() {
        let err = "deleted".parse::<CustomerStatus>().unwrap_err();
        assert_eq!(err.kind, "CustomerStatus");
        assert_eq!(err.to_string(), "unknown CustomerStatus value \"deleted\"");
        assert!(
            "Active".parse::<CustomerStatus>().is_err(),
            "matching is exact"
        );
    }
}
