//! The main demo: the default engine over the bundled sample orders.
//!
//! ```text
//! cargo run --release --example demo [-- [FILE] [--locale zh|en]]
//! ```
//!
//! Prints a table (order, score, decision, top reasons) and a summary:
//! orders per decision and hits per rule.

use std::collections::BTreeMap;
use std::process::ExitCode;

use order_anomaly::{Decision, Engine, EvalRequest, Locale, ids};

fn main() -> ExitCode {
    let mut path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/orders.jsonl").to_owned();
    let mut locale = Locale::En;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--locale" => match args.next().unwrap_or_default().parse() {
                Ok(l) => locale = l,
                Err(e) => {
                    eprintln!("--locale: {e}");
                    return ExitCode::FAILURE;
                }
            },
            _ => path = a,
        }
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };

    let engine = Engine::default();
    let mut decisions: BTreeMap<Decision, usize> = BTreeMap::new();
    let mut hits: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut exemptions = 0usize;
    println!("{:<18} {:>5}  {:<7} top reasons", "order", "score", "decision");
    println!("{}", "-".repeat(100));
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let req = match EvalRequest::from_json(line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", e.at_line(n + 1));
                return ExitCode::FAILURE;
            }
        };
        let a = engine.evaluate(&req.order, &req.context);
        *decisions.entry(a.decision()).or_default() += 1;
        for f in a.flags() {
            *hits.entry(f.rule_id().to_string()).or_default() += 1;
        }
        exemptions += a.exemptions().len();
        for s in a.skipped() {
            *skipped.entry(s.rule_id.to_string()).or_default() += 1;
        }
        let reasons = a.reasons(locale);
        let top = if reasons.is_empty() {
            "-".to_owned()
        } else {
            reasons.iter().take(2).copied().collect::<Vec<_>>().join(" | ")
        };
        println!("{:<18} {:>5}  {:<7} {}", req.order.id, a.score(), a.decision().as_str(), top);
    }

    let total: usize = decisions.values().sum();
    println!("\n{total} orders");
    for d in Decision::ALL {
        println!("  {:<7} {:>4}", d.as_str(), decisions.get(&d).copied().unwrap_or(0));
    }
    println!("\nhits per rule (orders where the rule fired / was skipped for missing data):");
    for id in ids::ALL {
        let h = hits.get(id).copied().unwrap_or(0);
        let s = skipped.get(id).copied().unwrap_or(0);
        println!("  {id:<34} {h:>4} fired {s:>4} skipped");
    }
    println!("  {:<34} {exemptions:>4} flags exempted by allow-list entries", ids::LIST_ALLOWED);
    ExitCode::SUCCESS
}
