//! Admin and portal authentication: access JWTs, refresh-token sessions, the permission
//! matrix, extractors, password hashing, login throttling and TOTP 2FA.

pub mod extract;
pub mod jwt;
pub mod login;
pub mod password;
pub mod permissions;
pub mod revocation;
pub mod session;
pub mod throttle;
pub mod totp;

pub use extract::{AdminUser, PortalCustomer, Require};
pub use permissions::{Permission, perm};
