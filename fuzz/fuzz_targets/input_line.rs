//! One `score` input line: read (tolerant and strict), then evaluated.
//! Reading may refuse the line; nothing may panic, and a refusal names where.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use order_anomaly::{Engine, EvalRequest};

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::default);

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    for read in [EvalRequest::from_json, EvalRequest::from_json_strict] {
        match read(line) {
            Ok(r) => {
                let a = ENGINE.evaluate(&r.order, &r.context);
                assert!(a.score() <= 100);
                let _ = serde_json::to_string(&a);
            }
            Err(e) => assert!(!e.path.is_empty() || e.line > 0, "unnamed error: {e}"),
        }
    }
});
