//! Payment rules: each fires, stays quiet just below its threshold, and is
//! skipped when its data is missing.

#[macro_use]
mod common;

use chrono::Duration;
use common::*;
use order_anomaly::model::{AttemptStatus, KnownInstrument, Location, PaymentAttempt};
use order_anomaly::rules::payment::{AmountMismatch, AmountSpike, PaymentTimeout};
use order_anomaly::{Decision, Engine, EvalContext, Window, ids, ids::*};
use rust_decimal::Decimal;

fn attempts(statuses: &[AttemptStatus]) -> order_anomaly::Order {
    let mut o = order();
    let p = o.payment.as_mut().unwrap();
    p.attempts = statuses.iter().map(|s| PaymentAttempt::new(o.created_at, *s).with_amount(dec("199.00"))).collect();
    o
}

#[test]
fn clean_order_fires_no_payment_rule() {
    let a = eval(&order(), &ctx());
    for id in ids::ALL.iter().filter(|id| id.starts_with("payment.")) {
        assert_quiet(&a, id);
    }
    assert_eq!(a.decision(), Decision::Pass);
}

mod amount_mismatch {
    use super::*;

    #[test]
    fn fires_past_a_cent_either_way_and_holds() {
        let mut o = order();
        for (paid, difference) in [("199.02", "0.02"), ("198.98", "0.02")] {
            o.payment.as_mut().unwrap().paid_amount = Some(dec(paid));
            let a = eval(&o, &ctx());
            let f = assert_fires(&a, PAYMENT_AMOUNT_MISMATCH);
            assert_eq!(evidence(f, "difference"), difference);
            assert_eq!(f.points(), 60);
            assert_eq!(a.decision(), Decision::Hold);
        }
    }

    #[test]
    fn a_cent_off_is_instalment_rounding() {
        let mut o = order();
        for paid in ["199.01", "198.99"] {
            o.payment.as_mut().unwrap().paid_amount = Some(dec(paid));
            assert_quiet(&eval(&o, &ctx()), PAYMENT_AMOUNT_MISMATCH);
        }
        let exact = Engine::builder().rule(build!(AmountMismatch { tolerance: dec("0") })).build().unwrap();
        assert_fires(&exact.evaluate(&o, &ctx()), PAYMENT_AMOUNT_MISMATCH);
    }

    #[test]
    fn tolerance_is_inclusive() {
        let engine = Engine::builder().rule(build!(AmountMismatch { tolerance: dec("0.05") })).build().unwrap();
        let mut o = order();
        o.payment.as_mut().unwrap().paid_amount = Some(dec("199.05"));
        assert_quiet(&engine.evaluate(&o, &ctx()), PAYMENT_AMOUNT_MISMATCH);
        o.payment.as_mut().unwrap().paid_amount = Some(dec("198.94"));
        assert_fires(&engine.evaluate(&o, &ctx()), PAYMENT_AMOUNT_MISMATCH);
    }

    #[test]
    fn skipped_when_unpaid() {
        let mut o = order();
        o.payment.as_mut().unwrap().paid_amount = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_AMOUNT_MISMATCH);
    }
}

mod failed_attempts {
    use super::*;
    use AttemptStatus::*;

    #[test]
    fn fires_at_three_failures_of_any_kind() {
        let a = eval(&attempts(&[Declined, Timeout, InsufficientBalance, Succeeded]), &ctx());
        assert_eq!(evidence(assert_fires(&a, PAYMENT_FAILED_ATTEMPTS), "failed_attempts"), "3");
    }

    #[test]
    fn quiet_at_two() {
        assert_quiet(&eval(&attempts(&[Declined, Failed, Succeeded]), &ctx()), PAYMENT_FAILED_ATTEMPTS);
    }

    #[test]
    fn skipped_without_payment() {
        let mut o = order();
        o.payment = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_FAILED_ATTEMPTS);
    }
}

mod insufficient_balance {
    use super::*;
    use AttemptStatus::*;

    #[test]
    fn fires_on_one() {
        assert_fires(&eval(&attempts(&[InsufficientBalance, Succeeded]), &ctx()), PAYMENT_INSUFFICIENT_BALANCE);
    }

