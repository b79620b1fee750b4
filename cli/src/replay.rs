//! `order-anomaly replay`: an event export through the profile store and the
//! engine, assessing each order as it is placed.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use order_anomaly::profile::{Applied, Event, EventKind, InMemoryStore, StoreConfig};
use order_anomaly::{Assessment, Decision, EvalContext, Order, Stage, UtcOffset, Window};
use serde::Serialize;

use crate::Judging;
use crate::lines;

/// `replay EVENTS [--config RULES] [--stages] [--utc-offset +08:00] [--summary-only]`
#[derive(clap::Args)]
pub struct Args {
    /// Events as JSON lines (`order-anomaly schema event`), in the order
    /// they happened (up to an hour out of order is folded correctly; later
    /// than that is counted as too late); standard input when `-`.
    events: PathBuf,
    #[command(flatten)]
    judging: Judging,
    /// Assess orders again at later stages (paid, shipped, delivered,
    /// after-sales), with the events folded in, besides at placement.
    #[arg(long)]
    stages: bool,
    /// The shop's UTC offset, for rules about local time (night orders).
    #[arg(long, default_value = "+08:00", value_parser = parse_offset)]
    utc_offset: UtcOffset,
    /// Print only the summary, not an assessment per line.
    #[arg(long)]
    summary_only: bool,
}

pub fn parse_offset(s: &str) -> Result<UtcOffset, String> {
    s.parse().map_err(|e| format!("{e}"))
}

/// One output line.
#[derive(Serialize)]
struct Assessed<'a> {
    /// The line of the event that prompted the assessment.
    line: usize,
    order_id: &'a str,
    assessment: &'a Assessment,
}

/// Standard output, written an assessment per line unless quiet; the first
/// write error stops the writing and is reported at the end.
struct Output<W: Write> {
    out: W,
    quiet: bool,
    failed: Option<io::Error>,
}

impl<W: Write> Output<W> {
    fn emit(&mut self, line: usize, order_id: &str, assessment: &Assessment) {
        if self.quiet || self.failed.is_some() {
            return;
        }
        let a = Assessed { line, order_id, assessment };
        let written =
            serde_json::to_writer(&mut self.out, &a).map_err(io::Error::from).and_then(|()| writeln!(self.out));
        self.failed = written.err();
    }
}

/// What folding an export saw.
#[derive(Default, Serialize)]
pub struct Folded {
    pub events: u64,
    pub bad_lines: usize,
    pub applied: u64,
    pub duplicates: u64,
    pub too_late: u64,
    pub held: u64,
    pub dropped: u64,
    pub unknown_types: u64,
    pub events_per_sec: f64,
}

impl Folded {
    /// One line for standard error.
    pub fn describe(&self) -> String {
        format!(
            "{} events ({} applied, {} duplicates, {} too late, {} held as dated ahead, {} dropped, {} of unknown types), {:.0} events/s",
            self.events,
            self.applied,
            self.duplicates,
            self.too_late,
            self.held,
            self.dropped,
            self.unknown_types,
            self.events_per_sec
        )
    }
}

/// Events read ahead of the one being folded, to tell an event dated far
/// ahead of the rest of the export (a bad clock, a typo) from a real gap.
const LOOKAHEAD: usize = 3;

/// Folds the events of `input` into a fresh store in the file's order and
/// calls `judge` with each order and its context: once when the store
/// accepts its placement (a redelivered placement, a different order under
/// an id already applied and one too late are counted, not judged) and,
/// with `stages`, again whenever an event moves it to a later stage (events
/// that came before their order included); `line` is the event's.
///
/// An event dated more than the lateness window (and five minutes) past
/// the store's newest is applied when most of the next events agree that
/// time moved on (a real gap: a night, a quiet week); otherwise it is an
/// outlier, held and counted, and the store's clock stays where it was, so
/// one bad date cannot make every later event too late.
pub fn fold(
    input: Box<dyn std::io::BufRead>,
    utc_offset: UtcOffset,
    stages: bool,
    mut judge: impl FnMut(usize, &Order, &EvalContext),
) -> Folded {
    // An export is history: its gaps are real, so the store applies every
    // event at once, and outliers are told here, with the events ahead.
    let mut store = InMemoryStore::for_history();
    let config = StoreConfig::for_history();
    let far = config.lateness.duration() + Window::minutes(5).duration();
    let mut seen = Folded::default();
    let started = Instant::now();
    // Progress on standard error when a person watches it, silent otherwise.
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} {pos} events ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let bad = std::cell::Cell::new(0usize);
    let mut events = lines::parsed(input, Event::from_json, &bad);
    let mut ahead: VecDeque<(usize, Event)> = VecDeque::with_capacity(LOOKAHEAD + 1);
    loop {
        while ahead.len() <= LOOKAHEAD {
            match events.next() {
                Some(e) => ahead.push_back(e),
                None => break,
            }
        }
        let Some((n, event)) = ahead.pop_front() else { break };
        seen.events += 1;
        bar.inc(1);
        let limit = store.watermark().and_then(|w| w.checked_add_signed(far));
        if limit.is_some_and(|limit| event.at > limit) {
            let agreeing = ahead.iter().filter(|(_, e)| limit.is_some_and(|limit| e.at > limit)).count();
            if agreeing * 2 < ahead.len() {
                seen.held += 1;
                continue;
            }
        }
        let context = |store: &InMemoryStore, order: &Order, stage: Stage| {
            let mut ctx = store.context_for(order, event.at, utc_offset);
            ctx.stage = Some(stage);
            ctx
        };
        let accepted = store.admits(&event) == Applied::Applied;
        if let EventKind::OrderPlaced { order } = &event.kind {
            if accepted && store.stage(&order.id).is_none() {
                judge(n, order, &context(&store, order, Stage::Placed));
            }
        }
        let id = event.kind.order_id().filter(|_| stages);
        let before = id.and_then(|id| store.stage(id)).unwrap_or(Stage::Placed);
        match store.apply(&event) {
            Applied::Applied => seen.applied += 1,
            Applied::Duplicate => seen.duplicates += 1,
            Applied::TooLate => seen.too_late += 1,
            Applied::Held => seen.held += 1,
            Applied::Dropped => seen.dropped += 1,
            Applied::Ignored => seen.unknown_types += 1,
            _ => {}
        }
        // The order again when this event moved it on: a later stage, or a
        // placement whose payment or shipment came first.
        let moved = id.and_then(|id| Some((store.order(id)?, store.stage(id).filter(|s| *s != before)?)));
        if let Some((order, stage)) = moved.filter(|_| accepted) {
            judge(n, &order, &context(&store, &order, stage));
        }
    }
    bar.finish_and_clear();
    seen.bad_lines = bad.get();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    seen.events_per_sec = (seen.events as f64 / secs).round();
    seen
}

