//! Generated histories (heavy buyers, many buyers, the benched contexts):
//! shared by the profile bench, the memory example and the store's tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use order_anomaly::Order;
use order_anomaly::model::{ClientInfo, ComplaintType, LineItem, Location, Payment, Recipient, ShippingAddress};
use order_anomaly::profile::{Event, EventKind};
use rust_decimal::Decimal;

fn start() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().expect("a valid time")
}

/// `days` of a heavy buyer (`user`): three orders a day on rotating cards,
/// names, cities and devices, with payments, shipping, delivery, a
/// cancellation every 5th order, a return every 7th, a complaint every 11th,
/// an address change every 3rd day and a login a day.
pub fn heavy_buyer(user: &str, days: i64) -> Vec<Event> {
    let mut out = Vec::new();
    let mut n = 0u64;
    for d in 0..days {
        let day = start() + Duration::days(d);
        out.push(Event::new(
            format!("{user}-login-{d}"),
            day + Duration::hours(8),
            EventKind::Login {
                user_id: user.into(),
                location: Some(Location::city(format!("city-{}", d % 5))),
                device_id: Some(format!("dev-{}", d % 3)),
            },
        ));
        if d % 3 == 0 {
            let mut address = ShippingAddress::default();
            address.city = Some(format!("city-{}", d % 7));
            out.push(Event::new(
                format!("{user}-addr-{d}"),
                day + Duration::hours(9),
                EventKind::AddressChanged { user_id: user.into(), address },
            ));
        }
        for k in 0..3 {
            n += 1;
            let at = day + Duration::hours(10 + 3 * k);
            let id = format!("{user}-o{n}");
            let amount = Decimal::new(1000 + (n as i64 % 50) * 100, 2);
            let mut shipping = ShippingAddress::default();
            shipping.province = Some("广东省".into());
            shipping.city = Some(format!("city-{}", n % 7));
            shipping.detail = Some(format!("路{}号", n % 13));
            let mut recipient = Recipient::default();
            recipient.name = Some(format!("名{}", n % 4));
            recipient.phone = Some("13800138000".into());
            let mut client = ClientInfo::default();
            client.device_id = Some(format!("dev-{}", n % 3));
            let order = Order::new(id.clone(), user, at, amount)
                .with_currency("CNY")
                .with_item(LineItem::new(format!("p-{}", n % 40), amount, 1).with_category(format!("cat-{}", n % 6)))
                .with_payment(Payment::with_instrument(format!("card-{}", n % 9)))
                .with_shipping(shipping)
                .with_recipient(recipient)
                .with_client(client);
            let ev = |s: &str, at, kind| Event::new(format!("{id}-{s}"), at, kind);
            out.push(Event::placed(format!("{id}-placed"), order));
            let cancelled = n % 5 == 0;
            out.extend(fulfilment(&id, at, amount, cancelled, Duration::minutes(50)));
            if cancelled {
                continue;
            }
            if n % 7 == 0 {
                out.push(ev(
                    "return",
                    at + Duration::hours(2) + Duration::minutes(55),
                    EventKind::Returned { order_id: id.clone(), exchange: false, product_id: None },
                ));
            }
            if n % 11 == 0 {
                out.push(ev(
                    "complaint",
                    at + Duration::hours(2) + Duration::minutes(58),
                    EventKind::Complaint {
                        user_id: user.into(),
                        order_id: Some(id.clone()),
                        product_id: None,
                        complaint_type: ComplaintType::Quality,
                    },
                ));
            }
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

/// What follows order `id`, placed at `at`: its payment a minute later, then
/// its cancellation half an hour after placing (when `cancelled`) or its
/// shipping two hours after placing and its delivery `delivery` after that.
fn fulfilment(id: &str, at: DateTime<Utc>, amount: Decimal, cancelled: bool, delivery: Duration) -> Vec<Event> {
    let ev = |s: &str, at, kind| Event::new(format!("{id}-{s}"), at, kind);
    let order_id = || id.to_owned();
    let paid =
        ev("paid", at + Duration::minutes(1), EventKind::Paid { order_id: order_id(), amount, instrument_id: None });
    if cancelled {
        return vec![paid, ev("cancel", at + Duration::minutes(30), EventKind::Cancelled { order_id: order_id() })];
    }
    let shipped_at = at + Duration::hours(2);
    let shipped = EventKind::Shipped { order_id: order_id(), carrier: None, tracking_number: None };
    vec![
        paid,
        ev("ship", shipped_at, shipped),
        ev("deliver", shipped_at + delivery, EventKind::Delivered { order_id: order_id() }),
    ]
}

/// 20 heavy buyers over a year, in time order: they share devices, cards, a
/// phone and addresses, so each is linked to the 19 others.
pub fn linked_heavy_buyers() -> Vec<Event> {
    let mut events: Vec<Event> = (0..20).flat_map(|u| heavy_buyer(&format!("u{u}"), 365)).collect();
    events.sort_by_key(|e| e.at);
    events
}

/// The history and the order of the heavy context the profile bench times:
/// the last order of [`linked_heavy_buyers`], folded with the rest.
pub fn heavy_context() -> (Vec<Event>, Order) {
    let events = linked_heavy_buyers();
    let order = events.iter().rev().find_map(placed_order).expect("a heavy buyer places orders");
    (events, order)
}

/// The history and the order of the typical context the profile bench
/// times: a buyer's third order in a day among 10,000 buyers, judged before
/// it is folded.
pub fn typical_context() -> (Vec<Event>, Order) {
    let mut events = many_buyers(10_000, 30_000);
    let order = events.pop().as_ref().and_then(placed_order).expect("many_buyers places orders");
    (events, order)
}

/// The history and the order of the wide context the profile bench times:
/// a wholesale shop's 28-line order (the shape of the UCI Online Retail
/// orders) among 35 days of 40 such orders a day, from 500 buyers, whose
/// 300 best-selling products sell every day, several times in the last 48
/// hours. Judged before it is folded.
pub fn wide_context() -> (Vec<Event>, Order) {
    let order = |n: usize| {
        let day = n as i64 / 40;
        let at = start() + Duration::days(day) + Duration::hours(9) + Duration::minutes((n as i64 % 40) * 13);
        let lines = (0..28).map(|k| {
            let product = (n * 7 + k * 37) % 300;
            LineItem::new(format!("p-{product}"), Decimal::new(125 + product as i64, 2), 1 + (n + k) as i64 % 12)
        });
        let amount = Decimal::new(28 * 300, 2);
        let mut client = ClientInfo::default();
        client.location = Some(Location::city("London"));
        let base = Order::new(format!("w{n}"), format!("b{}", n % 500), at, amount).with_currency("GBP");
        lines.fold(base, Order::with_item).with_client(client)
    };
    let events = (0..35 * 40).map(|n| Event::placed(format!("e{n}"), order(n))).collect();
    (events, order(35 * 40))
}

/// The order an `order_placed` event places.
fn placed_order(e: &Event) -> Option<Order> {
    match &e.kind {
        EventKind::OrderPlaced { order } => Some(Order::clone(order)),
        _ => None,
    }
}

/// `orders` orders placed by `buyers` distinct buyers in turn, one every two
/// seconds, each with its own card, device, phone and address per buyer: a
/// stream for measuring how folding scales with the number of buyers.
pub fn many_buyers(buyers: usize, orders: usize) -> Vec<Event> {
    (0..orders)
        .map(|n| Event::placed(format!("e{n}"), order_of(n, buyers, start() + Duration::seconds(2 * n as i64))))
        .collect()
}

/// Order `n` of [`many_buyers`], placed at `at` by buyer `n % buyers`.
fn order_of(n: usize, buyers: usize, at: DateTime<Utc>) -> Order {
    let user = format!("b{}", n % buyers);
    let amount = Decimal::new(1000 + (n as i64 % 50) * 100, 2);
    let mut shipping = ShippingAddress::default();
    shipping.province = Some("广东省".into());
    shipping.city = Some("深圳市".into());
    shipping.detail = Some(format!("科技园路{}号", n % buyers));
    let mut recipient = Recipient::default();
    recipient.name = Some("张三".into());
    recipient.phone = Some(format!("138{:08}", n % buyers));
    let mut client = ClientInfo::default();
    client.device_id = Some(format!("dev-{user}"));
    Order::new(format!("o{n}"), user.as_str(), at, amount)
        .with_currency("CNY")
        .with_item(LineItem::new(format!("p-{}", n % 500), amount, 1).with_category(format!("cat-{}", n % 6)))
        .with_payment(Payment::with_instrument(format!("card-{user}")))
        .with_shipping(shipping)
        .with_recipient(recipient)
        .with_client(client)
}

/// The orders of [`many_buyers`] spread evenly over `days`, each with the
/// events of a real export: a login before every third, its payment, and
/// then a cancellation (every fifth) or its shipping and delivery. The same
/// events whatever the number of buyers, so that only that number differs.
pub fn many_buyers_mixed(buyers: usize, orders: usize, days: i64) -> Vec<Event> {
    let spacing = Duration::days(days).num_milliseconds() / orders.max(1) as i64;
    let mut out = Vec::with_capacity(orders * 9 / 2);
    for n in 0..orders {
        let at = start() + Duration::milliseconds(spacing * n as i64);
        let order = order_of(n, buyers, at);
        let (id, user) = (order.id.clone(), order.user_id.clone());
        let ev = |s: &str, at, kind| Event::new(format!("{id}-{s}"), at, kind);
        if n % 3 == 0 {
            let device_id = Some(format!("dev-{user}"));
            let kind = EventKind::Login { user_id: user.clone(), location: None, device_id };
            out.push(ev("login", at - Duration::minutes(5), kind));
        }
        let amount = order.payable_amount;
        out.push(Event::placed(format!("{id}-placed"), order));
        out.extend(fulfilment(&id, at, amount, n % 5 == 0, Duration::days(1)));
    }
    out.sort_by_key(|e| e.at);
    out
}
