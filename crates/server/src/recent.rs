//! Reads made a moment ago, reused while nothing they depend on can have changed.
//!
//! A client sending request after request asks the same questions each time: whose token is
//! this, and may they reach this version? The answers come from the store, and each read is a
//! hop to a database thread and back. A [`Recent`] keeps an answer for at most [`REUSE_FOR`],
//! and only while the store's epochs it depends on are the ones it was read under: the access
//! epoch ([`frameproof_store::Store::access_epoch`]) moves with every commit that changes a
//! credential, a membership, a role or what a project or asset grants, the content epoch
//! ([`frameproof_store::Store::content_epoch`]) with every change to a version, an asset or a
//! project (the triggers of the store's migrations). This process publishes both before it
//! answers the request that made the change, so a change made through this server counts from
//! its next request; one made by another process counts within [`REUSE_FOR`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer may be reused.
pub const REUSE_FOR: Duration = Duration::from_secs(1);

/// The most answers a [`Recent`] holds at once.
const MAX_KEPT: usize = 10_000;

/// Answers keyed by what was asked. Answers too old to reuse are dropped about once every
/// [`REUSE_FOR`], so it holds about what was asked in the last two of those, and never more
/// than [`MAX_KEPT`].
#[derive(Debug)]
pub struct Recent<K, V, E = i64>(Mutex<Kept<K, V, E>>);

#[derive(Debug)]
struct Kept<K, V, E> {
    answers: HashMap<K, Answer<V, E>>,
    swept_at: Instant,
}

#[derive(Debug)]
struct Answer<V, E> {
    value: V,
    epoch: E,
    read_at: Instant,
}

impl<K, V, E> Default for Recent<K, V, E> {
    fn default() -> Self {
        Self(Mutex::new(Kept { answers: HashMap::new(), swept_at: Instant::now() }))
    }
}

impl<K: Eq + Hash, V: Clone, E: Copy + PartialEq> Recent<K, V, E> {
    /// The answer to `key`, if it was read under `epoch` less than [`REUSE_FOR`] ago.
    ///
    /// Read the epochs before the store, when asking it: a change that lands in between moves
    /// them past the values the answer is kept under.
    pub fn get(&self, key: &K, epoch: E) -> Option<V> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.answers.get(key).filter(|k| k.epoch == epoch && k.read_at.elapsed() < REUSE_FOR).map(|k| k.value.clone())
    }

    /// Keeps `value`, read under `epoch` just now.
    pub fn put(&self, key: K, value: V, epoch: E) {
        self.keep(key, Answer { value, epoch, read_at: Instant::now() });
    }

    fn keep(&self, key: K, answer: Answer<V, E>) {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.answers.len() >= MAX_KEPT || kept.swept_at.elapsed() >= REUSE_FOR {
            kept.answers.retain(|_, a| a.read_at.elapsed() < REUSE_FOR);
            kept.swept_at = Instant::now();
        }
        if kept.answers.len() >= MAX_KEPT {
            kept.answers.clear();
        }
        kept.answers.insert(key, answer);
    }

    /// Forgets every answer `stale` picks (for changes the epoch does not count).
    pub fn forget(&self, stale: impl Fn(&K, &V) -> bool) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).answers.retain(|k, a| !stale(k, &a.value));
    }

    /// Keeps `value` as if it had been read `age` ago.
    #[cfg(test)]
    pub(crate) fn put_aged(&self, key: K, value: V, epoch: E, age: Duration) {
        let read_at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        self.keep(key, Answer { value, epoch, read_at });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<K, V, E> Recent<K, V, E> {
        fn len(&self) -> usize {
            self.0.lock().unwrap().answers.len()
        }
    }

    #[test]
    fn an_answer_counts_only_under_its_epoch_and_while_young() {
        let r = Recent::default();
        r.put("a", 1, 5);
        assert_eq!(r.get(&"a", 5), Some(1));
        assert_eq!(r.get(&"a", 6), None, "something changed since it was read");
        assert_eq!(r.get(&"b", 5), None, "never asked");
        r.put_aged("a", 1, 5, REUSE_FOR);
        assert_eq!(r.get(&"a", 5), None, "read too long ago");
        r.put("a", 2, 5);
        assert_eq!(r.get(&"a", 5), Some(2), "the latest read counts");
    }

    #[test]
    fn answers_too_old_to_reuse_are_dropped_once_a_second_has_passed() {
        let r = Recent::default();
        r.put_aged("old", 1, 5, REUSE_FOR);
        r.put("young", 2, 5);
        assert_eq!(r.len(), 2, "no sweep yet");
        r.0.lock().unwrap().swept_at -= REUSE_FOR;
        r.put("new", 3, 5);
        assert_eq!(r.len(), 2, "the old answer went");
        assert_eq!((r.get(&"young", 5), r.get(&"new", 5)), (Some(2), Some(3)));
    }

    #[test]
    fn forgotten_answers_are_read_again() {
        let r = Recent::default();
        r.put("a", 1, 5);
        r.put("b", 2, 5);
        r.forget(|_, v| *v == 1);
        assert_eq!(r.get(&"a", 5), None);
        assert_eq!(r.get(&"b", 5), Some(2));
    }

    #[test]
    fn a_full_cache_drops_old_answers_first_and_stays_bounded() {
        let r = Recent::default();
        for i in 0..MAX_KEPT - 1 {
            r.put_aged(i, i, 5, REUSE_FOR);
        }
        r.put(MAX_KEPT - 1, 0, 5);
        r.put(MAX_KEPT, 0, 5);
        assert_eq!(r.len(), 2, "the old answers went, the young one stayed");
        for i in 0..MAX_KEPT + 10 {
            r.put(i, i, 5);
        }
        assert!(r.len() <= MAX_KEPT);
        assert_eq!(r.get(&(MAX_KEPT + 9), 5), Some(MAX_KEPT + 9));
    }
}
