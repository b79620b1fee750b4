//! History events an OMS already emits, folded into profiles by a
//! [`ProfileStore`](super::ProfileStore).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{AttemptStatus, ComplaintType, Location, Order, ShippingAddress};

/// One thing that happened, with an id (for de-duplication) and a time.
///
/// ```json
/// {"id": "ev-1", "at": "2026-03-01T10:00:00Z", "type": "cancelled", "order_id": "SO-1", "user_id": "u-1"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Event {
    /// Unique per event: a redelivered event (same id) changes nothing.
    pub id: String,
    /// When it happened (not when it arrived).
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Event `id`: `kind` happened at `at`.
    pub fn new(id: impl Into<String>, at: DateTime<Utc>, kind: EventKind) -> Self {
        Event { id: id.into(), at, kind }
    }

    /// Parses one event from a JSON line, as an OMS export carries it.
    /// Fields the crate does not know are ignored, and an event of a type it
    /// does not know reads as [`EventKind::Unknown`]; an error names the JSON
    /// path and never quotes the value.
    pub fn from_json(text: &str) -> Result<Event, crate::request::JsonError> {
        crate::request::from_json(text)
    }

    /// Event `id`: `order` was placed (at its `created_at`).
    pub fn placed(id: impl Into<String>, order: Order) -> Self {
        let at = order.created_at;
        Event { id: id.into(), at, kind: EventKind::OrderPlaced { order: Arc::new(order) } }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// An order was placed: items, amounts, address, phone, instrument,
    /// device and session location, as the order carries them.
    OrderPlaced {
        /// The order as placed (shared: an event clones without copying it).
        order: Arc<Order>,
    },
    /// An order was paid.
    Paid {
        /// The order.
        order_id: String,
        /// Amount captured.
        amount: Decimal,
        /// The card or account, if it differs from the order's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instrument_id: Option<String>,
    },
    /// A payment attempt failed.
    PaymentFailed {
        /// The order.
        order_id: String,
        /// Why.
        reason: AttemptStatus,
    },
    /// An order was cancelled.
    Cancelled {
        /// The order.
        order_id: String,
    },
    /// An order was handed to the carrier.
    Shipped {
        /// The order.
        order_id: String,
        /// Carrier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier: Option<String>,
        /// Tracking number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_number: Option<String>,
    },
    /// A tracking update.
    TrackingUpdate {
        /// The order.
        order_id: String,
        /// The carrier's description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// An order was delivered.
    Delivered {
        /// The order.
        order_id: String,
    },
    /// An order was returned or exchanged.
    Returned {
        /// The order.
        order_id: String,
        /// An exchange rather than a return.
        #[serde(default)]
        exchange: bool,
        /// The product concerned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        product_id: Option<String>,
    },
    /// A complaint.
    Complaint {
        /// The buyer.
        user_id: String,
        /// The order, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_id: Option<String>,
        /// The product, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        product_id: Option<String>,
        /// About what.
        complaint_type: ComplaintType,
    },
    /// The buyer changed the shipping address.
    AddressChanged {
        /// The buyer.
        user_id: String,
        /// The new address.
        address: ShippingAddress,
    },
    /// The buyer logged in.
    Login {
        /// The buyer.
        user_id: String,
        /// Where from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<Location>,
        /// Which device.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_id: Option<String>,
    },
    /// A verification call was made for an order.
    VerificationCall {
        /// The order.
        order_id: String,
        /// Whether anyone answered.
        answered: bool,
    },
    /// A person confirmed the order abnormal (review feedback): counts
    /// towards its products' abnormal-order link rate.
    ConfirmedAbnormal {
        /// The order.
        order_id: String,
    },
    /// The OMS reports a product's stock on hand.
    StockLevel {
        /// The product.
        product_id: String,
        /// Units on hand.
        units: u64,
    },
    /// An event of a type this version does not know (any other `type`):
    /// read without error, counted and skipped by the store, so a new kind
    /// of event in an OMS's feed does not stop the feed.
    #[serde(other)]
    Unknown,
}

impl EventKind {
    /// The order the event is about, if any.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            EventKind::OrderPlaced { order } => Some(&order.id),
            EventKind::Paid { order_id, .. }
            | EventKind::PaymentFailed { order_id, .. }
            | EventKind::Cancelled { order_id }
            | EventKind::Shipped { order_id, .. }
            | EventKind::TrackingUpdate { order_id, .. }
            | EventKind::Delivered { order_id }
            | EventKind::Returned { order_id, .. }
            | EventKind::VerificationCall { order_id, .. }
            | EventKind::ConfirmedAbnormal { order_id } => Some(order_id),
            EventKind::Complaint { order_id, .. } => order_id.as_deref(),
            EventKind::AddressChanged { .. }
            | EventKind::Login { .. }
            | EventKind::StockLevel { .. }
            | EventKind::Unknown => None,
        }
    }
}
