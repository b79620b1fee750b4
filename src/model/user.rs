use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::order::{ComplaintType, Location};

/// What is known of a buyer from their history.
///
/// A brand-new buyer has no profile at all (`EvalContext::user` is `None`):
/// rules that compare an order with history are then skipped, and rules that
/// look for the *absence* of history treat the buyer as having none.
///
/// `recent_orders` holds past orders (not the one being judged) for as long as
/// the longest window needs; lifetime figures live in the counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct UserProfile {
    /// The buyer's account id.
    pub user_id: Arc<str>,
    /// Lifetime number of past orders.
    #[serde(default)]
    pub order_count: u32,
    /// Lifetime amount spent on those orders.
    #[serde(default)]
    pub total_spent: Decimal,
    /// Past orders within the longest window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_orders: Vec<PastOrder>,
    /// Payment cards and accounts the buyer has used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_instruments: Vec<KnownInstrument>,
    /// Recipient names on past orders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipient_names: Vec<Arc<str>>,
    /// Provinces or region codes past orders shipped to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_regions: Vec<Arc<str>>,
    /// Where the buyer usually logs in and pays from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usual_locations: Vec<Location>,
    /// Changes of the default shipping address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_changes: Vec<AddressChange>,
    /// Complaints the buyer filed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<ComplaintRecord>,
    /// Accounts linked to this one by a shared device, phone, address or payment account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_accounts: Vec<LinkedAccount>,
}

impl UserProfile {
    /// An empty profile of buyer `user_id`.
    pub fn new(user_id: impl Into<Arc<str>>) -> Self {
        UserProfile { user_id: user_id.into(), ..UserProfile::default() }
    }
}

impl UserProfile {
    /// Average order value over the lifetime (total spent over the order
    /// count), or over the recent orders listed when the profile has no
    /// lifetime count; `None` with no orders at all.
    pub fn average_order_value(&self) -> Option<Decimal> {
        let (spent, orders) = self.spend_and_orders()?;
        spent.checked_div(Decimal::from(orders))
    }

    /// What [`UserProfile::average_order_value`] divides: the spend and the
    /// number of orders (never zero), for comparing against the average by
    /// multiplying instead.
    pub(crate) fn spend_and_orders(&self) -> Option<(Decimal, u64)> {
        if self.order_count > 0 {
            return Some((self.total_spent, u64::from(self.order_count)));
        }
        let n = u64::try_from(self.recent_orders.len()).ok().filter(|n| *n > 0)?;
        let sum = self.recent_orders.iter().try_fold(Decimal::ZERO, |s, o| s.checked_add(o.amount))?;
        Some((sum, n))
    }

    /// How many past orders the buyer has: the lifetime count, or the recent
    /// orders listed if a profile fills those but not the count. Every rule
    /// that asks about history asks this.
    pub fn past_orders(&self) -> u32 {
        self.order_count.max(u32::try_from(self.recent_orders.len()).unwrap_or(u32::MAX))
    }

    /// Whether the buyer has any past order ([`UserProfile::past_orders`] > 0).
    pub fn has_history(&self) -> bool {
        self.past_orders() > 0
    }
}

/// A past order, as much as the rules need of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PastOrder {
    /// Its id.
    pub order_id: Arc<str>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// Its payable amount.
    #[serde(default)]
    pub amount: Decimal,
    /// When it was cancelled, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When it was returned or exchanged, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_at: Option<DateTime<Utc>>,
}

impl PastOrder {
    /// An order of `amount` placed at `placed_at`.
    pub fn new(order_id: impl Into<Arc<str>>, placed_at: DateTime<Utc>, amount: Decimal) -> Self {
        PastOrder { order_id: order_id.into(), placed_at, amount, cancelled_at: None, returned_at: None }
    }
}

/// A payment card or account seen in the buyer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct KnownInstrument {
    /// The instrument token, as on [`Payment::instrument_id`](crate::model::Payment::instrument_id).
    pub id: Arc<str>,
    /// First use.
    pub first_seen: DateTime<Utc>,
    /// Latest use.
    pub last_used: DateTime<Utc>,
}

impl KnownInstrument {
    /// Instrument `id`, first seen and last used at the given times.
    pub fn new(id: impl Into<Arc<str>>, first_seen: DateTime<Utc>, last_used: DateTime<Utc>) -> Self {
        KnownInstrument { id: id.into(), first_seen, last_used }
    }
}

/// A change of the buyer's shipping address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AddressChange {
    /// When it changed.
    pub at: DateTime<Utc>,
    /// The new address's city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<Arc<str>>,
    /// The new address's detail line (to tell parcel lockers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Arc<str>>,
}

impl AddressChange {
    /// A change at `at` to an address in `city`.
    pub fn new(at: DateTime<Utc>, city: Option<Arc<str>>) -> Self {
        AddressChange { at, city, detail: None }
    }
}

/// A complaint the buyer filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ComplaintRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// About what.
    pub complaint_type: ComplaintType,
    /// On which order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Arc<str>>,
}

impl ComplaintRecord {
    /// A complaint of `complaint_type` at `at`.
    pub fn new(at: DateTime<Utc>, complaint_type: ComplaintType) -> Self {
        ComplaintRecord { at, complaint_type, order_id: None }
    }
}

/// Another account linked to the buyer's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct LinkedAccount {
    /// The other account.
    pub user_id: Arc<str>,
    /// What links them.
    pub via: LinkKind,
    /// What that account bought recently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purchases: Vec<LinkedPurchase>,
}

impl LinkedAccount {
    /// Account `user_id`, linked `via` a shared entity, with its purchases.
    pub fn new(user_id: impl Into<Arc<str>>, via: LinkKind, purchases: Vec<LinkedPurchase>) -> Self {
        LinkedAccount { user_id: user_id.into(), via, purchases }
    }
}

/// What two accounts share.
///
/// Read in any case, with `-` or spaces for `_`; also accepted: `instrument`,
/// `card` (payment_instrument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkKind {
    /// The same device.
    Device,
    /// The same recipient phone.
    Phone,
    /// The same (normalised) shipping address.
    Address,
    /// The same payment card or account.
    PaymentInstrument,
}

crate::vocab::lenient_enum!(LinkKind {
    Device => "device",
    Phone => "phone",
    Address => "address",
    PaymentInstrument => "payment_instrument" | "instrument" | "card",
});

/// A purchase by a linked account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct LinkedPurchase {
    /// The category bought.
    pub category: Arc<str>,
    /// When.
    pub at: DateTime<Utc>,
}

impl LinkedPurchase {
    /// A purchase in `category` at `at`.
    pub fn new(category: impl Into<Arc<str>>, at: DateTime<Utc>) -> Self {
        LinkedPurchase { category: category.into(), at }
    }
}
