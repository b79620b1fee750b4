//! The Redis profile store (feature `redis`): see [`RedisStore`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ::redis::{Client, Connection, RedisError, Value};
use chrono::{DateTime, Utc};

use super::events::{Event, EventKind};
use super::memory::{Carried, InMemoryStore, StoreConfig, Table, login_link_key};
use super::store::{Applied, EntityIds, ProfileRead, ProfileWrite, StoreError, link_keys, link_kind};
use crate::context::{EvalContext, Stage};
use crate::model::{Order, ProductProfile, UserProfile};
use crate::time::{UtcOffset, Window};

/// How a host connects a [`RedisStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisConfig {
    /// The server: `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Prepended to every key (with the schema version), so several shops or
    /// environments share one server: `oa` by default.
    pub key_prefix: String,
    /// How long to wait for a connection (default 1 s).
    pub connect_timeout: Duration,
    /// How long to wait for a reply (default 1 s).
    pub io_timeout: Duration,
    /// Connections kept open, for reads from several threads at once
    /// (default 4; writes take `&mut self`, so one at a time).
    pub pool_size: usize,
    /// Retention, lateness and bounds, as for the in-memory store.
    pub store: StoreConfig,
    /// How long a buyer's record lives after it was last written (default
    /// 400 days).
    pub buyer_ttl: Window,
    /// How often a batch is read and folded again when other instances keep
    /// changing its records, before the batch fails (default 32).
    pub max_retries: usize,
}

impl RedisConfig {
    /// The defaults, against the server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            key_prefix: "oa".to_owned(),
            connect_timeout: Duration::from_secs(1),
            io_timeout: Duration::from_secs(1),
            pool_size: 4,
            store: StoreConfig::default(),
            buyer_ttl: Window::days(400),
            max_retries: 32,
        }
    }

    /// With keys under `prefix`.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// With the retention, lateness and bounds of `store`.
    pub fn with_store(mut self, store: StoreConfig) -> Self {
        self.store = store;
        self
    }

    /// With `timeout` for connecting and for each reply.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.io_timeout = timeout;
        self
    }

    /// With `n` connections (at least one).
    pub fn with_pool_size(mut self, n: usize) -> Self {
        self.pool_size = n;
        self
    }
}

/// The schema version in every key: a store that changes how it writes
/// records changes it, and reads nothing the old one wrote.
const SCHEMA: &str = "v3";

