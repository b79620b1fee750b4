#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assessment;
pub mod context;
pub mod engine;
pub mod lists;
pub mod model;
pub mod reference;
pub mod rule;
pub mod rules;
pub mod text;
pub mod time;

pub use assessment::{Assessment, Decision, Exemption, Flag, Skipped, Thresholds};
pub use context::EvalContext;
pub use engine::{BuildError, Engine, EngineBuilder, Problem, RuleInfo, RuleSettings};
pub use lists::{AllowEntry, BlockEntry, EntityKind, Lists};
pub use model::{Order, ProductProfile, UserProfile};
pub use rule::{Action, Category, Evidence, Finding, Input, Locale, Message, Outcome, Rule, RuleId, Severity};
pub use rules::ids;
pub use time::{UtcOffset, Window};
