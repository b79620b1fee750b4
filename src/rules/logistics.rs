//! Logistics rules (物流异常).

use serde::{Deserialize, Serialize};

use super::{Checks, hours, ids};
use crate::rule::{Category, Finding, Input, Outcome, ParamIssue, Rule};
use crate::time::Window;

/// `logistics.stalled`: shipped, not delivered, and no tracking update for
/// longer than the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Stalled {
    /// Longest silence allowed (default 72 hours).
    pub max_idle: Window,
}

impl Default for Stalled {
    fn default() -> Self {
        Stalled { max_idle: Window::hours(72) }
    }
}

impl Rule for Stalled {
    fn id(&self) -> &str {
        ids::LOGISTICS_STALLED
    }
    fn params(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self).ok()
    }
    fn category(&self) -> Category {
        Category::Logistics
    }
    fn default_points(&self) -> u8 {
        20
    }
    fn validate(&self) -> Vec<ParamIssue> {
        Checks::default().window("max_idle", self.max_idle).done()
    }
    fn evaluate(&self, input: &Input<'_>) -> Outcome {
        let Some(l) = input.order().logistics.as_ref().filter(|l| l.shipped_at.is_some()) else {
            return Outcome::missing("logistics.shipped_at");
        };
        if l.delivered_at.is_some() {
            return Outcome::NotFired;
        }
        let Some(last) = l.last_activity() else {
            return Outcome::missing("logistics.shipped_at");
        };
        let idle = input.now().signed_duration_since(last);
        if idle <= self.max_idle.duration() {
            return Outcome::NotFired;
        }
        let h = hours(idle);
        let limit = hours(self.max_idle.duration());
        Outcome::Fired(
            Finding::new(
                ids::LOGISTICS_STALLED,
                format!("物流停滞：最后一次物流更新在 {h} 前（上限 {limit}）"),
                format!("logistics stalled: last tracking event {h} ago, limit {limit}"),
            )
            .evidence("hours_since_last_event", h, Some(limit)),
        )
    }
}
