//! Data-monitoring dimensions: buyer, product and entity profiles built from
//! the order history, incrementally, as events arrive.
//!
//! Feed every [`Event`] the OMS emits to a profile store (the in-memory
//! [`InMemoryStore`], or one over your own database implementing
//! [`ProfileRead`] and [`ProfileWrite`]), then ask it for the
//! [`EvalContext`](crate::EvalContext) of an order with
//! [`ProfileRead::context_for`]: the buyer's profile (order frequency,
//! average order value, returns, complaints, payment accounts, addresses,
//! usual locations, linked accounts), the products' profiles (category,
//! fraud complaints, abnormal-order link rate, units sold, stock) and the
//! profiles of the order's card, device, phone, address, IP and email, as
//! of that moment. [`conformance`] checks a store against the contract.
//!
//! ```
//! use order_anomaly::profile::{Event, EventKind, InMemoryStore};
//! use order_anomaly::{Engine, Order, UtcOffset};
//!
//! let mut store = InMemoryStore::new();
//! let order: Order = serde_json::from_str(r#"{"id":"SO-1","user_id":"u-1",
//!     "created_at":"2026-03-01T10:00:00Z","payable_amount":"80.00"}"#).unwrap();
//! store.apply(&Event::placed("e1", order));
//!
//! let next: Order = serde_json::from_str(r#"{"id":"SO-2","user_id":"u-1",
//!     "created_at":"2026-03-02T10:00:00Z","payable_amount":"900.00"}"#).unwrap();
//! let ctx = store.context_for(&next, next.created_at, UtcOffset::china());
//! assert_eq!(ctx.user.as_ref().unwrap().order_count, 1);
//! let a = Engine::default().evaluate(&next, &ctx);
//! assert!(a.has_flag("payment.amount_spike"));   // 900 against an average of 80
//! ```

pub mod conformance;
mod events;
mod expiry;
mod memory;
mod placed;
#[cfg(feature = "redis")]
mod redis_store;
mod series;
mod store;

pub use events::{Event, EventKind};
pub use memory::{InMemoryStore, StoreConfig};
#[cfg(feature = "redis")]
pub use redis_store::{RedisConfig, RedisStore};
pub use store::{Applied, ProfileRead, ProfileStore, ProfileWrite, StoreError, entity_keys, link_keys};
