//! The profile store: hand-computed profiles from a known history, window
//! edges, duplicates, out-of-order and late events, snapshots, stages, links.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use order_anomaly::model::*;
use order_anomaly::profile::{Applied, Event, EventKind, InMemoryStore, StoreConfig};
use order_anomaly::{Engine, Order, Stage, UtcOffset, Window, ids};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn t(day: i64, hour: i64) -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(day) + Duration::hours(hour)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn order(id: &str, user: &str, at: DateTime<Utc>, amount: &str, card: &str, name: &str, city: &str) -> Order {
    build!(Order {
        id: id.into(),
        user_id: user.into(),
        created_at: at,
        currency: "CNY".into(),
        items: vec![build!(LineItem {
            product_id: "p-1".into(),
            category: Some("茶叶".into()),
            unit_price: dec(amount),
            quantity: 1,
            currency: None,
        })],
        payable_amount: dec(amount),
        payment: Some(build!(Payment { instrument_id: Some(card.into()) })),
        shipping: Some(build!(ShippingAddress {
            province: Some("广东省".into()),
            city: Some(city.into()),
            detail: Some("科技园路1号".into()),
        })),
        recipient: Some(build!(Recipient { name: Some(name.into()), phone: Some("13800138000".into()) })),
        client: Some(build!(ClientInfo {
            location: Some(build!(Location { city: Some(city.into()) })),
            device_id: Some(format!("dev-{user}")),
        })),
    })
}

fn ev(id: &str, at: DateTime<Utc>, kind: EventKind) -> Event {
    Event::new(id, at, kind)
}

fn placed(id: &str, o: Order) -> Event {
    Event::placed(id, o)
}

/// Three orders by u-1 over ten days, one cancelled, one returned, a complaint,
/// an address change and logins.
fn history() -> Vec<Event> {
    vec![
        placed("e1", order("o1", "u-1", t(0, 10), "100.00", "card-a", "张三", "深圳市")),
        ev("e2", t(0, 11), EventKind::Paid { order_id: "o1".into(), amount: dec("100.00"), instrument_id: None }),
        placed("e3", order("o2", "u-1", t(3, 10), "60.00", "card-b", "李四", "深圳市")),
        ev("e4", t(3, 12), EventKind::Cancelled { order_id: "o2".into() }),
        placed("e5", order("o3", "u-1", t(8, 10), "200.00", "card-a", "张三", "广州市")),
        ev("e6", t(9, 10), EventKind::Returned { order_id: "o3".into(), exchange: false, product_id: None }),
        ev(
            "e7",
            t(9, 11),
            EventKind::Complaint {
                user_id: "u-1".into(),
                order_id: Some("o3".into()),
                product_id: Some("p-1".into()),
                complaint_type: ComplaintType::Quality,
            },
        ),
        ev(
            "e8",
            t(9, 12),
            EventKind::AddressChanged {
                user_id: "u-1".into(),
                address: build!(ShippingAddress { city: Some("杭州市".into()) }),
            },
        ),
        ev(
            "e9",
            t(9, 13),
            EventKind::Login {
                user_id: "u-1".into(),
                location: Some(build!(Location { city: Some("广州市".into()) })),
                device_id: None,
            },
        ),
    ]
}

/// A store for the sparse test histories: their days-long gaps are real, so
/// events apply at once instead of waiting for confirmation.
fn replay_store() -> InMemoryStore {
    InMemoryStore::for_history()
}

fn folded(events: &[Event]) -> InMemoryStore {
    let mut s = replay_store();
    for e in events {
        assert_eq!(s.apply(e), Applied::Applied, "{}", e.id);
    }
    s
}

#[test]
fn a_known_history_gives_hand_computed_figures() {
    let s = folded(&history());
    let p = s.user_profile("u-1", None).unwrap();
    assert_eq!(p.order_count, 3);
    assert_eq!(p.total_spent, dec("360.00"));
    assert_eq!(p.average_order_value(), Some(dec("120")));
    assert_eq!(p.recent_orders.iter().map(|o| &*o.order_id).collect::<Vec<_>>(), ["o1", "o2", "o3"]);
    assert_eq!(p.recent_orders[1].cancelled_at, Some(t(3, 12)));
    assert_eq!(p.recent_orders[2].returned_at, Some(t(9, 10)));
    let cards: Vec<_> = p.payment_instruments.iter().map(|k| (&*k.id, k.first_seen, k.last_used)).collect();
    assert_eq!(cards, [("card-a", t(0, 10), t(8, 10)), ("card-b", t(3, 10), t(3, 10))]);
    assert_eq!(p.recipient_names.iter().map(|s| &**s).collect::<Vec<_>>(), ["张三", "李四"]);
    assert_eq!(p.destination_regions.iter().map(|s| &**s).collect::<Vec<_>>(), ["广东省"]);
    // 深圳 was seen twice (two orders), 广州 twice (an order and a login): both usual.
    let mut cities: Vec<_> = p.usual_locations.iter().filter_map(|l| l.city.clone()).collect();
    cities.sort();
    assert_eq!(cities, ["广州市", "深圳市"]);
    assert_eq!(p.complaints.len(), 1);
    assert_eq!(p.address_changes[0].city.as_deref(), Some("杭州市"));
    let product = s.product_profile("p-1").unwrap();
    assert_eq!((product.orders, product.abnormal_orders, product.category.as_deref()), (3, 0, Some("茶叶")));
    let o3 = s.order("o3").unwrap();
    assert_eq!(o3.after_sales.len(), 2);
    assert_eq!(s.stage("o3"), Some(Stage::AfterSales));
    assert_eq!(s.stage("o2"), Some(Stage::Cancelled));
    assert_eq!(s.stage("o1"), Some(Stage::Paid));
}