/// The read script: what `context_for` needs that other records name (the
/// buyer, whose record holds their recent orders, the accounts linked to
/// the buyer and their categories), read on the server in the same round
/// trip as the keys the order names.
///
/// ARGV: key base, buyer id (`''` for none), the number of the order's own
/// link ids and the ids. Returns the clock, then key and value of each
/// record found.
const READ_SCRIPT: &str = r#"
local p, user = ARGV[1], ARGV[2]
local clock = redis.call('GET', p .. 'clock')
local out = {clock or ''}
local function mget(keys, each)
  for i = 1, #keys, 256 do
    local chunk = {}
    for j = i, math.min(i + 255, #keys) do chunk[#chunk + 1] = keys[j] end
    local got = redis.call('MGET', unpack(chunk))
    for j = 1, #chunk do
      local v = got[j]
      if v then each(chunk[j], v) end
    end
  end
end
local function put(k, v) out[#out + 1] = k; out[#out + 1] = v end
-- The texts at position i of a decoded list of lists, skipping what is not
-- one: a record that does not parse is returned as it is, and the client
-- reports it.
local function texts(raw, field, i)
  local ok, v = pcall(cjson.decode, raw)
  if not ok or type(v) ~= 'table' then return {} end
  if field then v = v[field] end
  local got = {}
  if type(v) ~= 'table' then return got end
  for _, x in ipairs(v) do
    if type(x) == 'table' and type(x[i]) == 'string' then got[#got + 1] = x[i] end
  end
  return got
end
local links, seen = {}, {}
local function link(id)
  if not seen[id] then seen[id] = true; links[#links + 1] = p .. '{e:' .. id .. '}:links' end
end
local m = tonumber(ARGV[3])
for i = 1, m do link(ARGV[3 + i]) end
if user ~= '' then
  local key = p .. '{u:' .. user .. '}'
  local raw = redis.call('GET', key)
  if raw then
    put(key, raw)
    for _, k in ipairs(texts(raw, 'link_keys', 1)) do link(k) end
  end
end
local others, known = {}, {}
mget(links, function(k, v)
  put(k, v)
  for _, o in ipairs(texts(v, nil, 1)) do
    if o ~= user and not known[o] then
      known[o] = true
      others[#others + 1] = p .. '{u:' .. o .. '}'
    end
  end
end)
-- Of a linked account, only its categories are read.
mget(others, function(k, v)
  local ok, u = pcall(cjson.decode, v)
  if not ok or type(u) ~= 'table' then
    put(k, v)
  elseif type(u.categories) == 'table' and #u.categories > 0 then
    put(k, cjson.encode({categories = u.categories}))
  else
    put(k, '{}')
  end
end)
return out
"#;

/// Commits a batch: if every key read (the first ARGV[1] keys) still holds
/// what was read (ARGV[1 + i], or `\0` for nothing) and no event id the
/// batch applies is in its hour's set (ops `N`), applies the writes (the
/// other keys, with ops from ARGV: `S` value ttl-ms, `D`, `A` ttl ids: add
/// to a set, `C` value: the clock, set unless already later, as clock
/// values sort as text in time order) and returns 1; otherwise writes
/// nothing and returns 0.
/// Unlike `WATCH`, whose cost grows with the square of the keys watched on
/// Redis 7.0, this costs one `MGET` per 512 keys read (Lua compares interned
/// strings by reference: sending the values back costs bytes, not time).
const COMMIT_SCRIPT: &str = r#"
local n = tonumber(ARGV[1])
for i = 1, n, 512 do
  local last = math.min(i + 511, n)
  local got = redis.call('MGET', unpack(KEYS, i, last))
  for j = i, last do
    if (got[j - i + 1] or '\0') ~= ARGV[1 + j] then return 0 end
  end
end
-- Checks come before writes: an abort writes nothing.
local a = n + 2
for k = n + 1, #KEYS do
  local op = ARGV[a]
  if op == 'N' then
    local c = tonumber(ARGV[a + 1])
    for i = a + 2, a + 1 + c, 512 do
      local found = redis.call('SMISMEMBER', KEYS[k], unpack(ARGV, i, math.min(i + 511, a + 1 + c)))
      for _, f in ipairs(found) do
        if f == 1 then return 0 end
      end
    end
    a = a + 2 + c
  elseif op == 'S' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2])
    a = a + 3
  elseif op == 'D' then
    redis.call('DEL', KEYS[k])
    a = a + 1
  elseif op == 'A' then
    local c = tonumber(ARGV[a + 2])
    for i = a + 3, a + 2 + c, 512 do
      redis.call('SADD', KEYS[k], unpack(ARGV, i, math.min(i + 511, a + 2 + c)))
    end
    redis.call('PEXPIRE', KEYS[k], ARGV[a + 1])
    a = a + 3 + c
  else
    local c = redis.call('GET', KEYS[k])
    if (not c) or c < ARGV[a + 1] then redis.call('SET', KEYS[k], ARGV[a + 1]) end
    a = a + 2
  end
end
return 1
"#;

/// Which of the given ids each set holds. KEYS: the sets; ARGV: per set,
/// the number of ids, then the ids. Returns per set a list of 0 and 1.
const MEMBERS_SCRIPT: &str = r#"
local out, a = {}, 1
for k = 1, #KEYS do
  local c = tonumber(ARGV[a])
  local found = {}
  for i = a + 1, a + c, 512 do
    local got = redis.call('SMISMEMBER', KEYS[k], unpack(ARGV, i, math.min(i + 511, a + c)))
    for _, f in ipairs(got) do found[#found + 1] = f end
  end
  out[k] = found
  a = a + 1 + c
end
return out
"#;

/// A profile store in Redis: every instance of an OMS reads and writes one
/// history.
///
/// **Layout.** One Redis string per record, holding the record as JSON, with
/// a TTL: a buyer (`{prefix}:v3:{u:ID}`), a product (`{p:ID}`), an order's
/// state (`{o:ID}`, with the buyer and amount of the order) and the order as
/// placed (`{o:ID}:body`), an entity profile (`{e:KIND:KEY}`) and
/// the accounts seen with it (`{e:KIND:KEY}:links`), the ids of the events
/// applied, a set per hour they happened in (`{x:HOUR}`), and the store's
/// clock (`clock`). The braces are Redis Cluster hash tags: an entity's keys,
/// and an order's, share one slot.
///
/// **One fold.** A batch of events reads the records it touches, folds the
/// events in with the in-memory store's own code, and writes back what
/// changed, so both stores give the same profiles from the same events
/// (the [conformance suite](super::conformance) runs against both).
///
/// **Atomic.** A batch writes through one Lua script that first checks that
/// every record and event id the batch read still holds what it read, and
/// writes nothing otherwise: when another instance changed one
/// in between, the batch is read and folded again (optimistic concurrency,
/// as `WATCH`/`MULTI` would give, without `WATCH`'s cost on many keys). An
/// event id one instance applied is a duplicate to all.
///
/// **Round trips.** A batch of events costs two (read, write); three when an
/// event names an order whose buyer it did not name itself (a payment), four
/// when an order is confirmed abnormal (its lines, then its products).
/// `context_for` costs one: a pipelined `MGET` of the keys the order names
/// (its state, products and entities) and a Lua script that reads, on the
/// server, the buyer, their recent orders, the accounts linked through their
/// keys and the order's own, and the linked accounts' categories.
/// [`ProfileRead::contexts_for`] reads several orders in one round trip.
///
/// **Failure.** A timeout, a refused or lost connection, or a record that
/// does not parse is [`StoreError::Unavailable`], never an empty profile;
/// the connection is dropped and the next call connects again, so the store
/// recovers when Redis does.
///
/// **Retention.** Records expire by TTL (no sweeps): a buyer
/// [`RedisConfig::buyer_ttl`] after it was last written (400 days by
/// default: a buyer's lifetime counters should outlive a quiet month),
/// everything else after the retention window plus the lateness window.
/// Reads leave out what is behind the store's retention horizon, as the
/// in-memory store forgets it.
///
/// **Not shared.** Events dated too far ahead are held by the instance that
/// received them, and the counters of late, dropped and unknown events are
/// per instance. The bound on orders not yet placed applies per batch; the
/// TTLs bound the rest.
///
/// **Cluster.** Keys carry hash tags, but a batch's transaction and the read
/// script span many slots: as written the store runs against one Redis
/// server (or a primary with replicas), not Redis Cluster.
///
/// ```no_run
/// use order_anomaly::profile::{ProfileRead, ProfileWrite, RedisConfig, RedisStore};
/// # fn run(events: &[order_anomaly::profile::Event], order: &order_anomaly::Order) -> Result<(), Box<dyn std::error::Error>> {
/// let mut store = RedisStore::open(RedisConfig::new("redis://127.0.0.1:6379").with_key_prefix("shop-1"))?;
/// store.apply_batch(events)?;
/// let ctx = store.context_or_unavailable(order, order.created_at, order_anomaly::UtcOffset::china());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisStore {
    config: RedisConfig,
    client: Client,
    keys: Keys,
    pool: Vec<Mutex<Option<Conn>>>,
    /// Held events and counters, from one batch to the next.
    carried: Carried,
}

/// A connection and the digests of the scripts loaded on its server.
struct Conn {
    con: Connection,
    read: String,
    commit: String,
    members: String,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Conn")
    }
}

impl RedisStore {
    /// A store on the server `config.url`. Only the URL is checked here: the
    /// store connects when first used, and again after a connection is lost.
    pub fn open(config: RedisConfig) -> Result<Self, StoreError> {
        let client = Client::open(config.url.as_str())
            .map_err(|e| StoreError::unavailable(format!("redis: bad URL ({})", e.category())))?;
        let keys = Keys { base: format!("{}:{SCHEMA}:", config.key_prefix) };
        let pool = (0..config.pool_size.max(1)).map(|_| Mutex::new(None)).collect();
        Ok(RedisStore { config, client, keys, pool, carried: Carried::default() })
    }

    /// Whether the server answers now.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|c| ::redis::cmd("PING").query::<String>(&mut c.con).map(drop))
    }

    /// Events refused as too late by this instance so far.
    pub fn too_late(&self) -> u64 {
        self.carried.counters().0
    }

    /// Events dropped by this instance so far.
    pub fn dropped(&self) -> u64 {
        self.carried.counters().1
    }

    /// Events of unknown types this instance skipped so far.
    pub fn ignored(&self) -> u64 {
        self.carried.counters().2
    }

    /// Events this instance holds, dated too far ahead.
    pub fn held(&self) -> usize {
        self.carried.held().count()
    }

    /// Runs `f` on a pooled connection (connecting first if need be). An
    /// error drops the connection: the next call connects again.
    fn with_conn<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, RedisError>) -> Result<T, StoreError> {
        let Some(mut slot) = self.slot() else { return Err(StoreError::unavailable("redis: no connection")) };
        if slot.is_none() {
            *slot = Some(self.connect().map_err(|e| unavailable(&e))?);
        }
        let Some(conn) = slot.as_mut() else { return Err(StoreError::unavailable("redis: no connection")) };
        f(conn).map_err(|e| {
            *slot = None;
            unavailable(&e)
        })
    }

    /// A free connection slot, or the first one when all are busy (`open`
    /// makes at least one).
    fn slot(&self) -> Option<MutexGuard<'_, Option<Conn>>> {
        if let Some(free) = self.pool.iter().find_map(|m| m.try_lock().ok()) {
            return Some(free);
        }
        // A poisoned slot only means a panic elsewhere mid-call: the
        // connection may be mid-reply, so it is dropped.
        self.pool.first().map(|m| {
            m.lock().unwrap_or_else(|p: PoisonError<_>| {
                let mut g = p.into_inner();
                *g = None;
                g
            })
        })
    }

    fn connect(&self) -> Result<Conn, RedisError> {
        let mut con = self.client.get_connection_with_timeout(self.config.connect_timeout)?;
        con.set_read_timeout(Some(self.config.io_timeout))?;
        con.set_write_timeout(Some(self.config.io_timeout))?;
        let read = ::redis::cmd("SCRIPT").arg("LOAD").arg(READ_SCRIPT).query(&mut con)?;
        let commit = ::redis::cmd("SCRIPT").arg("LOAD").arg(COMMIT_SCRIPT).query(&mut con)?;
        let members = ::redis::cmd("SCRIPT").arg("LOAD").arg(MEMBERS_SCRIPT).query(&mut con)?;
        Ok(Conn { con, read, commit, members })
    }

    /// TTLs in milliseconds: of a buyer, and of every other record.
    fn ttls(&self) -> (u64, u64) {
        let ms = |w: Window| u64::try_from(w.duration().num_milliseconds()).unwrap_or(u64::MAX).max(1_000);
        let retention = self.config.store.retention.duration().checked_add(&self.config.store.lateness.duration());
        let other = retention.map_or(u64::MAX, |d| u64::try_from(d.num_milliseconds()).unwrap_or(u64::MAX));
        (ms(self.config.buyer_ttl), other.max(1_000))
    }

    /// How long an applied event id is remembered: its lateness window
    /// twice over, and at least an hour.
    fn seen_ttl(&self) -> u64 {
        let lateness = u64::try_from(self.config.store.lateness.duration().num_milliseconds()).unwrap_or(0);
        lateness.saturating_mul(2).max(3_600_000)
    }

    /// The read script's arguments for one read.
    fn read_args(&self, user: Option<&str>, link_ids: &[String]) -> Vec<String> {
        let mut args = Vec::with_capacity(link_ids.len().saturating_add(3));
        args.push(self.keys.base.clone());
        args.push(user.unwrap_or_default().to_owned());
        args.push(link_ids.len().to_string());
        args.extend(link_ids.iter().cloned());
        args
    }

    /// A working store holding what one read returned: the values of its
    /// direct keys, and what the read script returned.
    fn scratch_from(
        &self,
        direct: &[String],
        values: Vec<Option<String>>,
        script: Vec<Value>,
    ) -> Result<InMemoryStore, StoreError> {
        let mut script = script.into_iter();
        let clock = script.next().and_then(|v| text(v).ok()).and_then(|c| decode_clock(&c));
        let mut scratch = InMemoryStore::scratch(self.config.store, clock, Carried::default());
        let mut records = Vec::new();
        while let (Some(k), Some(v)) = (script.next(), script.next()) {
            records.push((text(k)?, text(v)?));
        }
        let mut bodies = Vec::new();
        let found = direct.iter().zip(values).filter_map(|(k, v)| Some((k.as_str(), v?)));
        for (key, value) in found.chain(records.iter_mut().map(|(k, v)| (k.as_str(), std::mem::take(v)))) {
            match self.keys.parse(key) {
                Some(Kind::Record(table, id)) => load(&mut scratch, table, id, &value)?,
                Some(Kind::Body(id)) => bodies.push((id.to_owned(), value)),
                None => {}
            }
        }
        for (id, body) in bodies {
            scratch.load_order_body(&id, &body).map_err(|e| bad_record("order", &e))?;
        }
        Ok(scratch)
    }

    /// Reads, in one round trip for them all, and returns a working store
    /// per read. The keys a read names are read by `MGET` (Redis's own, far
    /// faster than a script's on many keys); those found through other
    /// records by the read script, in the same round trip.
    fn read(&self, reads: &[Read]) -> Result<Vec<InMemoryStore>, StoreError> {
        let replies: Vec<(Vec<Option<String>>, Vec<Value>)> = self.with_conn(|c| {
            let mut pipe = ::redis::pipe();
            for r in reads {
                mget(&mut pipe, &r.direct);
                pipe.cmd("EVALSHA").arg(&c.read).arg(0).arg(self.read_args(r.user, &r.links));
            }
            let flat: Vec<Value> = pipe.query(&mut c.con)?;
            let mut flat = flat.into_iter();
            let mut pairs = Vec::with_capacity(reads.len());
            while let (Some(values), Some(script)) = (flat.next(), flat.next()) {
                pairs.push((::redis::from_redis_value(values)?, ::redis::from_redis_value(script)?));
            }
            Ok(pairs)
        })?;
        reads.iter().zip(replies).map(|(r, (values, script))| self.scratch_from(&r.direct, values, script)).collect()
    }

    /// What `context_for` reads for `order`.
    fn context_read<'o>(&self, order: &'o Order) -> Read<'o> {
        let mut direct = vec![self.keys.record(Table::Order, &order.id)];
        for item in &order.items {
            direct.push(self.keys.record(Table::Product, &item.product_id));
        }
        for (_, id) in EntityIds::of(order).iter() {
            direct.push(self.keys.record(Table::Entity, id));
        }
        let links = link_keys(order).into_iter().map(|(_, k)| k).collect();
        Read { user: Some(&order.user_id), direct, links }
    }

    /// Folds `events` in: `Ok(None)` when another instance changed what the
    /// batch read before it wrote (the caller tries again).
    fn try_apply(&mut self, events: &[Event]) -> Result<Option<Vec<Applied>>, StoreError> {
        let carried = self.carried.clone();
        // Held events may be released by this batch: their records too.
        let held: Vec<Event> = carried.held().cloned().collect();
        let all: Vec<&Event> = held.iter().chain(events).collect();
        let mut wanted = BTreeSet::new();
        for e in &all {
            touches(e, &mut wanted);
        }
        // Event ids by the hour they happened in: one set per hour.
        let mut buckets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            buckets.entry(self.keys.seen(e.at)).or_default().push(i);
        }
        let keys: Vec<String> = wanted.iter().map(|(t, id)| self.keys.record(*t, id)).collect();
        let (ttl_buyer, ttl) = self.ttls();
        let seen_ttl = self.seen_ttl();
        let config = self.config.store;
        let clock_key = self.keys.clock();
        let keys_ref = &self.keys;
        let outcome = self.with_conn(|c| {
            let (clock, records, members): (Option<String>, Vec<Option<String>>, Vec<Vec<bool>>) = {
                let mut pipe = ::redis::pipe();
                pipe.cmd("GET").arg(&clock_key);
                mget(&mut pipe, &keys);
                pipe.cmd("EVALSHA").arg(&c.members).arg(buckets.len()).arg(buckets.keys().collect::<Vec<_>>());
                for ids in buckets.values() {
                    pipe.arg(ids.len())
                        .arg(ids.iter().filter_map(|i| events.get(*i)).map(|e| &e.id).collect::<Vec<_>>());
                }
                pipe.query(&mut c.con)?
            };
            let mut seen = vec![false; events.len()];
            for (ids, found) in buckets.values().zip(&members) {
                for (i, f) in ids.iter().zip(found) {
                    if let Some(s) = seen.get_mut(*i) {
                        *s = *f;
                    }
                }
            }
            let mut scratch = InMemoryStore::scratch(config, clock.as_deref().and_then(decode_clock), carried);
            let mut commit = Commit::default();
            // None of the ids this batch applies may have been applied since.
            for (key, ids) in &buckets {
                let fresh = ids.iter().filter(|i| !seen.get(**i).copied().unwrap_or(true));
                commit.absent(key, fresh.filter_map(|i| events.get(*i)).map(|e| e.id.clone()).collect());
            }
            // What was read, in order (the commit checks it), and where each key is.
            let mut reads: Vec<(String, Option<String>)> = Vec::with_capacity(keys.len());
            let mut bad = None;
            for ((key, (table, id)), value) in keys.into_iter().zip(&wanted).zip(records) {
                if let Some(v) = &value {
                    if let Err(e) = load(&mut scratch, *table, id, v) {
                        bad = Some(e);
                    }
                }
                reads.push((key, value));
            }
            // Second read: the buyer of an order paid, cancelled or returned
            // (their record shows their recent orders' cancellations and
            // returns), the order as placed of an order confirmed abnormal,
            // when the batch did not name them, and the link keys of a buyer
            // that keeps as many as it may (a new one unlinks the oldest);
            // third: that order's products.
            let placed_here: BTreeSet<&str> = all
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::OrderPlaced { order } => Some(order.id.as_str()),
                    _ => None,
                })
                .collect();
            let mut more = BTreeSet::new();
            let mut bodies = BTreeSet::new();
            // Link keys a buyer may add in this batch, at most.
            let mut adding: HashMap<&str, usize> = HashMap::new();
            for e in &all {
                match &e.kind {
                    EventKind::Paid { order_id, .. }
                    | EventKind::Cancelled { order_id }
                    | EventKind::Returned { order_id, .. } => {
                        if let Some(user) = scratch.order_buyer(order_id) {
                            more.insert((Table::User, user.to_owned()));
                        }
                    }
                    EventKind::ConfirmedAbnormal { order_id }
                        if scratch.order_buyer(order_id).is_some() && !placed_here.contains(order_id.as_str()) =>
                    {
                        bodies.insert(order_id.clone());
                    }
                    EventKind::OrderPlaced { order } => {
                        let links = EntityIds::of(order).iter().filter(|(kind, _)| link_kind(*kind).is_some()).count();
                        let n = adding.entry(order.user_id.as_str()).or_insert(0usize);
                        *n = n.saturating_add(links);
                    }
                    EventKind::Login { user_id, .. } => {
                        let n = adding.entry(user_id.as_str()).or_insert(0usize);
                        *n = n.saturating_add(1);
                    }
                    _ => {}
                }
            }
            for (user, n) in adding {
                more.extend(scratch.link_keys_if_full(user, n).into_iter().map(|k| (Table::Link, k.to_owned())));
            }
            if !bodies.is_empty() {
                let body_keys: Vec<String> = bodies.iter().map(|id| keys_ref.body(id)).collect();
                let values: Vec<Option<String>> = ::redis::cmd("MGET").arg(&body_keys).query(&mut c.con)?;
                for (id, value) in bodies.iter().zip(values) {
                    if let Some(v) = value {
                        if let Err(e) = scratch.load_order_body(id, &v) {
                            bad = Some(bad_record("order", &e));
                        }
                    }
                    more.extend(scratch.order_products(id).into_iter().map(|p| (Table::Product, p.to_owned())));
                }
            }
            let more: Vec<(Table, String)> = more.into_iter().filter(|k| !wanted.contains(k)).collect();
            if !more.is_empty() {
                let more_keys: Vec<String> = more.iter().map(|(t, id)| keys_ref.record(*t, id)).collect();
                let values: Vec<Option<String>> = ::redis::cmd("MGET").arg(&more_keys).query(&mut c.con)?;
                for ((key, (table, id)), value) in more_keys.into_iter().zip(&more).zip(values) {
                    if let Some(v) = &value {
                        if let Err(e) = load(&mut scratch, *table, id, v) {
                            bad = Some(e);
                        }
                    }
                    reads.push((key, value));
                }
            }
            if let Some(e) = bad {
                return Ok(Err(e));
            }
            let results: Vec<Applied> = events
                .iter()
                .zip(&seen)
                .map(
                    |(e, seen)| {
                        if e.kind != EventKind::Unknown && *seen { Applied::Duplicate } else { scratch.apply(e) }
                    },
                )
                .collect();
            let position: HashMap<&str, usize> = reads.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i)).collect();
            // Read and still held (unchanged or written), by position.
            let mut held = vec![false; reads.len()];
            for table in [Table::User, Table::Product, Table::Order, Table::Entity, Table::Link] {
                for id in scratch.ids(table) {
                    let key = keys_ref.record(table, &id);
                    let Some(json) = scratch.record(table, &id) else { continue };
                    let json = match json {
                        Ok(j) => j,
                        Err(e) => return Ok(Err(bad_record("record", &e))),
                    };
                    let read = position.get(key.as_str()).copied();
                    if let Some(slot) = read.and_then(|i| held.get_mut(i)) {
                        *slot = true;
                    }
                    if read.and_then(|i| reads.get(i)).and_then(|(_, v)| v.as_deref()) != Some(json.as_str()) {
                        commit.set(key, json, if table == Table::User { ttl_buyer } else { ttl });
                    }
                }
            }
            drop(position);
            for ((key, value), held) in reads.into_iter().zip(held) {
                // Read, and no longer held: forgotten (an order past its
                // buyer's bound, a record behind the horizon).
                if value.is_some() && !held {
                    commit.delete(key.clone());
                }
                commit.read(key, value);
            }
            let applied: std::collections::HashSet<&str> = scratch.applied().iter().map(String::as_str).collect();
            let mut applied_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for e in all.iter().filter(|e| applied.contains(e.id.as_str())) {
                applied_ids.entry(keys_ref.seen(e.at)).or_default().push(e.id.clone());
            }
            for (key, ids) in applied_ids {
                commit.add(key, ids, seen_ttl);
            }
            for e in all.iter().filter(|e| applied.contains(e.id.as_str())) {
                if let EventKind::OrderPlaced { order } = &e.kind {
                    match serde_json::to_string(&**order) {
                        Ok(body) => commit.set(keys_ref.body(&order.id), body, ttl),
                        Err(e) => return Ok(Err(bad_record("order", &e))),
                    };
                }
            }
            if let Some(w) = scratch.watermark() {
                commit.clock(clock_key.clone(), encode_clock(w));
            }
            let (keys, args) = commit.into_script();
            let done: i64 =
                ::redis::cmd("EVALSHA").arg(&c.commit).arg(keys.len()).arg(keys).arg(args).query(&mut c.con)?;
            Ok(Ok((done == 1).then(|| (results, scratch.carried()))))
        })??;
        Ok(outcome.map(|(results, carried)| {
            self.carried = carried;
            results
        }))
    }
}