    #[test]
    fn quiet_on_other_failures() {
        assert_quiet(&eval(&attempts(&[Declined, Succeeded]), &ctx()), PAYMENT_INSUFFICIENT_BALANCE);
    }

    #[test]
    fn skipped_without_payment() {
        let mut o = order();
        o.payment = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_INSUFFICIENT_BALANCE);
    }
}

mod timeout {
    use super::*;

    fn paid_after(minutes: i64) -> order_anomaly::Order {
        let mut o = order();
        o.created_at = ago(Duration::hours(2));
        o.payment.as_mut().unwrap().paid_at = Some(o.created_at + Duration::minutes(minutes));
        o.payment.as_mut().unwrap().attempts.clear();
        o
    }

    #[test]
    fn an_order_paid_at_all_is_not_judged_however_late() {
        assert_quiet(&eval(&paid_after(30), &ctx()), PAYMENT_TIMEOUT);
        assert_quiet(&eval(&paid_after(31), &ctx()), PAYMENT_TIMEOUT);
        assert_quiet(&eval(&paid_after(119), &ctx()), PAYMENT_TIMEOUT);
    }

    /// An order by `method`, created `waited` ago and still unpaid.
    fn unpaid(method: Option<&str>, waited: Duration) -> order_anomaly::Order {
        let mut o = order();
        o.created_at = ago(waited);
        let p = o.payment.as_mut().unwrap();
        (p.method, p.paid_at, p.paid_amount) = (method.map(str::to_owned), None, None);
        o
    }

    #[test]
    fn each_method_has_its_own_window() {
        let day = Duration::days(1);
        for method in ["boleto", "Bank-Transfer", "bank_slip", "对公转账"] {
            let a = eval(&unpaid(Some(method), day * 3 + Duration::minutes(1)), &ctx());
            assert_eq!(evidence(assert_fires(&a, PAYMENT_TIMEOUT), "minutes_to_payment"), "4321", "{method}");
            assert_quiet(&eval(&unpaid(Some(method), day * 3), &ctx()), PAYMENT_TIMEOUT);
        }
        // A method not listed has the default window.
        assert_fires(&eval(&unpaid(Some("wechat"), Duration::minutes(31)), &ctx()), PAYMENT_TIMEOUT);
        assert_quiet(&eval(&unpaid(Some("wechat"), Duration::minutes(30)), &ctx()), PAYMENT_TIMEOUT);
    }

    #[test]
    fn cash_on_delivery_never_times_out() {
        for method in ["cod", "COD", "cash on delivery", "货到付款"] {
            assert_quiet(&eval(&unpaid(Some(method), Duration::days(30)), &ctx()), PAYMENT_TIMEOUT);
        }
    }

    #[test]
    fn the_windows_are_configurable() {
        let mut rule = PaymentTimeout::default();
        rule.by_method = [("card".to_owned(), Some(Window::minutes(10)))].into_iter().collect();
        let e = Engine::builder().rule(rule).build().unwrap();
        assert!(e.evaluate(&unpaid(Some("card"), Duration::minutes(11)), &ctx()).has_flag(PAYMENT_TIMEOUT));
        assert!(!e.evaluate(&unpaid(Some("card"), Duration::minutes(10)), &ctx()).has_flag(PAYMENT_TIMEOUT));
        // COD is no longer listed: it has the default window.
        assert!(e.evaluate(&unpaid(Some("cod"), Duration::minutes(31)), &ctx()).has_flag(PAYMENT_TIMEOUT));
        let mut zero = PaymentTimeout::default();
        zero.by_method.insert("card".into(), Some(Window::minutes(0)));
        let err = Engine::builder().rule(zero).build().unwrap_err().to_string();
        assert!(err.contains("by_method"), "{err}");
    }

    #[test]
    fn fires_when_still_unpaid() {
        let mut o = order();
        o.created_at = ago(Duration::minutes(31));
        o.payment.as_mut().unwrap().paid_at = None;
        o.payment.as_mut().unwrap().paid_amount = None;
        let a = eval(&o, &ctx());
        assert_eq!(assert_fires(&a, PAYMENT_TIMEOUT).reason_code(), "payment.timeout.unpaid");
        o.created_at = ago(Duration::minutes(29));
        assert_quiet(&eval(&o, &ctx()), PAYMENT_TIMEOUT);
    }

