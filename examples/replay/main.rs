//! Replays a real order dataset through the profile store and the default
//! engine, in time order, and summarises what the rules flag.
//!
//! ```text
//! cargo run --release --example replay -- ../shared/data/uci-online-retail [--max-events N]
//! cargo run --release --example replay -- ../shared/data/olist-subset [--max-events N]
//! ```
//!
//! The dataset is recognised by its files. The adapters that map each
//! dataset's columns to the crate's events live beside this file
//! (`examples/datasets/uci.rs`, `olist.rs`) and document their mapping. Each order is assessed
//! as it is placed, with the buyer's profile as the store knows it at that
//! moment; Olist orders are assessed again when their delivery and their
//! review arrive. Progress goes to stderr when stderr is a terminal; the last
//! line of stdout is the summary as one JSON object.

#[path = "../datasets/olist.rs"]
mod olist;
#[path = "../datasets/steps.rs"]
mod steps;
#[path = "../datasets/uci.rs"]
mod uci;

use std::collections::{BTreeMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use order_anomaly::profile::{Applied, EventKind, InMemoryStore};
use order_anomaly::{Decision, Engine, Stage};
use serde_json::json;
use steps::{Replay, Step};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut max_events = usize::MAX;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--max-events" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => max_events = n,
                None => {
                    eprintln!("replay: --max-events takes a number");
                    return ExitCode::from(2);
                }
            },
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: replay DATASET_DIR [--max-events N]   (uci-online-retail or olist-subset)");
        return ExitCode::from(2);
    };
    // Everything runs inside one allocation count: what is still allocated
    // at the end (the events and steps are gone by then) is the store.
    let mut outcome = Err(String::new());
    let counted = allocation_counter::measure(|| {
        let load_started = Instant::now();
        let loaded = if dir.join("orders.csv.gz").exists() {
            olist::load(&dir)
        } else if has_uci_files(&dir) {
            uci::load(&dir)
        } else {
            Err(format!("{} holds neither the UCI Online Retail nor the Olist files", dir.display()))
        };
        outcome = loaded.map(|mut replay| {
            // Stable sort: at one instant, adapters list assessments before the events they precede.
            replay.steps.sort_by_key(Step::at);
            let load_secs = load_started.elapsed().as_secs_f64();
            run(replay, max_events, load_secs)
        });
    });
    match outcome {
        Ok(store) => {
            let users = i64::try_from(store.users().max(1)).unwrap_or(1);
            println!(
                "heap held by the store after the replay: {} bytes, {} per buyer",
                counted.bytes_current,
                counted.bytes_current / users
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("replay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn has_uci_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("online_retail_")))
        .unwrap_or(false)
}

/// Replays, prints the summary, and returns the store.
fn run(replay: Replay, max_events: usize, load_secs: f64) -> InMemoryStore {
    let engine = Engine::default();
    let mut store = InMemoryStore::for_history();
    let total = replay.steps.len().min(max_events);
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} steps ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let mut events = 0u64;
    let mut duplicates = 0u64;
    let mut assessments = 0u64;
    // Bookkeeping for the summary, kept cheap (it runs inside the timed
    // loop): a hash set of the orders assessed, a count per rule allocated
    // once per rule.
    let mut assessed: HashSet<String> = HashSet::new();
    let mut decisions: BTreeMap<&'static str, u64> = Decision::ALL.iter().map(|d| (d.as_str(), 0)).collect();
    let mut hits: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_stage: BTreeMap<Stage, u64> = BTreeMap::new();
    let mut assess = |order: &order_anomaly::Order, ctx: &order_anomaly::EvalContext| {
        let a = engine.evaluate(order, ctx);
        assessments += 1;
        if !assessed.contains(&order.id) {
            assessed.insert(order.id.clone());
        }
        *decisions.entry(a.decision().as_str()).or_default() += 1;
        *by_stage.entry(a.stage().unwrap_or(Stage::Placed)).or_default() += 1;
        for f in a.flags() {
            match hits.get_mut(f.rule_id().as_str()) {
                Some(n) => *n += 1,
                None => {
                    hits.insert(f.rule_id().to_string(), 1);
                }
            }
        }
    };
    let started = Instant::now();
    let all_events = replay.steps.iter().filter(|s| matches!(s, Step::Event(_))).count();
    for step in replay.steps.into_iter().take(total) {
        match step {
            Step::Event(e) => {
                if let EventKind::OrderPlaced { order } = &e.kind {
                    let mut ctx = store.context_for(order, e.at, replay.offset);
                    ctx.stage = Some(Stage::Placed);
                    assess(order, &ctx);
                }
                events += 1;
                if store.apply(&e) == Applied::Duplicate {
                    duplicates += 1;
                }
            }
            Step::Assess { order_id, at } => {
                if let Some(order) = store.order(&order_id) {
                    let ctx = store.context_for(&order, at, replay.offset);
                    assess(&order, &ctx);
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let events_per_sec = (events as f64 / secs).round();
    // Reading the dataset into events is the "parse" of this replay: the
    // rate of that alone, and of parse + fold + context + evaluate.
    let parse_per_sec = (all_events as f64 / load_secs.max(1e-9)).round();
    let end_to_end_per_sec = (events as f64 / (secs + load_secs * events as f64 / all_events.max(1) as f64)).round();

    println!("replayed {} ({:.1} s)", replay.name, secs);
    for n in &replay.notes {
        println!("  note: {n}");
    }
    println!("events {events} ({duplicates} duplicates, {} too late), users {}", store.too_late(), store.users());
    let by_stage: BTreeMap<String, u64> = by_stage.iter().map(|(s, n)| (format!("{s:?}").to_lowercase(), *n)).collect();
    println!("assessments {assessments} of {} orders; by stage: {by_stage:?}", assessed.len());
    println!("decisions: {decisions:?}");
    println!("hits per rule (share of assessments):");
    for (id, n) in &hits {
        println!("  {id:<34} {n:>7}  {:>6.2}%", 100.0 * *n as f64 / assessments.max(1) as f64);
    }
    println!("events per second: {events_per_sec} (fold + context + evaluate)");
    println!("parse alone: {parse_per_sec} events/s; end to end: {end_to_end_per_sec} events/s");
    let summary = json!({
        "events": events,
        "users": store.users(),
        "orders_assessed": assessed.len(),
        "assessments": assessments,
        "decisions": decisions,
        "hits_by_rule": hits,
        "events_per_sec": events_per_sec,
        "parse_events_per_sec": parse_per_sec,
        "end_to_end_events_per_sec": end_to_end_per_sec,
    });
    println!("{summary}");
    store
}
