//! Rule-set files: round trips, the sample rule set, and every kind of bad
//! file refused with each problem named.

use order_anomaly::{Decision, Engine, EvalRequest, RuleSet, ids};

fn sample() -> Vec<EvalRequest> {
    include_str!("../examples/data/orders.jsonl").lines().map(|l| EvalRequest::from_json(l).unwrap()).collect()
}

fn problems(text: &str) -> Vec<String> {
    match Engine::from_config_str(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_default_rule_set_names_every_catalogue_rule_and_round_trips() {
    let set = RuleSet::builtin();
    for id in ids::ALL {
        assert!(set.rules.contains_key(id), "{id} missing");
    }
    let json = set.to_json_pretty();
    let engine = Engine::from_config_str(&json).unwrap();
    assert_eq!(engine.config(), set);
    assert_eq!(engine.ruleset(), Engine::default().ruleset());
    assert_eq!(RuleSet::from_json(&json, "x").unwrap().content_hash(), engine.ruleset().hash);
    let default = Engine::default();
    for r in sample() {
        assert_eq!(engine.evaluate(&r.order, &r.context), default.evaluate(&r.order, &r.context));
    }
}

#[test]
fn a_short_file_keeps_the_defaults_for_what_it_does_not_say() {
    let e = Engine::from_config_str(r#"{"name":"tiny","version":"1","rules":{"payment.large_amount":{"points":5}}}"#)
        .unwrap();
    assert_eq!(e.settings(ids::PAYMENT_LARGE_AMOUNT).unwrap().points, 5);
    assert_eq!(e.settings(ids::PAYMENT_AMOUNT_SPIKE).unwrap().points, 20);
    assert_eq!(e.rules().count(), ids::ALL.len());
    assert_eq!(e.ruleset().name, "tiny");
    assert!(e.ruleset().hash.starts_with("sha256:") && e.ruleset().hash.len() == 71);
}

#[test]
fn two_engines_from_one_file_report_one_hash_and_any_change_changes_it() {
    let text = include_str!("../examples/config/strict-shop.json");
    let a = Engine::from_config_str(text).unwrap();
    let b = Engine::from_config_str(text).unwrap();
    assert_eq!(a.ruleset(), b.ruleset());
    let changed = text.replace("\"threshold\": \"3000\"", "\"threshold\": \"3001\"");
    assert_ne!(Engine::from_config_str(&changed).unwrap().ruleset().hash, a.ruleset().hash);
    let r = &sample()[0];
    assert_eq!(a.evaluate(&r.order, &r.context).ruleset().name, "strict-shop");
}

/// The README walks through this: what the strict shop's rule set changes on
/// the bundled orders.
#[test]
fn the_strict_shop_changes_decisions_as_the_readme_says() {
    let strict =
        Engine::from_config_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config/strict-shop.json")).unwrap();
    let default = Engine::default();
    let mut changed = Vec::new();
    for r in sample() {
        let (d, s) = (default.evaluate(&r.order, &r.context), strict.evaluate(&r.order, &r.context));
        if d.decision() != s.decision() {
            changed.push((r.order.user_id.clone(), d.decision(), s.decision()));
        }
        if &*r.order.user_id == "u3005" {
            // payment.remote_login is in shadow: reported, not counted.
            assert!(s.flags().is_empty());
            assert_eq!(s.shadow_flags()[0].rule_id().as_str(), ids::PAYMENT_REMOTE_LOGIN);
            assert_eq!(s.decision(), Decision::Pass);
        }
        if &*r.order.user_id == "u3016" {
            assert!(s.has_flag("custom.new_buyer_big_order"));
        }
    }
    changed.sort();
    let review = |u: &str| (u.to_owned(), Decision::Pass, Decision::Review);
    assert_eq!(
        changed,
        vec![
            review("u3004"),                                      // large_amount at 3000, 25 points
            review("u3008"),                                      // a locker without a number, 25 >= 25
            review("u3010"),                                      // remote region, 25
            review("u3011"),                                      // user B's address changes, 25
            ("u3016".to_owned(), Decision::Pass, Decision::Hold), // new buyer, 3999 phone: 25 + 25 + 40
            review("u3018"),                                      // order burst, 25
            review("u3024"),                                      // high-risk complaint, 25
            review("u3028"),                                      // a card three other buyers used, 25
            review("u3029"),                                      // six orders on one device today, 25
            review("u3030"),                                      // 30 units of a slow book in an hour, 25
        ]
    );
}

#[test]
fn malformed_json_is_refused_with_line_and_column() {
    let p = problems("{\n  \"name\": \"x\",\n  \"version\": ");
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("line 3, column"), "{p:?}");
    assert!(p[0].contains("EOF"), "{p:?}");
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let p = problems(
        r#"{
        "name": "bad", "version": "1",
        "thresholds": {"review": 70, "hold": 60},
        "colour": "blue",
        "rules": {
            "payment.amout_spike": {"points": 10},
            "payment.large_amount": {"points": 101, "params": {"threshold": "-5"}},
            "logistics.stalled": {"params": {"max_idle": "0h"}},
            "behavior.order_burst": {"params": {"min_orders": "five"}},
            "payment.timeout": {"shadowed": true},
            "product.high_value_no_history": {"params": {"categories": []}}
        },
        "reference": {"locker_keywords": ["丰巢", ""]},
        "composites": [
            {"id": "custom.loop", "when": {"fired": "custom.loop"}, "points": 10, "message": {"zh": "x", "en": "x"}},
            {"id": "custom.attr", "when": {"compare": {"attribute": "payable_amout", "op": ">=", "value": 1}}, "points": 10, "message": {"zh": "x", "en": "x"}},
            {"id": "custom.typed", "when": {"compare": {"attribute": "payable_amount", "op": "in", "value": ["a"]}}, "points": 10, "message": {"zh": "x", "en": "x"}}
        ]
    }"#,
    );
    let all = p.join("\n");
    let expect = [
        "at `colour`: unknown field `colour`",
        "at `rules.payment.timeout.shadowed`: unknown field `shadowed`, expected one of `enabled`",
        "at `composites[1].when.compare.attribute`: unknown variant `payable_amout`",
        "at `rules.behavior.order_burst.params`: at `min_orders`: invalid type: string \"five\", expected u32",
        "at `rules.payment.amout_spike`: unknown rule id `payment.amout_spike` (did you mean `payment.amount_spike`?)",
        "at `rules.payment.large_amount.params.threshold`: must not be negative, got -5",
        "at `rules.logistics.stalled.params.max_idle`: must be a window longer than zero",
        "at `rules.product.high_value_no_history.params.categories`: must not be empty",
        "rule `payment.large_amount`: points 101 exceed 100",
        "thresholds: need 1 <= review (70) <= hold (60) <= 100",
        "rule `custom.loop` builds on `custom.loop`, which is the rule itself",
        "rule `custom.typed`: `when.compare` attribute `payable_amount` takes a number",
        "reference data: locker keyword 1 is empty",
    ];
    for e in expect {
        assert!(all.contains(e), "missing {e:?} in:\n{all}");
    }
    // Each problem once: the parameter checks run when reading and when
    // building, but a problem already named at its path is not repeated.
    assert_eq!(all.matches("must not be negative").count(), 1, "{all}");
    assert_eq!(all.matches("must be a window longer than zero").count(), 1, "{all}");
    let unique: std::collections::BTreeSet<&String> = p.iter().collect();
    assert_eq!(unique.len(), p.len(), "{all}");
}

#[test]
fn composites_that_form_a_cycle_or_reuse_a_builtin_id_are_refused() {
    let p = problems(
        r#"{"name":"c","version":"1","composites":[
            {"id":"custom.a","when":{"fired":"custom.b"},"points":5,"message":{"zh":"a","en":"a"}},
            {"id":"custom.b","when":{"fired":"custom.a"},"points":5,"message":{"zh":"b","en":"b"}},
            {"id":"payment.timeout","when":{"fired":"payment.large_amount"},"points":5,"message":{"zh":"c","en":"c"}}
        ]}"#,
    );
    let all = p.join("\n");
    assert!(all.contains("composite `custom.a` forms a cycle: custom.a -> custom.b -> custom.a"), "{all}");
    assert!(all.contains("`payment.timeout` is a built-in rule id"), "{all}");
}

