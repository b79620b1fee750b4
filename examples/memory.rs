//! The heap the profile store holds: for one heavy buyer (three orders a
//! day) after one year and after two, and per entity profile.
//!
//! ```text
//! cargo run --release --example memory
//! ```

#[path = "../benches/support/history.rs"]
mod history;

use order_anomaly::profile::InMemoryStore;

/// What a copy of the store allocates: its live data, without the spare
/// capacity of its tables.
fn held(store: &InMemoryStore) -> i64 {
    let mut copy = None;
    let bytes = allocation_counter::measure(|| copy = Some(store.clone())).bytes_current;
    drop(copy);
    bytes
}

fn main() {
    for days in [365, 730] {
        let mut s = InMemoryStore::for_history();
        for e in history::heavy_buyer("heavy", days) {
            s.apply(&e);
        }
        println!("one heavy buyer after {days} days: {} bytes", held(&s));
    }
    // 10,000 one-order buyers, each with its own card, device, phone and
    // address: what a buyer and its entities cost.
    let mut s = InMemoryStore::for_history();
    for e in history::many_buyers(10_000, 10_000) {
        s.apply(&e);
    }
    let bytes = held(&s);
    println!("10,000 one-order buyers: {bytes} bytes, {} per buyer with its order and entities", bytes / 10_000);
}
