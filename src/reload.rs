//! Swapping a running engine for a newly loaded one without stopping evaluation.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::assessment::RuleSetInfo;
use crate::config::ConfigError;
use crate::engine::Engine;

/// An engine shared by evaluating threads and replaced by a reloading one.
///
/// Readers take a clone of the current engine (one reference-count
/// increment) and evaluate with it for as long as they like. The swap is
/// lock-free (`arc-swap`): readers never wait on a reload or on each other.
/// A reload builds the new engine before swapping it in, and a rule set with
/// problems leaves the running engine in place.
#[derive(Debug)]
pub struct SharedEngine {
    current: ArcSwap<Engine>,
}

impl SharedEngine {
    /// Shares `engine`.
    pub fn new(engine: Engine) -> Self {
        SharedEngine { current: ArcSwap::from_pointee(engine) }
    }

    /// The engine in force now.
    pub fn get(&self) -> Engine {
        Engine::clone(&self.current.load())
    }

    /// Replaces the engine.
    pub fn replace(&self, engine: Engine) {
        self.current.store(Arc::new(engine));
    }

    /// Loads a rule-set file and, if it is valid, puts it in force; returns
    /// the new rule set's identity. If it has problems, the running engine
    /// stays and the problems are returned.
    pub fn reload_from_path(&self, path: impl AsRef<Path>) -> Result<RuleSetInfo, ConfigError> {
        let engine = Engine::from_config_path(path)?;
        let info = engine.ruleset().clone();
        self.replace(engine);
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_keeps_the_running_engine() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules.json");
        let shared = SharedEngine::new(Engine::default());
        std::fs::write(&file, r#"{"name":"next","version":"2"}"#).unwrap();
        assert_eq!(shared.reload_from_path(&file).unwrap().name, "next");
        std::fs::write(&file, r#"{"name":"broken","version":"3","rules":{"payment.nope":{}}}"#).unwrap();
        let err = shared.reload_from_path(&file).unwrap_err();
        assert!(err.to_string().contains("unknown rule id `payment.nope`"));
        assert_eq!(shared.get().ruleset().name, "next");
    }
}
