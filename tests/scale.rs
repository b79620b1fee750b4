//! Inputs of attacker size cost linear (or n·log n) time, never the square.
//!
//! Each test feeds one input that took minutes while the cost grew with the
//! square of its size (or worse), and fails if it does not finish within a
//! limit far above what a linear pass needs even in a debug build. This is a
//! stall guard, not a speed measurement: `benches/engine.rs` (`scale/*`)
//! measures the same inputs against linear baselines.

#[macro_use]
mod common;

use std::sync::mpsc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use common::*;
use order_anomaly::model::*;
use order_anomaly::{Engine, EvalContext, ids};

/// Far above a linear pass over any input here (well under a second in a
/// debug build), far below the minutes the quadratic versions took.
const LIMIT: StdDuration = StdDuration::from_secs(60);

/// Runs `f` on another thread and fails the test if it takes over [`LIMIT`].
#[track_caller]
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {LIMIT:?}: its cost is not linear in its size"),
    }
}

#[test]
fn a_category_of_white_space_is_read_once() {
    // 200,000 spaces then a letter: every start re-skipped the spaces.
    let mut o = order();
    o.items[0].category = Some(format!("{}x", " ".repeat(200_000)));
    let a = within("a 200k-space category", move || eval(&o, &EvalContext::at(now())));
    assert!(!a.has_flag(ids::PRODUCT_HIGH_VALUE_NO_HISTORY));
}

#[test]
fn an_order_with_megabyte_fields_is_evaluated() {
    let big = "地址".repeat(250_000); // 1.5 MB
    let mut o = order();
    o.items[0].category = Some(big.clone());
    let s = o.shipping.as_mut().unwrap();
    s.detail = Some(big.clone());
    s.city = Some(big.clone());
    o.recipient.as_mut().unwrap().name = Some(big.clone());
    o.recipient.as_mut().unwrap().phone = Some(big.clone());
    o.buyer_note = Some(big.clone());
    o.payment.as_mut().unwrap().instrument_id = Some(big.clone());
    o.client.as_mut().unwrap().device_id = Some(big);
    let a = within("an order with 1.5 MB fields", move || eval(&o, &ctx()));
    assert!(a.has_flag(ids::CONTACT_PHONE_INVALID));
}

#[test]
fn a_hundred_thousand_address_changes_in_a_week() {
    let mut p = profile();
    p.address_changes = (0..100_000)
        .map(|i| AddressChange::new(ago(Duration::seconds(i * 6)), Some(format!("城市{}", i % 5000).into())))
        .collect();
    let a = within("100k address changes", move || eval(&order(), &EvalContext::at(now()).with_user(p)));
    let f = assert_fires(&a, ids::ADDRESS_FREQUENT_CHANGE);
    assert_eq!(evidence(f, "distinct_cities"), "5000");
    assert_eq!(evidence(f, "consecutive_days"), "8"); // 6.9 days reach 8 local calendar days
}

#[test]
fn thirty_thousand_accounts_on_one_device() {
    let mut p = profile();
    let bought = vec![LinkedPurchase::new("茶叶", ago(Duration::days(1)))];
    p.linked_accounts = (0..30_000)
        .map(|i| LinkedAccount::new(format!("u-{}", i % 20_000), LinkKind::Device, bought.clone()))
        .collect();
    let a = within("30k linked accounts", move || eval(&order(), &EvalContext::at(now()).with_user(p)));
    assert_eq!(evidence(assert_fires(&a, ids::BEHAVIOR_MULTI_ACCOUNT), "linked_accounts"), "20000");
}

#[test]
fn ten_thousand_order_lines_against_ten_thousand_purchases() {
    let mut o = order();
    o.items =
        (0..10_000).map(|i| LineItem::new(format!("p-{i}"), dec("1"), 1).with_category(format!("类目{i}"))).collect();
    let mut p = profile();
    p.linked_accounts = (0..3)
        .map(|a| {
            let bought = (0..10_000).map(|i| LinkedPurchase::new(format!("其他{i}"), ago(Duration::days(1)))).collect();
            LinkedAccount::new(format!("u-{a}"), LinkKind::Device, bought)
        })
        .collect();
    p.linked_accounts[2].purchases.push(LinkedPurchase::new("类目9999", ago(Duration::days(1))));
    let a = within("10k lines x 30k purchases", move || eval(&o, &EvalContext::at(now()).with_user(p)));
    assert!(!a.has_flag(ids::BEHAVIOR_MULTI_ACCOUNT), "one linked account bought the same kind");
}

