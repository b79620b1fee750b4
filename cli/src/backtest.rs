//! `order-anomaly backtest`: a rule set (or two) measured on a labelled
//! event export, streamed.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::backtest::{BacktestReport, Tally};
use order_anomaly::{Decision, Engine, JsonError, UtcOffset};
use serde::{Deserialize, Serialize};

use crate::lines::{self, ErrorAtLine};
use crate::replay::{Folded, fold};

/// `backtest EVENTS --labels LABELS [--config A [--config B]] [--cutoff review|hold]`
#[derive(clap::Args)]
pub struct Args {
    /// Events as JSON lines (`order-anomaly schema event`), in the order
    /// they happened; standard input when `-`.
    events: PathBuf,
    /// Which orders were abnormal: CSV (`order_id,label`, label 0/1 or
    /// false/true, a header line allowed) or JSON lines
    /// (`{"order_id": "SO-1", "abnormal": true}`).
    #[arg(long, value_name = "LABELS")]
    labels: PathBuf,
    /// A rule set to measure instead of the defaults; twice to compare two
    /// (the orders whose decision changes are listed).
    #[arg(long = "config", value_name = "RULES", num_args = 1, action = clap::ArgAction::Append)]
    configs: Vec<PathBuf>,
    /// The decision from which an order counts as flagged.
    #[arg(long, default_value = "review", value_parser = parse_decision)]
    cutoff: Decision,
    /// The shop's UTC offset, for rules about local time.
    #[arg(long, default_value = "+08:00", value_parser = crate::replay::parse_offset)]
    utc_offset: UtcOffset,
    /// Also write the report as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn parse_decision(s: &str) -> Result<Decision, String> {
    Decision::ALL
        .iter()
        .copied()
        .find(|d| d.as_str() == s)
        .ok_or_else(|| format!("`{s}` is no decision: use review or hold"))
}

/// An order whose decision differs between the two rule sets.
#[derive(Serialize)]
pub struct Changed {
    pub order_id: String,
    pub abnormal: bool,
    pub before: Decision,
    pub after: Decision,
}

/// What `backtest` writes: one report per rule set, and for two the changes.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    folded: &'a Folded,
    /// Labelled orders never placed in the events.
    labels_without_orders: usize,
    /// Placed orders without a label (not measured).
    orders_without_labels: u64,
    /// The labels file, every line accounted for.
    labels: &'a Labels,
    reports: Vec<BacktestReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<Vec<Changed>>,
}

pub fn run(args: &Args) -> ExitCode {
    let engines: Result<Vec<Engine>, String> = if args.configs.is_empty() {
        Ok(vec![Engine::default()])
    } else {
        args.configs.iter().map(|c| Engine::from_config_path(c).map_err(|e| e.to_string())).collect()
    };
    let engines = match engines {
        Ok(e) if e.len() <= 2 => e,
        Ok(_) => {
            eprintln!("backtest: at most two rule sets (--config A --config B)");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("backtest: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut labels, labels_read) = match read_labels(&args.labels) {
        Ok(mut l) => (std::mem::take(&mut l.by_order), l),
        Err(e) => {
            eprintln!("backtest: {e}");
            return ExitCode::from(2);
        }
    };
    let input = match lines::open(Some(&args.events)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("backtest: {e}");
            return ExitCode::from(2);
        }
    };
    let mut tallies: Vec<Tally> = engines.iter().map(|e| Tally::new(e.ruleset().name.clone(), args.cutoff)).collect();
    let mut changed = (engines.len() == 2).then(Vec::new);
    let mut unlabelled = 0u64;
    // Each order is judged at placement only; its label is taken (and
    // removed: what remains names orders the events never placed).
    let folded = fold(input, args.utc_offset, false, |_, order, ctx| {
        let Some(abnormal) = labels.remove(&order.id) else {
            unlabelled += 1;
            return;
        };
        let decisions: Vec<Decision> = engines
            .iter()
            .zip(&mut tallies)
            .map(|(engine, tally)| {
                let a = engine.evaluate(order, ctx);
                tally.add(&a, abnormal);
                a.decision()
            })
            .collect();
        if let (Some(changed), [before, after]) = (changed.as_mut(), decisions.as_slice()) {
            if before != after {
                changed.push(Changed { order_id: order.id.clone(), abnormal, before: *before, after: *after });
            }
        }
    });
    let reports: Vec<BacktestReport> = tallies.iter().map(Tally::report).collect();
    for r in &reports {
        print_report(r);
    }
    if !labels.is_empty() {
        eprintln!("backtest: {} labels name orders the events never placed", labels.len());
    }
    eprintln!("backtest: {}", folded.describe());
    eprintln!("backtest: labels: {}", labels_read.describe());
    if let Some(path) = &args.html {
        let page = crate::report::html(&reports, changed.as_deref());
        if let Err(e) =
            page.and_then(|p| std::fs::write(path, p).map_err(|e| format!("cannot write {}: {e}", path.display())))
        {
            eprintln!("backtest: {e}");
            return ExitCode::from(2);
        }
    }
    let out = Output {
        folded: &folded,
        labels_without_orders: labels.len(),
        orders_without_labels: unlabelled,
        labels: &labels_read,
        reports,
        changed,
    };
    let mut stdout = io::stdout().lock();
    if let Err(e) = serde_json::to_writer(&mut stdout, &out).map_err(io::Error::from).and_then(|()| writeln!(stdout)) {
        eprintln!("backtest: cannot write: {e}");
        return ExitCode::from(2);
    }
    let bad = folded.bad_lines.saturating_add(labels_read.bad());
    if lines::report_bad("backtest", bad) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// A human summary of one report on standard error.
fn print_report(r: &BacktestReport) {
    let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    eprintln!("rule set `{}`: {} orders, {} abnormal", r.ruleset, r.orders, r.positives);
    for cutoff in [Decision::Review, Decision::Hold] {
        let c = r.confusion_at(cutoff);
        eprintln!(
            "  at {:<6}: precision {}, recall {} ({} flagged)",
            cutoff.as_str(),
            pct(c.precision()),
            pct(c.recall()),
            c.true_positives + c.false_positives
        );
    }
    for (id, m) in &r.rules {
        eprintln!(
            "  {id:<34} {:>7} hits ({:>6} of orders)  precision {:>6}  recall {:>6}",
            m.hits,
            pct(m.firing_rate),
            pct(m.precision),
            pct(m.recall)
        );
    }
}

/// One label as a JSON line.
#[derive(Deserialize)]
struct JsonLabel {
    order_id: String,
    #[serde(alias = "label", deserialize_with = "flag")]
    abnormal: bool,
}

/// `true`/`false` or `1`/`0`.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Number(u8),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Number(0) => Ok(false),
        Flag::Number(1) => Ok(true),
        Flag::Number(_) => Err(serde::de::Error::custom("a label is 0 or 1, true or false")),
    }
}

