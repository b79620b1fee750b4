//! The conformance suite every profile store passes: the same events in,
//! the same profiles and contexts out.
//!
//! A store over a host's own database runs it in its tests:
//!
//! ```
//! use order_anomaly::profile::{InMemoryStore, conformance};
//!
//! conformance::check(InMemoryStore::new).unwrap();
//! ```
//!
//! Each check starts from a fresh store from the factory and uses only the
//! [`ProfileRead`](super::ProfileRead) and [`ProfileWrite`](super::ProfileWrite) traits. The histories are dense (every
//! event within minutes of the last), so a store that holds events dated far
//! ahead applies them all at once.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use super::events::{Event, EventKind};
use super::store::{Applied, ProfileStore, StoreError};
use crate::context::Stage;
use crate::model::Order;
use crate::model::{
    AfterSale, AfterSaleKind, AttemptStatus, ClientInfo, ComplaintRecord, ComplaintType, EntityType, LineItem,
    LinkKind, Location, Payment, PaymentAttempt, Recipient, ShippingAddress, TrackingEvent, VerificationCall,
};
use crate::time::UtcOffset;

/// Runs every check against fresh stores from `new_store`. `Err` lists each
/// check that failed and how.
pub fn check<S: ProfileStore>(mut new_store: impl FnMut() -> S) -> Result<(), Vec<String>> {
    let checks: [(&str, Check<S>); 9] = [
        ("a known history gives the hand-computed profile", known_history),
        ("every kind of event folds to the hand-computed profiles", every_kind_in_time_order),
        ("every kind of event folds the same when it comes before the one it follows", every_kind_in_reverse),
        ("a redelivered event changes nothing", duplicates),
        ("events out of order within the lateness window give the same profile", out_of_order),
        ("an event older than the lateness window is refused", too_late),
        ("the context of an order leaves the order itself out", context_excludes_the_order),
        ("an order the store never saw is not found", unknown_order),
        ("buyers sharing a device are linked", shared_device),
    ];
    let failures: Vec<String> = checks
        .iter()
        .filter_map(|(name, run)| {
            let mut store = new_store();
            run(&mut store).err().map(|why| format!("{name}: {why}"))
        })
        .collect();
    if failures.is_empty() { Ok(()) } else { Err(failures) }
}

/// A time, in the tuples the checks compare.
type Time = DateTime<Utc>;

/// One check: `Err` says what differed.
type Check<S> = fn(&mut S) -> Result<(), String>;

/// `m` minutes after the histories' start (2024-10-04T00:00:00Z).
fn minutes(m: i64) -> DateTime<Utc> {
    let start = DateTime::<Utc>::UNIX_EPOCH.checked_add_signed(Duration::days(20_000));
    start.and_then(|t| t.checked_add_signed(Duration::minutes(m))).unwrap_or_default()
}

