use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order as the OMS knows it at the moment of evaluation.
///
/// Only `id`, `user_id`, `created_at` and `payable_amount` are required in JSON;
/// everything else may be absent, and the rules that need an absent part are
/// recorded as skipped instead of guessing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The OMS's order id.
    pub id: String,
    /// The buyer's account id.
    pub user_id: String,
    /// When the order was placed (UTC).
    pub created_at: DateTime<Utc>,
    /// ISO 4217 currency of the order's amounts, e.g. `CNY`.
    #[serde(default)]
    pub currency: String,
    /// Line items.
    #[serde(default)]
    pub items: Vec<LineItem>,
    /// The item subtotal the OMS stated, if it states one (checked against the lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_total: Option<Decimal>,
    /// Order-level discount (a positive number is taken off).
    #[serde(default)]
    pub discount: Decimal,
    /// Shipping fee charged to the buyer.
    #[serde(default)]
    pub shipping_fee: Decimal,
    /// What the buyer must pay: items − discount + shipping.
    pub payable_amount: Decimal,
    /// Payment details, once the buyer has started paying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// Where the order ships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<ShippingAddress>,
    /// Who receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
    /// The buyer's free-text note (备注).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_note: Option<String>,
    /// The client session that placed and paid the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// Verification calls made to the recipient's phone for this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification_calls: Vec<VerificationCall>,
    /// Logistics, once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logistics: Option<Logistics>,
    /// Returns, exchanges and complaints filed against this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_sales: Vec<AfterSale>,
}

/// One line of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// The product (SKU) id; product profiles are looked up by it.
    pub product_id: String,
    /// The product's category as the shop names it (e.g. `黄金`, `electronics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Price of one unit.
    pub unit_price: Decimal,
    /// Units ordered; zero or negative is a data error that `data.inconsistent` reports.
    pub quantity: i64,
    /// The line's currency when the OMS records one per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// Payment of an order: the instrument, every attempt, and the final result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// Method, e.g. `alipay`, `wechat`, `card`, `cod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The card or account used (a token; masked in reasons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument_id: Option<String>,
    /// Every attempt, in any order.
    #[serde(default)]
    pub attempts: Vec<PaymentAttempt>,
    /// Amount finally captured, if paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Decimal>,
    /// When it was captured, if paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
}

/// One payment attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentAttempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Amount attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    /// How it ended.
    pub status: AttemptStatus,
}

/// How a payment attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttemptStatus {
    /// Captured.
    Succeeded,
    /// Refused for insufficient balance (余额不足).
    InsufficientBalance,
    /// Declined by the issuer.
    Declined,
    /// Timed out.
    Timeout,
    /// Failed for another reason.
    Failed,
}

impl AttemptStatus {
    /// Whether the attempt failed, whatever the reason.
    pub fn is_failure(self) -> bool {
        self != AttemptStatus::Succeeded
    }
}

/// A shipping address. Chinese addresses use province / city / district;
/// elsewhere `province` holds the state or region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShippingAddress {
    /// ISO 3166-1 alpha-2 country code; the engine's default country when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Province, state or region name (e.g. `新疆维吾尔自治区`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Administrative region code (e.g. GB/T 2260 `650102`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District or county.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Street, building and unit: the detail line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

/// The person who receives the parcel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Name as written on the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone as written on the order, in any common format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The client session behind the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientInfo {
    /// IP address, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Where the paying session was (from IP or device geolocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Device fingerprint or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// A coarse location: country, region, city.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Province, state or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// A call made to verify the order with the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VerificationCall {
    /// When the call was made.
    pub at: DateTime<Utc>,
    /// Whether anyone answered.
    pub answered: bool,
}

/// Logistics of a shipped order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Logistics {
    /// Carrier name or code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// When the parcel was handed to the carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// Tracking events, in any order.
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

impl Logistics {
    /// The latest tracking activity: the newest event, or the shipping time.
    pub fn last_activity(&self) -> Option<DateTime<Utc>> {
        self.events.iter().map(|e| e.at).chain(self.shipped_at).max()
    }
}

/// One tracking update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackingEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Carrier's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// An after-sales record filed against an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AfterSale {
    /// Return, exchange or complaint.
    pub kind: AfterSaleKind,
    /// When it was filed.
    pub at: DateTime<Utc>,
    /// For complaints: what the complaint is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_type: Option<ComplaintType>,
    /// The product concerned, if one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

/// The kind of an after-sales record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AfterSaleKind {
    /// 退货.
    Return,
    /// 换货.
    Exchange,
    /// 投诉.
    Complaint,
}

/// What a complaint is about. `Quality` and `FalseAdvertising` are the
/// source document's high-risk complaints; `Fraud` feeds product profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComplaintType {
    /// Product quality (质量问题).
    Quality,
    /// False advertising (虚假宣传).
    FalseAdvertising,
    /// Fraud (诈骗).
    Fraud,
    /// Delivery problems.
    Delivery,
    /// Service attitude and the like.
    Service,
    /// Anything else.
    Other,
}
