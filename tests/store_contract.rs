//! The store contract: a store that cannot answer makes the engine skip the
//! history rules instead of judging a known buyer new; the conformance suite
//! catches a store that breaks the contract.

#[macro_use]
mod common;

use common::*;
use order_anomaly::model::{ProductProfile, UserProfile};
use order_anomaly::profile::{Applied, Event, InMemoryStore, ProfileRead, ProfileWrite, StoreError, conformance};
use order_anomaly::{Order, Stage, UtcOffset, ids};

/// A store whose database is down.
struct Down;

impl ProfileRead for Down {
    fn user_profile(&self, _: &str, _: Option<&str>) -> Result<Option<UserProfile>, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    fn product_profile(&self, _: &str) -> Result<Option<ProductProfile>, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    fn order(&self, id: &str) -> Result<Order, StoreError> {
        Err(StoreError::not_found("order", id))
    }
    fn stage(&self, _: &str) -> Result<Option<Stage>, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
}

#[test]
fn an_unavailable_store_skips_history_rules_and_never_judges_the_buyer_new() {
    // A first-time-looking order: remote region, high-value goods, a new card.
    let mut o = order();
    o.items[0].category = Some("黄金".into());
    o.items[0].unit_price = dec("1999.00");
    let s = o.shipping.as_mut().unwrap();
    s.province = Some("新疆维吾尔自治区".into());
    s.region_code = Some("650102".into());
    let err = Down.context_for(&o, now(), UtcOffset::china()).unwrap_err();
    assert_eq!(err.to_string(), "profile store unavailable: connection refused");
    let ctx = Down.context_or_unavailable(&o, now(), UtcOffset::china());
    let a = eval(&o, &ctx);
    for id in [
        ids::ADDRESS_REMOTE_NO_HISTORY,
        ids::PRODUCT_HIGH_VALUE_NO_HISTORY,
        ids::PAYMENT_AMOUNT_SPIKE,
        ids::PAYMENT_NEW_INSTRUMENT,
        ids::BEHAVIOR_MULTI_ACCOUNT,
        ids::CASE_REMOTE_LOCKER_NO_HISTORY,
    ] {
        assert!(!a.has_flag(id), "{id} fired on an outage");
        let s = a.skipped().iter().find(|s| s.rule_id.as_str() == id);
        if id != ids::CASE_REMOTE_LOCKER_NO_HISTORY {
            assert_eq!(s.map(|s| s.missing.as_ref()), Some("profile store unavailable"), "{id}");
        }
    }
    // Rules that read only the order still judge it.
    let mut big = o.clone();
    big.payable_amount = dec("9000");
    assert!(eval(&big, &ctx).has_flag(ids::PAYMENT_LARGE_AMOUNT));
    // The same order with the history known (a new buyer) does fire them.
    let known = eval(&o, &order_anomaly::EvalContext::at(now()));
    assert!(known.has_flag(ids::ADDRESS_REMOTE_NO_HISTORY));
    assert!(known.has_flag(ids::PRODUCT_HIGH_VALUE_NO_HISTORY));
}

#[test]
fn the_unavailable_marker_travels_in_json() {
    let ctx = Down.context_or_unavailable(&order(), now(), UtcOffset::china());
    let json = serde_json::to_value(&ctx).unwrap();
    assert_eq!(json["history"], "unavailable");
    let back: order_anomaly::EvalContext = serde_json::from_value(json).unwrap();
    assert_eq!(back, ctx);
}

/// A store that forgets event ids: a redelivered event counts twice.
struct Forgetful(InMemoryStore, u64);

impl ProfileRead for Forgetful {
    fn user_profile(&self, u: &str, x: Option<&str>) -> Result<Option<UserProfile>, StoreError> {
        ProfileRead::user_profile(&self.0, u, x)
    }
    fn product_profile(&self, p: &str) -> Result<Option<ProductProfile>, StoreError> {
        ProfileRead::product_profile(&self.0, p)
    }
    fn order(&self, id: &str) -> Result<Order, StoreError> {
        ProfileRead::order(&self.0, id)
    }
    fn stage(&self, id: &str) -> Result<Option<Stage>, StoreError> {
        ProfileRead::stage(&self.0, id)
    }
}

impl ProfileWrite for Forgetful {
    fn apply(&mut self, e: &Event) -> Result<Applied, StoreError> {
        self.1 += 1;
        let renamed = Event::new(format!("{}#{}", e.id, self.1), e.at, e.kind.clone());
        ProfileWrite::apply(&mut self.0, &renamed)
    }
}

#[test]
fn the_conformance_suite_catches_a_store_that_breaks_the_contract() {
    assert_eq!(conformance::check(InMemoryStore::new), Ok(()));
    let failures = conformance::check(|| Forgetful(InMemoryStore::new(), 0)).unwrap_err();
    assert!(failures.iter().any(|f| f.starts_with("a redelivered event changes nothing")), "{failures:?}");
}