#[test]
fn a_composite_declared_in_a_file_fires_and_is_written_back() {
    let text = include_str!("../examples/config/strict-shop.json");
    let e = Engine::from_config_str(text).unwrap();
    let written = e.config();
    assert_eq!(written.composites.len(), 1);
    assert_eq!(written.rules["custom.new_buyer_big_order"].points, Some(40));
    let again = Engine::from_config(&written).unwrap();
    assert_eq!(again.ruleset(), e.ruleset());
}

#[test]
fn missing_name_and_version_are_named() {
    let p = problems("{}");
    assert_eq!(p, ["at `name`: missing field `name`", "at `version`: missing field `version`"]);
}

/// `examples/config/default.json` is exactly what `Engine::default()` runs
/// (regenerate it with `score --print-default-config` when defaults change).
#[test]
fn the_committed_default_file_is_the_default_engine() {
    let committed = include_str!("../examples/config/default.json");
    assert_eq!(committed.trim_end(), RuleSet::builtin().to_json_pretty());
    let engine = Engine::from_config_str(committed).unwrap();
    assert_eq!(engine.ruleset(), Engine::default().ruleset());
}

#[cfg(feature = "toml")]
mod toml_files {
    use super::*;

    #[test]
    fn the_toml_sample_is_the_json_sample() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config/");
        let t = Engine::from_config_path(format!("{dir}strict-shop.toml")).unwrap();
        let j = Engine::from_config_path(format!("{dir}strict-shop.json")).unwrap();
        assert_eq!(t.ruleset(), j.ruleset());
    }

    #[test]
    fn toml_problems_are_named_like_json_ones() {
        let e = RuleSet::from_toml(
            "name = \"x\"\nversion = \"1\"\n[rules.\"payment.large_amout\"]\npoints = 5\n",
            "r.toml",
        );
        assert!(e.is_ok(), "structure is fine; the id is checked when building");
        let err = RuleSet::from_toml("name = \"x\"\nversion = \n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("line 2, column"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("r.toml");
        std::fs::write(&f, "name = \"x\"\nversion = \"1\"\n[rules.\"payment.large_amout\"]\npoints = 5\n").unwrap();
        let err = Engine::from_config_path(&f).unwrap_err().to_string();
        assert!(err.contains("at `rules.payment.large_amout` (line 3, column 1): unknown rule id"), "{err}");
        let text = "name = \"x\"\nversion = \"1\"\n\n[rules.\"payment.large_amount\".params]\nthreshold = \"-5\"\n\n[[composites]]\nid = \"custom.a\"\npoints = 5\nmessage = { zh = \"a\", en = \"a\" }\nwhen = { compare = { attribute = \"payable_amout\", op = \">=\", value = 1 } }\n";
        std::fs::write(&f, text).unwrap();
        let err = Engine::from_config_path(&f).unwrap_err().to_string();
        assert!(
            err.contains("at `rules.payment.large_amount.params.threshold` (line 5, column 13): must not be negative"),
            "{err}"
        );
        assert!(
            err.contains("at `composites[0].when.compare.attribute` (line 11, column 34): unknown variant"),
            "{err}"
        );
    }
}

