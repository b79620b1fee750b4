//! Invariants over arbitrary orders and contexts: evaluation never panics,
//! the score stays in 0-100 and follows the documented formula (that it
//! never falls when a flag is added is a property test of `assessment`), the
//! decision follows the thresholds, composites never fire without their
//! parts, exemptions remove only what they name, block entries never lower
//! the decision, and models and assessments round-trip through JSON.

#[macro_use]
mod common;

use chrono::{DateTime, TimeZone, Utc};
use order_anomaly::model::*;
use order_anomaly::profile::{Event, InMemoryStore};
use order_anomaly::{
    Action, Assessment, Decision, Engine, EntityKind, EvalContext, Flag, Lists, ProductProfile, RuleId, Thresholds,
    UtcOffset, ids,
};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    prop_oneof![
        // Mostly 2020-01-01 .. 2030-01-01, to the second: where rules fire.
        8 => (1_577_836_800i64..1_893_456_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap()),
        // Anywhere in chrono's range, and its very ends.
        1 => (min..=max).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap()),
        1 => select(vec![DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::UNIX_EPOCH]),
    ]
}

fn money() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        8 => (0i64..1_000_000, 0u32..=2).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => any::<i64>().prop_map(|m| Decimal::new(m, 2)),
        1 => select(vec![Decimal::MAX, Decimal::MIN, Decimal::ZERO, Decimal::new(-1, 2)]),
    ]
}

fn text(samples: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![3 => select(samples).prop_map(str::to_owned), 1 => "\\PC{0,16}"]
}

fn opt<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.8, s)
}

const PHONES: &[&str] =
    &["13800138000", "+86 138-0013-8000", "1380013800", "010-12345678", "+1 415 555 2671", "", "abc"];
const PROVINCES: &[&str] = &["广东省", "新疆维吾尔自治区", "西藏", "青海省", "California", ""];
const DETAILS: &[&str] =
    &["科技园路8号", "XX丰巢快递柜代收", "菜鸟驿站 A-03格口", "parcel locker", "智能快递柜１２号", ""];
const CATEGORIES: &[&str] = &["黄金", "手机", "茶叶", "electronics", ""];
const IDS: &[&str] = &["u-1", "u-2", "card-1", "card-2", "dev-1", "p-1", "p-2"];

fn attempt() -> impl Strategy<Value = PaymentAttempt> {
    let status = select(vec![
        AttemptStatus::Succeeded,
        AttemptStatus::InsufficientBalance,
        AttemptStatus::Declined,
        AttemptStatus::Timeout,
        AttemptStatus::Failed,
    ]);
    (time(), opt(money()), status).prop_map(|(at, amount, status)| {
        let mut a = PaymentAttempt::new(at, status);
        a.amount = amount;
        a
    })
}

