//! The in-memory profile store.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::events::{Event, EventKind};
use super::expiry::Expiry;
use super::placed::{Placed, SHARED_UP_TO};
use super::series::{Series, Starts, Width};
use super::store::{Applied, EntityIds, ProfileRead, ProfileWrite, StoreError, key_of, link_kind};
use crate::context::{EvalContext, Stage};
use crate::model::{
    AddressChange, AfterSale, AfterSaleKind, Bucket, BuyerSeen, ComplaintRecord, ComplaintType, EntityProfile,
    EntityType, KnownInstrument, LineItem, LinkKind, LinkedAccount, LinkedPurchase, Location, Logistics, Order,
    PastOrder, Payment, PaymentAttempt, ProductProfile, TrackingEvent, UnitsBucket, UserProfile, VerificationCall,
};
use crate::text::folded;
use crate::time::{UtcOffset, Window};

/// How long the store keeps what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StoreConfig {
    /// How long windowed facts (orders, address changes, complaints,
    /// purchases, fraud complaints) are kept: at least the longest window of
    /// the engine's rules (30 days in the catalogue).
    pub retention: Window,
    /// How late an event may arrive and still be applied, measured from the
    /// latest event time seen.
    pub lateness: Window,
    /// At most this many instruments, recipient names, regions, locations and
    /// link keys are kept per user (the most recently seen).
    pub max_known: usize,
    /// A location becomes usual after this many sightings (logins, orders).
    pub usual_after: u32,
    /// How far past the newest event (plus the lateness window) an event may
    /// be dated and still apply at once (default 5 minutes); later ones are
    /// held until [`StoreConfig::confirm_ahead`] events in a row confirm
    /// that time moved on. `None` applies every event at once: for replaying
    /// a trusted history, whose gaps are real.
    #[serde(default = "default_future_skew")]
    pub future_skew: Option<Window>,
    /// How many events in a row dated ahead confirm that time moved on
    /// (default 3).
    #[serde(default = "default_confirm_ahead")]
    pub confirm_ahead: usize,
    /// At most this many of each windowed fact per buyer (orders, address
    /// changes, complaints, purchases), per product (fraud complaints) and
    /// per order (failed payments, tracking events, after-sales, calls), the
    /// newest kept (default 1,000).
    #[serde(default = "default_max_per_entity")]
    pub max_per_entity: usize,
    /// At most this many buyers remembered per entity profile (card,
    /// device, phone, address, IP, email), the most recent kept; past it an
    /// entity's buyer count is a lower bound (default 32).
    #[serde(default = "default_max_buyers_per_entity")]
    pub max_buyers_per_entity: usize,
    /// At most this many accounts remembered per link key (device, phone,
    /// address, instrument), the most recently seen kept (default 64).
    #[serde(default = "default_max_links_per_key")]
    pub max_links_per_key: usize,
    /// At most this many entity profiles (cards, devices, phones,
    /// addresses, IPs, emails) and as many link keys, the least recently
    /// seen dropped first (default 4,000,000).
    #[serde(default = "default_max_entities")]
    pub max_entities: usize,
    /// At most this many buyers kept, the least recently seen dropped first
    /// (default 1,000,000).
    #[serde(default = "default_max_users")]
    pub max_users: usize,
    /// At most this many orders heard of but not yet placed (events arriving
    /// before their order); events for further unknown orders are dropped
    /// (default 100,000).
    #[serde(default = "default_max_unplaced")]
    pub max_unplaced: usize,
}

fn default_future_skew() -> Option<Window> {
    Some(Window::minutes(5))
}
fn default_confirm_ahead() -> usize {
    3
}
fn default_max_per_entity() -> usize {
    1_000
}
fn default_max_buyers_per_entity() -> usize {
    32
}
fn default_max_links_per_key() -> usize {
    64
}
fn default_max_entities() -> usize {
    4_000_000
}
fn default_max_users() -> usize {
    1_000_000
}
fn default_max_unplaced() -> usize {
    100_000
}

impl StoreConfig {
    /// The defaults for replaying a trusted history (a backtest, an export):
    /// [`StoreConfig::future_skew`] off, so every event applies at once.
    pub fn for_history() -> Self {
        StoreConfig { future_skew: None, ..StoreConfig::default() }
    }
}

/// Held events kept at most: past this, the one dated furthest ahead is dropped.
const MAX_HELD: usize = 1_024;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            retention: Window::days(30),
            lateness: Window::hours(1),
            max_known: 16,
            usual_after: 2,
            future_skew: default_future_skew(),
            confirm_ahead: default_confirm_ahead(),
            max_per_entity: default_max_per_entity(),
            max_buyers_per_entity: default_max_buyers_per_entity(),
            max_links_per_key: default_max_links_per_key(),
            max_users: default_max_users(),
            max_entities: default_max_entities(),
            max_unplaced: default_max_unplaced(),
        }
    }
}

/// A keyed fact with its first and last sighting and the order that first showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: u32,
    /// The order (or event) that first showed it, so a later assessment of
    /// that order does not count the fact as history...
    first_source: Key,
    /// ...unless another one showed it too (a later order on the same card
    /// makes the card history for the first order's later stages).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    other_sources: bool,
}

impl Seen {
    fn new(at: DateTime<Utc>, source: Key) -> Self {
        Seen { first: at, last: at, count: 1, first_source: source, other_sources: false }
    }
    fn see(&mut self, at: DateTime<Utc>, source: &str, shared: impl FnOnce() -> Key) {
        self.other_sources |= source != &*self.first_source;
        if at < self.first || (at == self.first && source < &*self.first_source) {
            self.first = at;
            self.first_source = shared();
        }
        self.last = self.last.max(at);
        self.count = self.count.saturating_add(1);
    }
}

/// Records a sighting in a map capped at `max` entries, evicting the least
/// recently seen (ties by key, so the result does not depend on arrival order),
/// which it gives back. The source's text is shared, not copied, when it is kept.
fn see(
    map: &mut Keyed<Seen>,
    key: impl AsRef<str> + Into<Key>,
    at: DateTime<Utc>,
    source: &Key,
    max: usize,
) -> Option<Key> {
    see_from(map, key, at, source, || Key::clone(source), max)
}

/// [`see`], with the source's text made only if it is kept.
fn see_from(
    map: &mut Keyed<Seen>,
    key: impl AsRef<str> + Into<Key>,
    at: DateTime<Utc>,
    source: &str,
    shared: impl FnOnce() -> Key,
    max: usize,
) -> Option<Key> {
    match map.get_mut(key.as_ref()) {
        Some(s) => s.see(at, source, shared),
        None => map.insert(key, Seen::new(at, shared())),
    }
    let mut evicted = None;
    while map.len() > max {
        let oldest =
            map.iter().min_by(|a, b| a.1.last.cmp(&b.1.last).then_with(|| a.0.cmp(b.0))).map(|(k, _)| k.clone());
        match oldest {
            Some(k) => {
                map.remove(&k);
                evicted = Some(k);
            }
            None => break,
        };
    }
    evicted
}

/// A small map by text key, kept sorted in one vector: the store holds at
/// most a few dozen entries per buyer or link key, where a `BTreeMap` node
/// costs hundreds of bytes even for one entry. The first `N` entries are
/// held inline (none by default): a link key's map, which mostly names one
/// account, then costs no allocation of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
struct Keyed<V, const N: usize = 0>(SmallVec<[(Key, V); N]>);

impl<V, const N: usize> Default for Keyed<V, N> {
    fn default() -> Self {
        Keyed(SmallVec::new())
    }
}

impl<V, const N: usize> Keyed<V, N> {
    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }
    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).ok().and_then(|i| self.0.get_mut(i)).map(|(_, v)| v)
    }
    /// Sets `key` to `value`.
    fn insert(&mut self, key: impl AsRef<str> + Into<Key>, value: V) {
        match self.position(key.as_ref()) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => {
                // Grow by one: these maps hold a few entries each.
                self.0.reserve_exact(1);
                self.0.insert(i, (key.into(), value));
            }
        }
    }
    fn remove(&mut self, key: &str) -> Option<V> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.0.iter().map(|(k, _)| k)
    }
    fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
    fn retain(&mut self, mut keep: impl FnMut(&Arc<str>, &V) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }
}

// Every field defaults: a remote store may send a linked account as its
// categories alone (see `RedisStore`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct UserState {
    /// The latest time of any event about the buyer.
    #[serde(default)]
    last_seen: Option<DateTime<Utc>>,
    order_count: u32,
    total_spent: Decimal,
    instruments: Keyed<Seen>,
    names: Keyed<Seen>,
    regions: Keyed<Seen>,
    /// Keyed by `country|region|city`.
    locations: Keyed<Seen>,
    link_keys: Keyed<Seen>,
    /// The orders within retention, in time order, as the buyer's profile
    /// shows them: kept here whole (amount, cancellation, return) so that a
    /// context reads no order's record. Cancellations and returns are
    /// copied here as they arrive (see [`InMemoryStore::show_in_recent`]).
    orders: VecDeque<PastOrder>,
    address_changes: Vec<AddressChange>,
    complaints: Vec<ComplaintRecord>,
    /// The categories bought, each with its latest purchase, at most
    /// [`MAX_CATEGORIES`] (the most recent): what a linked account shows.
    #[serde(default)]
    categories: Keyed<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ProductState {
    /// The latest order or complaint naming the product.
    #[serde(default)]
    last_seen: Option<DateTime<Utc>>,
    category: Option<Arc<str>>,
    orders: u32,
    abnormal_orders: u32,
    fraud_complaints: Vec<DateTime<Utc>>,
    /// Units ordered per hour (48 h) and per day (retention).
    #[serde(default)]
    hourly_units: Series<u64>,
    #[serde(default)]
    daily_units: Series<u64>,
    /// Units on hand, and when the OMS said so.
    #[serde(default)]
    stock: Option<(DateTime<Utc>, u64)>,
    /// Order lines by quantity, for the median and a high order quantity.
    #[serde(default)]
    quantities: Quantities,
    /// Orders naming the product per hour, over the hours a product's usual
    /// orders at this time of day are read from (see [`ORDER_HOURS`]).
    #[serde(default)]
    hourly_orders: Series<u32>,
}