#[test]
fn a_window_ending_in_a_wide_character_is_refused_not_a_crash() {
    let text = r#"{"name":"x","version":"1","rules":{"logistics.stalled":{"params":{"max_idle":"3天"}}}}"#;
    let err = Engine::from_config_str(text).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("rules.logistics.stalled.params") && msg.contains("max_idle") && msg.contains("invalid window"),
        "{msg}"
    );
}

#[test]
fn two_composites_with_one_id_are_an_error() {
    let composite = r#"{"id":"custom.big","points":40,"when":{"compare":{"attribute":"payable_amount","op":">=","value":2000}},"message":{"zh":"大额","en":"large"}}"#;
    let text = format!(r#"{{"name":"x","version":"1","composites":[{composite},{composite}]}}"#);
    let err = Engine::from_config_str(&text).unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert_eq!(err.problems()[0].path, "composites[1].id");
    assert!(err.problems()[0].message.contains("already defined at `composites[0]`"), "{err}");
}

#[test]
fn a_new_rule_set_is_the_file_with_only_a_name_and_a_version() {
    // `RuleSet::new` states the file's defaults a second time; this keeps the two equal.
    assert_eq!(RuleSet::new("x", "1"), RuleSet::from_json(r#"{"name":"x","version":"1"}"#, "<test>").unwrap());
}

#[test]
fn account_churn_reads_its_former_parameter_name_and_writes_the_new_one() {
    let text = r#"{"name":"x","version":"1","rules":{"payment.account_churn":{"params":{"max_accounts":5}}}}"#;
    let e = Engine::from_config_str(text).unwrap();
    let params = e.config().rules["payment.account_churn"].params.clone().unwrap();
    assert_eq!(params["min_accounts"], 5);
    assert!(params.get("max_accounts").is_none());
}

#[test]
fn utc_is_a_named_offset_not_a_fallback() {
    use order_anomaly::UtcOffset;
    assert_eq!(UtcOffset::UTC.to_string(), "+00:00");
    assert_eq!(UtcOffset::east(0), Some(UtcOffset::UTC));
    assert_eq!(UtcOffset::default(), UtcOffset::china());
}

#[test]
fn a_key_twice_in_one_object_is_refused_naming_its_path() {
    let text = r#"{"name":"x","name":"y","version":"1","rules":{"payment.large_amount":{"points":10,"params":{"threshold":"100"}},"payment.large_amount":{"points":90}}}"#;
    let err = RuleSet::from_json(text, "dup.json").unwrap_err().to_string();
    assert!(err.contains("at `name`: this key appears twice in its object"), "{err}");
    assert!(err.contains("at `rules.payment.large_amount`: this key appears twice in its object"), "{err}");
    // Inside a list entry too; keys equal only in different objects are fine.
    let text = r#"{"name":"x","version":"1","lists":{"block":[{"kind":"phone","value":"1","value":"2","reason":"r"},{"kind":"phone","value":"3","reason":"r"}]}}"#;
    let err = RuleSet::from_json(text, "dup.json").unwrap_err().to_string();
    assert!(err.contains("at `lists.block[0].value`"), "{err}");
    assert!(!err.contains("block[1]"), "{err}");
}

#[test]
fn an_allow_entry_naming_an_unknown_rule_is_refused_with_a_suggestion() {
    let text = r#"{"name":"x","version":"1","lists":{"allow":[{"kind":"user","value":"u-1","rules":["payment.timeout","payment.timout"],"reason":"vip"}]}}"#;
    let err = order_anomaly::Engine::from_config_str(text).unwrap_err().to_string();
    assert!(
        err.contains(
            "at `lists.allow[0].rules[1]`: unknown rule id `payment.timout` (did you mean `payment.timeout`?)"
        ),
        "{err}"
    );
    assert!(!err.contains("rules[0]"), "{err}");
    // A composite of the file counts as known.
    let text = r#"{"name":"x","version":"1","composites":[{"id":"custom.big","when":{"fired":"payment.large_amount"},"points":5,"message":{"zh":"大","en":"big"}}],"lists":{"allow":[{"kind":"user","value":"u-1","rules":["custom.big"],"reason":"vip"}]}}"#;
    assert!(order_anomaly::Engine::from_config_str(text).is_ok());
}

#[test]
fn every_bad_field_and_every_bad_list_entry_is_reported_at_once() {
    let text = r#"{"name":"x","version":"1","rules":{"payment.large_amount":{"points":-1,"enabled":"yes"}},
        "lists":{"block":[{"kind":"phone","value":"1"},{"kind":"nope","value":"2","reason":"r"},{"kind":"phone","value":"3","reason":"r"}]}}"#;
    let err = RuleSet::from_json(text, "bad.json").unwrap_err().to_string();
    assert!(err.contains("at `rules.payment.large_amount.points`"), "{err}");
    assert!(err.contains("at `rules.payment.large_amount.enabled`"), "{err}");
    assert!(err.contains("at `lists.block[0]`") && err.contains("missing field `reason`"), "{err}");
    assert!(err.contains("at `lists.block[1].kind`"), "{err}");
    assert!(!err.contains("block[2]"), "{err}");
    assert!(err.contains("has 4 problems"), "{err}");
}

#[test]
fn a_composite_with_too_many_points_is_one_problem() {
    let text = r#"{"name":"x","version":"1","composites":[{"id":"custom.x","when":{"fired":"payment.large_amount"},"points":255,"message":{"zh":"a","en":"a"}}]}"#;
    let err = order_anomaly::Engine::from_config_str(text).unwrap_err().to_string();
    assert_eq!(err.matches("255").count(), 1, "{err}");
    assert!(err.contains("rule `custom.x`: points 255 exceed 100"), "{err}");
}

#[cfg(feature = "toml")]
#[test]
fn a_toml_error_without_a_place_names_none() {
    let deep = format!("name = \"x\"\nversion = \"1\"\n{} = 1\n", vec!["a"; 300].join("."));
    let err = RuleSet::from_toml(&deep, "deep.toml").unwrap_err().to_string();
    assert!(!err.contains("line 0") && err.contains("recursion limit"), "{err}");
}
