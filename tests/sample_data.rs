//! The bundled sample, `examples/data/orders.jsonl`, is what the demo and the
//! README show: it must parse, and across it every catalogue rule must fire.

use std::collections::BTreeMap;

use order_anomaly::{Decision, Engine, EvalRequest, ids};

fn sample() -> Vec<EvalRequest> {
    let text = include_str!("../examples/data/orders.jsonl");
    text.lines()
        .enumerate()
        .map(|(n, l)| EvalRequest::from_json(l).unwrap_or_else(|e| panic!("{}", e.at_line(n + 1))))
        .collect()
}

#[test]
fn every_catalogue_rule_fires_on_the_sample_next_to_clean_orders() {
    let engine = Engine::default();
    let mut hits: BTreeMap<&str, usize> = ids::ALL.iter().map(|id| (*id, 0)).collect();
    let mut clean = 0;
    for r in sample() {
        let a = engine.evaluate(&r.order, &r.context);
        if a.flags().is_empty() {
            clean += 1;
        }
        for f in a.flags() {
            *hits.get_mut(f.rule_id().as_str()).expect("a catalogue id") += 1;
        }
    }
    let never: Vec<_> = hits.iter().filter(|(_, n)| **n == 0).map(|(id, _)| *id).collect();
    assert!(never.is_empty(), "never fired: {never:?}");
    assert!(clean >= 20, "only {clean} clean orders");
}

#[test]
fn the_sample_reaches_every_decision() {
    let engine = Engine::default();
    let decisions: Vec<Decision> = sample().iter().map(|r| engine.evaluate(&r.order, &r.context).decision()).collect();
    for d in Decision::ALL {
        assert!(decisions.contains(&d), "no {d:?}");
    }
}

#[test]
fn a_bad_line_names_its_line_column_and_path() {
    let e = EvalRequest::from_json(r#"{"order":{"id":"x"},"context":{"now":"2026-01-01T00:00:00Z"}}"#).unwrap_err();
    assert_eq!(e.at_line(3), "line 3, column 19, at `order`: missing field `user_id`");
    let e = EvalRequest::from_json("not json").unwrap_err();
    assert!(e.at_line(2).starts_with("line 2, column 2: expected"), "{}", e.at_line(2));
}

#[test]
fn the_sample_shows_an_allow_list_exemption() {
    let engine = Engine::default();
    let exempted: Vec<_> = sample()
        .iter()
        .flat_map(|r| engine.evaluate(&r.order, &r.context).exemptions().to_vec())
        .map(|e| (e.flag.rule_id().to_string(), e.reason))
        .collect();
    assert_eq!(exempted, [(ids::CONTACT_RECIPIENT_MISMATCH.to_owned(), "VIP buyer who often sends gifts".to_owned())]);
}

/// The assessments of the sample, as JSON, byte for byte as recorded in
/// `tests/fixtures/sample-assessments.jsonl`: messages, evidence, scores and
/// their order. A change to how reasons are built (or when) must not change
/// what a host reads. After an intended change to a rule's output, rewrite
/// the file with `UPDATE_FIXTURES=1 cargo test --test sample_data` and
/// review the diff.
#[test]
fn the_assessments_of_the_sample_are_byte_for_byte_as_recorded() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sample-assessments.jsonl");
    let engine = Engine::default();
    let got: String = sample()
        .iter()
        .map(|r| serde_json::to_string(&engine.evaluate(&r.order, &r.context)).unwrap() + "\n")
        .collect();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(path, &got).unwrap();
    }
    let want = std::fs::read_to_string(path).unwrap();
    for (n, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} of the sample", n + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
