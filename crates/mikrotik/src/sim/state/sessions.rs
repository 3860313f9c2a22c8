//! Live sessions of the simulated router: hotspot logins and PPPoE connections.

use std::time::Duration;

use super::{Entry, Props, RouterState, fmt_id};
use crate::sim::SimError;
use crate::sim::menu::{self, HOTSPOT_ACTIVE, HOTSPOT_USER, PPP_ACTIVE, PPP_SECRET};

impl RouterState {
    /// A hotspot client logs in as `user`; returns the `/ip/hotspot/active` id.
    pub fn hotspot_login(
        &mut self,
        user: &str,
        password: Option<&str>,
        address: Option<&str>,
        mac: Option<&str>,
    ) -> Result<String, SimError> {
        self.tick();
        let users = self.table(HOTSPOT_USER);
        let uid = users.find_name(user).ok_or(SimError::NoSuchUser)?;
        let u = users.items.get(&uid).ok_or(SimError::NoSuchUser)?;
        if u.props.get("disabled").is_some_and(|d| d == "true") {
            return Err(SimError::Disabled);
        }
        if let Some(p) = password
            && u.props.get("password").map(String::as_str).unwrap_or("") != p
        {
            return Err(SimError::BadPassword);
        }
        if let Some(l) = u
            .props
            .get("limit-uptime")
            .and_then(|l| crate::duration::parse(l))
            && u.uptime_acc >= l
        {
            return Err(SimError::LimitReached);
        }
        let active = self.table(HOTSPOT_ACTIVE);
        if active
            .items
            .values()
            .any(|a| a.props.get("user").is_some_and(|n| n == user))
        {
            return Err(SimError::AlreadyActive);
        }
        let n = active.next + 1;
        let props: Props = [
            ("server", "hotspot1".to_owned()),
            ("user", user.to_owned()),
            (
                "address",
                address.map_or_else(
                    || format!("10.5.{}.{}", 50 + n / 250, 2 + n % 250),
                    str::to_owned,
                ),
            ),
            (
                "mac-address",
                mac.map_or_else(
                    || format!("02:00:00:00:{:02X}:{:02X}", (n >> 8) & 0xFF, n & 0xFF),
                    str::to_owned,
                ),
            ),
            ("login-by", "http-chap".to_owned()),
            ("idle-time", "0s".to_owned()),
            ("bytes-in", "0".to_owned()),
            ("bytes-out", "0".to_owned()),
            ("radius", "false".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let started = self.clock.now();
        let id = self.table(HOTSPOT_ACTIVE).insert(Entry {
            props,
            started,
            uptime_acc: Duration::ZERO,
        });
        Ok(fmt_id(id))
    }

    /// A PPPoE client connects with the secret `name`; returns the `/ppp/active` id.
    pub fn ppp_connect(
        &mut self,
        name: &str,
        password: Option<&str>,
        caller_id: Option<&str>,
    ) -> Result<String, SimError> {
        let secrets = self.table(PPP_SECRET);
        let sid = secrets.find_name(name).ok_or(SimError::NoSuchUser)?;
        let s = secrets.items.get(&sid).ok_or(SimError::NoSuchUser)?;
        if s.props.get("disabled").is_some_and(|d| d == "true") {
            return Err(SimError::Disabled);
        }
        if let Some(p) = password
            && s.props.get("password").map(String::as_str).unwrap_or("") != p
        {
            return Err(SimError::BadPassword);
        }
        if !matches!(
            s.props.get("service").map(String::as_str),
            Some("any" | "pppoe") | None
        ) {
            return Err(SimError::Disabled);
        }
        let address = s.props.get("remote-address").cloned();
        let active = self.table(PPP_ACTIVE);
        if active
            .items
            .values()
            .any(|a| a.props.get("name").is_some_and(|n| n == name))
        {
            return Err(SimError::AlreadyActive);
        }
        let n = active.next + 1;
        let props: Props = [
            ("name", name.to_owned()),
            ("service", "pppoe".to_owned()),
            (
                "caller-id",
                caller_id.map_or_else(
                    || format!("02:00:00:01:{:02X}:{:02X}", (n >> 8) & 0xFF, n & 0xFF),
                    str::to_owned,
                ),
            ),
            (
                "address",
                address.unwrap_or_else(|| format!("10.10.{}.{}", n / 250, 2 + n % 250)),
            ),
            ("encoding", String::new()),
            ("session-id", format!("0x{:X}", 0x8100_0000u32 + n)),
            ("radius", "false".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let started = self.clock.now();
        let id = self.table(PPP_ACTIVE).insert(Entry {
            props,
            started,
            uptime_acc: Duration::ZERO,
        });
        Ok(fmt_id(id))
    }

    /// Ends the live session of `user` in a `/…/active` menu, as if the client left.
    pub fn end_session(
        &mut self,
        path: &'static str,
        key: &str,
        user: &str,
    ) -> Result<(), SimError> {
        let id = self
            .table(path)
            .items
            .iter()
            .find(|(_, a)| a.props.get(key).is_some_and(|n| n == user))
            .map(|(id, _)| fmt_id(*id))
            .ok_or(SimError::NoSuchUser)?;
        let spec = menu::spec(path).ok_or(SimError::NoSuchUser)?;
        self.remove(spec, &id);
        Ok(())
    }
}
