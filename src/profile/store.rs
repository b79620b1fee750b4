//! The profile store's contract: what a store reads and writes, how it
//! fails, and the keys entities are linked by. [`InMemoryStore`] is the
//! crate's own store; a host with its own database implements
//! [`ProfileRead`] and [`ProfileWrite`] over it, and checks itself with
//! [`conformance`](super::conformance).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::events::Event;
use crate::context::{EvalContext, Stage};
use crate::model::{EntityType, LinkKind, Order, ProductProfile, UserProfile};
use crate::text::{PhoneKey, address_chars, folded};
use crate::time::UtcOffset;

#[cfg(doc)]
use super::memory::{InMemoryStore, StoreConfig};

/// What folding one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Applied {
    /// The event changed the profiles.
    Applied,
    /// An event with this id was applied before: nothing changed.
    Duplicate,
    /// The event is older than the lateness bound allows: refused.
    TooLate,
    /// An event of a type the store does not know: skipped and counted.
    Ignored,
    /// An event dated further ahead of the newest one than
    /// [`StoreConfig::future_skew`] allows: held, not applied, until other
    /// events confirm that time has moved on (see [`InMemoryStore`]).
    Held,
    /// The store is at one of its bounds (too many orders not yet placed):
    /// dropped and counted.
    Dropped,
}

/// Why a store could not answer.
///
/// `Unavailable` is not "nothing known": an OMS that treats a store timeout
/// as a new buyer would fire the no-history rules on trusted customers.
/// Judge such an order with [`ProfileRead::context_or_unavailable`], and the
/// engine records every rule that reads history as skipped ("profile store
/// unavailable") instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// What was asked for does not exist (an order the store never saw).
    #[error("{what} `{id}` not found in the profile store")]
    NotFound {
        /// What kind of thing (`order`).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The store could not answer (a timeout, a lost connection).
    #[error("profile store unavailable: {reason}")]
    Unavailable {
        /// Why, in the store's words.
        reason: String,
    },
}

impl StoreError {
    /// `what` `id` does not exist.
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound { what, id: id.into() }
    }
    /// The store could not answer, for `reason`.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        StoreError::Unavailable { reason: reason.into() }
    }
}

/// The read side of a profile store.
///
/// What a store keeps, keyed how, for an implementation over a database:
/// users by `user_id`, products by `product_id`, orders by `order_id`, and
/// links by the normalised device id, phone, address and payment instrument
/// (see [`link_keys`]). `order_placed` adds one to the user's order count and
/// spend, records the instrument (first and last use), recipient name,
/// destination region, session location, categories bought and link keys,
/// and one to each product's order count; every other event updates the
/// order it names (payment, cancellation, logistics, returns, calls) and,
/// for complaints and address changes, the user. Windowed facts (recent
/// orders, address changes, complaints, purchases, product fraud complaints)
/// are kept for the retention window; counters for ever. A buyer or product
/// never seen is `Ok(None)`, not an error.
pub trait ProfileRead {
    /// The buyer's profile as of now, without the order `exclude` (the one
    /// being judged), or `None` for a buyer never seen.
    fn user_profile(&self, user_id: &str, exclude: Option<&str>) -> Result<Option<UserProfile>, StoreError>;
    /// A product's profile, or `None` for a product never seen.
    fn product_profile(&self, product_id: &str) -> Result<Option<ProductProfile>, StoreError>;
    /// The order as the store knows it now (payments, logistics, after-sales
    /// and calls folded in), for assessing it at a later stage;
    /// [`StoreError::NotFound`] for an order it does not hold.
    fn order(&self, order_id: &str) -> Result<Order, StoreError>;
    /// The stage the order has reached, or `None` for an order it does not hold.
    fn stage(&self, order_id: &str) -> Result<Option<Stage>, StoreError>;

    /// The context to judge `order` in at `now`: the buyer's profile without
    /// this order, its products' profiles, and its stage. A store over a
    /// database overrides this to read everything in one round trip.
    fn context_for(&self, order: &Order, now: DateTime<Utc>, utc_offset: UtcOffset) -> Result<EvalContext, StoreError> {
        let mut ctx = EvalContext::at(now).with_utc_offset(utc_offset);
        ctx.user = self.user_profile(&order.user_id, Some(&order.id))?;
        for item in &order.items {
            if let Some(p) = self.product_profile(&item.product_id)? {
                ctx.products.insert(Arc::clone(&p.product_id), Box::new(p));
            }
        }
        ctx.stage = Some(self.stage(&order.id)?.unwrap_or(Stage::Placed));
        Ok(ctx)
    }