fn money(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn order(id: &str, user: &str, at: DateTime<Utc>, amount: &str, card: &str, device: &str) -> Order {
    let ship = ShippingAddress {
        province: Some("广东省".into()),
        city: Some("深圳市".into()),
        detail: Some(format!("科技园路{user}号")),
        ..ShippingAddress::default()
    };
    Order::new(id, user, at, money(amount))
        .with_item(LineItem::new("p-1", money(amount), 1).with_category("茶叶"))
        .with_payment(Payment::with_instrument(card))
        .with_shipping(ship)
        .with_recipient(Recipient { name: Some("张三".into()), ..Recipient::default() })
        .with_client(ClientInfo { device_id: Some(device.to_owned()), ..ClientInfo::default() })
}

fn placed(id: &str, o: Order) -> Event {
    Event::placed(id, o)
}

/// Three orders of one buyer in half an hour: one paid, one cancelled.
fn history() -> Vec<Event> {
    vec![
        placed("c1", order("o1", "u-1", minutes(0), "100.00", "card-a", "dev-1")),
        Event::new(
            "c2",
            minutes(2),
            EventKind::Paid { order_id: "o1".into(), amount: money("100.00"), instrument_id: None },
        ),
        placed("c3", order("o2", "u-1", minutes(10), "60.00", "card-b", "dev-1")),
        Event::new("c4", minutes(12), EventKind::Cancelled { order_id: "o2".into() }),
        placed("c5", order("o3", "u-1", minutes(20), "200.00", "card-a", "dev-1")),
    ]
}

fn fold<S: ProfileStore>(store: &mut S, events: &[Event]) -> Result<(), String> {
    for e in events {
        match store.apply(e) {
            Ok(Applied::Applied) => {}
            Ok(other) => return Err(format!("event `{}` gave {other:?}, expected Applied", e.id)),
            Err(err) => return Err(format!("event `{}`: {err}", e.id)),
        }
    }
    Ok(())
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: got {got:?}, expected {want:?}")) }
}

fn known_history<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(store, &history())?;
    let p = store.user_profile("u-1", None).map_err(|e| e.to_string())?.ok_or("no profile for u-1")?;
    expect("order count", p.order_count, 3)?;
    expect("total spent", p.total_spent, money("360.00"))?;
    let ids: Vec<&str> = p.recent_orders.iter().map(|o| &*o.order_id).collect();
    expect("recent orders", ids, vec!["o1", "o2", "o3"])?;
    expect("o2 cancelled at", p.recent_orders.get(1).and_then(|o| o.cancelled_at), Some(minutes(12)))?;
    let mut cards: Vec<&str> = p.payment_instruments.iter().map(|k| &*k.id).collect();
    cards.sort_unstable();
    expect("instruments", cards, vec!["card-a", "card-b"])?;
    expect("stage of o1", store.stage("o1").map_err(|e| e.to_string())?, Some(Stage::Paid))?;
    expect("stage of o2", store.stage("o2").map_err(|e| e.to_string())?, Some(Stage::Cancelled))?;
    let product = store.product_profile("p-1").map_err(|e| e.to_string())?.ok_or("no profile for p-1")?;
    expect("product orders", product.orders, 3)?;
    expect("a buyer never seen", store.user_profile("nobody", None).map_err(|e| e.to_string())?, None)
}

fn duplicates<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(store, &history())?;
    let before = store.user_profile("u-1", None).map_err(|e| e.to_string())?;
    for e in history().iter().rev().take(2) {
        let a = store.apply(e).map_err(|e| e.to_string())?;
        expect(&format!("redelivered `{}`", e.id), a, Applied::Duplicate)?;
    }
    expect("profile after redelivery", store.user_profile("u-1", None).map_err(|e| e.to_string())?, before)
}

fn out_of_order<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    let mut events = history();
    // Payment and cancellation before their orders, newest order first.
    events.reverse();
    fold(store, &events)?;
    let p = store.user_profile("u-1", None).map_err(|e| e.to_string())?.ok_or("no profile for u-1")?;
    expect("order count", p.order_count, 3)?;
    expect("total spent", p.total_spent, money("360.00"))?;
    expect("o2 cancelled at", p.recent_orders.get(1).and_then(|o| o.cancelled_at), Some(minutes(12)))?;
    expect("stage of o1", store.stage("o1").map_err(|e| e.to_string())?, Some(Stage::Paid))
}

fn too_late<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(store, &history())?;
    // Time moves on in steps of under an hour, as a live feed's would.
    let later: Vec<Event> = [50, 100, 150]
        .iter()
        .map(|m| {
            let kind = EventKind::Login { user_id: "u-2".into(), location: None, device_id: None };
            Event::new(format!("login-{m}"), minutes(*m), kind)
        })
        .collect();
    fold(store, &later)?;
    let old = Event::new("old", minutes(20), EventKind::Cancelled { order_id: "o1".into() });
    expect("an event two hours late", store.apply(&old).map_err(|e| e.to_string())?, Applied::TooLate)?;
    expect("stage of o1", store.stage("o1").map_err(|e| e.to_string())?, Some(Stage::Paid))
}