/// The writes of one batch, for the commit script: the keys the batch read
/// with what it read, the event ids it applies (none may have been applied
/// since), then the writes.
#[derive(Default)]
struct Commit {
    /// Key and value read (`NOTHING` for nothing).
    reads: Vec<(String, String)>,
    /// Ops and their keys: `N` count ids (check none is in the set), `S`
    /// value ttl, `D`, `C` value (the clock), `A` ttl count ids (add to a set).
    checks: Vec<(String, Vec<String>)>,
    writes: Vec<(String, Vec<String>)>,
}

impl Commit {
    fn read(&mut self, key: String, value: Option<String>) {
        self.reads.push((key, value.unwrap_or_else(|| NOTHING.to_owned())));
    }
    fn absent(&mut self, key: &str, ids: Vec<String>) {
        if !ids.is_empty() {
            let mut op = vec!["N".to_owned(), ids.len().to_string()];
            op.extend(ids);
            self.checks.push((key.to_owned(), op));
        }
    }
    fn set(&mut self, key: String, value: String, ttl_ms: u64) {
        self.writes.push((key, vec!["S".to_owned(), value, ttl_ms.to_string()]));
    }
    fn delete(&mut self, key: String) {
        self.writes.push((key, vec!["D".to_owned()]));
    }
    fn clock(&mut self, key: String, value: String) {
        self.writes.push((key, vec!["C".to_owned(), value]));
    }
    fn add(&mut self, key: String, ids: Vec<String>, ttl_ms: u64) {
        let mut op = vec!["A".to_owned(), ttl_ms.to_string(), ids.len().to_string()];
        op.extend(ids);
        self.writes.push((key, op));
    }
    /// The script's KEYS and ARGV: the number of keys read, what each held,
    /// then one op per further key (checks before writes).
    fn into_script(self) -> (Vec<String>, Vec<String>) {
        let mut keys =
            Vec::with_capacity(self.reads.len().saturating_add(self.checks.len()).saturating_add(self.writes.len()));
        let mut args = vec![self.reads.len().to_string()];
        for (k, v) in self.reads {
            keys.push(k);
            args.push(v);
        }
        for (k, op) in self.checks.into_iter().chain(self.writes) {
            keys.push(k);
            args.extend(op);
        }
        (keys, args)
    }
}

