//! The permission matrix: every permission an operation can require and which roles hold
//! it, defined once here. Handlers name theirs in their signature (`Require<perm::X>`) and
//! in their OpenAPI `security` scope (the same string), and the RBAC test walks both.

use domain::status::AdminRole;

macro_rules! permissions {
    ($( $(#[$doc:meta])* $variant:ident => $scope:literal : [$($role:ident),*]; )*) => {
        /// Everything an admin can be allowed to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission { $( $(#[$doc])* $variant ),* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The scope string used in the OpenAPI `security` requirement.
            pub const fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $scope),* }
            }

            /// Whether `role` holds this permission. `super_admin` holds every permission.
            pub fn allows(self, role: AdminRole) -> bool {
                if role == AdminRole::SuperAdmin {
                    return true;
                }
                match self {
                    $(Permission::$variant => {
                        const ROLES: &[AdminRole] = &[$(AdminRole::$role),*];
                        ROLES.contains(&role)
                    })*
                }
            }

            pub fn from_scope(scope: &str) -> Option<Permission> {
                match scope { $($scope => Some(Permission::$variant),)* _ => None }
            }
        }

        /// Zero-sized marker types, one per permission, for `Require<perm::X>`.
        pub mod perm {
            $(
                $(#[$doc])*
                #[derive(Debug)]
                pub struct $variant;
                impl super::PermissionMarker for $variant {
                    const PERMISSION: super::Permission = super::Permission::$variant;
                }
            )*
        }
    };
}

/// Links a marker type to its [`Permission`].
pub trait PermissionMarker {
    const PERMISSION: Permission;
}

// Roles listed after the colon hold the permission besides super_admin (who holds all).
permissions! {
    /// Any authenticated admin: own profile, own sessions, own 2FA.
    SelfService => "self" : [Admin, Operator];
    CustomersRead => "customers.read" : [Admin, Operator];
    /// Create customers (operators register walk-in customers).
    CustomersCreate => "customers.create" : [Admin, Operator];
    /// Edit and delete customers.
    CustomersWrite => "customers.write" : [Admin];
    LedgerRead => "ledger.read" : [Admin, Operator];
    LedgerTopUp => "ledger.top_up" : [Admin, Operator];
    LedgerDebit => "ledger.debit" : [Admin];
    LedgerRefund => "ledger.refund" : [Admin];
    LedgerAdjust => "ledger.adjust" : [Admin];
    /// Record a new debt.
    LedgerAddDebt => "ledger.add_debt" : [Admin];
    /// Take cash against a debt.
    LedgerPayDebt => "ledger.pay_debt" : [Admin, Operator];
    LocationsRead => "locations.read" : [Admin, Operator];
    LocationsWrite => "locations.write" : [Admin];
    RoutersRead => "routers.read" : [Admin, Operator];
    RoutersWrite => "routers.write" : [Admin];
    /// Active hotspot/PPPoE sessions on routers.
    SessionsRead => "sessions.read" : [Admin, Operator];
    /// Disconnect active sessions.
    SessionsWrite => "sessions.write" : [Admin];
    ProfilesRead => "profiles.read" : [Admin, Operator];
    ProfilesWrite => "profiles.write" : [Admin];
    VendorsRead => "vendors.read" : [Admin, Operator];
    VendorsWrite => "vendors.write" : [Admin];
    VouchersRead => "vouchers.read" : [Admin, Operator];
    /// Generate, print, export and delete voucher batches.
    VouchersWrite => "vouchers.write" : [Admin];
    VouchersSell => "vouchers.sell" : [Admin, Operator];
    PppoeRead => "pppoe.read" : [Admin, Operator];
    PppoeWrite => "pppoe.write" : [Admin];
    SubscriptionsRead => "subscriptions.read" : [Admin, Operator];
    SubscriptionsWrite => "subscriptions.write" : [Admin];
    /// Renew a subscription against payment (operators take the cash).
    SubscriptionsRenew => "subscriptions.renew" : [Admin, Operator];
    PaymentsRead => "payments.read" : [Admin, Operator];
    /// Record payments and create payment links.
    PaymentsWrite => "payments.write" : [Admin, Operator];
    PaymentPluginsRead => "payment_plugins.read" : [Admin];
    /// Gateway configuration and keys.
    PaymentPluginsWrite => "payment_plugins.write" : [Admin];
    WhatsappRead => "whatsapp.read" : [Admin];
    WhatsappWrite => "whatsapp.write" : [Admin];
    ReportsRead => "reports.read" : [Admin];
    BackupsRead => "backups.read" : [Admin];
    BackupsWrite => "backups.write" : [Admin];
    JobsRead => "jobs.read" : [Admin];
    /// Replay dead jobs, trigger scheduler tasks.
    JobsWrite => "jobs.write" : [Admin];
    SettingsRead => "settings.read" : [Admin];
    SettingsWrite => "settings.write" : [Admin];
    AdminsRead => "admins.read" : [];
    AdminsWrite => "admins.write" : [];
    AuditRead => "audit.read" : [Admin];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.as_str()), "duplicate scope {}", p.as_str());
            assert_eq!(Permission::from_scope(p.as_str()), Some(*p));
        }
    }

    #[test]
    fn operators_cannot_touch_settings_gateways_routers_admins_or_adjustments() {
        for p in [
            Permission::SettingsWrite,
            Permission::SettingsRead,
            Permission::PaymentPluginsWrite,
            Permission::RoutersWrite,
            Permission::AdminsWrite,
            Permission::AdminsRead,
            Permission::LedgerAdjust,
        ] {
            assert!(!p.allows(AdminRole::Operator), "{p:?}");
        }
        for p in [
            Permission::CustomersRead,
            Permission::CustomersCreate,
            Permission::LedgerTopUp,
            Permission::VouchersSell,
            Permission::RoutersRead,
            Permission::SessionsRead,
        ] {
            assert!(p.allows(AdminRole::Operator), "{p:?}");
        }
    }

    #[test]
    fn only_super_admin_manages_admins() {
        assert!(Permission::AdminsWrite.allows(AdminRole::SuperAdmin));
        assert!(!Permission::AdminsWrite.allows(AdminRole::Admin));
        assert!(
            Permission::ALL
                .iter()
                .all(|p| p.allows(AdminRole::SuperAdmin))
        );
    }
}