    #[test]
    fn an_order_without_any_payment_is_unpaid() {
        let mut o = order();
        o.payment = None;
        o.created_at = ago(Duration::minutes(31));
        let a = eval(&o, &ctx());
        assert_eq!(assert_fires(&a, PAYMENT_TIMEOUT).reason_code(), "payment.timeout.unpaid");
        o.created_at = ago(Duration::minutes(29));
        assert_quiet(&eval(&o, &ctx()), PAYMENT_TIMEOUT);
    }
}

mod large_amount {
    use super::*;

    #[test]
    fn fires_at_5000() {
        let a = eval(&priced("5000.00"), &ctx());
        assert_eq!(assert_fires(&a, PAYMENT_LARGE_AMOUNT).points(), 20);
    }

    #[test]
    fn quiet_just_below() {
        assert_quiet(&eval(&priced("4999.99"), &ctx()), PAYMENT_LARGE_AMOUNT);
    }

    #[test]
    fn needs_only_the_payable_amount() {
        // The payable amount is required by the model, so this rule has no
        // missing-data case: it is never skipped, even on a bare order.
        let mut o = order();
        o.payment = None;
        o.shipping = None;
        o.items.clear();
        assert!(!eval(&o, &EvalContext::at(now())).was_skipped(PAYMENT_LARGE_AMOUNT));
    }
}

mod remote_login {
    use super::*;

    fn paid_from(city: &str) -> order_anomaly::Order {
        let mut o = order();
        o.client.as_mut().unwrap().location =
            Some(build!(Location { country: Some("CN".into()), region: None, city: Some(city.into()) }));
        o
    }

    #[test]
    fn fires_from_an_unusual_city() {
        let a = eval(&paid_from("乌鲁木齐市"), &ctx());
        assert_eq!(evidence(assert_fires(&a, PAYMENT_REMOTE_LOGIN), "payment_location"), "乌鲁木齐市");
    }

    #[test]
    fn quiet_from_a_usual_city() {
        assert_quiet(&eval(&paid_from("深圳市"), &ctx()), PAYMENT_REMOTE_LOGIN);
        assert_quiet(&eval(&paid_from("深圳"), &ctx()), PAYMENT_REMOTE_LOGIN);
    }

    /// A usual location known only as a province, a session only as a city
    /// in it: compared as provinces, through the administrative hierarchy.
    #[test]
    fn a_city_inside_a_usual_province_is_not_remote() {
        let mut c = ctx();
        c.user.as_mut().unwrap().usual_locations =
            vec![build!(Location { country: None, region: Some("浙江省".into()), city: None })];
        let mut o = order();
        o.client.as_mut().unwrap().location =
            Some(build!(Location { country: None, region: None, city: Some("杭州市".into()) }));
        assert_quiet(&eval(&o, &c), PAYMENT_REMOTE_LOGIN);
        o.client.as_mut().unwrap().location =
            Some(build!(Location { country: None, region: None, city: Some("南京市".into()) }));
        assert_fires(&eval(&o, &c), PAYMENT_REMOTE_LOGIN);
    }

    #[test]
    fn skipped_without_location_or_usual_locations() {
        let mut o = order();
        o.client = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_REMOTE_LOGIN);
        let mut c = ctx();
        c.user.as_mut().unwrap().usual_locations.clear();
        assert_skipped(&eval(&order(), &c), PAYMENT_REMOTE_LOGIN);
        assert_skipped(&eval(&order(), &EvalContext::at(now())), PAYMENT_REMOTE_LOGIN);
    }
}

mod account_churn {
    use super::*;

