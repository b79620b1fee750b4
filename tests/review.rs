//! Manual review and backtesting: transitions, the trail, feedback into the
//! lists (including a snooze that expires), statistics and backtest figures
//! by hand-computed values.

#[macro_use]
mod common;

use chrono::Duration;
use common::*;
use order_anomaly::backtest::{Labeled, backtest, compare};
use order_anomaly::review::{CaseAction, CaseState, FeedbackPolicy, Resolution, ReviewError, ReviewQueue};
use order_anomaly::{BlockEntry, Decision, Engine, EntityKind, Lists, Order, Window, ids};

/// An order that is held: a paid amount that differs from the payable one.
fn held(id: &str, user: &str) -> Order {
    let mut o = order();
    o.id = id.into();
    o.user_id = user.into();
    o.payment.as_mut().unwrap().paid_amount = Some(dec("1.00"));
    o
}

/// An order that is reviewed: a new recipient without a note (15) and a
/// malformed phone (20).
fn reviewed(id: &str) -> Order {
    let mut o = order();
    o.id = id.into();
    let r = o.recipient.as_mut().unwrap();
    r.name = Some("李四".into());
    r.phone = Some("1380013800".into());
    o
}

fn queue_with(orders: &[Order]) -> ReviewQueue {
    let mut q = ReviewQueue::new(Window::hours(24));
    for o in orders {
        let a = eval(o, &ctx());
        q.file(o, &a, now());
    }
    q
}

#[test]
fn only_review_and_hold_open_cases_and_a_reassessment_updates_the_case() {
    let h = held("H1", "u-1");
    let r = reviewed("R1");
    assert_eq!(eval(&h, &ctx()).decision(), Decision::Hold);
    assert_eq!(eval(&r, &ctx()).decision(), Decision::Review);
    let mut q = queue_with(&[h.clone(), r, order()]);
    assert_eq!(q.cases().count(), 2, "the clean order opens no case");
    let a = eval(&h, &ctx());
    for minutes in 5..50 {
        q.file(&h, &a, now() + Duration::minutes(minutes));
    }
    assert_eq!(q.cases().count(), 2, "reassessment does not duplicate");
    let actions = |q: &ReviewQueue| q.case("H1").unwrap().trail().iter().map(|t| t.action).collect::<Vec<_>>();
    assert_eq!(actions(&q), [CaseAction::Opened], "identical reassessments add nothing to the trail");
    let mut worse = h.clone();
    worse.buyer_note = Some("放快递柜".into());
    worse.shipping.as_mut().unwrap().detail = Some("丰巢快递柜代收".into());
    q.file(&worse, &eval(&worse, &ctx()), now() + Duration::minutes(60));
    assert_eq!(actions(&q), [CaseAction::Opened, CaseAction::Reassessed]);
    assert!(q.case("H1").unwrap().trail()[1].note.contains("address.locker_without_unit"));
}

#[test]
fn a_pending_case_reassessed_as_pass_closes_itself() {
    let h = held("H1", "u-1");
    let mut q = queue_with(std::slice::from_ref(&h));
    let mut fixed = h.clone();
    fixed.payment.as_mut().unwrap().paid_amount = Some(dec("199.00"));
    q.file(&fixed, &eval(&fixed, &ctx()), now() + Duration::minutes(5));
    let case = q.case("H1").unwrap();
    assert_eq!(case.state(), &CaseState::Withdrawn);
    assert_eq!(case.trail().last().unwrap().from, Some(CaseState::Open));
    assert!(q.overdue(now() + Duration::days(3)).is_empty(), "a withdrawn case is never overdue");
    assert_eq!(q.stats().resolved, 0, "nor counted as reviewed");
}

