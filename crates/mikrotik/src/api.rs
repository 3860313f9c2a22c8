//! The transport-independent face of a router: run a command, get rows. The binary API
//! ([`crate::Client`]) and REST ([`crate::rest::RestClient`]) both implement it, so typed
//! menus and sync code work over either.

use std::future::Future;

use crate::client::{Client, Response};
use crate::error::Result;
use crate::menus::{
    HotspotActive, HotspotUser, HotspotUserProfile, Menu, PppActive, PppProfile, PppSecret,
    SystemResource,
};
use crate::proto::Command;

/// A way to run RouterOS commands on one router.
pub trait RouterApi: Send + Sync + Sized {
    /// Runs one command and collects its answer; a `!trap` is `Err(Error::Trap)`.
    fn execute(&self, cmd: &Command) -> impl Future<Output = Result<Response>> + Send;

    fn hotspot_users(&self) -> Menu<'_, HotspotUser, Self> {
        Menu::new(self)
    }
    fn hotspot_user_profiles(&self) -> Menu<'_, HotspotUserProfile, Self> {
        Menu::new(self)
    }
    fn hotspot_active(&self) -> Menu<'_, HotspotActive, Self> {
        Menu::new(self)
    }
    fn ppp_secrets(&self) -> Menu<'_, PppSecret, Self> {
        Menu::new(self)
    }
    fn ppp_profiles(&self) -> Menu<'_, PppProfile, Self> {
        Menu::new(self)
    }
    fn ppp_active(&self) -> Menu<'_, PppActive, Self> {
        Menu::new(self)
    }
    fn system_identity(&self) -> impl Future<Output = Result<String>> + Send {
        crate::menus::system_identity(self)
    }
    fn system_resource(&self) -> impl Future<Output = Result<SystemResource>> + Send {
        crate::menus::system_resource(self)
    }
}

impl RouterApi for Client {
    fn execute(&self, cmd: &Command) -> impl Future<Output = Result<Response>> + Send {
        Client::execute(self, cmd)
    }
}
