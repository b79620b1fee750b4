//! Logistics rules (物流异常).

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::time::Window;
use crate::vocab::ParamIssue;

builtin_rule! {
    /// `logistics.stalled`: shipped, not delivered, and no tracking update for
    /// longer than the limit.
    pub struct Stalled {
        /// Longest silence allowed (default 72 hours).
        pub max_idle: Window = Window::hours(72),
    }
    id: ids::LOGISTICS_STALLED, category: Logistics, points: 20,
}

impl Logic for Stalled {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().window("max_idle", self.max_idle).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
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
        Outcome::Fired(Finding::deferred(
            ids::LOGISTICS_STALLED,
            facts([Fact::Hours(idle.num_minutes()), Fact::Hours(self.max_idle.duration().num_minutes())]),
            |[h, limit, ..]| {
                Text::new(
                    format!("物流停滞：最后一次物流更新在 {h} 前（上限 {limit}）"),
                    format!("logistics stalled: last tracking event {h} ago, limit {limit}"),
                )
                .evidence("hours_since_last_event", h, Some(limit))
            },
        ))
    }
}
