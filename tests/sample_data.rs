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
