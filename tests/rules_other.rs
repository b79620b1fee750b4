//! Product, behaviour, logistics, after-sales, list, data-quality and
//! composite rules: fire, just below, missing data.

#[macro_use]
mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use order_anomaly::model::*;
use order_anomaly::rules::product::HighValueNoHistory;
use order_anomaly::{Decision, Engine, EntityKind, EvalContext, Lists, ProductProfile, RuleId, UtcOffset, ids::*};

fn new_buyer() -> EvalContext {
    EvalContext::at(now())
}

fn category(c: &str) -> Order {
    let mut o = order();
    o.items[0].category = Some(c.into());
    o
}

mod high_value_no_history {
    use super::*;

    /// An order of one line in category `c` worth `quantity` x `price`.
    fn worth(c: &str, quantity: i64, price: &str) -> Order {
        let mut o = category(c);
        o.items[0].quantity = quantity;
        o.items[0].unit_price = dec(price);
        o
    }

    #[test]
    fn fires_for_gold_or_phones_without_history() {
        for c in ["黄金", "手机/数码", "Electronics", "Gift Cards"] {
            assert_fires(&eval(&worth(c, 1, "500.00"), &new_buyer()), PRODUCT_HIGH_VALUE_NO_HISTORY);
        }
        // Flagged on the product profile, whatever the category.
        let c = new_buyer().with_product(build!(ProductProfile { product_id: "p-tea".into(), high_value: true }));
        assert_fires(&eval(&order(), &c), PRODUCT_HIGH_VALUE_NO_HISTORY);
    }

    #[test]
    fn quiet_with_history_or_ordinary_goods() {
        assert_quiet(&eval(&worth("黄金", 1, "5000.00"), &ctx()), PRODUCT_HIGH_VALUE_NO_HISTORY);
        assert_quiet(&eval(&worth("茶叶", 1, "5000.00"), &new_buyer()), PRODUCT_HIGH_VALUE_NO_HISTORY);
    }

    #[test]
    fn a_line_of_the_category_worth_less_than_the_floor_is_ordinary() {
        // A phone case is in the phones' category: 499.99 is under 500.
        assert_quiet(&eval(&worth("手机配件", 1, "499.99"), &new_buyer()), PRODUCT_HIGH_VALUE_NO_HISTORY);
        // The line's value counts: two of 250.
        assert_fires(&eval(&worth("手机配件", 2, "250.00"), &new_buyer()), PRODUCT_HIGH_VALUE_NO_HISTORY);
        // The floor is a parameter.
        let mut rule = HighValueNoHistory::default();
        rule.min_value = dec("100");
        let e = Engine::builder().rule(rule).build().unwrap();
        assert!(e.evaluate(&worth("手机配件", 1, "100.00"), &new_buyer()).has_flag(PRODUCT_HIGH_VALUE_NO_HISTORY));
        assert!(!e.evaluate(&worth("手机配件", 1, "99.99"), &new_buyer()).has_flag(PRODUCT_HIGH_VALUE_NO_HISTORY));
    }

    #[test]
    fn skipped_without_categories() {
        let mut o = order();
        o.items[0].category = None;
        assert_skipped(&eval(&o, &new_buyer()), PRODUCT_HIGH_VALUE_NO_HISTORY);
        // A product profile that knows neither a category nor a high-value
        // mark (as a store builds from orders without categories) is no
        // better: skipped, not passed.
        let c = new_buyer().with_product(build!(ProductProfile { product_id: "p-tea".into(), orders: 12 }));
        assert_skipped(&eval(&o, &c), PRODUCT_HIGH_VALUE_NO_HISTORY);
    }
}

mod fraud_linked {
    use super::*;

    fn with_complaints(days_ago: &[i64], orders: u32, abnormal: u32) -> EvalContext {
        ctx().with_product(build!(ProductProfile {
            product_id: "p-tea".into(),
            fraud_complaints: days_ago.iter().map(|d| ago(Duration::days(*d))).collect(),
            orders,
            abnormal_orders: abnormal,
        }))
    }

    /// The source document's product C: ten fraud complaints in 30 days.
    #[test]
    fn product_c_ten_complaints_in_thirty_days() {
        let a = eval(&order(), &with_complaints(&[0, 1, 2, 3, 5, 8, 13, 21, 25, 29], 100, 0));
        let f = assert_fires(&a, PRODUCT_FRAUD_LINKED);
        assert_eq!(evidence(f, "fraud_complaints"), "10");
        assert_eq!(f.reason_code(), "product.fraud_linked.complaints");
    }

    #[test]
    fn quiet_at_nine_or_with_one_outside_the_window() {
        assert_quiet(&eval(&order(), &with_complaints(&[0, 1, 2, 3, 5, 8, 13, 21, 25], 100, 0)), PRODUCT_FRAUD_LINKED);
        assert_quiet(
            &eval(&order(), &with_complaints(&[0, 1, 2, 3, 5, 8, 13, 21, 25, 30], 100, 0)),
            PRODUCT_FRAUD_LINKED,
        );
    }

