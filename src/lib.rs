#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Evaluation must be total: no panics outside tests (clippy.toml allows them there).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod assessment;
pub mod backtest;
pub mod config;
pub mod context;
pub mod engine;
pub mod lists;
pub mod model;
pub mod profile;
pub mod reference;
pub mod reload;
pub mod request;
pub mod review;
pub mod rule;
pub mod rules;
#[cfg(feature = "schema")]
pub mod schema;
pub mod text;
pub mod time;

pub use assessment::{Assessment, Decision, Exemption, Flag, Skipped, Thresholds};
pub use config::{ConfigError, ConfigProblem, RuleSet, RuleSetInfo};
pub use context::{EvalContext, Stage};
pub use engine::{BuildError, Engine, EngineBuilder, Problem, RuleInfo, RuleSettings};
pub use lists::{AllowEntry, BlockEntry, EntityKind, Lists};
pub use model::{Order, ProductProfile, UserProfile};
pub use reload::SharedEngine;
pub use request::{JsonError, Request};
pub use rule::{Action, Category, Evidence, Finding, Input, Locale, Message, Outcome, Rule, RuleId, Severity};
pub use rules::ids;
pub use time::{UtcOffset, Window};
