//! Scores JSON lines: one `{"order": ..., "context": ...}` per line in, one
//! assessment as JSON per line out.
//!
//! ```text
//! cargo run --release --example score -- [FILE|-] [--locale zh|en] [--config RULES.json] [--strict]
//! cargo run --release --example score -- --print-default-config
//! ```
//!
//! `--config` scores with a rule-set file instead of the defaults; a rule set
//! with problems is refused with every problem listed (exit 2).
//! `--print-default-config` prints the default rule set, naming every rule.
//!
//! Reads FILE, or standard input when FILE is `-` or absent. A bad line (not
//! JSON, or not an order) is reported on standard error with its line number
//! and the JSON path of the problem; the other lines are still scored, and
//! the exit code is 1 if any line was bad. Fields the crate does not know
//! (an OMS's own `status` or `channel`) are ignored; `--strict` refuses a
//! line that has any, naming the field's path.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use order_anomaly::{Assessment, Engine, EvalRequest, Locale, RuleSet};
use serde::Serialize;

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

fn main() -> ExitCode {
    let mut path: Option<String> = None;
    let mut config: Option<String> = None;
    let mut locale = Locale::Zh;
    let mut strict = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--locale" => match args.next().unwrap_or_default().parse() {
                Ok(l) => locale = l,
                Err(e) => {
                    eprintln!("score: --locale: {e}");
                    return ExitCode::from(2);
                }
            },
            "--config" => match args.next() {
                Some(c) => config = Some(c),
                None => {
                    eprintln!("score: --config takes a file");
                    return ExitCode::from(2);
                }
            },
            "--strict" => strict = true,
            "--print-default-config" => {
                println!("{}", RuleSet::builtin().to_json_pretty());
                return ExitCode::SUCCESS;
            }
            "-h" | "--help" => {
                println!(
                    "usage: score [FILE|-] [--locale zh|en] [--config RULES.json] [--strict] | --print-default-config"
                );
                return ExitCode::SUCCESS;
            }
            "-" => path = None,
            _ => path = Some(a),
        }
    }
    let input: Box<dyn BufRead> = match &path {
        Some(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(io::BufReader::new(f)),
            Err(e) => {
                eprintln!("score: cannot read {p}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(io::stdin().lock()),
    };

    let engine = match &config {
        None => Engine::default(),
        Some(c) => match Engine::from_config_path(c) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("score: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let out = io::stdout().lock();
    let mut out = BufWriter::new(out);
    let mut bad = 0usize;
    for (n, line) in input.lines().enumerate() {
        let n = n + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("line {n}: cannot read: {e}");
                bad += 1;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let read = if strict { EvalRequest::from_json_strict } else { EvalRequest::from_json };
        let req = match read(&line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", e.at_line(n));
                bad += 1;
                continue;
            }
        };
        let a = engine.evaluate(&req.order, &req.context);
        let scored = Scored {
            line: n,
            order_id: &req.order.id,
            score: a.score(),
            decision: a.decision().as_str(),
            reasons: a.reasons(locale),
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
    if bad > 0 {
        eprintln!("score: {bad} bad line{}", if bad == 1 { "" } else { "s" });
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
