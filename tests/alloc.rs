//! Evaluating a clean order allocates nothing: no string is built unless a
//! rule fires, no pattern or list is compiled per call, nothing is cloned.
//! Counting allocations is deterministic, so this is a test, not a bench.

#[path = "../benches/support/fixtures.rs"]
mod fixtures;

use order_anomaly::Engine;

#[test]
fn a_clean_order_is_evaluated_without_allocating() {
    let engine = Engine::default();
    let r = fixtures::clean();
    // Warm up once: the regex engine fills its per-thread cache on first use.
    let warm = engine.evaluate(&r.order, &r.context);
    assert!(warm.flags().is_empty(), "the fixture must be clean: {:?}", warm.flags());
    assert!(warm.skipped().is_empty(), "the fixture must skip nothing: {:?}", warm.skipped());
    let mut out = None;
    let info = allocation_counter::measure(|| {
        out = Some(engine.evaluate(&r.order, &r.context));
    });
    assert_eq!(
        info.count_total, 0,
        "evaluating a clean order allocated {} times ({} bytes)",
        info.count_total, info.bytes_total
    );
    assert_eq!(out, Some(warm));
}

#[test]
fn a_flagged_order_allocates_only_for_its_flags() {
    let engine = Engine::default();
    let r = fixtures::flagged();
    let warm = engine.evaluate(&r.order, &r.context);
    let info = allocation_counter::measure(|| {
        std::hint::black_box(engine.evaluate(&r.order, &r.context));
    });
    assert!(info.count_total > 0);
    assert!(warm.flags().len() >= 4);
}