/// Order lines counted by quantity bin (exact up to 16, then the next power
/// of two: a few dozen bins at most), in bin order in one small vector, and
/// their median, worked out as each line is counted: a context reads the
/// median of every product it shows, and the bins are a block of memory of
/// their own. Stored as a map of bin to count.
#[derive(Debug, Clone, Default, PartialEq)]
struct Quantities {
    bins: Vec<(u32, u32)>,
    median: Option<u32>,
    /// The 99th percentile's bin, once [`HIGH_QUANTITY_AFTER`] lines are
    /// counted.
    high: Option<u32>,
}

/// Lines of a product counted before its high quantity (99th percentile)
/// is told: with fewer, one large line is the percentile.
const HIGH_QUANTITY_AFTER: u64 = 20;

impl Quantities {
    /// Counts a line of quantity `q`.
    fn count(&mut self, q: i64) {
        let q = u32::try_from(q.max(1)).unwrap_or(u32::MAX);
        let bin = if q <= 16 { q } else { q.checked_next_power_of_two().unwrap_or(u32::MAX) };
        match self.bins.binary_search_by_key(&bin, |(b, _)| *b) {
            Ok(i) => {
                if let Some((_, n)) = self.bins.get_mut(i) {
                    *n = n.saturating_add(1);
                }
            }
            Err(i) => self.bins.insert(i, (bin, 1)),
        }
        (self.median, self.high) = quantiles_of(&self.bins);
    }

    /// The median quantity per line.
    fn median(&self) -> Option<u32> {
        self.median
    }

    /// A high quantity per line (the 99th percentile), once it can be told.
    fn high(&self) -> Option<u32> {
        self.high
    }
}

/// The median bin of counted `bins`, and the 99th percentile's once there
/// are [`HIGH_QUANTITY_AFTER`] lines.
fn quantiles_of(bins: &[(u32, u32)]) -> (Option<u32>, Option<u32>) {
    let total: u64 = bins.iter().map(|(_, n)| u64::from(*n)).sum();
    let at = |rank: u64| {
        let mut seen = 0u64;
        bins.iter().find_map(|(q, n)| {
            seen = seen.saturating_add(u64::from(*n));
            (seen >= rank && total > 0).then_some(*q)
        })
    };
    // The smallest bin holding at least 99% of the lines.
    let high = (total >= HIGH_QUANTITY_AFTER).then(|| at(total.saturating_mul(99).div_ceil(100))).flatten();
    (at(total.div_ceil(2)), high)
}

impl Serialize for Quantities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.bins.iter().map(|(bin, n)| (bin, n)))
    }
}

impl<'de> Deserialize<'de> for Quantities {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A map's keys come sorted and once each.
        let bins: Vec<(u32, u32)> = BTreeMap::<u32, u32>::deserialize(deserializer)?.into_iter().collect();
        let (median, high) = quantiles_of(&bins);
        Ok(Quantities { median, high, bins })
    }
}

/// `items`, of which there are at most `bound`, collected in one allocation
/// (none when there are none): collecting a filtered iterator grows its
/// vector step by step.
fn within<T>(bound: usize, items: impl Iterator<Item = T>) -> Vec<T> {
    let mut all = Vec::new();
    // Internal iteration (`for_each`, not `extend`'s `next` per item): a
    // filtered ring is walked in one tight loop per slice, each item pushed
    // as it is made. Half the time of `extend` on a context's lists.
    items.for_each(|item| {
        if all.capacity() == 0 {
            all.reserve_exact(bound.max(1));
        }
        all.push(item);
    });
    all
}

/// The keys of `a` and `b` (each in order) in order, each once.
fn merged<'k, 'a: 'k, 'b: 'k>(
    a: impl Iterator<Item = &'a str>,
    b: impl Iterator<Item = &'b str>,
) -> impl Iterator<Item = &'k str> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || {
        let next: &'k str = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y < x => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        }?;
        while a.next_if_eq(&next).is_some() || b.next_if_eq(&next).is_some() {}
        Some(next)
    })
}

/// Calls `each` once per product of `order` that `products` holds, with its
/// record and the units the order takes of it (a product on several lines
/// adds up). The lines are sorted by the record they found, so a long order
/// costs n log n, not a search of every line per line; a short one is sorted
/// where it stands, without allocating.
///
/// Every line's record is looked up first, in one tight loop that also reads
/// the first bucket of each of its series: the records are far apart in
/// memory, and looked up one after another with a profile built from each in
/// between, every one was a wait on memory; looked up together, the waits
/// overlap. (A seventh of the time of a context of 28 busy products.)
fn per_product<'o, 's>(
    order: &'o Order,
    products: &'s HashMap<Key, Box<ProductState>>,
    mut each: impl FnMut(&'s Key, &'s ProductState, u64),
) {
    type Line<'o, 's> = (&'o str, u64, Option<(&'s Key, &'s Box<ProductState>)>);
    const SHORT: usize = 16;
    let mut short: [Line<'o, 's>; SHORT] = [("", 0, None); SHORT];
    let mut long = Vec::new();
    let line = |item: &'o LineItem| -> Line<'o, 's> {
        (item.product_id.as_str(), item.units(), products.get_key_value(item.product_id.as_str()))
    };
    let lines: &mut [Line<'o, 's>] = match short.get_mut(..order.items.len()) {
        Some(lines) => {
            for (slot, item) in lines.iter_mut().zip(&order.items) {
                *slot = line(item);
            }
            lines
        }
        None => {
            long.extend(order.items.iter().map(line));
            &mut long
        }
    };
    // (And of its quantity bins, which placing the order will count in.)
    let first = |p: &ProductState| {
        let bins = p.quantities.bins.first().map_or(0, |(bin, _)| i64::from(*bin));
        p.hourly_units.first_index().wrapping_add(p.daily_units.first_index()).wrapping_add(bins)
    };
    std::hint::black_box(lines.iter().filter_map(|l| l.2).fold(0i64, |n, (_, p)| n.wrapping_add(first(p))));
    // Lines of one product found the same record: sorted and grouped by its
    // address, an integer, not by comparing product ids.
    let address = |l: &Line<'_, '_>| l.2.map_or(0, |(_, p)| std::ptr::from_ref::<ProductState>(p).addr());
    lines.sort_unstable_by_key(address);
    for product in lines.chunk_by(|a, b| address(a) == address(b)) {
        if let Some((_, _, Some((key, state)))) = product.first() {
            each(key, state, product.iter().fold(0, |n, (_, units, _)| n.saturating_add(*units)));
        }
    }
}

/// A product's orders at `now`'s time of day (see
/// [`ProductProfile::hour_orders`]): in the current and previous clock hour,
/// then in the same two hours on each earlier day since the product's
/// oldest day of units within retention, up to a week; without the order
/// placed at `own`, when it is in those two hours.
fn hour_orders(p: &ProductState, now: DateTime<Utc>, own: Option<DateTime<Utc>>) -> Vec<u32> {
    if p.daily_units.len() == 0 {
        return Vec::new();
    }
    let (hour, today) = (Width::Hour.index(now), Width::Day.index(now));
    let days = today.saturating_sub(p.daily_units.first_index()).clamp(0, ProductProfile::USUAL_HOUR_DAYS as i64);
    let mut orders = vec![0u32; usize::try_from(days).unwrap_or(0).saturating_add(1)];
    // One walk over the buckets since the earliest hour read, each added to
    // its day's pair when it is one of that day's two hours (a search per
    // hour read cost more on a busy product).
    let since = hour.saturating_sub(days.saturating_mul(24)).saturating_sub(1);
    p.hourly_orders.collect_since(since, |i, n| {
        let back = hour.saturating_sub(i);
        let (day, into_day) = (back.div_euclid(24), back.rem_euclid(24));
        if back >= 0 && into_day <= 1 {
            if let Some(slot) = usize::try_from(day).ok().and_then(|d| orders.get_mut(d)) {
                *slot = slot.saturating_add(*n);
            }
        }
        None::<()>
    });
    if let (Some(now_pair), Some(t)) = (orders.first_mut(), own) {
        if (hour.saturating_sub(1)..=hour).contains(&Width::Hour.index(t)) {
            *now_pair = now_pair.saturating_sub(1);
        }
    }
    orders
}

/// What the store keeps per entity (card, device, phone, address, IP, email).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct EntityState {
    first_seen: Option<DateTime<Utc>>,
    last_seen: Option<DateTime<Utc>>,
    /// (orders, amount) per hour for 48 h and per day for retention.
    hourly: Series<(u32, Decimal)>,
    daily: Series<(u32, Decimal)>,
    /// Buyers and when each last ordered with it, at most
    /// [`StoreConfig::max_buyers_per_entity`] (the most recent).
    buyers: SmallVec<[(Arc<str>, DateTime<Utc>); 1]>,
    /// More buyers were seen than are kept.
    capped: bool,
}

impl<T: LastSeen> LastSeen for Box<T> {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        T::seen_at(self)
    }
}

/// When a record was last seen: what its expiry goes by, whether the store
/// forgets it itself or loads it from elsewhere (one definition for both).
trait LastSeen {
    fn seen_at(&self) -> Option<DateTime<Utc>>;
}

impl LastSeen for UserState {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.last_seen
    }
}

impl LastSeen for ProductState {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.last_seen
    }
}

impl LastSeen for EntityState {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.last_seen
    }
}

/// An order goes by its placement, or before it by its latest event.
impl LastSeen for OrderState {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.placed_at.or(self.touched)
    }
}

/// A link key goes by the latest account seen with it.
impl<const N: usize> LastSeen for Keyed<DateTime<Utc>, N> {
    fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.values().max().copied()
    }
}

/// Puts a record loaded from elsewhere in `map`, queued for expiry at its
/// own time, so that a batch whose clock passes the horizon forgets it as
/// this store would; one already behind `horizon` is left out.
fn keep<V: LastSeen>(map: &mut HashMap<Key, V>, expiry: &mut Expiry, horizon: Option<DateTime<Utc>>, id: &str, v: V) {
    let at = v.seen_at();
    if horizon.is_some_and(|h| at.is_some_and(|t| t < h)) {
        return;
    }
    let key = Key::from(id);
    expiry.enqueue(at.unwrap_or_default(), &key);
    map.insert(key, v);
}

