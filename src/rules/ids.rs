//! The catalogue's rule ids, as constants: the public names of the
//! built-in rules (configuration, flags and metrics use them).
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
pub const PAYMENT_INSTRUMENT_SHARED: &str = "payment.instrument_shared";
pub const ADDRESS_LOCKER_WITHOUT_UNIT: &str = "address.locker_without_unit";
pub const ADDRESS_REMOTE_NO_HISTORY: &str = "address.remote_no_history";
pub const ADDRESS_FREQUENT_CHANGE: &str = "address.frequent_change";
pub const CONTACT_PHONE_INVALID: &str = "contact.phone_invalid";
pub const CONTACT_PHONE_UNREACHABLE: &str = "contact.phone_unreachable";
pub const CONTACT_PHONE_FRAUD_LISTED: &str = "contact.phone_fraud_listed";
pub const CONTACT_RECIPIENT_MISMATCH: &str = "contact.recipient_mismatch";
pub const PRODUCT_HIGH_VALUE_NO_HISTORY: &str = "product.high_value_no_history";
pub const PRODUCT_FRAUD_LINKED: &str = "product.fraud_linked";
pub const PRODUCT_TURNOVER_SPIKE: &str = "product.turnover_spike";
pub const PRODUCT_STOCK_SHARE: &str = "product.stock_share";
pub const BEHAVIOR_ORDER_BURST: &str = "behavior.order_burst";
pub const BEHAVIOR_NIGHT_BATCH: &str = "behavior.night_batch";
pub const BEHAVIOR_FREQUENT_CANCEL: &str = "behavior.frequent_cancel";
pub const BEHAVIOR_MULTI_ACCOUNT: &str = "behavior.multi_account";
pub const BEHAVIOR_ENTITY_VELOCITY: &str = "behavior.entity_velocity";
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
pub const ALL: [&str; 33] = [
    PAYMENT_AMOUNT_MISMATCH,
    PAYMENT_FAILED_ATTEMPTS,
    PAYMENT_INSUFFICIENT_BALANCE,
    PAYMENT_TIMEOUT,
    PAYMENT_LARGE_AMOUNT,
    PAYMENT_REMOTE_LOGIN,
    PAYMENT_ACCOUNT_CHURN,
    PAYMENT_AMOUNT_SPIKE,
    PAYMENT_NEW_INSTRUMENT,
    PAYMENT_INSTRUMENT_SHARED,
    ADDRESS_LOCKER_WITHOUT_UNIT,
    ADDRESS_REMOTE_NO_HISTORY,
    ADDRESS_FREQUENT_CHANGE,
    CONTACT_PHONE_INVALID,
    CONTACT_PHONE_UNREACHABLE,
    CONTACT_PHONE_FRAUD_LISTED,
    CONTACT_RECIPIENT_MISMATCH,
    PRODUCT_HIGH_VALUE_NO_HISTORY,
    PRODUCT_FRAUD_LINKED,
    PRODUCT_TURNOVER_SPIKE,
    PRODUCT_STOCK_SHARE,
    BEHAVIOR_ORDER_BURST,
    BEHAVIOR_NIGHT_BATCH,
    BEHAVIOR_FREQUENT_CANCEL,
    BEHAVIOR_MULTI_ACCOUNT,
    BEHAVIOR_ENTITY_VELOCITY,
    LOGISTICS_STALLED,
    AFTERSALES_HIGH_RETURN_RATE,
    AFTERSALES_HIGH_RISK_COMPLAINT,
    LIST_BLOCKED,
    DATA_INCONSISTENT,
    CASE_STOLEN_CARD,
    CASE_REMOTE_LOCKER_NO_HISTORY,
];
