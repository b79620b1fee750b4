//! The Redis profile store against a real `redis-server` (feature `redis`).
//!
//! Each test starts its own server on a free loopback port with a temporary
//! directory and stops it at the end: install the Debian package
//! `redis-server` and run `cargo test --features redis`.
#![cfg(feature = "redis")]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use order_anomaly::model::{ComplaintType, LineItem, Payment};
use order_anomaly::profile::{
    Applied, Event, EventKind, InMemoryStore, ProfileRead, ProfileWrite, RedisConfig, RedisStore, StoreConfig,
    StoreError, conformance,
};
use order_anomaly::{Engine, Order, UtcOffset, Window, ids};
use rust_decimal::Decimal;

#[path = "../benches/support/history.rs"]
mod history;

/// A `redis-server` of the test's own, stopped when dropped.
struct Server {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Server {
    /// A server on a port the system called free. Another process may take
    /// that port between the question and the server's start (the test
    /// binaries run at once): the server then fails to bind, and another
    /// port is tried.
    fn start() -> Server {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("order-anomaly-redis-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut s = Server { child: None, port: 0, dir };
        for _ in 0..20 {
            s.port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
            if s.try_run() {
                return s;
            }
        }
        panic!("redis-server found no free port in 20 tries");
    }

    /// Starts the server again on its port (after [`Server::stop`]), waiting
    /// for the port while something else holds it.
    fn run(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.try_run() {
            assert!(Instant::now() < deadline, "redis-server could not start again on port {}", self.port);
            sleep(Duration::from_millis(100));
        }
    }

    /// Starts the server on its port and waits until it answers as this
    /// server (its `dir` is ours, not another test's server that took the
    /// port); `false` when it could not bind the port.
    fn try_run(&mut self) -> bool {
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (Debian package `redis-server`)");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = redis::Client::open(self.url()).expect("a valid URL");
        let ours = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        loop {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return false;
            }
            let dir: Option<Vec<String>> = client
                .get_connection_with_timeout(Duration::from_secs(1))
                .and_then(|mut c| redis::cmd("CONFIG").arg("GET").arg("dir").query(&mut c))
                .ok();
            if dir.as_ref().and_then(|d| d.get(1)).is_some_and(|d| std::path::Path::new(d) == ours) {
                self.child = Some(child);
                return true;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("redis-server did not answer on port {} within 30 s", self.port);
            }
            sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A store on this server under a key prefix of its own.
    fn store(&self, config: StoreConfig) -> RedisStore {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let c = RedisConfig::new(self.url())
            .with_key_prefix(format!("t{n}"))
            .with_store(config)
            // Generous: a busy CI machine can take longer than a fast
            // timeout, and a stopped server refuses at once anyway.
            .with_timeout(Duration::from_secs(5));
        RedisStore::open(c).expect("a valid configuration")
    }

    /// A second client (another OMS instance) on the keys of `prefix`.
    fn instance(&self, prefix: &str, config: StoreConfig) -> RedisStore {
        let c = RedisConfig::new(self.url()).with_key_prefix(prefix).with_store(config);
        RedisStore::open(c).expect("a valid configuration")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn the_conformance_suite_passes_unchanged() {
    let server = Server::start();
    conformance::check(|| server.store(StoreConfig::default())).unwrap();
    conformance::check(|| server.store(StoreConfig::for_history())).unwrap();
}

/// Four heavy buyers over 45 days (past the 30-day retention), sharing
/// devices, cards and a phone, with every kind of event: logins, address
/// changes, payments, cancellations, deliveries, returns, complaints, and a
/// fraud complaint, a stock level and a confirmed-abnormal order per week.
fn rich_history() -> Vec<Event> {
    let mut events: Vec<Event> = (0..4).flat_map(|u| history::heavy_buyer(&format!("u{u}"), 45)).collect();
    let placed: Vec<(String, String, chrono::DateTime<chrono::Utc>)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::OrderPlaced { order } => Some((order.id.clone(), order.user_id.clone(), e.at)),
            _ => None,
        })
        .collect();
    for (n, (order_id, user, at)) in placed.iter().enumerate().filter(|(n, _)| n % 40 == 0) {
        let at = *at + Span::minutes(5);
        events.push(Event::new(format!("x-abn-{n}"), at, EventKind::ConfirmedAbnormal { order_id: order_id.clone() }));
        events.push(Event::new(
            format!("x-stock-{n}"),
            at,
            EventKind::StockLevel { product_id: format!("p-{}", n % 40), units: 30 + n as u64 },
        ));
        events.push(Event::new(
            format!("x-fraud-{n}"),
            at,
            EventKind::Complaint {
                user_id: user.clone(),
                order_id: None,
                product_id: Some(format!("p-{}", n % 40)),
                complaint_type: ComplaintType::Fraud,
            },
        ));
    }
    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    events
}

/// Folds `events` into an in-memory store and a Redis store in batches of
/// `batch`; before each batch, the contexts and assessments of the orders it
/// places must be the same from both. Returns how many orders were compared.
fn compare(memory: &mut InMemoryStore, redis: &mut RedisStore, events: &[Event], batch: usize) -> usize {
    let engine = Engine::default();
    let mut compared = 0;
    for chunk in events.chunks(batch) {
        let orders: Vec<&Order> = chunk
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::OrderPlaced { order } => Some(&**order),
                _ => None,
            })
            .collect();
        let from_redis = redis.contexts_for(&orders, chunk[0].at, UtcOffset::china());
        for (o, r) in orders.iter().zip(from_redis) {
            let m = memory.context_for(o, chunk[0].at, UtcOffset::china());
            let r = r.unwrap();
            if r != m {
                let (rj, mj) = (serde_json::to_value(&r).unwrap(), serde_json::to_value(&m).unwrap());
                for k in ["user", "products", "entities", "stage"] {
                    if rj[k] != mj[k] {
                        eprintln!("{k}: redis {}\n memory {}", rj[k], mj[k]);
                    }
                }
            }
            assert!(r == m, "the contexts of {} differ (batch {batch})", o.id);
            let (a, b) = (engine.evaluate(o, &m), engine.evaluate(o, &r));
            assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
            compared += 1;
        }
        let want: Vec<Applied> = chunk.iter().map(|e| memory.apply(e)).collect();
        assert_eq!(redis.apply_batch(chunk).unwrap(), want);
    }
    compared
}

#[test]
fn the_same_events_give_the_same_contexts_and_assessments_as_in_memory() {
    let server = Server::start();
    let events = rich_history();
    for (batch, config) in [(1, StoreConfig::default()), (64, StoreConfig::for_history())] {
        let mut memory = InMemoryStore::with_config(config);
        let mut redis = server.store(config);
        let n = compare(&mut memory, &mut redis, &events, batch);
        assert!(n > 500, "{n} orders compared");
        // Later stages read the order back with its events folded in.
        for id in ["u1-o100", "u3-o7", "u2-o130"] {
            assert_eq!(ProfileRead::order(&redis, id).ok(), memory.order(id), "{id}");
            assert_eq!(ProfileRead::stage(&redis, id).unwrap(), memory.stage(id), "{id}");
        }
        assert_eq!(ProfileRead::user_profile(&redis, "u2", None).unwrap(), memory.user_profile("u2", None));
        assert_eq!(ProfileRead::product_profile(&redis, "p-3").unwrap(), memory.product_profile("p-3"));
    }
}

#[test]
fn two_instances_share_one_history_and_apply_each_event_once() {
    let server = Server::start();
    let mut config = StoreConfig::for_history();
    config.lateness = Window::days(2);
    let events = rich_history();
    let (mut a, mut b) = (server.instance("two", config), server.instance("two", config));
    // The instances apply batches a little out of time order, as two
    // consumers of one feed do: within the lateness window.
    // Interleaved: each instance gets every other batch, and every fifth
    // batch goes to both (a redelivery), from two threads at once.
    let batches: Vec<&[Event]> = events.chunks(16).collect();
    let (mut for_a, mut for_b) = (Vec::new(), Vec::new());
    for (n, chunk) in batches.iter().enumerate() {
        if n % 2 == 0 || n % 5 == 0 {
            for_a.push(*chunk);
        }
        if n % 2 == 1 || n % 5 == 0 {
            for_b.push(*chunk);
        }
    }
    // Two threads applying batches of the same buyers at once: lockstep on
    // a barrier per round so they really overlap.
    let rounds = for_a.len().max(for_b.len());
    let barrier = std::sync::Barrier::new(2);
    let run = |store: &mut RedisStore, mine: &[&[Event]]| {
        let mut applied = 0usize;
        for r in 0..rounds {
            barrier.wait();
            if let Some(chunk) = mine.get(r) {
                let got = store.apply_batch(chunk).unwrap();
                applied += got.iter().filter(|x| **x == Applied::Applied).count();
            }
        }
        applied
    };
    let (applied_a, applied_b) = std::thread::scope(|s| {
        let ha = s.spawn(|| run(&mut a, &for_a));
        let hb = s.spawn(|| run(&mut b, &for_b));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert_eq!(applied_a + applied_b, events.len(), "each event applied exactly once across both instances");

    let mut memory = InMemoryStore::with_config(config);
    for e in &events {
        memory.apply(e);
    }
    let last = events.last().unwrap().at;
    let orders: Vec<Order> = events
        .iter()
        .rev()
        .filter_map(|e| match &e.kind {
            EventKind::OrderPlaced { order } => Some((**order).clone()),
            _ => None,
        })
        .take(40)
        .collect();
    for o in &orders {
        let want = memory.context_for(o, last, UtcOffset::china());
        assert_eq!(a.context_for(o, last, UtcOffset::china()).unwrap(), want, "{}", o.id);
        assert_eq!(b.context_for(o, last, UtcOffset::china()).unwrap(), want, "{}", o.id);
    }
}

#[test]
fn a_stopped_server_is_unavailable_and_a_restarted_one_recovers() {
    let mut server = Server::start();
    let mut store = server.store(StoreConfig::for_history());
    let events = history::heavy_buyer("u-1", 10);
    let (before, after) = events.split_at(events.len() / 2);
    store.apply_batch(before).unwrap();
    let next = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::OrderPlaced { order } if e.at > before.last().unwrap().at => Some((**order).clone()),
            _ => None,
        })
        .unwrap();
    let now = next.created_at;
    assert!(store.context_for(&next, now, UtcOffset::china()).unwrap().user.is_some());

    server.stop();
    let err = store.context_for(&next, now, UtcOffset::china()).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    assert!(!err.to_string().contains("127.0.0.1"), "the error names no address: {err}");
    assert!(matches!(store.apply_batch(after), Err(StoreError::Unavailable { .. })));
    // The engine skips the history rules instead of judging a known buyer new.
    let ctx = store.context_or_unavailable(&next, now, UtcOffset::china());
    let mut first_looking = next.clone();
    first_looking.payable_amount = Decimal::new(900_000, 2);
    let a = Engine::default().evaluate(&first_looking, &ctx);
    assert!(!a.has_flag(ids::PAYMENT_AMOUNT_SPIKE));
    assert!(a.skipped().iter().any(|s| s.missing.as_ref() == "profile store unavailable"));

    // Redis comes back (empty: it saved nothing): the same store object
    // connects again without the host restarting.
    server.run();
    store.apply_batch(before).unwrap();
    store.apply_batch(after).unwrap();
    let mut memory = InMemoryStore::for_history();
    for e in &events {
        memory.apply(e);
    }
    let last = events.last().unwrap().at;
    assert_eq!(
        store.context_for(&next, last, UtcOffset::china()).unwrap(),
        memory.context_for(&next, last, UtcOffset::china())
    );
}

#[test]
fn a_record_that_does_not_parse_is_unavailable_and_names_no_data() {
    let server = Server::start();
    let mut store = server.instance("bad", StoreConfig::default());
    let order = Order::new("o-1", "u-secret", "2026-03-01T10:00:00Z".parse().unwrap(), Decimal::new(100, 0))
        .with_item(LineItem::new("p-1", Decimal::new(100, 0), 1))
        .with_payment(Payment::with_instrument("card-1"));
    store.apply(&Event::placed("e1", order.clone())).unwrap();
    let mut con = redis::Client::open(server.url()).unwrap().get_connection().unwrap();
    redis::cmd("SET").arg("bad:v3:{u:u-secret}").arg("[\"13800138000\"").exec(&mut con).unwrap();
    let err = store.context_for(&order, order.created_at, UtcOffset::china()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("buyer record does not parse"), "{text}");
    assert!(!text.contains("13800138000") && !text.contains("u-secret"), "{text}");
}

#[test]
fn a_buyer_on_more_devices_than_it_keeps_unlinks_the_oldest_as_in_memory() {
    // 20 logins on new devices (a buyer keeps 16 link keys), then another
    // buyer orders on the first and on the last device.
    let server = Server::start();
    let mut redis = server.store(StoreConfig::default());
    let mut memory = InMemoryStore::new();
    let t0: chrono::DateTime<chrono::Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
    let events: Vec<Event> = (0..20)
        .map(|i| {
            let kind = EventKind::Login { user_id: "u-1".into(), location: None, device_id: Some(format!("dev-{i}")) };
            Event::new(format!("l{i}"), t0 + Span::seconds(i), kind)
        })
        .collect();
    for batch in events.chunks(7) {
        redis.apply_batch(batch).unwrap();
        for e in batch {
            memory.apply(e);
        }
    }
    for device in ["dev-0", "dev-19"] {
        let mut o = Order::new("o-2", "u-2", t0 + Span::minutes(5), Decimal::new(100, 0));
        let mut client = order_anomaly::model::ClientInfo::default();
        client.device_id = Some(device.into());
        o.client = Some(client);
        let linked = |ctx: order_anomaly::EvalContext| {
            ctx.user
                .map(|u| u.linked_accounts.iter().map(|a| a.user_id.to_string()).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let from_redis = linked(redis.context_for(&o, o.created_at, UtcOffset::china()).unwrap());
        let from_memory = linked(memory.context_for(&o, o.created_at, UtcOffset::china()));
        assert_eq!(from_redis, from_memory, "{device}");
        assert_eq!(from_memory.is_empty(), device == "dev-0", "{device}");
    }
}
