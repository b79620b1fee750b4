//! Criterion benches of the profile store. `cargo bench --bench profile`.
//!
//! Group `profile`: `fold_events` (events folded per second: a year of a
//! heavy buyer's history for 20 buyers), `context_for` (assembling the
//! context of one order of a heavy buyer linked to 19 others) and
//! `context_for_typical` (of a buyer with three orders) and
//! `context_for_wide` (a wholesale order of 28 lines, each of a product that
//! sells daily: the shape of UCI Online Retail). Group `profile_scale`: the same million orders
//! from 1,000 buyers and from 1,000,000 (placements only: the worst case).
//! Group `profile_scale_mixed`: a million orders with the event mix of a
//! real export over 330 days, from 1,000 buyers and from 1,000,000. The heap the store holds is
//! measured by `cargo run --release --example memory` (counting allocations
//! would slow these benches down).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use order_anomaly::UtcOffset;
use order_anomaly::profile::InMemoryStore;
use std::hint::black_box;

#[path = "support/history.rs"]
mod history;

fn profile(c: &mut Criterion) {
    let sorted = history::linked_heavy_buyers();
    let mut g = c.benchmark_group("profile");
    g.throughput(Throughput::Elements(sorted.len() as u64));
    g.sample_size(10);
    g.bench_function("fold_events", |b| {
        b.iter_batched(
            InMemoryStore::for_history,
            |mut s| {
                for e in &sorted {
                    s.apply(e);
                }
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // How folding scales with the number of buyers: the same 1,000,000
    // orders from 1,000 buyers and from 1,000,000, placements only (the
    // worst case).
    fold_by_buyers(c, "profile_scale", |buyers| history::many_buyers(buyers, 1_000_000));
    // The same, with the event mix of a real export (payments, shipping,
    // delivery, cancellations, logins: about four and a half events per
    // order) spread over most of a year, so the store also forgets: a
    // million orders from 1,000 buyers (about 90 each within retention) and
    // from 1,000,000 (one each).
    fold_by_buyers(c, "profile_scale_mixed", |buyers| history::many_buyers_mixed(buyers, 1_000_000, 330));

    let mut g = c.benchmark_group("profile");
    // A heavy buyer linked to 19 others, a typical buyer (three orders in a
    // day among 10,000, with its card, device, phone and address profiles),
    // and a wholesale order of 28 lines of products that sell daily.
    for (name, (events, order)) in [
        ("context_for", history::heavy_context()),
        ("context_for_typical", history::typical_context()),
        ("context_for_wide", history::wide_context()),
    ] {
        let mut store = InMemoryStore::for_history();
        for e in &events {
            store.apply(e);
        }
        g.bench_function(name, |b| {
            b.iter(|| store.context_for(black_box(&order), order.created_at, UtcOffset::china()))
        });
    }
    g.finish();
}

/// Group `group`: folding `stream(buyers)` into an empty store, for 1,000
/// buyers and for 1,000,000.
fn fold_by_buyers(c: &mut Criterion, group: &str, stream: impl Fn(usize) -> Vec<order_anomaly::profile::Event>) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for (name, buyers) in [("fold_1m_orders_1k_buyers", 1_000), ("fold_1m_orders_1m_buyers", 1_000_000)] {
        let stream = stream(buyers);
        g.throughput(Throughput::Elements(stream.len() as u64));
        g.bench_function(name, |b| {
            b.iter_batched(
                InMemoryStore::for_history,
                |mut s| {
                    for e in &stream {
                        s.apply(e);
                    }
                    s
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, profile);
criterion_main!(benches);
