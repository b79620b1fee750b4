//! Counts in time buckets that expire as they are touched: the entity and
//! product histories. A series holds only its non-empty buckets, newest
//! last, and drops those older than its span whenever it is added to, so its
//! size is bounded by the span and an update costs O(1) amortised.

use std::collections::VecDeque;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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
}

/// Days around a context's time whose dates [`Starts`] remembers: every
/// bucket of the default 30-day retention, and more.
const NEAR: usize = 64;

/// Bucket starts, for the buckets of a context's profiles. Turning a day
/// number into a calendar date is the costly part of a start, so each day's
/// date is worked out once per context: the days near the context's time
/// (where every bucket of its profiles falls) in a table, and others counted
/// on from the last one asked for.
#[derive(Default)]
pub(crate) struct Starts {
    /// The last day number asked for outside the table, and its date.
    day: Option<(i64, NaiveDate)>,
    /// The first day number of the table, and the date of each of its days
    /// once asked for.
    near: Option<(i64, [Option<NaiveDate>; NEAR])>,
}

impl Starts {
    /// Starts for the profiles of a context at `now`: the table holds the
    /// `NEAR` days up to the day after `now`.
    pub(crate) fn near(now: DateTime<Utc>) -> Self {
        // The table ends the day after `now`.
        const BEFORE: i64 = NEAR as i64 - 2;
        let first = Width::Day.index(now).saturating_sub(BEFORE);
        Starts { day: None, near: Some((first, [None; NEAR])) }
    }

    /// The start of bucket `index` of `width` (the epoch for one out of
    /// chrono's range).
    pub(crate) fn of(&mut self, width: Width, index: i64) -> DateTime<Utc> {
        let Some(seconds) = index.checked_mul(width.seconds()) else { return DateTime::default() };
        let (day, second) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
        let Starts { day: last, near } = self;
        let slot = near.as_mut().and_then(|(first, dates)| {
            let at = usize::try_from(day.checked_sub(*first)?).ok()?;
            dates.get_mut(at)
        });
        let date = match slot {
            Some(Some(date)) => Some(*date),
            Some(slot) => {
                *slot = date_of(last, day);
                *slot
            }
            None => date_of(last, day),
        };
        let time = u32::try_from(second).ok().and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0));
        match date.zip(time) {
            Some((date, time)) => NaiveDateTime::new(date, time).and_utc(),
            None => DateTime::default(),
        }
    }
}

/// The date of day number `day`, counted on from `last` (the last day
/// worked out, which it becomes), or `None` out of chrono's range.
#[cold]
fn date_of(last: &mut Option<(i64, NaiveDate)>, day: i64) -> Option<NaiveDate> {
    let date = match *last {
        Some((d, date)) => match day.checked_sub(d).unwrap_or(i64::MAX) {
            0 => Some(date),
            1 => date.succ_opt(),
            after @ 0.. => date.checked_add_days(Days::new(after.unsigned_abs())),
            before => date.checked_sub_days(Days::new(before.unsigned_abs())),
        },
        None => day.checked_mul(86_400).and_then(|s| DateTime::from_timestamp(s, 0)).map(|t| t.date_naive()),
    };
    if let Some(date) = date {
        *last = Some((day, date));
    }
    date
}

/// Values in time buckets of one width over a span of `keep` buckets.
///
/// The newest bucket is kept inline, the older ones in a ring: an entity
/// seen within one hour (most are) costs no allocation for its series.
/// Serialised as one list of buckets, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series<T> {
    /// (bucket index, value) of the buckets before the newest, by index:
    /// a ring, since buckets come at the back and leave at the front.
    older: VecDeque<(i64, T)>,
    /// The newest bucket; `None` only when there is none at all.
    newest: Option<(i64, T)>,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Series { older: VecDeque::new(), newest: None }
    }
}

impl<T: Clone> Series<T> {
    /// Adds to the bucket of `index` with `add`, creating it from `zero`,
    /// and drops the buckets more than `keep` before the newest.
    pub(crate) fn add(&mut self, index: i64, keep: i64, zero: T, add: impl FnOnce(&mut T)) {
        match self.newest.as_ref().map(|(i, _)| *i) {
            // Most additions land in the newest bucket or start the next.
            Some(n) if n == index => {
                if let Some((_, v)) = &mut self.newest {
                    add(v);
                }
            }
            Some(n) if n < index => {
                if let Some(previous) = self.newest.replace(made(index, zero, add)) {
                    let end = self.older.len();
                    Self::push(&mut self.older, end, previous, keep);
                }
            }
            None => self.newest = Some(made(index, zero, add)),
            // A late addition, before the newest bucket.
            Some(_) => {
                let pos = self.older.partition_point(|(i, _)| *i < index);
                match self.older.get_mut(pos) {
                    Some((i, v)) if *i == index => add(v),
                    _ => Self::push(&mut self.older, pos, made(index, zero, add), keep),
                }
            }
        }
        let newest = self.newest.as_ref().map_or(index, |(i, _)| *i);
        let oldest_kept = newest.saturating_sub(keep.saturating_sub(1));
        while self.older.front().is_some_and(|(i, _)| *i < oldest_kept) {
            self.older.pop_front();
        }
    }

    /// Inserts `bucket` in `older` at `pos`.
    fn push(older: &mut VecDeque<(i64, T)>, pos: usize, bucket: (i64, T), keep: i64) {
        // Grow by doubling, but never past the span: a busy entity reaches
        // its span in a few allocations, not one per bucket.
        if older.len() == older.capacity() {
            let room = usize::try_from(keep).unwrap_or(usize::MAX).saturating_sub(older.len());
            older.reserve_exact(older.len().min(room).max(1));
        }
        // Mostly at the back, which `insert` takes the long way to.
        if pos == older.len() {
            older.push_back(bucket);
        } else {
            older.insert(pos, bucket);
        }
    }

