//! What a hostile or messy export does to `replay`, `backtest` and rule-set
//! loading: each case a regression test of a failure once seen.

mod common;

use common::*;
use serde_json::Value;

/// `replay` of `lines` (an export) with `args`: exit code, summary, stderr.
fn replay_lines(lines: &[&str], args: &[&str]) -> (Option<i32>, Value, String) {
    let export = temp("events.jsonl", &(lines.join("\n") + "\n"));
    let (out, stdout, stderr) = run(bin().arg("replay").arg(&export).arg("--summary-only").args(args));
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (out.status.code(), summary["summary"].clone(), stderr)
}

fn placed(id: &str, order: &str, at: &str) -> String {
    format!(
        r#"{{"id":"{id}","at":"{at}","type":"order_placed","order":{{"id":"{order}","user_id":"u-1","created_at":"{at}","payable_amount":"80.00"}}}}"#
    )
}

#[test]
fn one_event_dated_ahead_is_held_and_does_not_freeze_the_rest() {
    let lines = [
        placed("e1", "SO-1", "2026-03-01T10:00:00Z"),
        r#"{"id":"e2","at":"2099-01-01T00:00:00Z","type":"login","user_id":"u-x"}"#.to_owned(),
        r#"{"id":"e3","at":"2026-03-01T10:01:00Z","type":"paid","order_id":"SO-1","amount":"80.00"}"#.to_owned(),
        placed("e4", "SO-2", "2026-03-01T10:05:00Z"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, s, stderr) = replay_lines(&refs, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!((&s["applied"], &s["held"], &s["too_late"]), (&Value::from(3), &Value::from(1), &Value::from(0)));
    assert_eq!(s["assessments"], 2, "both orders judged");
    assert!(stderr.contains("1 held as dated ahead"), "{stderr}");
    // Two in a row dated ahead are outliers too: most events after them disagree.
    let mut two = refs.clone();
    let second = r#"{"id":"e2b","at":"2099-01-02T00:00:00Z","type":"login","user_id":"u-y"}"#;
    two.insert(2, second);
    let (_, s, _) = replay_lines(&two, &[]);
    assert_eq!((&s["applied"], &s["held"], &s["too_late"]), (&Value::from(3), &Value::from(2), &Value::from(0)));
}

#[test]
fn a_real_gap_in_the_history_is_not_an_outlier() {
    // A quiet week between two busy days: every event after it agrees.
    let lines = [
        placed("e1", "SO-1", "2026-03-01T10:00:00Z"),
        placed("e2", "SO-2", "2026-03-01T10:05:00Z"),
        placed("e3", "SO-3", "2026-03-08T09:00:00Z"),
        placed("e4", "SO-4", "2026-03-08T09:10:00Z"),
        placed("e5", "SO-5", "2026-03-08T09:20:00Z"),
        placed("e6", "SO-6", "2026-03-08T09:30:00Z"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, s, _) = replay_lines(&refs, &[]);
    assert_eq!((&s["applied"], &s["held"], &s["assessments"]), (&Value::from(6), &Value::from(0), &Value::from(6)));
    // The last event of an export has none after it to disagree: applied.
    let (_, s, _) = replay_lines(&refs[..3], &[]);
    assert_eq!((&s["applied"], &s["held"]), (&Value::from(3), &Value::from(0)));
}

#[test]
fn placements_the_store_refuses_are_counted_not_judged() {
    // e1 and e2 apply; a different order under e1's id is a duplicate; an
    // order more than the hour's lateness older than the newest is too late.
    let lines = [
        placed("e1", "SO-1", "2026-03-01T10:00:00Z"),
        placed("e2", "SO-2", "2026-03-01T10:30:00Z"),
        placed("e1", "SO-X", "2026-03-01T10:40:00Z"),
        placed("e4", "SO-OLD", "2026-03-01T09:00:00Z"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, s, _) = replay_lines(&refs, &[]);
    assert_eq!(
        (&s["applied"], &s["duplicates"], &s["too_late"], &s["assessments"]),
        (&Value::from(2), &Value::from(1), &Value::from(1), &Value::from(2))
    );
    // backtest measures only what was judged: the refused orders' labels
    // name orders the store never placed.
    let export = temp("events.jsonl", &(refs.join("\n") + "\n"));
    let labels = temp("labels.csv", "order_id,label\nSO-1,1\nSO-2,0\nSO-X,1\nSO-OLD,0\n");
    let (out, stdout, stderr) = run(bin().arg("backtest").arg(&export).arg("--labels").arg(&labels));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(stdout.trim()).expect("a report");
    assert_eq!((&v["reports"][0]["orders"], &v["labels_without_orders"]), (&Value::from(2), &Value::from(2)));
}

#[test]
fn with_stages_an_order_whose_payment_came_first_is_judged_at_placement_and_paid() {
    let lines = [
        r#"{"id":"p1","at":"2026-03-01T10:00:00Z","type":"paid","order_id":"SO-1","amount":"80.00"}"#.to_owned(),
        placed("e1", "SO-1", "2026-03-01T10:00:30Z"),
    ];
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (_, s, _) = replay_lines(&refs, &["--stages"]);
    assert_eq!(s["by_stage"]["placed"]["assessments"], 1);
    assert_eq!(s["by_stage"]["paid"]["assessments"], 1);
}

/// `backtest` of the labelled fixture's events with `labels` (CSV).
fn backtest_with(labels: &str) -> (Option<i32>, Value, String) {
    let labels = temp("labels.csv", labels);
    let (out, stdout, stderr) =
        run(bin().arg("backtest").arg(repo("cli/tests/fixtures/labelled/events.jsonl")).arg("--labels").arg(&labels));
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (out.status.code(), v, stderr)
}

#[test]
fn every_label_line_is_accounted_for_in_the_text_and_the_json() {
    // No header: an invalid first line is a bad line, not a header.
    let (code, v, stderr) = backtest_with("A1,maybe\nA2,1\n");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("labels: line 1: a label is 0 or 1, true or false"), "{stderr}");
    assert_eq!(v["labels"]["bad_lines"], 1);
    assert_eq!(v["labels"]["header"], false);
    // The header, a repeat, a conflict (the first label kept) and a bad line.
    let (code, v, stderr) = backtest_with("order_id,label\nA1,1\nA1,1\nA2,1\nA2,0\nA3,x\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("labels: line 5: labels an order line 4 labelled the other way; line 4 is kept"),
        "{stderr}"
    );
    assert!(
        stderr.contains("backtest: labels: 6 lines (2 labels, 1 header, 1 repeated, 1 conflicting, 1 bad)"),
        "{stderr}"
    );
    assert!(stderr.contains("backtest: 2 bad lines"), "{stderr}");
    assert_eq!(
        v["labels"],
        serde_json::json!({"lines": 6, "header": true, "labels": 2, "repeated": 1, "conflicting": 1, "bad_lines": 1})
    );
    // A2 kept as abnormal: two orders measured, both abnormal.
    assert_eq!((&v["reports"][0]["orders"], &v["reports"][0]["positives"]), (&Value::from(2), &Value::from(2)));
}

#[test]
fn the_summary_names_dropped_and_held_events() {
    let (_, _, stderr) = replay_lines(&[&placed("e1", "SO-1", "2026-03-01T10:00:00Z")], &[]);
    assert!(
        stderr.contains("(1 applied, 0 duplicates, 0 too late, 0 held as dated ahead, 0 dropped, 0 of unknown types)"),
        "{stderr}"
    );
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_read_past() {
    // An export, a labels file and rule sets as spreadsheet tools save them.
    let bom = '\u{feff}';
    let (code, s, stderr) = replay_lines(&[&format!("{bom}{}", placed("e1", "SO-1", "2026-03-01T10:00:00Z"))], &[]);
    assert_eq!((code, &s["applied"], &s["bad_lines"]), (Some(0), &Value::from(1), &Value::from(0)), "{stderr}");
    let (code, v, stderr) = backtest_with(&format!("{bom}order_id,label\nA1,1\n"));
    assert_eq!(
        (code, &v["labels"]["header"], &v["labels"]["bad_lines"]),
        (Some(0), &Value::from(true), &Value::from(0)),
        "{stderr}"
    );
    for (name, text) in [
        ("rules.json", format!(r#"{bom}{{"name":"x","version":"1"}}"#)),
        ("rules.toml", format!("{bom}name = \"x\"\nversion = \"1\"\n")),
    ] {
        let file = temp(name, &text);
        let (out, stdout, stderr) = run(bin().arg("check-config").arg(&file));
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stdout.contains(": x 1 (sha256:"), "{stdout}");
    }
}

#[test]
fn a_bad_field_inside_an_event_is_reported_by_its_path_and_a_type_by_its_kind() {
    let order = r#"{"id":"SO-1","user_id":"u-1","created_at":"2026-03-01T10:00:00Z","payable_amount":"80.00","recipient":{"phone":13912345678}}"#;
    let bad = format!(r#"{{"id":"e1","at":"2026-03-01T10:00:00Z","type":"order_placed","order":{order}}}"#);
    let not_a_type = r#"{"id":"e2","at":"2026-03-01T10:00:00Z","type":42}"#;
    let upper = r#"{"id":"e3","at":"2026-03-01T10:00:00Z","type":"LOGIN","user_id":"u-1"}"#;
    let (code, s, stderr) = replay_lines(&[&bad, not_a_type, upper], &[]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("line 1, column 194, at `order.recipient.phone`: invalid type: integer, expected a string"),
        "{stderr}"
    );
    assert!(stderr.contains("line 2, at `type`: the event type must be a string"), "{stderr}");
    assert!(!stderr.contains("13912345678"), "{stderr}");
    assert_eq!(
        (&s["bad_lines"], &s["applied"], &s["unknown_types"]),
        (&Value::from(2), &Value::from(1), &Value::from(0))
    );
}

#[test]
fn names_from_the_input_are_never_echoed_raw() {
    // A key forging a line and a terminal escape, a key that is a phone
    // number, and a key of a megabyte.
    let forged = "x\nline 99, column 1, at `y`: \u{1b}[31mfake";
    let long = "k".repeat(1 << 20);
    for key in [forged, "13912345678", long.as_str()] {
        let key_json = serde_json::to_string(key).unwrap();
        // In a list entry of a rule set.
        let rules = temp(
            "rules.json",
            &format!(
                r#"{{"name":"x","version":"1","lists":{{"block":[{{"kind":"phone","value":"1","reason":"r",{key_json}:1}}]}}}}"#
            ),
        );
        let (out, _, stderr) = run(bin().arg("check-config").arg(&rules));
        assert_eq!(out.status.code(), Some(2));
        // In a request line read strictly.
        let sample = std::fs::read_to_string(repo("examples/data/orders.jsonl")).expect("the sample");
        let first = sample.lines().next().expect("a line");
        let line = first.replacen("\"order\":{", &format!("\"order\":{{{key_json}:1,"), 1);
        let (_, _, strict_err) = with_stdin(bin().args(["score", "-", "--strict"]), &format!("{line}\n"));
        for err in [&stderr, &strict_err] {
            // The key's text stays on the problem's own line, escaped.
            assert!(!err.contains('\u{1b}') && !err.lines().any(|l| l.starts_with("line 99")), "{err}");
            assert!(
                !err.contains("13912345678") && !err.contains("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"),
                "{err}"
            );
            assert!(err.len() < 2_000, "{} bytes", err.len());
        }
    }
}

#[test]
fn a_request_line_whose_allow_entry_names_an_unknown_rule_is_a_bad_line() {
    let sample = std::fs::read_to_string(repo("examples/data/orders.jsonl")).expect("the sample");
    let first = sample.lines().next().expect("a line");
    let allow = r#""lists":{"allow":[{"kind":"user","value":"u-1","rules":["payment.timout"],"reason":"vip"}]},"#;
    let line = first.replacen("\"context\":{", &format!("\"context\":{{{allow}"), 1);
    assert_ne!(line, first);
    let (out, stdout, stderr) = with_stdin(bin().args(["score", "-"]), &format!("{line}\n{first}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.lines().count(), 1, "the other line is scored");
    assert!(
        stderr.contains("line 1, at `context.lists.allow[0].rules[0]`: unknown rule id `payment.timout` (did you mean `payment.timeout`?)"),
        "{stderr}"
    );
}
