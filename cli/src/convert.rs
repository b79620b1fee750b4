//! `order-anomaly convert`: the bundled public datasets written in the
//! generic event format, so they go through the same path as a shop's own
//! export (`replay`, `backtest`).

// The adapters are the examples' own (they document each dataset's
// mapping), shared as source rather than copied.
#[path = "../../examples/datasets/aws.rs"]
mod aws;
#[path = "../../examples/datasets/olist.rs"]
mod olist;
#[path = "../../examples/datasets/steps.rs"]
mod steps;
#[path = "../../examples/datasets/uci.rs"]
mod uci;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use steps::Step;

/// `convert uci|olist|aws DIR [--labels LABELS.csv] > events.jsonl`
#[derive(clap::Args)]
pub struct Args {
    /// Which dataset.
    #[arg(value_enum)]
    dataset: Dataset,
    /// Its directory (with the files its SOURCE.md lists).
    dir: PathBuf,
    /// Where to write the labels (CSV `order_id,label`), for a dataset
    /// that has them; the events go to standard output.
    #[arg(long, value_name = "LABELS")]
    labels: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Dataset {
    /// UCI Online Retail: invoices, cancellations; labels: cancelled invoices.
    Uci,
    /// Olist (Brazil): orders, payments, deliveries, reviews.
    Olist,
    /// AWS Fraud Detector sample: labelled transactions.
    Aws,
}

pub fn run(args: &Args) -> ExitCode {
    let loaded = match args.dataset {
        Dataset::Uci => uci::load(&args.dir),
        Dataset::Olist => olist::load(&args.dir),
        Dataset::Aws => aws::load(&args.dir),
    };
    let mut replay = match loaded {
        Ok(r) => r,
        Err(e) => {
            eprintln!("convert: {e}");
            return ExitCode::from(2);
        }
    };
    // Stable: at one instant, events stay in the adapter's order.
    replay.steps.sort_by_key(Step::at);
    let written = write(args, &replay);
    match written {
        Ok((events, labels)) => {
            eprintln!("convert: {}: {events} events, {labels} labels written", replay.name);
            for n in &replay.notes {
                eprintln!("  note: {n}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("convert: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes the events to standard output and the labels to `--labels`; how
/// many of each.
fn write(args: &Args, replay: &steps::Replay) -> Result<(usize, usize), String> {
    let mut events = BufWriter::new(std::io::stdout().lock());
    let mut n = 0usize;
    for step in &replay.steps {
        // Re-assessment points are the `replay --stages` option's business.
        let Step::Event(e) = step else { continue };
        serde_json::to_writer(&mut events, e).map_err(|e| e.to_string())?;
        writeln!(events).map_err(|e| e.to_string())?;
        n += 1;
    }
    events.flush().map_err(|e| e.to_string())?;
    let Some(path) = &args.labels else {
        if !replay.labels.is_empty() {
            eprintln!("convert: {} labels not written: name a file with --labels", replay.labels.len());
        }
        return Ok((n, 0));
    };
    let mut labels =
        File::create(path).map(BufWriter::new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut sorted: Vec<(&String, &bool)> = replay.labels.iter().collect();
    sorted.sort();
    writeln!(labels, "order_id,label").map_err(|e| e.to_string())?;
    for (id, abnormal) in &sorted {
        writeln!(labels, "{id},{}", u8::from(**abnormal)).map_err(|e| e.to_string())?;
    }
    labels.flush().map_err(|e| e.to_string())?;
    Ok((n, sorted.len()))
}