/// What the commit script reads for a key that held nothing (no record or
/// event id is a lone NUL).
const NOTHING: &str = "\0";

/// One read of the read script.
struct Read<'a> {
    user: Option<&'a str>,
    direct: Vec<String>,
    links: Vec<String>,
}

/// Adds an `MGET` of `keys` to `pipe` (an empty one when there are none,
/// which Redis refuses, is replaced by an empty list).
fn mget(pipe: &mut ::redis::Pipeline, keys: &[String]) {
    if keys.is_empty() {
        // Always an empty array: keeps the reply's shape.
        pipe.cmd("LRANGE").arg("oa:none").arg(0).arg(-1);
    } else {
        pipe.cmd("MGET").arg(keys);
    }
}

/// The records an event reads and writes, as far as the event itself names
/// them.
fn touches(e: &Event, out: &mut BTreeSet<(Table, String)>) {
    if let Some(o) = e.kind.order_id() {
        out.insert((Table::Order, o.to_owned()));
    }
    match &e.kind {
        EventKind::OrderPlaced { order } => {
            out.insert((Table::User, order.user_id.clone()));
            out.extend(order.items.iter().map(|i| (Table::Product, i.product_id.clone())));
            for (kind, id) in EntityIds::of(order).iter() {
                if link_kind(kind).is_some() {
                    out.insert((Table::Link, id.to_string()));
                }
                out.insert((Table::Entity, id.to_string()));
            }
        }
        EventKind::Complaint { user_id, product_id, .. } => {
            out.insert((Table::User, user_id.clone()));
            out.extend(product_id.iter().map(|p| (Table::Product, p.clone())));
        }
        EventKind::AddressChanged { user_id, .. } => {
            out.insert((Table::User, user_id.clone()));
        }
        EventKind::Login { user_id, device_id, .. } => {
            out.insert((Table::User, user_id.clone()));
            out.extend(login_link_key(device_id.as_deref()).map(|k| (Table::Link, k)));
        }
        EventKind::StockLevel { product_id, .. } => {
            out.insert((Table::Product, product_id.clone()));
        }
        _ => {}
    }
}

