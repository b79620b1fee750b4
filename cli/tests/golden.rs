//! Every subcommand and flag of `order-anomaly` on committed fixtures, its
//! output checked exactly: figures worked out by hand where the fixture is
//! small enough (`fixtures/labelled/SOURCE.md` says what each order holds),
//! and the whole output against a golden file in `golden/` (the events per
//! second written as 0 or N). `UPDATE_GOLDEN=1 cargo test -p
//! order-anomaly-cli --test golden` rewrites the golden files after an
//! intended change: read their diff before committing it.

mod common;

use common::*;
use serde_json::{Value, json};

const EVENTS: &str = "cli/tests/fixtures/labelled/events.jsonl";
const LABELS: &str = "cli/tests/fixtures/labelled/labels.csv";

/// The lines of JSON output.
fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// `replay` on the labelled fixture with `args`: exit status 0, its
/// standard output and error.
fn replay(args: &[&str]) -> (String, String) {
    let (out, stdout, stderr) = run(bin().arg("replay").arg(repo(EVENTS)).args(args));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (stdout, stderr)
}

/// The summary line of a replay.
fn summary(stdout: &str) -> Value {
    let last = json_lines(stdout).pop().expect("a summary line");
    last["summary"].clone()
}

// What the default rules make of the labelled fixture, by hand (points from
// `print-default-config`, review at 30, hold at 60):
//
// | order | fires                                    | score | decision |
// |-------|------------------------------------------|-------|----------|
// | A1    | large amount (20), phone invalid (20)    | 40    | review   |
// | A2    | amount mismatch (60)                     | 60    | hold     |
// | A3    | amount mismatch (60)                     | 60    | hold     |
// | A4    | large amount (20), phone invalid (20)    | 40    | review   |
// | A5    | large amount (20)                        | 20    | pass     |
// | A6-A8 | nothing (A7's 4,999.99 is below 5,000)   | 0     | pass     |
// | N1-N2 | nothing                                  | 0     | pass     |
// | N3    | night batch (20): third order 02:00-02:20 | 20    | pass     |
//
// 16 events: 13 placements (one redelivered), 3 about A7 and one of an
// unknown type; 14 applied. At placement only: 11 assessments.

