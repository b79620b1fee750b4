//! Counts in time buckets that expire as they are touched: the entity and
//! product histories. A series holds only its non-empty buckets, newest
//! last, and drops those older than its span whenever it is added to, so its
//! size is bounded by the span and an update costs O(1) amortised.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    Hour,
    Day,
}

impl Width {
    fn seconds(self) -> i64 {
        match self {
            Width::Hour => 3_600,
            Width::Day => 86_400,
        }
    }

    /// The index of the bucket `at` falls in.
    pub(crate) fn index(self, at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(self.seconds())
    }

    /// The start of bucket `index`.
    pub(crate) fn start(self, index: i64) -> DateTime<Utc> {
        index.checked_mul(self.seconds()).and_then(|s| DateTime::from_timestamp(s, 0)).unwrap_or_default()
    }
}

/// Values in time buckets of one width over a span of `keep` buckets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Series<T> {
    /// (bucket index, value), by index: a ring, since buckets come at the
    /// back and leave at the front (a vector shifted the whole span for each).
    buckets: VecDeque<(i64, T)>,
}

impl<T: Clone> Series<T> {
    /// Adds to the bucket of `index` with `add`, creating it from `zero`,
    /// and drops the buckets more than `keep` before the newest.
    pub(crate) fn add(&mut self, index: i64, keep: i64, zero: T, add: impl FnOnce(&mut T)) {
        // Most additions land in the newest bucket or just after it: look
        // there before searching (one memory access, not a binary search).
        match self.buckets.back_mut() {
            Some((i, v)) if *i == index => {
                add(v);
                return;
            }
            Some((i, _)) if *i < index => self.insert_at(self.buckets.len(), index, keep, zero, add),
            None => self.insert_at(0, index, keep, zero, add),
            Some(_) => {
                let pos = self.buckets.partition_point(|(i, _)| *i < index);
                match self.buckets.get_mut(pos) {
                    Some((i, v)) if *i == index => add(v),
                    _ => self.insert_at(pos, index, keep, zero, add),
                }
            }
        }
        let newest = self.buckets.back().map_or(index, |(i, _)| *i);
        let oldest_kept = newest.saturating_sub(keep.saturating_sub(1));
        while self.buckets.front().is_some_and(|(i, _)| *i < oldest_kept) {
            self.buckets.pop_front();
        }
    }

    /// Inserts bucket `index` at `pos`, made from `zero` with `add`.
    fn insert_at(&mut self, pos: usize, index: i64, keep: i64, zero: T, add: impl FnOnce(&mut T)) {
        let mut v = zero;
        add(&mut v);
        // Grow by doubling, but never past the span: most entities are seen
        // a few times (a one-bucket series holds one), and a busy one
        // reaches its span in a few allocations, not one per bucket.
        if self.buckets.len() == self.buckets.capacity() {
            let room = usize::try_from(keep).unwrap_or(usize::MAX).saturating_sub(self.buckets.len());
            self.buckets.reserve_exact(self.buckets.len().min(room).max(1));
        }
        self.buckets.insert(pos, (index, v));
    }

    /// The buckets from index `since` on.
    pub(crate) fn since(&self, since: i64) -> impl Iterator<Item = (i64, &T)> {
        self.buckets.iter().filter(move |(i, _)| *i >= since).map(|(i, v)| (*i, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_buckets_go_as_new_ones_come() {
        let mut s: Series<u32> = Series::default();
        for i in 0..100 {
            s.add(i, 48, 0, |v| *v += 1);
        }
        assert_eq!(s.buckets.len(), 48);
        assert_eq!(s.since(0).next().map(|(i, _)| i), Some(52));
        // A late addition inside the span lands in its bucket.
        s.add(60, 48, 0, |v| *v += 5);
        assert_eq!(s.since(60).next(), Some((60, &6)));
        // One before the span is dropped at once.
        s.add(10, 48, 0, |v| *v += 1);
        assert_eq!(s.buckets.len(), 48);
    }
}
