//! Writes the JSON Schema of an input line, a rule-set file or an assessment.
//!
//! ```text
//! cargo run --features schema --example schema -- request|ruleset|assessment
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let schema = match std::env::args().nth(1).as_deref() {
        Some("request") => order_anomaly::schema::request(),
        Some("ruleset") => order_anomaly::schema::rule_set(),
        Some("assessment") => order_anomaly::schema::assessment(),
        other => {
            eprintln!("schema: name request, ruleset or assessment (got {other:?})");
            return ExitCode::from(2);
        }
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