#[test]
fn the_order_being_judged_is_not_its_own_history() {
    let s = folded(&history());
    let o3 = s.order("o3").unwrap();
    let ctx = s.context_for(&o3, t(9, 14), UtcOffset::china());
    let p = ctx.user.as_ref().unwrap();
    assert_eq!(p.order_count, 2);
    assert_eq!(p.total_spent, dec("160.00"));
    assert!(p.recent_orders.iter().all(|o| &*o.order_id != "o3"));
    assert_eq!(ctx.stage, Some(Stage::AfterSales));
    let a = Engine::default().evaluate(&o3, &ctx);
    assert_eq!(a.stage(), Some(Stage::AfterSales));
    assert!(a.has_flag(ids::AFTERSALES_HIGH_RISK_COMPLAINT));
    // card-b first appeared on o2: judging o2 again, it is new.
    let o2 = s.order("o2").unwrap();
    let p2 = s.user_profile("u-1", Some("o2")).unwrap();
    assert!(p2.payment_instruments.iter().all(|k| &*k.id != "card-b"));
    assert!(
        Engine::default()
            .evaluate(&o2, &s.context_for(&o2, t(3, 11), UtcOffset::china()))
            .has_flag(ids::PAYMENT_NEW_INSTRUMENT)
    );
}

#[test]
fn windowed_facts_leave_at_the_retention_edge_and_counters_stay() {
    let mut s = InMemoryStore::with_config(build!(StoreConfig {
        retention: Window::days(30),
        lateness: Window::hours(1),
        future_skew: None
    }));
    for e in history() {
        s.apply(&e);
    }
    // An event 30 days + 1 hour after o1 keeps o1 exactly at the horizon...
    let edge = t(0, 10) + Duration::days(30) + Duration::hours(1);
    s.apply(&ev("late-login", edge, EventKind::Login { user_id: "u-2".into(), location: None, device_id: None }));
    assert!(s.order("o1").is_some());
    // ...one second later it is gone, but the counters remember it.
    s.apply(&ev(
        "later",
        edge + Duration::seconds(1),
        EventKind::Login { user_id: "u-2".into(), location: None, device_id: None },
    ));
    assert!(s.order("o1").is_none());
    let p = s.user_profile("u-1", None).unwrap();
    assert_eq!(p.order_count, 3);
    assert_eq!(p.recent_orders.len(), 2);
}

#[test]
fn duplicates_change_nothing() {
    let mut s = folded(&history());
    let before = s.clone();
    // Within the lateness window an id is remembered: a duplicate. Older
    // ones are refused as too late (ids are kept only as long as needed).
    let last = history().last().unwrap().clone();
    assert_eq!(s.apply(&last), Applied::Duplicate);
    for e in history() {
        assert!(matches!(s.apply(&e), Applied::Duplicate | Applied::TooLate), "{}", e.id);
    }
    assert_eq!(s.user_profile("u-1", None), before.user_profile("u-1", None));
    assert_eq!(s.product_profile("p-1"), before.product_profile("p-1"));
    assert_eq!(s.order("o3"), before.order("o3"));
}

fn login(id: &str, at: DateTime<Utc>, user: &str) -> Event {
    ev(id, at, EventKind::Login { user_id: user.into(), location: None, device_id: None })
}

#[test]
fn one_event_far_in_the_future_does_not_poison_the_store() {
    let mut s = InMemoryStore::new();
    let start = t(0, 10);
    for i in 0..5 {
        assert_eq!(s.apply(&login(&format!("a{i}"), start + Duration::minutes(i), "u-1")), Applied::Applied);
    }
    let poison = ev("poison", "2099-01-01T00:00:00Z".parse().unwrap(), EventKind::Cancelled { order_id: "o1".into() });
    assert_eq!(s.apply(&poison), Applied::Held);
    assert_eq!(s.watermark(), Some(start + Duration::minutes(4)), "the clock did not jump");
    // The store keeps learning from real events.
    let o = order("o1", "u-1", start + Duration::minutes(10), "50.00", "card-a", "张三", "深圳市");
    assert_eq!(s.apply(&placed("p1", o)), Applied::Applied);
    for i in 0..10 {
        assert_eq!(s.apply(&login(&format!("b{i}"), start + Duration::minutes(20 + i), "u-1")), Applied::Applied);
    }
    assert_eq!(s.user_profile("u-1", None).unwrap().order_count, 1);
    assert_eq!(s.stage("o1"), Some(Stage::Placed), "the poisoned cancellation was not applied");
    assert_eq!((s.held(), s.too_late()), (1, 0));
}

