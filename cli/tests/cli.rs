//! The `order-anomaly` binary, run as a user runs it.

mod common;

use common::*;

#[test]
fn score_writes_an_assessment_per_line_of_the_sample() {
    let (out, stdout, _) = run(bin().arg("score").arg(repo("examples/data/orders.jsonl")).args(["--locale", "en"]));
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(lines.len(), 57);
    assert!(lines.iter().any(|l| l["decision"] == "reject"));
    let reasons: Vec<&str> =
        lines.iter().flat_map(|l| l["reasons"].as_array().into_iter().flatten()).filter_map(|r| r.as_str()).collect();
    assert!(reasons.iter().any(|r| r.contains("block list")), "English reasons");
}

#[test]
fn score_reports_a_bad_line_by_number_and_path_and_scores_the_rest() {
    let sample = std::fs::read_to_string(repo("examples/data/orders.jsonl")).expect("the sample");
    let first = sample.lines().next().expect("a line");
    let bad = first.replacen("\"payable_amount\":\"", "\"payable_amount\":\"x", 1);
    let (out, stdout, stderr) = with_stdin(bin().args(["score", "-"]), &format!("{first}\n{bad}\n{first}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.lines().count(), 2);
    assert!(stderr.contains("line 2") && stderr.contains("order.payable_amount"), "{stderr}");
    assert!(stderr.contains("1 bad line"), "{stderr}");
}

#[test]
fn a_rule_set_round_trips_through_print_and_check() {
    let (out, printed, _) = run(bin().arg("print-default-config"));
    assert!(out.status.success());
    let path = temp("rules.json", &printed);
    let (out, stdout, stderr) = run(bin().arg("check-config").arg(&path));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("valid") && stdout.contains("sha256:"), "{stdout}");
    // Scoring with it gives what the defaults give, byte for byte (the
    // rule set's name, version and hash included).
    let (out, with_file, _) =
        run(bin().arg("score").arg(repo("examples/data/orders.jsonl")).arg("--config").arg(&path));
    assert!(out.status.success());
    let (_, with_defaults, _) = run(bin().arg("score").arg(repo("examples/data/orders.jsonl")));
    assert_eq!(with_file.lines().count(), 57);
    assert!(with_file == with_defaults, "the printed defaults score differently from the built-in ones");
}

#[test]
fn a_broken_rule_set_is_refused_naming_the_rule() {
    let path = temp("broken.json", r#"{"name":"x","version":"1","rules":{"payment.large_amout":{"points":10}}}"#);
    let (out, _, stderr) = run(bin().arg("check-config").arg(&path));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("payment.large_amout"), "{stderr}");
    let (out, _, _) = run(bin().arg("score").arg(repo("examples/data/orders.jsonl")).arg("--config").arg(&path));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_describes_the_event_format() {
    let (out, stdout, _) = run(bin().args(["schema", "event"]));
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let text = schema.to_string();
    assert!(text.contains("order_placed") && text.contains("stock_level"), "every event type is described");
}

#[test]
fn replay_folds_an_export_judges_each_order_once_and_counts_what_it_skipped() {
    let (out, stdout, stderr) = run(bin().arg("replay").arg(repo("cli/tests/fixtures/events.jsonl")));
    // The fixture ends with a line whose time does not parse.
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("line 60") && stderr.contains("`at`"), "{stderr}");
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let (summary, assessed) = lines.split_last().expect("a summary");
    let s = &summary["summary"];
    assert_eq!(s["events"], 59);
    assert_eq!(s["applied"], 57);
    assert_eq!(s["duplicates"], 1, "the redelivered placement");
    assert_eq!(s["unknown_types"], 1, "coupon_redeemed");
    assert_eq!(s["bad_lines"], 1);
    assert_eq!(s["assessments"], 57, "each order once, the redelivery not again");
    assert_eq!(assessed.len(), 57);
    assert!(s["hits_by_rule"]["payment.large_amount"].as_u64() > Some(0));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in [
        "score",
        "replay",
        "backtest",
        "tune",
        "calibrate",
        "convert",
        "check-config",
        "print-default-config",
        "schema",
    ] {
        let (out, stdout, _) = run(bin().args([sub, "--help"]));
        assert!(out.status.success(), "{sub}");
        assert!(
            stdout.contains("Usage:") && stdout.contains(&format!("Example: order-anomaly {sub}")),
            "{sub}: {stdout}"
        );
    }
}

#[test]
fn backtest_measures_a_labelled_export_and_reports_what_did_not_match() {
    let (out, stdout, stderr) = run(&mut on_fixtures("backtest"));
    // A bad event line and a bad label line: reported, counted, the rest measured.
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("labels: line 60") && stderr.contains("2 bad lines"), "{stderr}");
    assert!(stderr.contains("1 labels name orders the events never placed"), "{stderr}");
    assert!(stderr.contains("at review") && stderr.contains("at hold"), "both cut-offs: {stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(v["labels_without_orders"], 1);
    assert_eq!(v["orders_without_labels"], 0);
    let r = &v["reports"][0];
    assert_eq!((r["orders"].as_u64(), r["positives"].as_u64()), (Some(57), Some(9)));
    assert_eq!(r["curve"].as_array().map(Vec::len), Some(101));
    assert!(r["skips"]["payment.amount_spike"].as_u64() > Some(0), "skips per rule");
    assert!(v.get("changed").is_none(), "one rule set: nothing to compare");
}

#[test]
fn backtest_compares_two_rule_sets() {
    let lenient =
        temp("lenient.json", r#"{"name":"lenient","version":"1","rules":{"payment.large_amount":{"enabled":false}}}"#);
    let (out, stdout, stderr) = run(on_fixtures("backtest")
        .arg("--config")
        .arg(repo("examples/config/strict-shop.json"))
        .arg("--config")
        .arg(&lenient));
    // The fixtures' bad event line and bad label line.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("backtest: 2 bad lines"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let names: Vec<&str> = v["reports"].as_array().unwrap().iter().filter_map(|r| r["ruleset"].as_str()).collect();
    assert_eq!(names, ["strict-shop", "lenient"]);
    let changed = v["changed"].as_array().expect("the changes");
    assert!(!changed.is_empty());
    assert!(changed.iter().all(|c| c["before"] != c["after"]));
}

#[test]
fn convert_writes_a_dataset_as_events_and_labels_that_replay_and_backtest_read() {
    let labels = temp("aws-labels.csv", "");
    let (status, events, stderr) =
        run(bin().args(["convert", "aws"]).arg(repo("cli/tests/fixtures/aws")).arg("--labels").arg(&labels));
    assert!(status.status.success(), "{stderr}");
    assert!(events.lines().count() >= 40, "an order placed per row, and its payment");
    assert!(std::fs::read_to_string(&labels).expect("labels written").starts_with("order_id,label\n"));
    let events_file = temp("aws-events.jsonl", &events);
    let (o, stdout, stderr) = run(bin().arg("backtest").arg(&events_file).arg("--labels").arg(&labels));
    assert!(o.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("a report");
    assert_eq!(v["bad_lines"], 0);
    assert_eq!(v["labels_without_orders"], 0, "every label names an order of the export");
    assert!(v["reports"][0]["orders"].as_u64() > Some(0));
}

#[test]
fn tune_writes_a_rule_set_that_loads_and_reports_the_held_out_part() {
    let out = temp("tuned.json", "");
    let (status, stdout, stderr) = run(on_fixtures("tune").arg("--out").arg(&out).args(["--min-precision", "0.5"]));
    // The fixtures' bad event and label lines are reported; the rest is tuned.
    assert_eq!(status.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("tuned on the first 40, measured on the last 17"), "{stdout}");
    assert!(stdout.contains("before") && stdout.contains("tuned") && stdout.contains("held-out part"), "{stdout}");
    assert!(stdout.contains("builtin-tuned"), "{stdout}");
    let (o, checked, e) = run(bin().arg("check-config").arg(&out));
    assert!(o.status.success(), "{e}");
    assert!(checked.contains("builtin-tuned"));
    // Too small a share to split is refused.
    let (o, _, e) = run(on_fixtures("tune").arg("--out").arg(&out).args(["--tune-share", "1.5"]));
    assert_eq!(o.status.code(), Some(2), "{e}");
}
