//! The engine against hand-written Rust, side by side (issue #15's
//! yardstick). `cargo bench --bench handwritten`.
//!
//! A generated corpus of 20,000 orders (about half flagged, Chinese
//! addresses and phones), judged by six catalogue rules written by hand as
//! plainly as a shop would (`hand_written`), by the engine with only those
//! six rules (`engine_six_rules`), and by the default engine
//! (`engine_default`). The rules: `payment.large_amount`,
//! `payment.amount_spike`, `payment.amount_mismatch`, `contact.phone_invalid`,
//! `address.locker_without_unit`, `behavior.night_batch`. Before measuring,
//! it prints how many orders each flags, so a difference in what is
//! measured shows.

use std::hint::black_box;

use chrono::{Duration, Timelike};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use order_anomaly::model::{PastOrder, Payment, Recipient, ShippingAddress};
use order_anomaly::rules::address::LockerWithoutUnit;
use order_anomaly::rules::behavior::NightBatch;
use order_anomaly::rules::contact::PhoneInvalid;
use order_anomaly::rules::payment::{AmountMismatch, AmountSpike, LargeAmount};
use order_anomaly::{Engine, EngineBuilder, EvalContext, Order, UserProfile};
use rust_decimal::Decimal;

/// The corpus: order `i` carries anomaly `i % 12` if that is below 6.
fn corpus(n: usize) -> Vec<(Order, EvalContext)> {
    let now = "2026-03-10T12:00:00Z".parse().expect("a time");
    (0..n)
        .map(|i| {
            let kind = i % 12;
            let mut amount = Decimal::new(10_000 + (i as i64 % 300) * 100, 2); // 100.00 - 399.00
            let mut created = now - Duration::minutes(5);
            if kind == 0 {
                amount = Decimal::new(680_000, 2); // large
            }
            if kind == 1 {
                amount = Decimal::new(250_000, 2); // 2500 against an average of 200: a spike
            }
            let mut at = now;
            if kind == 5 {
                created = now - Duration::hours(17) - Duration::minutes(30); // 02:30 local (+08:00)
                at = created + Duration::minutes(5);
            }
            let mut recipient = Recipient::default();
            recipient.name = Some("张伟".into());
            recipient.phone = Some(if kind == 3 { "1380013".into() } else { format!("138{:08}", i % 100_000_000) });
            let mut shipping = ShippingAddress::default();
            shipping.country = Some("CN".into());
            shipping.province = Some("广东省".into());
            shipping.city = Some("深圳市".into());
            shipping.detail = Some(if kind == 4 {
                "丰巢快递柜代收".into()
            } else {
                format!("科技园路{}号A座{}室", i % 300, 100 + i % 900)
            });
            let mut order = Order::new(format!("SO-{i}"), format!("u{}", i % 997), created, amount)
                .with_currency("CNY")
                .with_payment(Payment::default().paid(amount, created + Duration::minutes(1)))
                .with_recipient(recipient)
                .with_shipping(shipping);
            if kind == 2 {
                if let Some(p) = order.payment.as_mut() {
                    p.paid_amount = Some(amount - Decimal::ONE);
                }
            }
            let mut user = UserProfile::new(order.user_id.clone());
            user.order_count = 10;
            user.total_spent = Decimal::from(2000);
            if kind == 5 {
                user.recent_orders = (1..=2)
                    .map(|m| {
                        PastOrder::new(format!("H-{i}-{m}"), created - Duration::minutes(10 * m), Decimal::from(100))
                    })
                    .collect();
            }
            (order, EvalContext::at(at).with_user(user))
        })
        .collect()
}

/// The six rules by hand: the thresholds of the catalogue, the data checks
/// a careful programmer would write, messages as static text.
fn hand_written(o: &Order, c: &EvalContext) -> (u32, u32) {
    let mut score = 0u32;
    let mut flags = 0u32;
    let mut fire = |points: u32| {
        score += points;
        flags += 1;
    };
    let amount = o.payable_amount;
    if amount >= Decimal::from(5000) {
        fire(20);
    }
    if let Some(u) = c.user.as_ref().filter(|u| u.order_count >= 1 && u.total_spent > Decimal::ZERO) {
        // amount >= 3 x total / count, by multiplication.
        if amount >= Decimal::from(500) && amount * Decimal::from(u.order_count) >= u.total_spent * Decimal::from(3) {
            fire(30);
        }
    }
    if let Some(p) = o.payment.as_ref().and_then(|p| p.paid_amount) {
        if p != amount {
            fire(60);
        }
    }
    if let Some(phone) = o.recipient.as_ref().and_then(|r| r.phone.as_deref()) {
        let mut digits = [0u8; 16];
        let mut n = 0;
        for b in phone.bytes().filter(u8::is_ascii_digit) {
            if n < digits.len() {
                digits[n] = b;
            }
            n += 1;
        }
        let d = &digits[..n.min(16)];
        let d = if d.starts_with(b"86") && n == 13 { &d[2..] } else { d };
        let mobile = d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]);
        if !mobile {
            fire(20);
        }
    }
    if let Some(detail) = o.shipping.as_ref().and_then(|s| s.detail.as_deref()) {
        const KEYWORDS: [&str; 4] = ["快递柜", "丰巢", "驿站", "代收点"];
        if let Some(at) = KEYWORDS.iter().filter_map(|k| detail.rfind(k).map(|i| i + k.len())).max() {
            if !detail[at..].bytes().any(|b| b.is_ascii_digit()) {
                fire(25);
            }
        }
    }
    let local = o.created_at + Duration::hours(8);
    if local.hour() < 6 {
        if let Some(u) = c.user.as_ref() {
            let from = c.now - Duration::hours(1);
            let n = 1 + u.recent_orders.iter().filter(|p| p.placed_at > from && p.placed_at <= c.now).count();
            if n >= 3 {
                fire(20);
            }
        }
    }
    (score.min(100), flags)
}

fn six_rules() -> Engine {
    EngineBuilder::empty()
        .rule(LargeAmount::default())
        .rule(AmountSpike::default())
        .rule(AmountMismatch::default())
        .rule(PhoneInvalid::default())
        .rule(LockerWithoutUnit::default())
        .rule(NightBatch::default())
        .build()
        .expect("six catalogue rules build")
}

fn compare(c: &mut Criterion) {
    let orders = corpus(20_000);
    let six = six_rules();
    let default = Engine::default();
    let flagged_by_hand = orders.iter().filter(|(o, x)| hand_written(o, x).1 > 0).count();
    let flagged_by_engine = orders.iter().filter(|(o, x)| !six.evaluate(o, x).flags().is_empty()).count();
    eprintln!(
        "handwritten: {} orders, flagged by hand {flagged_by_hand}, by the engine {flagged_by_engine}",
        orders.len()
    );
    let mut g = c.benchmark_group("handwritten");
    g.throughput(Throughput::Elements(orders.len() as u64));
    g.sample_size(20);
    g.bench_function("hand_written", |b| {
        b.iter_batched(
            || (),
            |()| orders.iter().map(|(o, x)| hand_written(black_box(o), black_box(x)).0).sum::<u32>(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("engine_six_rules", |b| {
        b.iter_batched(
            || (),
            |()| orders.iter().map(|(o, x)| u32::from(six.evaluate(black_box(o), black_box(x)).score())).sum::<u32>(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("engine_default", |b| {
        b.iter_batched(
            || (),
            |()| {
                orders.iter().map(|(o, x)| u32::from(default.evaluate(black_box(o), black_box(x)).score())).sum::<u32>()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
