//! The built-in rules, one module per abnormal-order type of the catalogue.
//!
//! Every rule is a plain struct whose public fields are its parameters, with
//! `Default` giving the catalogue's defaults and serde for configuration
//! files. The structs are `#[non_exhaustive]`: start from `Default` and set
//! the fields you change. Replace a built-in rule's parameters with
//! [`EngineBuilder::rule`](crate::EngineBuilder::rule):
//!
//! ```
//! use order_anomaly::Engine;
//! use order_anomaly::rules::behavior::OrderBurst;
//!
//! let mut burst = OrderBurst::default();
//! burst.min_orders = 8;
//! let engine = Engine::builder().rule(burst).build().unwrap();
//! # let _ = engine;
//! ```
//!
//! Each rule file holds only what is the rule's own: its parameters and
//! their defaults, their checks, and its logic. What every built-in rule has
//! in common (the serde form, the id, category, points and action) is
//! declared once, by a macro in the private `declare` module.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::rule::Rule;

mod checks;
mod declare;

pub mod address;
pub mod aftersales;
pub mod behavior;
pub mod composite;
pub mod contact;
pub mod data;
pub mod ids;
pub mod lists;
pub mod logistics;
pub mod payment;
pub mod product;

/// Builds a built-in rule from its parameters (`None`: the defaults).
type Make = fn(Option<&serde_json::Value>) -> Result<Arc<dyn Rule>, String>;

fn make<R: Rule + DeserializeOwned + Default + 'static>(
    params: Option<&serde_json::Value>,
) -> Result<Arc<dyn Rule>, String> {
    match params {
        None => Ok(Arc::new(R::default())),
        Some(v) => {
            let r: R = serde_path_to_error::deserialize(v).map_err(|e| {
                let path = e.path().to_string();
                let msg = e.into_inner().to_string();
                if path == "." { msg } else { format!("at `{path}`: {msg}") }
            })?;
            Ok(Arc::new(r))
        }
    }
}

/// The source document's cases have fixed definitions: no parameters.
fn fixed(case: fn() -> composite::Composite, params: Option<&serde_json::Value>) -> Result<Arc<dyn Rule>, String> {
    match params {
        None | Some(serde_json::Value::Null) => Ok(Arc::new(case())),
        Some(serde_json::Value::Object(m)) if m.is_empty() => Ok(Arc::new(case())),
        Some(_) => Err("takes no parameters (its parts are configured as rules of their own)".to_owned()),
    }
}

/// Every built-in rule: its id and how to build it, in declaration order.
const BUILTINS: [(&str, Make); 33] = [
    (ids::PAYMENT_AMOUNT_MISMATCH, make::<payment::AmountMismatch>),
    (ids::PAYMENT_FAILED_ATTEMPTS, make::<payment::FailedAttempts>),
    (ids::PAYMENT_INSUFFICIENT_BALANCE, make::<payment::InsufficientBalance>),
    (ids::PAYMENT_TIMEOUT, make::<payment::PaymentTimeout>),
    (ids::PAYMENT_LARGE_AMOUNT, make::<payment::LargeAmount>),
    (ids::PAYMENT_REMOTE_LOGIN, make::<payment::RemoteLogin>),
    (ids::PAYMENT_ACCOUNT_CHURN, make::<payment::AccountChurn>),
    (ids::PAYMENT_AMOUNT_SPIKE, make::<payment::AmountSpike>),
    (ids::PAYMENT_NEW_INSTRUMENT, make::<payment::NewInstrument>),
    (ids::PAYMENT_INSTRUMENT_SHARED, make::<payment::InstrumentShared>),
    (ids::ADDRESS_LOCKER_WITHOUT_UNIT, make::<address::LockerWithoutUnit>),
    (ids::ADDRESS_REMOTE_NO_HISTORY, make::<address::RemoteNoHistory>),
    (ids::ADDRESS_FREQUENT_CHANGE, make::<address::FrequentChange>),
    (ids::CONTACT_PHONE_INVALID, make::<contact::PhoneInvalid>),
    (ids::CONTACT_PHONE_UNREACHABLE, make::<contact::PhoneUnreachable>),
    (ids::CONTACT_PHONE_FRAUD_LISTED, make::<contact::PhoneFraudListed>),
    (ids::CONTACT_RECIPIENT_MISMATCH, make::<contact::RecipientMismatch>),
    (ids::PRODUCT_HIGH_VALUE_NO_HISTORY, make::<product::HighValueNoHistory>),
    (ids::PRODUCT_FRAUD_LINKED, make::<product::FraudLinked>),
    (ids::PRODUCT_TURNOVER_SPIKE, make::<product::TurnoverSpike>),
    (ids::PRODUCT_STOCK_SHARE, make::<product::StockShare>),
    (ids::BEHAVIOR_ORDER_BURST, make::<behavior::OrderBurst>),
    (ids::BEHAVIOR_NIGHT_BATCH, make::<behavior::NightBatch>),
    (ids::BEHAVIOR_FREQUENT_CANCEL, make::<behavior::FrequentCancel>),
    (ids::BEHAVIOR_MULTI_ACCOUNT, make::<behavior::MultiAccount>),
    (ids::BEHAVIOR_ENTITY_VELOCITY, make::<behavior::EntityVelocity>),
    (ids::LOGISTICS_STALLED, make::<logistics::Stalled>),
    (ids::AFTERSALES_HIGH_RETURN_RATE, make::<aftersales::HighReturnRate>),
    (ids::AFTERSALES_HIGH_RISK_COMPLAINT, make::<aftersales::HighRiskComplaint>),
    (ids::LIST_BLOCKED, make::<lists::Blocked>),
    (ids::DATA_INCONSISTENT, make::<data::Inconsistent>),
    (ids::CASE_STOLEN_CARD, |p| fixed(composite::stolen_card, p)),
    (ids::CASE_REMOTE_LOCKER_NO_HISTORY, |p| fixed(composite::remote_locker_no_history, p)),
];

/// Every built-in rule with the catalogue's defaults, in declaration order
/// (the order of [`ids::ALL`]).
pub fn builtin() -> Vec<Arc<dyn Rule>> {
    BUILTINS.iter().filter_map(|(_, make)| make(None).ok()).collect()
}

/// Builds built-in rule `id` from parameters given as JSON (missing fields
/// keep their defaults). `None` if `id` is no built-in rule; `Some(Err)` with
/// the JSON path and the problem if the parameters do not fit.
pub(crate) fn builtin_with_params(id: &str, params: &serde_json::Value) -> Option<Result<Arc<dyn Rule>, String>> {
    BUILTINS.iter().find(|(b, _)| *b == id).map(|(_, make)| make(Some(params)))
}

/// Whether `id` names a built-in rule.
pub(crate) fn is_builtin(id: &str) -> bool {
    BUILTINS.iter().any(|(b, _)| *b == id)
}