/// Forgets the records of `map` not seen since before `limit`, as their
/// entries in `expiry` fall behind it, handing each to `gone`. A record is
/// looked up once: checked and removed in the same probe.
fn forget_before<V: LastSeen>(
    map: &mut HashMap<Key, V>,
    expiry: &mut Expiry,
    limit: DateTime<Utc>,
    mut gone: impl FnMut(V),
) {
    expiry.expire(limit, |id| match map.entry_ref(id) {
        EntryRef::Occupied(o) => match o.get().seen_at() {
            Some(t) if t >= limit => Some(t),
            Some(_) => {
                gone(o.remove());
                None
            }
            None => None,
        },
        EntryRef::Vacant(_) => None,
    });
}

/// The time `map` holds for `id`, for the expiry queues.
fn seen_in<V: LastSeen>(map: &HashMap<Key, V>) -> impl Fn(&str) -> Option<DateTime<Utc>> + '_ {
    move |id| map.get(id).and_then(LastSeen::seen_at)
}

/// The record of `id` in `map`; a new one is stored under `key()` (the
/// text of `id`, shared with whatever else holds it) and queued in `expiry`
/// at `at`.
///
/// With `shared`, the map's copy of the key comes back too.
fn slot<'m, V: Default>(
    map: &'m mut HashMap<Key, V>,
    expiry: &mut Expiry,
    id: &str,
    key: impl FnOnce() -> Key,
    at: DateTime<Utc>,
    shared: bool,
) -> (Option<Key>, &'m mut V) {
    match map.entry_ref(id) {
        EntryRef::Occupied(o) => (shared.then(|| Key::clone(o.key())), o.into_mut()),
        EntryRef::Vacant(v) => {
            let k = key();
            expiry.enqueue(at, &k);
            (shared.then(|| Key::clone(&k)), v.insert_with_key(k, V::default()))
        }
    }
}

/// Text the store holds in several places (a map's key, its expiry queue,
/// the records that name it, the contexts built from them): allocated once.
type Key = Arc<str>;

/// The key `map` holds for `id`, shared; a new one if it holds none.
fn shared_key<V>(map: &HashMap<Key, V>, id: &str) -> Key {
    map.get_key_value(id).map_or_else(|| Key::from(id), |(k, _)| Key::clone(k))
}

/// The store's hash maps: hashbrown's, hashing with foldhash seeded per map
/// (fast on the short keys the store holds, and not predictable to an
/// attacker who chooses ids, as a fixed hash would be); `entry_ref` inserts
/// by `&str` and allocates a key only when it is new.
type HashMap<K, V> = hashbrown::HashMap<K, V>;
use hashbrown::hash_map::EntryRef;

/// The horizon worked out for a watermark (see [`InMemoryStore::horizon`]);
/// not part of the store's state, so not compared.
#[derive(Debug, Clone, Copy, Default)]
struct Horizon(Option<(DateTime<Utc>, Option<DateTime<Utc>>)>);

impl PartialEq for Horizon {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The key of the event-id hashes: random per store, kept in its snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
struct Seed(u64);

impl Default for Seed {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        Seed(std::collections::hash_map::RandomState::new().build_hasher().finish())
    }
}

impl Seed {
    fn hash(self, id: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(self.0).hash_one(id)
    }
}

/// Categories remembered per buyer (the most recently bought).
const MAX_CATEGORIES: usize = 16;

/// Hours kept in the hourly series.
const HOURS: i64 = 48;

/// Hours of orders kept per product: the current and previous hour on each
/// of the days a product's usual orders at this hour are read from, and the
/// day of the order.
const ORDER_HOURS: i64 = (ProductProfile::USUAL_HOUR_DAYS as i64 + 1) * 24 + 2;

/// An order as the store knows it. Events for an order may arrive before the
/// order itself (within the lateness bound); they wait here until it does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct OrderState {
    /// The latest time of any event about this order.
    touched: Option<DateTime<Utc>>,
    order: Option<Placed>,
    placed_at: Option<DateTime<Utc>>,
    paid: Option<(DateTime<Utc>, Decimal, Option<String>)>,
    failed: Vec<PaymentAttempt>,
    cancelled_at: Option<DateTime<Utc>>,
    shipped: Option<(DateTime<Utc>, Option<String>, Option<String>)>,
    tracking: Vec<TrackingEvent>,
    delivered_at: Option<DateTime<Utc>>,
    returned_at: Option<DateTime<Utc>>,
    after_sales: Vec<AfterSale>,
    calls: Vec<VerificationCall>,
    confirmed_abnormal: bool,
}

impl OrderState {
    fn stage(&self) -> Stage {
        if self.cancelled_at.is_some() {
            Stage::Cancelled
        } else if self.returned_at.is_some() || !self.after_sales.is_empty() {
            Stage::AfterSales
        } else if self.delivered_at.is_some() {
            Stage::Delivered
        } else if self.shipped.is_some() {
            Stage::Shipped
        } else if self.paid.is_some() {
            Stage::Paid
        } else {
            Stage::Placed
        }
    }

    /// The order with everything that happened to it folded in.
    fn current(&self) -> Option<Order> {
        let mut o = self.order.as_ref()?.order();
        let p = o.payment.get_or_insert_with(Payment::default);
        p.attempts.extend(self.failed.iter().cloned());
        p.attempts.sort_by_key(|a| a.at);
        if let Some((at, amount, instrument)) = &self.paid {
            p.paid_at = Some(*at);
            p.paid_amount = Some(*amount);
            if instrument.is_some() {
                p.instrument_id.clone_from(instrument);
            }
        }
        if let Some((at, carrier, tracking)) = &self.shipped {
            let l = o.logistics.get_or_insert_with(Logistics::default);
            l.shipped_at = Some(*at);
            l.carrier = carrier.clone().or(l.carrier.take());
            l.tracking_number = tracking.clone().or(l.tracking_number.take());
        }
        if !self.tracking.is_empty() || self.delivered_at.is_some() {
            let l = o.logistics.get_or_insert_with(Logistics::default);
            l.events.extend(self.tracking.iter().cloned());
            l.events.sort_by_key(|e| e.at);
            l.delivered_at = self.delivered_at.or(l.delivered_at);
        }
        o.after_sales.extend(self.after_sales.iter().cloned());
        o.after_sales.sort_by_key(|a| a.at);
        o.verification_calls.extend(self.calls.iter().cloned());
        o.verification_calls.sort_by_key(|c| c.at);
        Some(o)
    }
}

/// The in-memory profile store: a [`ProfileStore`](super::ProfileStore) whose whole state saves to
/// and restores from serde (a snapshot).
///
/// **Memory is bounded per buyer and in total**: two counters (orders,
/// spend), at most [`StoreConfig::max_known`] instruments, recipient names,
/// regions, locations and link keys, and the orders, address changes,
/// complaints and purchases of the retention window (30 days by default), at
/// most [`StoreConfig::max_per_entity`] of each. At most
/// [`StoreConfig::max_users`] buyers, [`StoreConfig::max_links_per_key`]
/// accounts per link key, [`StoreConfig::max_unplaced`] orders not yet
/// placed; products and link keys not seen within retention are forgotten,
/// and event ids are kept only for the lateness window.
///
/// **Duplicates** (the same event id, as at-least-once delivery produces)
/// change nothing. **Out-of-order events** are applied correctly when they are
/// no older than [`StoreConfig::lateness`] (default 1 hour) behind the latest
/// event time seen; older ones are refused ([`Applied::TooLate`]). Folding the
/// same events in any order within that bound gives the same profiles, and an
/// order placed twice counts once. **An event dated far ahead** (beyond the
/// lateness window plus [`StoreConfig::future_skew`]) is held
/// ([`Applied::Held`]) until [`StoreConfig::confirm_ahead`] events in a row
/// arrive ahead, so one bad clock cannot move the store's time, prune every
/// window and make every real event after it too late.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InMemoryStore {
    config: StoreConfig,
    watermark: Option<DateTime<Utc>>,
    /// The retention horizon as of the watermark it was worked out for:
    /// chrono's date arithmetic is slow next to everything else an event or
    /// a context does, and both ask for the horizon many times.
    #[serde(skip)]
    horizon: Horizon,
    /// Event ids applied within the lateness window (an older event is
    /// refused as too late anyway), as hashes keyed by `seen_seed` (an id
    /// costs no allocation, and an attacker cannot craft a collision without
    /// the seed), with their times in arrival order for expiry.
    #[serde(default)]
    seen: hashbrown::HashSet<u64>,
    #[serde(default)]
    seen_queue: VecDeque<(DateTime<Utc>, u64)>,
    #[serde(default)]
    seen_seed: Seed,
    /// Events dated too far ahead, waiting for confirmation, by time.
    #[serde(default)]
    held: BTreeMap<(DateTime<Utc>, String), Event>,
    /// Events in a row that arrived dated ahead, and the latest of them.
    #[serde(default)]
    ahead_run: usize,
    #[serde(default)]
    ahead_until: Option<DateTime<Utc>>,
    /// Records are boxed: a table slot is a key and a pointer, so a table
    /// sized for a million buyers is not a quarter of a gigabyte of mostly
    /// empty slots, and growing it moves pointers, not records.
    users: HashMap<Key, Box<UserState>>,
    products: HashMap<Key, Box<ProductState>>,
    orders: HashMap<Key, Box<OrderState>>,
    /// Entity profiles by `kind:key`, and when each was last touched, in
    /// time order: expiry pops the front, never walks the map.
    #[serde(default)]
    entities: HashMap<Key, Box<EntityState>>,
    #[serde(default)]
    entity_expiry: Expiry,
    /// Expiry queues of orders, products and link keys (by retention) and of
    /// buyers (by count, least recently seen first): nothing is forgotten by
    /// walking every profile.
    #[serde(default)]
    order_expiry: Expiry,
    #[serde(default)]
    product_expiry: Expiry,
    #[serde(default)]
    link_expiry: Expiry,
    #[serde(default)]
    user_expiry: Expiry,
    /// Accounts by link key, each with when it was last seen with the key.
    links: HashMap<Key, Keyed<DateTime<Utc>, 1>>,
    too_late: u64,
    /// Events dropped: held ones crowded out, or at the unplaced-order bound.
    #[serde(default)]
    dropped: u64,
    /// Orders heard of but not yet placed.
    #[serde(default)]
    unplaced: usize,
    /// Events of unknown types skipped.
    #[serde(default)]
    ignored: u64,
    /// The ids of the events applied, in a working store over records kept
    /// elsewhere (which writes them back with the records); `None` otherwise.
    #[serde(skip)]
    applied_log: Option<Vec<String>>,
}

