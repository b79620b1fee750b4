//! `order-anomaly score`: one assessment per input line.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use order_anomaly::{Assessment, EvalRequest, Locale};
use serde::Serialize;

use crate::Judging;
use crate::lines;

/// `score [FILE|-] [--config RULES] [--locale zh|en] [--strict]`
#[derive(clap::Args)]
pub struct Args {
    /// JSON lines, one `{"order": ..., "context": ...}` each; standard input
    /// when `-` or absent.
    file: Option<PathBuf>,
    #[command(flatten)]
    judging: Judging,
    /// The language of the reasons printed: zh or en (the assessment
    /// carries both).
    #[arg(long, default_value = "zh", value_parser = parse_locale)]
    locale: Locale,
    /// Refuse a line with a field the crate does not know (an export's own
    /// `status`), naming its path; by default such fields are ignored.
    #[arg(long)]
    strict: bool,
}

/// One output line.
#[derive(Serialize)]
struct Scored<'a> {
    line: usize,
    order_id: &'a str,
    score: u8,
    decision: &'static str,
    /// The counted flags' messages in the chosen locale, highest points first.
    reasons: Vec<&'a str>,
    assessment: &'a Assessment,
}

fn parse_locale(s: &str) -> Result<Locale, String> {
    s.parse()
}

pub fn run(args: &Args) -> ExitCode {
    let (engine, input) = match args.judging.open("score", args.file.as_deref()) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let read = if args.strict { EvalRequest::from_json_strict } else { EvalRequest::from_json };
    let mut out = BufWriter::new(io::stdout().lock());
    let bad = std::cell::Cell::new(0usize);
    for (n, req) in lines::parsed(input, read, &bad) {
        let problems = engine.check_lists(&req.context.lists);
        if !problems.is_empty() {
            for (path, message) in problems {
                eprintln!("line {n}, at `context.lists.{path}`: {message}");
            }
            bad.set(bad.get() + 1);
            continue;
        }
        let a = engine.evaluate(&req.order, &req.context);
        let scored = Scored {
            line: n,
            order_id: &req.order.id,
            score: a.score(),
            decision: a.decision().as_str(),
            reasons: a.reasons(args.locale),
            assessment: &a,
        };
        let written = serde_json::to_writer(&mut out, &scored).map_err(io::Error::from).and_then(|()| writeln!(out));
        if let Err(e) = written {
            eprintln!("score: cannot write: {e}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("score: cannot write: {e}");
        return ExitCode::from(2);
    }
    if lines::report_bad("score", bad.get()) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