#[test]
fn after_a_quiet_night_time_moves_on_when_events_in_a_row_agree() {
    let mut s = InMemoryStore::new();
    assert_eq!(s.apply(&login("n0", t(0, 22), "u-1")), Applied::Applied);
    let morning = t(1, 8);
    assert_eq!(s.apply(&login("m0", morning, "u-1")), Applied::Held);
    assert_eq!(s.apply(&login("m1", morning + Duration::minutes(1), "u-2")), Applied::Held);
    assert_eq!(s.apply(&login("m2", morning + Duration::minutes(2), "u-3")), Applied::Applied);
    assert_eq!(s.held(), 0);
    assert_eq!(s.watermark(), Some(morning + Duration::minutes(2)));
    assert_eq!(s.users(), 3, "the held events were applied, none lost");
}

#[test]
fn event_ids_are_kept_only_for_the_lateness_window() {
    let mut s = InMemoryStore::new();
    for i in 0..2_000 {
        s.apply(&login(&format!("e{i}"), t(0, 0) + Duration::minutes(i), "u-1"));
    }
    let snapshot = serde_json::to_value(&s).unwrap();
    let ids = snapshot["seen"].as_array().unwrap().len();
    assert!(ids <= 61, "{ids} event ids kept for a 1-hour lateness window");
}

#[test]
fn what_the_store_keeps_is_bounded_by_count() {
    let config = build!(StoreConfig {
        max_per_entity: 100,
        max_links_per_key: 8,
        max_unplaced: 10,
        max_users: 50,
        future_skew: None
    });
    let mut s = InMemoryStore::with_config(config);
    let at = |i: i64| t(0, 0) + Duration::seconds(i);
    // 5,000 address changes in a few hours: the newest 100 are kept.
    for i in 0..5_000 {
        let address = build!(ShippingAddress { city: Some(format!("城市{i}")) });
        s.apply(&ev(&format!("a{i}"), at(i), EventKind::AddressChanged { user_id: "u-1".into(), address }));
    }
    let p = s.user_profile("u-1", None).unwrap();
    assert_eq!(p.address_changes.len(), 100);
    assert_eq!(p.address_changes.last().unwrap().city.as_deref(), Some("城市4999"));
    // 30 accounts on one device: the 8 most recent are remembered.
    for i in 0..30 {
        let mut o = order(&format!("d{i}"), &format!("dev-user-{i}"), at(6_000 + i), "10.00", "c", "张三", "深圳市");
        o.client.as_mut().unwrap().device_id = Some("shared-device".into());
        s.apply(&placed(&format!("pd{i}"), o));
    }
    let p = s.user_profile("dev-user-29", None).unwrap();
    assert_eq!(p.linked_accounts.len(), 7, "8 accounts on the key, this one excluded");
    // Events for orders never placed: at most 10 wait.
    let dropped: usize = (0..20)
        .map(|i| s.apply(&ev(&format!("x{i}"), at(7_000 + i), EventKind::Cancelled { order_id: format!("ghost-{i}") })))
        .filter(|a| *a == Applied::Dropped)
        .count();
    assert_eq!((dropped, s.dropped()), (10, 10));
    // A day later the least recently seen buyers beyond 50 are gone.
    s.apply(&login("tomorrow", at(90_000), "u-late"));
    assert!(s.users() <= 50, "{} buyers", s.users());
    assert!(s.user_profile("u-late", None).is_some());
}