#[test]
fn replay_judges_each_placement_once_as_worked_out_by_hand() {
    let (stdout, stderr) = replay(&[]);
    let s = summary(&stdout);
    assert_eq!(
        (&s["events"], &s["applied"], &s["duplicates"], &s["unknown_types"], &s["too_late"], &s["bad_lines"]),
        (&json!(16), &json!(14), &json!(1), &json!(1), &json!(0), &json!(0))
    );
    assert_eq!(s["assessments"], 11);
    assert_eq!(s["decisions"], json!({"pass": 7, "review": 2, "hold": 2, "reject": 0}));
    assert_eq!(
        s["hits_by_rule"],
        json!({
            "behavior.night_batch": 1,
            "contact.phone_invalid": 2,
            "payment.amount_mismatch": 2,
            "payment.large_amount": 3,
        })
    );
    // Missing data, by hand for two rules: no order carries a payment
    // instrument (11 skips), only A1, A4 and A7 carry a phone (8 without).
    assert_eq!(s["skips_by_rule"]["payment.new_instrument"], 11);
    assert_eq!(s["skips_by_rule"]["contact.phone_invalid"], 8);
    let assessed: Vec<(String, String, u64)> = json_lines(&stdout)
        .iter()
        .filter(|l| l.get("assessment").is_some())
        .map(|l| {
            let a = &l["assessment"];
            (
                l["order_id"].as_str().unwrap().to_owned(),
                a["decision"].as_str().unwrap().to_owned(),
                a["score"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = [
        ("A1", "review", 40),
        ("A2", "hold", 60),
        ("A3", "hold", 60),
        ("A4", "review", 40),
        ("A5", "pass", 20),
        ("A6", "pass", 0),
        ("A7", "pass", 0),
        ("A8", "pass", 0),
        ("N1", "pass", 0),
        ("N2", "pass", 0),
        ("N3", "pass", 20),
    ]
    .iter()
    .map(|(o, d, s)| ((*o).to_owned(), (*d).to_owned(), *s))
    .collect();
    assert_eq!(assessed, want);
    // 4 of 11 to review or above, 2 to hold; the rules' hits over 11.
    assert_eq!(
        steady(&stderr),
        "replay: 16 events (14 applied, 1 duplicates, 0 too late, 0 held as dated ahead, 0 dropped, 1 of unknown types), N events/s, 11 assessments
  at placed: 11 assessments, 36.4% to review or above, 18.18% to hold or above
    payment.large_amount                     3 hits   27.3%
    contact.phone_invalid                    2 hits   18.2%
    payment.amount_mismatch                  2 hits   18.2%
    behavior.night_batch                     1 hits    9.1%
"
    );
    assert_eq!(s["firing_rates"]["payment.large_amount"], 3.0 / 11.0);
    assert_eq!(s["by_stage"]["placed"]["firing_rates"]["payment.large_amount"], 3.0 / 11.0);
    golden("replay.jsonl", &steady(&stdout));
}

#[test]
fn replay_with_stages_judges_an_order_again_at_each_stage_it_reaches() {
    let (stdout, stderr) = replay(&["--stages"]);
    // A7 again when paid (line 10), shipped (12) and delivered (13).
    let a7: Vec<(u64, String)> = json_lines(&stdout)
        .iter()
        .filter(|l| l["order_id"] == "A7")
        .map(|l| (l["line"].as_u64().unwrap(), l["assessment"]["stage"].as_str().unwrap_or("-").to_owned()))
        .collect();
    let stages = |v: &[(u64, &str)]| v.iter().map(|(n, s)| (*n, (*s).to_owned())).collect::<Vec<_>>();
    assert_eq!(a7, stages(&[(9, "placed"), (10, "paid"), (12, "shipped"), (13, "delivered")]));
    let s = summary(&stdout);
    assert_eq!(s["assessments"], 14);
    assert_eq!(s["decisions"], json!({"pass": 10, "review": 2, "hold": 2, "reject": 0}));
    // The three later stages judge A7 once each, and nothing fires there.
    let later = "assessments, 0.0% to review or above, 0.00% to hold or above\n";
    let tail = format!("  at paid: 1 {later}  at shipped: 1 {later}  at delivered: 1 {later}");
    assert!(steady(&stderr).ends_with(&tail), "{stderr}");
    assert_eq!(s["by_stage"]["paid"]["assessments"], 1);
    assert_eq!(s["by_stage"]["placed"]["assessments"], 11);
    golden("replay-stages.jsonl", &steady(&stdout));
}

#[test]
fn replay_summary_only_prints_the_summary_alone() {
    let (all, all_err) = replay(&[]);
    let (only, stderr) = replay(&["--summary-only"]);
    assert_eq!(steady(&only), steady(all.lines().last().expect("a summary")) + "\n");
    assert_eq!(steady(&stderr), steady(&all_err));
}

#[test]
fn replay_reads_local_time_at_the_offset_given() {
    let (default, _) = replay(&[]);
    let (china, _) = replay(&["--utc-offset", "+08:00"]);
    assert_eq!(steady(&china), steady(&default), "+08:00 is the default");
    // At +00:00 the N orders are placed at 18:00: no night batch.
    let (london, _) = replay(&["--utc-offset", "+00:00"]);
    let s = summary(&london);
    assert_eq!(s["hits_by_rule"].get("behavior.night_batch"), None);
    assert_eq!(s["hits_by_rule"]["payment.large_amount"], 3);
    assert_eq!(s["decisions"], json!({"pass": 7, "review": 2, "hold": 2, "reject": 0}));
    let (out, _, stderr) = run(bin().arg("replay").arg(repo(EVENTS)).args(["--utc-offset", "+25:00"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("--utc-offset"), "{stderr}");
}

// The labelled orders A1-A8 (N1-N3 have no label), abnormal: A1, A2, A5, A6.
//
// At review (flagged: A1, A2, A3, A4): true positives A1, A2; false
// positives A3, A4; false negatives A5, A6; true negatives A7, A8.
// Precision 2/4, recall 2/4.
// At hold (flagged: A2, A3): TP A2; FP A3; FN A1, A5, A6; TN A4, A7, A8.
// Precision 1/2, recall 1/4.
// Per rule: large amount on A1, A4, A5 (abnormal A1, A5): precision 2/3,
// recall 2/4, fired on 3/8; phone invalid on A1, A4: 1/2, 1/4, 2/8; amount
// mismatch on A2, A3: 1/2, 1/4, 2/8.

#[test]
fn backtest_gives_the_figures_worked_out_by_hand() {
    let (out, stdout, stderr) = run(&mut labelled("backtest", EVENTS, LABELS));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!((&v["labels_without_orders"], &v["orders_without_labels"]), (&json!(0), &json!(3)));
    let r = &v["reports"][0];
    assert_eq!((&r["orders"], &r["positives"], &r["cutoff"]), (&json!(8), &json!(4), &json!("review")));
    assert_eq!(
        r["confusion"],
        json!({"true_positives": 2, "false_positives": 2, "false_negatives": 2, "true_negatives": 2})
    );
    assert_eq!(r["decisions"], json!({"pass": 4, "review": 2, "hold": 2}));
    assert_eq!(r["positives_by_decision"], json!({"pass": 2, "review": 1, "hold": 1}));
    assert_eq!(
        r["rules"],
        json!({
            "contact.phone_invalid":
                {"hits": 2, "true_positives": 1, "precision": 0.5, "recall": 0.25, "firing_rate": 0.25},
            "payment.amount_mismatch":
                {"hits": 2, "true_positives": 1, "precision": 0.5, "recall": 0.25, "firing_rate": 0.25},
            "payment.large_amount":
                {"hits": 3, "true_positives": 2, "precision": 2.0 / 3.0, "recall": 0.5, "firing_rate": 0.375},
        })
    );
    // The curve: at a score of 40 and above, A1-A4 (2 abnormal).
    let at_40 = r["curve"].as_array().unwrap().iter().find(|p| p["score"] == 40).expect("a point at 40");
    assert_eq!((&at_40["flagged"], &at_40["precision"], &at_40["recall"]), (&json!(4), &json!(0.5), &json!(0.5)));
    assert_eq!(
        steady(&stderr),
        "rule set `builtin`: 8 orders, 4 abnormal
  at review: precision 50.0%, recall 50.0% (4 flagged)
  at hold  : precision 50.0%, recall 25.0% (2 flagged)
  contact.phone_invalid                    2 hits ( 25.0% of orders)  precision  50.0%  recall  25.0%
  payment.amount_mismatch                  2 hits ( 25.0% of orders)  precision  50.0%  recall  25.0%
  payment.large_amount                     3 hits ( 37.5% of orders)  precision  66.7%  recall  50.0%
backtest: 16 events (14 applied, 1 duplicates, 0 too late, 0 held as dated ahead, 0 dropped, 1 of unknown types), N events/s
backtest: labels: 9 lines (8 labels, 1 header, 0 repeated, 0 conflicting, 0 bad)
"
    );
    golden("backtest.json", &steady(&stdout));
}

#[test]
fn backtest_reads_labels_as_json_lines_the_same_as_csv() {
    let (_, csv_out, csv_err) = run(&mut labelled("backtest", EVENTS, LABELS));
    let (out, json_out, json_err) = run(&mut labelled("backtest", EVENTS, "cli/tests/fixtures/labelled/labels.jsonl"));
    assert_eq!(out.status.code(), Some(0), "{json_err}");
    // The same reports; only the account of the labels file differs (the
    // CSV has a header line).
    let (mut csv_v, mut json_v): (Value, Value) =
        (serde_json::from_str(csv_out.trim()).unwrap(), serde_json::from_str(json_out.trim()).unwrap());
    assert_eq!(
        json_v["labels"],
        json!({"lines": 8, "header": false, "labels": 8, "repeated": 0, "conflicting": 0, "bad_lines": 0})
    );
    (csv_v["labels"], json_v["labels"], csv_v["events_per_sec"], json_v["events_per_sec"]) =
        (Value::Null, Value::Null, Value::Null, Value::Null);
    assert_eq!(json_v, csv_v);
    let csv_err = steady(&csv_err).replace("9 lines (8 labels, 1 header,", "8 lines (8 labels, 0 header,");
    assert_eq!(steady(&json_err), csv_err);
}

#[test]
fn backtest_cutoff_hold_counts_only_holds_and_above_as_flagged() {
    let (out, stdout, stderr) = run(labelled("backtest", EVENTS, LABELS).args(["--cutoff", "hold"]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    let r = &v["reports"][0];
    assert_eq!(r["cutoff"], "hold");
    assert_eq!(
        r["confusion"],
        json!({"true_positives": 1, "false_positives": 1, "false_negatives": 3, "true_negatives": 3})
    );
    // Rules and decisions do not depend on the cut-off.
    assert_eq!(r["decisions"], json!({"pass": 4, "review": 2, "hold": 2}));
    assert_eq!(r["rules"]["payment.large_amount"]["hits"], 3);
    let (out, _, stderr) = run(labelled("backtest", EVENTS, LABELS).args(["--cutoff", "maybe"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("`maybe` is no decision: use review or hold"), "{stderr}");
}

/// `convert DATASET DIR --labels FILE`: exit 0, the events, the labels and
/// what it said.
fn convert(dataset: &str, dir: &str) -> (String, String, String) {
    let labels = temp("labels.csv", "");
    let (out, events, stderr) = run(bin().args(["convert", dataset]).arg(repo(dir)).arg("--labels").arg(&labels));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (events, std::fs::read_to_string(&labels).expect("labels written"), stderr)
}

#[test]
fn convert_uci_maps_invoices_cancellations_and_labels_as_documented() {
    let (events, labels, stderr) = convert("uci", "cli/tests/fixtures/uci");
    // Five invoices placed (the unreadable row's invoice has no other row),
    // two cancellations matched: C900005 (stock code 10003) cancels
    // 900002, C900010 (10005) cancels 900004; C900006 matches no earlier
    // invoice of its buyer, A900009 is bookkeeping, 900011 stock written
    // off (its one line takes 12 back, at no price).
    let kinds: Vec<(String, String)> = json_lines(&events)
        .iter()
        .map(|e| {
            let on = e["order"]["id"].as_str().or(e["order_id"].as_str()).unwrap_or("-");
            (e["type"].as_str().unwrap().to_owned(), on.to_owned())
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("order_placed", "900001"),
        ("order_placed", "900002"),
        ("order_placed", "900003"),
        ("order_placed", "900004"),
        ("cancelled", "900002"),
        ("order_placed", "900008"),
        ("cancelled", "900004"),
    ]
    .iter()
    .map(|(t, o)| ((*t).to_owned(), (*o).to_owned()))
    .collect();
    assert_eq!(kinds, want);
    let first = &json_lines(&events)[0]["order"];
    // 6 x 2.55 + 12 x 1.25, paid at once, the guest's and the free line's
    // invoices as they are.
    assert_eq!((&first["user_id"], &first["payable_amount"]), (&json!("17001"), &json!("30.30")));
    assert_eq!(json_lines(&events)[2]["order"]["user_id"], "guest:900003");
    assert_eq!(labels, "order_id,label\n900001,0\n900002,1\n900003,0\n900004,1\n900008,0\n");
    assert_eq!(
        stderr,
        "convert: UCI Online Retail: 7 events, 5 labels written
  note: 2 files; 1 unreadable rows dropped
  note: 1 cancellations matched no earlier invoice of the buyer; 1 bad-debt adjustments and 1 stock write-offs (no line above zero) dropped
  note: no payment instruments, addresses, phones, categories or logistics in this data: those rules are skipped
"
    );
    golden("convert-uci.jsonl", &events);
}

#[test]
fn convert_olist_maps_orders_payments_deliveries_and_reviews_as_documented() {
    let (events, labels, stderr) = convert("olist", "cli/tests/fixtures/olist");
    let lines = json_lines(&events);
    let ids: Vec<&str> = lines.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "ord-1:placed",
            "ord-1:paid",
            "ord-2:placed",
            "ord-3:placed",
            "ord-3:cancelled",
            "ord-1:shipped",
            "ord-2:paid",
            "ord-4:placed",
            "ord-4:paid",
            "ord-2:shipped",
            "ord-4:shipped",
            "ord-1:delivered",
            "ord-2:delivered",
            "review:rev-2",
        ]
    );
    let o1 = &lines[0]["order"];
    // Brazil local time plus three hours; the buyer is the person behind
    // both customer ids; two lines of 29.99 and their freight (8.72 each).
    assert_eq!((&o1["created_at"], &o1["user_id"]), (&json!("2017-10-02T13:56:33Z"), &json!("person-a")));
    assert_eq!((&o1["payable_amount"], &o1["shipping_fee"]), (&json!("77.42"), &json!("17.44")));
    assert_eq!(lines[7]["order"]["user_id"], "person-a");
    // The bank slip is paid at its approval, a day and a half later.
    assert_eq!((&lines[6]["at"], &lines[6]["amount"]), (&json!("2017-10-05T12:00:00Z"), &json!("141.46")));
    // Cancelled an hour after purchase (no approval time).
    assert_eq!(lines[4]["at"], "2017-10-04T12:00:00Z");
    assert_eq!(
        (&lines[13]["type"], &lines[13]["complaint_type"], &lines[13]["order_id"]),
        (&json!("complaint"), &json!("quality"), &json!("ord-2"))
    );
    assert_eq!(labels, "order_id,label\n", "Olist has no labels");
    assert_eq!(
        stderr,
        "convert: Olist Brazilian e-commerce subset: 14 events, 0 labels written
  note: 4 orders, 0 without items dropped; 1 without payment rows taken as paid in full
  note: 1 reviews of 1-2 stars taken as quality complaints (a proxy)
  note: no instruments, phones, recipients, devices or tracking events in this data: those rules are skipped
"
    );
    golden("convert-olist.jsonl", &events);
}

#[test]
fn convert_aws_writes_the_samples_events_and_labels() {
    let (events, labels, stderr) = convert("aws", "cli/tests/fixtures/aws");
    // 40 rows: an order each, and its payment.
    let placed = json_lines(&events).iter().filter(|e| e["type"] == "order_placed").count();
    assert_eq!(placed, 40);
    assert_eq!(labels.lines().count(), 41, "a header and a label per row");
    assert!(stderr.starts_with("convert: "), "{stderr}");
    golden("convert-aws.jsonl", &events);
    golden("convert-aws-labels.csv", &labels);
    golden("convert-aws.stderr", &stderr);
}

#[test]
fn convert_without_labels_says_how_many_it_did_not_write() {
    let (out, _, stderr) = run(bin().args(["convert", "uci"]).arg(repo("cli/tests/fixtures/uci")));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with(
            "convert: 5 labels not written: name a file with --labels\nconvert: UCI Online Retail: 7 events, 0 labels written\n"
        ),
        "{stderr}"
    );
    let (out, _, stderr) = run(bin().args(["convert", "olist"]).arg(repo("cli/tests/fixtures/uci")));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.starts_with("convert: ") && stderr.contains("orders.csv.gz"), "{stderr}");
}

/// `line order_id score decision | reason | reason ...` per scored line.
fn reasons(stdout: &str) -> String {
    json_lines(stdout)
        .iter()
        .map(|l| {
            let reasons: Vec<&str> = l["reasons"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            format!(
                "{} {} {} {} | {}\n",
                l["line"],
                l["order_id"].as_str().unwrap(),
                l["score"],
                l["decision"].as_str().unwrap(),
                reasons.join(" | ")
            )
        })
        .collect()
}

#[test]
fn score_words_its_reasons_in_the_locale_given() {
    let sample = repo("examples/data/orders.jsonl");
    let (out, zh, _) = run(bin().arg("score").arg(&sample));
    assert!(out.status.success());
    let (_, zh_named, _) = run(bin().arg("score").arg(&sample).args(["--locale", "zh"]));
    assert_eq!(zh, zh_named, "zh is the default");
    let (_, en, _) = run(bin().arg("score").arg(&sample).args(["--locale", "en"]));
    // The assessments are the same; only the reasons' language differs.
    let strip = |s: &str| {
        json_lines(s)
            .into_iter()
            .map(|mut l| {
                l["reasons"] = Value::Null;
                l
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&zh), strip(&en));
    golden("score-reasons-zh.txt", &reasons(&zh));
    golden("score-reasons-en.txt", &reasons(&en));
    let (out, _, stderr) = run(bin().arg("score").arg(&sample).args(["--locale", "fr"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("--locale"), "{stderr}");
}

#[test]
fn score_strict_refuses_a_field_it_does_not_know_naming_its_path() {
    let sample = std::fs::read_to_string(repo("examples/data/orders.jsonl")).expect("the sample");
    let first = sample.lines().next().expect("a line");
    let extra = first.replacen("\"order\":{", "\"order\":{\"status\":\"NEW\",", 1);
    assert_ne!(extra, first, "the sample's first line opens its order as expected");
    let input = format!("{extra}\n");
    let (out, lenient, stderr) = with_stdin(bin().args(["score", "-"]), &input);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (_, plain, _) = with_stdin(bin().args(["score", "-"]), &format!("{first}\n"));
    assert_eq!(lenient, plain, "by default the unknown field is ignored");
    let (out, strict, stderr) = with_stdin(bin().args(["score", "-", "--strict"]), &input);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(strict, "");
    assert_eq!(stderr, "line 1, at `order.status`: unknown field `status` (strict read)\nscore: 1 bad line\n");
}

#[test]
fn tune_writes_the_same_rule_set_and_report_every_time() {
    let out = temp("tuned.json", "");
    let (status, stdout, stderr) = run(on_fixtures("tune").arg("--out").arg(&out));
    assert_eq!(status.status.code(), Some(1), "the fixtures' two bad lines: {stderr}");
    let stdout = stdout.replace(&out.path.display().to_string(), "TUNED");
    golden("tune.txt", &stdout);
    golden("tune-rules.json", &std::fs::read_to_string(&out).expect("the tuned rule set"));
    assert_eq!(
        steady(&stderr),
        "labels: line 60: a label is 0 or 1, true or false
line 60, column 29, at `at`: input contains invalid characters
tune: 59 events (57 applied, 1 duplicates, 0 too late, 0 held as dated ahead, 0 dropped, 1 of unknown types), N events/s
tune: labels: 60 lines (58 labels, 1 header, 0 repeated, 0 conflicting, 1 bad)
tune: 2 bad lines
"
    );
}

#[test]
fn check_config_prints_name_version_and_hash() {
    let toml = repo("examples/config/strict-shop.toml");
    let (out, stdout, stderr) = run(bin().arg("check-config").arg(&toml));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "{}: strict-shop 2026-03-1 (sha256:02c34fb9e8779bad50e0a2fdf2c98bc276dfa737516994c3d114f32aad932e61), valid\n",
            toml.display()
        )
    );
}

#[test]
fn print_default_config_is_the_committed_default_rule_set() {
    let (out, stdout, _) = run(bin().arg("print-default-config"));
    assert!(out.status.success());
    let committed = std::fs::read_to_string(repo("examples/config/default.json")).expect("the committed defaults");
    assert!(stdout == committed, "examples/config/default.json differs from print-default-config");
}

#[test]
fn schema_prints_each_format_as_committed() {
    for format in ["request", "event", "ruleset", "assessment"] {
        let (out, stdout, stderr) = run(bin().args(["schema", format]));
        assert!(out.status.success(), "{stderr}");
        golden(&format!("schema-{format}.json"), &stdout);
    }
}

#[test]
fn replay_judges_by_the_rule_set_given() {
    // Without the large-amount rule, A1 and A4 keep only the invalid phone
    // (20 points): two reviews become passes.
    let lenient =
        temp("lenient.json", r#"{"name":"lenient","version":"1","rules":{"payment.large_amount":{"enabled":false}}}"#);
    let (stdout, _) = replay(&["--config", &lenient.path.display().to_string()]);
    let s = summary(&stdout);
    assert_eq!(s["decisions"], json!({"pass": 9, "review": 0, "hold": 2, "reject": 0}));
    assert_eq!(s["hits_by_rule"].get("payment.large_amount"), None);
    let ruleset = &json_lines(&stdout)[0]["assessment"]["ruleset"];
    assert_eq!((&ruleset["name"], &ruleset["version"]), (&json!("lenient"), &json!("1")));
    // Only `score` prints reasons, so only it takes a locale.
    let (out, _, stderr) = run(bin().arg("replay").arg(repo(EVENTS)).args(["--locale", "en"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("unexpected argument '--locale'"), "{stderr}");
}

#[test]
fn tune_takes_its_split_precision_floor_cutoff_and_offset() {
    let out = temp("tuned.json", "");
    let (status, stdout, stderr) = run(on_fixtures("tune").arg("--out").arg(&out).args([
        "--tune-share",
        "0.5",
        "--min-precision",
        "0.9",
        "--cutoff",
        "hold",
        "--utc-offset",
        "+00:00",
    ]));
    assert_eq!(status.status.code(), Some(1), "the fixtures' two bad lines: {stderr}");
    let stdout = stdout.replace(&out.path.display().to_string(), "TUNED");
    // Half of 57, rounded: 29 tuned on; flagged from hold. Of those 29,
    // the first 20 choose changes and the last 9 check them: the search's
    // thresholds (review 1, hold 31) do no better on those 9, so they are
    // dropped, and the held-out part is judged as by the defaults.
    assert!(stdout.starts_with(
        "57 labelled orders: tuned on the first 29, measured on the last 28 (flagged = hold or higher)
  changes chosen on the first 20 of the tuning part, kept only where they also did better on its last 9
"
    ));
    assert!(stdout.contains("  dropped (no better on the later part): thresholds: review 30 -> 1, hold 60 -> 31\n"));
    let lines: Vec<&str> = stdout.lines().collect();
    let held_out = |line: &str| line.split("held-out part: ").nth(1).map(str::to_owned);
    assert_eq!(held_out(lines[2]), held_out(lines[3]), "before and tuned on the held-out part");
    golden("tune-flags.txt", &stdout);
    let (status, _, stderr) = run(on_fixtures("tune").arg("--out").arg(&out).args(["--min-precision", "1.5"]));
    assert_eq!(status.status.code(), Some(2));
    assert_eq!(stderr, "tune: --min-precision is between 0 and 1, --tune-share strictly between\n");
}

#[test]
fn calibrate_raises_each_threshold_just_enough_and_writes_a_rule_set_that_loads() {
    let out = temp("calibrated.json", "");
    let (status, stdout, stderr) =
        run(bin().arg("calibrate").arg(repo(EVENTS)).arg("--out").arg(&out).args(["--max-rate", "0.1"]));
    assert_eq!(status.status.code(), Some(0), "{stderr}");
    // 14 assessments at every stage (see the replay tests); at most 10% is
    // one hit. The large amount fires on A1 (9,000), A4 (6,000) and A5
    // (5,000): at 6,250, the least of its tried values above 5,000 that
    // leaves one, it fires on A1 alone. The invalid phone has no threshold;
    // the amount mismatches (20 and 72 off) stay above any tolerance tried
    // (up to 32 cents): both stay, said so. The night batch is under.
    let stdout = stdout.replace(&out.path.display().to_string(), "CALIBRATED");
    let hash = stdout.rsplit("sha256:").next().unwrap_or("").trim_end_matches(")\n");
    assert_eq!(
        stdout,
        format!(
            "14 assessments (every stage) of {}: each rule at most 10.00% of them
rule                                 before    after  change
behavior.night_batch                  7.14%    7.14%  -
contact.phone_invalid                14.29%   14.29%  -  (no threshold to raise: lower its points or turn it off)
payment.amount_mismatch              14.29%   14.29%  -  (above the rate at every value tried: left as it was)
payment.large_amount                 21.43%    7.14%  threshold 5000 -> 6250
wrote CALIBRATED (builtin-calibrated 0.1.0, sha256:{hash})
",
            repo(EVENTS).display()
        )
    );
    // It loads, with the hash calibrate reported, and judges as it said.
    let (o, checked, e) = run(bin().arg("check-config").arg(&out));
    assert!(o.status.success(), "{e}");
    assert!(checked.contains(&format!("builtin-calibrated 0.1.0 (sha256:{hash}), valid")), "{checked}");
    let (stdout, _) = replay(&["--stages", "--config", &out.path.display().to_string()]);
    assert_eq!(summary(&stdout)["hits_by_rule"]["payment.large_amount"], 1);
    // A rate out of bounds is refused.
    let (status, _, stderr) =
        run(bin().arg("calibrate").arg(repo(EVENTS)).arg("--out").arg(&out).args(["--max-rate", "2"]));
    assert_eq!(status.status.code(), Some(2));
    assert_eq!(stderr, "calibrate: --max-rate is a share between 0 and 1\n");
}

#[test]
fn calibrate_measures_each_rule_by_its_own_flag() {
    // A composite that fires on every order stands beside each rule tried:
    // it is not counted as the rule firing, and, having no threshold, it is
    // named as such.
    let rules = temp(
        "always.json",
        r#"{"name":"always","version":"1","composites":[{"id":"custom.always","when":{"compare":{"attribute":"payable_amount","op":">=","value":"0"}},"points":1,"message":{"zh":"总是","en":"always"}}]}"#,
    );
    let out = temp("calibrated.json", "");
    let (status, stdout, stderr) = run(bin()
        .arg("calibrate")
        .arg(repo(EVENTS))
        .arg("--out")
        .arg(&out)
        .args(["--max-rate", "0.1", "--config"])
        .arg(&rules));
    assert_eq!(status.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("payment.large_amount                 21.43%    7.14%  threshold 5000 -> 6250"),
        "{stdout}"
    );
    assert!(stdout.contains("behavior.night_batch                  7.14%    7.14%  -\n"), "{stdout}");
    assert!(
        stdout.contains("custom.always                       100.00%  100.00%  -  (no threshold to raise: lower its points or turn it off)"),
        "{stdout}"
    );
}
