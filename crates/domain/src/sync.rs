//! The router sync plan: objects billing wants on a router (desired, from the database)
//! against objects the router has (actual) → idempotent ensure-operations plus drift reports.
//!
//! Generic over object kinds (profiles now; hotspot users and PPP secrets reuse it). The
//! caller decides which router objects are ours (comment marker) and gives each a stable
//! `key`; objects without a key are the operator's and are never changed or removed, only
//! looked at so billing does not collide with their names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

pub use crate::status::{DriftKind, RouterObjectType};

/// Property name → value, as RouterOS prints and takes them (`rate-limit`, `shared-users`).
pub type Attrs = BTreeMap<String, String>;

/// Properties whose values never leave the router code (drift rows, logs).
const SECRET_KEYS: &[&str] = &["password", "secret"];
/// Properties holding RouterOS time values, compared by meaning (`1d` = `1d00:00:00`).
const DURATION_KEYS: &[&str] = &[
    "limit-uptime",
    "session-timeout",
    "idle-timeout",
    "keepalive-timeout",
];
/// Properties holding yes/no values (`true` = `yes`).
const BOOL_KEYS: &[&str] = &["disabled"];

/// An object billing wants on the router.
#[derive(Clone, PartialEq, Eq)]
pub struct DesiredObject {
    pub kind: RouterObjectType,
    /// Stable identity, the same across renames: `profile:7`, a voucher code, a PPPoE id.
    pub key: String,
    /// The managed properties, `name` and `comment` included. Properties not listed here
    /// are left as the router has them; an empty value means "unset".
    pub attrs: Attrs,
}

impl DesiredObject {
    pub fn name(&self) -> &str {
        self.attrs.get("name").map_or("", String::as_str)
    }
}

impl fmt::Debug for DesiredObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Desired({} {} {:?})",
            self.kind,
            self.key,
            redacted(&self.attrs)
        )
    }
}

/// An object as printed by the router.
#[derive(Clone, PartialEq, Eq)]
pub struct ActualObject {
    pub kind: RouterObjectType,
    /// The router's `.id` (`*1F`).
    pub id: String,
    /// `Some` when the comment carries a mikrobill marker; `None` for the operator's own.
    pub key: Option<String>,
    pub attrs: Attrs,
}

impl ActualObject {
    pub fn name(&self) -> &str {
        self.attrs.get("name").map_or("", String::as_str)
    }
}

impl fmt::Debug for ActualObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Actual({} {} {:?} {:?})",
            self.kind,
            self.id,
            self.key,
            redacted(&self.attrs)
        )
    }
}

/// How differences are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Billing just changed these objects: apply every difference, report nothing but
    /// collisions with the operator's objects.
    Apply,
    /// Periodic check: every difference is drift (an edit made on the router); it is
    /// reported, and repaired only when `repair` is set.
    Reconcile { repair: bool },
}

/// One idempotent step that brings the router closer to the desired state.
#[derive(Clone, PartialEq, Eq)]
pub enum SyncOp {
    Add {
        kind: RouterObjectType,
        key: String,
        attrs: Attrs,
    },
    Set {
        kind: RouterObjectType,
        key: String,
        id: String,
        changes: Attrs,
    },
    Remove {
        kind: RouterObjectType,
        key: String,
        id: String,
    },
}

impl SyncOp {
    pub fn kind(&self) -> RouterObjectType {
        match self {
            SyncOp::Add { kind, .. } | SyncOp::Set { kind, .. } | SyncOp::Remove { kind, .. } => {
                *kind
            }
        }
    }

    pub fn key(&self) -> &str {
        match self {
            SyncOp::Add { key, .. } | SyncOp::Set { key, .. } | SyncOp::Remove { key, .. } => key,
        }
    }

    /// Execution order: profiles are created before the users that name them and removed
    /// after the users that named them.
    pub fn phase(&self) -> u8 {
        let parent = is_parent(self.kind());
        match (self, parent) {
            (SyncOp::Add { .. } | SyncOp::Set { .. }, true) => 0,
            (SyncOp::Add { .. } | SyncOp::Set { .. }, false) => 1,
            (SyncOp::Remove { .. }, false) => 2,
            (SyncOp::Remove { .. }, true) => 3,
        }
    }
}