#[test]
fn a_case_closed_as_a_false_alarm_reopens_when_the_order_is_held_again() {
    let r = reviewed("R1");
    let mut q = queue_with(std::slice::from_ref(&r));
    q.take("R1", "bob", now(), "").unwrap();
    q.resolve("R1", "bob", Resolution::FalseAlarm, now(), "gift", &FeedbackPolicy::default()).unwrap();
    // New evidence: the paid amount no longer matches.
    let mut worse = r.clone();
    worse.payment.as_mut().unwrap().paid_amount = Some(dec("1.00"));
    let a = eval(&worse, &ctx());
    assert!(a.decision() >= Decision::Hold);
    let later = now() + Duration::hours(2);
    q.file(&worse, &a, later);
    let case = q.case("R1").unwrap();
    assert_eq!(case.state(), &CaseState::Open);
    assert_eq!(case.opened_at(), later);
    assert_eq!(case.decision(), a.decision());
    let last = case.trail().last().unwrap();
    assert_eq!((last.action, last.from.clone()), (CaseAction::Reopened, Some(CaseState::FalseAlarm)));
    assert!(last.note.contains("payment.amount_mismatch"), "{}", last.note);
    assert_eq!(q.next().unwrap().order_id(), "R1", "it reaches a reviewer");
}

