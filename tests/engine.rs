//! The engine as a whole: defaults, builder validation, shadow mode,
//! custom rules, determinism, serde.

#[macro_use]
mod common;

use common::*;
use order_anomaly::rules::composite::{Composite, Condition};
use order_anomaly::rules::payment::{AmountSpike, FailedAttempts};
use order_anomaly::{
    Action, Assessment, BuildProblem, Category, Decision, Engine, EvalContext, EvalRequest, Finding, Input, Locale,
    Outcome, Rule, Thresholds, ids,
};

#[test]
fn default_engine_builds_with_every_catalogue_rule_in_order() {
    let e = Engine::default();
    let got: Vec<&str> = e.rules().map(|r| r.id.as_str()).collect();
    assert_eq!(got, ids::ALL);
    let points = |id| e.settings(id).unwrap().points;
    let action = |id| e.settings(id).unwrap().action;
    assert_eq!(points(ids::PAYMENT_AMOUNT_MISMATCH), 60);
    assert_eq!(action(ids::PAYMENT_AMOUNT_MISMATCH), Action::Hold);
    assert_eq!(points(ids::LIST_BLOCKED), 100);
    assert_eq!(action(ids::LIST_BLOCKED), Action::Reject);
    assert_eq!(points(ids::CASE_STOLEN_CARD), 70);
    assert_eq!(points(ids::CONTACT_RECIPIENT_MISMATCH), 15);
    assert_eq!(e.thresholds(), Thresholds::new(30, 60));
}

#[test]
fn engine_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Engine>();
    let e = Engine::default();
    let e2 = e.clone();
    assert_eq!(e.evaluate(&order(), &ctx()), e2.evaluate(&order(), &ctx()));
}

#[test]
fn every_problem_is_reported_at_once_and_named() {
    let err = Engine::builder()
        .points("payment.amout_spike", 10)
        .points(ids::PAYMENT_LARGE_AMOUNT, 101)
        .thresholds(Thresholds::new(70, 60))
        .rule(build!(FailedAttempts { min_failures: 0 }))
        .rule(build!(AmountSpike { multiplier: dec("1"), floor: dec("-5"), min_history_orders: 1 }))
        .build()
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.problems().len(), 6, "{msg}");
    assert!(msg.contains("unknown rule id `payment.amout_spike`"), "{msg}");
    assert!(msg.contains("rule `payment.large_amount`: points 101 exceed 100"), "{msg}");
    assert!(msg.contains("review (70) <= hold (60)"), "{msg}");
    assert!(msg.contains("rule `payment.failed_attempts`: `min_failures` must be at least 1"), "{msg}");
    assert!(msg.contains("rule `payment.amount_spike`: `multiplier` must be greater than 1"), "{msg}");
    assert!(msg.contains("`floor` must not be negative, got -5"), "{msg}");
}