fn order() -> impl Strategy<Value = Order> {
    let items = prop::collection::vec(
        (select(IDS), opt(text(CATEGORIES)), money(), any::<i64>(), opt(select(vec!["CNY", "USD"]))).prop_map(
            |(p, c, price, q, cur)| {
                build!(LineItem {
                    product_id: p.into(),
                    category: c,
                    unit_price: price,
                    quantity: q % 5,
                    currency: cur.map(str::to_owned),
                })
            },
        ),
        0..4,
    );
    let payment = opt((
        opt(select(vec!["alipay", "card"])),
        opt(select(IDS)),
        prop::collection::vec(attempt(), 0..5),
        opt(money()),
        opt(time()),
    )
        .prop_map(|(m, i, attempts, paid_amount, paid_at)| {
            build!(Payment {
                method: m.map(str::to_owned),
                instrument_id: i.map(str::to_owned),
                attempts,
                paid_amount,
                paid_at,
            })
        }));
    let shipping =
        opt((opt(select(vec!["CN", "US", "cn", "X"])), opt(text(PROVINCES)), opt("[0-9]{0,6}"), opt(text(DETAILS)))
            .prop_map(|(country, province, region_code, detail)| {
                build!(ShippingAddress {
                    country: country.map(str::to_owned),
                    province,
                    region_code,
                    city: Some("深圳市".into()),
                    district: None,
                    detail,
                    postal_code: None,
                })
            }));
    let recipient = opt((opt(text(&["张三", "李四", ""])), opt(text(PHONES)))
        .prop_map(|(name, phone)| build!(Recipient { name, phone })));
    let client = opt((opt(text(&["深圳市", "北京市"])), opt(select(IDS))).prop_map(|(city, d)| {
        build!(ClientInfo {
            ip: None,
            location: city.map(|c| build!(Location { country: None, region: None, city: Some(c) })),
            device_id: d.map(str::to_owned),
        })
    }));
    let logistics = opt((opt(time()), opt(time()), prop::collection::vec(time(), 0..3)).prop_map(|(s, d, ev)| {
        build!(Logistics {
            carrier: None,
            tracking_number: None,
            shipped_at: s,
            delivered_at: d,
            events: ev.into_iter().map(TrackingEvent::new).collect(),
        })
    }));
    let after = prop::collection::vec(
        (
            select(vec![AfterSaleKind::Return, AfterSaleKind::Exchange, AfterSaleKind::Complaint]),
            time(),
            opt(select(vec![ComplaintType::Quality, ComplaintType::Service])),
        )
            .prop_map(|(kind, at, complaint_type)| {
                let mut a = AfterSale::new(kind, at);
                a.complaint_type = complaint_type;
                a
            }),
        0..2,
    );
    let calls = prop::collection::vec(
        (time(), any::<bool>()).prop_map(|(at, answered)| VerificationCall::new(at, answered)),
        0..4,
    );
    (
        (select(IDS), time(), select(vec!["CNY", "", "USD"]), items, opt(money()), money(), money(), money()),
        (payment, shipping, recipient, opt(text(&["gift", ""])), client, calls, logistics, after),
    )
        .prop_map(
            |(
                (user, created_at, cur, items, items_total, discount, shipping_fee, payable),
                (payment, shipping, recipient, note, client, calls, logistics, after),
            )| {
                build!(Order {
                    id: "SO-P".into(),
                    user_id: user.into(),
                    created_at,
                    currency: cur.into(),
                    items,
                    items_total,
                    discount,
                    shipping_fee,
                    payable_amount: payable,
                    payment,
                    shipping,
                    recipient,
                    buyer_note: note,
                    client,
                    verification_calls: calls,
                    logistics,
                    after_sales: after,
                })
            },
        )
}

fn user() -> impl Strategy<Value = UserProfile> {
    let past = prop::collection::vec(
        (time(), money(), opt(time()), opt(time())).prop_map(|(placed_at, amount, cancelled_at, returned_at)| {
            build!(PastOrder { order_id: "P".into(), placed_at, amount, cancelled_at, returned_at })
        }),
        0..8,
    );
    let instruments =
        prop::collection::vec((select(IDS), time()).prop_map(|(id, t)| KnownInstrument::new(id, t, t)), 0..4);
    let changes = prop::collection::vec(
        (time(), opt(text(&["杭州市", "南京市"])), opt(text(DETAILS))).prop_map(|(at, city, detail)| {
            build!(AddressChange { at, city: city.map(Into::into), detail: detail.map(Into::into) })
        }),
        0..4,
    );
    let linked = prop::collection::vec(
        (select(IDS), prop::collection::vec((text(CATEGORIES), time()), 0..3)).prop_map(|(u, p)| {
            LinkedAccount::new(u, LinkKind::Device, p.into_iter().map(|(c, at)| LinkedPurchase::new(c, at)).collect())
        }),
        0..4,
    );
    (
        any::<u32>(),
        money(),
        past,
        instruments,
        prop::collection::vec(text(&["张三"]), 0..2),
        prop::collection::vec(text(PROVINCES), 0..2),
        changes,
        linked,
    )
        .prop_map(|(n, spent, recent, inst, names, regions, changes, linked)| {
            build!(UserProfile {
                user_id: "u-1".into(),
                order_count: n % 50,
                total_spent: spent,
                recent_orders: recent,
                payment_instruments: inst,
                recipient_names: names.into_iter().map(Into::into).collect(),
                destination_regions: regions.into_iter().map(Into::into).collect(),
                usual_locations: vec![build!(Location { country: None, region: None, city: Some("深圳市".into()) })],
                address_changes: changes,
                complaints: vec![],
                linked_accounts: linked,
            })
        })
}