fn context_excludes_the_order<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(store, &history())?;
    let o3 = store.order("o3").map_err(|e| e.to_string())?;
    let ctx = store.context_for(&o3, minutes(25), UtcOffset::china()).map_err(|e| e.to_string())?;
    let p = ctx.user.ok_or("no profile in the context")?;
    expect("order count without o3", p.order_count, 2)?;
    expect("total spent without o3", p.total_spent, money("160.00"))?;
    expect("stage", ctx.stage, Some(Stage::Placed))?;
    expect("product profile", ctx.products.contains_key("p-1"), true)?;
    // o1's card (card-a) is history for o1 too, since o3 used it; o2's
    // card (card-b) only o2 used.
    let cards = |order: &str| -> Result<Vec<String>, String> {
        let o = store.order(order).map_err(|e| e.to_string())?;
        let ctx = store.context_for(&o, minutes(25), UtcOffset::china()).map_err(|e| e.to_string())?;
        let mut ids: Vec<String> =
            ctx.user.ok_or("no profile")?.payment_instruments.iter().map(|k| k.id.to_string()).collect();
        ids.sort_unstable();
        Ok(ids)
    };
    expect("instruments in o1's context", cards("o1")?, vec!["card-a".to_owned(), "card-b".to_owned()])?;
    expect("instruments in o2's context", cards("o2")?, vec!["card-a".to_owned()])
}

/// One event of every kind, about two buyers who share a device (one
/// through a login, the other through an order) and one product.
fn every_kind() -> Vec<Event> {
    let hangzhou = hangzhou_location;
    let login = |id: &str, m: i64, device: Option<&str>| {
        let kind = EventKind::Login {
            user_id: "u-1".into(),
            location: Some(hangzhou()),
            device_id: device.map(str::to_owned),
        };
        Event::new(id, minutes(m), kind)
    };
    let on = |order_id: &str| order_id.to_owned();
    vec![
        placed("k1", order("o1", "u-1", minutes(0), "100.00", "card-a", "dev-1")),
        Event::new("k2", minutes(1), EventKind::PaymentFailed { order_id: on("o1"), reason: AttemptStatus::Declined }),
        Event::new(
            "k3",
            minutes(2),
            EventKind::Paid { order_id: on("o1"), amount: money("100.00"), instrument_id: Some("card-z".into()) },
        ),
        Event::new("k4", minutes(3), EventKind::VerificationCall { order_id: on("o1"), answered: false }),
        Event::new(
            "k5",
            minutes(4),
            EventKind::Shipped {
                order_id: on("o1"),
                carrier: Some("SF".into()),
                tracking_number: Some("SF1001".into()),
            },
        ),
        Event::new(
            "k6",
            minutes(5),
            EventKind::TrackingUpdate { order_id: on("o1"), description: Some("到达杭州".into()) },
        ),
        Event::new("k7", minutes(6), EventKind::Delivered { order_id: on("o1") }),
        Event::new(
            "k8",
            minutes(7),
            EventKind::Returned { order_id: on("o1"), exchange: true, product_id: Some("p-1".into()) },
        ),
        Event::new(
            "k9",
            minutes(8),
            EventKind::Complaint {
                user_id: "u-1".into(),
                order_id: Some(on("o1")),
                product_id: Some("p-1".into()),
                complaint_type: ComplaintType::Fraud,
            },
        ),
        Event::new(
            "k10",
            minutes(9),
            EventKind::AddressChanged {
                user_id: "u-1".into(),
                address: ShippingAddress {
                    city: Some("杭州市".into()),
                    detail: Some("文三路1号".into()),
                    ..ShippingAddress::default()
                },
            },
        ),
        login("k11", 10, Some("dev-9")),
        placed("k12", order("o2", "u-2", minutes(11), "50.00", "card-b", "dev-9")),
        Event::new("k13", minutes(12), EventKind::ConfirmedAbnormal { order_id: on("o1") }),
        Event::new("k14", minutes(13), EventKind::StockLevel { product_id: "p-1".into(), units: 40 }),
        Event::new("k15", minutes(14), EventKind::Cancelled { order_id: on("o2") }),
        login("k16", 15, None),
        Event::new("k17", minutes(16), EventKind::StockLevel { product_id: "p-1".into(), units: 38 }),
    ]
}

fn every_kind_in_time_order<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    every_kind_folded(store, every_kind())
}

/// Each event before the one it follows (within the lateness window):
/// everything about an order before the order, the confirmation before the
/// order it names, the older stock level after the newer.
fn every_kind_in_reverse<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    let mut events = every_kind();
    events.reverse();
    every_kind_folded(store, events)
}

