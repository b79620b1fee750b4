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
use crate::model::{ClientInfo, LineItem, Payment, Recipient, ShippingAddress};
use crate::time::UtcOffset;

/// Runs every check against fresh stores from `new_store`. `Err` lists each
/// check that failed and how.
pub fn check<S: ProfileStore>(mut new_store: impl FnMut() -> S) -> Result<(), Vec<String>> {
    let checks: [(&str, Check<S>); 7] = [
        ("a known history gives the hand-computed profile", known_history),
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
    expect("product profile", ctx.products.contains_key("p-1"), true)
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
