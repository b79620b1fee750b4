//! Shared fixtures: a clean order from a buyer with an ordinary history.
#![allow(dead_code, unused_macros)]

/// A value of a `#[non_exhaustive]` type with `Default`, written like a
/// struct literal: `build!(LineItem { product_id: "p".into(), quantity: 2 })`
/// is the default with those fields set.
macro_rules! build {
    ($t:path { $($f:ident $(: $e:expr)?),* $(,)? }) => {{
        #[allow(unused_mut)]
        let mut v = <$t>::default();
        $( v.$f = build!(@value $f $($e)?); )*
        v
    }};
    (@value $f:ident $e:expr) => { $e };
    (@value $f:ident) => { $f };
}

use chrono::{DateTime, Duration, Utc};
use order_anomaly::model::*;
use order_anomaly::{Assessment, Engine, EvalContext, Order, UserProfile};
use rust_decimal::Decimal;

pub const NOW: &str = "2026-03-10T12:00:00Z";

pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

pub fn ago(d: Duration) -> DateTime<Utc> {
    now() - d
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A clean order placed five minutes ago and paid a minute after.
pub fn order() -> Order {
    let created = ago(Duration::minutes(5));
    build!(Order {
        id: "SO-1".into(),
        user_id: "u-1".into(),
        created_at: created,
        currency: "CNY".into(),
        items: vec![build!(LineItem {
            product_id: "p-tea".into(),
            category: Some("茶叶".into()),
            unit_price: dec("199.00"),
            quantity: 1,
            currency: None,
        })],
        items_total: Some(dec("199.00")),
        discount: Decimal::ZERO,
        shipping_fee: Decimal::ZERO,
        payable_amount: dec("199.00"),
        payment: Some(build!(Payment {
            method: Some("alipay".into()),
            instrument_id: Some("card-1111".into()),
            attempts: vec![
                PaymentAttempt::new(created + Duration::minutes(1), AttemptStatus::Succeeded)
                    .with_amount(dec("199.00"))
            ],
            paid_amount: Some(dec("199.00")),
            paid_at: Some(created + Duration::minutes(1)),
        })),
        shipping: Some(build!(ShippingAddress {
            country: Some("CN".into()),
            province: Some("广东省".into()),
            region_code: Some("440305".into()),
            city: Some("深圳市".into()),
            district: Some("南山区".into()),
            detail: Some("科技园路8号A座1201室".into()),
            postal_code: Some("518057".into()),
        })),
        recipient: Some(build!(Recipient { name: Some("张三".into()), phone: Some("13800138000".into()) })),
        buyer_note: None,
        client: Some(build!(ClientInfo {
            ip: Some("203.0.113.7".into()),
            location: Some(build!(Location {
                country: Some("CN".into()),
                region: Some("广东省".into()),
                city: Some("深圳市".into()),
            })),
            device_id: Some("dev-abcdef".into()),
        })),
        verification_calls: vec![],
        logistics: None,
        after_sales: vec![],
    })
}

/// A buyer with ten past orders of 200 on average, one card, one recipient,
/// deliveries to 广东, paying from 深圳.
pub fn profile() -> UserProfile {
    build!(UserProfile {
        user_id: "u-1".into(),
        order_count: 10,
        total_spent: dec("2000"),
        recent_orders: vec![build!(PastOrder {
            order_id: "SO-0".into(),
            placed_at: ago(Duration::days(20)),
            amount: dec("200"),
            cancelled_at: None,
            returned_at: None,
        })],
        payment_instruments: vec![KnownInstrument::new("card-1111", ago(Duration::days(300)), ago(Duration::days(20)))],
        recipient_names: vec!["张三".into()],
        destination_regions: vec!["广东省".into()],
        usual_locations: vec![build!(Location {
            country: Some("CN".into()),
            region: Some("广东省".into()),
            city: Some("深圳市".into()),
        })],
    })
}

/// [`order`] at another price: one line, item total, payable and paid amount.
pub fn priced(amount: &str) -> Order {
    let mut o = order();
    o.items[0].unit_price = dec(amount);
    o.items_total = Some(dec(amount));
    o.payable_amount = dec(amount);
    o.payment.as_mut().unwrap().paid_amount = Some(dec(amount));
    o
}

/// The order's entities (keyed as the store keys them) as an ordinary
/// buyer's: used by this buyer only, once, twenty days ago.
pub fn entities() -> Vec<EntityProfile> {
    let seen = ago(Duration::days(20));
    order_anomaly::profile::entity_keys(&order())
        .into_iter()
        .filter(|(kind, _)| !matches!(kind, EntityType::Ip | EntityType::Email))
        .map(|(kind, key)| {
            let mut e = EntityProfile::new(kind, key);
            e.first_seen = Some(seen);
            e.last_seen = Some(seen);
            e.daily = vec![Bucket::new(seen, 1, dec("200"))];
            e.buyers = vec![BuyerSeen::new("u-1", seen)];
            e
        })
        .collect()
}

pub fn ctx() -> EvalContext {
    entities().into_iter().fold(EvalContext::at(now()).with_user(profile()), EvalContext::with_entity)
}

pub fn eval(order: &Order, ctx: &EvalContext) -> Assessment {
    Engine::default().evaluate(order, ctx)
}

pub fn past(id: &str, placed: DateTime<Utc>) -> PastOrder {
    build!(PastOrder {
        order_id: id.into(),
        placed_at: placed,
        amount: dec("100"),
        cancelled_at: None,
        returned_at: None
    })
}

/// Asserts the rule fired (counted), and returns its flag.
#[track_caller]
pub fn assert_fires<'a>(a: &'a Assessment, id: &str) -> &'a order_anomaly::Flag {
    match a.flag(id) {
        Some(f) => f,
        None => panic!("{id} did not fire; flags: {:?}; skipped: {:?}", ids(a), a.skipped()),
    }
}

#[track_caller]
pub fn assert_quiet(a: &Assessment, id: &str) {
    assert!(!a.has_flag(id), "{id} fired: {:?}", a.flag(id));
    assert!(!a.was_skipped(id), "{id} was skipped: {:?}", a.skipped());
}

#[track_caller]
pub fn assert_skipped(a: &Assessment, id: &str) {
    assert!(!a.has_flag(id), "{id} fired");
    assert!(a.was_skipped(id), "{id} was not skipped; skipped: {:?}", a.skipped());
}

pub fn ids(a: &Assessment) -> Vec<&str> {
    a.flags().iter().map(|f| f.rule_id().as_str()).collect()
}

pub fn evidence<'a>(f: &'a order_anomaly::Flag, name: &str) -> &'a str {
    f.evidence()
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.observed.as_str())
        .unwrap_or_else(|| panic!("no evidence {name}"))
}
