//! Cursor pagination shared by every list route: `?limit=` (1..=200, default 50) and an
//! opaque `?cursor=` (base64url of the last row's sort key), answered as [`Page<T>`].
//!
//! ```ignore
//! let limit = params.limit()?;
//! let after: Option<i64> = params.cursor()?;
//! let rows = repo::list(conn, after, limit + 1)?;          // one extra row tells "more"
//! Ok(Page::build(rows, limit, |r| r.id).map(View::from))
//! ```

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// Decodes the cursor into the sort key type it was built from.
    pub fn cursor<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        let Some(raw) = self.cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let bad = || ApiError::field("cursor", "is not a cursor returned by this list");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map(Some).map_err(|_| bad())
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(example = "eyJpZCI6NDJ9")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// `rows` were fetched with `limit + 1`; the extra row only says there is a next page.
    pub fn build<K: Serialize>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    #[test]
    fn extra_row_yields_a_cursor_that_decodes_to_the_last_key() {
        let page = Page::build((1..=4).collect::<Vec<i64>>(), 3, |r| *r);
        assert_eq!(page.items, vec![1, 2, 3]);
        let params = PageParams {
            limit: None,
            cursor: page.next_cursor,
        };
        assert_eq!(params.cursor::<i64>().unwrap(), Some(3));
        let last = Page::build(vec![1i64, 2], 3, |r| *r);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn limits_and_cursors_are_validated() {
        let p = |limit| PageParams {
            limit: Some(limit),
            cursor: None,
        };
        assert_eq!(p(200).limit().unwrap(), 200);
        assert!(p(0).limit().is_err());
        assert!(p(201).limit().is_err());
        let bad = PageParams {
            limit: None,
            cursor: Some("!!".into()),
        };
        assert!(bad.cursor::<i64>().is_err());
    }
}