#[test]
fn composites_must_build_on_rules_declared_before_them() {
    let c = |id: &str, on: &'static str| Composite::new(id, Condition::fired(on), 10, Action::Score, "x", "x");
    let err = Engine::builder()
        .rule(c("custom.self", "custom.self"))
        .rule(c("custom.early", "custom.late"))
        .rule(c("custom.late", ids::PAYMENT_TIMEOUT))
        .rule(c("custom.ghost", "payment.nothing"))
        .build()
        .unwrap_err();
    let whys: Vec<_> = err
        .problems()
        .iter()
        .map(|p| match p {
            BuildProblem::Dependency { rule, why, .. } => format!("{rule}: {why}"),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(
        whys,
        ["custom.self: is the rule itself", "custom.early: is declared after it", "custom.ghost: does not exist"]
    );
}

#[test]
fn malformed_ids_are_refused_and_a_repeated_id_replaces_the_rule() {
    #[derive(Debug)]
    struct Named(&'static str, u8);
    impl Rule for Named {
        fn id(&self) -> &str {
            self.0
        }
        fn category(&self) -> Category {
            Category::Custom
        }
        fn default_points(&self) -> u8 {
            self.1
        }
        fn evaluate(&self, _: &Input<'_>) -> Outcome {
            Outcome::NotFired
        }
    }
    let err = Engine::builder().rule(Named("Bad Id", 1)).build().unwrap_err();
    assert!(matches!(&err.problems()[0], BuildProblem::BadRuleId(id) if id == "Bad Id"));
    // The same id again replaces the rule in its place: one rule, the later.
    let engine = order_anomaly::EngineBuilder::empty()
        .rule(Named("custom.a", 1))
        .rule(Named("custom.b", 2))
        .rule(Named("custom.a", 3))
        .build()
        .unwrap();
    let rules: Vec<(String, u8)> = engine.rules().map(|r| (r.id.to_string(), r.settings.points)).collect();
    assert_eq!(rules, [("custom.a".to_owned(), 3), ("custom.b".to_owned(), 2)]);
}

#[test]
fn shadow_rules_report_without_counting() {
    let mut o = order();
    o.payable_amount = dec("199.00");
    o.payment.as_mut().unwrap().paid_amount = Some(dec("1.00"));
    let live = eval(&o, &ctx());
    assert_eq!(live.decision(), Decision::Hold);
    let shadow = Engine::builder().shadow(ids::PAYMENT_AMOUNT_MISMATCH, true).build().unwrap().evaluate(&o, &ctx());
    assert!(!shadow.has_flag(ids::PAYMENT_AMOUNT_MISMATCH));
    assert_eq!(shadow.shadow_flags()[0].rule_id().as_str(), ids::PAYMENT_AMOUNT_MISMATCH);
    assert_eq!(shadow.score(), 0);
    assert_eq!(shadow.decision(), Decision::Pass);
}

#[test]
fn disabled_rules_are_not_evaluated_and_actions_can_change() {
    let mut o = order();
    o.payment.as_mut().unwrap().paid_amount = Some(dec("1.00"));
    let e = Engine::builder().disable(ids::PAYMENT_AMOUNT_MISMATCH).build().unwrap();
    let a = e.evaluate(&o, &ctx());
    assert!(!a.has_flag(ids::PAYMENT_AMOUNT_MISMATCH) && !a.was_skipped(ids::PAYMENT_AMOUNT_MISMATCH));
    let e = Engine::builder()
        .points(ids::PAYMENT_AMOUNT_MISMATCH, 5)
        .action(ids::PAYMENT_AMOUNT_MISMATCH, Action::Reject)
        .build()
        .unwrap();
    let a = e.evaluate(&o, &ctx());
    assert_eq!((a.score(), a.decision()), (5, Decision::Reject));
}

#[test]
fn thresholds_drive_the_decision() {
    let mut o = order();
    o.recipient.as_mut().unwrap().name = Some("李四".into()); // 15 points
    assert_eq!(eval(&o, &ctx()).decision(), Decision::Pass);
    let strict = Engine::builder().thresholds(Thresholds::new(15, 40)).build().unwrap();
    assert_eq!(strict.evaluate(&o, &ctx()).decision(), Decision::Review);
}

/// The README's custom rule, end to end.
#[derive(Debug)]
struct StaffAddress;

impl Rule for StaffAddress {
    fn id(&self) -> &str {
        "custom.staff_address"
    }
    fn category(&self) -> Category {
        Category::Custom
    }
    fn default_points(&self) -> u8 {
        40
    }
    fn evaluate(&self, input: &Input<'_>) -> Outcome {
        let Some(detail) = input.order().shipping.as_ref().and_then(|s| s.detail.as_deref()) else {
            return Outcome::missing("shipping.detail");
        };
        if detail.contains("员工测试") {
            Outcome::Fired(Finding::new("custom.staff_address", "员工测试地址", "staff test address").evidence(
                "detail",
                "员工测试",
                None::<&str>,
            ))
        } else {
            Outcome::NotFired
        }
    }
}

#[test]
fn custom_rules_run_beside_the_built_ins() {
    let e = Engine::builder().rule(StaffAddress).build().unwrap();
    let mut o = order();
    o.shipping.as_mut().unwrap().detail = Some("员工测试仓".into());
    let a = e.evaluate(&o, &ctx());
    let f = a.flag("custom.staff_address").unwrap();
    assert_eq!(f.category(), Category::Custom);
    assert_eq!(a.score(), 40);
    assert_eq!(a.decision(), Decision::Review);
    assert_eq!(a.reasons(Locale::En), ["staff test address"]);
    assert_eq!(a.reasons(Locale::Zh), ["员工测试地址"]);
}

#[test]
fn evaluation_is_deterministic_and_round_trips_as_json() {
    let mut o = order();
    o.recipient.as_mut().unwrap().phone = Some("12345".into());
    let a = eval(&o, &ctx());
    assert_eq!(a, eval(&o, &ctx()));
    let json = serde_json::to_string(&a).unwrap();
    let back: Assessment = serde_json::from_str(&json).unwrap();
    assert_eq!(a, back);
    assert_eq!(a.evaluated_at(), now());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["decision"], "pass");
    assert_eq!(v["flags"][0]["rule_id"], "contact.phone_invalid");
    assert_eq!(v["flags"][0]["message"]["en"], "recipient phone ****5 is not a valid number for CN");
}

#[test]
fn unknown_fields_in_data_are_ignored_and_a_strict_read_names_them() {
    let line = r#"{"order":{"id":"a","user_id":"u","created_at":"2026-01-01T00:00:00Z","payable_amount":"1","shiping":{},"status":"paid"},"context":{"now":"2026-01-01T00:00:00Z","user":{"user_id":"u","vip_level":3}}}"#;
    let r = EvalRequest::from_json(line).unwrap();
    assert_eq!(r.order.id, "a");
    assert_eq!(&*r.context.user.as_ref().unwrap().user_id, "u");
    let err = EvalRequest::from_json_strict(line).unwrap_err();
    assert_eq!(err.path, "order.shiping");
    let ctx = serde_json::from_str::<EvalContext>(r#"{"now":"2026-01-01T00:00:00Z","utc_offset":"8"}"#).unwrap_err();
    assert!(ctx.to_string().contains("invalid UTC offset: expected a signed offset"), "{ctx}");
    assert!(!ctx.to_string().contains("`8`"), "the value is not quoted: {ctx}");
    // Rule-set files stay strict.
    let e = Engine::from_config_str(r#"{"name":"x","version":"1","colour":"blue"}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
}

#[test]
fn a_rule_can_be_tested_without_an_engine() {
    let mut strict = FailedAttempts::default();
    strict.min_failures = 1;
    let mut o = order();
    o.payment.as_mut().unwrap().attempts[0].status = order_anomaly::model::AttemptStatus::Declined;
    let c = ctx();
    assert!(matches!(strict.evaluate(&Input::new(&o, &c)), Outcome::Fired(_)));
    assert!(matches!(FailedAttempts::default().evaluate(&Input::new(&o, &c)), Outcome::NotFired));
    o.payment = None;
    assert!(matches!(strict.evaluate(&Input::new(&o, &c)), Outcome::Skipped(_)));
}

#[test]
fn batches_take_requests_pairs_and_references_alike() {
    let e = Engine::default();
    let mut big = priced("9000.00");
    big.id = "SO-2".into();
    let pairs = vec![(order(), ctx()), (big, ctx())];
    let one_by_one: Vec<Assessment> = pairs.iter().map(|(o, c)| e.evaluate(o, c)).collect();
    assert_ne!(one_by_one[0].decision(), one_by_one[1].decision());
    assert_eq!(e.evaluate_batch(&pairs), one_by_one);
    let refs: Vec<_> = pairs.iter().map(|(o, c)| (o, c)).collect();
    assert_eq!(e.evaluate_batch(&refs), one_by_one);
    let requests: Vec<_> = pairs.iter().map(|(o, c)| order_anomaly::EvalRequest::new(o.clone(), c.clone())).collect();
    assert_eq!(e.evaluate_batch(&requests), one_by_one);
}

#[test]
fn live_lists_change_decisions_without_rebuilding_the_engine() {
    use order_anomaly::{BlockEntry, EntityKind, SharedLists};
    let live = SharedLists::default();
    let e = Engine::builder().live_lists(live.clone()).build().unwrap();
    let copy = e.clone();
    let hash = e.ruleset().hash.clone();
    assert_eq!(e.evaluate(&order(), &ctx()).decision(), Decision::Pass);
    live.update(|l| l.add_block(BlockEntry::new(EntityKind::Phone, "+86 138-0013-8000", "confirmed fraud"))).unwrap();
    assert_eq!(e.evaluate(&order(), &ctx()).decision(), Decision::Reject);
    assert_eq!(copy.evaluate(&order(), &ctx()).decision(), Decision::Reject, "clones share the live lists");
    // An entry that can never match is refused and the lists in force stay.
    let refused = live.update(|l| l.add_block(BlockEntry::new(EntityKind::Phone, "not a phone", "typo")));
    assert_eq!(refused.unwrap_err().len(), 1);
    assert_eq!(live.snapshot().block().len(), 1);
    // Live lists are not part of the rule set.
    assert_eq!(e.ruleset().hash, hash);
    assert!(e.config().lists.is_empty());
    live.replace(order_anomaly::Lists::new()).unwrap();
    assert_eq!(e.evaluate(&order(), &ctx()).decision(), Decision::Pass);
}

#[test]
fn evaluation_is_total_at_the_ends_of_the_time_range() {
    use chrono::{DateTime, Duration, Utc};
    let e = Engine::default();
    let ends: [DateTime<Utc>; 3] =
        ["+262142-12-31T20:00:00Z".parse().unwrap(), DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC];
    for at in ends {
        // The clean order and a buyer whose whole history sits at that end.
        let mut o = order();
        o.created_at = at;
        for p in o.payment.iter_mut() {
            p.paid_at = Some(at);
            p.attempts.iter_mut().for_each(|a| a.at = at);
        }
        let mut c = ctx();
        c.now = at;
        let user = c.user.as_mut().unwrap();
        user.recent_orders.iter_mut().for_each(|p| p.placed_at = at);
        user.address_changes =
            (0..5).map(|_| order_anomaly::model::AddressChange::new(at, Some("杭州市".into()))).collect();
        for offset in ["+14:00", "-12:00", "+08:00"] {
            c.utc_offset = offset.parse().unwrap();
            let a = e.evaluate(&o, &c);
            assert!(a.score() <= 100, "{at} {offset}");
        }
        // And an order a day away from the end, assessed at the end.
        o.created_at = at.checked_sub_signed(Duration::days(1)).unwrap_or(at);
        let _ = e.evaluate(&o, &c);
    }
}

#[test]
fn common_spellings_of_enum_values_are_read() {
    use order_anomaly::Stage;
    use order_anomaly::model::{AttemptStatus, LinkKind};
    let read = |s: &str| serde_json::from_str::<AttemptStatus>(&format!("\"{s}\""));
    for s in ["succeeded", "SUCCEEDED", "success", "Success", "paid"] {
        assert_eq!(read(s).unwrap(), AttemptStatus::Succeeded, "{s}");
    }
    for s in ["insufficient_balance", "INSUFFICIENT_BALANCE", "InsufficientBalance", "insufficient-funds"] {
        assert_eq!(read(s).unwrap(), AttemptStatus::InsufficientBalance, "{s}");
    }
    let e = read("maybe").unwrap_err().to_string();
    assert!(e.contains("expected one of `succeeded`"), "{e}");
    assert_eq!(serde_json::to_string(&AttemptStatus::Succeeded).unwrap(), "\"succeeded\"", "written canonically");
    assert_eq!(serde_json::from_str::<Stage>("\"CANCELED\"").unwrap(), Stage::Cancelled);
    assert_eq!(serde_json::from_str::<LinkKind>("\"card\"").unwrap(), LinkKind::PaymentInstrument);
    // In a whole request line.
    let line = r#"{"order":{"id":"a","user_id":"u","created_at":"2026-01-01T00:00:00Z","payable_amount":"1","payment":{"attempts":[{"at":"2026-01-01T00:00:00Z","status":"SUCCESS"}]}},"context":{"now":"2026-01-01T00:00:00Z","stage":"Paid"}}"#;
    let r = EvalRequest::from_json(line).unwrap();
    assert_eq!(r.order.payment.unwrap().attempts[0].status, AttemptStatus::Succeeded);
}
