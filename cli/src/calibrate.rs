//! `order-anomaly calibrate`: thresholds fitted to a shop's own traffic,
//! without labels. The shop's history is replayed (every stage, as `replay
//! --stages` judges it); each rule's threshold is tried at stricter values,
//! all in the one pass, and the rule set written keeps each rule at or below
//! the given share of the assessments: the least change that does.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::{Engine, RuleSet, UtcOffset, Window};
use serde_json::Value;

use crate::Judging;
use crate::replay::fold;

/// `calibrate EVENTS --out RULES [--max-rate R] [--config BASE] [--html FILE]`
#[derive(clap::Args)]
pub struct Args {
    /// The shop's events as JSON lines, in the order they happened.
    events: PathBuf,
    /// Where to write the calibrated rule set (JSON).
    #[arg(long, value_name = "RULES")]
    out: PathBuf,
    /// The largest share of the assessments a rule may fire on.
    #[arg(long, default_value_t = 0.01)]
    max_rate: f64,
    #[command(flatten)]
    judging: Judging,
    /// The shop's UTC offset, for rules about local time.
    #[arg(long, default_value = "+08:00", value_parser = crate::replay::parse_offset)]
    utc_offset: UtcOffset,
    /// Also write the before/after table as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// How a threshold is written in a rule set.
#[derive(Clone, Copy)]
enum Kind {
    /// A whole number (a count, a multiple).
    Count,
    /// A decimal amount or multiplier, written as a string.
    Amount,
    /// A share up to 1, written as a string.
    Rate,
    /// A window, written as `30m`, `3d`.
    Window,
}

/// Each rule's threshold: raising it makes the rule fire less. Rules not
/// listed have none (they fire on a fact, such as an invalid phone) and
/// are reported when above the rate; composites follow their parts.
const KNOBS: &[(&str, &str, Kind)] = &[
    ("address.frequent_change", "min_changes", Kind::Count),
    ("aftersales.high_return_rate", "max_rate", Kind::Rate),
    ("behavior.entity_velocity", "min_orders", Kind::Count),
    ("behavior.frequent_cancel", "min_cancellations", Kind::Count),
    ("behavior.multi_account", "min_accounts", Kind::Count),
    ("behavior.night_batch", "min_orders", Kind::Count),
    ("behavior.order_burst", "min_orders", Kind::Count),
    ("contact.phone_unreachable", "min_unanswered", Kind::Count),
    ("logistics.stalled", "max_idle", Kind::Window),
    ("payment.account_churn", "min_accounts", Kind::Count),
    ("payment.amount_mismatch", "tolerance", Kind::Amount),
    ("payment.amount_spike", "multiplier", Kind::Amount),
    ("payment.failed_attempts", "min_failures", Kind::Count),
    ("payment.instrument_shared", "min_buyers", Kind::Count),
    ("payment.insufficient_balance", "min_count", Kind::Count),
    ("payment.large_amount", "threshold", Kind::Amount),
    ("payment.timeout", "window", Kind::Window),
    ("product.fraud_linked", "min_complaints", Kind::Count),
    ("product.high_value_no_history", "min_value", Kind::Amount),
    ("product.stock_share", "quantity_multiple", Kind::Count),
    ("product.turnover_spike", "multiplier", Kind::Count),
];

/// Factors a threshold is tried at, from the least change.
const STEPS: [f64; 12] = [1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 16.0, 32.0];

/// `current` made stricter by each of [`STEPS`], as rule-set values, the
/// least change first, each once (`None` where the value does not read).
fn stricter(current: &Value, kind: Kind) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        if !out.contains(&v) && &v != current {
            out.push(v);
        }
    };
    match kind {
        Kind::Count => {
            let Some(c) = current.as_u64() else { return out };
            for add in [1, 2, 3] {
                push(Value::from(c + add));
            }
            for f in STEPS {
                push(Value::from(((c.max(1) as f64) * f).ceil() as u64));
            }
        }
        Kind::Amount => {
            let Some(c) = current.as_str().and_then(|s| s.parse::<f64>().ok()) else { return out };
            for f in STEPS {
                // A zero (an exact tolerance) grows from a cent.
                let v = if c > 0.0 { c * f } else { 0.01 * f };
                push(Value::from(decimal(v)));
            }
        }
        Kind::Rate => {
            let Some(c) = current.as_str().and_then(|s| s.parse::<f64>().ok()) else { return out };
            for share in [0.25, 0.5, 0.75, 0.9, 1.0] {
                push(Value::from(decimal(c + (1.0 - c) * share)));
            }
        }
        Kind::Window => {
            let Some(w) = current.as_str().and_then(|s| s.parse::<Window>().ok()) else { return out };
            for f in STEPS {
                let minutes = ((f64::from(w.as_secs()) * f) / 60.0).ceil() as u32;
                push(Value::from(Window::minutes(minutes.max(1)).to_string()));
            }
        }
    }
    out
}