    #[test]
    fn link_rate_fires_at_twenty_percent() {
        let a = eval(&order(), &with_complaints(&[], 100, 20));
        assert_eq!(assert_fires(&a, PRODUCT_FRAUD_LINKED).reason_code(), "product.fraud_linked.link_rate");
        assert_quiet(&eval(&order(), &with_complaints(&[], 100, 19)), PRODUCT_FRAUD_LINKED);
    }

    #[test]
    fn skipped_without_product_profiles() {
        assert_skipped(&eval(&order(), &ctx()), PRODUCT_FRAUD_LINKED);
    }
}

mod order_burst {
    use super::*;

    fn with_recent(minutes_ago: &[i64]) -> EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().recent_orders =
            minutes_ago.iter().enumerate().map(|(i, m)| past(&format!("B-{i}"), ago(Duration::minutes(*m)))).collect();
        c
    }

    #[test]
    fn fires_at_five_in_ten_minutes() {
        let a = eval(&order(), &with_recent(&[1, 3, 5, 9]));
        assert_eq!(evidence(assert_fires(&a, BEHAVIOR_ORDER_BURST), "orders_in_window"), "5");
    }

    #[test]
    fn quiet_at_four_or_when_one_is_older() {
        assert_quiet(&eval(&order(), &with_recent(&[1, 3, 5])), BEHAVIOR_ORDER_BURST);
        assert_quiet(&eval(&order(), &with_recent(&[1, 3, 5, 10])), BEHAVIOR_ORDER_BURST);
    }

    #[test]
    fn the_order_itself_is_not_counted_twice() {
        let mut c = with_recent(&[1, 3, 5]);
        c.user.as_mut().unwrap().recent_orders.push(past("SO-1", ago(Duration::minutes(5))));
        assert_quiet(&eval(&order(), &c), BEHAVIOR_ORDER_BURST);
    }

    #[test]
    fn skipped_without_profile() {
        assert_skipped(&eval(&order(), &new_buyer()), BEHAVIOR_ORDER_BURST);
    }
}

mod night_batch {
    use super::*;

    /// 01:30 at +08:00 on 10 March is 17:30 UTC on 9 March.
    fn at_0130_local(past_minutes: &[i64]) -> (Order, EvalContext) {
        let created = Utc.with_ymd_and_hms(2026, 3, 9, 17, 30, 0).unwrap();
        let mut o = order();
        o.created_at = created;
        o.payment.as_mut().unwrap().paid_at = Some(created + Duration::minutes(1));
        let mut c = ctx();
        c.now = created + Duration::minutes(2);
        c.user.as_mut().unwrap().recent_orders = past_minutes
            .iter()
            .enumerate()
            .map(|(i, m)| past(&format!("N-{i}"), created - Duration::minutes(*m)))
            .collect();
        (o, c)
    }

    #[test]
    fn fires_at_0130_local_that_is_1730_utc_the_day_before() {
        let (o, c) = at_0130_local(&[20, 40]);
        let a = eval(&o, &c);
        assert_eq!(evidence(assert_fires(&a, BEHAVIOR_NIGHT_BATCH), "local_time"), "01:30");
    }

    #[test]
    fn quiet_with_two_orders_in_the_hour() {
        let (o, c) = at_0130_local(&[20, 70]);
        assert_quiet(&eval(&o, &c), BEHAVIOR_NIGHT_BATCH);
    }

    #[test]
    fn the_small_hours_run_from_0000_to_0559_local() {
        let at_local = |h: u32, m: u32| {
            let (mut o, mut c) = at_0130_local(&[]);
            // Local h:m at +08:00 on 10 March.
            let created =
                Utc.with_ymd_and_hms(2026, 3, 9, 16, 0, 0).unwrap() + Duration::minutes(i64::from(h * 60 + m));
            o.created_at = created;
            o.payment.as_mut().unwrap().paid_at = Some(created + Duration::minutes(1));
            c.now = created + Duration::minutes(2);
            c.user.as_mut().unwrap().recent_orders =
                vec![past("N-a", created - Duration::minutes(10)), past("N-b", created - Duration::minutes(20))];
            eval(&o, &c)
        };
        assert_fires(&at_local(0, 0), BEHAVIOR_NIGHT_BATCH);
        assert_fires(&at_local(5, 59), BEHAVIOR_NIGHT_BATCH);
        assert_quiet(&at_local(6, 0), BEHAVIOR_NIGHT_BATCH);
        assert_quiet(&at_local(23, 59), BEHAVIOR_NIGHT_BATCH);
    }

    #[test]
    fn quiet_when_the_same_instant_is_daytime_locally() {
        let (o, c) = at_0130_local(&[20, 40]);
        let c = c.with_utc_offset(UtcOffset::east(0).unwrap()); // 17:30 local
        assert_quiet(&eval(&o, &c), BEHAVIOR_NIGHT_BATCH);
    }

