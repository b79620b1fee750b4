//! Mainland-China phone validity agrees with libphonenumber.
//!
//! `tests/fixtures/phones-cn.csv` holds 4,000 numbers in the shapes an OMS
//! sees (+86 / 0086 / 86 prefixes, spaces, dashes, brackets, full-width
//! digits, near-misses), each with libphonenumber's verdict for region CN
//! (written by `tools/phone-corpus`). `contact.phone_invalid` must fire
//! exactly on the numbers libphonenumber calls invalid, on every one of
//! them; the differences are listed when the test fails. A numbering-plan
//! update that lands in the corpus before the patterns fails here on
//! purpose: the patterns follow in the same change.

#[macro_use]
mod common;

use common::*;
use order_anomaly::ids::CONTACT_PHONE_INVALID;

#[test]
fn phone_validity_agrees_with_libphonenumber() {
    let corpus = include_str!("fixtures/phones-cn.csv");
    let mut total = 0usize;
    let mut differ = Vec::new();
    let engine = order_anomaly::Engine::default();
    let context = ctx();
    for line in corpus.lines().skip(1) {
        let (number, verdict) = line.rsplit_once(',').unwrap();
        let valid: bool = verdict.parse().unwrap();
        let mut o = order();
        o.recipient.as_mut().unwrap().phone = Some(number.to_owned());
        let a = engine.evaluate(&o, &context);
        let ours = !a.has_flag(CONTACT_PHONE_INVALID);
        total += 1;
        if ours != valid {
            differ.push(format!("{number}: libphonenumber {valid}, crate {ours}"));
        }
    }
    assert_eq!(total, 4000);
    assert!(differ.is_empty(), "{} of {total} numbers differ:\n{}", differ.len(), differ.join("\n"));
}

#[test]
fn a_landline_after_plus_86_is_the_same_number_as_with_its_trunk_zero() {
    use order_anomaly::{EntityKind, Lists};
    for written in ["+86 10 8888 8888", "+86 (0)10 8888 8888", "0086 10 88888888", "86(010)88888888"] {
        let mut o = order();
        o.recipient.as_mut().unwrap().phone = Some(written.into());
        let c = ctx().with_lists(Lists::new().with_block(EntityKind::Phone, "010-8888-8888", "chargeback"));
        let a = eval(&o, &c);
        assert!(!a.has_flag(CONTACT_PHONE_INVALID), "{written}");
        assert!(a.has_flag(order_anomaly::ids::LIST_BLOCKED), "{written} matches 010-8888-8888 on a block list");
    }
}
