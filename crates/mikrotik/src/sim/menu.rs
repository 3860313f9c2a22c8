//! Static description of the simulated menus: writable fields, defaults, value checks.

/// How a menu behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Items added and edited by the operator (`add`/`set`/`remove`/`enable`/`disable`).
    Config,
    /// Live sessions: created by the router, `print` and `remove` only.
    Active,
}

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Text,
    Bool,
    Duration,
    Number,
    /// A number or `unlimited`.
    NumberOrUnlimited,
    /// One of a fixed set of words.
    OneOf(&'static [&'static str]),
    /// The name of an item in another menu.
    Ref(&'static str),
}

/// One simulated menu.
#[derive(Debug)]
pub struct MenuSpec {
    pub path: &'static str,
    pub kind: Kind,
    /// Writable fields and their types.
    pub fields: &'static [(&'static str, Ty)],
    /// Values an item gets when `add` does not set them.
    pub defaults: &'static [(&'static str, &'static str)],
    /// The trap message RouterOS gives for a duplicate `name`.
    pub duplicate: &'static str,
}

impl MenuSpec {
    pub fn field(&self, name: &str) -> Option<Ty> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
}

pub const HOTSPOT_USER: &str = "/ip/hotspot/user";
pub const HOTSPOT_PROFILE: &str = "/ip/hotspot/user/profile";
pub const HOTSPOT_ACTIVE: &str = "/ip/hotspot/active";
pub const PPP_SECRET: &str = "/ppp/secret";
pub const PPP_PROFILE: &str = "/ppp/profile";
pub const PPP_ACTIVE: &str = "/ppp/active";

const PPP_SERVICES: &[&str] = &["any", "async", "l2tp", "ovpn", "pppoe", "pptp", "sstp"];

pub static MENUS: &[MenuSpec] = &[
    MenuSpec {
        path: HOTSPOT_USER,
        kind: Kind::Config,
        fields: &[
            ("name", Ty::Text),
            ("password", Ty::Text),
            ("profile", Ty::Ref(HOTSPOT_PROFILE)),
            ("server", Ty::Text),
            ("limit-uptime", Ty::Duration),
            ("limit-bytes-total", Ty::Number),
            ("limit-bytes-in", Ty::Number),
            ("limit-bytes-out", Ty::Number),
            ("mac-address", Ty::Text),
            ("address", Ty::Text),
            ("email", Ty::Text),
            ("comment", Ty::Text),
            ("disabled", Ty::Bool),
        ],
        defaults: &[
            ("profile", "default"),
            ("server", "all"),
            ("disabled", "false"),
            ("dynamic", "false"),
            ("bytes-in", "0"),
            ("bytes-out", "0"),
            ("packets-in", "0"),
            ("packets-out", "0"),
        ],
        duplicate: "failure: already have user with this name for this server",
    },
    MenuSpec {
        path: HOTSPOT_PROFILE,
        kind: Kind::Config,
        fields: &[
            ("name", Ty::Text),
            ("rate-limit", Ty::Text),
            ("shared-users", Ty::NumberOrUnlimited),
            ("session-timeout", Ty::Duration),
            ("idle-timeout", Ty::Text),
            ("keepalive-timeout", Ty::Text),
            ("status-autorefresh", Ty::Duration),
            ("address-pool", Ty::Text),
            ("parent-queue", Ty::Text),
            ("on-login", Ty::Text),
            ("on-logout", Ty::Text),
            ("comment", Ty::Text),
        ],
        defaults: &[
            ("shared-users", "1"),
            ("idle-timeout", "none"),
            ("keepalive-timeout", "2m"),
            ("status-autorefresh", "1m"),
            ("default", "false"),
        ],
        duplicate: "failure: profile with the same name already exists",
    },
    MenuSpec {
        path: HOTSPOT_ACTIVE,
        kind: Kind::Active,
        fields: &[],
        defaults: &[],
        duplicate: "",
    },
    MenuSpec {
        path: PPP_SECRET,
        kind: Kind::Config,
        fields: &[
            ("name", Ty::Text),
            ("password", Ty::Text),
            ("service", Ty::OneOf(PPP_SERVICES)),
            ("profile", Ty::Ref(PPP_PROFILE)),
            ("local-address", Ty::Text),
            ("remote-address", Ty::Text),
            ("caller-id", Ty::Text),
            ("routes", Ty::Text),
            ("limit-bytes-in", Ty::Number),
            ("limit-bytes-out", Ty::Number),
            ("comment", Ty::Text),
            ("disabled", Ty::Bool),
        ],
        defaults: &[
            ("service", "any"),
            ("profile", "default"),
            ("disabled", "false"),
            ("limit-bytes-in", "0"),
            ("limit-bytes-out", "0"),
        ],
        duplicate: "failure: secret with the same name already exists",
    },
    MenuSpec {
        path: PPP_PROFILE,
        kind: Kind::Config,
        fields: &[
            ("name", Ty::Text),
            ("local-address", Ty::Text),
            ("remote-address", Ty::Text),
            ("rate-limit", Ty::Text),
            ("dns-server", Ty::Text),
            ("only-one", Ty::OneOf(&["yes", "no", "default"])),
            (
                "use-encryption",
                Ty::OneOf(&["yes", "no", "default", "required"]),
            ),
            ("session-timeout", Ty::Duration),
            ("idle-timeout", Ty::Duration),
            ("address-list", Ty::Text),
            ("parent-queue", Ty::Text),
            ("on-up", Ty::Text),
            ("on-down", Ty::Text),
            ("comment", Ty::Text),
        ],
        defaults: &[
            ("only-one", "default"),
            ("use-encryption", "default"),
            ("default", "false"),
        ],
        duplicate: "failure: profile with the same name already exists",
    },
    MenuSpec {
        path: PPP_ACTIVE,
        kind: Kind::Active,
        fields: &[],
        defaults: &[],
        duplicate: "",
    },
];

/// The menu at `path`, if simulated.
pub fn spec(path: &str) -> Option<&'static MenuSpec> {
    MENUS.iter().find(|m| m.path == path)
}

/// Normalises a value for storage, or says why RouterOS would refuse it.
pub fn check_value(field: &str, ty: Ty, value: &str) -> Result<String, String> {
    let bad = || format!("invalid value for argument {field}");
    match ty {
        Ty::Text | Ty::Ref(_) => Ok(value.to_owned()),
        Ty::Bool => match value {
            "yes" | "true" => Ok("true".into()),
            "no" | "false" => Ok("false".into()),
            _ => Err(bad()),
        },
        Ty::Duration => {
            if value.is_empty() || value == "none" {
                return Ok(value.to_owned());
            }
            crate::duration::parse(value)
                .map(crate::duration::format)
                .ok_or_else(bad)
        }
        Ty::Number => value
            .parse::<u64>()
            .map(|n| n.to_string())
            .map_err(|_| bad()),
        Ty::NumberOrUnlimited => {
            if value == "unlimited" {
                Ok(value.into())
            } else {
                value
                    .parse::<u64>()
                    .map(|n| n.to_string())
                    .map_err(|_| bad())
            }
        }
        Ty::OneOf(set) => {
            if set.contains(&value) {
                Ok(value.to_owned())
            } else {
                Err(format!("input does not match any value of {field}"))
            }
        }
    }
}