#[test]
fn only_the_resolver_or_a_supervisor_releases_a_held_order() {
    let p = FeedbackPolicy::default();
    let mut q = ReviewQueue::new(Window::hours(24)).with_supervisor("sam");
    for id in ["H1", "H2"] {
        let h = held(id, "u-1");
        q.file(&h, &eval(&h, &ctx()), now());
        q.take(id, "alice", now(), "").unwrap();
        q.resolve(id, "alice", Resolution::FalseAlarm, now(), "ok", &p).unwrap();
    }
    let e = q.release("H1", "mallory", now(), "").unwrap_err();
    assert!(matches!(e, ReviewError::NotPermitted { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "case `H1` was resolved by `alice`: `mallory` is neither them nor a supervisor, so cannot release"
    );
    assert_eq!(q.case("H1").unwrap().state(), &CaseState::FalseAlarm, "nothing changed");
    q.release("H1", "alice", now(), "").unwrap();
    q.release("H2", "sam", now(), "").unwrap();
    assert_eq!(q.case("H2").unwrap().state(), &CaseState::Released);
}

#[test]
fn priority_is_score_then_age() {
    let mut q = ReviewQueue::default();
    let (h, r) = (held("H1", "u-1"), reviewed("R1"));
    q.file(&r, &eval(&r, &ctx()), now());
    q.file(&h, &eval(&h, &ctx()), now() + Duration::minutes(1));
    let h2 = held("H2", "u-2");
    q.file(&h2, &eval(&h2, &ctx()), now() + Duration::minutes(2));
    let order: Vec<&str> = q.pending().iter().map(|c| c.order_id()).collect();
    assert_eq!(order, ["H1", "H2", "R1"]);
    assert_eq!(q.next().unwrap().order_id(), "H1");
}

#[test]
fn every_valid_transition_is_recorded_in_order() {
    let mut q = queue_with(&[held("H1", "u-1")]);
    let p = build!(FeedbackPolicy { block_on_confirmed: vec![], snooze_on_false_alarm: None });
    let t = |m| now() + Duration::minutes(m);
    q.take("H1", "alice", t(1), "looking").unwrap();
    q.escalate("H1", "alice", t(2), "needs a senior").unwrap();
    q.take("H1", "bob", t(3), "senior here").unwrap();
    q.resolve("H1", "bob", Resolution::FalseAlarm, t(4), "customer confirmed by phone", &p).unwrap();
    q.release("H1", "bob", t(5), "ship it").unwrap();
    let case = q.case("H1").unwrap();
    assert_eq!(case.state(), &CaseState::Released);
    let trail: Vec<_> = case.trail().iter().map(|e| (e.actor.as_str(), e.action, e.to.to_string(), e.at)).collect();
    assert_eq!(
        trail,
        [
            ("system", CaseAction::Opened, "open".to_owned(), now()),
            ("alice", CaseAction::Taken, "in_review".to_owned(), t(1)),
            ("alice", CaseAction::Escalated, "escalated".to_owned(), t(2)),
            ("bob", CaseAction::Taken, "in_review".to_owned(), t(3)),
            ("bob", CaseAction::Resolved, "false_alarm".to_owned(), t(4)),
            ("bob", CaseAction::Released, "released".to_owned(), t(5)),
        ]
    );
    assert_eq!(case.trail()[4].note, "customer confirmed by phone");
    assert_eq!(
        case.trail()[4].from,
        Some(CaseState::Escalated).map(|_| CaseState::InReview { reviewer: "bob".into() })
    );

    let mut q = queue_with(&[held("H2", "u-2")]);
    q.escalate("H2", "alice", t(1), "straight up").unwrap();
    q.take("H2", "carol", t(2), "").unwrap();
    q.resolve("H2", "carol", Resolution::ConfirmedAbnormal, t(3), "stolen card", &p).unwrap();
    q.cancel_order("H2", "carol", t(4), "refund").unwrap();
    assert_eq!(q.case("H2").unwrap().state(), &CaseState::Cancelled);
    assert_eq!(q.case("H2").unwrap().resolution(), Some(Resolution::ConfirmedAbnormal));
}

#[test]
fn every_invalid_transition_is_an_error() {
    let p = FeedbackPolicy::default();
    let mut q = queue_with(&[held("H1", "u-1"), reviewed("R1")]);
    let n = now();
    let transition = |e: ReviewError| matches!(e, ReviewError::Transition { .. });
    // From open: resolve, release, cancel.
    assert!(transition(q.resolve("H1", "alice", Resolution::FalseAlarm, n, "", &p).unwrap_err()));
    assert!(transition(q.release("H1", "alice", n, "").unwrap_err()));
    assert!(transition(q.cancel_order("H1", "alice", n, "").unwrap_err()));
    // In review: taking again, or acting by someone else.
    q.take("H1", "alice", n, "").unwrap();
    assert!(transition(q.take("H1", "bob", n, "").unwrap_err()));
    assert!(matches!(
        q.resolve("H1", "bob", Resolution::FalseAlarm, n, "", &p).unwrap_err(),
        ReviewError::NotHolder { .. }
    ));
    assert!(matches!(q.escalate("H1", "bob", n, "").unwrap_err(), ReviewError::NotHolder { .. }));
    assert!(transition(q.release("H1", "alice", n, "").unwrap_err()));
    // Escalated: only taking.
    q.escalate("H1", "alice", n, "").unwrap();
    assert!(transition(q.escalate("H1", "alice", n, "").unwrap_err()));
    assert!(transition(q.resolve("H1", "alice", Resolution::FalseAlarm, n, "", &p).unwrap_err()));
    // Resolved as a false alarm: not cancelled, not resolved again.
    q.take("H1", "bob", n, "").unwrap();
    q.resolve("H1", "bob", Resolution::FalseAlarm, n, "", &p).unwrap();
    assert!(transition(q.cancel_order("H1", "bob", n, "").unwrap_err()));
    assert!(transition(q.resolve("H1", "bob", Resolution::ConfirmedAbnormal, n, "", &p).unwrap_err()));
    assert!(transition(q.take("H1", "bob", n, "").unwrap_err()));
    // Released: final.
    q.release("H1", "bob", n, "").unwrap();
    assert!(transition(q.release("H1", "bob", n, "").unwrap_err()));
    // A reviewed (already fulfilled) order has nothing to release or cancel.
    q.take("R1", "alice", n, "").unwrap();
    q.resolve("R1", "alice", Resolution::ConfirmedAbnormal, n, "", &p).unwrap();
    assert!(transition(q.cancel_order("R1", "alice", n, "").unwrap_err()));
    assert!(matches!(q.take("nope", "alice", n, "").unwrap_err(), ReviewError::NoCase(_)));
    let trail_len = q.case("H1").unwrap().trail().len();
    // Opened, taken, escalated, taken, resolved, released: the refusals left no trace.
    assert_eq!(trail_len, 6, "failed transitions leave no trace");
}

#[test]
fn overdue_cases_are_reported() {
    let q = queue_with(&[held("H1", "u-1")]);
    assert!(q.overdue(now() + Duration::hours(24)).is_empty());
    assert_eq!(q.overdue(now() + Duration::hours(25)).len(), 1);
}

#[test]
fn confirmed_abnormal_blocks_the_entities_the_policy_names() {
    let mut q = queue_with(&[held("H1", "u-1")]);
    let policy = build!(FeedbackPolicy {
        block_on_confirmed: vec![EntityKind::Phone, EntityKind::User],
        snooze_on_false_alarm: None
    });
    q.take("H1", "alice", now(), "").unwrap();
    let fb = q.resolve("H1", "alice", Resolution::ConfirmedAbnormal, now(), "chargeback", &policy).unwrap();
    assert_eq!(
        fb.blocked.iter().map(|b| (b.kind, b.value.as_str())).collect::<Vec<_>>(),
        [(EntityKind::User, "u-1"), (EntityKind::Phone, "13800138000")]
    );
    let mut lists = Lists::new();
    fb.apply_to(&mut lists);
    // The buyer's next order is rejected.
    let mut next = order();
    next.id = "N1".into();
    let a = eval(&next, &ctx().with_lists(lists));
    assert_eq!(a.decision(), Decision::Reject);
}

#[test]
fn blank_entity_values_are_never_blocked() {
    // An order with a blank device and instrument, confirmed abnormal under a
    // policy that blocks devices and instruments.
    let mut bad = held("H1", "u-1");
    bad.client.as_mut().unwrap().device_id = Some("  ".into());
    bad.payment.as_mut().unwrap().instrument_id = Some(String::new());
    let mut q = queue_with(&[bad]);
    let policy = build!(FeedbackPolicy {
        block_on_confirmed: vec![EntityKind::Device, EntityKind::PaymentInstrument],
        snooze_on_false_alarm: None
    });
    q.take("H1", "alice", now(), "").unwrap();
    let fb = q.resolve("H1", "alice", Resolution::ConfirmedAbnormal, now(), "chargeback", &policy).unwrap();
    assert!(fb.blocked.is_empty(), "{:?}", fb.blocked);
    let mut lists = Lists::new();
    fb.apply_to(&mut lists);
    // Another buyer's order with an empty instrument is not rejected.
    let mut other = order();
    other.id = "N1".into();
    other.payment.as_mut().unwrap().instrument_id = Some(String::new());
    assert_eq!(eval(&other, &ctx().with_lists(lists)).decision(), Decision::Pass);
}

#[test]
fn list_validation_refuses_empty_values_of_every_kind_without_echoing_values() {
    let mut lists = Lists::new();
    for kind in
        [EntityKind::User, EntityKind::Phone, EntityKind::Address, EntityKind::Device, EntityKind::PaymentInstrument]
    {
        lists.add_block(BlockEntry::new(kind, " ", "x"));
    }
    lists.add_block(BlockEntry::new(EntityKind::Phone, "李娜 call me", "x"));
    let problems: Vec<String> = lists.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "block entry 0 (user): the value is empty",
            "block entry 1 (phone): the value is empty",
            "block entry 2 (address): the value is empty",
            "block entry 3 (device): the value is empty",
            "block entry 4 (payment_instrument): the value is empty",
            "block entry 5 (phone): not a phone number",
        ]
    );
    // An empty entry is inert even where it was not validated.
    let mut o = order();
    o.client.as_mut().unwrap().device_id = Some(String::new());
    assert_eq!(eval(&o, &ctx().with_lists(lists)).decision(), Decision::Pass);
}