    #[test]
    fn skipped_at_night_without_profile() {
        let (o, mut c) = at_0130_local(&[]);
        c.user = None;
        assert_skipped(&eval(&o, &c), BEHAVIOR_NIGHT_BATCH);
    }
}

mod frequent_cancel {
    use super::*;

    fn history(placed_and_cancelled: &[(i64, bool)]) -> EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().recent_orders = placed_and_cancelled
            .iter()
            .enumerate()
            .map(|(i, (d, cancelled))| {
                let mut p = past(&format!("C-{i}"), ago(Duration::days(*d)));
                p.cancelled_at = cancelled.then(|| p.placed_at + Duration::hours(1));
                p
            })
            .collect();
        c
    }

    #[test]
    fn fires_at_three_cancellations() {
        let many = [(1, true), (2, true), (3, true), (4, false), (5, false), (6, false), (7, false)];
        assert_fires(&eval(&order(), &history(&many)), BEHAVIOR_FREQUENT_CANCEL);
    }

    #[test]
    fn fires_at_half_of_four_orders() {
        assert_fires(
            &eval(&order(), &history(&[(1, true), (2, true), (3, false), (4, false)])),
            BEHAVIOR_FREQUENT_CANCEL,
        );
    }

    #[test]
    fn quiet_just_below() {
        let two_of_five = [(1, true), (2, true), (3, false), (4, false), (5, false)];
        assert_quiet(&eval(&order(), &history(&two_of_five)), BEHAVIOR_FREQUENT_CANCEL);
        // Two of three is a high rate, but three orders are too few for a rate.
        assert_quiet(&eval(&order(), &history(&[(1, true), (2, true), (3, false)])), BEHAVIOR_FREQUENT_CANCEL);
        // Old cancellations do not count.
        assert_quiet(&eval(&order(), &history(&[(31, true), (32, true), (33, true)])), BEHAVIOR_FREQUENT_CANCEL);
    }

    #[test]
    fn the_window_is_thirty_days_to_the_second() {
        // Two cancellations yesterday and a third cancelled 30 days ago, or
        // a second later: the window is `now - 30d < cancelled_at <= now`.
        let third_cancelled = |ago_by: Duration| {
            let mut c = history(&[(1, true), (1, true)]);
            let mut p = past("C-old", ago(ago_by + Duration::hours(1)));
            p.cancelled_at = Some(ago(ago_by));
            c.user.as_mut().unwrap().recent_orders.insert(0, p);
            c
        };
        let edge = Duration::days(30);
        assert_quiet(&eval(&order(), &third_cancelled(edge)), BEHAVIOR_FREQUENT_CANCEL);
        let a = eval(&order(), &third_cancelled(edge - Duration::seconds(1)));
        assert_eq!(evidence(assert_fires(&a, BEHAVIOR_FREQUENT_CANCEL), "cancellations"), "3");
    }

    #[test]
    fn skipped_without_profile() {
        assert_skipped(&eval(&order(), &new_buyer()), BEHAVIOR_FREQUENT_CANCEL);
    }
}

mod multi_account {
    use super::*;

    fn linked(accounts: &[(&str, &str, i64)]) -> EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().linked_accounts = accounts
            .iter()
            .map(|(id, cat, d)| {
                LinkedAccount::new(*id, LinkKind::Device, vec![LinkedPurchase::new(*cat, ago(Duration::days(*d)))])
            })
            .collect();
        c
    }

    #[test]
    fn fires_at_three_linked_accounts_buying_the_same_category() {
        let a = eval(&category("手机"), &linked(&[("x", "手机", 1), ("y", "手机", 2), ("z", "手机", 6)]));
        assert_eq!(evidence(assert_fires(&a, BEHAVIOR_MULTI_ACCOUNT), "linked_accounts"), "3");
    }

    #[test]
    fn quiet_at_two_or_other_categories_or_old_purchases() {
        assert_quiet(&eval(&category("手机"), &linked(&[("x", "手机", 1), ("y", "手机", 2)])), BEHAVIOR_MULTI_ACCOUNT);
        assert_quiet(
            &eval(&category("手机"), &linked(&[("x", "手机", 1), ("y", "手机", 2), ("z", "茶叶", 2)])),
            BEHAVIOR_MULTI_ACCOUNT,
        );
        assert_quiet(
            &eval(&category("手机"), &linked(&[("x", "手机", 1), ("y", "手机", 2), ("z", "手机", 7)])),
            BEHAVIOR_MULTI_ACCOUNT,
        );
    }

    #[test]
    fn an_account_linked_twice_counts_once() {
        let a = eval(&category("手机"), &linked(&[("x", "手机", 1), ("y", "手机", 2), ("y", "手机", 3)]));
        assert_quiet(&a, BEHAVIOR_MULTI_ACCOUNT);
    }

    #[test]
    fn skipped_without_profile_or_categories() {
        assert_skipped(&eval(&category("手机"), &new_buyer()), BEHAVIOR_MULTI_ACCOUNT);
        let mut o = order();
        o.items[0].category = None;
        assert_skipped(&eval(&o, &ctx()), BEHAVIOR_MULTI_ACCOUNT);
    }
}