/// The store's key names.
#[derive(Debug, Clone)]
struct Keys {
    /// `{prefix}:v3:`
    base: String,
}

/// What a key holds.
enum Kind<'k> {
    Record(Table, &'k str),
    Body(&'k str),
}

impl Keys {
    fn record(&self, table: Table, id: &str) -> String {
        let (tag, suffix) = match table {
            Table::User => ("u", ""),
            Table::Product => ("p", ""),
            Table::Order => ("o", ""),
            Table::Entity => ("e", ""),
            Table::Link => ("e", ":links"),
        };
        format!("{}{{{tag}:{id}}}{suffix}", self.base)
    }
    fn body(&self, order_id: &str) -> String {
        format!("{}{{o:{order_id}}}:body", self.base)
    }
    /// The set of the ids of the events applied that happened in the hour of `at`.
    fn seen(&self, at: DateTime<Utc>) -> String {
        format!("{}{{x:{}}}", self.base, at.timestamp().div_euclid(3_600))
    }
    fn clock(&self) -> String {
        format!("{}clock", self.base)
    }
    /// What `key` (one this store wrote) holds.
    fn parse<'k>(&self, key: &'k str) -> Option<Kind<'k>> {
        let rest = key.strip_prefix(self.base.as_str())?;
        if let Some(rest) = rest.strip_suffix("}:links") {
            return Some(Kind::Record(Table::Link, rest.strip_prefix("{e:")?));
        }
        if let Some(rest) = rest.strip_suffix("}:body") {
            return Some(Kind::Body(rest.strip_prefix("{o:")?));
        }
        let rest = rest.strip_suffix('}')?;
        let table = match rest.get(..3)? {
            "{u:" => Table::User,
            "{p:" => Table::Product,
            "{o:" => Table::Order,
            "{e:" => Table::Entity,
            _ => return None,
        };
        Some(Kind::Record(table, rest.get(3..)?))
    }
}

