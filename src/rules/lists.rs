//! The block-list rule (客户黑名单). Allow-list exemptions are applied by the
//! engine to whichever rules an entry names.

use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::lists::{Entity, blocked_in};
use crate::rule::{Finding, Input, Outcome};
use crate::vocab::Personal;

builtin_rule! {
    /// `list.blocked`: the buyer, phone, address, device or payment account is on
    /// a block list (the engine's or the context's). Rejects the order.
    pub struct Blocked {
    }
    id: ids::LIST_BLOCKED, category: List, points: 100, action: Reject,
}

impl Logic for Blocked {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let lists = input.lists();
        if lists.iter().all(|l| l.block().is_empty()) {
            return Outcome::missing("block list");
        }
        let Some((entry, entity)) = blocked_in(lists, &input.order_entities(), input.now()) else {
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
