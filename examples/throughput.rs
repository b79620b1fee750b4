//! Orders per second on one core and on all cores.
//!
//! ```text
//! cargo run --release --features rayon --example throughput [-- ORDERS]
//! ```
//!
//! Replicates the bundled sample (clean and flagged orders alike) to ORDERS
//! orders (default 200,000) with distinct ids, then evaluates them
//! sequentially with `Engine::evaluate_batch` and in parallel with
//! `Engine::evaluate_par`, and reports the best of three runs of each.

use std::time::Instant;

use order_anomaly::{Decision, Engine, EvalContext, EvalRequest, Order};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let sample: Vec<EvalRequest> = include_str!("data/orders.jsonl")
        .lines()
        .map(|l| EvalRequest::from_json(l).unwrap_or_else(|e| panic!("bundled sample: {e}")))
        .collect();
    let items: Vec<(Order, EvalContext)> = (0..n)
        .map(|i| {
            let r = &sample[i % sample.len()];
            let mut o = r.order.clone();
            o.id = format!("{}-{i}", o.id);
            (o, r.context.clone())
        })
        .collect();
    let engine = Engine::default();
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());

    // Best of three runs each, after a warm-up: one timed pass is at the
    // mercy of whatever else the machine is doing.
    let best = |f: &dyn Fn() -> Vec<order_anomaly::Assessment>| {
        let mut out = f();
        let mut fastest = std::time::Duration::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            out = f();
            fastest = fastest.min(start.elapsed());
        }
        (out, fastest)
    };
    let (seq, t1) = best(&|| engine.evaluate_batch(&items));
    let (par, tn) = best(&|| engine.evaluate_par(&items));

    assert_eq!(seq, par, "parallel results must equal sequential ones, in order");
    let held = seq.iter().filter(|a| a.decision() >= Decision::Hold).count();
    let rate = |d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!("{n} orders ({held} held or rejected)");
    println!("1 core:      {:>10.0} orders/s  ({:.1} ms)", rate(t1), t1.as_secs_f64() * 1e3);
    println!("{cores} cores:     {:>10.0} orders/s  ({:.1} ms)", rate(tn), tn.as_secs_f64() * 1e3);
}
