//! The built-in rules, one module per abnormal-order type of the catalogue.
//!
//! Every rule is a plain struct whose public fields are its parameters, with
//! `Default` giving the catalogue's defaults and serde for configuration
//! files. Replace a built-in rule's parameters with
//! [`EngineBuilder::rule`](crate::EngineBuilder::rule).

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::rule::{ParamIssue, Rule};
use crate::time::Window;

pub mod address;
pub mod aftersales;
pub mod behavior;
pub mod composite;
pub mod contact;
pub mod data;
pub mod lists;
pub mod logistics;
pub mod payment;
pub mod product;

/// The catalogue's rule ids, as constants.
pub mod ids {
    #![allow(missing_docs)] // each constant is its own documentation
    pub const PAYMENT_AMOUNT_MISMATCH: &str = "payment.amount_mismatch";
    pub const PAYMENT_FAILED_ATTEMPTS: &str = "payment.failed_attempts";
    pub const PAYMENT_INSUFFICIENT_BALANCE: &str = "payment.insufficient_balance";
    pub const PAYMENT_TIMEOUT: &str = "payment.timeout";
    pub const PAYMENT_LARGE_AMOUNT: &str = "payment.large_amount";
    pub const PAYMENT_REMOTE_LOGIN: &str = "payment.remote_login";
    pub const PAYMENT_ACCOUNT_CHURN: &str = "payment.account_churn";
    pub const PAYMENT_AMOUNT_SPIKE: &str = "payment.amount_spike";
    pub const PAYMENT_NEW_INSTRUMENT: &str = "payment.new_instrument";
    pub const ADDRESS_LOCKER_WITHOUT_UNIT: &str = "address.locker_without_unit";
    pub const ADDRESS_REMOTE_NO_HISTORY: &str = "address.remote_no_history";
    pub const ADDRESS_FREQUENT_CHANGE: &str = "address.frequent_change";
    pub const CONTACT_PHONE_INVALID: &str = "contact.phone_invalid";
    pub const CONTACT_PHONE_UNREACHABLE: &str = "contact.phone_unreachable";
    pub const CONTACT_PHONE_FRAUD_LISTED: &str = "contact.phone_fraud_listed";
    pub const CONTACT_RECIPIENT_MISMATCH: &str = "contact.recipient_mismatch";
    pub const PRODUCT_HIGH_VALUE_NO_HISTORY: &str = "product.high_value_no_history";
    pub const PRODUCT_FRAUD_LINKED: &str = "product.fraud_linked";
    pub const BEHAVIOR_ORDER_BURST: &str = "behavior.order_burst";
    pub const BEHAVIOR_NIGHT_BATCH: &str = "behavior.night_batch";
    pub const BEHAVIOR_FREQUENT_CANCEL: &str = "behavior.frequent_cancel";
    pub const BEHAVIOR_MULTI_ACCOUNT: &str = "behavior.multi_account";
    pub const LOGISTICS_STALLED: &str = "logistics.stalled";
    pub const AFTERSALES_HIGH_RETURN_RATE: &str = "aftersales.high_return_rate";
    pub const AFTERSALES_HIGH_RISK_COMPLAINT: &str = "aftersales.high_risk_complaint";
    pub const LIST_BLOCKED: &str = "list.blocked";
    /// Not a rule that flags: the allow-list mechanism, named for completeness.
    pub const LIST_ALLOWED: &str = "list.allowed";
    pub const DATA_INCONSISTENT: &str = "data.inconsistent";
    pub const CASE_STOLEN_CARD: &str = "case.stolen_card";
    pub const CASE_REMOTE_LOCKER_NO_HISTORY: &str = "case.remote_locker_no_history";

