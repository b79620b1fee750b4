use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What is known of a product from past orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ProductProfile {
    /// The product (SKU) id.
    pub product_id: Arc<str>,
    /// Its category, when the order lines do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Arc<str>>,
    /// Marked by the shop as high-value or easily resold (高价值易变现).
    #[serde(default)]
    pub high_value: bool,
    /// When fraud complaints naming this product were filed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fraud_complaints: Vec<DateTime<Utc>>,
    /// Orders containing it, for the abnormal-order link rate.
    #[serde(default)]
    pub orders: u32,
    /// Of those, how many were confirmed abnormal.
    #[serde(default)]
    pub abnormal_orders: u32,
    /// Units ordered per hour over the last 48 hours, oldest first (hours
    /// with none left out), for turnover (库存周转).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hourly_units: Vec<UnitsBucket>,
    /// Units ordered per day over the retention window, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_units: Vec<UnitsBucket>,
    /// Units on hand, when the OMS says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<u64>,
    /// The median quantity per order line of this product, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_quantity: Option<u32>,
    /// A high quantity per order line of this product: the 99th percentile
    /// of its lines' quantities, once enough lines are known to tell (the
    /// profile store says so from 20 lines, in bins exact to 16 and powers
    /// of two above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_quantity: Option<u32>,
    /// Orders of this product at this time of day, for turnover (库存周转):
    /// `[0]` counts the orders in the current and the previous clock hour
    /// (as of the evaluation's `now`), `[d]` those in the same two hours `d`
    /// days earlier, for each day since the product was first seen, up to
    /// [`ProductProfile::USUAL_HOUR_DAYS`]. Empty when not known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hour_orders: Vec<u32>,
}

/// Units of a product ordered in one time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct UnitsBucket {
    /// The bucket's start.
    pub start: DateTime<Utc>,
    /// Units ordered in it.
    pub units: u64,
}

impl UnitsBucket {
    /// `units` ordered in the bucket starting at `start`.
    pub fn new(start: DateTime<Utc>, units: u64) -> Self {
        UnitsBucket { start, units }
    }
}

impl ProductProfile {
    /// Earlier days [`ProductProfile::hour_orders`] covers at most: the
    /// product's usual orders at an hour are read from the week before.
    pub const USUAL_HOUR_DAYS: usize = 7;

    /// An empty profile of product `product_id`.
    pub fn new(product_id: impl Into<Arc<str>>) -> Self {
        ProductProfile { product_id: product_id.into(), ..ProductProfile::default() }
    }
}

impl ProductProfile {
    /// Share of this product's orders that were confirmed abnormal, or `None`
    /// with no orders.
    pub fn abnormal_link_rate(&self) -> Option<Decimal> {
        if self.orders == 0 {
            return None;
        }
        crate::num::share(u64::from(self.abnormal_orders), u64::from(self.orders))
    }
}
