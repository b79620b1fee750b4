//! Plain data: the order being judged and what is known of its buyer and products.
//!
//! These types carry no behaviour beyond small derived figures (an average, a
//! sum). Every field that an order management system may not have is optional
//! or defaults to empty, and every type is serde, so an OMS can send them as JSON.

mod entity;
mod order;
mod product;
mod user;

pub use entity::{Bucket, BuyerSeen, EntityProfile, EntityType};
pub use order::{
    AfterSale, AfterSaleKind, AttemptStatus, ClientInfo, ComplaintType, LineItem, Location, Logistics, Order, Payment,
    PaymentAttempt, Recipient, ShippingAddress, TrackingEvent, VerificationCall,
};
pub use product::{ProductProfile, UnitsBucket};
pub use user::{
    AddressChange, ComplaintRecord, KnownInstrument, LinkKind, LinkedAccount, LinkedPurchase, PastOrder, UserProfile,
};
