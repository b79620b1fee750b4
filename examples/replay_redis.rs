//! Replays a real order dataset through the Redis profile store, against a
//! running redis-server, and measures it:
//!
//! 1. **Folding**: every event applied in pipelined batches; events/s.
//! 2. **Judging**: the history replayed again under a fresh key prefix. Each
//!    order is judged as it is placed, with `context_for` from Redis (timed:
//!    p50, p99, max) and from the in-memory store fed the same events; the
//!    two assessments must be identical, and the differences are counted.
//!
//! ```text
//! redis-server --port 6390 --save '' &
//! cargo run --release --features redis --example replay_redis -- \
//!     ../shared/data/olist-subset --store redis://127.0.0.1:6390 [--max-events N] [--batch N] [--fold-only]
//! ```
//!
//! Keys go under a prefix of their own per run (`replay-<pid>-…`), so a
//! shared server is not disturbed; they expire by their TTLs.

#[path = "datasets/olist.rs"]
mod olist;
#[path = "datasets/steps.rs"]
mod steps;
#[path = "datasets/uci.rs"]
mod uci;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use order_anomaly::profile::{
    Event, EventKind, InMemoryStore, ProfileRead, ProfileWrite, RedisConfig, RedisStore, StoreConfig,
};
use order_anomaly::{Engine, Stage};
use steps::{Replay, Step};

struct Args {
    dir: PathBuf,
    url: String,
    max_events: usize,
    batch: usize,
    fold_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut url, mut max_events, mut batch, mut fold_only) = (None, None, usize::MAX, 1_000, false);
    while let Some(a) = args.next() {
        let mut number = |what: &str| args.next().and_then(|n| n.parse().ok()).ok_or(format!("{what} takes a number"));
        match a.as_str() {
            "--max-events" => max_events = number("--max-events")?,
            "--batch" => batch = number("--batch")?,
            "--store" => url = args.next(),
            "--fold-only" => fold_only = true,
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let usage = "usage: replay_redis DATASET_DIR --store redis://HOST:PORT [--max-events N] [--batch N] [--fold-only]";
    Ok(Args { dir: dir.ok_or(usage)?, url: url.ok_or(usage)?, max_events, batch: batch.max(1), fold_only })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("replay_redis: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replay_redis: {e}");
            ExitCode::FAILURE
        }
    }
}

fn load(dir: &Path) -> Result<Replay, String> {
    let mut replay = if dir.join("orders.csv.gz").exists() {
        olist::load(dir)?
    } else if std::fs::read_dir(dir)
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("online_retail_")))
        .unwrap_or(false)
    {
        uci::load(dir)?
    } else {
        return Err(format!("{} holds neither the UCI Online Retail nor the Olist files", dir.display()));
    };
    replay.steps.sort_by_key(Step::at);
    Ok(replay)
}

fn store(url: &str, run: &str) -> Result<RedisStore, String> {
    let prefix = format!("replay-{}-{run}", std::process::id());
    let config = RedisConfig::new(url).with_key_prefix(prefix).with_store(StoreConfig::for_history());
    let s = RedisStore::open(config).map_err(|e| e.to_string())?;
    s.ping().map_err(|e| e.to_string())?;
    Ok(s)
}

fn run(args: &Args) -> Result<(), String> {
    let replay = load(&args.dir)?;
    let steps: Vec<Step> = replay.steps.into_iter().take(args.max_events).collect();
    let events: Vec<&Event> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Event(e) => Some(e),
            Step::Assess { .. } => None,
        })
        .collect();
    println!("replaying {} ({} events) through {}", replay.name, events.len(), args.url);

    // 1. Folding, in pipelined batches.
    let mut redis = store(&args.url, "fold")?;
    let owned: Vec<Event> = events.iter().map(|e| (*e).clone()).collect();
    let started = Instant::now();
    for chunk in owned.chunks(args.batch) {
        redis.apply_batch(chunk).map_err(|e| e.to_string())?;
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "fold: {} events in {secs:.2} s: {:.0} events/s (batches of {})",
        owned.len(),
        owned.len() as f64 / secs,
        args.batch
    );

    if args.fold_only {
        return Ok(());
    }

    // 2. Judging each order as it is placed, from Redis and from memory.
    let mut redis = store(&args.url, "judge")?;
    let mut memory = InMemoryStore::for_history();
    let engine = Engine::default();
    let (mut latencies, mut in_memory, mut compared, mut differences) = (Vec::new(), Vec::new(), 0u64, 0u64);
    // Orders of up to 50 lines: most shops' orders.
    let mut small = Vec::new();
    let mut pending: Vec<Event> = Vec::new();
    let started = Instant::now();
    for step in &steps {
        let judged = match step {
            Step::Event(e) => match &e.kind {
                EventKind::OrderPlaced { order } => Some(((**order).clone(), e.at)),
                _ => None,
            },
            Step::Assess { order_id, at } => memory.order(order_id).map(|o| (o, *at)),
        };
        if let Some((order, at)) = judged {
            // Events before this order first: the context is as of now.
            redis.apply_batch(&pending).map_err(|e| e.to_string())?;
            pending.clear();
            let t = Instant::now();
            let from_redis = redis.context_for(&order, at, replay.offset).map_err(|e| e.to_string())?;
            latencies.push(t.elapsed());
            if order.items.len() <= 50 {
                small.push(t.elapsed());
            }
            let t = Instant::now();
            let mut from_memory = memory.context_for(&order, at, replay.offset);
            in_memory.push(t.elapsed());
            let mut from_redis = from_redis;
            if matches!(step, Step::Event(_)) {
                from_memory.stage = Some(Stage::Placed);
                from_redis.stage = Some(Stage::Placed);
            }
            let (a, b) = (engine.evaluate(&order, &from_memory), engine.evaluate(&order, &from_redis));
            compared += 1;
            if serde_json::to_string(&a).ok() != serde_json::to_string(&b).ok() {
                differences += 1;
                if differences <= 3 {
                    eprintln!("assessments differ for order {}", order.id);
                }
            }
        }
        if let Step::Event(e) = step {
            memory.apply(e);
            pending.push(e.clone());
        }
    }
    redis.apply_batch(&pending).map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    let pct = |v: &mut Vec<Duration>, p: f64| {
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v.get(i).copied().unwrap_or(Duration::ZERO)
    };
    println!(
        "judge: {compared} assessments in {secs:.2} s; context_for from Redis p50 {:?}, p99 {:?}, max {:?}",
        pct(&mut latencies, 0.5),
        pct(&mut latencies, 0.99),
        pct(&mut latencies, 1.0)
    );
    println!(
        "  orders of up to 50 lines ({} of them): p50 {:?}, p99 {:?}",
        small.len(),
        pct(&mut small, 0.5),
        pct(&mut small, 0.99)
    );
    println!(
        "  (the same from the in-memory store: p50 {:?}, p99 {:?}, max {:?})",
        pct(&mut in_memory, 0.5),
        pct(&mut in_memory, 0.99),
        pct(&mut in_memory, 1.0)
    );
    println!("assessments that differ between Redis and the in-memory store: {differences} of {compared}");
    if differences > 0 { Err(format!("{differences} assessments differ")) } else { Ok(()) }
}
