//! A time-ordered expiry queue with lazy deletion: the store's way to
//! forget what has not been seen within retention without walking every
//! profile. A key is queued when it first appears; touching it later costs
//! nothing here. When its queued time falls behind, the queue asks for the
//! key's real last sighting: a key seen since goes back in the queue at that
//! time, one that was not is handed out to be forgotten. Each sighting is
//! requeued at most once per retention window, so the cost is O(log n)
//! amortised per key and per window, whatever the number of keys.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Expiry {
    /// (last seen, key), the key shared with the map that holds its record.
    queue: BTreeSet<(DateTime<Utc>, Arc<str>)>,
}

impl Expiry {
    /// Queues `key`, last seen at `at` (once, when it first appears).
    pub(crate) fn enqueue(&mut self, at: DateTime<Utc>, key: &Arc<str>) {
        self.queue.insert((at, Arc::clone(key)));
    }

    /// Hands out the keys queued at times before `limit`, removed from the
    /// queue, to `forget`, which forgets a key not seen since before `limit`
    /// either, and gives back the real last sighting of one seen since (it
    /// goes back in the queue at that time).
    pub(crate) fn expire(&mut self, limit: DateTime<Utc>, mut forget: impl FnMut(&str) -> Option<DateTime<Utc>>) {
        while self.queue.first().is_some_and(|(t, _)| *t < limit) {
            let Some((_, key)) = self.queue.pop_first() else { break };
            if let Some(t) = forget(&key) {
                self.queue.insert((t, key));
            }
        }
    }

    /// The oldest queued key, by its real last sighting, for evicting past
    /// a bound on count.
    pub(crate) fn oldest(&mut self, last_seen: impl Fn(&str) -> Option<DateTime<Utc>>) -> Option<Arc<str>> {
        while let Some((t, key)) = self.queue.pop_first() {
            match last_seen(&key) {
                Some(real) if real > t => {
                    self.queue.insert((real, key));
                }
                Some(_) => return Some(key),
                None => {}
            }
        }
        None
    }

    /// Drops the entries of keys that are gone, once they outnumber the live
    /// keys (keys removed for a bound on count leave their entry behind):
    /// the queue stays within twice the live keys, at O(1) amortised cost.
    pub(crate) fn compact(&mut self, live: usize, exists: impl Fn(&str) -> bool) {
        if self.queue.len() > live.saturating_mul(2).saturating_add(64) {
            self.queue.retain(|(_, k)| exists(k));
        }
    }

    /// Keys queued.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH.checked_add_signed(chrono::Duration::hours(h)).unwrap()
    }

    #[test]
    fn only_keys_not_seen_since_the_limit_go() {
        let mut q = Expiry::default();
        let mut seen = HashMap::new();
        for (k, h) in [("a", 0), ("b", 1), ("c", 2)] {
            q.enqueue(t(h), &Arc::from(k));
            seen.insert(k, t(h));
        }
        seen.insert("a", t(10)); // touched later: the queue is not told
        let (limit, mut gone) = (t(3), Vec::new());
        q.expire(limit, |k| match seen.get(k) {
            Some(at) if *at >= limit => Some(*at),
            _ => {
                gone.push(k.to_owned());
                None
            }
        });
        assert_eq!(gone, ["b", "c"]);
        assert_eq!(q.len(), 1, "a was requeued at its real time");
        assert_eq!(q.oldest(|k| seen.get(k).copied()).as_deref(), Some("a"));
    }
}
