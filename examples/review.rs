//! A day of manual review: the bundled orders are assessed, the ones that
//! need a person open cases, two reviewers work the queue (one escalates to a
//! senior), their verdicts feed the block and allow lists, held orders are
//! released or cancelled, and the next day the same buyers' new orders are
//! assessed with the updated lists. Ends with the review statistics.
//!
//! ```text
//! cargo run --release --example review
//! ```
//!
//! The reviewers' judgement is simulated by a fixed rule (confirm what a
//! block list, a fraud-number list, a stolen card, a paid/payable mismatch or
//! a remote locker for a new buyer shows; call the rest false alarms), so the
//! run is the same every time.

use chrono::{DateTime, Duration, Utc};
use order_anomaly::review::{FeedbackPolicy, Resolution, ReviewCase, ReviewQueue};
use order_anomaly::{Decision, Engine, EvalRequest, Lists, Window, ids};

/// What the simulated reviewers conclude from a case.
fn verdict(case: &ReviewCase) -> Resolution {
    let telling = [
        ids::LIST_BLOCKED,
        ids::CONTACT_PHONE_FRAUD_LISTED,
        ids::CASE_STOLEN_CARD,
        ids::PAYMENT_AMOUNT_MISMATCH,
        ids::CASE_REMOTE_LOCKER_NO_HISTORY,
    ];
    if case.flags().iter().any(|f| telling.contains(&f.rule_id().as_str())) {
        Resolution::ConfirmedAbnormal
    } else {
        Resolution::FalseAlarm
    }
}

fn assess_day(
    engine: &Engine,
    orders: &[EvalRequest],
    lists: &Lists,
    shift: Duration,
) -> Vec<(EvalRequest, order_anomaly::Assessment)> {
    orders
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if !shift.is_zero() {
                r.order.id = format!("{}-next", r.order.id);
                r.order.created_at += shift;
                if let Some(p) = r.order.payment.as_mut() {
                    p.paid_at = p.paid_at.map(|t| t + shift);
                    p.attempts.iter_mut().for_each(|a| a.at += shift);
                }
                r.context.now += shift;
            }
            r.context.lists.extend(lists);
            let a = engine.evaluate(&r.order, &r.context);
            (r, a)
        })
        .collect()
}

fn tally(day: &[(EvalRequest, order_anomaly::Assessment)]) -> String {
    Decision::ALL
        .iter()
        .map(|d| format!("{} {}", d.as_str(), day.iter().filter(|(_, a)| a.decision() == *d).count()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let orders: Vec<EvalRequest> =
        include_str!("data/orders.jsonl").lines().filter_map(|l| EvalRequest::from_json(l).ok()).collect();
    let engine = Engine::default();
    let policy = FeedbackPolicy::default();
    let mut lists = Lists::new();
    let mut queue = ReviewQueue::new(Window::hours(4));
    let start: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().unwrap_or_default();

    println!("day 1: {} orders assessed", orders.len());
    let day1 = assess_day(&engine, &orders, &lists, Duration::zero());
    println!("  decisions: {}", tally(&day1));
    for (r, a) in &day1 {
        queue.file(&r.order, a, start);
    }
    println!("  {} cases opened", queue.pending().len());
    let late = start + Duration::hours(4) + Duration::minutes(1);
    println!(
        "  left alone until {}, {} of them would be reported overdue (deadline 4 h)",
        late.format("%H:%M"),
        queue.overdue(late).len()
    );

    let reviewers = ["alice", "bob"];
    let mut turn = 0usize;
    let mut clock = start;
    while let Some(case) = queue.next() {
        let id = case.order_id().to_owned();
        let reviewer = reviewers[turn % 2];
        turn += 1;
        clock += Duration::minutes(7);
        let _ = queue.take(&id, reviewer, clock, "picked from the top of the queue");
        let Some(case) = queue.case(&id) else { break };
        let v = verdict(case);
        let mut resolver = reviewer;
        // A held order the reviewer would release goes to a senior first.
        if case.decision() == Decision::Hold && v == Resolution::FalseAlarm {
            let _ = queue.escalate(&id, reviewer, clock, "held, but looks legitimate: second opinion");
            let _ = queue.take(&id, "carol (senior)", clock + Duration::minutes(3), "");
            resolver = "carol (senior)";
        }
        let note = match v {
            Resolution::ConfirmedAbnormal => "evidence confirms it",
            Resolution::FalseAlarm => "called the buyer: legitimate",
        };
        match queue.resolve(&id, resolver, v, clock + Duration::minutes(5), note, &policy) {
            Ok(feedback) => {
                feedback.apply_to(&mut lists);
                let held = queue.case(&id).is_some_and(|c| c.decision() == Decision::Hold);
                if held {
                    let _ = match v {
                        Resolution::ConfirmedAbnormal => {
                            queue.cancel_order(&id, resolver, clock + Duration::minutes(6), "refund and cancel")
                        }
                        Resolution::FalseAlarm => queue.release(&id, resolver, clock + Duration::minutes(6), "ship it"),
                    };
                }
                println!(
                    "  {id}: {resolver} -> {v:?}{}; {} block entries, {} snoozes added",
                    if held { " (held order)" } else { "" },
                    feedback.blocked.len(),
                    feedback.allowed.len()
                );
            }
            Err(e) => println!("  {id}: {e}"),
        }
    }
    if let Some(c) = queue.cases().next() {
        println!("\naudit trail of {}:", c.order_id());
        for t in c.trail() {
            println!("  {} {:<15} {:?} -> {} {}", t.at.format("%H:%M"), t.actor, t.action, t.to, t.note);
        }
    }

    println!("\nday 2: the same buyers order again, assessed with the updated lists");
    let day2 = assess_day(&engine, &orders, &lists, Duration::days(1));
    println!("  decisions: {}", tally(&day2));
    let rejected = |day: &[(EvalRequest, order_anomaly::Assessment)]| {
        day.iter().filter(|(_, a)| a.decision() == Decision::Reject).count()
    };
    let exempted = day2.iter().filter(|(_, a)| !a.exemptions().is_empty()).count();
    println!(
        "  rejected: {} (day 1: {}), the buyers confirmed abnormal now being on the block list; {exempted} orders had flags snoozed by false-alarm feedback",
        rejected(&day2),
        rejected(&day1)
    );

    let s = queue.stats();
    println!(
        "\nreview statistics: {} resolved, {} confirmed, {} false alarms",
        s.resolved, s.confirmed, s.false_alarms
    );
    if let Some(share) = s.false_alarm_share {
        println!("  share of cases that were false alarms (useless tickets): {:.0}%", 100.0 * share);
    }
    println!("  {:<34} {:>4} {:>9} {:>12} {:>9}", "rule", "hits", "confirmed", "false alarms", "precision");
    for (id, r) in &s.rules {
        let p = r.precision.map_or("-".to_owned(), |p| format!("{:.0}%", 100.0 * p));
        println!("  {id:<34} {:>4} {:>9} {:>12} {:>9}", r.hits, r.confirmed, r.false_alarms, p);
    }
}