    /// Every id of the catalogue that names a rule, in declaration order.
    pub const ALL: [&str; 29] = [
        PAYMENT_AMOUNT_MISMATCH,
        PAYMENT_FAILED_ATTEMPTS,
        PAYMENT_INSUFFICIENT_BALANCE,
        PAYMENT_TIMEOUT,
        PAYMENT_LARGE_AMOUNT,
        PAYMENT_REMOTE_LOGIN,
        PAYMENT_ACCOUNT_CHURN,
        PAYMENT_AMOUNT_SPIKE,
        PAYMENT_NEW_INSTRUMENT,
        ADDRESS_LOCKER_WITHOUT_UNIT,
        ADDRESS_REMOTE_NO_HISTORY,
        ADDRESS_FREQUENT_CHANGE,
        CONTACT_PHONE_INVALID,
        CONTACT_PHONE_UNREACHABLE,
        CONTACT_PHONE_FRAUD_LISTED,
        CONTACT_RECIPIENT_MISMATCH,
        PRODUCT_HIGH_VALUE_NO_HISTORY,
        PRODUCT_FRAUD_LINKED,
        BEHAVIOR_ORDER_BURST,
        BEHAVIOR_NIGHT_BATCH,
        BEHAVIOR_FREQUENT_CANCEL,
        BEHAVIOR_MULTI_ACCOUNT,
        LOGISTICS_STALLED,
        AFTERSALES_HIGH_RETURN_RATE,
        AFTERSALES_HIGH_RISK_COMPLAINT,
        LIST_BLOCKED,
        DATA_INCONSISTENT,
        CASE_STOLEN_CARD,
        CASE_REMOTE_LOCKER_NO_HISTORY,
    ];
}

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
const BUILTINS: [(&str, Make); 29] = [
    (ids::PAYMENT_AMOUNT_MISMATCH, make::<payment::AmountMismatch>),
    (ids::PAYMENT_FAILED_ATTEMPTS, make::<payment::FailedAttempts>),
    (ids::PAYMENT_INSUFFICIENT_BALANCE, make::<payment::InsufficientBalance>),
    (ids::PAYMENT_TIMEOUT, make::<payment::PaymentTimeout>),
    (ids::PAYMENT_LARGE_AMOUNT, make::<payment::LargeAmount>),
    (ids::PAYMENT_REMOTE_LOGIN, make::<payment::RemoteLogin>),
    (ids::PAYMENT_ACCOUNT_CHURN, make::<payment::AccountChurn>),
    (ids::PAYMENT_AMOUNT_SPIKE, make::<payment::AmountSpike>),
    (ids::PAYMENT_NEW_INSTRUMENT, make::<payment::NewInstrument>),
    (ids::ADDRESS_LOCKER_WITHOUT_UNIT, make::<address::LockerWithoutUnit>),
    (ids::ADDRESS_REMOTE_NO_HISTORY, make::<address::RemoteNoHistory>),
    (ids::ADDRESS_FREQUENT_CHANGE, make::<address::FrequentChange>),
    (ids::CONTACT_PHONE_INVALID, make::<contact::PhoneInvalid>),
    (ids::CONTACT_PHONE_UNREACHABLE, make::<contact::PhoneUnreachable>),
    (ids::CONTACT_PHONE_FRAUD_LISTED, make::<contact::PhoneFraudListed>),
    (ids::CONTACT_RECIPIENT_MISMATCH, make::<contact::RecipientMismatch>),
    (ids::PRODUCT_HIGH_VALUE_NO_HISTORY, make::<product::HighValueNoHistory>),
    (ids::PRODUCT_FRAUD_LINKED, make::<product::FraudLinked>),
    (ids::BEHAVIOR_ORDER_BURST, make::<behavior::OrderBurst>),
    (ids::BEHAVIOR_NIGHT_BATCH, make::<behavior::NightBatch>),
    (ids::BEHAVIOR_FREQUENT_CANCEL, make::<behavior::FrequentCancel>),
    (ids::BEHAVIOR_MULTI_ACCOUNT, make::<behavior::MultiAccount>),
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
pub fn builtin_with_params(id: &str, params: &serde_json::Value) -> Option<Result<Arc<dyn Rule>, String>> {
    BUILTINS.iter().find(|(b, _)| *b == id).map(|(_, make)| make(Some(params)))
}

/// Whether `id` names a built-in rule.
pub fn is_builtin(id: &str) -> bool {
    BUILTINS.iter().any(|(b, _)| *b == id)
}

/// Collects parameter problems for a rule's `validate`.
#[derive(Debug, Default)]
pub(crate) struct Checks(Vec<ParamIssue>);

impl Checks {
    pub(crate) fn window(mut self, field: &'static str, w: Window) -> Self {
        if w.as_secs() == 0 {
            self.0.push(ParamIssue::new(field, "must be a window longer than zero"));
        }
        self
    }
    pub(crate) fn at_least_one(mut self, field: &'static str, n: u32) -> Self {
        if n == 0 {
            self.0.push(ParamIssue::new(field, "must be at least 1"));
        }
        self
    }
    pub(crate) fn non_negative(mut self, field: &'static str, d: Decimal) -> Self {
        if d.is_sign_negative() && !d.is_zero() {
            self.0.push(ParamIssue::new(field, format!("must not be negative, got {d}")));
        }
        self
    }
    pub(crate) fn rate(mut self, field: &'static str, d: Decimal) -> Self {
        if d < Decimal::ZERO || d > Decimal::ONE {
            self.0.push(ParamIssue::new(field, format!("must be a fraction from 0 to 1, got {d}")));
        }
        self
    }
    pub(crate) fn hour(mut self, field: &'static str, h: u32) -> Self {
        if h > 24 {
            self.0.push(ParamIssue::new(field, format!("must be an hour from 0 to 24, got {h}")));
        }
        self
    }
    pub(crate) fn non_empty<T>(mut self, field: &'static str, v: &[T]) -> Self {
        if v.is_empty() {
            self.0.push(ParamIssue::new(field, "must not be empty"));
        }
        self
    }
    pub(crate) fn issue(mut self, field: &'static str, bad: bool, reason: &str) -> Self {
        if bad {
            self.0.push(ParamIssue::new(field, reason));
        }
        self
    }
    pub(crate) fn done(self) -> Vec<ParamIssue> {
        self.0
    }
}

/// A percentage for messages: `0.3` → `30%`.
pub(crate) fn pct(d: Decimal) -> String {
    match d.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.round_dp(1).normalize()),
        None => format!("{d}"),
    }
}

/// Hours, one decimal place, for messages.
pub(crate) fn hours(d: chrono::Duration) -> String {
    let h = Decimal::from(d.num_minutes()) / Decimal::from(60);
    format!("{}h", h.round_dp(1).normalize())
}