impl InMemoryStore {
    /// An empty store with the default retention and lateness.
    pub fn new() -> Self {
        InMemoryStore::default()
    }

    /// An empty store for replaying a trusted history (a backtest, an
    /// export): its gaps are real, so every event applies at once
    /// ([`StoreConfig::future_skew`] off); the other bounds as by default.
    pub fn for_history() -> Self {
        InMemoryStore::with_config(StoreConfig::for_history())
    }

    /// An empty store.
    pub fn with_config(config: StoreConfig) -> Self {
        InMemoryStore { config, ..Default::default() }
    }

    /// Number of users seen.
    pub fn users(&self) -> usize {
        self.users.len()
    }

    /// Number of orders held (those within retention).
    pub fn orders(&self) -> usize {
        self.orders.len()
    }

    /// Events refused as too late so far.
    pub fn too_late(&self) -> u64 {
        self.too_late
    }

    /// Events dropped so far: held events crowded out by later ones, and
    /// events for unknown orders past [`StoreConfig::max_unplaced`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Events held now, dated too far ahead and not yet confirmed.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The newest event time applied: the store's clock.
    pub fn watermark(&self) -> Option<DateTime<Utc>> {
        self.watermark
    }

    /// Events of types the store does not know, skipped so far.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    fn horizon(&self) -> Option<DateTime<Utc>> {
        match self.horizon {
            Horizon(Some((w, h))) if Some(w) == self.watermark => h,
            _ => self.horizon_at(self.watermark?),
        }
    }

    /// What is kept when the watermark is `w`: events from the horizon on.
    fn horizon_at(&self, w: DateTime<Utc>) -> Option<DateTime<Utc>> {
        w.checked_sub_signed(self.config.retention.duration())?.checked_sub_signed(self.config.lateness.duration())
    }

    /// Moves the store's clock to `w`.
    fn set_watermark(&mut self, w: DateTime<Utc>) {
        self.watermark = Some(w);
        self.horizon = Horizon(Some((w, self.horizon_at(w))));
    }

    /// The buyer, noting they were seen at `at`.
    fn user_at(&mut self, id: &str, at: DateTime<Utc>) -> &mut UserState {
        let horizon = self.horizon();
        let (_, u) = slot(&mut self.users, &mut self.user_expiry, id, || Key::from(id), at, false);
        latest(&mut u.last_seen, at);
        // The buyer's windowed facts expire as the buyer is touched.
        if let Some(h) = horizon {
            while u.orders.front().is_some_and(|o| o.placed_at < h) {
                u.orders.pop_front();
            }
            drop_before(&mut u.address_changes, h, |c| c.at);
            drop_before(&mut u.complaints, h, |c| c.at);
            u.categories.retain(|_, t| *t >= h);
        }
        u
    }

    fn product_at(&mut self, id: &str, at: DateTime<Utc>) -> &mut ProductState {
        self.product_keyed_at(id, at).1
    }

    /// [`InMemoryStore::product_at`], with the product table's copy of the id.
    fn product_keyed_at(&mut self, id: &str, at: DateTime<Utc>) -> (Key, &mut ProductState) {
        let horizon = self.horizon();
        let (key, p) = slot(&mut self.products, &mut self.product_expiry, id, || Key::from(id), at, true);
        let key = key.unwrap_or_else(|| Key::from(id));
        latest(&mut p.last_seen, at);
        if let Some(h) = horizon {
            drop_before(&mut p.fraud_complaints, h, |t| *t);
        }
        (key, p)
    }

    fn order_state(&mut self, id: &str) -> &mut OrderState {
        self.order_state_keyed(id, || Key::from(id))
    }

    /// [`InMemoryStore::order_state`] of an id whose text is shared already.
    fn order_state_of(&mut self, id: &Key) -> &mut OrderState {
        self.order_state_keyed(id, || Key::clone(id))
    }

    fn order_state_keyed(&mut self, id: &str, key: impl FnOnce() -> Key) -> &mut OrderState {
        if !self.orders.contains_key(id) {
            self.unplaced = self.unplaced.saturating_add(1);
        }
        // Queued at the latest time seen: its own events come at or after.
        let at = self.watermark.unwrap_or_default();
        slot::<Box<OrderState>>(&mut self.orders, &mut self.order_expiry, id, key, at, false).1
    }

    /// Copies the cancellation and return of order `order_id` from its
    /// state to its buyer's recent orders, if it is placed and still there.
    /// The buyer is not touched: this is news of an order, not of them.
    fn show_in_recent(&mut self, order_id: &str) {
        let Some(s) = self.orders.get(order_id) else { return };
        let (Some(o), Some(at)) = (s.order.as_ref(), s.placed_at) else { return };
        let Some(u) = self.users.get_mut(o.user_id()) else { return };
        let from = u.orders.partition_point(|p| p.placed_at < at);
        let mut same_time = u.orders.range_mut(from..).take_while(|p| p.placed_at == at);
        if let Some(p) = same_time.find(|p| &*p.order_id == order_id) {
            (p.cancelled_at, p.returned_at) = (s.cancelled_at, s.returned_at);
        }
    }

    /// Links `user` to `key`, keeping the most recently seen accounts.
    fn link(&mut self, key: &Key, user: &Key, at: DateTime<Utc>) {
        let max = self.config.max_links_per_key;
        let horizon = self.horizon();
        let (_, users) = slot(&mut self.links, &mut self.link_expiry, key, || Key::clone(key), at, false);
        match users.get_mut(user) {
            Some(t) => *t = (*t).max(at),
            None => {
                users.insert(Key::clone(user), at);
                // Accounts not seen with the key within retention go when
                // another comes (reads skip them meanwhile).
                if let Some(h) = horizon {
                    users.retain(|_, t| *t >= h);
                }
            }
        }
        while users.len() > max {
            let oldest = users.iter().min_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0))).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => users.remove(&k),
                None => break,
            };
        }
    }

    /// Takes `user` off link key `key`, and the key with it when it links no
    /// one: a buyer's link keys are its [`StoreConfig::max_known`] most
    /// recent, and a key it no longer remembers links it no more. So one
    /// account logging in on a million devices adds a handful of links, not
    /// a million.
    fn unlink(&mut self, key: &str, user: &str) {
        if let Some(users) = self.links.get_mut(key) {
            users.remove(user);
            if users.len() == 0 {
                self.links.remove(key);
            }
        }
    }

    /// Notes that an event about order `id` happened at `at`.
    fn touch(&mut self, id: &str, at: DateTime<Utc>) {
        let s = self.order_state(id);
        latest(&mut s.touched, at);
    }

    fn place(&mut self, at: DateTime<Utc>, shared: &Arc<Order>) {
        let order: &Order = shared;
        // An order placed twice (redelivered under a new event id) counts once.
        if self.orders.get(order.id.as_str()).is_some_and(|s| s.order.is_some()) {
            return;
        }
        let max = self.config.max_known;
        let cap = self.config.max_per_entity;
        let amount = order.payable_amount;
        // `kind:key` ids: the entity profiles' keys, and for a card, device,
        // phone or address the account-link keys too (written in one
        // buffer: the entity table's copy is taken, or made for a new one).
        let ids = EntityIds::of(order);
        // The order's id, shared by the buyer's record, the sightings it
        // first showed and the order's own record (made already if events
        // came before it).
        let id = shared_key(&self.orders, &order.id);
        let categories = order.items.iter().filter_map(|i| i.category.as_deref()).filter(|c| !c.trim().is_empty());
        // Orders beyond the buyer's bound leave the store with their state.
        let mut dropped_orders = Vec::new();
        // Events that arrived before their order: a payment names the
        // instrument used; a cancellation or a return shows in the buyer's
        // recent orders.
        let mut past = PastOrder::new(Key::clone(&id), at, amount);
        let mut paid_with = None;
        if let Some(s) = self.orders.get(&*id) {
            paid_with = s.paid.as_ref().and_then(|(t, _, i)| Some((*t, i.clone()?)));
            (past.cancelled_at, past.returned_at) = (s.cancelled_at, s.returned_at);
        }
        {
            let u = self.user_at(&order.user_id, at);
            u.order_count = u.order_count.saturating_add(1);
            u.total_spent = u.total_spent.checked_add(amount).unwrap_or(u.total_spent);
            // Orders mostly come in time order: at the back, and the oldest
            // leave at the front.
            let pos = u.orders.partition_point(|o| o.placed_at <= at);
            if u.orders.len() < 8 {
                u.orders.reserve_exact(1);
            }
            u.orders.insert(pos, past);
            if u.orders.len() > cap {
                let excess = u.orders.len().saturating_sub(cap);
                dropped_orders.extend(u.orders.drain(..excess).map(|old| old.order_id));
            }
            if let Some((t, i)) = paid_with {
                see(&mut u.instruments, i, t, &id, max);
            }
            if let Some(i) = order.payment.as_ref().and_then(|p| p.instrument_id.as_deref()) {
                see(&mut u.instruments, i, at, &id, max);
            }
            if let Some(n) =
                order.recipient.as_ref().and_then(|r| r.name.as_deref()).map(str::trim).filter(|n| !n.is_empty())
            {
                see(&mut u.names, n, at, &id, max);
            }
            if let Some(r) = order.shipping.as_ref().and_then(|s| s.province.as_deref().or(s.region_code.as_deref())) {
                see(&mut u.regions, r, at, &id, max);
            }
            if let Some(l) = order.client.as_ref().and_then(|c| c.location.as_ref()) {
                see(&mut u.locations, location_key(l), at, &id, max);
            }
            for c in categories {
                match u.categories.get_mut(c) {
                    Some(t) => *t = (*t).max(at),
                    None => u.categories.insert(c, at),
                }
            }
            while u.categories.len() > MAX_CATEGORIES {
                let oldest =
                    u.categories.iter().min_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0))).map(|(c, _)| c.clone());
                match oldest {
                    Some(c) => u.categories.remove(&c),
                    None => break,
                };
            }
        }
        for old in dropped_orders {
            self.orders.remove(&*old);
        }
        // The buyer's id, shared by the links and entity profiles that name it.
        let user = shared_key(&self.users, &order.user_id);
        let entities = self.see_entities(at, order, &user, &ids);
        let links = || entities.iter().filter(|(kind, _)| link_kind(*kind).is_some()).map(|(_, k)| k);
        for k in links() {
            self.link(k, &user, at);
        }
        let mut forgotten: SmallVec<[Key; 2]> = SmallVec::new();
        if let Some(u) = self.users.get_mut(&*user) {
            // Room for the new keys at once (the map grows one by one).
            let new_keys = links().filter(|k| u.link_keys.position(k).is_err()).count();
            u.link_keys.0.reserve_exact(new_keys);
            for k in links() {
                forgotten.extend(see(&mut u.link_keys, Key::clone(k), at, &id, max));
            }
        }
        for k in forgotten {
            self.unlink(&k, &user);
        }
        let (hour, day, days) = (Width::Hour.index(at), Width::Day.index(at), self.retention_days());
        // The product ids a long order is kept with: the product table's.
        let compact = order.items.len() > SHARED_UP_TO;
        let mut products = Vec::with_capacity(if compact { order.items.len() } else { 0 });
        // An order counts once per product however many lines name it: a
        // short order looks back over its lines, a long one keeps a set.
        let mut named = compact.then(|| hashbrown::HashSet::with_capacity(order.items.len()));
        for (n, item) in order.items.iter().enumerate() {
            let first_line = match named.as_mut() {
                Some(named) => named.insert(item.product_id.as_str()),
                None => !order.items.get(..n).unwrap_or_default().iter().any(|e| e.product_id == item.product_id),
            };
            let units = item.units();
            let (key, p) = self.product_keyed_at(&item.product_id, at);
            if first_line {
                p.hourly_orders.add(hour, ORDER_HOURS, 0, |n| *n = n.saturating_add(1));
            }
            p.hourly_units.add(hour, HOURS, 0, |u| *u = u.saturating_add(units));
            p.daily_units.add(day, days, 0, |u| *u = u.saturating_add(units));
            p.quantities.count(item.quantity);
            p.orders = p.orders.saturating_add(1);
            if p.category.is_none() {
                p.category = item.category.as_deref().map(Arc::from);
            }
            if compact {
                products.push((key, p.category.clone()));
            }
        }
        let placed = Placed::of(shared, Key::clone(&id), user, products);
        let state = self.order_state_of(&id);
        state.order = Some(placed);
        self.unplaced = self.unplaced.saturating_sub(1);
        let state = self.order_state_of(&id);
        state.placed_at = Some(at);
        if state.confirmed_abnormal {
            self.count_abnormal(&id);
        }
    }

    fn count_abnormal(&mut self, order_id: &str) {
        let items: Vec<Key> = self
            .orders
            .get(order_id)
            .and_then(|s| s.order.as_ref())
            .map(|o| o.products().map(|p| shared_key(&self.products, p)).collect())
            .unwrap_or_default();
        for p in items {
            let p = self.products.entry_ref(&*p).or_default();
            p.abnormal_orders = p.abnormal_orders.saturating_add(1);
        }
    }

    /// Retention in days (at least one).
    fn retention_days(&self) -> i64 {
        self.config.retention.duration().num_days().max(1)
    }

    /// The first bucket of `width` a profile shows as of `now`: 48 hours, or
    /// the retention window's days.
    fn first_bucket(&self, width: Width, now: DateTime<Utc>) -> i64 {
        let span = match width {
            Width::Hour => HOURS,
            Width::Day => self.retention_days(),
        };
        width.index(now).saturating_sub(span.saturating_sub(1))
    }

    /// Counts the order on each entity it names (by `ids`), and gives back
    /// their ids as the entity table holds them, to share.
    fn see_entities(
        &mut self,
        at: DateTime<Utc>,
        order: &Order,
        user: &Key,
        ids: &EntityIds,
    ) -> SmallVec<[(EntityType, Key); EntityType::ALL.len()]> {
        let (hour, day, days) = (Width::Hour.index(at), Width::Day.index(at), self.retention_days());
        let cap = self.config.max_buyers_per_entity;
        let mut keys = SmallVec::new();
        for (kind, id) in ids.iter() {
            let (key, e) = slot(&mut self.entities, &mut self.entity_expiry, id, || Key::from(id), at, true);
            keys.extend(key.map(|k| (kind, k)));
            e.first_seen = Some(e.first_seen.map_or(at, |t| t.min(at)));
            latest(&mut e.last_seen, at);
            let amount = order.payable_amount;
            let count = |v: &mut (u32, Decimal)| {
                v.0 = v.0.saturating_add(1);
                v.1 = v.1.checked_add(amount).unwrap_or(v.1);
            };
            e.hourly.add(hour, HOURS, (0, Decimal::ZERO), count);
            e.daily.add(day, days, (0, Decimal::ZERO), count);
            // Buyers are kept latest first (then by id), as profiles show
            // them: a buyer seen again moves up, usually to the front.
            let seen = match e.buyers.iter().position(|(u, _)| u == user) {
                Some(i) => {
                    let (u, t) = e.buyers.remove(i);
                    (u, t.max(at))
                }
                None => {
                    e.buyers.reserve_exact(1);
                    (Key::clone(user), at)
                }
            };
            let pos = e.buyers.partition_point(|(u, t)| *t > seen.1 || (*t == seen.1 && *u < seen.0));
            e.buyers.insert(pos, seen);
            if e.buyers.len() > cap {
                e.capped = true;
                // The least recently seen go; of those seen at one time, the
                // first by id.
                let oldest = e.buyers.last().map(|(_, t)| *t);
                let first_oldest = e.buyers.partition_point(|(_, t)| Some(*t) > oldest);
                e.buyers.remove(first_oldest);
            }
        }
        keys
    }

    /// Forgets what was not seen within retention (orders, products, link
    /// keys, entities) and the least recently seen buyers past the bound on
    /// their number, from the expiry queues: the cost is per thing
    /// forgotten or requeued, never a walk over every profile.
    fn expire(&mut self) {
        let Some(h) = self.horizon() else { return };
        let unplaced = &mut self.unplaced;
        forget_before(&mut self.orders, &mut self.order_expiry, h, |s| {
            if s.order.is_none() {
                *unplaced = unplaced.saturating_sub(1);
            }
        });
        forget_before(&mut self.products, &mut self.product_expiry, h, drop);
        forget_before(&mut self.links, &mut self.link_expiry, h, drop);
        forget_before(&mut self.entities, &mut self.entity_expiry, h, drop);
        while self.entities.len() > self.config.max_entities {
            let entities = &self.entities;
            let Some(id) = self.entity_expiry.oldest(seen_in(entities)) else { break };
            self.entities.remove(&id);
        }
        while self.links.len() > self.config.max_entities {
            let links = &self.links;
            let Some(k) = self.link_expiry.oldest(seen_in(links)) else {
                break;
            };
            self.links.remove(&k);
        }
        while self.users.len() > self.config.max_users {
            let users = &self.users;
            let Some(id) = self.user_expiry.oldest(seen_in(users)) else { break };
            self.users.remove(&id);
        }
        let (orders, products, links, entities) = (&self.orders, &self.products, &self.links, &self.entities);
        self.order_expiry.compact(orders.len(), |k| orders.contains_key(k));
        self.product_expiry.compact(products.len(), |k| products.contains_key(k));
        self.link_expiry.compact(links.len(), |k| links.contains_key(k));
        self.entity_expiry.compact(entities.len(), |k| entities.contains_key(k));
        let users = &self.users;
        self.user_expiry.compact(users.len(), |k| users.contains_key(k));
    }

    /// The profile of an entity (by its `kind:key` id) as of `now`, without
    /// `own` (an order the store placed, and when) if given.
    fn entity_profile(
        &self,
        kind: EntityType,
        id: &str,
        own: Option<(DateTime<Utc>, &Order)>,
        now: DateTime<Utc>,
        starts: &mut Starts,
    ) -> EntityProfile {
        let mut profile = EntityProfile::new(kind, key_of(kind, id));
        let Some(e) = self.entities.get(id) else { return profile };
        let own_amount = own.map_or(Decimal::ZERO, |(_, o)| o.payable_amount);
        let mut buckets = |series: &Series<(u32, Decimal)>, width: Width| {
            // The order's own contribution, if it was applied: taken back out.
            let own = own.map(|(t, _)| width.index(t));
            series.collect_since(self.first_bucket(width, now), |i, (n, amount)| {
                let (n, amount) = if own == Some(i) {
                    (n.saturating_sub(1), amount.checked_sub(own_amount).unwrap_or(*amount))
                } else {
                    (*n, *amount)
                };
                (n > 0).then(|| Bucket::new(starts.of(width, i), n, amount))
            })
        };
        profile.hourly = buckets(&e.hourly, Width::Hour);
        profile.daily = buckets(&e.daily, Width::Day);
        let mut buyers = Vec::with_capacity(e.buyers.len());
        buyers.extend(e.buyers.iter().map(|(u, t)| BuyerSeen::new(Arc::clone(u), *t)));
        // Kept in this order as buyers come (see `see_entities`); sorted here
        // only if a record loaded from elsewhere was not.
        let order =
            |a: &BuyerSeen, b: &BuyerSeen| b.last_seen.cmp(&a.last_seen).then_with(|| a.user_id.cmp(&b.user_id));
        if !buyers.is_sorted_by(|a, b| order(a, b).is_le()) {
            buyers.sort_by(order);
        }
        profile.buyers = buyers;
        profile.buyers_capped = e.capped;
        // Seen at all, other than in this order?
        if !(profile.hourly.is_empty() && profile.daily.is_empty()) {
            profile.first_seen = e.first_seen;
            profile.last_seen = e.last_seen;
        }
        profile
    }

    /// Forgets event ids older than the lateness window: an event that old
    /// is refused as too late before its id is looked at.
    fn expire_seen(&mut self) {
        let Some(limit) = self.watermark.and_then(|w| w.checked_sub_signed(self.config.lateness.duration())) else {
            return;
        };
        // In arrival order: an entry behind a newer one waits a little longer.
        while self.seen_queue.front().is_some_and(|(t, _)| *t < limit) {
            if let Some((_, id)) = self.seen_queue.pop_front() {
                self.seen.remove(&id);
            }
        }
    }

    /// Holds an event dated too far ahead. When [`StoreConfig::confirm_ahead`]
    /// events in a row arrive ahead (time really moved on: a quiet night, a
    /// replay's gap), the held events up to the latest of that run are
    /// applied in time order; a lone event far ahead stays held, and a
    /// normal event in between starts the count again.
    fn hold(&mut self, event: &Event) -> Applied {
        let key = (event.at, event.id.clone());
        if self.held.contains_key(&key) {
            return Applied::Duplicate;
        }
        self.held.insert(key, event.clone());
        while self.held.len() > MAX_HELD {
            self.held.pop_last();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.ahead_run = self.ahead_run.saturating_add(1);
        self.ahead_until = Some(self.ahead_until.map_or(event.at, |t| t.max(event.at)));
        if self.ahead_run < self.config.confirm_ahead {
            return Applied::Held;
        }
        let until = self.ahead_until.take().unwrap_or(event.at);
        self.ahead_run = 0;
        let ready: Vec<(DateTime<Utc>, String)> = self.held.keys().take_while(|(t, _)| *t <= until).cloned().collect();
        for k in ready {
            if let Some(e) = self.held.remove(&k) {
                let id = self.seen_seed.hash(&e.id);
                self.apply_now(&e, id);
            }
        }
        if self.seen.contains(&self.seen_seed.hash(&event.id)) { Applied::Applied } else { Applied::Held }
    }
}