#[test]
fn a_false_alarm_snoozes_the_rules_that_fired_until_it_expires() {
    let r = reviewed("R1");
    let mut q = queue_with(std::slice::from_ref(&r));
    let policy = build!(FeedbackPolicy { block_on_confirmed: vec![], snooze_on_false_alarm: Some(Window::days(7)) });
    q.take("R1", "bob", now(), "").unwrap();
    let fb = q.resolve("R1", "bob", Resolution::FalseAlarm, now(), "gift for a friend", &policy).unwrap();
    let snooze = &fb.allowed[0];
    let rules: Vec<&str> = snooze.rules.iter().map(|r| r.as_str()).collect();
    assert_eq!(rules, [ids::CONTACT_PHONE_INVALID, ids::CONTACT_RECIPIENT_MISMATCH]);
    assert_eq!(snooze.expires_at, Some(now() + Duration::days(7)));
    let mut lists = Lists::new();
    fb.apply_to(&mut lists);
    let c = ctx().with_lists(lists);
    let during = eval(&r, &{
        let mut d = c.clone();
        d.now = now() + Duration::days(6);
        d
    });
    assert_eq!(during.decision(), Decision::Pass);
    assert_eq!(during.exemptions().len(), 2);
    let after = eval(&r, &{
        let mut d = c;
        d.now = now() + Duration::days(7);
        d
    });
    assert_eq!(after.decision(), Decision::Review, "the snooze ended by itself");
}

