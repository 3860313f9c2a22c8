//! Print output of the simulated router: computed properties, queries, `.proplist`, `!empty`.

use std::collections::HashMap;
use std::time::Duration;

use super::{Props, RouterState, done, done_ret, fmt_id, reply, trap};
use crate::proto::{Reply, ReplyKind, Row};
use crate::sim::menu::{HOTSPOT_ACTIVE, HOTSPOT_USER, PPP_ACTIVE};
use crate::sim::query::Filter;

impl RouterState {
    /// Rows of a menu with computed properties filled in.
    pub(super) fn rows(&mut self, path: &str) -> Vec<Props> {
        let now = self.clock.now();
        let live: HashMap<String, Duration> = if path == HOTSPOT_USER {
            self.table(HOTSPOT_ACTIVE)
                .items
                .values()
                .filter_map(|a| Some((a.props.get("user")?.clone(), now.saturating_sub(a.started))))
                .collect()
        } else {
            HashMap::new()
        };
        let limits: HashMap<String, Duration> = if path == HOTSPOT_ACTIVE {
            self.table(HOTSPOT_USER)
                .items
                .values()
                .filter_map(|u| {
                    let l = crate::duration::parse(u.props.get("limit-uptime")?)?;
                    Some((u.props.get("name")?.clone(), l.saturating_sub(u.uptime_acc)))
                })
                .collect()
        } else {
            HashMap::new()
        };
        self.table(path)
            .items
            .iter()
            .map(|(id, e)| {
                let mut p = e.props.clone();
                p.insert(".id".into(), fmt_id(*id));
                match path {
                    HOTSPOT_USER => {
                        let name = p.get("name").cloned().unwrap_or_default();
                        let up = e.uptime_acc + live.get(&name).copied().unwrap_or_default();
                        p.insert("uptime".into(), crate::duration::format(up));
                    }
                    HOTSPOT_ACTIVE | PPP_ACTIVE => {
                        let up = now.saturating_sub(e.started);
                        p.insert("uptime".into(), crate::duration::format(up));
                        if let Some(left) = p.get("user").and_then(|u| limits.get(u)) {
                            p.insert(
                                "session-time-left".into(),
                                crate::duration::format(left.saturating_sub(up)),
                            );
                        }
                    }
                    _ => {}
                }
                p
            })
            .collect()
    }

    pub(super) fn identity_row(&self) -> Props {
        Props::from([("name".to_owned(), self.identity.clone())])
    }

    pub(super) fn resource_row(&self) -> Props {
        let v = &self.version;
        [
            ("uptime", crate::duration::format(self.clock.now())),
            ("version", format!("{} (stable)", v.text)),
            ("build-time", "2025-01-01 00:00:00".into()),
            ("free-memory", "805306368".into()),
            ("total-memory", "1073741824".into()),
            ("cpu", "QEMU Virtual CPU".into()),
            ("cpu-count", "2".into()),
            ("cpu-frequency", "2400".into()),
            ("cpu-load", "3".into()),
            ("free-hdd-space", "90000000".into()),
            ("total-hdd-space", "100000000".into()),
            ("architecture-name", "x86_64".into()),
            ("board-name", "CHR".into()),
            ("platform", "MikroTik".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    pub(super) fn print_rows(
        &self,
        rows: Vec<Props>,
        attrs: &[(String, String)],
        queries: &[&str],
    ) -> Vec<Reply> {
        let filter = match Filter::parse(queries.iter().copied()) {
            Ok(f) => f,
            Err(e) => return trap(Some(1), e.to_string()),
        };
        let proplist: Option<Vec<&str>> = attrs
            .iter()
            .find(|(k, _)| k == ".proplist")
            .map(|(_, v)| v.split(',').collect());
        let count_only = attrs.iter().any(|(k, _)| k == "count-only");
        let mut out = Vec::new();
        let mut count = 0usize;
        for r in rows {
            match filter.matches(&r) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => return trap(Some(1), e.to_string()),
            }
            count += 1;
            if count_only {
                continue;
            }
            let row = match &proplist {
                Some(keys) => r
                    .into_iter()
                    .filter(|(k, _)| keys.contains(&k.as_str()))
                    .collect(),
                None => r,
            };
            out.push(reply(ReplyKind::Re, Row(row)));
        }
        if count_only {
            return done_ret(count.to_string());
        }
        if out.is_empty() && self.version.sends_empty() {
            out.push(reply(ReplyKind::Empty, Row::default()));
        }
        out.extend(done());
        out
    }
}
