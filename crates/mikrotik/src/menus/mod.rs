//! Typed access to the menus billing uses, over the generic command API.
//!
//! Reads return typed structs ([`HotspotUser`], [`PppSecret`], …); writes take anything that
//! is [`IntoAttrs`]: a typed spec ([`HotspotUserSpec`]) or a free-form [`Attrs`] for partial
//! edits. Sync code finds its own items by comment marker with [`Menu::print_where`].

mod items;

use std::marker::PhantomData;
use std::time::Duration;

pub use items::*;

use crate::api::RouterApi;
use crate::client::{Client, RowStream};
use crate::error::{Error, Result};
use crate::proto::{Command, Query, Row};

/// A typed item of a RouterOS menu.
pub trait Item: Sized {
    /// Menu path without the command, e.g. `/ip/hotspot/user`.
    const PATH: &'static str;
    fn from_row(row: &Row) -> Result<Self>;
}

/// Ordered attribute words for `add`/`set`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Attrs(pub Vec<(String, String)>);

impl std::fmt::Debug for Attrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.0 {
            if crate::codec::is_secret_key(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl Attrs {
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `key` to `value`.
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }
    /// Sets `key` when `value` is given.
    pub fn opt(self, key: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    /// Sets a boolean the way RouterOS writes it.
    pub fn flag(self, key: &str, value: bool) -> Self {
        self.set(key, if value { "yes" } else { "no" })
    }
    /// Sets a duration in RouterOS notation.
    pub fn duration(self, key: &str, value: Option<Duration>) -> Self {
        self.opt(key, value.map(crate::duration::format))
    }
}

/// Something that can be written as attribute words.
pub trait IntoAttrs {
    fn to_attrs(&self) -> Attrs;
}

impl IntoAttrs for Attrs {
    fn to_attrs(&self) -> Attrs {
        self.clone()
    }
}

/// One menu of one router, over the binary API ([`Client`]) or REST. A cheap `Copy` handle:
/// its methods take it by value so that `client.ppp_active().print()` can be awaited inside
/// `join!`.
pub struct Menu<'a, T, A = Client> {
    client: &'a A,
    _item: PhantomData<fn() -> T>,
}

impl<T, A> Clone for Menu<'_, T, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, A> Copy for Menu<'_, T, A> {}

impl<'a, T: Item, A: RouterApi> Menu<'a, T, A> {
    pub fn new(client: &'a A) -> Self {
        Self {
            client,
            _item: PhantomData,
        }
    }

    fn cmd(verb: &str) -> Command {
        Command::new(format!("{}/{verb}", T::PATH))
    }

    /// Every item.
    pub async fn print(self) -> Result<Vec<T>> {
        self.print_where([]).await
    }

    /// Items matching the queries (stack semantics of the RouterOS API).
    pub async fn print_where(self, queries: impl IntoIterator<Item = Query>) -> Result<Vec<T>> {
        let mut cmd = Self::cmd("print");
        cmd.queries = queries.into_iter().map(|q| q.0).collect();
        let res = self.client.execute(&cmd).await?;
        res.rows.iter().map(T::from_row).collect()
    }

    /// The item with this `name`, if any.
    pub async fn find(self, name: &str) -> Result<Option<T>> {
        Ok(self
            .print_where([Query::eq("name", name)])
            .await?
            .into_iter()
            .next())
    }

    /// Adds an item; returns its new id (`*1F`).
    pub async fn add(self, item: &impl IntoAttrs) -> Result<String> {
        let mut cmd = Self::cmd("add");
        cmd.attrs = item.to_attrs().0;
        let res = self.client.execute(&cmd).await?;
        res.ret()
            .map(str::to_owned)
            .ok_or_else(|| Error::Protocol("add returned no id".into()))
    }

    /// Changes the given attributes of the item `id` (an id or, as RouterOS allows, a name).
    pub async fn set(self, id: &str, changes: &impl IntoAttrs) -> Result<()> {
        let mut cmd = Self::cmd("set").attr(".id", id);
        cmd.attrs.extend(changes.to_attrs().0);
        self.client.execute(&cmd).await.map(drop)
    }

    /// Removes items (one id, or several joined with commas).
    pub async fn remove(self, id: &str) -> Result<()> {
        self.client
            .execute(&Self::cmd("remove").attr(".id", id))
            .await
            .map(drop)
    }

    /// Sets `disabled=yes`.
    pub async fn disable(self, id: &str) -> Result<()> {
        self.client
            .execute(&Self::cmd("disable").attr(".id", id))
            .await
            .map(drop)
    }

    /// Sets `disabled=no`.
    pub async fn enable(self, id: &str) -> Result<()> {
        self.client
            .execute(&Self::cmd("enable").attr(".id", id))
            .await
            .map(drop)
    }
}

impl<T: Item> Menu<'_, T, Client> {
    /// Streams items without holding them all in memory (binary API only).
    pub async fn stream(self) -> Result<TypedStream<T>> {
        Ok(TypedStream {
            inner: self.client.stream(&Self::cmd("print")).await?,
            _item: PhantomData,
        })
    }
}

/// Typed rows of a streamed print.
pub struct TypedStream<T> {
    inner: RowStream,
    _item: PhantomData<fn() -> T>,
}

impl<T: Item> TypedStream<T> {
    pub async fn next(&mut self) -> Option<Result<T>> {
        Some(self.inner.next().await?.and_then(|r| T::from_row(&r)))
    }
}

impl Client {
    pub fn hotspot_users(&self) -> Menu<'_, HotspotUser> {
        Menu::new(self)
    }
    pub fn hotspot_user_profiles(&self) -> Menu<'_, HotspotUserProfile> {
        Menu::new(self)
    }
    pub fn hotspot_active(&self) -> Menu<'_, HotspotActive> {
        Menu::new(self)
    }
    pub fn ppp_secrets(&self) -> Menu<'_, PppSecret> {
        Menu::new(self)
    }
    pub fn ppp_profiles(&self) -> Menu<'_, PppProfile> {
        Menu::new(self)
    }
    pub fn ppp_active(&self) -> Menu<'_, PppActive> {
        Menu::new(self)
    }

    /// `/system/identity/print`: the router's name.
    pub async fn system_identity(&self) -> Result<String> {
        system_identity(self).await
    }

    /// `/system/resource/print`.
    pub async fn system_resource(&self) -> Result<SystemResource> {
        system_resource(self).await
    }
}

/// `/system/identity/print` over any transport.
pub async fn system_identity<A: RouterApi>(api: &A) -> Result<String> {
    let res = api.execute(&Command::new("/system/identity/print")).await?;
    res.rows
        .first()
        .and_then(|r| r.get("name"))
        .map(str::to_owned)
        .ok_or_else(|| Error::Protocol("identity without name".into()))
}

/// `/system/resource/print` over any transport.
pub async fn system_resource<A: RouterApi>(api: &A) -> Result<SystemResource> {
    let res = api.execute(&Command::new("/system/resource/print")).await?;
    let row = res
        .rows
        .first()
        .ok_or_else(|| Error::Protocol("empty resource reply".into()))?;
    SystemResource::from_row(row)
}
