//! What the engine tells a host's metrics and traces (features `metrics`,
//! `tracing`), checked with a recorder and a subscriber of the test's own.
#![cfg(any(feature = "metrics", feature = "tracing"))]

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use order_anomaly::ids;

/// The large-amount scenario: `payment.large_amount` fires.
fn large() -> (order_anomaly::Order, order_anomaly::EvalContext) {
    let mut o = order();
    o.payable_amount = dec("9000");
    (o, ctx())
}

#[cfg(feature = "metrics")]
mod metrics_feature {
    use super::*;
    use metrics::{Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, SharedString, Unit};

    type Counts = Arc<Mutex<BTreeMap<String, u64>>>;

    /// Counters by `name{label=value,...}`, and the histogram's samples.
    #[derive(Default, Clone)]
    struct Capture {
        counts: Counts,
        seconds: Arc<Mutex<Vec<f64>>>,
    }

    struct Count(String, Counts);
    impl CounterFn for Count {
        fn increment(&self, v: u64) {
            *self.1.lock().unwrap().entry(self.0.clone()).or_default() += v;
        }
        fn absolute(&self, v: u64) {
            self.1.lock().unwrap().insert(self.0.clone(), v);
        }
    }

    struct Samples(Arc<Mutex<Vec<f64>>>);
    impl HistogramFn for Samples {
        fn record(&self, v: f64) {
            self.0.lock().unwrap().push(v);
        }
    }

    fn name(key: &Key) -> String {
        let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        format!("{}{{{}}}", key.name(), labels.join(","))
    }

    impl metrics::Recorder for Capture {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::new(Count(name(key), self.counts.clone())))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(Samples(self.seconds.clone())))
        }
    }

    #[test]
    fn each_evaluation_counts_its_decision_hits_skips_and_latency() {
        let capture = Capture::default();
        let engine = order_anomaly::Engine::default();
        let (o, c) = large();
        metrics::with_local_recorder(&capture, || {
            engine.evaluate(&o, &c);
            engine.evaluate(&order(), &ctx());
        });
        let counts = capture.counts.lock().unwrap();
        let total: u64 =
            counts.iter().filter(|(k, _)| k.starts_with("order_anomaly_evaluations_total")).map(|(_, v)| v).sum();
        assert_eq!(total, 2);
        assert_eq!(counts.get("order_anomaly_evaluations_total{decision=pass}"), Some(&1));
        let hit = format!("order_anomaly_rule_hits_total{{rule={}}}", ids::PAYMENT_LARGE_AMOUNT);
        assert_eq!(counts.get(&hit), Some(&1), "{counts:?}");
        assert!(counts.keys().any(|k| k.starts_with("order_anomaly_rule_skips_total{rule=")), "{counts:?}");
        let seconds = capture.seconds.lock().unwrap();
        assert_eq!(seconds.len(), 2);
        // A duration, not a timing: how long it took is the benches' business.
        assert!(seconds.iter().all(|s| s.is_finite() && *s >= 0.0), "{seconds:?}");
    }
}

#[cfg(feature = "tracing")]
mod tracing_feature {
    use super::*;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Subscriber};

    type Fields = Arc<Mutex<Vec<(String, String)>>>;

    /// Every span's name and every field recorded on it.
    #[derive(Default, Clone)]
    struct Spans(Fields);

    struct Visitor(Fields);
    impl Visit for Visitor {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.lock().unwrap().push((field.name().to_owned(), format!("{value:?}")));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.lock().unwrap().push((field.name().to_owned(), value.to_owned()));
        }
    }

    impl Subscriber for Spans {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            self.0.lock().unwrap().push(("span".into(), span.metadata().name().to_owned()));
            span.record(&mut Visitor(self.0.clone()));
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            values.record(&mut Visitor(self.0.clone()));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn each_evaluation_is_a_span_with_the_order_and_its_decision() {
        let spans = Spans::default();
        let engine = order_anomaly::Engine::default();
        let (o, c) = large();
        let a = tracing::subscriber::with_default(spans.clone(), || engine.evaluate(&o, &c));
        let fields = spans.0.lock().unwrap();
        let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("span").as_deref(), Some("order_anomaly.evaluate"));
        assert_eq!(get("order_id"), Some(o.id.clone()));
        assert_eq!(get("decision").as_deref(), Some(a.decision().as_str()));
    }
}