/// The link key of the device a buyer logged in on (`device:…`), if it names one.
pub(super) fn login_link_key(device_id: Option<&str>) -> Option<String> {
    let device: String = device_id.map(folded).into_iter().flatten().collect();
    (!device.is_empty()).then(|| format!("{}:{device}", EntityType::Device.as_str()))
}

fn location_key(l: &Location) -> String {
    let f = |s: &Option<String>| s.as_deref().map(|v| folded(v).collect::<String>()).unwrap_or_default();
    format!("{}|{}|{}", f(&l.country), f(&l.region), f(&l.city))
}

fn location_of(key: &str) -> Location {
    let mut parts = key.split('|').map(|s| (!s.is_empty()).then(|| s.to_owned()));
    Location { country: parts.next().flatten(), region: parts.next().flatten(), city: parts.next().flatten() }
}

/// How a link key (an entity id, `kind:key`) links accounts.
fn link_kind_of(key: &str) -> Option<LinkKind> {
    let kind = key.split(':').next()?;
    EntityType::ALL.into_iter().find(|k| k.as_str() == kind).and_then(link_kind)
}

/// Keeps in `slot` the later of what it holds and `at`.
fn latest(slot: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) {
    *slot = Some(slot.map_or(at, |t| t.max(at)));
}

/// Drops the entries of `v` (sorted by time) before `horizon`.
fn drop_before<T>(v: &mut Vec<T>, horizon: DateTime<Utc>, at: impl Fn(&T) -> DateTime<Utc>) {
    // Usually nothing is that old: the oldest entry says so without a search.
    if v.first().is_some_and(|x| at(x) < horizon) {
        let old = v.partition_point(|x| at(x) < horizon);
        v.drain(..old);
    }
}

