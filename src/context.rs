//! What the engine knows besides the order: the time, the buyer, the products
//! and the lists.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lists::Lists;
use crate::model::{EntityProfile, EntityType, ProductProfile, UserProfile};
use crate::time::UtcOffset;

/// The evaluation context.
///
/// `now` is the evaluation's clock: windows end at it and nothing reads the
/// system clock, so the same order and context always give the same
/// assessment. The lists here are added to the engine's own lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct EvalContext {
    /// The time of the evaluation.
    pub now: DateTime<Utc>,
    /// The shop's local offset, for small hours and calendar days (default +08:00).
    #[serde(default)]
    pub utc_offset: UtcOffset,
    /// The buyer's profile; `None` for a buyer with no history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserProfile>,
    /// Profiles of the order's products, by product id. Boxed, so that a
    /// node of the map stays small (a few hundred bytes, not two kilobytes)
    /// however large a profile grows; insert with `profile.into()` or
    /// [`EvalContext::with_product`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub products: BTreeMap<Arc<str>, Box<ProductProfile>>,
    /// Profiles of the order's entities (its card, device, phone, address,
    /// IP, email), without this order; one per entity the order names, with
    /// empty counts for one never seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityProfile>,
    /// The stage of the order's life at which it is assessed, reported on
    /// the assessment (logistics and after-sales rules only have data later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// Block, allow and fraud-number lists for this evaluation.
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub lists: Lists,
    /// Whether the profiles above are what the history holds, or the
    /// profile store could not answer. When it could not, every rule that
    /// reads a profile is recorded as skipped ("profile store unavailable"),
    /// so no rule mistakes a store outage for a buyer without history.
    #[serde(default, skip_serializing_if = "History::is_known")]
    pub history: History,
}

/// Whether the context's profiles are known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum History {
    /// The profiles are what the store holds (absent ones: never seen).
    #[default]
    Known,
    /// The profile store could not answer: absent profiles are unknown.
    Unavailable,
}

impl History {
    /// Whether the profiles are known.
    pub fn is_known(&self) -> bool {
        *self == History::Known
    }
}

impl EvalContext {
    /// A context at `now` with no profiles and no lists.
    pub fn at(now: DateTime<Utc>) -> Self {
        EvalContext { now, ..Default::default() }
    }

    /// Sets the buyer's profile.
    #[must_use]
    pub fn with_user(mut self, user: UserProfile) -> Self {
        self.user = Some(user);
        self
    }

    /// Adds a product profile.
    #[must_use]
    pub fn with_product(mut self, product: ProductProfile) -> Self {
        self.products.insert(Arc::clone(&product.product_id), Box::new(product));
        self
    }

    /// Adds an entity profile.
    #[must_use]
    pub fn with_entity(mut self, entity: EntityProfile) -> Self {
        self.entities.push(entity);
        self
    }

    /// The profile of the order's entity of `kind`, if the context has one.
    pub fn entity(&self, kind: EntityType) -> Option<&EntityProfile> {
        self.entities.iter().find(|e| e.kind == kind)
    }

    /// Sets the lists.
    #[must_use]
    pub fn with_lists(mut self, lists: Lists) -> Self {
        self.lists = lists;
        self
    }

    /// Sets the stage.
    #[must_use]
    pub fn with_stage(mut self, stage: Stage) -> Self {
        self.stage = Some(stage);
        self
    }

    /// Sets the local offset.
    #[must_use]
    pub fn with_utc_offset(mut self, offset: UtcOffset) -> Self {
        self.utc_offset = offset;
        self
    }

    /// Marks the history as unavailable: the profile store could not answer.
    #[must_use]
    pub fn history_unavailable(mut self) -> Self {
        self.history = History::Unavailable;
        self
    }
}

/// The stage of an order's life at which it is assessed.
///
/// Read in any case, with `-` or spaces for `_`; also accepted: `created`
/// (placed), `aftersale` (after_sales), `canceled` (cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// Placed, not yet paid.
    Placed,
    /// Paid, not yet shipped.
    Paid,
    /// Shipped, not yet delivered.
    Shipped,
    /// Delivered.
    Delivered,
    /// Returned, exchanged or complained about.
    AfterSales,
    /// Cancelled.
    Cancelled,
}

impl Stage {
    /// The stage as JSON names it (`placed`, `after_sales`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Placed => "placed",
            Stage::Paid => "paid",
            Stage::Shipped => "shipped",
            Stage::Delivered => "delivered",
            Stage::AfterSales => "after_sales",
            Stage::Cancelled => "cancelled",
        }
    }
}

crate::vocab::lenient_enum!(Stage {
    Placed => "placed" | "created",
    Paid => "paid",
    Shipped => "shipped",
    Delivered => "delivered",
    AfterSales => "after_sales" | "aftersale",
    Cancelled => "cancelled" | "canceled",
});
