//! The block-list rule (客户黑名单). Allow-list exemptions are applied by the
//! engine to whichever rules an entry names.

use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::lists::{Entity, EntityKind, blocked_in};
use crate::reason::{Fact, Text, facts};
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
        let shown = Fact::written(|w| match &entity {
            Entity::User(u) => w.write_str(u),
            Entity::Phone(k) => input.write_shown(Personal::Phone, k.as_str(), w),
            Entity::Address(a) => {
                let region = [a.province.as_deref(), a.city.as_deref(), a.district.as_deref()];
                region.into_iter().flatten().try_for_each(|part| w.write_str(part))?;
                a.detail.as_deref().map_or(Ok(()), |d| input.write_shown(Personal::AddressLine, d, w))
            }
            Entity::Device(d) => input.write_shown(Personal::Device, d, w),
            Entity::PaymentInstrument(p) => input.write_shown(Personal::Instrument, p, w),
        });
        let kind = entity.kind();
        Outcome::Fired(Finding::deferred(
            reason_code(kind),
            facts([kind.as_str().into(), shown, Fact::text(&entry.reason)]),
            |[kind, shown, reason, ..]| {
                Text::new(
                    format!("命中黑名单（{kind}: {shown}）：{reason}"),
                    format!("on the block list ({kind}: {shown}): {reason}"),
                )
                .evidence("entity", kind, None::<&str>)
                .evidence("value", shown, None::<&str>)
                .evidence("reason", reason, None::<&str>)
            },
        ))
    }
}

/// `list.blocked.` and the kind of entity that is listed.
fn reason_code(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "list.blocked.user",
        EntityKind::Phone => "list.blocked.phone",
        EntityKind::Address => "list.blocked.address",
        EntityKind::Device => "list.blocked.device",
        EntityKind::PaymentInstrument => "list.blocked.payment_instrument",
    }
}
