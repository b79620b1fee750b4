//! What the engine tells a host's observability stack, behind the optional
//! `metrics` and `tracing` features; without them this module is empty and
//! evaluation costs nothing more.
//!
//! With `metrics`, through the [`metrics`](https://docs.rs/metrics) facade
//! (the host installs the exporter: Prometheus, StatsD, ...):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `order_anomaly_evaluations_total` | counter | `decision` |
//! | `order_anomaly_rule_hits_total` | counter | `rule` (counted flags) |
//! | `order_anomaly_rule_shadow_hits_total` | counter | `rule` (shadow flags) |
//! | `order_anomaly_rule_skips_total` | counter | `rule` |
//! | `order_anomaly_evaluation_seconds` | histogram | |
//!
//! With `tracing`, a `debug` span `order_anomaly.evaluate` per evaluation,
//! with the fields `order_id` and `decision`.

#[cfg(feature = "metrics")]
use crate::assessment::Assessment;

/// Records one evaluation's outcome and how long it took.
#[cfg(feature = "metrics")]
pub(crate) fn record(a: &Assessment, took: std::time::Duration) {
    metrics::counter!("order_anomaly_evaluations_total", "decision" => a.decision().as_str()).increment(1);
    for f in a.flags() {
        metrics::counter!("order_anomaly_rule_hits_total", "rule" => f.rule_id().as_str().to_owned()).increment(1);
    }
    for f in a.shadow_flags() {
        metrics::counter!("order_anomaly_rule_shadow_hits_total", "rule" => f.rule_id().as_str().to_owned())
            .increment(1);
    }
    for s in a.skipped() {
        metrics::counter!("order_anomaly_rule_skips_total", "rule" => s.rule_id.as_str().to_owned()).increment(1);
    }
    metrics::histogram!("order_anomaly_evaluation_seconds").record(took.as_secs_f64());
}
