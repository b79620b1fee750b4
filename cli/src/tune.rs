//! `order-anomaly tune`: rule parameters, points and decision thresholds
//! searched on the first part of a labelled export, measured on the rest.

use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::backtest::{Confusion, Sample, Tuning, merit, tune};
use order_anomaly::{Decision, Engine, EvalContext, Order, RuleSet, UtcOffset};
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
    let (mut labels, labels_read) = match read_labels(&args.labels) {
        Ok(mut l) => (std::mem::take(&mut l.by_order), l),
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    // Which rules fire does not depend on their points or the thresholds:
    // each labelled order is evaluated once, then re-scored as the search
    // needs.
    // A rule's own parameters (its threshold) change which rules fire, so
    // the labelled orders are kept, with their contexts, to evaluate again.
    let mut labelled: Vec<(Order, EvalContext, bool)> = Vec::new();
    let folded = fold(input, args.utc_offset, false, |_, order, ctx| {
        if let Some(abnormal) = labels.remove(&order.id) {
            labelled.push((order.clone(), ctx.clone(), abnormal));
        }
    });
    let split = ((labelled.len() as f64) * args.tune_share).round() as usize;
    let (tuning_orders, held_orders) = labelled.split_at(split.min(labelled.len()));
    if tuning_orders.is_empty() || held_orders.is_empty() {
        eprintln!("tune: {} labelled orders: too few to split into a tuning and a held-out part", labelled.len());
        return ExitCode::from(2);
    }
    let sample = |engine: &Engine, orders: &[(Order, EvalContext, bool)]| -> Vec<Sample> {
        orders.iter().map(|(o, c, abnormal)| Sample::of(&engine.evaluate(o, c), *abnormal)).collect()
    };
    let (tuning, held_out) = (sample(&engine, tuning_orders), sample(&engine, held_orders));
    let start = Tuning::of(&engine);
    let base = match base_rules(args) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    // Changes are chosen on the earlier part of the tuning part and kept
    // only where they also do better on its later part (an inner time
    // split): a change that fits the first weeks' quirks does not reach the
    // held-out part, so the tuned rule set is no worse than the defaults on
    // data the search never saw.
    let inner = ((tuning_orders.len() as f64) * INNER_SHARE).round() as usize;
    let (fit_orders, check_orders) = tuning_orders.split_at(inner.min(tuning_orders.len()));
    let mut fitted = base.clone();
    let params = tune_parameters(&mut fitted, fit_orders, &start, args);
    let (mut validated, mut dropped) = (base.clone(), Vec::new());
    let mut kept_params = Vec::new();
    for change in params {
        let (id, name, _, now) = &change;
        let mut trial = validated.clone();
        trial["rules"][id]["params"][name] = now.clone();
        let better =
            match (merit_on(&trial, check_orders, &start, args), merit_on(&validated, check_orders, &start, args)) {
                (Some(with), Some(without)) => with > without,
                _ => false,
            };
        if better {
            validated = trial;
            kept_params.push(change);
        } else {
            dropped.push(describe_param(&change));
        }
    }
    let mut base = validated;
    let engine_tuned = rule_set(&base).and_then(|r| r.build().map_err(|e| e.to_string()));
    let engine_tuned = match engine_tuned {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    let (tuning_now, held_now) = (sample(&engine_tuned, tuning_orders), sample(&engine_tuned, held_orders));
    let (fit_now, check_now) = (sample(&engine_tuned, fit_orders), sample(&engine_tuned, check_orders));
    let searched = tune(&fit_now, &start, args.min_precision, args.cutoff);
    let tuned = keep_what_checks(&start, &searched, &check_now, args, &mut dropped);
    let written = write_rule_set(args, &mut base, &tuned)
        .and_then(|()| RuleSet::from_path(&args.out).map_err(|e| format!("the tuned rule set does not load: {e}")));
    let rules = match written {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tune: {e}");
            return ExitCode::from(2);
        }
    };
    let params = kept_params;
    let show = |name: &str, t: &Tuning, tuning: &[Sample], held_out: &[Sample]| {
        let (on_tuning, on_held) = (t.measure(tuning, args.cutoff), t.measure(held_out, args.cutoff));
        println!("{name:<8} tuning part: {}   held-out part: {}", figures(&on_tuning), figures(&on_held));
    };
    println!(
        "{} labelled orders: tuned on the first {}, measured on the last {} (flagged = {} or higher)",
        labelled.len(),
        tuning.len(),
        held_out.len(),
        args.cutoff.as_str()
    );
    println!(
        "  changes chosen on the first {} of the tuning part, kept only where they also did better on its last {}",
        fit_orders.len(),
        check_orders.len()
    );
    show("before", &start, &tuning, &held_out);
    show("tuned", &tuned, &tuning_now, &held_now);
    let reached = tuned.measure(&tuning_now, args.cutoff);
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
    for change in &params {
        println!("  {}", describe_param(change));
    }
    let (t0, t1) = (start.thresholds, tuned.thresholds);
    if t0 != t1 {
        println!("  thresholds: review {} -> {}, hold {} -> {}", t0.review, t1.review, t0.hold, t1.hold);
    }
    for d in &dropped {
        println!("  dropped (no better on the later part): {d}");
    }
    if let Some(path) = &args.html {
        let base = engine.ruleset().name.clone();
        let reports = [
            start.report(&held_out, format!("{base} (held-out part)"), args.cutoff),
            tuned.report(&held_now, format!("{} (held-out part)", rules.info().name), args.cutoff),
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
    eprintln!("tune: labels: {}", labels_read.describe());
    let bad = folded.bad_lines.saturating_add(labels_read.bad());
    if crate::lines::report_bad("tune", bad) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// The share of the tuning part changes are chosen on; the rest of it
/// checks them.
const INNER_SHARE: f64 = 0.7;

/// The merit of rule set `rules` on `orders`, scored with `tuning`'s points
/// and thresholds; `None` when it does not build.
fn merit_on(
    rules: &Value,
    orders: &[(Order, EvalContext, bool)],
    tuning: &Tuning,
    args: &Args,
) -> Option<(bool, f64, f64)> {
    let engine = rule_set(rules).ok()?.build().ok()?;
    let samples: Vec<Sample> =
        orders.iter().map(|(o, c, abnormal)| Sample::of(&engine.evaluate(o, c), *abnormal)).collect();
    Some(merit(&tuning.measure(&samples, args.cutoff), args.min_precision))
}

/// `rule: param was -> now`.
fn describe_param((id, name, was, now): &(String, String, Value, Value)) -> String {
    format!("{id}: {name} {was} -> {now}")
}

/// The changes from `start` to `searched` (the thresholds, then each rule's
/// points, in id order) that do better on `check` than without them, one
/// at a time from `start`; those that do not are described in `dropped`.
fn keep_what_checks(
    start: &Tuning,
    searched: &Tuning,
    check: &[Sample],
    args: &Args,
    dropped: &mut Vec<String>,
) -> Tuning {
    let merit_of = |t: &Tuning| merit(&t.measure(check, args.cutoff), args.min_precision);
    let mut kept = start.clone();
    let (t0, t1) = (start.thresholds, searched.thresholds);
    if t0 != t1 {
        let mut trial = kept.clone();
        trial.thresholds = t1;
        if merit_of(&trial) > merit_of(&kept) {
            kept = trial;
        } else {
            dropped.push(format!("thresholds: review {} -> {}, hold {} -> {}", t0.review, t1.review, t0.hold, t1.hold));
        }
    }
    for (id, p) in &searched.points {
        let was = start.points.get(id).copied().unwrap_or(0);
        if *p == was {
            continue;
        }
        let mut trial = kept.clone();
        trial.points.insert(id.clone(), *p);
        if merit_of(&trial) > merit_of(&kept) {
            kept = trial;
        } else {
            dropped.push(format!("{id}: {was} -> {p} points"));
        }
    }
    kept
}

fn figures(c: &Confusion) -> String {
    let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    format!("precision {:>6} recall {:>6}", pct(c.precision()), pct(c.recall()))
}

/// The base rule set (`--config`, or the defaults) as JSON.
fn base_rules(args: &Args) -> Result<Value, String> {
    let base = match &args.judging.config {
        // The whole rule set the engine runs (a short file keeps the
        // defaults for what it does not say), so every rule's main
        // parameter is there to search.
        Some(path) => Engine::from_config_path(path).map_err(|e| e.to_string())?.config(),
        None => RuleSet::builtin(),
    };
    serde_json::from_str(&base.to_json_pretty()).map_err(|e| e.to_string())
}

fn rule_set(v: &Value) -> Result<RuleSet, String> {
    RuleSet::from_json(&v.to_string(), "tuned rule set").map_err(|e| e.to_string())
}

/// Each rule's main parameter (its first numeric one: a threshold, a count,
/// a multiplier) tried at half, three quarters, one and a quarter, one and
/// a half and twice its value on the tuning part, with the points and
/// thresholds as `tuning` has them; the best kept in `rules` (ties keep
/// the current value). Returns what changed: rule, parameter, before, after.
fn tune_parameters(
    rules: &mut Value,
    orders: &[(Order, EvalContext, bool)],
    tuning: &Tuning,
    args: &Args,
) -> Vec<(String, String, Value, Value)> {
    let merit_of = |v: &Value| merit_on(v, orders, tuning, args);
    let Some(mut best) = merit_of(rules) else { return Vec::new() };
    let ids: Vec<String> = rules["rules"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let mut changed = Vec::new();
    for id in ids {
        let main = rules["rules"][&id]["params"]
            .as_object()
            .and_then(|p| p.iter().find(|(_, v)| v.is_number()).map(|(k, v)| (k.clone(), v.clone())));
        let Some((name, was)) = main else { continue };
        let mut kept = was.clone();
        for factor in [0.5, 0.75, 1.25, 1.5, 2.0] {
            let Some(candidate) = scaled(&was, factor) else { continue };
            if candidate == kept {
                continue;
            }
            let mut trial = rules.clone();
            trial["rules"][&id]["params"][&name] = candidate.clone();
            // A value the rule refuses does not build: skipped.
            if let Some(m) = merit_of(&trial).filter(|m| *m > best) {
                best = m;
                kept = candidate;
                *rules = trial;
            }
        }
        if kept != was {
            changed.push((id, name, was, kept));
        }
    }
    changed
}

/// `v` times `factor`, an integer staying an integer (and at least 1); a
/// zero (an hour of the day, a tolerance) has no scale and is left alone.
fn scaled(v: &Value, factor: f64) -> Option<Value> {
    if v.as_f64() == Some(0.0) {
        return None;
    }
    if let Some(n) = v.as_u64() {
        let m = ((n as f64) * factor).round().max(1.0) as u64;
        return Some(Value::from(m));
    }
    let x = v.as_f64()? * factor;
    // Two decimals: rule-set numbers are amounts, rates and multipliers.
    serde_json::Number::from_f64((x * 100.0).round() / 100.0).map(Value::Number)
}

/// The tuned rule set (`rules` with the tuned points and thresholds), named
/// `<base>-tuned`, written as JSON.
fn write_rule_set(args: &Args, rules: &mut Value, tuned: &Tuning) -> Result<(), String> {
    let name = rules["name"].as_str().unwrap_or("rules").to_owned();
    rules["name"] = Value::from(format!("{name}-tuned"));
    rules["thresholds"]["review"] = Value::from(tuned.thresholds.review);
    rules["thresholds"]["hold"] = Value::from(tuned.thresholds.hold);
    for (id, points) in &tuned.points {
        if let Some(rule) = rules["rules"].get_mut(id.as_str()).and_then(Value::as_object_mut) {
            rule.insert("points".into(), Value::from(*points));
        }
    }
    let text = serde_json::to_string_pretty(rules).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text + "\n").map_err(|e| format!("cannot write {}: {e}", args.out.display()))
}
