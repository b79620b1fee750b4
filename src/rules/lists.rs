//! The block-list rule (客户黑名单). Allow-list exemptions are applied by the
//! engine to whichever rules an entry names.

use serde::{Deserialize, Serialize};

use super::ids;
use crate::lists::{Entity, blocked_in};
use crate::rule::{Action, Category, Finding, Input, Outcome, Personal, Rule};

/// `list.blocked`: the buyer, phone, address, device or payment account is on
/// a block list (the engine's or the context's). Rejects the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Blocked {}

impl Rule for Blocked {
    fn id(&self) -> &str {
        ids::LIST_BLOCKED
    }
    fn params(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self).ok()
    }
    fn category(&self) -> Category {
        Category::List
    }
    fn default_points(&self) -> u8 {
        100
    }
    fn default_action(&self) -> Action {
        Action::Reject
    }
    fn evaluate(&self, input: &Input<'_>) -> Outcome {
        let lists = input.lists();
        if lists.iter().all(|l| l.block().is_empty()) {
            return Outcome::missing("block list");
        }
        let Some((entry, entity)) = blocked_in(lists, input.order(), input.now()) else {
            return Outcome::NotFired;
        };
        let shown = match entity {
            Entity::User(u) => u.to_owned(),
            Entity::Phone(k) => input.show(Personal::Phone, k.as_str()),
            Entity::Address(a) => {
                let region = [a.province.as_deref(), a.city.as_deref(), a.district.as_deref()];
                let mut s: String = region.into_iter().flatten().collect();
                if let Some(d) = a.detail.as_deref() {
                    s.push_str(&input.show(Personal::AddressLine, d));
                }
                s
            }
            Entity::Device(d) => input.show(Personal::Device, d),
            Entity::PaymentInstrument(p) => input.show(Personal::Instrument, p),
        };
        let kind = entity.kind().as_str();
        Outcome::Fired(
            Finding::new(
                format!("list.blocked.{kind}"),
                format!("命中黑名单（{kind}: {shown}）：{}", entry.reason),
                format!("on the block list ({kind}: {shown}): {}", entry.reason),
            )
            .evidence("entity", kind, None::<&str>)
            .evidence("value", shown, None::<&str>)
            .evidence("reason", &entry.reason, None::<&str>),
        )
    }
}
