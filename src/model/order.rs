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
#[non_exhaustive]
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

impl Order {
    /// An order with what every order has; set the rest with the `with_*`
    /// methods or by assigning fields.
    pub fn new(
        id: impl Into<String>,
        user_id: impl Into<String>,
        created_at: DateTime<Utc>,
        payable_amount: Decimal,
    ) -> Self {
        Order { id: id.into(), user_id: user_id.into(), created_at, payable_amount, ..Order::default() }
    }
    /// Sets the currency (ISO 4217).
    #[must_use]
    pub fn with_currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = currency.into();
        self
    }
    /// Adds a line item.
    #[must_use]
    pub fn with_item(mut self, item: LineItem) -> Self {
        self.items.push(item);
        self
    }
    /// Sets the payment.
    #[must_use]
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }
    /// Sets the shipping address.
    #[must_use]
    pub fn with_shipping(mut self, shipping: ShippingAddress) -> Self {
        self.shipping = Some(shipping);
        self
    }
    /// Sets the recipient.
    #[must_use]
    pub fn with_recipient(mut self, recipient: Recipient) -> Self {
        self.recipient = Some(recipient);
        self
    }
    /// Sets the client the order was placed from.
    #[must_use]
    pub fn with_client(mut self, client: ClientInfo) -> Self {
        self.client = Some(client);
        self
    }
    /// Sets the logistics.
    #[must_use]
    pub fn with_logistics(mut self, logistics: Logistics) -> Self {
        self.logistics = Some(logistics);
        self
    }
}

/// One line of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
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

impl LineItem {
    /// A line of `quantity` units of `product_id` at `unit_price`.
    pub fn new(product_id: impl Into<String>, unit_price: Decimal, quantity: i64) -> Self {
        LineItem { product_id: product_id.into(), unit_price, quantity, ..LineItem::default() }
    }
    /// Sets the category.
    #[must_use]
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }
    /// The units the line orders: none for a quantity below one (a data
    /// error `data.inconsistent` reports).
    pub(crate) fn units(&self) -> u64 {
        u64::try_from(self.quantity.max(0)).unwrap_or(0)
    }
}

/// Payment of an order: the instrument, every attempt, and the final result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
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

impl Payment {
    /// A payment with the instrument it was made with and nothing else yet.
    pub fn with_instrument(instrument_id: impl Into<String>) -> Self {
        Payment { instrument_id: Some(instrument_id.into()), ..Payment::default() }
    }
    /// Records the amount captured and when.
    #[must_use]
    pub fn paid(mut self, amount: Decimal, at: DateTime<Utc>) -> Self {
        self.paid_amount = Some(amount);
        self.paid_at = Some(at);
        self
    }
    /// Adds an attempt.
    #[must_use]
    pub fn with_attempt(mut self, attempt: PaymentAttempt) -> Self {
        self.attempts.push(attempt);
        self
    }
}

/// One payment attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PaymentAttempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Amount attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    /// How it ended.
    pub status: AttemptStatus,
}

impl PaymentAttempt {
    /// An attempt at `at` that ended with `status`.
    pub fn new(at: DateTime<Utc>, status: AttemptStatus) -> Self {
        PaymentAttempt { at, amount: None, status }
    }
    /// Sets the amount attempted.
    #[must_use]
    pub fn with_amount(mut self, amount: Decimal) -> Self {
        self.amount = Some(amount);
        self
    }
}

/// How a payment attempt ended.
///
/// Read in any case, with `-` or spaces for `_`; also accepted: `success`,
/// `successful`, `paid`, `captured` (succeeded), `insufficient_funds`,
/// `refused` (declined), `timed_out`, `expired` (timeout), `failure`, `fail`,
/// `error` (failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

crate::vocab::lenient_enum!(AttemptStatus {
    Succeeded => "succeeded" | "success" | "successful" | "paid" | "captured",
    InsufficientBalance => "insufficient_balance" | "insufficient_funds",
    Declined => "declined" | "refused",
    Timeout => "timeout" | "timed_out" | "expired",
    Failed => "failed" | "failure" | "fail" | "error",
});

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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// The buyer's email, as the session knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A coarse location: country, region, city.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
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

impl Location {
    /// A location known by its city.
    pub fn city(city: impl Into<String>) -> Self {
        Location { city: Some(city.into()), ..Location::default() }
    }
}

/// A call made to verify the order with the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct VerificationCall {
    /// When the call was made.
    pub at: DateTime<Utc>,
    /// Whether anyone answered.
    pub answered: bool,
}

impl VerificationCall {
    /// A call at `at`, answered or not.
    pub fn new(at: DateTime<Utc>, answered: bool) -> Self {
        VerificationCall { at, answered }
    }
}

/// Logistics of a shipped order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
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
#[non_exhaustive]
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

impl TrackingEvent {
    /// A tracking update at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        TrackingEvent { at, description: None, location: None }
    }
}

/// An after-sales record filed against an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
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

impl AfterSale {
    /// An after-sales request of `kind` at `at`.
    pub fn new(kind: AfterSaleKind, at: DateTime<Utc>) -> Self {
        AfterSale { kind, at, complaint_type: None, product_id: None }
    }
    /// A complaint of `complaint_type` at `at`.
    pub fn complaint(complaint_type: ComplaintType, at: DateTime<Utc>) -> Self {
        AfterSale { complaint_type: Some(complaint_type), ..AfterSale::new(AfterSaleKind::Complaint, at) }
    }
}

/// The kind of an after-sales record.
///
/// Read in any case, with `-` or spaces for `_`; also accepted: `returned`,
/// `refund_return` (return), `exchanged` (exchange).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

crate::vocab::lenient_enum!(AfterSaleKind {
    Return => "return" | "returned" | "refund_return",
    Exchange => "exchange" | "exchanged",
    Complaint => "complaint",
});

/// What a complaint is about. `Quality` and `FalseAdvertising` are the
/// source document's high-risk complaints; `Fraud` feeds product profiles.
///
/// Read in any case, with `-` or spaces for `_`; also accepted:
/// `misleading_description` (false_advertising), `logistics` (delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

crate::vocab::lenient_enum!(ComplaintType {
    Quality => "quality",
    FalseAdvertising => "false_advertising" | "misleading_description",
    Fraud => "fraud",
    Delivery => "delivery" | "logistics",
    Service => "service",
    Other => "other",
});
