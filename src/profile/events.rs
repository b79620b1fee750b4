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
        match crate::request::from_json::<Event>(text) {
            Ok(e) if e.kind != EventKind::Unknown => Ok(e),
            Ok(e) => known_in_another_spelling(text).unwrap_or(Ok(e)),
            Err(e) => Err(with_the_path(text, e)),
        }
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

/// Every event type, as `type` names it.
pub(crate) const TYPES: [&str; 14] = [
    "order_placed",
    "paid",
    "payment_failed",
    "cancelled",
    "shipped",
    "tracking_update",
    "delivered",
    "returned",
    "complaint",
    "address_changed",
    "login",
    "verification_call",
    "confirmed_abnormal",
    "stock_level",
];

/// Every field of every kind of event (besides `id`, `at` and `type`).
const KIND_FIELDS: [&str; 17] = [
    "order",
    "order_id",
    "amount",
    "instrument_id",
    "reason",
    "carrier",
    "tracking_number",
    "description",
    "exchange",
    "product_id",
    "user_id",
    "complaint_type",
    "address",
    "location",
    "device_id",
    "answered",
    "units",
];

/// For an event read as of an unknown type: an error when `type` is no
/// string, and the event when `type` names a known one in another case or
/// with `-` or spaces (`Order-Placed`); `None` when it is a type this
/// version does not know.
fn known_in_another_spelling(text: &str) -> Option<Result<Event, crate::request::JsonError>> {
    let mut value: serde_json::Value = serde_json::from_str(crate::text::without_bom(text)).ok()?;
    let kind = value.get_mut("type")?;
    let Some(spelled) = kind.as_str() else {
        return Some(Err(crate::request::JsonError {
            path: "type".into(),
            line: 0,
            column: 0,
            message: "the event type must be a string".into(),
        }));
    };
    let folded: String =
        spelled.trim().chars().map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() }).collect();
    let known = TYPES.iter().find(|t| **t == folded)?;
    *kind = serde_json::Value::from(*known);
    Some(crate::request::from_json(&value.to_string()))
}