mod stalled {
    use super::*;

    fn shipped(last_event_hours_ago: i64, delivered: bool) -> Order {
        let mut o = order();
        o.created_at = ago(Duration::days(10));
        o.payment.as_mut().unwrap().paid_at = Some(o.created_at + Duration::minutes(1));
        o.logistics = Some(build!(Logistics {
            carrier: Some("SF".into()),
            tracking_number: Some("SF100".into()),
            shipped_at: Some(ago(Duration::days(9))),
            delivered_at: delivered.then(|| ago(Duration::hours(1))),
            events: vec![TrackingEvent::new(ago(Duration::hours(last_event_hours_ago)))],
        }));
        o
    }

    #[test]
    fn fires_idle_73_hours() {
        let a = eval(&shipped(73, false), &ctx());
        assert_eq!(evidence(assert_fires(&a, LOGISTICS_STALLED), "hours_since_last_event"), "73h");
    }

    #[test]
    fn quiet_idle_71_or_72_hours_or_delivered() {
        assert_quiet(&eval(&shipped(71, false), &ctx()), LOGISTICS_STALLED);
        assert_quiet(&eval(&shipped(72, false), &ctx()), LOGISTICS_STALLED);
        assert_quiet(&eval(&shipped(100, true), &ctx()), LOGISTICS_STALLED);
    }

    #[test]
    fn skipped_before_shipping() {
        assert_skipped(&eval(&order(), &ctx()), LOGISTICS_STALLED);
    }
}

mod high_return_rate {
    use super::*;

    fn returned(of: usize, returned: usize) -> EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().recent_orders = (0..of)
            .map(|i| {
                let mut p = past(&format!("R-{i}"), ago(Duration::days(1 + (i as i64 % 28))));
                p.returned_at = (i < returned).then(now);
                p
            })
            .collect();
        c
    }

    #[test]
    fn fires_at_31_percent() {
        let a = eval(&order(), &returned(100, 31));
        assert_eq!(evidence(assert_fires(&a, AFTERSALES_HIGH_RETURN_RATE), "return_rate"), "31%");
    }

    #[test]
    fn quiet_at_30_percent() {
        assert_quiet(&eval(&order(), &returned(100, 30)), AFTERSALES_HIGH_RETURN_RATE);
    }

    #[test]
    fn quiet_with_too_few_orders() {
        assert_quiet(&eval(&order(), &returned(2, 2)), AFTERSALES_HIGH_RETURN_RATE);
        assert_fires(&eval(&order(), &returned(3, 1)), AFTERSALES_HIGH_RETURN_RATE);
    }

    #[test]
    fn skipped_without_profile() {
        assert_skipped(&eval(&order(), &new_buyer()), AFTERSALES_HIGH_RETURN_RATE);
    }
}

mod high_risk_complaint {
    use super::*;

    fn complaint(t: ComplaintType) -> AfterSale {
        AfterSale::complaint(t, now())
    }

    #[test]
    fn fires_on_a_quality_complaint_on_the_order() {
        let mut o = order();
        o.after_sales.push(complaint(ComplaintType::Quality));
        let a = eval(&o, &ctx());
        assert_eq!(
            assert_fires(&a, AFTERSALES_HIGH_RISK_COMPLAINT).reason_code(),
            "aftersales.high_risk_complaint.order"
        );
    }

    #[test]
    fn fires_on_the_buyers_recent_false_advertising_complaint() {
        let mut c = ctx();
        c.user
            .as_mut()
            .unwrap()
            .complaints
            .push(ComplaintRecord::new(ago(Duration::days(29)), ComplaintType::FalseAdvertising));
        assert_fires(&eval(&order(), &c), AFTERSALES_HIGH_RISK_COMPLAINT);
        c.user.as_mut().unwrap().complaints[0].at = ago(Duration::days(30));
        assert_quiet(&eval(&order(), &c), AFTERSALES_HIGH_RISK_COMPLAINT);
    }

    #[test]
    fn quiet_on_low_risk_complaints() {
        let mut o = order();
        o.after_sales.push(complaint(ComplaintType::Service));
        o.after_sales.push(AfterSale::new(AfterSaleKind::Return, now()));
        assert_quiet(&eval(&o, &ctx()), AFTERSALES_HIGH_RISK_COMPLAINT);
    }

    #[test]
    fn skipped_with_no_records_and_no_profile() {
        assert_skipped(&eval(&order(), &new_buyer()), AFTERSALES_HIGH_RISK_COMPLAINT);
    }
}

mod blocked {
    use super::*;

