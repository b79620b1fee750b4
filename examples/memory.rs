//! The heap the profile store holds: for one heavy buyer (three orders a
//! day) after one year and after two, and per entity profile; and what
//! building a context allocates, for the contexts `--bench profile` times.
//!
//! ```text
//! cargo run --release --example memory
//! ```

#[path = "../benches/support/history.rs"]
mod history;

use order_anomaly::UtcOffset;
use order_anomaly::profile::InMemoryStore;

/// The heap a store folded from `events` holds: everything is allocated and
/// freed inside one count, so what remains is the store (orders included,
/// which it shares with the events, and the spare capacity of its tables).
fn held(events: impl FnOnce() -> Vec<order_anomaly::profile::Event>) -> i64 {
    let mut kept = None;
    let bytes = allocation_counter::measure(|| {
        let mut s = InMemoryStore::for_history();
        for e in events() {
            s.apply(&e);
        }
        kept = Some(s);
    })
    .bytes_current;
    drop(kept);
    bytes
}

fn main() {
    // Warm up: the phone numbering plan compiles its patterns once, on first
    // use, and keeps them for the life of the process.
    held(|| history::heavy_buyer("warm-up", 1));
    for days in [365, 730] {
        println!("one heavy buyer after {days} days: {} bytes", held(|| history::heavy_buyer("heavy", days)));
    }
    // 10,000 one-order buyers, each with its own card, device, phone and
    // address: what a buyer and its entities cost.
    let bytes = held(|| history::many_buyers(10_000, 10_000));
    println!("10,000 one-order buyers: {bytes} bytes, {} per buyer with its order and entities", bytes / 10_000);

    // The contexts `profile/context_for` and `profile/context_for_typical`
    // time: a heavy buyer linked to 19 others, and a typical buyer.
    for (name, (events, order)) in [("heavy", history::heavy_context()), ("typical", history::typical_context())] {
        let mut s = InMemoryStore::for_history();
        for e in &events {
            s.apply(e);
        }
        let built = allocation_counter::measure(|| {
            drop(s.context_for(&order, order.created_at, UtcOffset::china()));
        });
        println!("context of a {name} buyer: {} allocations, {} bytes", built.count_total, built.bytes_total);
    }
}
