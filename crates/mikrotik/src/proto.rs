//! Meaning of sentences: command words the client sends and reply sentences it receives.

use std::collections::BTreeMap;
use std::fmt;

use crate::codec::{Sentence, is_secret_key};

/// One print row or the attributes of a `!done`/`!trap`: property name → value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Row(pub BTreeMap<String, String>);

impl Row {
    /// Value of a property, if the router sent it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The item id (`.id`), e.g. `*1A`.
    pub fn id(&self) -> Option<&str> {
        self.get(".id")
    }

    /// Inserts a property.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// Iterates over the properties in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.0 {
            if is_secret_key(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// Kind of a reply sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `!re`: one data row.
    Re,
    /// `!done`: the command finished (may carry `=ret=`).
    Done,
    /// `!trap`: the command failed (`=category=`, `=message=`); `!done` follows.
    Trap,
    /// `!fatal`: the router closes the connection.
    Fatal,
    /// `!empty`: RouterOS ≥ 7.18 says a print matched nothing; `!done` follows.
    Empty,
}

/// A parsed reply sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub kind: ReplyKind,
    /// The `.tag` API attribute, when the command carried one.
    pub tag: Option<String>,
    /// Attribute words (`=key=value`).
    pub attrs: Row,
    /// `!fatal` carries its reason as a bare word.
    pub message: Option<String>,
}

/// A reply sentence that does not follow the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected reply: {0}")]
pub struct ReplyError(pub String);

impl Reply {
    /// Interprets a decoded sentence.
    pub fn parse(sentence: Sentence) -> Result<Self, ReplyError> {
        let mut words = sentence.0.into_iter();
        let kind = match words.next().as_deref() {
            Some("!re") => ReplyKind::Re,
            Some("!done") => ReplyKind::Done,
            Some("!trap") => ReplyKind::Trap,
            Some("!fatal") => ReplyKind::Fatal,
            Some("!empty") => ReplyKind::Empty,
            Some(other) => return Err(ReplyError(truncate(other))),
            None => return Err(ReplyError("empty sentence".into())),
        };
        let mut reply = Reply {
            kind,
            tag: None,
            attrs: Row::default(),
            message: None,
        };
        for word in words {
            if let Some(tag) = word.strip_prefix(".tag=") {
                reply.tag = Some(tag.to_owned());
            } else if let Some(rest) = word.strip_prefix('=') {
                // Values may themselves contain '=': split at the first one only.
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                reply.attrs.insert(k, v);
            } else if kind == ReplyKind::Fatal {
                reply.message = Some(word);
            }
            // Other words (unknown API attributes) are ignored as routers add them over time.
        }
        Ok(reply)
    }

    /// Encodes this reply as sentence words (used by the simulator).
    pub fn to_words(&self) -> Vec<String> {
        let head = match self.kind {
            ReplyKind::Re => "!re",
            ReplyKind::Done => "!done",
            ReplyKind::Trap => "!trap",
            ReplyKind::Fatal => "!fatal",
            ReplyKind::Empty => "!empty",
        };
        let mut w = vec![head.to_owned()];
        if let Some(m) = &self.message {
            w.push(m.clone());
        }
        w.extend(self.attrs.iter().map(|(k, v)| format!("={k}={v}")));
        if let Some(t) = &self.tag {
            w.push(format!(".tag={t}"));
        }
        w
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

/// A command sentence: path, attribute words, API attributes and queries.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub path: String,
    pub attrs: Vec<(String, String)>,
    pub proplist: Option<Vec<String>>,
    pub queries: Vec<String>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Command")
            .field(&Sentence(self.to_words(None)))
            .finish()
    }
}

impl Command {
    /// A command for `path`, e.g. `/ip/hotspot/user/print`.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }

    /// Adds `=key=value`.
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.push((key.into(), value.into()));
        self
    }

    /// Restricts print output to these properties (`=.proplist=a,b`).
    pub fn proplist<I, S>(mut self, props: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.proplist = Some(props.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a query word.
    pub fn query(mut self, q: Query) -> Self {
        self.queries.push(q.0);
        self
    }

    /// Shorthand for the common `?name=value` filter.
    pub fn where_eq(self, key: &str, value: &str) -> Self {
        self.query(Query::eq(key, value))
    }

    /// The words of this command, with a `.tag` if given.
    pub fn to_words(&self, tag: Option<&str>) -> Vec<String> {
        let mut w = Vec::with_capacity(self.attrs.len() + self.queries.len() + 3);
        w.push(self.path.clone());
        w.extend(self.attrs.iter().map(|(k, v)| format!("={k}={v}")));
        if let Some(p) = &self.proplist {
            w.push(format!("=.proplist={}", p.join(",")));
        }
        w.extend(self.queries.iter().cloned());
        if let Some(t) = tag {
            w.push(format!(".tag={t}"));
        }
        w
    }
}

/// One query word, evaluated by the router on a stack (see the RouterOS API manual).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query(pub String);

impl Query {
    /// `?key=value`: property equals value.
    pub fn eq(key: &str, value: &str) -> Self {
        Self(format!("?{key}={value}"))
    }
    /// `?key`: property is present.
    pub fn has(key: &str) -> Self {
        Self(format!("?{key}"))
    }
    /// `?-key`: property is absent.
    pub fn missing(key: &str) -> Self {
        Self(format!("?-{key}"))
    }
    /// `?<key=value`: property is less than value.
    pub fn lt(key: &str, value: &str) -> Self {
        Self(format!("?<{key}={value}"))
    }
    /// `?>key=value`: property is greater than value.
    pub fn gt(key: &str, value: &str) -> Self {
        Self(format!("?>{key}={value}"))
    }
    /// `?#!`: negate the top of the stack.
    pub fn not() -> Self {
        Self("?#!".into())
    }
    /// `?#|`: or the two top values.
    pub fn or() -> Self {
        Self("?#|".into())
    }
    /// `?#&`: and the two top values.
    pub fn and() -> Self {
        Self("?#&".into())
    }
    /// Any other stack operation string after `?#`, e.g. `.` or `0`.
    pub fn ops(ops: &str) -> Self {
        Self(format!("?#{ops}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_containing_equals_signs_survive() {
        let r = Reply::parse(Sentence(vec![
            "!re".into(),
            "=comment=VOUCHER_SYSTEM|a=b|c".into(),
            ".tag=7".into(),
        ]))
        .map_err(|e| e.to_string());
        let r = r
            .as_ref()
            .map(|r| (r.attrs.get("comment"), r.tag.as_deref()));
        assert_eq!(r, Ok((Some("VOUCHER_SYSTEM|a=b|c"), Some("7"))));
    }

    #[test]
    fn fatal_keeps_its_bare_message() {
        let r = Reply::parse(Sentence(vec!["!fatal".into(), "session terminated".into()]));
        assert_eq!(
            r.map(|r| r.message),
            Ok(Some("session terminated".to_owned()))
        );
    }

    #[test]
    fn unknown_reply_word_is_an_error() {
        assert!(Reply::parse(Sentence(vec!["!bogus".into()])).is_err());
    }

    #[test]
    fn command_words_are_ordered_path_attrs_proplist_queries_tag() {
        let c = Command::new("/ip/hotspot/user/print")
            .proplist([".id", "name"])
            .where_eq("profile", "1h")
            .query(Query::has("comment"))
            .query(Query::and());
        assert_eq!(
            c.to_words(Some("3")),
            [
                "/ip/hotspot/user/print",
                "=.proplist=.id,name",
                "?profile=1h",
                "?comment",
                "?#&",
                ".tag=3"
            ]
        );
    }
}