#[test]
fn a_payment_that_arrives_before_its_order_keeps_its_instrument() {
    let o = order("o1", "u-1", t(0, 10), "100.00", "card-a", "张三", "深圳市");
    let paid = ev(
        "pay",
        t(0, 10) + Duration::minutes(1),
        EventKind::Paid { order_id: "o1".into(), amount: dec("100.00"), instrument_id: Some("card-z".into()) },
    );
    let mut in_order = InMemoryStore::new();
    in_order.apply(&placed("e1", o.clone()));
    in_order.apply(&paid);
    let mut reversed = InMemoryStore::new();
    reversed.apply(&paid);
    reversed.apply(&placed("e1", o.clone()));
    let cards = |s: &InMemoryStore| {
        s.user_profile("u-1", None)
            .unwrap()
            .payment_instruments
            .into_iter()
            .map(|k| k.id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(cards(&reversed), ["card-a", "card-z"]);
    assert_eq!(cards(&reversed), cards(&in_order));
    // The same order placed again under a new event id counts once.
    reversed.apply(&placed("e1-again", o));
    let p = reversed.user_profile("u-1", None).unwrap();
    assert_eq!((p.order_count, p.total_spent), (1, dec("100.00")));
}

#[test]
fn unknown_event_types_and_fields_are_skipped_not_fatal() {
    let lines = [
        r#"{"id":"e1","at":"2026-01-01T00:00:00Z","type":"coupon_redeemed","order_id":"o1","coupon":"X"}"#,
        r#"{"id":"e2","at":"2026-01-01T00:00:00Z","type":"cancelled","order_id":"o1","operator":"ops-7"}"#,
    ];
    let events: Vec<Event> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events[0].kind, EventKind::Unknown);
    assert_eq!(events[1].kind, EventKind::Cancelled { order_id: "o1".into() });
    let mut s = InMemoryStore::new();
    assert_eq!(s.apply(&events[0]), Applied::Ignored);
    assert_eq!(s.apply(&events[1]), Applied::Applied);
    assert_eq!(s.ignored(), 1);
}

#[test]
fn late_events_within_the_bound_apply_and_older_ones_are_refused() {
    let mut s = folded(&history());
    let watermark = t(9, 13);
    let within = ev("w", watermark - Duration::minutes(59), EventKind::Delivered { order_id: "o1".into() });
    assert_eq!(s.apply(&within), Applied::Applied);
    assert_eq!(s.stage("o1"), Some(Stage::Delivered));
    let beyond = ev("b", watermark - Duration::minutes(61), EventKind::Cancelled { order_id: "o1".into() });
    assert_eq!(s.apply(&beyond), Applied::TooLate);
    assert_eq!(s.too_late(), 1);
    assert_eq!(s.stage("o1"), Some(Stage::Delivered));
}

#[test]
fn events_before_their_order_wait_for_it() {
    let o = order("o9", "u-9", t(0, 10), "50.00", "card-z", "王五", "深圳市");
    let mut s = InMemoryStore::new();
    s.apply(&ev("c", t(0, 10) + Duration::minutes(5), EventKind::Cancelled { order_id: "o9".into() }));
    let returned = EventKind::Returned { order_id: "o9".into(), exchange: false, product_id: None };
    s.apply(&ev("r", t(0, 10) + Duration::minutes(6), returned));
    s.apply(&placed("p", o));
    let p = s.user_profile("u-9", None).unwrap();
    assert_eq!(p.recent_orders[0].cancelled_at, Some(t(0, 10) + Duration::minutes(5)));
    assert_eq!(p.recent_orders[0].returned_at, Some(t(0, 10) + Duration::minutes(6)));
}

#[test]
fn a_snapshot_round_trips() {
    let s = folded(&history());
    let json = serde_json::to_string(&s).unwrap();
    let back: InMemoryStore = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.user_profile("u-1", None), s.user_profile("u-1", None));
}

#[test]
fn shared_devices_link_accounts_and_their_purchases() {
    let mut a = order("x1", "u-a", t(0, 10), "99.00", "card-1", "甲", "深圳市");
    let mut b = order("x2", "u-b", t(0, 11), "99.00", "card-2", "乙", "深圳市");
    let mut c = order("x3", "u-c", t(0, 12), "99.00", "card-3", "丙", "深圳市");
    for o in [&mut a, &mut b, &mut c] {
        o.client.as_mut().unwrap().device_id = Some("shared-phone".into());
        o.items[0].category = Some("礼品卡".into());
        o.recipient.as_mut().unwrap().phone = Some(format!("1380013800{}", o.id.len()));
    }
    let s = folded(&[placed("1", a), placed("2", b), placed("3", c)]);
    let p = s.user_profile("u-a", None).unwrap();
    // Linked by device, and by the same address too: each account counts once.
    let linked: Vec<_> = p.linked_accounts.iter().map(|l| &*l.user_id).collect();
    assert_eq!(linked, ["u-b", "u-c"]);
    assert!(p.linked_accounts.iter().all(|l| matches!(l.via, LinkKind::Address | LinkKind::Device)));
    assert!(p.linked_accounts.iter().all(|l| &*l.purchases[0].category == "礼品卡"));
}

#[test]
fn memory_per_user_is_capped() {
    let mut s = InMemoryStore::with_config(build!(StoreConfig { max_known: 4 }));
    for i in 0..50 {
        s.apply(&placed(
            &format!("e{i}"),
            order(&format!("o{i}"), "u-1", t(0, i), "10.00", &format!("card-{i}"), &format!("名{i}"), "深圳市"),
        ));
    }
    let p = s.user_profile("u-1", None).unwrap();
    assert_eq!(p.payment_instruments.len(), 4);
    assert_eq!(p.recipient_names.len(), 4);
    assert_eq!(p.order_count, 50);
    // The most recent survive.
    assert!(p.payment_instruments.iter().any(|k| &*k.id == "card-49"));
}

