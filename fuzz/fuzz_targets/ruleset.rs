//! One rule-set file, as JSON and as TOML: loading may refuse it, with every
//! problem named; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use order_anomaly::{Engine, RuleSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Engine::from_config_str(text) {
        assert!(!e.problems().is_empty());
    }
    let _ = RuleSet::from_toml(text, "fuzz.toml");
});