    /// The buckets from index `since` on, oldest first, each made by `make`
    /// (`None` leaves it out), in one allocation or none.
    pub(crate) fn collect_since<B>(&self, since: i64, mut make: impl FnMut(i64, &T) -> Option<B>) -> Vec<B> {
        // Found by halving, not by walking the buckets before it.
        let first = self.older.partition_point(|(i, _)| *i < since);
        let (a, b) = self.older.as_slices();
        let (a, b) = match a.get(first..) {
            Some(rest) => (rest, b),
            None => (&[][..], b.get(first.saturating_sub(a.len())..).unwrap_or_default()),
        };
        // A loop over the ring's two slices, each bucket pushed as it is
        // made: a third faster than collecting a filtered range iterator,
        // on a context of busy products.
        let mut out = Vec::new();
        let mut push = |(i, v): &(i64, T)| {
            if let Some(bucket) = make(*i, v) {
                if out.capacity() == 0 {
                    // Room for every bucket held (at most a few fall
                    // before `since`).
                    out.reserve_exact(self.len());
                }
                out.push(bucket);
            }
        };
        for bucket in a.iter().chain(b) {
            push(bucket);
        }
        if let Some(newest) = self.newest.as_ref().filter(|(i, _)| *i >= since) {
            push(newest);
        }
        out
    }

    /// The index of the oldest bucket (0 with none). Reading it brings the
    /// series into the cache: see the product lookups of a context.
    pub(crate) fn first_index(&self) -> i64 {
        self.older.front().or(self.newest.as_ref()).map_or(0, |(i, _)| *i)
    }

    /// Every bucket, oldest first.
    fn buckets(&self) -> impl Iterator<Item = (i64, &T)> {
        self.older.iter().chain(self.newest.as_ref()).map(|(i, v)| (*i, v))
    }

    /// How many buckets it holds.
    pub(crate) fn len(&self) -> usize {
        self.older.len().saturating_add(usize::from(self.newest.is_some()))
    }
}

/// Bucket `index` made from `zero` with `add`.
fn made<T>(index: i64, zero: T, add: impl FnOnce(&mut T)) -> (i64, T) {
    let mut v = zero;
    add(&mut v);
    (index, v)
}

/// The stored form: `{"buckets": [[index, value], …]}`, oldest first.
#[derive(Serialize, Deserialize)]
struct Stored<B> {
    #[serde(default)]
    buckets: B,
}

impl<T: Serialize + Clone> Serialize for Series<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let buckets: Vec<(i64, &T)> = self.buckets().collect();
        Stored { buckets }.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Series<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Stored { buckets }: Stored<VecDeque<(i64, T)>> = Stored::deserialize(deserializer)?;
        let mut older = buckets;
        let newest = older.pop_back();
        Ok(Series { older, newest })
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
        assert_eq!(s.len(), 48);
        let kept = |s: &Series<u32>, since| s.collect_since(since, |i, v| Some((i, *v)));
        assert_eq!(kept(&s, 0).first().map(|(i, _)| *i), Some(52));
        assert_eq!(kept(&s, 0).len(), 48);
        assert_eq!(kept(&s, 99), [(99, 1)]);
        assert_eq!(kept(&s, 100), []);
        // The ring has wrapped by now: every start point, against a walk of
        // every bucket.
        for since in 0..110 {
            let walked: Vec<(i64, u32)> = s.buckets().filter(|(i, _)| *i >= since).map(|(i, v)| (i, *v)).collect();
            assert_eq!(kept(&s, since), walked, "since {since}");
        }
        // A late addition inside the span lands in its bucket.
        s.add(60, 48, 0, |v| *v += 5);
        assert_eq!(kept(&s, 60).first(), Some(&(60, 6)));
        assert_eq!(kept(&s, 60).len(), 40);
        // Left out by `make`, and none at all: no allocation.
        assert_eq!(s.collect_since(0, |i, v| (i % 2 == 0).then_some(*v)).len(), 24);
        assert_eq!(s.collect_since(0, |_, _| None::<u32>).capacity(), 0);
        // One before the span is dropped at once.
        s.add(10, 48, 0, |v| *v += 1);
        assert_eq!(s.len(), 48);
    }

    #[test]
    fn starts_are_the_starts() {
        // Consecutive buckets, gaps both ways, widths mixed, the edges of
        // chrono's range and beyond; with the table near the epoch (where
        // the first of these fall), near a recent day, near the ends of
        // chrono's range, and with none.
        let asked: Vec<(Width, i64)> = (-30..60)
            .chain([500, 499, 12_345, -800_000, 106_751_991_167, 2_562_047_788_015, i64::MAX / 3_600, i64::MIN])
            .chain(20_400..20_480)
            .flat_map(|i| [(Width::Hour, i), (Width::Day, i), (Width::Hour, i.saturating_mul(24))])
            .collect();
        let near = [
            Some(DateTime::UNIX_EPOCH),
            DateTime::from_timestamp(1_767_225_600, 0),
            Some(DateTime::<Utc>::MAX_UTC),
            Some(DateTime::<Utc>::MIN_UTC),
            None,
        ];
        for now in near {
            let mut starts = now.map_or_else(Starts::default, Starts::near);
            for (width, i) in asked.iter().copied().chain(asked.iter().rev().copied()) {
                let start = i.checked_mul(width.seconds()).and_then(|s| DateTime::from_timestamp(s, 0));
                assert_eq!(starts.of(width, i), start.unwrap_or_default(), "{width:?} {i} near {now:?}");
            }
        }
    }
}