/// The clock as text that sorts in time order: seconds since the epoch
/// offset to be positive, then nanoseconds, both zero-padded.
fn encode_clock(t: DateTime<Utc>) -> String {
    let secs = t.timestamp().wrapping_sub(i64::MIN) as u64;
    format!("{secs:020}.{:09}", t.timestamp_subsec_nanos())
}

fn decode_clock(s: &str) -> Option<DateTime<Utc>> {
    let (secs, nanos) = s.split_once('.')?;
    let secs = secs.parse::<u64>().ok()?.wrapping_add(i64::MIN as u64) as i64;
    DateTime::from_timestamp(secs, nanos.parse().ok()?)
}

fn load(scratch: &mut InMemoryStore, table: Table, id: &str, json: &str) -> Result<(), StoreError> {
    scratch.load(table, id, json).map_err(|e| bad_record(table_name(table), &e))
}

fn table_name(table: Table) -> &'static str {
    match table {
        Table::User => "buyer",
        Table::Product => "product",
        Table::Order => "order",
        Table::Entity => "entity",
        Table::Link => "link",
    }
}

/// A record that does not parse: named by kind and position, not by content
/// (records hold personal data).
fn bad_record(what: &str, e: &serde_json::Error) -> StoreError {
    StoreError::unavailable(format!(
        "redis: a {what} record does not parse ({:?} error at line {} column {})",
        e.classify(),
        e.line(),
        e.column()
    ))
}