    #[test]
    fn each_entity_kind_blocks_and_rejects() {
        for (kind, value) in [
            (EntityKind::User, "U-1"),
            (EntityKind::Phone, "+86 138-0013-8000"),
            (EntityKind::Address, "广东省 深圳市 南山区 科技园路８号Ａ座１２０１室"),
            (EntityKind::Device, "dev-abcdef"),
            (EntityKind::PaymentInstrument, "card-1111"),
        ] {
            let c = ctx().with_lists(Lists::new().with_block(kind, value, "chargeback ring"));
            let a = eval(&order(), &c);
            let f = assert_fires(&a, LIST_BLOCKED);
            assert_eq!(a.decision(), Decision::Reject, "{kind:?}");
            assert_eq!(a.score(), 100);
            assert_eq!(evidence(f, "reason"), "chargeback ring");
        }
    }

    #[test]
    fn blocked_values_are_masked() {
        let c = ctx().with_lists(Lists::new().with_block(EntityKind::Phone, "13800138000", "fraud"));
        let a = eval(&order(), &c);
        assert_eq!(evidence(a.flag(LIST_BLOCKED).unwrap(), "value"), "****000");
        assert!(!serde_json::to_string(&a).unwrap().contains("13800138000"));
    }

    #[test]
    fn quiet_when_nothing_matches() {
        let c = ctx().with_lists(Lists::new().with_block(EntityKind::Phone, "13800138001", "x"));
        assert_quiet(&eval(&order(), &c), LIST_BLOCKED);
    }

    #[test]
    fn skipped_without_a_block_list() {
        assert_skipped(&eval(&order(), &ctx()), LIST_BLOCKED);
    }
}

mod allow_list {
    use super::*;

    #[test]
    fn an_exemption_removes_only_the_rules_it_names() {
        let mut o = order();
        o.recipient.as_mut().unwrap().name = Some("李四".into());
        o.recipient.as_mut().unwrap().phone = Some("1380013800".into());
        let lists = Lists::new().with_allow(
            EntityKind::User,
            "u-1",
            [RuleId::from(CONTACT_RECIPIENT_MISMATCH)],
            "VIP buyer who sends gifts",
        );
        let a = eval(&o, &ctx().with_lists(lists));
        assert!(!a.has_flag(CONTACT_RECIPIENT_MISMATCH));
        assert_eq!(a.exemptions().len(), 1);
        assert_eq!(a.exemptions()[0].flag.rule_id().as_str(), CONTACT_RECIPIENT_MISMATCH);
        assert_eq!(a.exemptions()[0].reason, "VIP buyer who sends gifts");
        assert_fires(&a, CONTACT_PHONE_INVALID);
    }

    #[test]
    fn an_expired_exemption_does_not_apply() {
        let mut o = order();
        o.recipient.as_mut().unwrap().name = Some("李四".into());
        let mut lists = Lists::new();
        lists.add_allow(
            order_anomaly::AllowEntry::new(
                EntityKind::User,
                "u-1",
                vec![RuleId::from(CONTACT_RECIPIENT_MISMATCH)],
                "snoozed",
            )
            .until(now()),
        );
        assert_fires(&eval(&o, &ctx().with_lists(lists)), CONTACT_RECIPIENT_MISMATCH);
    }
}

mod inconsistent {
    use super::*;

    #[test]
    fn fires_on_each_contradiction() {
        let mut zero_qty = order();
        zero_qty.items[0].quantity = 0;
        let mut negative_qty = order();
        negative_qty.items[0].quantity = -1;
        let mut negative_price = order();
        negative_price.items[0].unit_price = dec("-0.01");
        let mut total = order();
        total.items_total = Some(dec("198.00"));
        let mut payable = order();
        payable.payable_amount = dec("150.00");
        payable.payment.as_mut().unwrap().paid_amount = Some(dec("150.00"));
        let mut paid_early = order();
        paid_early.payment.as_mut().unwrap().paid_at = Some(paid_early.created_at - Duration::seconds(1));
        let mut delivered_early = order();
        delivered_early.logistics = Some(build!(Logistics {
            shipped_at: Some(ago(Duration::hours(1))),
            delivered_at: Some(ago(Duration::hours(2))),
        }));
        let mut currency = order();
        currency.items[0].currency = Some("USD".into());
        for (o, code) in [
            (zero_qty, "data.inconsistent.non_positive_line"),
            (negative_qty, "data.inconsistent.non_positive_line"),
            (negative_price, "data.inconsistent.non_positive_line"),
            (total, "data.inconsistent.items_total"),
            (payable, "data.inconsistent.payable"),
            (paid_early, "data.inconsistent.paid_before_created"),
            (delivered_early, "data.inconsistent.delivered_before_shipped"),
            (currency, "data.inconsistent.currency"),
        ] {
            let a = eval(&o, &ctx());
            assert_eq!(assert_fires(&a, DATA_INCONSISTENT).reason_code(), code);
        }
    }

    #[test]
    fn a_free_line_is_a_gift_not_a_contradiction() {
        // A gift line at 0 beside the paid one: the totals still add up.
        let mut o = order();
        o.items.push(LineItem::new("p-gift", dec("0"), 1));
        assert_quiet(&eval(&o, &ctx()), DATA_INCONSISTENT);
        // A cent below zero is not.
        o.items[1].unit_price = dec("-0.01");
        o.items_total = Some(o.items_total.unwrap() - dec("0.01"));
        o.payable_amount -= dec("0.01");
        let a = eval(&o, &ctx());
        assert_eq!(assert_fires(&a, DATA_INCONSISTENT).reason_code(), "data.inconsistent.non_positive_line");
    }

