//! `order-anomaly`: the crate's command line, for a shop's own data.
//!
//! ```text
//! order-anomaly score orders.jsonl --config rules.json --locale en
//! order-anomaly replay events.jsonl --summary-only
//! order-anomaly check-config rules.toml
//! order-anomaly print-default-config > rules.json
//! order-anomaly schema event
//! ```
//!
//! Every subcommand reads what a shop exports as JSON lines, reports a bad
//! line (its number and the JSON path of the problem, never the value) on
//! standard error, goes on with the rest, and exits 1 if any line was bad;
//! a file that cannot be read, or a rule set with problems, exits 2.

mod backtest;
mod calibrate;
mod convert;
mod lines;
mod replay;
mod report;
mod score;
mod tune;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use order_anomaly::{Engine, RuleSet};

/// Flags abnormal orders (异常订单): score orders, replay an event export,
/// check rule sets.
#[derive(Parser)]
#[command(name = "order-anomaly", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scores JSON lines (`{"order": ..., "context": ...}`): one assessment
    /// as JSON per line out.
    ///
    /// Example: order-anomaly score examples/data/orders.jsonl --locale en
    Score(score::Args),
    /// Replays an event export (`profile::Event` as JSON lines, in the
    /// order the file gives) through the profile store, assesses each order
    /// as it is placed, and ends with a summary.
    ///
    /// Example: order-anomaly replay events.jsonl --summary-only
    Replay(replay::Args),
    /// Measures a rule set (or compares two) on a labelled event export:
    /// per rule hits, skips, precision and recall; the Review and Hold
    /// cut-offs and the precision-recall curve over scores, in one pass;
    /// with two `--config`s, the orders whose decision changes.
    ///
    /// Example: order-anomaly backtest events.jsonl --labels labels.csv --config a.json --config b.json
    Backtest(backtest::Args),
    /// Searches each rule's main parameter, then each rule's points and the
    /// decision thresholds, for the most recall at a precision floor, on the
    /// earliest part of a labelled export (70% by default), and measures the
    /// default and the tuned rule set on the rest; writes the tuned rule
    /// set, which loads with --config. Changes are chosen on the first 70%
    /// of the tuning part and kept only where they also do better on the
    /// rest of it, so a change that fits one period's quirks is dropped.
    ///
    /// Example: order-anomaly tune events.jsonl --labels labels.csv --min-precision 0.5 --out tuned.json
    Tune(tune::Args),
    /// Fits the thresholds to a shop's own history, without labels: replays
    /// it (every stage), tries each rule's threshold at stricter values, and
    /// writes a rule set in which each rule fires on at most --max-rate of
    /// the assessments, with the least change that does, and a before/after
    /// table of firing rates. The output loads with --config.
    ///
    /// Example: order-anomaly calibrate events.jsonl --max-rate 0.01 --out calibrated.json
    Calibrate(calibrate::Args),
    /// Checks a rule-set file (JSON, or TOML when it ends in `.toml`):
    /// prints its name, version and hash, or every problem.
    ///
    /// Example: order-anomaly check-config rules.toml
    CheckConfig {
        /// The rule-set file.
        file: PathBuf,
    },
    /// Prints the default rule set as JSON, naming every rule: a starting
    /// point for a file of your own.
    ///
    /// Example: order-anomaly print-default-config > rules.json
    PrintDefaultConfig,
    /// Writes a bundled public dataset (UCI Online Retail, Olist, the AWS
    /// Fraud Detector sample) as an event export on standard output, and its
    /// labels as CSV, for `replay`, `backtest` and `tune`.
    ///
    /// Example: order-anomaly convert aws ../shared/data/aws-fraud-detector-sample --labels labels.csv > events.jsonl
    Convert(convert::Args),
    /// Prints the JSON Schema of an input or output format.
    ///
    /// Example: order-anomaly schema event
    Schema {
        /// Which format.
        #[arg(value_enum)]
        format: Format,
    },
}

/// The formats `schema` describes.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One line of `score`'s input.
    Request,
    /// One line of an event export (`replay`'s input).
    Event,
    /// A rule-set file.
    Ruleset,
    /// An assessment as `score` writes it.
    Assessment,
}

/// Options shared by the subcommands that judge orders.
#[derive(clap::Args)]
struct Judging {
    /// A rule-set file to judge by instead of the defaults.
    #[arg(long, value_name = "RULES")]
    pub config: Option<PathBuf>,
}

impl Judging {
    /// The engine (from `--config`, or the defaults) and the input lines of
    /// `path`; what is wrong with either is reported as `command: ...`, and
    /// the command exits 2.
    fn open(&self, command: &str, path: Option<&Path>) -> Result<(Engine, Box<dyn BufRead>), ExitCode> {
        let engine = match &self.config {
            None => Ok(Engine::default()),
            Some(path) => Engine::from_config_path(path).map_err(|e| e.to_string()),
        };
        engine.and_then(|e| Ok((e, lines::open(path)?))).map_err(|e| {
            eprintln!("{command}: {e}");
            ExitCode::from(2)
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Score(args) => score::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Tune(args) => tune::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::CheckConfig { file } => check_config(&file),
        Command::PrintDefaultConfig => {
            println!("{}", RuleSet::builtin().to_json_pretty());
            ExitCode::SUCCESS
        }
        Command::Schema { format } => schema(format),
    }
}

fn check_config(file: &std::path::Path) -> ExitCode {
    match RuleSet::from_path(file).and_then(|r| r.build().map(|_| r)) {
        Ok(rules) => {
            let info = rules.info();
            println!("{}: {} {} ({}), valid", file.display(), info.name, info.version, info.hash);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

fn schema(format: Format) -> ExitCode {
    let schema = match format {
        Format::Request => order_anomaly::schema::request(),
        Format::Event => order_anomaly::schema::event(),
        Format::Ruleset => order_anomaly::schema::rule_set(),
        Format::Assessment => order_anomaly::schema::assessment(),
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("schema: {e}");
            ExitCode::FAILURE
        }
    }
}