/// Inserts keeping `v` sorted by `key` (events may arrive out of order).
fn insert_sorted<T, K: Ord>(v: &mut Vec<T>, item: T, key: impl Fn(&T) -> K) {
    let k = key(&item);
    let pos = v.partition_point(|x| key(x) <= k);
    // Grow by one up to a few entries (most buyers and orders have few),
    // then as a vector does.
    if v.len() < 8 {
        v.reserve_exact(1);
    }
    v.insert(pos, item);
}

/// [`insert_sorted`], then drops the oldest beyond `cap`.
fn insert_capped<T, K: Ord>(v: &mut Vec<T>, item: T, key: impl Fn(&T) -> K, cap: usize) {
    insert_sorted(v, item, key);
    if v.len() > cap {
        let excess = v.len().saturating_sub(cap);
        v.drain(..excess);
    }
}

impl InMemoryStore {
    /// Applies an event that passed the checks of [`ProfileStore::apply`].
    /// Applies `event`, whose id hashes to `id` (see `seen`).
    fn apply_now(&mut self, event: &Event, id: u64) -> Applied {
        let at = event.at;
        if let Some(order_id) = event.kind.order_id() {
            let known = self.orders.contains_key(order_id);
            if !known
                && self.unplaced >= self.config.max_unplaced
                && !matches!(event.kind, EventKind::OrderPlaced { .. })
            {
                self.dropped = self.dropped.saturating_add(1);
                return Applied::Dropped;
            }
            self.touch(order_id, at);
        }
        self.seen.insert(id);
        if let Some(log) = &mut self.applied_log {
            log.push(event.id.clone());
        }
        self.seen_queue.push_back((at, id));
        let cap = self.config.max_per_entity;
        match &event.kind {
            EventKind::OrderPlaced { order } => self.place(at, order),
            EventKind::Paid { order_id, amount, instrument_id } => {
                let max = self.config.max_known;
                self.order_state(order_id).paid = Some((at, *amount, instrument_id.clone()));
                let user = self.orders.get(order_id.as_str()).and_then(|s| s.order.as_ref());
                let user = user.map(|o| shared_key(&self.users, o.user_id()));
                if let (Some(i), Some(u)) = (instrument_id, user) {
                    let source = shared_key(&self.orders, order_id);
                    see(&mut self.user_at(&u, at).instruments, i.as_str(), at, &source, max);
                }
            }
            EventKind::PaymentFailed { order_id, reason } => {
                let attempt = PaymentAttempt { at, amount: None, status: *reason };
                insert_capped(&mut self.order_state(order_id).failed, attempt, |a| a.at, cap);
            }
            EventKind::Cancelled { order_id } => {
                let s = self.order_state(order_id);
                s.cancelled_at = Some(s.cancelled_at.map_or(at, |c| c.min(at)));
                self.show_in_recent(order_id);
            }
            EventKind::Shipped { order_id, carrier, tracking_number } => {
                self.order_state(order_id).shipped = Some((at, carrier.clone(), tracking_number.clone()));
            }
            EventKind::TrackingUpdate { order_id, description } => {
                let e = TrackingEvent { at, description: description.clone(), location: None };
                insert_capped(&mut self.order_state(order_id).tracking, e, |e| e.at, cap);
            }
            EventKind::Delivered { order_id } => self.order_state(order_id).delivered_at = Some(at),
            EventKind::Returned { order_id, exchange, product_id } => {
                let s = self.order_state(order_id);
                s.returned_at = Some(s.returned_at.map_or(at, |r| r.min(at)));
                let kind = if *exchange { AfterSaleKind::Exchange } else { AfterSaleKind::Return };
                let a = AfterSale { kind, at, complaint_type: None, product_id: product_id.clone() };
                insert_capped(&mut s.after_sales, a, |a| a.at, cap);
                self.show_in_recent(order_id);
            }
            EventKind::Complaint { user_id, order_id, product_id, complaint_type } => {
                let record = ComplaintRecord {
                    at,
                    complaint_type: *complaint_type,
                    order_id: order_id.as_deref().map(Arc::from),
                };
                insert_capped(&mut self.user_at(user_id, at).complaints, record, |c| c.at, cap);
                if let Some(o) = order_id {
                    let a = AfterSale {
                        kind: AfterSaleKind::Complaint,
                        at,
                        complaint_type: Some(*complaint_type),
                        product_id: product_id.clone(),
                    };
                    insert_capped(&mut self.order_state(o).after_sales, a, |a| a.at, cap);
                }
                if let (ComplaintType::Fraud, Some(p)) = (complaint_type, product_id) {
                    let p = self.product_at(p, at);
                    insert_capped(&mut p.fraud_complaints, at, |t| *t, cap);
                }
            }
            EventKind::AddressChanged { user_id, address } => {
                let change = AddressChange {
                    at,
                    city: address.city.as_deref().map(Arc::from),
                    detail: address.detail.as_deref().map(Arc::from),
                };
                insert_capped(&mut self.user_at(user_id, at).address_changes, change, |c| c.at, cap);
            }
            EventKind::Login { user_id, location, device_id } => {
                let max = self.config.max_known;
                let u = self.user_at(user_id, at);
                let source = || Key::from(event.id.as_str());
                if let Some(l) = location {
                    see_from(&mut u.locations, location_key(l), at, &event.id, source, max);
                }
                if let Some(key) = login_link_key(device_id.as_deref()) {
                    let key = Key::from(key);
                    let forgotten = see_from(
                        &mut self.user_at(user_id, at).link_keys,
                        Key::clone(&key),
                        at,
                        &event.id,
                        source,
                        max,
                    );
                    let user = shared_key(&self.users, user_id);
                    self.link(&key, &user, at);
                    if let Some(k) = forgotten {
                        self.unlink(&k, &user);
                    }
                }
            }
            EventKind::VerificationCall { order_id, answered } => {
                let call = VerificationCall { at, answered: *answered };
                insert_capped(&mut self.order_state(order_id).calls, call, |c| c.at, cap);
            }
            EventKind::StockLevel { product_id, units } => {
                let p = self.product_at(product_id, at);
                if p.stock.is_none_or(|(t, _)| t <= at) {
                    p.stock = Some((at, *units));
                }
            }
            EventKind::Unknown => {}
            EventKind::ConfirmedAbnormal { order_id } => {
                let s = self.order_state(order_id);
                if !s.confirmed_abnormal {
                    s.confirmed_abnormal = true;
                    if s.order.is_some() {
                        self.count_abnormal(order_id);
                    }
                }
            }
        }
        if self.watermark.is_none_or(|w| at > w) {
            self.set_watermark(at);
            // Queries filter by the horizon themselves, so when expiry
            // happens never changes a result.
            self.expire_seen();
            self.expire();
        }
        Applied::Applied
    }
}