/// What the replay saw and judged.
#[derive(Default, Serialize)]
struct Summary {
    #[serde(flatten)]
    folded: Folded,
    #[serde(flatten)]
    judged: Judged,
    skips_by_rule: BTreeMap<String, u64>,
    /// The same per stage the orders were judged at.
    by_stage: BTreeMap<Stage, Judged>,
}

/// Assessments, their decisions and each rule's hits, with the share of
/// the assessments each rule fired on: what a shop reads to know whether
/// the rules queue its ordinary orders.
#[derive(Serialize)]
struct Judged {
    assessments: u64,
    decisions: BTreeMap<&'static str, u64>,
    hits_by_rule: BTreeMap<String, u64>,
    firing_rates: BTreeMap<String, f64>,
}

/// Every decision counted from zero, so each shows in the summary.
impl Default for Judged {
    fn default() -> Self {
        Judged {
            assessments: 0,
            decisions: Decision::ALL.iter().map(|d| (d.as_str(), 0)).collect(),
            hits_by_rule: BTreeMap::new(),
            firing_rates: BTreeMap::new(),
        }
    }
}

impl Judged {
    fn count(&mut self, a: &Assessment) {
        self.assessments += 1;
        *self.decisions.entry(a.decision().as_str()).or_default() += 1;
        for f in a.flags() {
            *self.hits_by_rule.entry(f.rule_id().to_string()).or_default() += 1;
        }
    }

    /// Works out the firing rates from the counts.
    fn finish(&mut self) {
        let n = self.assessments.max(1) as f64;
        self.firing_rates = self.hits_by_rule.iter().map(|(id, hits)| (id.clone(), *hits as f64 / n)).collect();
    }

    /// The share of the assessments at `decision` or above.
    fn share_from(&self, decision: Decision) -> f64 {
        let at_or_above: u64 = Decision::ALL
            .iter()
            .filter(|d| **d >= decision)
            .map(|d| self.decisions.get(d.as_str()).copied().unwrap_or(0))
            .sum();
        at_or_above as f64 / self.assessments.max(1) as f64
    }

    /// Lines for standard error: the share sent to review or hold, and each
    /// rule's hits and firing rate, most frequent first.
    fn describe(&self, what: &str) -> String {
        let mut out = format!(
            "  {what}: {} assessments, {:.1}% to review or above, {:.2}% to hold or above\n",
            self.assessments,
            100.0 * self.share_from(Decision::Review),
            100.0 * self.share_from(Decision::Hold)
        );
        let mut rules: Vec<(&String, &u64)> = self.hits_by_rule.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (id, hits) in rules {
            let rate = self.firing_rates.get(id).copied().unwrap_or(0.0);
            out.push_str(&format!("    {id:<34} {hits:>7} hits  {:>5.1}%\n", 100.0 * rate));
        }
        out
    }
}

pub fn run(args: &Args) -> ExitCode {
    let (engine, input) = match args.judging.open("replay", Some(&args.events)) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let mut out = Output { out: BufWriter::new(io::stdout().lock()), quiet: args.summary_only, failed: None };
    let mut summary = Summary::default();
    summary.folded = fold(input, args.utc_offset, args.stages, |n, order, ctx| {
        let a = engine.evaluate(order, ctx);
        summary.count(&a);
        out.emit(n, &order.id, &a);
    });
    summary.judged.finish();
    summary.by_stage.values_mut().for_each(Judged::finish);
    let Output { mut out, failed: failed_write, .. } = out;
    if let Some(e) = failed_write {
        eprintln!("replay: cannot write: {e}");
        return ExitCode::from(2);
    }
    let written = serde_json::to_writer(&mut out, &serde_json::json!({ "summary": &summary }))
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        eprintln!("replay: cannot write: {e}");
        return ExitCode::from(2);
    }
    eprintln!("replay: {}, {} assessments", summary.folded.describe(), summary.judged.assessments);
    for (stage, judged) in &summary.by_stage {
        eprint!("{}", judged.describe(&format!("at {}", stage.as_str())));
    }
    if lines::report_bad("replay", summary.folded.bad_lines) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

impl Summary {
    fn count(&mut self, a: &Assessment) {
        self.judged.count(a);
        self.by_stage.entry(a.stage().unwrap_or(Stage::Placed)).or_default().count(a);
        for s in a.skipped() {
            *self.skips_by_rule.entry(s.rule_id.to_string()).or_default() += 1;
        }
    }
}
