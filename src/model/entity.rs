use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A thing an order names that other orders may share: what entity
/// profiles are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityType {
    /// The payment card or account.
    PaymentInstrument,
    /// The device.
    Device,
    /// The recipient's phone.
    Phone,
    /// The normalised shipping address.
    Address,
    /// The client IP.
    Ip,
    /// The buyer's email.
    Email,
}

impl EntityType {
    /// Every kind.
    pub const ALL: [EntityType; 6] = [
        EntityType::PaymentInstrument,
        EntityType::Device,
        EntityType::Phone,
        EntityType::Address,
        EntityType::Ip,
        EntityType::Email,
    ];

    /// Its name in JSON and in evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::PaymentInstrument => "payment_instrument",
            EntityType::Device => "device",
            EntityType::Phone => "phone",
            EntityType::Address => "address",
            EntityType::Ip => "ip",
            EntityType::Email => "email",
        }
    }
}

/// Orders and amount in one time bucket (an hour or a day).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Bucket {
    /// The bucket's start.
    pub start: DateTime<Utc>,
    /// Orders in it.
    pub orders: u32,
    /// Their payable amount.
    #[serde(default)]
    pub amount: Decimal,
}

impl Bucket {
    /// `orders` orders worth `amount` in the bucket starting at `start`.
    pub fn new(start: DateTime<Utc>, orders: u32, amount: Decimal) -> Self {
        Bucket { start, orders, amount }
    }
}

/// A buyer seen with an entity, and when last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct BuyerSeen {
    /// The buyer.
    pub user_id: Arc<str>,
    /// When they last ordered with the entity.
    pub last_seen: DateTime<Utc>,
}

impl BuyerSeen {
    /// `user_id`, last seen at `last_seen`.
    pub fn new(user_id: impl Into<Arc<str>>, last_seen: DateTime<Utc>) -> Self {
        BuyerSeen { user_id: user_id.into(), last_seen }
    }
}

/// What the history holds about one entity (a card, a device, a phone, an
/// address, an IP, an email), without the order being judged: so that a
/// buyer's first order is judged by what its card or device did before.
///
/// Counts are kept in time buckets: per hour for the last 48 hours, per day
/// for the retention window. Distinct buyers are exact up to a cap; past it
/// the most recent are kept and [`EntityProfile::buyers_capped`] says the
/// count is a lower bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct EntityProfile {
    /// What kind of entity.
    pub kind: EntityType,
    /// Its normalised key (as block lists normalise values).
    pub key: String,
    /// The first order seen with it; `None` when never seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    /// The latest order seen with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Orders per hour, oldest first (hours with none are left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hourly: Vec<Bucket>,
    /// Orders per day, oldest first (days with none are left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily: Vec<Bucket>,
    /// Buyers seen with it, most recent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyers: Vec<BuyerSeen>,
    /// More buyers were seen than are listed: counts of them are lower bounds.
    #[serde(default)]
    pub buyers_capped: bool,
}

impl EntityProfile {
    /// A profile of an entity never seen.
    pub fn new(kind: EntityType, key: impl Into<String>) -> Self {
        EntityProfile {
            kind,
            key: key.into(),
            first_seen: None,
            last_seen: None,
            hourly: Vec::new(),
            daily: Vec::new(),
            buyers: Vec::new(),
            buyers_capped: false,
        }
    }

    /// Orders in buckets starting at or after `since`: the hourly buckets for
    /// spans they cover (48 hours), else the daily ones.
    pub fn orders_since(&self, since: DateTime<Utc>) -> u32 {
        let hourly_cover = self.hourly.first().map(|b| b.start);
        let buckets =
            if hourly_cover.is_some_and(|h| h <= since) || self.daily.is_empty() { &self.hourly } else { &self.daily };
        buckets.iter().filter(|b| b.start >= since).fold(0u32, |n, b| n.saturating_add(b.orders))
    }
}
