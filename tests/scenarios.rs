//! Fixture-driven scenarios: each `tests/fixtures/*.json` holds an order, its
//! context and the expected decision and flags (in declaration order). Add a
//! file to add a scenario.

use order_anomaly::{Decision, EvalContext, Order};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    order: Order,
    context: EvalContext,
    expected: Expected,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    decision: Decision,
    flags: Vec<String>,
}

#[test]
fn every_fixture_gets_its_expected_decision_and_flags() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "fixtures missing from {dir}");
    let engine = order_anomaly::Engine::default();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let fx: Fixture = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let a = engine.evaluate(&fx.order, &fx.context);
        let flags: Vec<&str> = a.flags().iter().map(|f| f.rule_id().as_str()).collect();
        if a.decision() != fx.expected.decision || flags != fx.expected.flags {
            failures.push(format!(
                "{} ({}): expected {:?} {:?}, got {:?} {:?}",
                path.file_name().unwrap().to_string_lossy(),
                fx.description,
                fx.expected.decision,
                fx.expected.flags,
                a.decision(),
                flags
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
