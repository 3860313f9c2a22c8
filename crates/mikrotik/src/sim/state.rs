//! In-memory state of one simulated router and the commands that read and change it.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::RosVersion;
use super::menu::{
    self, HOTSPOT_ACTIVE, HOTSPOT_PROFILE, HOTSPOT_USER, Kind, MenuSpec, PPP_PROFILE, Ty,
};
use crate::proto::{Reply, ReplyKind, Row};

mod print;
mod sessions;

type Props = BTreeMap<String, String>;

/// One item: stored properties plus the live bookkeeping behind computed ones.
#[derive(Debug, Clone, Default)]
struct Entry {
    props: Props,
    /// For active sessions: simulated time the session started.
    started: Duration,
    /// For hotspot users: uptime of ended sessions.
    uptime_acc: Duration,
}

#[derive(Debug, Default)]
struct Table {
    items: BTreeMap<u32, Entry>,
    /// `name` → id, so lookups stay O(1) with 100k users.
    by_name: HashMap<String, u32>,
    next: u32,
}

impl Table {
    fn find_name(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
    fn insert(&mut self, e: Entry) -> u32 {
        self.next += 1;
        if let Some(n) = e.props.get("name") {
            self.by_name.insert(n.clone(), self.next);
        }
        self.items.insert(self.next, e);
        self.next
    }
    fn remove_item(&mut self, id: u32) -> Option<Entry> {
        let e = self.items.remove(&id)?;
        if let Some(n) = e.props.get("name")
            && self.by_name.get(n) == Some(&id)
        {
            self.by_name.remove(n);
        }
        Some(e)
    }
    fn rename(&mut self, id: u32, old: Option<String>, new: &str) {
        if let Some(o) = old {
            self.by_name.remove(&o);
        }
        self.by_name.insert(new.to_owned(), id);
    }
}

fn fmt_id(id: u32) -> String {
    format!("*{id:X}")
}

fn parse_id(s: &str) -> Option<u32> {
    u32::from_str_radix(s.strip_prefix('*')?, 16).ok()
}

/// The simulated clock: real time plus whatever the control API skipped ahead.
#[derive(Debug)]
struct Clock {
    start: Instant,
    offset: Duration,
}

impl Clock {
    fn now(&self) -> Duration {
        self.start.elapsed() + self.offset
    }
}

/// One router's state.
#[derive(Debug)]
pub struct RouterState {
    pub identity: String,
    version: RosVersion,
    tables: HashMap<&'static str, Table>,
    clock: Clock,
}

fn trap(category: Option<u8>, message: impl Into<String>) -> Vec<Reply> {
    let mut attrs = Row::default();
    if let Some(c) = category {
        attrs.insert("category", c.to_string());
    }
    attrs.insert("message", message);
    vec![
        reply(ReplyKind::Trap, attrs),
        reply(ReplyKind::Done, Row::default()),
    ]
}

fn reply(kind: ReplyKind, attrs: Row) -> Reply {
    Reply {
        kind,
        tag: None,
        attrs,
        message: None,
    }
}

fn done_ret(ret: String) -> Vec<Reply> {
    let mut attrs = Row::default();
    attrs.insert("ret", ret);
    vec![reply(ReplyKind::Done, attrs)]
}

fn done() -> Vec<Reply> {
    vec![reply(ReplyKind::Done, Row::default())]
}

impl RouterState {
    pub fn new(identity: &str, version: RosVersion) -> Self {
        let mut tables: HashMap<&'static str, Table> = menu::MENUS
            .iter()
            .map(|m| (m.path, Table::default()))
            .collect();
        let mut default_profile = |path: &'static str, name: &str| {
            let spec = menu::spec(path);
            let mut props: Props = spec
                .map(|s| {
                    s.defaults
                        .iter()
                        .map(|(k, v)| ((*k).into(), (*v).into()))
                        .collect()
                })
                .unwrap_or_default();
            props.insert("name".into(), name.into());
            props.insert("default".into(), "true".into());
            if let Some(t) = tables.get_mut(path) {
                t.insert(Entry {
                    props,
                    ..Entry::default()
                });
            }
        };
        default_profile(HOTSPOT_PROFILE, "default");
        default_profile(PPP_PROFILE, "default");
        default_profile(PPP_PROFILE, "default-encryption");
        Self {
            identity: identity.to_owned(),
            version,
            tables,
            clock: Clock {
                start: Instant::now(),
                offset: Duration::ZERO,
            },
        }
    }

    /// Moves the simulated clock forward (sessions age, limits apply).
    pub fn advance(&mut self, d: Duration) {
        self.clock.offset += d;
        self.tick();
    }

