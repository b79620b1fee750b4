//! Criterion benches of the evaluation path. `cargo bench --bench engine`.
//!
//! Group `evaluate`: `parse_json` (serde_json parse of one `score` input line,
//! the least work a host does per order), `clean`, `flagged` (5 rules fire),
//! `large_order` (100 lines), `many_rules` (defaults + 200 composites gated
//! on the payable amount; `_unindexed` without the engine's gate index,
//! `_1000` with 1000 of them, `_all_pass` on an order that passes every gate).
//! Group `batch`: 10,000 orders sequentially and, with `--features rayon`,
//! in parallel.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use order_anomaly::{Engine, EvalRequest};
use std::hint::black_box;

#[path = "support/fixtures.rs"]
mod fixtures;

fn evaluate(c: &mut Criterion) {
    let engine = Engine::default();
    let clean = fixtures::clean();
    let flagged = fixtures::flagged();
    let large = fixtures::large();
    let many = fixtures::many_rules(200);
    let many_plain = fixtures::many_rules_indexed(200, false);
    let many_1000 = fixtures::many_rules(1000);
    let big = fixtures::large(); // payable far above every tier: all 200 gates pass
    assert!(engine.evaluate(&clean.order, &clean.context).flags().is_empty());
    assert!(engine.evaluate(&clean.order, &clean.context).skipped().is_empty());
    let n = engine.evaluate(&flagged.order, &flagged.context).flags().len();
    assert!((4..=6).contains(&n), "flagged fires {n} rules");

    let mut g = c.benchmark_group("evaluate");
    g.bench_function("parse_json", |b| {
        b.iter(|| serde_json::from_str::<EvalRequest>(black_box(fixtures::CLEAN_LINE)).expect("parses"))
    });
    g.bench_function("clean", |b| b.iter(|| engine.evaluate(black_box(&clean.order), black_box(&clean.context))));
    g.bench_function("flagged", |b| b.iter(|| engine.evaluate(black_box(&flagged.order), black_box(&flagged.context))));
    g.bench_function("large_order", |b| b.iter(|| engine.evaluate(black_box(&large.order), black_box(&large.context))));
    g.bench_function("many_rules", |b| {
        b.iter(|| many.evaluate(black_box(&flagged.order), black_box(&flagged.context)))
    });
    g.bench_function("many_rules_unindexed", |b| {
        b.iter(|| many_plain.evaluate(black_box(&flagged.order), black_box(&flagged.context)))
    });
    g.bench_function("many_rules_1000", |b| {
        b.iter(|| many_1000.evaluate(black_box(&flagged.order), black_box(&flagged.context)))
    });
    g.bench_function("many_rules_all_pass", |b| {
        b.iter(|| many.evaluate(black_box(&big.order), black_box(&big.context)))
    });
    g.finish();
}

fn batch(c: &mut Criterion) {
    let engine = Engine::default();
    let items = fixtures::batch(10_000);
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(items.len() as u64));
    g.sample_size(10);
    g.bench_function("sequential_10k", |b| {
        b.iter_batched(|| (), |()| engine.evaluate_batch(&items), BatchSize::SmallInput)
    });
    #[cfg(feature = "rayon")]
    g.bench_function("parallel_10k", |b| {
        b.iter_batched(|| (), |()| engine.evaluate_par(&items), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, evaluate, batch);
criterion_main!(benches);