    /// [`ProfileRead::context_for`] for several orders at once (a store over
    /// a database overrides it to read them all in one round trip).
    fn contexts_for(
        &self,
        orders: &[&Order],
        now: DateTime<Utc>,
        utc_offset: UtcOffset,
    ) -> Vec<Result<EvalContext, StoreError>> {
        orders.iter().map(|o| self.context_for(o, now, utc_offset)).collect()
    }

    /// The context for `order`, or, when the store cannot answer, a context
    /// that says so ([`EvalContext::history_unavailable`]): the engine then
    /// skips every rule that reads history instead of judging the buyer new.
    fn context_or_unavailable(&self, order: &Order, now: DateTime<Utc>, utc_offset: UtcOffset) -> EvalContext {
        self.context_for(order, now, utc_offset)
            .unwrap_or_else(|_| EvalContext::at(now).with_utc_offset(utc_offset).history_unavailable())
    }
}

/// The write side of a profile store: folding events in. Implementations
/// apply an event id once (a redelivered event is
/// [`Applied::Duplicate`]), apply events up to a lateness bound out of order
/// with the same result as in order, and never let one event move their
/// clock far ahead (see [`InMemoryStore`] and [`StoreConfig`]).
pub trait ProfileWrite {
    /// Folds one event in.
    fn apply(&mut self, event: &Event) -> Result<Applied, StoreError>;

    /// Folds several events in, in order (a store over a database overrides
    /// it to write them in one round trip). Stops at the first error.
    fn apply_batch(&mut self, events: &[Event]) -> Result<Vec<Applied>, StoreError> {
        events.iter().map(|e| self.apply(e)).collect()
    }
}

/// A store that reads and writes: what the replay and backtest tools need.
pub trait ProfileStore: ProfileRead + ProfileWrite {}

impl<T: ProfileRead + ProfileWrite> ProfileStore for T {}

/// The entities an order names, each under its normalised key (as block
/// lists normalise values): the payment instrument, device, recipient phone,
/// shipping address, client IP and buyer email. Blank values name nothing.
/// A store keeps an [`EntityProfile`](crate::model::EntityProfile) under each.
pub fn entity_keys(order: &Order) -> Vec<(EntityType, String)> {
    EntityIds::of(order).iter().map(|(kind, id)| (kind, key_of(kind, id).to_owned())).collect()
}

/// The `kind:key` ids of an order's entities, written one after another in
/// one buffer: reading an order's entities costs one allocation, not one
/// per entity.
pub(crate) struct EntityIds {
    text: String,
    /// (kind, end of its id in `text`), in [`EntityType::ALL`]'s order.
    ends: [(EntityType, usize); EntityType::ALL.len()],
    len: usize,
}

impl EntityIds {
    /// The ids of `order`'s entities (blank values name nothing).
    pub(crate) fn of(order: &Order) -> Self {
        // Room for most orders' ids at once (it grows for longer ones).
        let mut ids =
            EntityIds { text: String::with_capacity(160), ends: [(EntityType::Ip, 0); EntityType::ALL.len()], len: 0 };
        let client = order.client.as_ref();
        ids.push(
            EntityType::PaymentInstrument,
            folded_into(order.payment.as_ref().and_then(|p| p.instrument_id.as_deref())),
        );
        ids.push(EntityType::Device, folded_into(client.and_then(|c| c.device_id.as_deref())));
        let phone = order.recipient.as_ref().and_then(|r| r.phone.as_deref()).and_then(PhoneKey::parse);
        ids.push(EntityType::Phone, |buf| buf.push_str(phone.as_ref().map_or("", |k| k.as_str())));
        let address = order.shipping.as_ref().filter(|a| a.detail.is_some());
        ids.push(EntityType::Address, |buf| {
            if let Some(a) = address {
                let parts = [a.province.as_deref(), a.city.as_deref(), a.district.as_deref(), a.detail.as_deref()];
                buf.extend(parts.into_iter().flatten().flat_map(address_chars));
            }
        });
        ids.push(EntityType::Ip, folded_into(client.and_then(|c| c.ip.as_deref())));
        ids.push(EntityType::Email, folded_into(client.and_then(|c| c.email.as_deref())));
        ids
    }