fn lists() -> impl Strategy<Value = Lists> {
    let kind = select(EntityKind::ALL.to_vec());
    prop::collection::vec((kind, select(IDS.iter().chain(PHONES).copied().collect::<Vec<_>>())), 0..3)
        .prop_map(|entries| entries.into_iter().fold(Lists::new(), |l, (k, v)| l.with_block(k, v, "r")))
}

fn ctx() -> impl Strategy<Value = EvalContext> {
    let product = (select(IDS), any::<bool>(), prop::collection::vec(time(), 0..12), any::<u16>(), any::<u16>())
        .prop_map(|(id, hv, complaints, orders, abnormal)| {
            build!(ProductProfile {
                product_id: id.into(),
                category: None,
                high_value: hv,
                fraud_complaints: complaints,
                orders: u32::from(orders % 100),
                abnormal_orders: u32::from(abnormal % 100),
            })
        });
    // Any offset chrono allows (under a day either way), not only real zones.
    let offset = prop_oneof![3 => (-12i32..14).prop_map(|h| h * 3600), 1 => -86_399i32..86_400];
    (time(), offset, opt(user()), prop::collection::vec(product, 0..3), lists()).prop_map(
        |(now, seconds, user, products, lists)| {
            let mut c = EvalContext::at(now).with_utc_offset(UtcOffset::east(seconds).unwrap()).with_lists(lists);
            c.user = user;
            for p in products {
                c = c.with_product(p);
            }
            c
        },
    )
}

/// The score as the README defines it: plain flags add up; a composite
/// stands in for the flags it builds on; the best total counts, capped at 100.
/// An oracle written from the documentation, not from the crate's code.
fn documented_score(flags: &[Flag]) -> u8 {
    let plain: Vec<&Flag> = flags.iter().filter(|f| f.builds_on().is_empty()).collect();
    let base: u32 = plain.iter().map(|f| u32::from(f.points())).sum();
    let mut best = base;
    for c in flags.iter().filter(|f| !f.builds_on().is_empty()) {
        let parts: u32 =
            plain.iter().filter(|f| c.builds_on().contains(f.rule_id())).map(|f| u32::from(f.points())).sum();
        best = best.max(base - parts + u32::from(c.points()));
    }
    best.min(100) as u8
}