/// `v` to the cent, as a rule set writes a decimal: `7500`, `0.25`.
fn decimal(v: f64) -> String {
    let s = format!("{:.2}", (v * 100.0).round() / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A rule-set value as a person reads it: a string without its quotes.
fn plain(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// One rule's calibration.
struct Row {
    rule: String,
    before: f64,
    after: f64,
    /// `param was -> now`, when it changed.
    change: Option<String>,
    /// Why the rule is still above the rate, when it is.
    note: Option<&'static str>,
}

pub fn run(args: &Args) -> ExitCode {
    if !(0.0..=1.0).contains(&args.max_rate) {
        eprintln!("calibrate: --max-rate is a share between 0 and 1");
        return ExitCode::from(2);
    }
    match calibrate(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("calibrate: {e}");
            ExitCode::from(2)
        }
    }
}

fn calibrate(args: &Args) -> Result<ExitCode, String> {
    let base: Value = {
        let rules = match &args.judging.config {
            // The whole rule set the engine runs (a short file keeps the
            // defaults for what it does not say), so every rule's
            // parameters are there to change.
            Some(path) => order_anomaly::Engine::from_config_path(path).map_err(|e| e.to_string())?.config(),
            None => RuleSet::builtin(),
        };
        serde_json::from_str(&rules.to_json_pretty()).map_err(|e| e.to_string())?
    };
    // One engine per rule and value: the rule alone, at that value.
    let mut probes: Vec<(usize, Value, Engine)> = Vec::new();
    let knobs: Vec<(usize, &str, &str, Kind, Value)> = KNOBS
        .iter()
        .enumerate()
        .filter_map(|(i, (rule, param, kind))| {
            let current = base["rules"][*rule]["params"][*param].clone();
            let enabled = base["rules"][*rule]["enabled"].as_bool().unwrap_or(true);
            (enabled && !current.is_null()).then_some((i, *rule, *param, *kind, current))
        })
        .collect();
    for (i, rule, param, kind, current) in &knobs {
        for value in std::iter::once(current.clone()).chain(stricter(current, *kind)) {
            let mut alone = base.clone();
            if let Some(rules) = alone["rules"].as_object_mut() {
                for (id, r) in rules.iter_mut() {
                    r["enabled"] = Value::from(id == rule);
                }
            }
            alone["rules"][*rule]["params"][*param] = value.clone();
            // A value the rule refuses (past a bound) is not tried.
            if let Ok(engine) = Engine::from_config_str(&alone.to_string()) {
                probes.push((*i, value, engine));
            }
        }
    }
    let input = crate::lines::open(Some(&args.events))?;
    let mut fired = vec![0u64; probes.len()];
    let mut assessments = 0u64;
    let folded = fold(input, args.utc_offset, true, |_, order, ctx| {
        assessments += 1;
        for ((i, _, engine), n) in probes.iter().zip(fired.iter_mut()) {
            // The probed rule's own flag: a composite of the rule set whose
            // condition reads only the order could fire beside it.
            let rule = KNOBS.get(*i).map_or("", |(rule, _, _)| *rule);
            if engine.evaluate(order, ctx).has_flag(rule) {
                *n += 1;
            }
        }
    });
    if assessments == 0 {
        return Err(format!("{}: no order to judge", args.events.display()));
    }
    let rate = |hits: u64| hits as f64 / assessments as f64;
    // Per rule, the least change that brings it to the rate: the probes of
    // a rule come from the current value on, least change first.
    let mut calibrated = base.clone();
    let mut changes: BTreeMap<String, String> = BTreeMap::new();
    let mut stuck: BTreeMap<String, &'static str> = BTreeMap::new();
    for (i, rule, param, _, current) in &knobs {
        let tried: Vec<(&Value, u64)> =
            probes.iter().zip(&fired).filter(|((k, _, _), _)| k == i).map(|((_, v, _), n)| (v, *n)).collect();
        if tried.first().is_none_or(|(_, n)| rate(*n) <= args.max_rate) {
            continue;
        }
        // None that does: the value is left as it was, and said so.
        match tried.iter().find(|(_, n)| rate(*n) <= args.max_rate) {
            Some((value, _)) => {
                calibrated["rules"][*rule]["params"][*param] = (*value).clone();
                changes.insert((*rule).to_owned(), format!("{param} {} -> {}", plain(current), plain(value)));
            }
            None => {
                stuck.insert((*rule).to_owned(), "above the rate at every value tried: left as it was");
            }
        }
    }
    let name = base["name"].as_str().unwrap_or("rules").to_owned();
    calibrated["name"] = Value::from(format!("{name}-calibrated"));
    let text = serde_json::to_string_pretty(&calibrated).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&args.out, text).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let written = RuleSet::from_path(&args.out).map_err(|e| format!("the calibrated rule set does not load: {e}"))?;
    // Before and after, as the whole rule sets fire (composites included).
    let engines = [
        Engine::from_config_str(&base.to_string()).map_err(|e| e.to_string())?,
        written.build().map_err(|e| e.to_string())?,
    ];
    let mut hits: [BTreeMap<String, u64>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let input = crate::lines::open(Some(&args.events))?;
    fold(input, args.utc_offset, true, |_, order, ctx| {
        for (engine, hits) in engines.iter().zip(hits.iter_mut()) {
            for f in engine.evaluate(order, ctx).flags() {
                *hits.entry(f.rule_id().to_string()).or_default() += 1;
            }
        }
    });
    let [before, after] = &hits;
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let rows: Vec<Row> = ids
        .into_iter()
        .map(|id| {
            let (b, a) = (rate(before.get(id).copied().unwrap_or(0)), rate(after.get(id).copied().unwrap_or(0)));
            let knob = KNOBS.iter().any(|(rule, _, _)| rule == id);
            let note = stuck.get(id).copied().or_else(|| {
                (a > args.max_rate).then_some(if knob {
                    "above the rate with its parts calibrated"
                } else {
                    "no threshold to raise: lower its points or turn it off"
                })
            });
            Row { rule: id.clone(), before: b, after: a, change: changes.get(id).cloned(), note }
        })
        .collect();
    println!(
        "{assessments} assessments (every stage) of {}: each rule at most {:.2}% of them",
        args.events.display(),
        100.0 * args.max_rate
    );
    println!("{:<34} {:>8} {:>8}  change", "rule", "before", "after");
    for r in &rows {
        let change = r.change.as_deref().unwrap_or("-");
        let note = r.note.map(|n| format!("  ({n})")).unwrap_or_default();
        println!("{:<34} {:>7.2}% {:>7.2}%  {change}{note}", r.rule, 100.0 * r.before, 100.0 * r.after);
    }
    let info = written.info();
    println!("wrote {} ({} {}, {})", args.out.display(), info.name, info.version, info.hash);
    if let Some(path) = &args.html {
        std::fs::write(path, html(&rows, args.max_rate, assessments))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    eprintln!("calibrate: {}", folded.describe());
    Ok(if crate::lines::report_bad("calibrate", folded.bad_lines) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The before/after table as a page.
fn html(rows: &[Row], max_rate: f64, assessments: u64) -> String {
    let mut body = format!(
        "<h1>Calibration</h1>\n<p>{assessments} assessments; each rule at most {:.2}% of them.</p>\n\
         <table><tr><th>rule</th><th>before</th><th>after</th><th>change</th><th>note</th></tr>\n",
        100.0 * max_rate
    );
    for r in rows {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{:.2}%</td><td>{:.2}%</td><td>{}</td><td>{}</td></tr>",
            crate::report::escape(&r.rule),
            100.0 * r.before,
            100.0 * r.after,
            crate::report::escape(r.change.as_deref().unwrap_or("-")),
            r.note.unwrap_or("")
        );
    }
    body.push_str("</table>\n");
    crate::report::page("order-anomaly calibration", &body)
}
