#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub, unnameable_types)]
// Evaluation must be total: no panics outside tests (clippy.toml allows them there).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![deny(clippy::string_slice, clippy::arithmetic_side_effects)]

// The modules form layers that only point down (README, "Architecture";
// `tests/layers.rs` keeps it so). Most are private: their public types are
// re-exported below, so a path is a promise only where a user needs it.
//
// Vocabulary, time, text and the order models: depend on nothing above.
mod divisions;
pub mod model;
mod num;
mod numbering;
mod reason;
mod text;
mod time;
mod vocab;
// Lists and reference data, then the evaluation context.
mod context;
mod lists;
mod reference;
// What evaluation produces, and the one-line request format.
mod assessment;
pub mod observe;
mod request;
// The rule trait, then the built-in rules.
mod rule;
pub mod rules;
// Rule sets as data, the engine, then loading rule-set files.
pub mod config;
mod engine;
mod ruleset;
// Around the engine: hot reload, the history side, review and backtests.
pub mod backtest;
pub mod profile;
mod reload;
pub mod review;
#[cfg(feature = "schema")]
pub mod schema;

pub use assessment::{Assessment, Decision, Exemption, Flag, RuleSetInfo, Skipped, Thresholds};
pub use config::{ConfigError, ConfigProblem, RuleSet};
pub use context::{EvalContext, History, Stage};
pub use engine::{BuildError, BuildProblem, Engine, EngineBuilder, EvalItem, RuleInfo, RuleSettings};
pub use lists::{AllowEntry, BlockEntry, EntityKind, ListProblem, Lists, SharedLists};
pub use model::{Order, ProductProfile, UserProfile};
pub use reference::{LockerMatch, ReferenceData, ReferenceError, Region};
pub use reload::SharedEngine;
pub use request::{EvalRequest, JsonError, parse_json};
pub use rule::{Finding, Input, Outcome, Rule};
pub use rules::ids;
pub use time::{ParseTimeError, TimeSpan, UtcOffset, Window};
pub use vocab::{Action, Category, Evidence, Locale, Message, ParamIssue, Personal, RuleId, Severity};

/// The former name of [`EvalRequest`].
#[deprecated(since = "0.2.0", note = "renamed to `EvalRequest`")]
pub type Request = EvalRequest;

/// The former name of [`BuildProblem`].
#[deprecated(since = "0.2.0", note = "renamed to `BuildProblem`")]
pub type Problem = BuildProblem;
