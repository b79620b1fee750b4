//! `order-anomaly replay`: an event export through the profile store and the
//! engine, assessing each order as it is placed.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use order_anomaly::profile::{Applied, Event, EventKind, InMemoryStore};
use order_anomaly::{Assessment, Decision, Order, Stage, UtcOffset};
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

fn parse_offset(s: &str) -> Result<UtcOffset, String> {
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

/// What the replay saw.
#[derive(Default, Serialize)]
struct Summary {
    events: u64,
    bad_lines: usize,
    applied: u64,
    duplicates: u64,
    too_late: u64,
    held: u64,
    dropped: u64,
    unknown_types: u64,
    assessments: u64,
    decisions: BTreeMap<&'static str, u64>,
    hits_by_rule: BTreeMap<String, u64>,
    skips_by_rule: BTreeMap<String, u64>,
    events_per_sec: f64,
}

pub fn run(args: &Args) -> ExitCode {
    let (engine, input) = match args.judging.open("replay", Some(&args.events)) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    // An export is history: its gaps are real, so nothing is held for
    // being dated ahead.
    let mut store = InMemoryStore::for_history();
    let mut out = Output { out: BufWriter::new(io::stdout().lock()), quiet: args.summary_only, failed: None };
    let mut summary =
        Summary { decisions: Decision::ALL.iter().map(|d| (d.as_str(), 0)).collect(), ..Summary::default() };
    let started = Instant::now();
    let mut bad = 0usize;
    for (n, event) in lines::parsed(input, Event::from_json, &mut bad) {
        summary.events += 1;
        let assess = |store: &InMemoryStore, order: &Order, stage: Stage| {
            let mut ctx = store.context_for(order, event.at, args.utc_offset);
            ctx.stage = Some(stage);
            engine.evaluate(order, &ctx)
        };
        // An order is judged when it is placed, once: a redelivered
        // placement is not judged again.
        let placed = match &event.kind {
            EventKind::OrderPlaced { order } if store.stage(&order.id).is_none() => Some(order),
            _ => None,
        };
        if let Some(order) = placed {
            let a = assess(&store, order, Stage::Placed);
            summary.count(&a);
            out.emit(n, &order.id, &a);
        }
        let id = event.kind.order_id().filter(|_| args.stages && !matches!(event.kind, EventKind::OrderPlaced { .. }));
        let before = id.and_then(|id| store.stage(id));
        match store.apply(&event) {
            Applied::Applied => summary.applied += 1,
            Applied::Duplicate => summary.duplicates += 1,
            Applied::TooLate => summary.too_late += 1,
            Applied::Held => summary.held += 1,
            Applied::Dropped => summary.dropped += 1,
            Applied::Ignored => summary.unknown_types += 1,
            _ => {}
        }
        // With --stages: the order again when this event moved it on.
        let moved = id.and_then(|id| Some((store.order(id)?, store.stage(id).filter(|s| Some(*s) != before)?)));
        if let Some((order, stage)) = moved {
            let a = assess(&store, &order, stage);
            summary.count(&a);
            out.emit(n, &order.id, &a);
        }
    }
    let Output { mut out, failed: failed_write, .. } = out;
    summary.bad_lines = bad;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    summary.events_per_sec = (summary.events as f64 / secs).round();
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
    eprintln!(
        "replay: {} events ({} applied, {} duplicates, {} too late, {} of unknown types), {} assessments, {:.0} events/s",
        summary.events,
        summary.applied,
        summary.duplicates,
        summary.too_late,
        summary.unknown_types,
        summary.assessments,
        summary.events_per_sec
    );
    if lines::report_bad("replay", bad) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

impl Summary {
    fn count(&mut self, a: &Assessment) {
        self.assessments += 1;
        *self.decisions.entry(a.decision().as_str()).or_default() += 1;
        for f in a.flags() {
            *self.hits_by_rule.entry(f.rule_id().to_string()).or_default() += 1;
        }
        for s in a.skipped() {
            *self.skips_by_rule.entry(s.rule_id.to_string()).or_default() += 1;
        }
    }
}