    fn with_known(n: usize, days_ago: i64) -> EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().payment_instruments = (0..n)
            .map(|i| {
                KnownInstrument::new(format!("other-{i}"), ago(Duration::days(100)), ago(Duration::days(days_ago)))
            })
            .collect();
        c
    }

    #[test]
    fn fires_at_three_accounts_with_this_one() {
        let a = eval(&order(), &with_known(2, 3));
        assert_eq!(evidence(assert_fires(&a, PAYMENT_ACCOUNT_CHURN), "distinct_accounts"), "3");
    }

    #[test]
    fn quiet_at_two() {
        assert_quiet(&eval(&order(), &with_known(1, 3)), PAYMENT_ACCOUNT_CHURN);
    }

    #[test]
    fn accounts_outside_the_window_do_not_count() {
        assert_quiet(&eval(&order(), &with_known(2, 30)), PAYMENT_ACCOUNT_CHURN);
    }

    #[test]
    fn skipped_with_neither_profile_nor_instrument() {
        let mut o = order();
        o.payment.as_mut().unwrap().instrument_id = None;
        assert_skipped(&eval(&o, &EvalContext::at(now())), PAYMENT_ACCOUNT_CHURN);
    }
}

mod amount_spike {
    use super::*;

    #[test]
    fn fires_at_three_times_the_average() {
        // Average order value 200.
        let a = eval(&priced("600.00"), &ctx());
        let f = assert_fires(&a, PAYMENT_AMOUNT_SPIKE);
        assert_eq!(evidence(f, "amount_ratio"), "3.0");
        assert_eq!(f.points(), 20, "below review alone");
    }

    #[test]
    fn quiet_just_below_three_times() {
        assert_quiet(&eval(&priced("599.99"), &ctx()), PAYMENT_AMOUNT_SPIKE);
    }

    #[test]
    fn quiet_below_the_floor() {
        let mut c = ctx();
        c.user.as_mut().unwrap().total_spent = dec("1000"); // average 100
        assert_fires(&eval(&priced("500.00"), &c), PAYMENT_AMOUNT_SPIKE);
        assert_quiet(&eval(&priced("499.99"), &c), PAYMENT_AMOUNT_SPIKE);
    }

    #[test]
    fn weight_grows_with_the_ratio() {
        // Average 200: 10 extra points from twice the multiplier (6x, as the
        // evidence rounds the ratio to one decimal), 20 from four times (12x).
        let points = |amount: &str| eval(&priced(amount), &ctx()).flag(PAYMENT_AMOUNT_SPIKE).unwrap().points();
        assert_eq!(points("1180.00"), 20, "5.9x");
        assert_eq!(points("1200.00"), 30, "6.0x: review alone");
        assert_eq!(points("2380.00"), 30, "11.9x");
        assert_eq!(points("2400.00"), 40, "12.0x");
    }

    #[test]
    fn multiplier_is_configurable() {
        let e = Engine::builder().rule(build!(AmountSpike { multiplier: dec("5") })).build().unwrap();
        assert!(!e.evaluate(&priced("999.00"), &ctx()).has_flag(PAYMENT_AMOUNT_SPIKE));
        assert!(e.evaluate(&priced("1000.00"), &ctx()).has_flag(PAYMENT_AMOUNT_SPIKE));
    }

    #[test]
    fn skipped_without_history() {
        assert_skipped(&eval(&priced("5000"), &EvalContext::at(now())), PAYMENT_AMOUNT_SPIKE);
        let mut c = ctx();
        let u = c.user.as_mut().unwrap();
        u.order_count = 0;
        u.recent_orders.clear();
        assert_skipped(&eval(&priced("5000"), &c), PAYMENT_AMOUNT_SPIKE);
    }

    #[test]
    fn recent_orders_are_history_when_the_count_is_not_filled() {
        // One definition of history: recent orders without a lifetime count.
        let mut c = ctx();
        let u = c.user.as_mut().unwrap();
        u.order_count = 0;
        u.total_spent = Decimal::ZERO;
        assert!(u.has_history());
        let f = eval(&priced("5000"), &c);
        assert_eq!(evidence(assert_fires(&f, PAYMENT_AMOUNT_SPIKE), "average_order_value"), "200");
    }

    #[test]
    fn a_known_zero_average_is_a_true_skip_reason() {
        let mut c = ctx();
        c.user.as_mut().unwrap().total_spent = Decimal::ZERO;
        let a = eval(&priced("5000"), &c);
        assert_skipped(&a, PAYMENT_AMOUNT_SPIKE);
        let s = a.skipped().iter().find(|s| s.rule_id.as_str() == PAYMENT_AMOUNT_SPIKE).unwrap();
        assert_eq!(s.missing, "user average order value is 0: no ratio to judge by");
    }