/// A reply as text.
fn text(v: Value) -> Result<String, StoreError> {
    match v {
        Value::BulkString(b) => {
            String::from_utf8(b).map_err(|_| StoreError::unavailable("redis: a reply is not UTF-8"))
        }
        Value::SimpleString(s) => Ok(s),
        _ => Err(StoreError::unavailable("redis: an unexpected reply")),
    }
}

/// A Redis error as the store's: what went wrong, without the server's
/// address or any key (keys hold ids).
fn unavailable(e: &RedisError) -> StoreError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connection_refusal() {
        "connection refused"
    } else if e.is_connection_dropped() {
        "connection lost"
    } else {
        e.category()
    };
    StoreError::unavailable(format!("redis: {what}"))
}

impl ProfileRead for RedisStore {
    fn user_profile(&self, user_id: &str, exclude: Option<&str>) -> Result<Option<UserProfile>, StoreError> {
        let direct = exclude.map(|o| self.keys.record(Table::Order, o)).into_iter().collect();
        let scratch = self.read(&[Read { user: Some(user_id), direct, links: Vec::new() }])?;
        Ok(scratch.first().and_then(|s| s.user_profile(user_id, exclude)))
    }

    fn product_profile(&self, product_id: &str) -> Result<Option<ProductProfile>, StoreError> {
        let direct = vec![self.keys.record(Table::Product, product_id)];
        let scratch = self.read(&[Read { user: None, direct, links: Vec::new() }])?;
        Ok(scratch.first().and_then(|s| s.product_profile(product_id)))
    }