/// A CSV label line that does not read.
struct BadCsv(String);

impl ErrorAtLine for BadCsv {
    fn at_line(&self, line: usize) -> String {
        format!("line {line}: {}", self.0)
    }
}

/// Either kind of bad label line.
enum BadLabel {
    Json(JsonError),
    Csv(BadCsv),
}

impl ErrorAtLine for BadLabel {
    fn at_line(&self, line: usize) -> String {
        match self {
            BadLabel::Json(e) => e.at_line(line),
            BadLabel::Csv(e) => e.at_line(line),
        }
    }
}

/// One CSV line: `order_id,label`.
fn csv_label(line: &str) -> Result<(String, bool), BadCsv> {
    let mut fields = line.split(',').map(str::trim);
    let (Some(id), Some(label)) = (fields.next(), fields.next()) else {
        return Err(BadCsv("expected `order_id,label`".into()));
    };
    let abnormal = match label.trim_matches('"') {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => return Err(BadCsv("a label is 0 or 1, true or false".into())),
    };
    Ok((id.trim_matches('"').to_owned(), abnormal))
}

/// Whether a CSV line is the header `order_id,label` (in any case, quoted
/// or not): only the first line may be, and only that header.
fn csv_header(line: &str) -> bool {
    let fields: Vec<String> = line.split(',').map(|f| f.trim().trim_matches('"').to_ascii_lowercase()).collect();
    matches!(fields.first().map(String::as_str), Some("order_id")) && fields.len() >= 2
}

/// The labels file, every line accounted for.
#[derive(Default, Serialize)]
pub struct Labels {
    /// The labels by order id (the first, where an order is labelled twice).
    #[serde(skip)]
    pub by_order: HashMap<String, bool>,
    /// Non-blank lines read.
    pub lines: usize,
    /// A header line (`order_id,label`), CSV only.
    pub header: bool,
    /// Labels read (one per order).
    pub labels: usize,
    /// Lines labelling an order already labelled, the same way.
    pub repeated: usize,
    /// Lines labelling an order already labelled the other way: reported,
    /// and the first label kept.
    pub conflicting: usize,
    /// Lines that do not read.
    pub bad_lines: usize,
}

/// Reads the labels of `path`: CSV when it ends in `.csv`, JSON lines
/// otherwise. A bad or conflicting line is reported on standard error.
pub fn read_labels(path: &std::path::Path) -> Result<Labels, String> {
    let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let input = lines::open(Some(path))?;
    let bad = Cell::new(0usize);
    let mut read = Labels::default();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (n, line) in lines::raw(input, &bad) {
        read.lines += 1;
        if csv && read.lines == 1 && csv_header(&line) {
            read.header = true;
            continue;
        }
        let parsed = if csv {
            csv_label(&line).map_err(BadLabel::Csv)
        } else {
            order_anomaly::parse_json::<JsonLabel>(&line).map(|l| (l.order_id, l.abnormal)).map_err(BadLabel::Json)
        };
        match parsed {
            Ok((id, abnormal)) => match read.by_order.get(&id) {
                None => {
                    first_line.insert(id.clone(), n);
                    read.by_order.insert(id, abnormal);
                    read.labels += 1;
                }
                Some(was) if *was == abnormal => read.repeated += 1,
                Some(_) => {
                    let first = first_line.get(&id).copied().unwrap_or(0);
                    eprintln!(
                        "labels: line {n}: labels an order line {first} labelled the other way; line {first} is kept"
                    );
                    read.conflicting += 1;
                }
            },
            Err(e) => {
                eprintln!("labels: {}", e.at_line(n));
                read.bad_lines += 1;
            }
        }
    }
    read.bad_lines += bad.get();
    Ok(read)
}

impl Labels {
    /// One line for standard error.
    pub fn describe(&self) -> String {
        format!(
            "{} lines ({} labels, {} header, {} repeated, {} conflicting, {} bad)",
            self.lines,
            self.labels,
            usize::from(self.header),
            self.repeated,
            self.conflicting,
            self.bad_lines
        )
    }

    /// Lines to count as bad: those that do not read and the conflicting.
    pub fn bad(&self) -> usize {
        self.bad_lines + self.conflicting
    }
}