#[test]
fn statistics_by_hand() {
    // Three held orders (amount_mismatch) and two reviewed ones (large_amount + recipient_mismatch).
    let orders = [held("H1", "u-1"), held("H2", "u-2"), held("H3", "u-3"), reviewed("R1"), reviewed("R2")];
    let mut q = queue_with(&orders);
    let p = FeedbackPolicy::default();
    let verdicts = [
        ("H1", Resolution::ConfirmedAbnormal),
        ("H2", Resolution::ConfirmedAbnormal),
        ("H3", Resolution::FalseAlarm),
        ("R1", Resolution::FalseAlarm),
    ]; // R2 stays open
    for (id, v) in verdicts {
        q.take(id, "alice", now(), "").unwrap();
        q.resolve(id, "alice", v, now(), "", &p).unwrap();
    }
    let s = q.stats();
    assert_eq!((s.resolved, s.confirmed, s.false_alarms), (4, 2, 2));
    assert_eq!(s.false_alarm_share, Some(0.5));
    let m = s.rules[ids::PAYMENT_AMOUNT_MISMATCH];
    assert_eq!((m.hits, m.confirmed, m.false_alarms), (3, 2, 1));
    assert!((m.precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let l = s.rules[ids::CONTACT_PHONE_INVALID];
    assert_eq!((l.hits, l.confirmed, l.precision), (1, 0, Some(0.0)));
}

#[test]
fn a_queue_round_trips_through_json() {
    let mut q = queue_with(&[held("H1", "u-1")]);
    q.take("H1", "alice", now(), "").unwrap();
    let back: ReviewQueue = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
    assert_eq!(back, q);
}

fn labeled(o: Order, abnormal: bool) -> Labeled {
    Labeled::new(o, ctx(), abnormal)
}

/// Five orders by hand: two abnormal (one held, one missed), one false alarm
/// (reviewed), two clean.
fn history() -> Vec<Labeled> {
    let mut clean2 = order();
    clean2.id = "C2".into();
    let mut missed = order();
    missed.id = "M1".into();
    vec![
        labeled(held("H1", "u-1"), true),
        labeled(missed, true),
        labeled(reviewed("R1"), false),
        labeled(order(), false),
        labeled(clean2, false),
    ]
}

#[test]
fn backtest_figures_by_hand() {
    let r = backtest(&Engine::default(), &history(), Decision::Review);
    assert_eq!((r.orders, r.positives), (5, 2));
    let c = r.confusion;
    assert_eq!((c.true_positives, c.false_positives, c.false_negatives, c.true_negatives), (1, 1, 1, 2));
    assert_eq!(c.precision(), Some(0.5));
    assert_eq!(c.recall(), Some(0.5));
    assert_eq!(r.decisions[&Decision::Pass], 3);
    assert_eq!(r.decisions[&Decision::Review], 1);
    assert_eq!(r.decisions[&Decision::Hold], 1);
    let m = r.rules[ids::PAYMENT_AMOUNT_MISMATCH];
    assert_eq!((m.hits, m.true_positives, m.precision, m.recall), (1, 1, Some(1.0), Some(0.5)));
    let l = r.rules[ids::CONTACT_PHONE_INVALID];
    assert_eq!((l.hits, l.precision, l.recall), (1, Some(0.0), Some(0.0)));
    // At a Hold cut-off the review is no longer counted as flagged.
    let h = backtest(&Engine::default(), &history(), Decision::Hold).confusion;
    assert_eq!((h.true_positives, h.false_positives), (1, 0));
}

#[test]
fn every_cutoff_and_the_score_curve_come_from_one_pass() {
    let r = backtest(&Engine::default(), &history(), Decision::Review);
    // The Hold cut-off from the Review pass equals a pass at Hold.
    assert_eq!(r.confusion_at(Decision::Hold), backtest(&Engine::default(), &history(), Decision::Hold).confusion);
    assert_eq!(r.confusion_at(Decision::Review), r.confusion);
    // The curve runs from score 100 down to 0: at 0 every order is flagged
    // (recall 1, precision the share of abnormal orders); the number flagged
    // never falls as the score drops.
    assert_eq!(r.curve.len(), 101);
    assert_eq!(r.curve.first().map(|p| p.score), Some(100));
    let last = r.curve.last().unwrap();
    assert_eq!((last.score, last.flagged, last.recall, last.precision), (0, 5, Some(1.0), Some(0.4)));
    assert!(r.curve.windows(2).all(|w| w[0].flagged <= w[1].flagged));
    // The distribution adds up to the orders and the abnormal ones.
    assert_eq!(r.curve.iter().map(|p| p.orders_at).sum::<u64>(), 5);
    assert_eq!(r.curve.iter().map(|p| p.abnormal_at).sum::<u64>(), 2);
    // At the Review threshold the curve agrees with the decisions.
    let at_review = r.curve.iter().find(|p| p.score == 30).unwrap();
    assert_eq!(at_review.flagged, r.confusion.true_positives + r.confusion.false_positives);
    assert!(r.skips.values().any(|n| *n > 0), "skipped rules are counted");
}

#[test]
fn tuning_finds_more_recall_at_the_precision_floor_without_evaluating_again() {
    use order_anomaly::backtest::{Sample, Tuning, tune};
    let engine = Engine::default();
    let samples: Vec<Sample> =
        history().iter().map(|l| Sample::of(&engine.evaluate(&l.order, &l.context), l.abnormal)).collect();
    let start = Tuning::of(&engine);
    // Re-scoring with the engine's own points gives the engine's decisions.
    assert_eq!(start.measure(&samples, Decision::Review), backtest(&engine, &history(), Decision::Review).confusion);
    let before = start.measure(&samples, Decision::Review);
    let tuned = tune(&samples, &start, 0.5, Decision::Review);
    let after = tuned.measure(&samples, Decision::Review);
    assert!(after.precision().unwrap_or(0.0) >= 0.5);
    assert!(after.recall() >= before.recall(), "{before:?} -> {after:?}");
    // The same search gives the same answer.
    assert_eq!(tune(&samples, &start, 0.5, Decision::Review), tuned);
    // Re-scored samples report as the backtest does (skips aside).
    let re = start.report(&samples, "builtin", Decision::Review);
    let bt = backtest(&engine, &history(), Decision::Review);
    assert_eq!((re.confusion, &re.rules, &re.decisions), (bt.confusion, &bt.rules, &bt.decisions));
    assert_eq!(re.curve, bt.curve);
    // A floor nothing reaches keeps the search near it, never panics.
    let _ = tune(&samples, &start, 1.1, Decision::Review);
}

#[test]
fn comparing_two_rule_sets_lists_the_orders_that_change() {
    let lenient = Engine::builder().disable(ids::CONTACT_PHONE_INVALID).build().unwrap();
    let cmp = compare(&Engine::default(), &lenient, &history(), Decision::Review);
    assert_eq!(cmp.changed.len(), 1);
    let ch = &cmp.changed[0];
    assert_eq!((&*ch.order_id, ch.before, ch.after, ch.abnormal), ("R1", Decision::Review, Decision::Pass, false));
    assert_eq!(cmp.after.confusion.false_positives, 0);
}