    fn order(&self, order_id: &str) -> Result<Order, StoreError> {
        let direct = vec![self.keys.record(Table::Order, order_id), self.keys.body(order_id)];
        let scratch = self.read(&[Read { user: None, direct, links: Vec::new() }])?;
        scratch.first().and_then(|s| s.order(order_id)).ok_or_else(|| StoreError::not_found("order", order_id))
    }

    fn stage(&self, order_id: &str) -> Result<Option<Stage>, StoreError> {
        let direct = vec![self.keys.record(Table::Order, order_id)];
        let scratch = self.read(&[Read { user: None, direct, links: Vec::new() }])?;
        Ok(scratch.first().and_then(|s| s.stage(order_id)))
    }

    fn context_for(&self, order: &Order, now: DateTime<Utc>, utc_offset: UtcOffset) -> Result<EvalContext, StoreError> {
        let scratch = self.read(&[self.context_read(order)])?;
        scratch
            .first()
            .map(|s| s.context_for(order, now, utc_offset))
            .ok_or_else(|| StoreError::unavailable("redis: an unexpected reply"))
    }

    fn contexts_for(
        &self,
        orders: &[&Order],
        now: DateTime<Utc>,
        utc_offset: UtcOffset,
    ) -> Vec<Result<EvalContext, StoreError>> {
        let reads: Vec<Read> = orders.iter().map(|o| self.context_read(o)).collect();
        match self.read(&reads) {
            Ok(scratch) => scratch.iter().zip(orders).map(|(s, o)| Ok(s.context_for(o, now, utc_offset))).collect(),
            Err(e) => orders.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

impl ProfileWrite for RedisStore {
    fn apply(&mut self, event: &Event) -> Result<Applied, StoreError> {
        let mut r = self.apply_batch(std::slice::from_ref(event))?;
        r.pop().ok_or_else(|| StoreError::unavailable("redis: an unexpected reply"))
    }

    /// Folds `events` in, in two or three round trips; when another
    /// instance wrote a record this batch read in the meantime, the batch
    /// is read and folded again (at most [`RedisConfig::max_retries`] times).
    fn apply_batch(&mut self, events: &[Event]) -> Result<Vec<Applied>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        for _ in 0..=self.config.max_retries {
            if let Some(results) = self.try_apply(events)? {
                return Ok(results);
            }
        }
        Err(StoreError::unavailable("redis: other instances kept changing the same records"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_sorts_as_text_in_time_order() {
        let times = [
            DateTime::<Utc>::MIN_UTC,
            DateTime::from_timestamp(-1, 999_999_999).unwrap(),
            DateTime::from_timestamp(0, 0).unwrap(),
            DateTime::from_timestamp(0, 1).unwrap(),
            DateTime::from_timestamp(1_700_000_000, 5).unwrap(),
            DateTime::<Utc>::MAX_UTC,
        ];
        let texts: Vec<String> = times.iter().map(|t| encode_clock(*t)).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
        for (t, s) in times.iter().zip(&texts) {
            assert_eq!(decode_clock(s), Some(*t));
        }
    }

    #[test]
    fn keys_parse_back_to_what_they_hold() {
        let keys = Keys { base: "oa:v1:".into() };
        for table in [Table::User, Table::Product, Table::Order, Table::Entity, Table::Link] {
            let k = keys.record(table, "a}b:c");
            match keys.parse(&k) {
                Some(Kind::Record(t, id)) => assert_eq!((t, id), (table, "a}b:c")),
                _ => panic!("{k} does not parse"),
            }
        }
        assert!(matches!(keys.parse(&keys.body("o-1")), Some(Kind::Body("o-1"))));
        assert!(keys.parse("other:v1:{u:x}").is_none());
    }
}