/// The store never fails: its own methods return plain values (the
/// [`ProfileRead`] and [`ProfileWrite`] impls wrap them in `Ok`).
impl InMemoryStore {
    /// Folds one event in.
    pub fn apply(&mut self, event: &Event) -> Applied {
        let id = self.seen_seed.hash(&event.id);
        match self.refusal(event, id) {
            Some(Applied::Ignored) => {
                self.ignored = self.ignored.saturating_add(1);
                Applied::Ignored
            }
            Some(Applied::TooLate) => {
                self.too_late = self.too_late.saturating_add(1);
                Applied::TooLate
            }
            // One event cannot move the clock far ahead: it would prune every
            // window and make every real event after it too late.
            Some(Applied::Held) => self.hold(event),
            Some(refused) => refused,
            None => {
                self.ahead_run = 0;
                self.ahead_until = None;
                self.apply_now(event, id)
            }
        }
    }

    /// What [`InMemoryStore::apply`] would answer for `event`, without
    /// applying or counting it: a caller that judges each order as it is
    /// placed judges only the placements the store accepts (not a
    /// redelivered id carrying another order, not one too late).
    pub fn admits(&self, event: &Event) -> Applied {
        let refused = self.refusal(event, self.seen_seed.hash(&event.id));
        let dropped = event.kind.order_id().is_some_and(|order| {
            !matches!(event.kind, EventKind::OrderPlaced { .. })
                && !self.orders.contains_key(order)
                && self.unplaced >= self.config.max_unplaced
        });
        refused.unwrap_or(if dropped { Applied::Dropped } else { Applied::Applied })
    }

    /// Why `event` (whose id hashes to `id`) would not be applied at once:
    /// of an unknown type, a duplicate, too late, or dated too far ahead
    /// (to be held); `None` when it would.
    fn refusal(&self, event: &Event, id: u64) -> Option<Applied> {
        if event.kind == EventKind::Unknown {
            return Some(Applied::Ignored);
        }
        if self.seen.contains(&id) {
            return Some(Applied::Duplicate);
        }
        let w = self.watermark?;
        let lateness = self.config.lateness.duration();
        if w.checked_sub_signed(lateness).is_some_and(|limit| event.at < limit) {
            return Some(Applied::TooLate);
        }
        let skew = self.config.future_skew?;
        let ahead = w.checked_add_signed(lateness).and_then(|t| t.checked_add_signed(skew.duration()));
        ahead.is_some_and(|limit| event.at > limit).then_some(Applied::Held)
    }

    /// The buyer's profile as of now, without the order `exclude`, or `None`
    /// for a buyer never seen.
    pub fn user_profile(&self, user_id: &str, exclude: Option<&str>) -> Option<UserProfile> {
        self.user_profile_linking(user_id, exclude, std::iter::empty())
    }

    /// [`InMemoryStore::user_profile`], with the accounts linked through
    /// `extra_keys` too (the link keys of the order being judged), which
    /// come in key order: they are merged with the buyer's own, and the
    /// first key in that order that names an account is the one it is linked
    /// by.
    fn user_profile_linking<'k>(
        &self,
        user_id: &str,
        exclude: Option<&str>,
        extra_keys: impl Iterator<Item = &'k str>,
    ) -> Option<UserProfile> {
        let Some((user_key, u)) = self.users.get_key_value(user_id) else {
            // A first order: only the links through its own keys.
            let linked = self.linked_through(user_id, std::iter::empty(), extra_keys);
            return (!linked.is_empty()).then(|| UserProfile { linked_accounts: linked, ..UserProfile::new(user_id) });
        };
        let excluded = exclude.and_then(|id| {
            let s = self.orders.get(id)?;
            (s.order.as_ref().map(Placed::user_id) == Some(user_id)).then_some((id, s))
        });
        let not_from_this_order = |s: &&Seen| s.other_sources || excluded.is_none_or(|(id, _)| &*s.first_source != id);
        let horizon = self.horizon();
        let kept = |t: DateTime<Utc>| horizon.is_none_or(|h| t >= h);
        let mut profile = UserProfile {
            user_id: Arc::clone(user_key),
            order_count: u.order_count,
            total_spent: u.total_spent,
            ..Default::default()
        };
        if let Some((_, s)) = excluded.filter(|(_, s)| s.order.is_some()) {
            profile.order_count = profile.order_count.saturating_sub(1);
            let amount = s.order.as_ref().map_or(Decimal::ZERO, Placed::payable_amount);
            profile.total_spent = profile.total_spent.checked_sub(amount).unwrap_or(profile.total_spent);
        }
        let recent = u.orders.iter().filter(|o| kept(o.placed_at) && excluded.is_none_or(|(x, _)| x != &*o.order_id));
        profile.recent_orders = within(u.orders.len(), recent.cloned());
        profile.payment_instruments = within(
            u.instruments.len(),
            u.instruments.iter().filter(|(_, s)| not_from_this_order(s)).map(|(id, s)| KnownInstrument {
                id: Arc::clone(id),
                first_seen: s.first,
                last_used: s.last,
            }),
        );
        profile.recipient_names =
            within(u.names.len(), u.names.iter().filter(|(_, s)| not_from_this_order(s)).map(|(n, _)| n.clone()));
        profile.destination_regions =
            within(u.regions.len(), u.regions.iter().filter(|(_, s)| not_from_this_order(s)).map(|(r, _)| r.clone()));
        let usual = u.locations.iter().filter(|(_, s)| s.count >= self.config.usual_after);
        profile.usual_locations = within(u.locations.len(), usual.map(|(k, _)| location_of(k)));
        profile.address_changes =
            within(u.address_changes.len(), u.address_changes.iter().filter(|c| kept(c.at)).cloned());
        profile.complaints = within(u.complaints.len(), u.complaints.iter().filter(|c| kept(c.at)).cloned());
        profile.linked_accounts = self.linked_through(user_id, u.link_keys.keys().map(|k| &**k), extra_keys);
        Some(profile)
    }

    /// The accounts other than `user_id` seen under any of the link keys
    /// `sorted` and `more` (each in key order), once each (by the first key,
    /// in key order), with their purchases within retention.
    fn linked_through<'a, 'b>(
        &self,
        user_id: &str,
        sorted: impl Iterator<Item = &'a str>,
        more: impl Iterator<Item = &'b str>,
    ) -> Vec<LinkedAccount> {
        let horizon = self.horizon();
        let kept = |t: DateTime<Utc>| horizon.is_none_or(|h| t >= h);
        let keys = merged(sorted, more);
        // Each account once, linked via the first key (in key order) that
        // names it. An account shows up under many keys, each time as the
        // one id text the store holds for it: gathered by that text's
        // address (hashing and comparing a pointer, not the id), then put in
        // account order, where copies of one id at different addresses (as a
        // record loaded from elsewhere may hold) meet and merge.
        let address = |id: &Arc<str>| Arc::as_ptr(id).cast::<u8>().addr();
        // The buyer's own id, passed over at once (most keys name only them).
        let me = self.users.get_key_value(user_id).map(|(k, _)| address(k));
        let mut linked: HashMap<usize, (&Arc<str>, usize, LinkKind)> = HashMap::default();
        for (rank, key) in keys.enumerate() {
            let (Some(via), Some(others)) = (link_kind_of(key), self.links.get(key)) else { continue };
            // Most keys name the buyer and the same others: room for that
            // many others at once (the map grows if there are more).
            linked.reserve(others.len().saturating_sub(linked.len().saturating_add(1)));
            for (other, _) in others.iter().filter(|(o, t)| kept(**t) && Some(address(o)) != me) {
                linked.entry(address(other)).or_insert((other, rank, via));
            }
        }
        let mut linked: Vec<(&Arc<str>, usize, LinkKind)> = linked.into_values().collect();
        linked.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        linked.dedup_by(|later, first| later.0 == first.0);
        linked.retain(|(other, _, _)| &***other != user_id);
        linked
            .into_iter()
            .map(|(other, _, via)| {
                let purchases = self.users.get(&**other).map_or_else(Vec::new, |o| {
                    let recent = o.categories.iter().filter(|(_, t)| kept(**t));
                    within(o.categories.len(), recent.map(|(c, t)| LinkedPurchase { category: Arc::clone(c), at: *t }))
                });
                LinkedAccount { user_id: Arc::clone(other), via, purchases }
            })
            .collect()
    }

    /// A product's profile as of the store's newest event, or `None` for a
    /// product never seen.
    pub fn product_profile(&self, product_id: &str) -> Option<ProductProfile> {
        let (key, p) = self.products.get_key_value(product_id)?;
        Some(self.product_profile_at((key, p), self.watermark.unwrap_or_default(), None, &mut Starts::default()))
    }

    /// A product's profile as of `now`, without `own` (the units of an order
    /// the store placed, and when) if given.
    fn product_profile_at(
        &self,
        (key, p): (&Key, &ProductState),
        now: DateTime<Utc>,
        own: Option<(DateTime<Utc>, u64)>,
        starts: &mut Starts,
    ) -> ProductProfile {
        let horizon = self.horizon();
        let own_units = own.map_or(0, |(_, units)| units);
        let mut units = |series: &Series<u64>, width: Width, since: i64| -> Vec<UnitsBucket> {
            let own = own.map(|(t, _)| width.index(t));
            series.collect_since(since, |i, u| {
                let u = if own == Some(i) { u.saturating_sub(own_units) } else { *u };
                (u > 0).then(|| UnitsBucket::new(starts.of(width, i), u))
            })
        };
        ProductProfile {
            product_id: Arc::clone(key),
            category: p.category.clone(),
            high_value: false,
            fraud_complaints: p.fraud_complaints.iter().filter(|t| horizon.is_none_or(|h| **t >= h)).copied().collect(),
            orders: p.orders,
            abnormal_orders: p.abnormal_orders,
            hourly_units: units(&p.hourly_units, Width::Hour, self.first_bucket(Width::Hour, now)),
            daily_units: units(&p.daily_units, Width::Day, self.first_bucket(Width::Day, now)),
            stock: p.stock.map(|(_, units)| units),
            median_quantity: p.quantities.median(),
            high_quantity: p.quantities.high(),
            hour_orders: hour_orders(p, now, own.map(|(t, _)| t)),
        }
    }

    /// The order as the store knows it now, or `None` if it never was placed
    /// or has left the retention window.
    pub fn order(&self, order_id: &str) -> Option<Order> {
        let s = self.orders.get(order_id)?;
        let gone = self.horizon().is_some_and(|h| s.placed_at.is_some_and(|t| t < h));
        if gone { None } else { s.current() }
    }

    /// The stage the order has reached.
    pub fn stage(&self, order_id: &str) -> Option<Stage> {
        self.orders.get(order_id).filter(|s| s.order.is_some()).map(|s| s.stage())
    }

    /// The context to judge `order` in at `now`: the buyer's profile without
    /// this order, its products' profiles, and its stage.
    pub fn context_for(&self, order: &Order, now: DateTime<Utc>, utc_offset: UtcOffset) -> EvalContext {
        let mut ctx = EvalContext::at(now).with_utc_offset(utc_offset);
        let ids = EntityIds::of(order);
        // Accounts linked through this order's own card, device, phone or
        // address count too: on a first order, they are the only links.
        ctx.user = self.user_profile_linking(&order.user_id, Some(&order.id), ids.links());
        // When the store placed this order, if it has: its own counts are
        // taken back out of its products' and entities' profiles.
        let applied = self.orders.get(order.id.as_str()).filter(|s| s.order.is_some()).and_then(|s| s.placed_at);
        let own = applied.map(|at| (at, order));
        let mut starts = Starts::near(now);
        per_product(order, &self.products, |key, state, units| {
            let p = self.product_profile_at((key, state), now, applied.map(|at| (at, units)), &mut starts);
            ctx.products.insert(Arc::clone(key), Box::new(p));
        });
        ctx.entities.reserve_exact(ids.iter().count());
        ctx.entities.extend(ids.iter().map(|(kind, id)| self.entity_profile(kind, id, own, now, &mut starts)));
        ctx.stage = Some(self.stage(&order.id).unwrap_or(Stage::Placed));
        ctx
    }
}