    fn table(&mut self, path: &str) -> &mut Table {
        // Every simulated path has a table from `new`; a missing one would be a bug in MENUS.
        self.tables
            .entry(menu::spec(path).map_or(HOTSPOT_USER, |s| s.path))
            .or_default()
    }

    /// Ends hotspot sessions whose user reached its `limit-uptime`.
    pub fn tick(&mut self) {
        if self.table(HOTSPOT_ACTIVE).items.is_empty() {
            return;
        }
        let now = self.clock.now();
        let sessions: Vec<(u32, String, Duration)> = self
            .table(HOTSPOT_ACTIVE)
            .items
            .iter()
            .filter_map(|(aid, a)| Some((*aid, a.props.get("user")?.clone(), a.started)))
            .collect();
        for (aid, user, started) in sessions {
            let users = self.table(HOTSPOT_USER);
            let Some(uid) = users.find_name(&user) else {
                continue;
            };
            let Some(u) = users.items.get_mut(&uid) else {
                continue;
            };
            let Some(limit) = u
                .props
                .get("limit-uptime")
                .and_then(|l| crate::duration::parse(l))
            else {
                continue;
            };
            let live = now.saturating_sub(started);
            if u.uptime_acc.saturating_add(live) >= limit {
                u.uptime_acc = limit.max(u.uptime_acc);
                self.table(HOTSPOT_ACTIVE).remove_item(aid);
            }
        }
    }

    /// Runs one command (already authenticated) and returns its untagged replies.
    pub fn execute(&mut self, words: &[String]) -> Vec<Reply> {
        self.tick();
        let Some(path) = words.first() else {
            return trap(Some(0), "no such command prefix");
        };
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut queries: Vec<&str> = Vec::new();
        for w in &words[1..] {
            if let Some(rest) = w.strip_prefix('=') {
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                attrs.push((k.to_owned(), v.to_owned()));
            } else if w.starts_with('?') {
                queries.push(w);
            }
        }
        let (menu_path, verb) = path.rsplit_once('/').unwrap_or(("", path));
        match (menu_path, verb) {
            ("/system/identity", "print" | "getall") => {
                self.print_rows(vec![self.identity_row()], &attrs, &queries)
            }
            ("/system/identity", "set") => match attrs.iter().find(|(k, _)| k == "name") {
                Some((_, n)) => {
                    self.identity = n.clone();
                    done()
                }
                None => done(),
            },
            ("/system/resource", "print" | "getall") => {
                self.print_rows(vec![self.resource_row()], &attrs, &queries)
            }
            _ => match menu::spec(menu_path) {
                Some(spec) => self.menu_command(spec, verb, &attrs, &queries),
                None => trap(Some(0), "no such command prefix"),
            },
        }
    }

    fn menu_command(
        &mut self,
        spec: &'static MenuSpec,
        verb: &str,
        attrs: &[(String, String)],
        queries: &[&str],
    ) -> Vec<Reply> {
        let id_arg = attrs
            .iter()
            .find(|(k, _)| k == ".id")
            .map(|(_, v)| v.as_str());
        match (verb, spec.kind) {
            ("print" | "getall", _) => {
                let rows = self.rows(spec.path);
                self.print_rows(rows, attrs, queries)
            }
            ("add", Kind::Config) => self.add(spec, attrs),
            ("set", Kind::Config) => match id_arg {
                Some(id) => self.set(spec, id, attrs),
                None => trap(Some(1), "no such item"),
            },
            ("enable" | "disable", Kind::Config) => match id_arg {
                Some(id) => {
                    let flag = if verb == "disable" { "yes" } else { "no" };
                    self.set(spec, id, &[("disabled".into(), flag.into())])
                }
                None => trap(Some(1), "no such item"),
            },
            ("remove", _) => match id_arg {
                Some(ids) => self.remove(spec, ids),
                None => trap(Some(1), "no such item"),
            },
            ("get", _) => self.get(spec, id_arg, attrs),
            _ => trap(Some(0), "no such command"),
        }
    }

    fn resolve(&mut self, path: &str, id: &str) -> Option<u32> {
        // RouterOS accepts a name where an id is expected.
        let t = self.table(path);
        parse_id(id)
            .filter(|i| t.items.contains_key(i))
            .or_else(|| t.find_name(id))
    }