    #[test]
    fn quiet_when_discount_and_shipping_add_up() {
        let mut o = order();
        o.discount = dec("20.00");
        o.shipping_fee = dec("10.00");
        o.payable_amount = dec("189.00");
        o.payment.as_mut().unwrap().paid_amount = Some(dec("189.00"));
        assert_quiet(&eval(&o, &ctx()), DATA_INCONSISTENT);
        o.payable_amount = dec("189.01");
        assert_fires(&eval(&o, &ctx()), DATA_INCONSISTENT);
    }

    #[test]
    fn overflowing_amounts_are_a_flag_not_a_panic() {
        let mut o = order();
        o.items[0].unit_price = rust_decimal::Decimal::MAX;
        o.items[0].quantity = i64::MAX;
        assert_eq!(assert_fires(&eval(&o, &ctx()), DATA_INCONSISTENT).reason_code(), "data.inconsistent.overflow");
    }

    #[test]
    fn skipped_without_items() {
        let mut o = order();
        o.items.clear();
        assert_skipped(&eval(&o, &ctx()), DATA_INCONSISTENT);
    }
}

mod stolen_card {
    use super::*;

    fn spike(card: &str) -> Order {
        let mut o = priced("900.00");
        o.payment.as_mut().unwrap().instrument_id = Some(card.into());
        o
    }

    #[test]
    fn fires_on_a_spike_with_a_new_card_and_holds_without_double_counting() {
        let a = eval(&spike("card-new"), &ctx());
        let f = assert_fires(&a, CASE_STOLEN_CARD);
        assert_eq!(
            f.builds_on().iter().map(RuleId::as_str).collect::<Vec<_>>(),
            [PAYMENT_AMOUNT_SPIKE, PAYMENT_NEW_INSTRUMENT]
        );
        assert_fires(&a, PAYMENT_AMOUNT_SPIKE);
        assert_fires(&a, PAYMENT_NEW_INSTRUMENT);
        // 70 stands in for 20 + 10; nothing else fired.
        assert_eq!(a.score(), 70);
        assert_eq!(a.decision(), Decision::Hold);
    }

    #[test]
    fn quiet_on_a_spike_with_a_known_card() {
        // 4.5x the average with a card the buyer used: the spike's 20
        // points alone, below review.
        let a = eval(&spike("card-1111"), &ctx());
        assert_quiet(&a, CASE_STOLEN_CARD);
        assert_eq!((a.score(), a.decision()), (20, Decision::Pass));
    }

    #[test]
    fn skipped_when_a_part_is_skipped() {
        assert_skipped(&eval(&spike("card-new"), &new_buyer()), CASE_STOLEN_CARD);
    }
}

mod remote_locker_no_history {
    use super::*;

    fn remote_locker(detail: &str) -> Order {
        let mut o = order();
        let s = o.shipping.as_mut().unwrap();
        s.province = Some("青海省".into());
        s.region_code = Some("630102".into());
        s.detail = Some(detail.into());
        o
    }

    #[test]
    fn fires_for_a_new_buyer_to_a_remote_locker_even_with_a_number() {
        let a = eval(&remote_locker("城东区丰巢快递柜"), &new_buyer());
        let f = assert_fires(&a, CASE_REMOTE_LOCKER_NO_HISTORY);
        assert_eq!(f.builds_on().len(), 2);
        assert_eq!(a.score(), 60, "the case stands in for its two parts (25 + 25)");
        assert_eq!(a.decision(), Decision::Hold);
        let numbered = eval(&remote_locker("城东区丰巢快递柜12号柜"), &new_buyer());
        assert_fires(&numbered, CASE_REMOTE_LOCKER_NO_HISTORY);
        assert_eq!(numbered.flag(CASE_REMOTE_LOCKER_NO_HISTORY).unwrap().builds_on().len(), 1);
    }

    #[test]
    fn quiet_with_history_or_no_locker_or_not_remote() {
        assert_quiet(&eval(&remote_locker("城东区丰巢快递柜"), &ctx()), CASE_REMOTE_LOCKER_NO_HISTORY);
        assert_quiet(&eval(&remote_locker("城东区八一路3号"), &new_buyer()), CASE_REMOTE_LOCKER_NO_HISTORY);
        let mut o = remote_locker("城东区丰巢快递柜");
        o.shipping.as_mut().unwrap().province = Some("广东省".into());
        o.shipping.as_mut().unwrap().region_code = Some("440305".into());
        assert_quiet(&eval(&o, &new_buyer()), CASE_REMOTE_LOCKER_NO_HISTORY);
    }

