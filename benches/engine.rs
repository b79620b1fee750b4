//! Criterion benches of the evaluation path. `cargo bench --bench engine`.
//!
//! Group `evaluate`: `parse_json` (serde_json parse of one `score` input line,
//! the least work a host does per order), `clean`, `flagged` (5 rules fire),
//! `large_order` (100 lines), `many_rules` (defaults + 200 composites gated
//! on the payable amount; `_unindexed` without the engine's gate index,
//! `_1000` with 1000 of them, `_all_pass` on an order that passes every gate).
//! Group `batch`: 10,000 orders sequentially and, with `--features rayon`,
//! in parallel.
//! Group `scale`: inputs of attacker size against a linear baseline of the
//! same size: an order with 1 MB fields (evaluate vs parse its JSON), a
//! profile with 100,000 entries in each list (evaluate vs clone the
//! context), a rule set of 10,000 composites (load vs parse its JSON).

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

fn scale(c: &mut Criterion) {
    use chrono::Duration;
    use order_anomaly::model::{AddressChange, LinkKind, LinkedAccount, LinkedPurchase, PastOrder};
    let engine = Engine::default();
    let mut g = c.benchmark_group("scale");
    g.sample_size(10);

    // An order whose free-text fields hold 1 MB each.
    let mut big: EvalRequest = serde_json::from_str(fixtures::CLEAN_LINE).expect("parses");
    let mb = "地址 ".repeat(1 << 18);
    big.order.items[0].category = Some(mb.clone());
    big.order.buyer_note = Some(mb.clone());
    let s = big.order.shipping.as_mut().expect("shipping");
    s.detail = Some(mb.clone());
    s.city = Some(mb.clone());
    big.order.recipient.as_mut().expect("recipient").name = Some(mb.clone());
    big.order.client.as_mut().expect("client").device_id = Some(mb);
    let line = serde_json::to_string(&big).expect("serialises");
    g.throughput(Throughput::Bytes(line.len() as u64));
    g.bench_function("order_1mb_fields/parse_json", |b| {
        b.iter(|| serde_json::from_str::<EvalRequest>(black_box(&line)).expect("parses"))
    });
    g.bench_function("order_1mb_fields/evaluate", |b| {
        b.iter(|| engine.evaluate(black_box(&big.order), black_box(&big.context)))
    });

    // A buyer with 100,000 recent orders, address changes and linked accounts.
    let mut heavy: EvalRequest = serde_json::from_str(fixtures::CLEAN_LINE).expect("parses");
    let now = heavy.context.now;
    let user = heavy.context.user.as_mut().expect("user");
    let n = 100_000i64;
    user.recent_orders = (0..n)
        .map(|i| PastOrder::new(format!("H-{i}"), now - Duration::seconds(i * 25), "100".parse().expect("decimal")))
        .collect();
    user.address_changes = (0..n)
        .map(|i| AddressChange::new(now - Duration::seconds(i * 6), Some(format!("城市{}", i % 5000).into())))
        .collect();
    user.linked_accounts = (0..n)
        .map(|i| {
            let bought = vec![LinkedPurchase::new("茶叶", now - Duration::hours(1))];
            LinkedAccount::new(format!("u-{i}"), LinkKind::Device, bought)
        })
        .collect();
    g.throughput(Throughput::Elements(3 * n as u64));
    g.bench_function("profile_100k_entries/clone_context", |b| b.iter(|| black_box(&heavy.context).clone()));
    g.bench_function("profile_100k_entries/evaluate", |b| {
        b.iter(|| engine.evaluate(black_box(&heavy.order), black_box(&heavy.context)))
    });

    // A rule set of 10,000 composites.
    let composites: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"id":"custom.c{i}","when":{{"all":[{{"compare":{{"attribute":"payable_amount","op":">=","value":{i}}}}},{{"fired":"payment.large_amount"}}]}},"points":1,"message":{{"zh":"x","en":"x"}}}}"#
            )
        })
        .collect();
    let text = format!(r#"{{"name":"many","version":"1","composites":[{}]}}"#, composites.join(","));
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("ruleset_10k_composites/parse_json", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&text)).expect("parses"))
    });
    g.bench_function("ruleset_10k_composites/load", |b| {
        b.iter(|| Engine::from_config_str(black_box(&text)).expect("loads"))
    });
    g.finish();
}

criterion_group!(benches, evaluate, batch, scale);
criterion_main!(benches);