    fn validate(
        &mut self,
        spec: &MenuSpec,
        attrs: &[(String, String)],
    ) -> Result<Vec<(String, String)>, Vec<Reply>> {
        let mut out = Vec::new();
        for (k, v) in attrs {
            if k == ".id" {
                continue;
            }
            let Some(ty) = spec.field(k) else {
                return Err(trap(None, format!("unknown parameter {k}")));
            };
            let v = menu::check_value(k, ty, v).map_err(|m| trap(Some(1), m))?;
            if let Ty::Ref(target) = ty
                && self.table(target).find_name(&v).is_none()
            {
                return Err(trap(
                    Some(1),
                    format!("input does not match any value of {k}"),
                ));
            }
            out.push((k.clone(), v));
        }
        Ok(out)
    }

    fn add(&mut self, spec: &'static MenuSpec, attrs: &[(String, String)]) -> Vec<Reply> {
        let values = match self.validate(spec, attrs) {
            Ok(v) => v,
            Err(t) => return t,
        };
        let Some(name) = values
            .iter()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.clone())
        else {
            return trap(Some(1), "failure: name must be set");
        };
        if name.is_empty() || self.table(spec.path).find_name(&name).is_some() {
            return trap(None, spec.duplicate);
        }
        let mut props: Props = spec
            .defaults
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        props.extend(values);
        let id = self.table(spec.path).insert(Entry {
            props,
            ..Entry::default()
        });
        done_ret(fmt_id(id))
    }

    fn set(
        &mut self,
        spec: &'static MenuSpec,
        ids: &str,
        attrs: &[(String, String)],
    ) -> Vec<Reply> {
        let values = match self.validate(spec, attrs) {
            Ok(v) => v,
            Err(t) => return t,
        };
        let mut targets = Vec::new();
        for id in ids.split(',') {
            match self.resolve(spec.path, id) {
                Some(i) => targets.push(i),
                None => return trap(Some(1), "no such item"),
            }
        }
        if let Some((_, name)) = values.iter().find(|(k, _)| k == "name") {
            let clash = self.table(spec.path).find_name(name);
            if clash.is_some_and(|c| !targets.contains(&c)) || (targets.len() > 1) {
                return trap(None, spec.duplicate);
            }
        }
        // Disabling a user or secret changes only its configuration; live sessions stay up,
        // exactly like a real router (billing must remove the active entry too).
        let t = self.table(spec.path);
        for i in targets {
            let mut renamed = None;
            if let Some(e) = t.items.get_mut(&i) {
                for (k, v) in &values {
                    if v.is_empty() && k != "name" {
                        e.props.remove(k);
                    } else if let Some(old) = e.props.insert(k.clone(), v.clone())
                        && k == "name"
                        && old != *v
                    {
                        renamed = Some(old);
                    }
                }
            }
            if let Some(old) = renamed
                && let Some(n) = values
                    .iter()
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v.clone())
            {
                t.rename(i, Some(old), &n);
            }
        }
        done()
    }

    fn remove(&mut self, spec: &'static MenuSpec, ids: &str) -> Vec<Reply> {
        let mut targets = Vec::new();
        for id in ids.split(',') {
            match self.resolve(spec.path, id) {
                Some(i) => targets.push(i),
                None => return trap(Some(1), "no such item"),
            }
        }
        let now = self.clock.now();
        for i in targets {
            let is_default = self
                .table(spec.path)
                .items
                .get(&i)
                .is_some_and(|e| e.props.get("default").is_some_and(|d| d == "true"));
            if is_default {
                return trap(None, "failure: cannot remove default profile");
            }
            if let Some(e) = self.table(spec.path).remove_item(i)
                && spec.path == HOTSPOT_ACTIVE
                && let Some(user) = e.props.get("user")
            {
                let users = self.table(HOTSPOT_USER);
                if let Some(uid) = users.find_name(user)
                    && let Some(u) = users.items.get_mut(&uid)
                {
                    u.uptime_acc += now.saturating_sub(e.started);
                }
            }
        }
        done()
    }

    fn get(
        &mut self,
        spec: &'static MenuSpec,
        id: Option<&str>,
        attrs: &[(String, String)],
    ) -> Vec<Reply> {
        let Some(i) = id.and_then(|id| self.resolve(spec.path, id)) else {
            return trap(Some(1), "no such item");
        };
        let field = attrs
            .iter()
            .find(|(k, _)| k == "value-name")
            .map(|(_, v)| v.clone());
        let rows = self.rows(spec.path);
        let row = rows
            .into_iter()
            .find(|r| r.get(".id").map(String::as_str) == Some(fmt_id(i).as_str()));
        match (row, field) {
            (Some(r), Some(f)) => done_ret(r.get(&f).cloned().unwrap_or_default()),
            _ => trap(Some(1), "no such item"),
        }
    }
}