impl fmt::Debug for SyncOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncOp::Add { kind, key, attrs } => {
                write!(f, "Add({kind} {key} {:?})", redacted(attrs))
            }
            SyncOp::Set {
                kind,
                key,
                id,
                changes,
            } => {
                write!(f, "Set({kind} {key} {id} {:?})", redacted(changes))
            }
            SyncOp::Remove { kind, key, id } => write!(f, "Remove({kind} {key} {id})"),
        }
    }
}

fn is_parent(kind: RouterObjectType) -> bool {
    matches!(
        kind,
        RouterObjectType::HotspotProfile | RouterObjectType::PppProfile
    )
}

/// A difference between billing and the router, as shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub kind: RouterObjectType,
    /// Billing's name for missing and changed objects, the router's for unexpected ones.
    pub name: String,
    pub drift: DriftKind,
    /// What billing wants (only the differing properties for `changed`); secrets redacted.
    pub expected: Option<Attrs>,
    /// What the router has; secrets redacted.
    pub actual: Option<Attrs>,
    /// Whether the plan's operations repair it.
    pub repaired: bool,
    /// Why it cannot be repaired, e.g. the name is taken by an object of the operator.
    pub note: Option<String>,
}

/// The result of [`plan`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPlan {
    /// Operations in execution order (see [`SyncOp::phase`]).
    pub ops: Vec<SyncOp>,
    pub drift: Vec<Drift>,
    /// Desired objects found exactly as wanted.
    pub in_sync: usize,
}

