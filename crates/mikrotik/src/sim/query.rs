//! Evaluation of RouterOS API query words (`?name=x`, `?-name`, `?#|!`…) over a print row.
//!
//! The router keeps a stack of booleans: each property word pushes its result, `?#` words
//! pop and combine. After all words, every value left on the stack must be true.

use std::collections::BTreeMap;

/// A query that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid query: {0}")]
pub struct QueryError(pub String);

enum Word {
    Eq(String, String),
    Has(String),
    Missing(String),
    Lt(String, String),
    Gt(String, String),
    Ops(String),
}

/// Parsed query words of one command.
pub struct Filter(Vec<Word>);

impl Filter {
    /// Parses the query words (each starting with `?`).
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Self, QueryError> {
        let mut out = Vec::new();
        for w in words {
            let q = w
                .strip_prefix('?')
                .ok_or_else(|| QueryError(w.to_owned()))?;
            let word = if let Some(ops) = q.strip_prefix('#') {
                Word::Ops(ops.to_owned())
            } else if let Some(name) = q.strip_prefix('-') {
                Word::Missing(name.to_owned())
            } else if let Some(rest) = q.strip_prefix('<') {
                let (k, v) = rest
                    .split_once('=')
                    .ok_or_else(|| QueryError(w.to_owned()))?;
                Word::Lt(k.to_owned(), v.to_owned())
            } else if let Some(rest) = q.strip_prefix('>') {
                let (k, v) = rest
                    .split_once('=')
                    .ok_or_else(|| QueryError(w.to_owned()))?;
                Word::Gt(k.to_owned(), v.to_owned())
            } else {
                // `?=name=value` (as librouteros writes it) and `?name=value` are the same.
                let q = q.strip_prefix('=').unwrap_or(q);
                match q.split_once('=') {
                    Some((k, v)) => Word::Eq(k.to_owned(), v.to_owned()),
                    None => Word::Has(q.to_owned()),
                }
            };
            out.push(word);
        }
        Ok(Self(out))
    }

    /// Whether a row matches.
    pub fn matches(&self, row: &BTreeMap<String, String>) -> Result<bool, QueryError> {
        let mut st: Vec<bool> = Vec::new();
        for w in &self.0 {
            match w {
                Word::Eq(k, v) => st.push(row.get(k).is_some_and(|x| values_equal(x, v))),
                Word::Has(k) => st.push(row.contains_key(k)),
                Word::Missing(k) => st.push(!row.contains_key(k)),
                Word::Lt(k, v) => st.push(row.get(k).is_some_and(|x| compare(x, v).is_lt())),
                Word::Gt(k, v) => st.push(row.get(k).is_some_and(|x| compare(x, v).is_gt())),
                Word::Ops(ops) => apply_ops(&mut st, ops)?,
            }
        }
        Ok(st.iter().all(|b| *b))
    }
}

/// RouterOS compares booleans by meaning: `?disabled=yes` matches a row printed `true`.
fn values_equal(actual: &str, wanted: &str) -> bool {
    let norm = |s: &str| match s {
        "yes" | "true" => "true".to_owned(),
        "no" | "false" => "false".to_owned(),
        other => other.to_owned(),
    };
    actual == wanted || norm(actual) == norm(wanted)
}

fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn apply_ops(st: &mut Vec<bool>, ops: &str) -> Result<(), QueryError> {
    let err = || QueryError(format!("?#{ops}"));
    let bytes = ops.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'!' => {
                let v = st.pop().ok_or_else(err)?;
                st.push(!v);
            }
            b'&' | b'|' => {
                let b = st.pop().ok_or_else(err)?;
                let a = st.pop().ok_or_else(err)?;
                st.push(if bytes[i] == b'&' { a && b } else { a || b });
            }
            b'.' => {
                let v = *st.last().ok_or_else(err)?;
                st.push(v);
            }
            d if d.is_ascii_digit() => {
                let start = i;
                while i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
                    i += 1;
                }
                let n: usize = ops[start..=i].parse().map_err(|_| err())?;
                // Pushes a copy of the n-th value counted from the bottom of the stack.
                let v = *st.get(n).ok_or_else(err)?;
                st.push(v);
            }
            _ => return Err(err()),
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn eval(words: &[&str], r: &BTreeMap<String, String>) -> bool {
        Filter::parse(words.iter().copied())
            .and_then(|f| f.matches(r))
            .unwrap_or(false)
    }

    #[test]
    fn stack_operations_follow_the_manual() {
        let r = row(&[("name", "a"), ("disabled", "false"), ("rx", "10")]);
        assert!(eval(&["?name=a"], &r));
        assert!(eval(&["?=name=a"], &r));
        assert!(!eval(&["?name=b"], &r));
        assert!(eval(&["?name=b", "?name=a", "?#|"], &r));
        assert!(!eval(&["?name=b", "?name=a", "?#&"], &r));
        assert!(eval(&["?name=b", "?#!"], &r));
        assert!(eval(&["?-comment", "?disabled=no"], &r));
        assert!(eval(&["?>rx=9", "?<rx=11"], &r));
        assert!(eval(&["?name=a", "?#."], &r));
        assert!(!eval(&["?name=x", "?name=a", "?#1"], &r));
        assert!(Filter::parse(["?#|"]).and_then(|f| f.matches(&r)).is_err());
    }
}