    #[test]
    fn skipped_without_a_detail_line() {
        let mut o = remote_locker("x");
        o.shipping.as_mut().unwrap().detail = None;
        assert_skipped(&eval(&o, &new_buyer()), CASE_REMOTE_LOCKER_NO_HISTORY);
    }
}

/// A context whose entity of `kind` had `orders` orders over the last hours.
fn busy(kind: EntityType, orders: &[(i64, u32)]) -> EvalContext {
    let mut c = ctx();
    let e = c.entities.iter_mut().find(|e| e.kind == kind).unwrap();
    e.hourly = orders
        .iter()
        .map(|(hours_ago, n)| {
            let t = ago(Duration::hours(*hours_ago));
            let start = Utc.timestamp_opt(t.timestamp() - t.timestamp().rem_euclid(3600), 0).unwrap();
            Bucket::new(start, *n, dec("100"))
        })
        .collect();
    c
}

mod entity_velocity {
    use super::*;

    #[test]
    fn fires_on_five_orders_on_one_device_in_a_day_naming_it() {
        let a = eval(&order(), &busy(EntityType::Device, &[(1, 2), (5, 1), (23, 1)]));
        let f = assert_fires(&a, BEHAVIOR_ENTITY_VELOCITY);
        assert_eq!(evidence(f, "entity"), "device");
        assert_eq!(evidence(f, "orders"), "5");
    }

    #[test]
    fn quiet_just_below_or_outside_the_window() {
        // Three before this order on the device: four in the day.
        assert_quiet(&eval(&order(), &busy(EntityType::Device, &[(1, 2), (5, 1)])), BEHAVIOR_ENTITY_VELOCITY);
        // Orders 26 hours ago are outside the 24-hour window.
        assert_quiet(&eval(&order(), &busy(EntityType::Device, &[(1, 2), (26, 5)])), BEHAVIOR_ENTITY_VELOCITY);
    }

    #[test]
    fn every_kind_of_entity_counts_on_both_sides_of_the_threshold() {
        let kinds: Vec<EntityType> = ctx().entities.iter().map(|e| e.kind).collect();
        for named in [EntityType::PaymentInstrument, EntityType::Device, EntityType::Phone, EntityType::Address] {
            assert!(kinds.contains(&named), "the test order names a {}", named.as_str());
        }
        for kind in kinds {
            let a = eval(&order(), &busy(kind, &[(1, 2), (5, 1), (23, 1)]));
            assert_eq!(evidence(assert_fires(&a, BEHAVIOR_ENTITY_VELOCITY), "entity"), kind.as_str());
            assert_quiet(&eval(&order(), &busy(kind, &[(1, 2), (5, 1)])), BEHAVIOR_ENTITY_VELOCITY);
        }
    }

    #[test]
    fn skipped_without_entity_profiles() {
        assert_skipped(&eval(&order(), &EvalContext::at(now()).with_user(profile())), BEHAVIOR_ENTITY_VELOCITY);
    }
}

/// The context of [`order`] with its product's orders at this hour: `[0]` in
/// the last hour (before this order), then the same hour on earlier days.
fn at_this_hour(hour_orders: &[u32]) -> EvalContext {
    ctx().with_product(build!(ProductProfile { product_id: "p-tea".into(), hour_orders: hour_orders.to_vec() }))
}

mod turnover_spike {
    use super::*;

    #[test]
    fn fires_on_ten_orders_in_the_hour_of_a_product_usually_quiet_then() {
        // 9 before this one; usually 1 at this hour (upper median of the week).
        let a = eval(&order(), &at_this_hour(&[9, 1, 0, 2, 1, 0, 1, 1]));
        let f = assert_fires(&a, PRODUCT_TURNOVER_SPIKE);
        assert_eq!(evidence(f, "orders_in_hour"), "10");
        assert_eq!(evidence(f, "usual_orders_at_this_hour"), "1");
    }

    #[test]
    fn quiet_just_below_either_threshold() {
        // 9 in the hour: under 10, whatever the baseline.
        assert_quiet(&eval(&order(), &at_this_hour(&[8, 0, 0, 0, 0, 0, 0, 0])), PRODUCT_TURNOVER_SPIKE);
        // Usually 3 at this hour: 15 is 5x and fires, 14 does not.
        assert_fires(&eval(&order(), &at_this_hour(&[14, 3, 3, 3, 3, 3, 3, 3])), PRODUCT_TURNOVER_SPIKE);
        assert_quiet(&eval(&order(), &at_this_hour(&[13, 3, 3, 3, 3, 3, 3, 3])), PRODUCT_TURNOVER_SPIKE);
    }

    #[test]
    fn a_busy_hour_of_a_busy_product_is_its_usual_hour() {
        // 30 orders in the hour of a product that sells 20 at this hour
        // every day: the time of day is the baseline, not the whole day's mean.
        assert_quiet(&eval(&order(), &at_this_hour(&[29, 20, 22, 18, 20, 25, 20, 19])), PRODUCT_TURNOVER_SPIKE);
        // One odd day does not move the baseline (the median).
        assert_fires(&eval(&order(), &at_this_hour(&[14, 3, 3, 3, 90, 3, 3, 3])), PRODUCT_TURNOVER_SPIKE);
    }