/// Folds `events` (the events of [`every_kind`] in some order, and one of a
/// type the store does not know) and checks every record they touched
/// against figures worked out by hand.
fn every_kind_folded<S: ProfileStore>(store: &mut S, events: Vec<Event>) -> Result<(), String> {
    let err = |e: StoreError| e.to_string();
    fold(store, &events)?;
    let unknown = Event::new("k18", minutes(17), EventKind::Unknown);
    expect("an event of an unknown type", store.apply(&unknown).map_err(err)?, Applied::Ignored)?;

    // The order, with everything that happened to it.
    let o1 = store.order("o1").map_err(err)?;
    let pay = o1.payment.as_ref().ok_or("o1 has no payment")?;
    expect("o1 attempts", pay.attempts.clone(), vec![PaymentAttempt::new(minutes(1), AttemptStatus::Declined)])?;
    expect("o1 paid", (pay.paid_at, pay.paid_amount), (Some(minutes(2)), Some(money("100.00"))))?;
    expect("o1 instrument (the payment's)", pay.instrument_id.as_deref(), Some("card-z"))?;
    let l = o1.logistics.as_ref().ok_or("o1 has no logistics")?;
    expect("o1 shipped", (l.shipped_at, l.carrier.as_deref()), (Some(minutes(4)), Some("SF")))?;
    expect("o1 tracking number", l.tracking_number.as_deref(), Some("SF1001"))?;
    let tracking = TrackingEvent { at: minutes(5), description: Some("到达杭州".into()), location: None };
    expect("o1 tracking", l.events.clone(), vec![tracking])?;
    expect("o1 delivered", l.delivered_at, Some(minutes(6)))?;
    let exchange = AfterSale { product_id: Some("p-1".into()), ..AfterSale::new(AfterSaleKind::Exchange, minutes(7)) };
    let complaint =
        AfterSale { product_id: Some("p-1".into()), ..AfterSale::complaint(ComplaintType::Fraud, minutes(8)) };
    expect("o1 after-sales", o1.after_sales.clone(), vec![exchange, complaint])?;
    expect("o1 calls", o1.verification_calls.clone(), vec![VerificationCall::new(minutes(3), false)])?;
    expect("stage of o1", store.stage("o1").map_err(err)?, Some(Stage::AfterSales))?;
    expect("stage of o2", store.stage("o2").map_err(err)?, Some(Stage::Cancelled))?;

    // The buyer who placed o1, changed address and logged in twice from
    // Hangzhou (once on the device u-2 ordered from).
    let p = store.user_profile("u-1", None).map_err(err)?.ok_or("no profile for u-1")?;
    expect("u-1 orders", (p.order_count, p.total_spent), (1, money("100.00")))?;
    let recent: Vec<(&str, Option<Time>, Option<Time>)> =
        p.recent_orders.iter().map(|o| (&*o.order_id, o.cancelled_at, o.returned_at)).collect();
    expect("u-1 recent orders", recent, vec![("o1", None, Some(minutes(7)))])?;
    let mut cards: Vec<(&str, DateTime<Utc>, DateTime<Utc>)> =
        p.payment_instruments.iter().map(|k| (&*k.id, k.first_seen, k.last_used)).collect();
    cards.sort_unstable();
    expect("u-1 instruments", cards, vec![("card-a", minutes(0), minutes(0)), ("card-z", minutes(2), minutes(2))])?;
    let complaint =
        ComplaintRecord { order_id: Some("o1".into()), ..ComplaintRecord::new(minutes(8), ComplaintType::Fraud) };
    expect("u-1 complaints", p.complaints.clone(), vec![complaint])?;
    let changes: Vec<(DateTime<Utc>, Option<&str>, Option<&str>)> =
        p.address_changes.iter().map(|c| (c.at, c.city.as_deref(), c.detail.as_deref())).collect();
    expect("u-1 address changes", changes, vec![(minutes(9), Some("杭州市"), Some("文三路1号"))])?;
    // Kept folded (case and width), as the rules compare them.
    let folded = Location { country: Some("cn".into()), ..hangzhou_location() };
    expect("u-1 usual locations (two logins)", p.usual_locations.clone(), vec![folded])?;
    let linked: Vec<(&str, LinkKind, Vec<&str>)> = p
        .linked_accounts
        .iter()
        .map(|a| (&*a.user_id, a.via, a.purchases.iter().map(|b| &*b.category).collect()))
        .collect();
    expect("accounts linked to u-1", linked, vec![("u-2", LinkKind::Device, vec!["茶叶"])])?;

    // The buyer of the cancelled o2, linked back through the login.
    let p = store.user_profile("u-2", None).map_err(err)?.ok_or("no profile for u-2")?;
    expect("u-2 orders", (p.order_count, p.total_spent), (1, money("50.00")))?;
    let recent: Vec<(&str, Option<DateTime<Utc>>)> =
        p.recent_orders.iter().map(|o| (&*o.order_id, o.cancelled_at)).collect();
    expect("u-2 recent orders", recent, vec![("o2", Some(minutes(14)))])?;
    let linked: Vec<(&str, LinkKind)> = p.linked_accounts.iter().map(|a| (&*a.user_id, a.via)).collect();
    expect("accounts linked to u-2", linked, vec![("u-1", LinkKind::Device)])?;

    // The product both orders bought.
    let product = store.product_profile("p-1").map_err(err)?.ok_or("no profile for p-1")?;
    expect("p-1 orders, abnormal", (product.orders, product.abnormal_orders), (2, 1))?;
    expect("p-1 fraud complaints", product.fraud_complaints.clone(), vec![minutes(8)])?;
    expect("p-1 stock (the latest level)", product.stock, Some(38))?;
    expect("p-1 category", product.category.as_deref(), Some("茶叶"))?;
    expect("p-1 usual quantity", product.median_quantity, Some(1))?;
    expect("p-1 high quantity (two lines: too few to tell)", product.high_quantity, None)?;
    expect("p-1 orders at this hour (first seen today)", product.hour_orders.clone(), vec![2])?;
    let hourly: Vec<(DateTime<Utc>, u64)> = product.hourly_units.iter().map(|b| (b.start, b.units)).collect();
    expect("p-1 units by hour", hourly, vec![(minutes(0), 2)])?;

    // A new order of u-1 on the shared device: its context.
    let o3 = order("o3", "u-1", minutes(20), "80.00", "card-a", "dev-9");
    let ctx = store.context_for(&o3, minutes(20), UtcOffset::china()).map_err(err)?;
    expect("context user", ctx.user.as_ref().map(|u| u.order_count), Some(1))?;
    expect("context stage", ctx.stage, Some(Stage::Placed))?;
    let p1 = ctx.products.get("p-1").ok_or("no p-1 in the context")?;
    expect("context p-1 orders, stock", (p1.orders, p1.stock), (2, Some(38)))?;
    let device = ctx.entity(EntityType::Device).ok_or("no device entity in the context")?;
    let buyers: Vec<&str> = device.buyers.iter().map(|b| &*b.user_id).collect();
    expect("buyers seen on dev-9", buyers, vec!["u-2"])?;
    let card = ctx.entity(EntityType::PaymentInstrument).ok_or("no card entity in the context")?;
    let buyers: Vec<&str> = card.buyers.iter().map(|b| &*b.user_id).collect();
    expect("buyers seen on card-a", buyers, vec!["u-1"])
}

fn hangzhou_location() -> Location {
    Location { country: Some("CN".into()), region: Some("浙江省".into()), city: Some("杭州市".into()) }
}

fn unknown_order<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(store, &history())?;
    match store.order("never") {
        Err(StoreError::NotFound { .. }) => Ok(()),
        other => Err(format!("got {other:?}, expected NotFound")),
    }
}

fn shared_device<S: ProfileStore>(store: &mut S) -> Result<(), String> {
    fold(
        store,
        &[
            placed("d1", order("a1", "u-a", minutes(0), "10.00", "card-x", "shared")),
            placed("d2", order("b1", "u-b", minutes(5), "10.00", "card-y", "shared")),
        ],
    )?;
    let p = store.user_profile("u-b", None).map_err(|e| e.to_string())?.ok_or("no profile for u-b")?;
    let linked: Vec<&str> = p.linked_accounts.iter().map(|a| &*a.user_id).collect();
    expect("accounts linked to u-b", linked, vec!["u-a"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::InMemoryStore;

    #[test]
    fn the_in_memory_store_conforms() {
        assert_eq!(check(InMemoryStore::new), Ok(()));
        assert_eq!(check(InMemoryStore::for_history), Ok(()));
    }
}
