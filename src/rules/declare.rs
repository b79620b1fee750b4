//! How a built-in rule is declared. What every built-in rule has in common
//! (its parameters as a serde struct with defaults, its id, category, points
//! and action) is said once, in a [`builtin_rule!`] invocation; the rule's
//! file adds only what is its own: the parameter checks and the logic, as a
//! [`Logic`] impl.

use crate::rule::{Input, Outcome};
use crate::vocab::ParamIssue;

/// The part of a built-in rule that differs from rule to rule.
pub(crate) trait Logic {
    /// Problems with the parameters (none by default).
    fn check(&self) -> Vec<ParamIssue> {
        Vec::new()
    }
    /// Judges one order; see [`Rule::evaluate`](crate::Rule::evaluate).
    fn judge(&self, input: &Input<'_>) -> Outcome;
}

/// Declares a built-in rule's parameter struct and its [`Rule`](crate::Rule)
/// impl:
///
/// ```ignore
/// builtin_rule! {
///     /// `payment.large_amount`: ...
///     pub struct LargeAmount {
///         /// Amount that fires the rule (default 5000).
///         pub threshold: Decimal = Decimal::new(5000, 0),
///     }
///     id: ids::PAYMENT_LARGE_AMOUNT, category: Payment, points: 20,
/// }
/// ```
///
/// The struct is `#[non_exhaustive]` (a new parameter is no breaking change;
/// build one from `Default` and set fields), reads its parameters strictly
/// (`deny_unknown_fields`; absent ones keep their defaults) and writes them
/// back for [`Engine::config`](crate::Engine::config). `action` is optional
/// (default: the points only).
macro_rules! builtin_rule {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty = $default:expr ),* $(,)?
        }
        id: $id:expr, category: $category:ident, points: $points:expr $(, action: $action:ident)? $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(deny_unknown_fields, default)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::rule::Rule for $name {
            fn id(&self) -> &str {
                $id
            }
            fn category(&self) -> $crate::vocab::Category {
                $crate::vocab::Category::$category
            }
            fn default_points(&self) -> u8 {
                $points
            }
            fn default_action(&self) -> $crate::vocab::Action {
                builtin_rule!(@action $($action)?)
            }
            fn params(&self) -> Option<serde_json::Value> {
                serde_json::to_value(self).ok()
            }
            fn validate(&self) -> Vec<$crate::vocab::ParamIssue> {
                $crate::rules::declare::Logic::check(self)
            }
            fn evaluate(&self, input: &$crate::rule::Input<'_>) -> $crate::rule::Outcome {
                $crate::rules::declare::Logic::judge(self, input)
            }
        }
    };
    (@action) => { $crate::vocab::Action::Score };
    (@action $action:ident) => { $crate::vocab::Action::$action };
}

pub(crate) use builtin_rule;