fn composite(id: &str, when: &str) -> String {
    format!(r#"{{"id":"{id}","when":{when},"points":1,"message":{{"zh":"x","en":"x"}}}}"#)
}

#[test]
fn composites_that_each_build_on_all_before_load_in_linear_time() {
    // 40 composites, each firing on any of the ones before: 2^40 paths,
    // which the cycle check walked one by one.
    let mut parts = vec![composite("custom.c0", r#"{"fired":"payment.large_amount"}"#)];
    for i in 1..40 {
        let any: Vec<String> = (0..i).map(|j| format!(r#"{{"fired":"custom.c{j}"}}"#)).collect();
        parts.push(composite(&format!("custom.c{i}"), &format!(r#"{{"any":[{}]}}"#, any.join(","))));
    }
    let text = format!(r#"{{"name":"dense","version":"1","composites":[{}]}}"#, parts.join(","));
    let engine = within("40 densely linked composites", move || Engine::from_config_str(&text));
    assert_eq!(engine.unwrap().config().composites.len(), 40);
}

#[test]
fn ten_thousand_composites_load() {
    let parts: Vec<String> = (0..10_000)
        .map(|i| {
            composite(&format!("custom.c{i}"), r#"{"compare":{"attribute":"payable_amount","op":">=","value":1}}"#)
        })
        .collect();
    let text = format!(r#"{{"name":"many","version":"1","composites":[{}]}}"#, parts.join(","));
    let engine = within("10k composites", move || Engine::from_config_str(&text));
    assert_eq!(engine.unwrap().config().composites.len(), 10_000);
}

#[test]
fn a_long_cycle_is_one_problem() {
    let n = 5_000;
    let parts: Vec<String> = (0..n)
        .map(|i| composite(&format!("custom.c{i}"), &format!(r#"{{"fired":"custom.c{}"}}"#, (i + 1) % n)))
        .collect();
    let text = format!(r#"{{"name":"ring","version":"1","composites":[{}]}}"#, parts.join(","));
    let e = within("a 5k-composite cycle", move || Engine::from_config_str(&text)).unwrap_err();
    let cycles: Vec<String> = e.problems().iter().map(ToString::to_string).filter(|p| p.contains("cycle")).collect();
    assert_eq!(cycles.len(), 1, "{:?}", cycles.iter().map(|c| c.len()).collect::<Vec<_>>());
    assert!(
        cycles[0]
            .starts_with("at `composites[0].when`: composite `custom.c0` forms a cycle: custom.c0 -> custom.c1 ->")
    );
    assert!(cycles[0].ends_with("-> custom.c4999 -> custom.c0"));
}

#[test]
fn a_megabyte_unknown_key_gets_no_suggestion_and_costs_nothing() {
    let key = "payment.amout_spike".repeat(500_000); // 9.5 MB
    let text = format!(r#"{{"name":"big","version":"1","rules":{{"{key}":{{"points":1}}}}}}"#);
    let e = within("a 9.5 MB unknown rule id", move || Engine::from_config_str(&text)).unwrap_err();
    let all = e.to_string();
    assert!(all.contains("unknown rule id"));
    assert!(!all.contains("did you mean"));
}

#[test]
fn ten_thousand_category_keywords_read_a_long_category_once() {
    // 10,000 keywords and a 100 KB category: each keyword compared at every
    // place took 15 s for one line; one automaton reads the text once.
    use order_anomaly::rules::product::{HighValueNoHistory, Keywords};
    let words: Vec<String> = (0..10_000).map(|i| format!("kw{i:05}x")).collect();
    let mut rule = HighValueNoHistory::default();
    rule.categories = Keywords::new(words);
    rule.min_value = dec("0");
    let engine = Engine::builder().rule(rule).build().unwrap();
    let mut o = order();
    o.items[0].category = Some(format!("{}kw09999x", "kw0000".repeat(17_000)));
    let a = within("10k keywords on a 100 KB category", move || engine.evaluate(&o, &EvalContext::at(now())));
    assert!(a.has_flag(ids::PRODUCT_HIGH_VALUE_NO_HISTORY), "the last keyword, at the end");
}

/// A rule set of `n` composites, each building on the one before it (the
/// first on the large amount), all of which fire on [`order`] priced 9,000.
fn chain(n: usize) -> Engine {
    let composites: Vec<String> = (0..n)
        .map(|i| {
            let on = if i == 0 { "payment.large_amount".to_owned() } else { format!("custom.c{}", i - 1) };
            format!(
                r#"{{"id":"custom.c{i}","when":{{"all":[{{"fired":"{on}"}},{{"compare":{{"attribute":"payable_amount","op":">=","value":"0"}}}}]}},"points":1,"message":{{"zh":"c","en":"c"}}}}"#
            )
        })
        .collect();
    let text = format!(r#"{{"name":"chain","version":"1","composites":[{}]}}"#, composites.join(","));
    Engine::from_config_str(&text).unwrap()
}

#[test]
fn a_chain_of_composites_costs_linear_time_per_order() {
    // 4,000 composites each building on the one before: 94 ms an order when
    // each asked a scan of the flags so far (release), minutes for these 50
    // orders in a debug build.
    let engine = chain(4_000);
    let o = priced("9000.00");
    let a = within("a chain of 4,000 composites, 50 orders", move || {
        let c = ctx();
        for _ in 0..49 {
            std::hint::black_box(engine.evaluate(&o, &c));
        }
        engine.evaluate(&o, &c)
    });
    assert!(a.has_flag("custom.c3999"), "the whole chain fired");
    assert_eq!(a.flags().iter().filter(|f| f.rule_id().as_str().starts_with("custom.")).count(), 4_000);
}

#[test]
fn a_bad_event_with_many_unknown_fields_is_reported_in_linear_time() {
    // 100,000 fields the crate does not know and no `order_id`: the path of
    // the problem was sought by reading the event again without each field
    // (4,000 fields took 2.8 s in a release build).
    let extra: String = (0..100_000).map(|i| format!(r#""a{i}":{i},"#)).collect();
    let line = format!(r#"{{"id":"e1","at":"2026-03-01T10:00:00Z","type":"paid",{extra}"amount":"1"}}"#);
    let e = within("an event of 100,000 unknown fields", move || order_anomaly::profile::Event::from_json(&line))
        .unwrap_err();
    assert!(e.message.contains("missing field `order_id`"), "{e}");
}