/// `e`, an error reading `text` as an event, with the JSON path of the
/// problem where the first reading lost it: the fields of an event's kind
/// are read after its `type`, past where the path is tracked.
fn with_the_path(text: &str, e: crate::request::JsonError) -> crate::request::JsonError {
    if !e.path.is_empty() {
        return e;
    }
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(crate::text::without_bom(text)) else { return e };
    let placement = fields.get("type").and_then(serde_json::Value::as_str) == Some("order_placed");
    let path = match fields.get("order").filter(|_| placement) {
        // The order, read on its own, says where inside it.
        Some(order) => match serde_path_to_error::deserialize::<_, Order>(order) {
            Err(inner) if inner.path().to_string() == "." => Some("order".to_owned()),
            Err(inner) => Some(format!("order.{}", inner.path())),
            Ok(_) => None,
        },
        // Otherwise the field whose absence makes the error go away, of the
        // few an event's kind has: a line of many fields it does not know
        // is tried a bounded number of times, not once per field.
        None => KIND_FIELDS.iter().copied().filter(|k| fields.contains_key(*k)).find_map(|k| {
            let mut without = fields.clone();
            without.remove(k);
            match serde_json::from_value::<Event>(serde_json::Value::Object(without)) {
                Ok(_) => Some(k.to_owned()),
                Err(other) if other.to_string().starts_with(&format!("missing field `{k}`")) => Some(k.to_owned()),
                Err(_) => None,
            }
        }),
    };
    match path {
        Some(path) => crate::request::JsonError { path, ..e },
        None => e,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(order: &str) -> String {
        format!(r#"{{"id":"e1","at":"2026-03-01T10:00:00Z","type":"order_placed","order":{order}}}"#)
    }

    #[test]
    fn an_error_inside_an_event_names_its_path() {
        let order = r#"{"id":"SO-1","user_id":"u-1","created_at":"2026-03-01T10:00:00Z","payable_amount":"80.00","recipient":{"phone":13912345678}}"#;
        let e = Event::from_json(&placed(order)).unwrap_err();
        assert_eq!(e.path, "order.recipient.phone");
        assert!(e.at_line(1).contains("at `order.recipient.phone`: invalid type: integer, expected a string"), "{e}");
        assert!(!e.to_string().contains("13912345678"), "{e}");
        let e = Event::from_json(&placed("7")).unwrap_err();
        assert_eq!(e.path, "order");
        let paid = r#"{"id":"e2","at":"2026-03-01T10:00:00Z","type":"paid","order_id":"SO-1","amount":{"v":1}}"#;
        assert_eq!(Event::from_json(paid).unwrap_err().path, "amount");
        let unpaid = r#"{"id":"e2","at":"2026-03-01T10:00:00Z","type":"paid","amount":"1"}"#;
        assert!(Event::from_json(unpaid).unwrap_err().message.contains("missing field `order_id`"));
    }

    #[test]
    fn a_type_that_is_no_string_is_an_error_and_one_in_another_case_is_read() {
        let e = Event::from_json(r#"{"id":"e1","at":"2026-03-01T10:00:00Z","type":42}"#).unwrap_err();
        assert_eq!((e.path.as_str(), e.message.as_str()), ("type", "the event type must be a string"));
        for spelled in ["Cancelled", "CANCELLED", " cancelled "] {
            let line = format!(r#"{{"id":"e1","at":"2026-03-01T10:00:00Z","type":"{spelled}","order_id":"SO-1"}}"#);
            assert_eq!(Event::from_json(&line).unwrap().kind, EventKind::Cancelled { order_id: "SO-1".into() });
        }
        let line = r#"{"id":"e1","at":"2026-03-01T10:00:00Z","type":"Stock-Level","product_id":"p","units":3}"#;
        assert!(matches!(Event::from_json(line).unwrap().kind, EventKind::StockLevel { .. }));
        let line = r#"{"id":"e1","at":"2026-03-01T10:00:00Z","type":"coupon_redeemed"}"#;
        assert_eq!(Event::from_json(line).unwrap().kind, EventKind::Unknown);
    }

    #[test]
    fn the_list_of_types_is_every_kind() {
        let at: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
        let id = || "SO-1".to_owned();
        let kinds = [
            EventKind::OrderPlaced { order: Arc::new(Order::new("SO-1", "u", at, Decimal::ONE)) },
            EventKind::Paid { order_id: id(), amount: Decimal::ONE, instrument_id: Some(id()) },
            EventKind::PaymentFailed { order_id: id(), reason: AttemptStatus::Declined },
            EventKind::Cancelled { order_id: id() },
            EventKind::Shipped { order_id: id(), carrier: Some(id()), tracking_number: Some(id()) },
            EventKind::TrackingUpdate { order_id: id(), description: Some(id()) },
            EventKind::Delivered { order_id: id() },
            EventKind::Returned { order_id: id(), exchange: false, product_id: Some(id()) },
            EventKind::Complaint {
                user_id: id(),
                order_id: Some(id()),
                product_id: Some(id()),
                complaint_type: ComplaintType::Fraud,
            },
            EventKind::AddressChanged { user_id: id(), address: ShippingAddress::default() },
            EventKind::Login { user_id: id(), location: Some(Location::default()), device_id: Some(id()) },
            EventKind::VerificationCall { order_id: id(), answered: true },
            EventKind::ConfirmedAbnormal { order_id: id() },
            EventKind::StockLevel { product_id: id(), units: 1 },
        ];
        let named: Vec<String> = kinds
            .into_iter()
            .map(|k| serde_json::to_value(Event::new("e", at, k)).unwrap()["type"].to_string())
            .collect();
        let listed: Vec<String> = TYPES.iter().map(|t| format!("\"{t}\"")).collect();
        assert_eq!(named, listed);
    }
}
