//! `order-anomaly tune`: rule points and decision thresholds searched on the
//! first part of a labelled export, measured on the rest.

use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::backtest::{Confusion, Sample, Tuning, tune};
use order_anomaly::{Decision, RuleSet, UtcOffset};
use serde_json::Value;

use crate::Judging;
use crate::backtest::read_labels;
use crate::replay::fold;

/// `tune EVENTS --labels LABELS --out TUNED [--config BASE] [--min-precision P] [--tune-share S]`
#[derive(clap::Args)]
pub struct Args {
    /// Events as JSON lines, in the order they happened.
    events: PathBuf,
    /// Which orders were abnormal (CSV or JSON lines, as for `backtest`).
    #[arg(long, value_name = "LABELS")]
    labels: PathBuf,
    /// Where to write the tuned rule set (JSON).
    #[arg(long, value_name = "TUNED")]
    out: PathBuf,
    #[command(flatten)]
    judging: Judging,
    /// The least precision the tuned rule set may have on the tuning part.
    #[arg(long, default_value_t = 0.5)]
    min_precision: f64,
    /// The share of the labelled orders, the earliest, tuned on; the rest
    /// (the latest) only measures the result.
    #[arg(long, default_value_t = 0.7)]
    tune_share: f64,
    /// The decision from which an order counts as flagged.
    #[arg(long, default_value = "review", value_parser = crate::backtest::parse_decision)]
    cutoff: Decision,
    /// The shop's UTC offset, for rules about local time.
    #[arg(long, default_value = "+08:00", value_parser = crate::replay::parse_offset)]
    utc_offset: UtcOffset,
    /// Also write the held-out part's report, before and tuned, as one
    /// self-contained HTML page with charts.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let share_ok = 0.0 < args.tune_share && args.tune_share < 1.0;
    if !((0.0..=1.0).contains(&args.min_precision) && share_ok) {
        eprintln!("tune: --min-precision is between 0 and 1, --tune-share strictly between");
        return ExitCode::from(2);
    }
    let (engine, input) = match args.judging.open("tune", Some(&args.events)) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let (mut labels, bad_labels) = match read_labels(&args.labels) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    // Which rules fire does not depend on their points or the thresholds:
    // each labelled order is evaluated once, then re-scored as the search
    // needs.
    let mut samples = Vec::new();
    let folded = fold(input, args.utc_offset, false, |_, order, ctx| {
        if let Some(abnormal) = labels.remove(&order.id) {
            samples.push(Sample::of(&engine.evaluate(order, ctx), abnormal));
        }
    });
    let split = ((samples.len() as f64) * args.tune_share).round() as usize;
    let (tuning, held_out) = samples.split_at(split.min(samples.len()));
    if tuning.is_empty() || held_out.is_empty() {
        eprintln!("tune: {} labelled orders: too few to split into a tuning and a held-out part", samples.len());
        return ExitCode::from(2);
    }
    let start = Tuning::of(&engine);
    let tuned = tune(tuning, &start, args.min_precision, args.cutoff);
    let written = write_rule_set(args, &tuned)
        .and_then(|()| RuleSet::from_path(&args.out).map_err(|e| format!("the tuned rule set does not load: {e}")));
    let rules = match written {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    let show = |name: &str, t: &Tuning| {
        let (on_tuning, on_held) = (t.measure(tuning, args.cutoff), t.measure(held_out, args.cutoff));
        println!("{name:<8} tuning part: {}   held-out part: {}", figures(&on_tuning), figures(&on_held));
    };
    println!(
        "{} labelled orders: tuned on the first {}, measured on the last {} (flagged = {} or higher)",
        samples.len(),
        tuning.len(),
        held_out.len(),
        args.cutoff.as_str()
    );
    show("before", &start);
    show("tuned", &tuned);
    let reached = tuned.measure(tuning, args.cutoff);
    if reached.precision().unwrap_or(0.0) < args.min_precision {
        println!("  the precision floor {} was not reached on the tuning part", args.min_precision);
    } else if reached.recall().unwrap_or(0.0) < 0.05 {
        println!("  the floor {} is met only by flagging almost nothing: try a lower one", args.min_precision);
    }
    for (id, p) in &tuned.points {
        let was = start.points.get(id).copied().unwrap_or(0);
        if *p != was {
            println!("  {id}: {was} -> {p} points");
        }
    }
    let (t0, t1) = (start.thresholds, tuned.thresholds);
    if t0 != t1 {
        println!("  thresholds: review {} -> {}, hold {} -> {}", t0.review, t1.review, t0.hold, t1.hold);
    }
    if let Some(path) = &args.html {
        let base = engine.ruleset().name.clone();
        let reports = [
            start.report(held_out, format!("{base} (held-out part)"), args.cutoff),
            tuned.report(held_out, format!("{} (held-out part)", rules.info().name), args.cutoff),
        ];
        let page = crate::report::html(&reports, None)
            .and_then(|p| std::fs::write(path, p).map_err(|e| format!("cannot write {}: {e}", path.display())));
        if let Err(e) = page {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    }
    let info = rules.info();
    println!("wrote {} ({} {}, {})", args.out.display(), info.name, info.version, info.hash);
    eprintln!("tune: {}", folded.describe());
    let bad = folded.bad_lines.saturating_add(bad_labels);
    if crate::lines::report_bad("tune", bad) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn figures(c: &Confusion) -> String {
    let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    format!("precision {:>6} recall {:>6}", pct(c.precision()), pct(c.recall()))
}

/// The base rule set (`--config`, or the defaults) with the tuned points
/// and thresholds, named `<base>-tuned`, written as JSON.
fn write_rule_set(args: &Args, tuned: &Tuning) -> Result<(), String> {
    let base = match &args.judging.config {
        Some(path) => RuleSet::from_path(path).map_err(|e| e.to_string())?,
        None => RuleSet::builtin(),
    };
    let mut v: Value = serde_json::from_str(&base.to_json_pretty()).map_err(|e| e.to_string())?;
    let name = v["name"].as_str().unwrap_or("rules").to_owned();
    v["name"] = Value::from(format!("{name}-tuned"));
    v["thresholds"]["review"] = Value::from(tuned.thresholds.review);
    v["thresholds"]["hold"] = Value::from(tuned.thresholds.hold);
    for (id, points) in &tuned.points {
        if let Some(rule) = v["rules"].get_mut(id.as_str()).and_then(Value::as_object_mut) {
            rule.insert("points".into(), Value::from(*points));
        }
    }
    let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text + "\n").map_err(|e| format!("cannot write {}: {e}", args.out.display()))
}