impl ProfileRead for InMemoryStore {
    fn user_profile(&self, user_id: &str, exclude: Option<&str>) -> Result<Option<UserProfile>, StoreError> {
        Ok(InMemoryStore::user_profile(self, user_id, exclude))
    }
    fn product_profile(&self, product_id: &str) -> Result<Option<ProductProfile>, StoreError> {
        Ok(InMemoryStore::product_profile(self, product_id))
    }
    fn order(&self, order_id: &str) -> Result<Order, StoreError> {
        InMemoryStore::order(self, order_id).ok_or_else(|| StoreError::not_found("order", order_id))
    }
    fn stage(&self, order_id: &str) -> Result<Option<Stage>, StoreError> {
        Ok(InMemoryStore::stage(self, order_id))
    }
    fn context_for(&self, order: &Order, now: DateTime<Utc>, utc_offset: UtcOffset) -> Result<EvalContext, StoreError> {
        Ok(InMemoryStore::context_for(self, order, now, utc_offset))
    }
}

impl ProfileWrite for InMemoryStore {
    fn apply(&mut self, event: &Event) -> Result<Applied, StoreError> {
        Ok(InMemoryStore::apply(self, event))
    }
}

/// The kinds of record a store keeps, one record per buyer, product, order,
/// entity and link key: what a store that keeps its records outside the
/// process (the Redis store) reads and writes, one record at a time, and
/// folds with this store's own code.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Table {
    /// A buyer, by user id.
    User,
    /// A product, by product id.
    Product,
    /// An order's state (without the order as placed), by order id.
    Order,
    /// An entity profile, by `kind:key`.
    Entity,
    /// The accounts seen with a link key, by `kind:key`.
    Link,
}

/// An order's record: its state, and of the order as placed only the buyer
/// and the amount (what an event about the order and a context that leaves
/// it out read of it), so that reading an order's state reads none of its
/// lines. The order as placed is a record of its own, read when an
/// assessment or an event needs it whole.
#[derive(Serialize, Deserialize)]
struct OrderRecord {
    head: Option<OrderHead>,
    state: OrderState,
}

#[derive(Serialize, Deserialize)]
struct OrderHead {
    user: String,
    amount: Decimal,
}

impl OrderHead {
    fn of(o: &Placed) -> Self {
        OrderHead { user: o.user_id().to_string(), amount: o.payable_amount() }
    }

    /// The order as far as the head tells it: what profiles read of a past order.
    fn placed(self, id: &str, placed_at: Option<DateTime<Utc>>) -> Placed {
        Placed::copied(Order::new(id, self.user, placed_at.unwrap_or_default(), self.amount))
    }
}

/// What a store carries from one batch of events to the next when its records
/// live elsewhere: events held for being dated ahead, and the counters.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
#[derive(Debug, Clone, Default)]
pub(super) struct Carried {
    held: BTreeMap<(DateTime<Utc>, String), Event>,
    ahead_run: usize,
    ahead_until: Option<DateTime<Utc>>,
    too_late: u64,
    dropped: u64,
    ignored: u64,
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
impl Carried {
    /// The events held now.
    pub(super) fn held(&self) -> impl Iterator<Item = &Event> {
        self.held.values()
    }
    /// Events refused as too late, dropped and of unknown types.
    pub(super) fn counters(&self) -> (u64, u64, u64) {
        (self.too_late, self.dropped, self.ignored)
    }
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
impl InMemoryStore {
    /// An empty working store over records read from elsewhere, whose clock
    /// is `watermark` and which carries `carried` over from the last batch.
    pub(super) fn scratch(config: StoreConfig, watermark: Option<DateTime<Utc>>, carried: Carried) -> Self {
        let Carried { held, ahead_run, ahead_until, too_late, dropped, ignored } = carried;
        InMemoryStore {
            config,
            watermark,
            held,
            ahead_run,
            ahead_until,
            too_late,
            dropped,
            ignored,
            applied_log: Some(Vec::new()),
            ..Default::default()
        }
    }

    /// What the next batch carries over from this one.
    pub(super) fn carried(&self) -> Carried {
        Carried {
            held: self.held.clone(),
            ahead_run: self.ahead_run,
            ahead_until: self.ahead_until,
            too_late: self.too_late,
            dropped: self.dropped,
            ignored: self.ignored,
        }
    }

    /// Loads a record as [`InMemoryStore::record`] wrote it. A record whose
    /// time is behind the retention horizon is left out, as this store would
    /// have forgotten it; a buyer never is (buyers go by number, not age).
    pub(super) fn load(&mut self, table: Table, id: &str, json: &str) -> serde_json::Result<()> {
        let h = self.horizon();
        match table {
            Table::User => {
                let u: Box<UserState> = serde_json::from_str(json)?;
                let key = Key::from(id);
                self.user_expiry.enqueue(u.seen_at().unwrap_or_default(), &key);
                self.users.insert(key, u);
            }
            Table::Product => keep(&mut self.products, &mut self.product_expiry, h, id, serde_json::from_str(json)?),
            Table::Order => {
                let OrderRecord { head, mut state } = serde_json::from_str(json)?;
                state.order = head.map(|head| head.placed(id, state.placed_at));
                keep(&mut self.orders, &mut self.order_expiry, h, id, Box::new(state));
            }
            Table::Entity => keep(&mut self.entities, &mut self.entity_expiry, h, id, serde_json::from_str(json)?),
            Table::Link => keep(&mut self.links, &mut self.link_expiry, h, id, serde_json::from_str(json)?),
        }
        Ok(())
    }

    /// Puts the order as placed (read whole) in place of its head.
    pub(super) fn load_order_body(&mut self, id: &str, json: &str) -> serde_json::Result<()> {
        let order: Order = serde_json::from_str(json)?;
        if let Some(s) = self.orders.get_mut(id).filter(|s| s.order.is_some()) {
            s.order = Some(Placed::copied(order));
        }
        Ok(())
    }

    /// The record `id` of `table` as JSON, or `None` when the store does not hold it.
    pub(super) fn record(&self, table: Table, id: &str) -> Option<serde_json::Result<String>> {
        Some(match table {
            Table::User => serde_json::to_string(self.users.get(id)?),
            Table::Product => serde_json::to_string(self.products.get(id)?),
            Table::Entity => serde_json::to_string(self.entities.get(id)?),
            Table::Link => serde_json::to_string(self.links.get(id)?),
            Table::Order => {
                let s = self.orders.get(id)?;
                let head = s.order.as_ref().map(OrderHead::of);
                serde_json::to_string(&OrderRecord { head, state: OrderState { order: None, ..OrderState::clone(s) } })
            }
        })
    }

    /// The ids of every record of `table` the store holds.
    pub(super) fn ids(&self, table: Table) -> Vec<String> {
        match table {
            Table::User => self.users.keys().map(|k| k.to_string()).collect(),
            Table::Product => self.products.keys().map(|k| k.to_string()).collect(),
            Table::Order => self.orders.keys().map(|k| k.to_string()).collect(),
            Table::Entity => self.entities.keys().map(|k| k.to_string()).collect(),
            Table::Link => self.links.keys().map(|k| k.to_string()).collect(),
        }
    }

    /// A buyer's link keys when `adding` more could take it past as many as
    /// it keeps: a new one then forgets the oldest, which must be at hand to
    /// be unlinked.
    pub(super) fn link_keys_if_full(&self, user_id: &str, adding: usize) -> Vec<&str> {
        let full = self.users.get(user_id).filter(|u| u.link_keys.len().saturating_add(adding) > self.config.max_known);
        full.map(|u| u.link_keys.keys().map(|k| &**k).collect()).unwrap_or_default()
    }

    /// The buyer of a placed order the store holds.
    pub(super) fn order_buyer(&self, order_id: &str) -> Option<&str> {
        Some(self.orders.get(order_id)?.order.as_ref()?.user_id())
    }

    /// The products of a placed order the store holds whole (not only its
    /// head: see [`InMemoryStore::load_order_body`]).
    pub(super) fn order_products(&self, order_id: &str) -> Vec<&str> {
        let order = self.orders.get(order_id).and_then(|s| s.order.as_ref());
        order.map(|o| o.products().collect()).unwrap_or_default()
    }

    /// The ids of the events this working store applied.
    pub(super) fn applied(&self) -> &[String] {
        self.applied_log.as_deref().unwrap_or_default()
    }
}