    #[test]
    fn one_large_order_is_not_a_run() {
        let mut o = order();
        o.items[0].quantity = 500;
        assert_quiet(&eval(&o, &at_this_hour(&[0, 0, 0, 0, 0, 0, 0, 0])), PRODUCT_TURNOVER_SPIKE);
    }

    #[test]
    fn skipped_without_order_history_or_with_too_few_days_of_it() {
        assert_skipped(&eval(&order(), &ctx()), PRODUCT_TURNOVER_SPIKE);
        // A profile that knows orders but not orders per hour: missing, not
        // zero sales.
        let c = ctx().with_product(build!(ProductProfile { product_id: "p-tea".into(), orders: 800 }));
        assert_skipped(&eval(&order(), &c), PRODUCT_TURNOVER_SPIKE);
        // A product seen two days before has no usual hour yet: a run on
        // it is skipped; three days is enough.
        let a = eval(&order(), &at_this_hour(&[20, 0, 0]));
        assert_skipped(&a, PRODUCT_TURNOVER_SPIKE);
        assert_fires(&eval(&order(), &at_this_hour(&[20, 0, 0, 0])), PRODUCT_TURNOVER_SPIKE);
        // A quiet hour of a young product is no run: judged, not skipped.
        assert_quiet(&eval(&order(), &at_this_hour(&[3, 0])), PRODUCT_TURNOVER_SPIKE);
        assert!(
            eval(&order(), &at_this_hour(&[3, 0]))
                .skipped()
                .iter()
                .all(|s| s.rule_id.as_str() != PRODUCT_TURNOVER_SPIKE)
        );
    }
}

mod stock_share {
    use super::*;

    /// [`order`] for `quantity` units of p-tea, payable `amount`, with the
    /// product's stock and high quantity per line.
    fn stocked(stock: Option<u64>, high: Option<u32>, quantity: i64) -> (Order, EvalContext) {
        let mut o = order();
        o.items[0].quantity = quantity;
        let mut p = ProductProfile::new("p-tea");
        p.stock = stock;
        p.high_quantity = high;
        (o, ctx().with_product(p))
    }

    /// The same for a buyer never seen.
    fn new_buyer(high: u32, quantity: i64) -> (Order, EvalContext) {
        let (o, mut c) = stocked(None, Some(high), quantity);
        c.user = None;
        (o, c)
    }

    #[test]
    fn fires_on_half_the_stock_or_five_times_the_high_quantity() {
        let (o, c) = stocked(Some(10), None, 5);
        assert_eq!(evidence(assert_fires(&eval(&o, &c), PRODUCT_STOCK_SHARE), "stock_share"), "50%");
        let (o, c) = new_buyer(4, 20);
        let a = eval(&o, &c);
        let f = assert_fires(&a, PRODUCT_STOCK_SHARE);
        assert_eq!((evidence(f, "quantity"), f.reason_code()), ("20", "product.stock_share.quantity"));
    }

    #[test]
    fn quiet_just_below() {
        let (o, c) = stocked(Some(10), None, 4);
        assert_quiet(&eval(&o, &c), PRODUCT_STOCK_SHARE);
        let (o, c) = new_buyer(4, 19);
        assert_quiet(&eval(&o, &c), PRODUCT_STOCK_SHARE);
    }

    #[test]
    fn a_buyer_whose_recent_orders_were_as_large_orders_large_quantities_as_usual() {
        // The buyer's largest recent order is 200: up to 3x (600) is usual.
        let (mut o, c) = stocked(None, Some(4), 20);
        o.payable_amount = dec("600.00");
        assert_quiet(&eval(&o, &c), PRODUCT_STOCK_SHARE);
        o.payable_amount = dec("600.01");
        assert_fires(&eval(&o, &c), PRODUCT_STOCK_SHARE);
    }

    #[test]
    fn skipped_without_stock_or_quantities() {
        let (o, c) = stocked(None, None, 5);
        assert_skipped(&eval(&o, &c), PRODUCT_STOCK_SHARE);
    }

    /// The engine looks up the first lines' product profiles once per
    /// evaluation; a line after those is judged the same, both sides of the
    /// threshold.
    #[test]
    fn a_line_after_the_first_thirty_two_is_judged_too() {
        for (quantity, fires) in [(5, true), (4, false)] {
            let (mut o, c) = stocked(Some(10), None, quantity);
            let tea = o.items.remove(0);
            let other = LineItem::new("p-unprofiled", tea.unit_price, 1);
            o.items = std::iter::repeat_n(other, 39).chain([tea]).collect();
            let a = eval(&o, &c);
            if fires {
                assert_eq!(evidence(assert_fires(&a, PRODUCT_STOCK_SHARE), "stock_share"), "50%");
            } else {
                assert_quiet(&a, PRODUCT_STOCK_SHARE);
            }
        }
    }
}