fn shuffled_within_lateness() -> impl Strategy<Value = (Vec<Event>, Vec<usize>)> {
    // A burst of events within 50 minutes: any arrival order is within the 1-hour lateness.
    let base = t(5, 0);
    let events: Vec<Event> = (0..12)
        .map(|i| {
            let at = base + Duration::minutes(4 * i);
            let user = format!("u-{}", i % 3);
            match i % 4 {
                0 | 1 => placed(
                    &format!("e{i}"),
                    order(&format!("o{i}"), &user, at, "30.00", &format!("c{}", i % 5), "张三", "深圳市"),
                ),
                2 => ev(&format!("e{i}"), at, EventKind::Cancelled { order_id: format!("o{}", i - 2) }),
                _ => ev(
                    &format!("e{i}"),
                    at,
                    EventKind::Returned { order_id: format!("o{}", i - 2), exchange: true, product_id: None },
                ),
            }
        })
        // Payments with their own instrument, which may arrive before their
        // order, and an order redelivered under a new event id.
        .chain((0..12).step_by(4).map(|i| {
            ev(
                &format!("pay{i}"),
                base + Duration::minutes(4 * i + 1),
                EventKind::Paid {
                    order_id: format!("o{i}"),
                    amount: dec("30.00"),
                    instrument_id: Some(format!("wallet-{i}")),
                },
            )
        }))
        .chain(std::iter::once(placed(
            "e1-redelivered",
            order("o1", "u-1", base + Duration::minutes(4), "30.00", "c1", "张三", "深圳市"),
        )))
        .collect();
    let n = events.len();
    (Just(events), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
}

proptest! {
    #[test]
    fn folding_in_any_order_within_the_lateness_bound_gives_the_same_profiles((events, order) in shuffled_within_lateness()) {
        let sorted = folded(&events);
        let mut s = InMemoryStore::new();
        for i in order {
            prop_assert_eq!(s.apply(&events[i]), Applied::Applied);
        }
        prop_assert_eq!(s.user_profile("u-1", None).unwrap().order_count, 2, "o1 counted once");
        for u in ["u-0", "u-1", "u-2"] {
            prop_assert_eq!(s.user_profile(u, None), sorted.user_profile(u, None));
        }
        prop_assert_eq!(s.product_profile("p-1"), sorted.product_profile("p-1"));
    }
}

#[path = "../benches/support/history.rs"]
mod heavy;

/// Memory per user is bounded: a second year of a heavy buyer's history (about
/// 1,100 more orders) does not grow what the store holds for them.
#[test]
fn a_second_year_of_history_does_not_grow_the_memory_held_per_user() {
    let held = |days| {
        let mut s = InMemoryStore::new();
        for e in &heavy::heavy_buyer("heavy", days) {
            s.apply(e);
        }
        assert_eq!(s.user_profile("heavy", None).unwrap().order_count, u32::try_from(days * 3).unwrap());
        // What a copy allocates: the live data, in allocations and bytes
        // (bytes vary a little with the maps' random hash seeds).
        let mut copy = None;
        let info = allocation_counter::measure(|| copy = Some(s.clone()));
        (info.count_current, info.bytes_current)
    };
    let (one, two) = (held(365), held(730));
    assert!(two.0 <= one.0 + one.0 / 20, "one year: {one:?}, two years: {two:?}");
    assert!(two.1 <= one.1 + one.1 / 2, "one year: {one:?}, two years: {two:?}");
}

#[test]
fn a_first_order_on_a_card_three_other_buyers_used_is_flagged() {
    let mut s = InMemoryStore::new();
    for (i, user) in ["u-a", "u-b", "u-c"].iter().enumerate() {
        let o = order(
            &format!("c{i}"),
            user,
            t(0, 10) + Duration::minutes(10 * i as i64),
            "50.00",
            "card-x",
            "张三",
            "深圳市",
        );
        assert_eq!(s.apply(&placed(&format!("pc{i}"), o)), Applied::Applied);
    }
    let first = order("new-1", "u-new", t(0, 11), "50.00", "card-x", "李四", "深圳市");
    let ctx = s.context_for(&first, t(0, 11), UtcOffset::china());
    let card = ctx.entity(EntityType::PaymentInstrument).unwrap();
    assert_eq!(card.buyers.len(), 3);
    assert_eq!(card.orders_since(t(0, 0)), 3);
    let a = Engine::default().evaluate(&first, &ctx);
    assert!(a.has_flag(ids::PAYMENT_INSTRUMENT_SHARED), "{:?}", a.flags());
    // Once applied, the order is not its own history.
    s.apply(&placed("p-new", first.clone()));
    let again = s.context_for(&first, t(0, 11), UtcOffset::china());
    assert_eq!(again.entity(EntityType::PaymentInstrument).unwrap().orders_since(t(0, 0)), 3);
}

#[test]
fn a_first_order_sees_the_accounts_linked_through_its_own_device() {
    let mut s = InMemoryStore::new();
    for (i, user) in ["u-a", "u-b", "u-c"].iter().enumerate() {
        let mut o = order(
            &format!("d{i}"),
            user,
            t(0, 10) + Duration::minutes(i as i64),
            "30.00",
            &format!("card-{i}"),
            "张三",
            "深圳市",
        );
        o.client.as_mut().unwrap().device_id = Some("shared-phone".into());
        s.apply(&placed(&format!("pd{i}"), o));
    }
    let mut first = order("new-1", "u-new", t(0, 11), "30.00", "card-new", "李四", "深圳市");
    first.client.as_mut().unwrap().device_id = Some("shared-phone".into());
    let ctx = s.context_for(&first, t(0, 11), UtcOffset::china());
    let linked: Vec<&str> = ctx.user.as_ref().unwrap().linked_accounts.iter().map(|a| &*a.user_id).collect();
    assert_eq!(linked, ["u-a", "u-b", "u-c"]);
    assert!(!ctx.user.as_ref().unwrap().has_history(), "links are not history");
    let a = Engine::default().evaluate(&first, &ctx);
    assert!(a.has_flag(ids::BEHAVIOR_MULTI_ACCOUNT), "{:?}", a.flags());
}

#[test]
fn products_keep_units_by_hour_and_day_stock_and_the_usual_quantity() {
    let mut s = InMemoryStore::new();
    for i in 0..5 {
        let mut o = order(&format!("q{i}"), "u-1", t(0, 10) + Duration::minutes(i), "10.00", "c", "张三", "深圳市");
        o.items[0].quantity = if i == 4 { 9 } else { 2 };
        s.apply(&placed(&format!("pq{i}"), o));
    }
    s.apply(&ev(
        "stock",
        t(0, 10) + Duration::minutes(6),
        EventKind::StockLevel { product_id: "p-1".into(), units: 40 },
    ));
    let p = s.product_profile("p-1").unwrap();
    assert_eq!(p.hourly_units.iter().map(|b| b.units).sum::<u64>(), 17);
    assert_eq!(p.daily_units.iter().map(|b| b.units).sum::<u64>(), 17);
    assert_eq!((p.stock, p.median_quantity), (Some(40), Some(2)));
}

#[test]
fn a_high_quantity_is_told_from_twenty_lines_at_the_99th_percentile() {
    let mut s = InMemoryStore::new();
    let add = |s: &mut InMemoryStore, i: u32, quantity: i64| {
        let mut o =
            order(&format!("h{i}"), "u-1", t(0, 10) + Duration::seconds(i.into()), "10.00", "c", "张三", "深圳市");
        o.items[0].quantity = quantity;
        s.apply(&placed(&format!("ph{i}"), o));
    };
    for i in 0..19 {
        add(&mut s, i, 2);
    }
    assert_eq!(s.product_profile("p-1").unwrap().high_quantity, None, "19 lines");
    add(&mut s, 19, 2);
    assert_eq!(s.product_profile("p-1").unwrap().high_quantity, Some(2), "20 lines");
    // 99 lines of 2 and one of 40: the 99th percentile is 2; one more of
    // 40 and it is 40's bin (32 < 40 <= 64).
    for i in 20..99 {
        add(&mut s, i, 2);
    }
    add(&mut s, 99, 40);
    assert_eq!(s.product_profile("p-1").unwrap().high_quantity, Some(2), "100 lines");
    add(&mut s, 100, 40);
    let p = s.product_profile("p-1").unwrap();
    assert_eq!((p.high_quantity, p.median_quantity), (Some(64), Some(2)), "101 lines");
}

#[test]
fn a_product_s_orders_at_this_hour_are_kept_for_each_day_of_the_week_before() {
    let mut s = InMemoryStore::new();
    let mut n = 0;
    // Day d at 10:xx: d orders (none on day 0), and one at 03:00 every day.
    for day in 0..9 {
        for k in 0..day {
            n += 1;
            let at = t(day, 10) + Duration::minutes(k);
            s.apply(&placed(
                &format!("p{n}"),
                order(&format!("o{n}"), &format!("u-{n}"), at, "10.00", "c", "张三", "深圳市"),
            ));
        }
        n += 1;
        let night = t(day, 3);
        s.apply(&placed(
            &format!("p{n}"),
            order(&format!("o{n}"), &format!("u-{n}"), night, "10.00", "c", "张三", "深圳市"),
        ));
    }
    // At 11:30 on day 8: 10:00-11:59 of day 8 (its 8 orders), then of days 7..1.
    let probe = order("probe", "u-probe", t(8, 11) + Duration::minutes(30), "10.00", "c", "张三", "深圳市");
    let ctx = s.context_for(&probe, probe.created_at, UtcOffset::china());
    assert_eq!(ctx.products.get("p-1").map(|p| p.hour_orders.clone()), Some(vec![8, 7, 6, 5, 4, 3, 2, 1]));
    // The order being judged is not its own history.
    s.apply(&placed("p-probe", probe.clone()));
    let ctx = s.context_for(&probe, probe.created_at, UtcOffset::china());
    assert_eq!(ctx.products.get("p-1").map(|p| p.hour_orders[0]), Some(8));
    // A product first seen two days before: three entries (a history's
    // store: one order a day is no clock running ahead).
    let mut s = InMemoryStore::for_history();
    for day in 0..3 {
        s.apply(&placed(
            &format!("y{day}"),
            order(&format!("y{day}"), "u-y", t(day, 10), "10.00", "c", "张三", "深圳市"),
        ));
    }
    let ctx = s.context_for(&order("z", "u-z", t(2, 10), "10.00", "c", "张三", "深圳市"), t(2, 10), UtcOffset::china());
    assert_eq!(ctx.products.get("p-1").map(|p| p.hour_orders.clone()), Some(vec![1, 1, 1]));
}

#[test]
fn a_product_on_several_lines_is_profiled_once_without_this_orders_units() {
    // Short orders are sorted where they stand, long ones (over 16 lines) in
    // a vector: both paths.
    for lines in [2usize, 40] {
        let mut s = InMemoryStore::new();
        let mut before = order("r0", "u-1", t(0, 10), "10.00", "c", "张三", "深圳市");
        before.items[0].quantity = 4;
        s.apply(&placed("pr0", before));
        let mut o = order("r1", "u-1", t(0, 10) + Duration::minutes(5), "10.00", "c", "张三", "深圳市");
        let line = o.items[0].clone();
        o.items = (0..lines)
            .map(|i| {
                let mut l = line.clone();
                l.product_id = if i % 2 == 0 { "p-1".into() } else { format!("p-other-{}", i % 3) };
                l.quantity = 3;
                l
            })
            .collect();
        s.apply(&placed("pr1", o.clone()));
        let ctx = s.context_for(&o, o.created_at, UtcOffset::china());
        let units = |id: &str| ctx.products.get(id).map(|p| p.hourly_units.iter().map(|b| b.units).sum::<u64>());
        // Only the earlier order's 4 units: this order's own are taken back out.
        assert_eq!(units("p-1"), Some(4), "{lines} lines");
        assert_eq!(units("p-other-1"), Some(0), "{lines} lines");
        assert_eq!(ctx.products.len(), if lines == 2 { 2 } else { 4 });
        // One order, however many of its lines name the product; this one
        // taken back out.
        assert_eq!(ctx.products.get("p-1").map(|p| p.hour_orders.clone()), Some(vec![1]), "{lines} lines");
        let later = order("r2", "u-2", t(0, 10) + Duration::minutes(9), "10.00", "c", "李四", "深圳市");
        let ctx = s.context_for(&later, later.created_at, UtcOffset::china());
        assert_eq!(ctx.products.get("p-1").map(|p| p.hour_orders.clone()), Some(vec![2]), "{lines} lines");
        assert_eq!(s.product_profile("p-1").map(|p| p.orders), Some(1 + lines.div_ceil(2) as u32));
    }
}

#[test]
fn a_restored_snapshot_builds_the_same_contexts() {
    // Linked accounts are gathered by the address of the store's one copy of
    // each id; a restored store holds a copy per record that names it.
    let mut events = Vec::new();
    for (i, user) in ["u-a", "u-b", "u-c", "u-d"].into_iter().enumerate() {
        let mut o = order(&format!("s{i}"), user, t(0, 10 + i as i64), "99.00", &format!("card-{i}"), "甲", "深圳市");
        o.client.as_mut().unwrap().device_id = Some("shared-phone".into());
        o.items[0].category = Some(format!("类{}", i % 2));
        events.push(placed(&format!("ps{i}"), o));
    }
    let mut next = order("s9", "u-a", t(0, 20), "99.00", "card-1", "甲", "深圳市");
    next.client.as_mut().unwrap().device_id = Some("shared-phone".into());
    events.push(placed("ps9", next.clone()));
    let s = folded(&events);
    let back: InMemoryStore = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    let ctx = s.context_for(&next, next.created_at, UtcOffset::china());
    let linked: Vec<_> = ctx.user.as_ref().unwrap().linked_accounts.iter().map(|l| &*l.user_id).collect();
    assert_eq!(linked, ["u-b", "u-c", "u-d"]);
    assert_eq!(back.context_for(&next, next.created_at, UtcOffset::china()), ctx);
}

#[test]
fn what_is_kept_per_entity_is_bounded_however_many_events_arrive() {
    // One card, a million orders in a day from ever new accounts: the card's
    // profile keeps at most 32 buyers and 48 + 30 buckets.
    let mut s = InMemoryStore::for_history();
    let start = t(0, 0);
    for i in 0..20_000i64 {
        let o = order(
            &format!("m{i}"),
            &format!("buyer-{i}"),
            start + Duration::seconds(i * 4),
            "1.00",
            "card-m",
            "张三",
            "深圳市",
        );
        s.apply(&placed(&format!("pm{i}"), o));
    }
    let probe = order("probe", "u-probe", start + Duration::days(1), "1.00", "card-m", "张三", "深圳市");
    let ctx = s.context_for(&probe, start + Duration::days(1), UtcOffset::china());
    let card = ctx.entity(EntityType::PaymentInstrument).unwrap();
    assert_eq!(card.buyers.len(), 32);
    assert!(card.buyers_capped);
    assert!(card.hourly.len() <= 48 && card.daily.len() <= 30);
    assert_eq!(card.orders_since(start), 20_000);
}

#[test]
fn a_buyer_with_a_flood_of_events_in_one_day_stays_under_a_fixed_bound() {
    // Orders on ever new cards, logins from ever new places and devices,
    // address changes: the memory held after 90,000 events is about what it
    // is after 30,000 (entities and link keys capped at 2,000 here, at
    // 4,000,000 by default).
    let flood = |n: i64| -> Vec<Event> {
        (0..n)
            .map(|i| {
                let at = t(0, 0) + Duration::milliseconds(i * 2_000);
                match i % 3 {
                    0 => placed(
                        &format!("f{i}"),
                        order(
                            &format!("fo{i}"),
                            "flood",
                            at,
                            "1.00",
                            &format!("c{i}"),
                            &format!("名{i}"),
                            &format!("城{i}"),
                        ),
                    ),
                    1 => ev(
                        &format!("f{i}"),
                        at,
                        EventKind::Login {
                            user_id: "flood".into(),
                            location: Some(build!(Location { city: Some(format!("城{i}")) })),
                            device_id: Some(format!("d{i}")),
                        },
                    ),
                    _ => ev(
                        &format!("f{i}"),
                        at,
                        EventKind::AddressChanged {
                            user_id: "flood".into(),
                            address: build!(ShippingAddress { city: Some(format!("城{i}")) }),
                        },
                    ),
                }
            })
            .collect()
    };
    let held = |events: &[Event]| {
        let mut s = InMemoryStore::with_config(build!(StoreConfig { future_skew: None, max_entities: 2_000 }));
        for e in events {
            s.apply(e);
        }
        // What a copy allocates: the live data. (Table capacities depend on
        // the maps' random hash seeds, so bytes vary from run to run; the
        // number of allocations does not.)
        let mut copy = None;
        let info = allocation_counter::measure(|| copy = Some(s.clone()));
        ((info.count_current, info.bytes_current), s.orders(), s.user_profile("flood", None).unwrap())
    };
    let (small, _, _) = held(&flood(30_000));
    let (large, orders, p) = held(&flood(90_000));
    assert_eq!(orders, 1_000, "orders held for one buyer");
    assert_eq!(p.address_changes.len(), 1_000);
    assert!(p.payment_instruments.len() <= 16 && p.usual_locations.len() <= 16);
    // Live allocations stay put; bytes within the tables' seed-dependent slack.
    assert!(large.0 < small.0 * 11 / 10, "{small:?} after 30,000 events, {large:?} after 90,000");
    assert!(large.1 < small.1 * 2, "{small:?} after 30,000 events, {large:?} after 90,000");
}

#[test]
fn admits_says_what_apply_would_without_applying() {
    let mut s = InMemoryStore::new();
    let first = placed("a1", order("o1", "u-1", t(0, 10), "10.00", "c", "张三", "深圳市"));
    assert_eq!(s.admits(&first), Applied::Applied);
    assert_eq!(s.users(), 0, "nothing applied");
    s.apply(&first);
    let again = placed("a1", order("o9", "u-9", t(0, 10), "10.00", "c", "张三", "深圳市"));
    assert_eq!(s.admits(&again), Applied::Duplicate);
    let old = ev("old", t(0, 8), EventKind::Cancelled { order_id: "o1".into() });
    assert_eq!(s.admits(&old), Applied::TooLate);
    let ahead = ev("ahead", t(3, 0), EventKind::Cancelled { order_id: "o1".into() });
    assert_eq!(s.admits(&ahead), Applied::Held);
    assert_eq!(s.admits(&ev("x", t(0, 10), EventKind::Unknown)), Applied::Ignored);
    // None of it was counted.
    assert_eq!((s.too_late(), s.held(), s.ignored()), (0, 0, 0));
    for e in [&again, &old, &ahead] {
        assert_eq!(s.admits(e), s.clone().apply(e), "{}", e.id);
    }
}

#[test]
fn one_account_on_many_devices_adds_only_its_most_recent_links() {
    // 20,000 logins of one buyer, each on a new device: the buyer keeps its
    // 16 most recent devices, and the store links through those alone.
    let mut s = InMemoryStore::for_history();
    for i in 0..20_000 {
        let kind = EventKind::Login { user_id: "u-1".into(), location: None, device_id: Some(format!("dev-{i}")) };
        s.apply(&ev(&format!("l{i}"), t(0, 0) + Duration::seconds(i), kind));
    }
    // What the account holds: its record, the link keys and their expiry
    // queue (the event ids of the last hour are the store's, whoever sent them).
    let snapshot = serde_json::to_value(&s).unwrap();
    for part in ["users", "links", "link_expiry"] {
        let held = snapshot[part].to_string().len();
        assert!(held < 10_000, "{part}: {held} bytes held for one account's logins");
    }
    let on = |device: &str| {
        let mut o = order("o2", "u-2", t(0, 6), "10.00", "c", "李四", "北京市");
        o.client.as_mut().unwrap().device_id = Some(device.into());
        let ctx = s.context_for(&o, o.created_at, UtcOffset::china());
        ctx.user
            .map(|u| u.linked_accounts.iter().map(|a| a.user_id.to_string()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(on("dev-19999"), ["u-1"], "a recent device links");
    assert!(on("dev-0").is_empty(), "a device 20,000 logins ago no longer does");
}