    /// Adds `kind:` and what `write` writes, unless it writes nothing.
    fn push(&mut self, kind: EntityType, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        self.text.push_str(kind.as_str());
        self.text.push(':');
        let prefix = self.text.len();
        write(&mut self.text);
        match self.ends.get_mut(self.len) {
            Some(end) if self.text.len() > prefix => {
                *end = (kind, self.text.len());
                self.len = self.len.saturating_add(1);
            }
            _ => self.text.truncate(start),
        }
    }

    /// Each entity's kind and `kind:key` id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (EntityType, &str)> + Clone {
        let ends = self.ends.get(..self.len).unwrap_or_default();
        let starts = std::iter::once(0).chain(ends.iter().map(|(_, end)| *end));
        ends.iter().zip(starts).map(|(&(kind, end), start)| (kind, self.text.get(start..end).unwrap_or_default()))
    }

    /// The ids that link accounts (card, device, phone, address), in id
    /// order.
    pub(crate) fn links(&self) -> impl Iterator<Item = &str> {
        // Four kinds link, each named once: sorted where they stand.
        let mut links = [""; 4];
        let mut n = 0usize;
        for ((_, id), link) in self.iter().filter(|(kind, _)| link_kind(*kind).is_some()).zip(links.iter_mut()) {
            *link = id;
            n = n.saturating_add(1);
        }
        if let Some(found) = links.get_mut(..n) {
            found.sort_unstable();
        }
        links.into_iter().take(n)
    }
}

/// What writes `value` [`folded`] (nothing for none): copied as it is when
/// it has nothing to fold (most ids are plain lower-case ASCII), a
/// character at a time if not.
fn folded_into(value: Option<&str>) -> impl FnOnce(&mut String) + '_ {
    move |buf| {
        let s = value.unwrap_or_default();
        if s.bytes().all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase()) {
            buf.push_str(s);
        } else {
            buf.extend(folded(s));
        }
    }
}

/// The key part of a `kind:key` id.
pub(crate) fn key_of(kind: EntityType, id: &str) -> &str {
    id.get(kind.as_str().len().saturating_add(1)..).unwrap_or_default()
}

/// The keys under which an order links its buyer to other accounts:
/// `device:…`, `phone:…`, `address:…`, `payment_instrument:…`: the ids of its
/// [`entity_keys`] of those four kinds.
pub fn link_keys(order: &Order) -> Vec<(LinkKind, String)> {
    EntityIds::of(order).iter().filter_map(|(kind, id)| Some((link_kind(kind)?, id.to_owned()))).collect()
}

/// How an entity of `kind` links accounts, for the four kinds that do.
pub(crate) fn link_kind(kind: EntityType) -> Option<LinkKind> {
    match kind {
        EntityType::Device => Some(LinkKind::Device),
        EntityType::Phone => Some(LinkKind::Phone),
        EntityType::Address => Some(LinkKind::Address),
        EntityType::PaymentInstrument => Some(LinkKind::PaymentInstrument),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_keys_are_folded_and_blank_values_name_nothing() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": "o1", "user_id": "u1", "created_at": "2026-03-10T11:54:00Z",
            "items": [], "items_total": "0", "payable_amount": "0",
            "payment": {"instrument_id": "Tok_ＡＢ 12"},
            "client": {"device_id": "dev-1", "ip": "  ", "email": "Buyer@Example.com"},
            "recipient": {"phone": "+86 138-0013-8000"},
            "shipping": {"province": "广东省", "city": "深圳市", "detail": "科技园 １２号, A座"}
        }))
        .expect("an order");
        let keys: Vec<(EntityType, String)> = entity_keys(&order);
        let want = [
            (EntityType::PaymentInstrument, "tok_ab12"),
            (EntityType::Device, "dev-1"),
            (EntityType::Phone, "13800138000"),
            (EntityType::Address, "广东省深圳市科技园12号a座"),
            (EntityType::Email, "buyer@example.com"),
        ];
        assert_eq!(keys, want.map(|(k, v)| (k, v.to_owned())));
        let ids = EntityIds::of(&order);
        let links: Vec<&str> = ids.links().collect();
        assert_eq!(
            links,
            ["address:广东省深圳市科技园12号a座", "device:dev-1", "payment_instrument:tok_ab12", "phone:13800138000"]
        );
    }
}
