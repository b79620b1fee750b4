//! Evaluating a clean order allocates nothing: no string is built unless a
//! rule fires, no pattern or list is compiled per call, nothing is cloned.
//! Counting allocations is deterministic, so this is a test, not a bench.

#[path = "../benches/support/fixtures.rs"]
mod fixtures;

use order_anomaly::{BlockEntry, Engine, EntityKind, SharedLists};

// The `metrics` facade builds its keys on every call: the promise of no
// allocation holds without that feature (the README's `cargo test`).
#[test]
#[cfg_attr(feature = "metrics", ignore = "the metrics feature allocates its keys per evaluation")]
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
#[cfg_attr(feature = "metrics", ignore = "the metrics feature allocates its keys per evaluation")]
fn live_lists_add_no_allocation_to_a_clean_order() {
    // Entries that name other buyers: looked up on every evaluation, never hit.
    let live = SharedLists::default();
    live.update(|l| {
        l.add_block(BlockEntry::new(EntityKind::User, "u-other", "test"));
        l.add_block(BlockEntry::new(EntityKind::Phone, "13900000000", "test"));
    })
    .unwrap();
    let engine = Engine::builder().live_lists(live).build().unwrap();
    let r = fixtures::clean();
    let warm = engine.evaluate(&r.order, &r.context);
    assert!(warm.flags().is_empty(), "the fixture must be clean: {:?}", warm.flags());
    let info = allocation_counter::measure(|| {
        std::hint::black_box(engine.evaluate(&r.order, &r.context));
    });
    assert_eq!(info.count_total, 0, "allocated {} times ({} bytes)", info.count_total, info.bytes_total);
}

#[test]
#[cfg_attr(feature = "metrics", ignore = "the metrics feature allocates its keys per evaluation")]
fn a_flagged_order_allocates_only_its_flag_list() {
    let engine = Engine::default();
    let r = fixtures::flagged();
    let warm = engine.evaluate(&r.order, &r.context);
    assert!(warm.flags().len() >= 4, "the fixture fires several rules: {:?}", warm.flags());
    assert!(warm.skipped().is_empty(), "the fixture must skip nothing: {:?}", warm.skipped());
    let mut out = None;
    let info = allocation_counter::measure(|| {
        out = Some(engine.evaluate(&r.order, &r.context));
    });
    // The flags' messages and evidence are worded when read, not here.
    assert_eq!(
        info.count_total, 1,
        "evaluating a flagged order allocated {} times ({} bytes): only its flag list should",
        info.count_total, info.bytes_total
    );
    // Reading a reason words it (and allocates); the words are as before.
    let out = out.expect("evaluated");
    let en: Vec<&str> = out.flags().iter().map(|f| f.message().en.as_str()).collect();
    assert!(en.iter().all(|m| !m.is_empty()), "{en:?}");
    assert_eq!(out, warm);
}