/// Replaces secret values by `<redacted>`.
pub fn redacted(attrs: &Attrs) -> Attrs {
    attrs
        .iter()
        .map(|(k, v)| {
            let v = if SECRET_KEYS.contains(&k.as_str()) {
                "<redacted>".to_owned()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

/// The comparable form of a property value.
pub fn normalize(key: &str, value: &str) -> String {
    let v = value.trim();
    if DURATION_KEYS.contains(&key) {
        if v.is_empty() || v == "none" {
            return String::new();
        }
        return crate::validity::parse_seconds(v)
            .map_or_else(|_| v.to_owned(), crate::validity::format_seconds);
    }
    if BOOL_KEYS.contains(&key) {
        return match v {
            "yes" | "true" => "true".into(),
            "" | "no" | "false" => "false".into(),
            other => other.to_owned(),
        };
    }
    v.to_owned()
}

/// The desired properties the actual object does not match, with the desired values.
fn differences(desired: &Attrs, actual: &Attrs) -> Attrs {
    desired
        .iter()
        .filter(|(k, want)| {
            normalize(k, want) != normalize(k, actual.get(*k).map_or("", String::as_str))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Who holds a name on the router while the plan is being ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// The operator's object: never moves.
    Operator,
    /// A managed object that keeps its name in this plan.
    Fixed,
    /// A managed object that is renamed by the rename with this index.
    Moving(usize),
}

const TAKEN_BY_OPERATOR: &str = "the name is taken by an object not managed by mikrobill";
const TAKEN_BY_MANAGED: &str =
    "the name is still used by another managed object; retried on the next sync";

/// One desired object with the router object it was matched to, if any.
struct Pair<'a> {
    desired: &'a DesiredObject,
    actual: Option<&'a ActualObject>,
    changes: Attrs,
    /// `None` while undecided; `Some(Ok)` emitted, `Some(Err(note))` held back.
    outcome: Option<Result<(), &'static str>>,
}

/// Compares desired and actual objects and says what to do; every managed object is in
/// scope. See [`plan_scoped`].
pub fn plan(desired: &[DesiredObject], actual: &[ActualObject], policy: Policy) -> SyncPlan {
    plan_scoped(desired, actual, policy, |_, _| true)
}

/// Compares desired and actual objects and says what to do.
///
/// `actual` holds every object of the kinds concerned: the operator's (key `None`) and the
/// managed ones. Managed objects for which `in_scope(kind, key)` is false only occupy their
/// names. Managed objects in scope whose key is not desired are removed (`Apply`) or
/// reported as unexpected (`Reconcile`). A desired object whose name is taken by an
/// operator object is never forced: it is reported with a note instead.
pub fn plan_scoped(
    desired: &[DesiredObject],
    actual: &[ActualObject],
    policy: Policy,
    in_scope: impl Fn(RouterObjectType, &str) -> bool,
) -> SyncPlan {
    let mut holders: HashMap<(RouterObjectType, String), Holder> = HashMap::new();
    let mut by_key: HashMap<(RouterObjectType, &str), &ActualObject> = HashMap::new();
    let mut extra: Vec<&ActualObject> = Vec::new();
    for a in actual {
        match &a.key {
            None => {
                holders.insert((a.kind, a.name().to_owned()), Holder::Operator);
            }
            Some(key) if !in_scope(a.kind, key) => {
                holders.insert((a.kind, a.name().to_owned()), Holder::Fixed);
            }
            Some(key) if by_key.contains_key(&(a.kind, key.as_str())) => extra.push(a),
            Some(key) => {
                by_key.insert((a.kind, key.as_str()), a);
            }
        }
    }
    // first match by key, the identity that survives renames
    let mut seen: HashSet<(RouterObjectType, &str)> = HashSet::new();
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    let mut unmatched: Vec<&DesiredObject> = Vec::new();
    for d in desired {
        if !seen.insert((d.kind, d.key.as_str())) {
            continue;
        }
        match by_key.remove(&(d.kind, d.key.as_str())) {
            Some(a) => pairs.push(Pair {
                desired: d,
                actual: Some(a),
                changes: differences(&d.attrs, &a.attrs),
                outcome: None,
            }),
            None => unmatched.push(d),
        }
    }
    // then adopt a managed object nobody claims that already has the wanted name (an old
    // profile deleted and a new one created under its name): adding would collide with it
    let mut leftovers: Vec<Option<&ActualObject>> =
        by_key.into_values().chain(extra).map(Some).collect();
    leftovers.sort_by(|a, b| {
        let key = |o: &Option<&ActualObject>| o.map(|o| (o.kind.as_str(), o.id.clone()));
        key(a).cmp(&key(b))
    });
    let mut by_name: HashMap<(RouterObjectType, &str), usize> = HashMap::new();
    for (i, o) in leftovers.iter().enumerate() {
        if let Some(o) = o {
            by_name.entry((o.kind, o.name())).or_insert(i);
        }
    }
    for d in unmatched {
        let adopted = by_name
            .remove(&(d.kind, d.name()))
            .and_then(|i| leftovers.get_mut(i).and_then(Option::take));
        let changes = adopted.map_or_else(Attrs::new, |a| differences(&d.attrs, &a.attrs));
        pairs.push(Pair {
            desired: d,
            actual: adopted,
            changes,
            outcome: None,
        });
    }
    let repair = match policy {
        Policy::Apply => true,
        Policy::Reconcile { repair } => repair,
    };
    // objects to be removed keep their names until the end of the plan
    for o in leftovers.iter().flatten() {
        holders.insert((o.kind, o.name().to_owned()), Holder::Fixed);
    }
    decide(&mut pairs, &mut holders);

    let report = matches!(policy, Policy::Reconcile { .. });
    let mut out = SyncPlan::default();
    for p in pairs {
        let d = p.desired;
        let outcome = p.outcome.unwrap_or(Ok(()));
        let fix = repair && outcome.is_ok();
        let note = outcome.err().map(str::to_owned);
        match p.actual {
            Some(_) if p.changes.is_empty() => out.in_sync += 1,
            Some(a) => {
                if report || note.is_some() {
                    let actual_diff: Attrs = p
                        .changes
                        .keys()
                        .map(|k| (k.clone(), a.attrs.get(k).cloned().unwrap_or_default()))
                        .collect();
                    out.drift.push(Drift {
                        kind: d.kind,
                        name: d.name().to_owned(),
                        drift: DriftKind::Changed,
                        expected: Some(redacted(&p.changes)),
                        actual: Some(redacted(&actual_diff)),
                        repaired: fix,
                        note,
                    });
                }
                if fix {
                    out.ops.push(SyncOp::Set {
                        kind: d.kind,
                        key: d.key.clone(),
                        id: a.id.clone(),
                        changes: p.changes,
                    });
                }
            }
            None => {
                if report || note.is_some() {
                    let operator =
                        holders.get(&(d.kind, d.name().to_owned())) == Some(&Holder::Operator);
                    let blocker = actual.iter().find(|o| {
                        operator && o.key.is_none() && o.kind == d.kind && o.name() == d.name()
                    });
                    out.drift.push(Drift {
                        kind: d.kind,
                        name: d.name().to_owned(),
                        drift: DriftKind::Missing,
                        expected: Some(redacted(&d.attrs)),
                        actual: blocker.map(|o| redacted(&o.attrs)),
                        repaired: fix,
                        note,
                    });
                }
                if fix {
                    out.ops.push(SyncOp::Add {
                        kind: d.kind,
                        key: d.key.clone(),
                        attrs: d.attrs.clone(),
                    });
                }
            }
        }
    }
    for a in leftovers.into_iter().flatten() {
        if report {
            out.drift.push(Drift {
                kind: a.kind,
                name: a.name().to_owned(),
                drift: DriftKind::Unexpected,
                expected: None,
                actual: Some(redacted(&a.attrs)),
                repaired: repair,
                note: None,
            });
        }
        if repair {
            out.ops.push(SyncOp::Remove {
                kind: a.kind,
                key: a.key.clone().unwrap_or_default(),
                id: a.id.clone(),
            });
        }
    }
    // stable: renames keep the order `decide` found, and go before adds
    out.ops
        .sort_by_key(|op| (op.phase(), matches!(op, SyncOp::Add { .. })));
    out
}

/// Decides which renames and adds can run, and orders renames so that each target name is
/// free when its turn comes. Reorders `pairs` into execution order.
fn decide(pairs: &mut Vec<Pair<'_>>, holders: &mut HashMap<(RouterObjectType, String), Holder>) {
    let new_name = |p: &Pair<'_>| -> Option<String> {
        match p.actual {
            Some(_) => p.changes.get("name").cloned(),
            None => Some(p.desired.name().to_owned()),
        }
    };
    for (i, p) in pairs.iter().enumerate() {
        if let Some(a) = p.actual {
            let moving = p.changes.contains_key("name");
            holders.insert(
                (a.kind, a.name().to_owned()),
                if moving {
                    Holder::Moving(i)
                } else {
                    Holder::Fixed
                },
            );
        }
    }
    let mut order: Vec<usize> = Vec::with_capacity(pairs.len());
    let mut pending: Vec<usize> = Vec::new();
    for (i, p) in pairs.iter_mut().enumerate() {
        match new_name(p) {
            None => {
                p.outcome = Some(Ok(()));
                order.push(i);
            }
            Some(_) => pending.push(i),
        }
    }
    // renames first: each pass emits those whose target is free; adds only claim names that
    // no rename is about to take
    loop {
        let mut progress = false;
        let mut still = Vec::new();
        for i in pending {
            let p = &pairs[i];
            let kind = p.desired.kind;
            let target = new_name(p).unwrap_or_default();
            match holders.get(&(kind, target.clone())).copied() {
                Some(Holder::Operator) => {
                    pairs[i].outcome = Some(Err(TAKEN_BY_OPERATOR));
                    release(holders, &pairs[i]);
                    order.push(i);
                    progress = true;
                }
                Some(Holder::Fixed) => {
                    pairs[i].outcome = Some(Err(TAKEN_BY_MANAGED));
                    release(holders, &pairs[i]);
                    order.push(i);
                    progress = true;
                }
                Some(Holder::Moving(_)) => still.push(i),
                None => {
                    if let Some(a) = pairs[i].actual {
                        holders.remove(&(kind, a.name().to_owned()));
                    }
                    holders.insert((kind, target), Holder::Fixed);
                    pairs[i].outcome = Some(Ok(()));
                    order.push(i);
                    progress = true;
                }
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if !progress {
            // a cycle of renames (a↔b): held back and reported; needs a hand-picked name
            for i in pending.drain(..) {
                pairs[i].outcome = Some(Err(TAKEN_BY_MANAGED));
                order.push(i);
            }
            break;
        }
    }
    let mut slots: Vec<Option<Pair<'_>>> = pairs.drain(..).map(Some).collect();
    pairs.extend(
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// A rename that will not run leaves its object under the old name.
fn release(holders: &mut HashMap<(RouterObjectType, String), Holder>, p: &Pair<'_>) {
    if let Some(a) = p.actual {
        holders.insert((a.kind, a.name().to_owned()), Holder::Fixed);
    }
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