fn all_fired(a: &Assessment) -> Vec<&str> {
    a.flags()
        .iter()
        .chain(a.shadow_flags())
        .chain(a.exemptions().iter().map(|e| &e.flag))
        .map(|f| f.rule_id().as_str())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_is_total_bounded_and_decides_by_the_thresholds(o in order(), c in ctx(), review in 1u8..=100, gap in 0u8..=100) {
        let hold = review.saturating_add(gap).min(100);
        let t = Thresholds::new(review, hold);
        let engine = Engine::builder().thresholds(t).build().unwrap();
        let a = engine.evaluate(&o, &c);
        prop_assert!(a.score() <= 100);
        let by_action = a.flags().iter().map(|f| Decision::from(f.action())).max().unwrap_or(Decision::Pass);
        prop_assert_eq!(a.decision(), t.decide(a.score()).max(by_action));
        prop_assert_eq!(a.score(), documented_score(a.flags()));
        // Deterministic.
        prop_assert_eq!(&a, &engine.evaluate(&o, &c));
        // Every enabled rule either fired, was skipped, or stayed quiet; none twice.
        let fired = all_fired(&a);
        for id in ids::ALL {
            let n = fired.iter().filter(|f| **f == id).count() + usize::from(a.was_skipped(id));
            prop_assert!(n <= 1, "{} reported {} times", id, n);
        }
    }

    /// The store keeps a placed order in a compact form of its own; what it
    /// gives back is the order as placed (with its payment, attempts,
    /// after-sales and calls put in the form every stored order takes).
    #[test]
    fn the_store_gives_back_an_order_as_it_was_placed(o in order(), longer in 0usize..4) {
        // Short orders are kept as placed, long ones (over four lines) in a
        // form of their own: lengthened with copies of their own lines.
        let mut o = o;
        let lines = o.items.clone();
        for n in 0..longer {
            o.items.extend(lines.iter().cloned());
            o.items.push(LineItem::new(format!("p-{n}"), Decimal::ONE, 1));
        }
        let mut store = InMemoryStore::for_history();
        store.apply(&Event::placed("e-1", o.clone()));
        let mut expected = o.clone();
        expected.payment.get_or_insert_with(Payment::default).attempts.sort_by_key(|a| a.at);
        expected.after_sales.sort_by_key(|a| a.at);
        expected.verification_calls.sort_by_key(|c| c.at);
        prop_assert_eq!(store.order(&o.id), Some(expected));
        // And so does a store restored from its snapshot.
        let restored: InMemoryStore = serde_json::from_str(&serde_json::to_string(&store).unwrap()).unwrap();
        prop_assert_eq!(restored.order(&o.id), store.order(&o.id));
    }

    #[test]
    fn models_and_assessments_round_trip_through_json(o in order(), c in ctx()) {
        let o2: Order = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        prop_assert_eq!(&o, &o2);
        let c2: EvalContext = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        prop_assert_eq!(&c, &c2);
        let a = Engine::default().evaluate(&o, &c);
        let a2: Assessment = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        prop_assert_eq!(a, a2);
    }

    #[test]
    fn composites_never_fire_without_their_parts(o in order(), c in ctx()) {
        let engine = Engine::default();
        let a = engine.evaluate(&o, &c);
        let fired = all_fired(&a);
        if fired.contains(&ids::CASE_STOLEN_CARD) {
            prop_assert!(fired.contains(&ids::PAYMENT_AMOUNT_SPIKE) && fired.contains(&ids::PAYMENT_NEW_INSTRUMENT));
        }
        if fired.contains(&ids::CASE_REMOTE_LOCKER_NO_HISTORY) {
            let s = o.shipping.as_ref().unwrap();
            prop_assert!(engine.reference().locker(s.detail.as_deref().unwrap()).is_some());
            prop_assert!(engine.reference().remote_region(s).is_some());
            prop_assert!(!c.user.as_ref().is_some_and(|u| u.has_history()));
        }
        for f in a.flags() {
            for part in f.builds_on() {
                prop_assert!(fired.contains(&part.as_str()), "{} builds on {} which did not fire", f.rule_id(), part);
            }
        }
    }

    #[test]
    fn an_exemption_removes_only_the_flags_it_names(o in order(), c in ctx(), pick in prop::collection::vec(select(ids::ALL.to_vec()), 0..6)) {
        let engine = Engine::default();
        let before = engine.evaluate(&o, &c);
        let named: Vec<RuleId> = pick.iter().map(|s| RuleId::from(*s)).collect();
        let mut c2 = c.clone();
        c2.lists = c.lists.clone().with_allow(EntityKind::User, o.user_id.clone(), named.clone(), "trusted");
        let after = engine.evaluate(&o, &c2);
        let is_named = |id: &RuleId| pick.contains(&id.as_str());
        let kept: Vec<&Flag> = before.flags().iter().filter(|f| !is_named(f.rule_id())).collect();
        prop_assert_eq!(after.flags().iter().collect::<Vec<_>>(), kept);
        let removed: Vec<&Flag> = before.flags().iter().filter(|f| is_named(f.rule_id())).collect();
        prop_assert_eq!(after.exemptions().iter().map(|e| &e.flag).collect::<Vec<_>>(), removed);
        prop_assert!(after.score() <= before.score());
    }

    #[test]
    fn a_written_configuration_reloads_to_an_engine_that_assesses_identically(
        o in order(),
        c in ctx(),
        review in 1u8..=60,
        gap in 0u8..=40,
        tweaks in prop::collection::vec((select(ids::ALL.to_vec()), 0u8..=100, any::<bool>(), any::<bool>(), 0u8..4), 0..8),
        threshold in 1u32..20_000,
        reveal in any::<bool>(),
    ) {
        let mut b = Engine::builder()
            .thresholds(Thresholds::new(review, review + gap))
            .rule(build!(order_anomaly::rules::payment::LargeAmount { threshold: threshold.into() }))
            .reveal_personal_data(reveal)
            .lists(Lists::new().with_block(EntityKind::User, "u-2", "r").with_fraud_phone("13800138000"));
        for (id, points, shadow, enabled, action) in tweaks {
            let action = [Action::Score, Action::Review, Action::Hold, Action::Reject][usize::from(action)];
            b = b.points(id, points).shadow(id, shadow).action(id, action);
            b = if enabled { b.enable(id) } else { b.disable(id) };
        }
        let engine = b.build().unwrap();
        let json = engine.config().to_json_pretty();
        let reloaded = Engine::from_config_str(&json).unwrap();
        prop_assert_eq!(reloaded.ruleset(), engine.ruleset());
        prop_assert_eq!(reloaded.evaluate(&o, &c), engine.evaluate(&o, &c));
    }

    #[test]
    fn indexing_gated_composites_changes_no_assessment(
        o in order(),
        c in ctx(),
        rules in prop::collection::vec((0u8..5, 0i64..8_000, any::<bool>(), select(ids::ALL.to_vec())), 1..24),
    ) {
        use order_anomaly::rules::composite::{Attribute, Comparison, Composite, Condition, Literal, Op};
        let build = |index: bool| {
            let mut b = Engine::builder().index_gated_composites(index);
            for (n, (shape, x, strict, other)) in rules.iter().enumerate() {
                let attr = if n % 3 == 0 { Attribute::UserAverageOrderValue } else { Attribute::PayableAmount };
                let op = if *strict { Op::Gt } else { Op::Ge };
                let gate = Condition::Compare(Comparison::new(attr, op, Literal::Number((*x).into())));
                let when = match shape {
                    0 => gate,
                    1 => Condition::All(vec![gate, Condition::fired(other)]),
                    2 => Condition::All(vec![gate, Condition::Not(Box::new(Condition::fired(other)))]),
                    3 => Condition::Any(vec![gate, Condition::fired(other)]),
                    _ => Condition::All(vec![Condition::fired(other), gate]),
                };
                let id = format!("custom.r{n}");
                b = b.composite(Composite::new(id, when, 5, Action::Score, "x", "x"));
            }
            b.build().unwrap()
        };
        prop_assert_eq!(build(true).evaluate(&o, &c), build(false).evaluate(&o, &c));
    }

    #[test]
    fn a_block_entry_never_lowers_the_decision(o in order(), c in ctx(), kind in select(EntityKind::ALL.to_vec()), v in select(IDS.iter().chain(PHONES).copied().collect::<Vec<_>>())) {
        let engine = Engine::default();
        let before = engine.evaluate(&o, &c);
        let mut c2 = c.clone();
        c2.lists = c.lists.clone().with_block(kind, v, "r");
        let after = engine.evaluate(&o, &c2);
        prop_assert!(after.decision() >= before.decision());
        if after.has_flag(ids::LIST_BLOCKED) {
            prop_assert_eq!(after.decision(), Decision::Reject);
        }
    }
}
