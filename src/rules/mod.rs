//! The built-in rules, one module per abnormal-order type of the catalogue.
//!
//! Every rule is a plain struct whose public fields are its parameters, with
//! `Default` giving the catalogue's defaults and serde for configuration
//! files. Replace a built-in rule's parameters with
//! [`EngineBuilder::rule`](crate::EngineBuilder::rule).

use std::sync::Arc;

use rust_decimal::Decimal;

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

/// Every built-in rule with the catalogue's defaults, in declaration order
/// (the order of [`ids::ALL`]).
pub fn builtin() -> Vec<Arc<dyn Rule>> {
    vec![
        Arc::new(payment::AmountMismatch::default()),
        Arc::new(payment::FailedAttempts::default()),
        Arc::new(payment::InsufficientBalance::default()),
        Arc::new(payment::PaymentTimeout::default()),
        Arc::new(payment::LargeAmount::default()),
        Arc::new(payment::RemoteLogin::default()),
        Arc::new(payment::AccountChurn::default()),
        Arc::new(payment::AmountSpike::default()),
        Arc::new(payment::NewInstrument::default()),
        Arc::new(address::LockerWithoutUnit::default()),
        Arc::new(address::RemoteNoHistory::default()),
        Arc::new(address::FrequentChange::default()),
        Arc::new(contact::PhoneInvalid::default()),
        Arc::new(contact::PhoneUnreachable::default()),
        Arc::new(contact::PhoneFraudListed::default()),
        Arc::new(contact::RecipientMismatch::default()),
        Arc::new(product::HighValueNoHistory::default()),
        Arc::new(product::FraudLinked::default()),
        Arc::new(behavior::OrderBurst::default()),
        Arc::new(behavior::NightBatch::default()),
        Arc::new(behavior::FrequentCancel::default()),
        Arc::new(behavior::MultiAccount::default()),
        Arc::new(logistics::Stalled::default()),
        Arc::new(aftersales::HighReturnRate::default()),
        Arc::new(aftersales::HighRiskComplaint::default()),
        Arc::new(lists::Blocked::default()),
        Arc::new(data::Inconsistent::default()),
        Arc::new(composite::stolen_card()),
        Arc::new(composite::remote_locker_no_history()),
    ]
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
