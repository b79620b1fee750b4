//! Measures a rule set on labelled history: per rule hits, precision and
//! recall; the confusion matrix and the decisions at the configured
//! thresholds; and, given a second rule set, the orders whose decision changes.
//!
//! ```text
//! cargo run --release --example backtest -- ../shared/data/aws-fraud-detector-sample
//! cargo run --release --example backtest -- ../shared/data/uci-online-retail
//!     [--config OTHER_RULES.json] [--cutoff review|hold]
//! ```
//!
//! Each order is judged with the profile its buyer had at that moment, built
//! from the buyer's earlier events only. The last line of stdout is the
//! report as one JSON object: `orders`, `positives`, `rules` (per rule id:
//! `hits`, `precision`, `recall`) and `decisions`.

#[path = "../datasets/aws.rs"]
mod aws;
#[path = "../datasets/steps.rs"]
mod steps;
#[path = "../datasets/uci.rs"]
mod uci;

use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::backtest::{BacktestReport, Labeled, backtest, compare};
use order_anomaly::profile::{EventKind, InMemoryStore};
use order_anomaly::{Decision, Engine};
use serde_json::json;
use steps::{Replay, Step};

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

/// The labelled orders, each with the context its buyer had when it was placed.
fn history(replay: Replay) -> Vec<Labeled> {
    let mut steps = replay.steps;
    steps.sort_by_key(Step::at);
    let mut store = InMemoryStore::for_history();
    let mut out = Vec::new();
    for step in steps {
        let Step::Event(e) = step else { continue };
        if let EventKind::OrderPlaced { order } = &e.kind {
            if let Some(abnormal) = replay.labels.get(&order.id) {
                let context = store.context_for(order, e.at, replay.offset);
                out.push(Labeled::new((**order).clone(), context, *abnormal));
            }
        }
        store.apply(&e);
    }
    out
}

fn print_report(r: &BacktestReport) {
    let c = &r.confusion;
    println!("rule set `{}`: flagged = decision {} or higher", r.ruleset, r.cutoff.as_str());
    println!(
        "  confusion: {} true positives, {} false positives, {} false negatives, {} true negatives; precision {}, recall {}",
        c.true_positives,
        c.false_positives,
        c.false_negatives,
        c.true_negatives,
        pct(c.precision()),
        pct(c.recall())
    );
    let d: Vec<String> = Decision::ALL
        .iter()
        .map(|d| {
            let n = r.decisions.get(d).copied().unwrap_or(0);
            let p = r.positives_by_decision.get(d).copied().unwrap_or(0);
            format!("{} {n} ({p} abnormal)", d.as_str())
        })
        .collect();
    println!("  decisions: {}", d.join(", "));
    println!("  {:<34} {:>6} {:>10} {:>8}", "rule", "hits", "precision", "recall");
    for (id, m) in &r.rules {
        println!("  {id:<34} {:>6} {:>10} {:>8}", m.hits, pct(m.precision), pct(m.recall));
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut config, mut cutoff) = (None::<PathBuf>, None::<String>, Decision::Review);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = args.next(),
            "--cutoff" => match args.next().as_deref() {
                Some("review") => cutoff = Decision::Review,
                Some("hold") => cutoff = Decision::Hold,
                other => {
                    eprintln!("backtest: --cutoff takes review or hold, not {other:?}");
                    return ExitCode::from(2);
                }
            },
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: backtest DATASET_DIR [--config RULES.json] [--cutoff review|hold]");
        return ExitCode::from(2);
    };
    let loaded = if dir.join(aws::FILE).exists() {
        aws::load(&dir)
    } else if dir.join("online_retail_2010-12.csv.gz").exists() {
        uci::load(&dir)
    } else {
        Err(format!("{} holds neither the AWS Fraud Detector sample nor UCI Online Retail", dir.display()))
    };
    let replay = match loaded {
        Ok(r) => r,
        Err(e) => {
            eprintln!("backtest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let other = match config.as_deref().map(Engine::from_config_path).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("backtest: {e}");
            return ExitCode::from(2);
        }
    };
    let name = replay.name;
    let notes = replay.notes.clone();
    let history = history(replay);
    let engine = Engine::default();
    let (report, changed) = match &other {
        None => (backtest(&engine, &history, cutoff), Vec::new()),
        Some(b) => {
            let cmp = compare(&engine, b, &history, cutoff);
            (cmp.before.clone(), vec![(cmp.after, cmp.changed)])
        }
    };
    println!("backtest on {name}");
    if name.contains("SYNTHETIC") {
        println!(
            "  WARNING: synthetic data (generated, not real orders); read the figures as a smoke test, not a measurement"
        );
    }
    for n in &notes {
        println!("  note: {n}");
    }
    let share = 100.0 * report.positives as f64 / report.orders.max(1) as f64;
    println!("{} labelled orders, {} abnormal ({share:.1}%)", report.orders, report.positives);
    print_report(&report);
    for (after, changed) in &changed {
        print_report(after);
        println!("{} orders change decision:", changed.len());
        for c in changed.iter().take(20) {
            println!("  {} {} -> {} (abnormal: {})", c.order_id, c.before.as_str(), c.after.as_str(), c.abnormal);
        }
    }
    let rules: serde_json::Map<String, serde_json::Value> = report
        .rules
        .iter()
        .map(|(id, m)| (id.clone(), json!({"hits": m.hits, "precision": m.precision, "recall": m.recall})))
        .collect();
    let decisions: serde_json::Map<String, serde_json::Value> = Decision::ALL
        .iter()
        .map(|d| (d.as_str().to_owned(), json!(report.decisions.get(d).copied().unwrap_or(0))))
        .collect();
    println!(
        "{}",
        json!({"orders": report.orders, "positives": report.positives, "rules": rules, "decisions": decisions})
    );
    ExitCode::SUCCESS
}
