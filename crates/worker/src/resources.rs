//! A process-wide type map of shared clients handed to every job and task, so a feature can
//! add its own long-lived state (a router connection pool, an HTTP client) without changing
//! the worker's start-up code: `ctx.resources.get_or_init(|| RouterPool::new(..))`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
pub struct Resources {
    map: Mutex<HashMap<TypeId, Entry>>,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Resources").field("entries", &len).finish()
    }
}

impl Resources {
    /// Stores `value`, replacing any earlier value of the same type.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        let entry: Entry = value.clone();
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(TypeId::of::<T>(), entry);
        value
    }

    /// The stored value of type `T`, if any.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let entry = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&TypeId::of::<T>())
            .cloned()?;
        entry.downcast::<T>().ok()
    }

    /// The stored value of type `T`, created by `init` on first use (under the map's lock,
    /// so concurrent first users share one value; keep `init` cheap and non-blocking).
    pub fn get_or_init<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = map
            .get(&TypeId::of::<T>())
            .cloned()
            .and_then(|e| e.downcast::<T>().ok())
        {
            return found;
        }
        let value = Arc::new(init());
        let entry: Entry = value.clone();
        map.insert(TypeId::of::<T>(), entry);
        value
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_type_and_initialised_once() {
        let r = Resources::default();
        assert!(r.get::<String>().is_none());
        r.insert(5u32);
        assert_eq!(*r.get::<u32>().unwrap(), 5);
        let a = r.get_or_init(|| String::from("first"));
        let b = r.get_or_init(|| String::from("second"));
        assert_eq!((a.as_str(), b.as_str()), ("first", "first"));
    }
}