    /// The source document's user A: two orders under 100 yuan in six months,
    /// then a 5000-yuan order.
    #[test]
    fn user_a_two_small_orders_then_5000() {
        let mut c = ctx();
        let u = c.user.as_mut().unwrap();
        u.order_count = 2;
        u.total_spent = dec("168.00"); // 79 + 89
        u.recent_orders = vec![past("A-1", ago(Duration::days(150))), past("A-2", ago(Duration::days(40)))];
        let a = eval(&priced("5000.00"), &c);
        let f = assert_fires(&a, PAYMENT_AMOUNT_SPIKE);
        assert_eq!(evidence(f, "average_order_value"), "84.00");
        assert_eq!(f.points(), 40, "a ratio of about 60 earns the full extra weight");
        assert_fires(&a, PAYMENT_LARGE_AMOUNT);
        assert_eq!(a.decision(), Decision::Hold);
    }
}

mod new_instrument {
    use super::*;

    #[test]
    fn fires_on_an_unseen_card_and_masks_it() {
        let mut o = order();
        o.payment.as_mut().unwrap().instrument_id = Some("card-9999".into());
        let a = eval(&o, &ctx());
        assert_eq!(evidence(assert_fires(&a, PAYMENT_NEW_INSTRUMENT), "instrument"), "****999");
    }

    #[test]
    fn quiet_on_a_known_card() {
        assert_quiet(&eval(&order(), &ctx()), PAYMENT_NEW_INSTRUMENT);
    }

    #[test]
    fn skipped_without_instrument_or_history() {
        let mut o = order();
        o.payment.as_mut().unwrap().instrument_id = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_NEW_INSTRUMENT);
        assert_skipped(&eval(&order(), &EvalContext::at(now())), PAYMENT_NEW_INSTRUMENT);
    }
}

mod instrument_shared {
    use super::*;
    use order_anomaly::model::{BuyerSeen, EntityType};

    fn card_used_by(others: &[(&str, i64)]) -> EvalContext {
        let mut c = ctx();
        let card = c.entities.iter_mut().find(|e| e.kind == EntityType::PaymentInstrument).unwrap();
        for (u, days) in others {
            card.buyers.push(BuyerSeen::new(*u, ago(Duration::days(*days))));
        }
        c
    }

    #[test]
    fn fires_when_two_other_buyers_used_the_card_this_month() {
        let a = eval(&order(), &card_used_by(&[("u-7", 3), ("u-8", 20)]));
        let f = assert_fires(&a, PAYMENT_INSTRUMENT_SHARED);
        assert_eq!(evidence(f, "distinct_buyers"), "3");
        assert_eq!(evidence(f, "instrument"), "****111", "masked");
    }

    #[test]
    fn quiet_with_one_other_buyer_or_one_outside_the_window() {
        assert_quiet(&eval(&order(), &card_used_by(&[("u-7", 3)])), PAYMENT_INSTRUMENT_SHARED);
        assert_quiet(&eval(&order(), &card_used_by(&[("u-7", 3), ("u-8", 31)])), PAYMENT_INSTRUMENT_SHARED);
    }

    #[test]
    fn a_capped_count_says_it_is_a_lower_bound() {
        let mut c = card_used_by(&[("u-7", 3), ("u-8", 4)]);
        c.entities[0].buyers_capped = true;
        let a = eval(&order(), &c);
        assert_eq!(evidence(assert_fires(&a, PAYMENT_INSTRUMENT_SHARED), "distinct_buyers"), "≥3");
    }

    #[test]
    fn skipped_without_an_instrument_or_its_profile() {
        let mut o = order();
        o.payment.as_mut().unwrap().instrument_id = None;
        assert_skipped(&eval(&o, &ctx()), PAYMENT_INSTRUMENT_SHARED);
        assert_skipped(&eval(&order(), &EvalContext::at(now()).with_user(profile())), PAYMENT_INSTRUMENT_SHARED);
    }
}
