//! Address and contact rules: fire, just below, missing data.

#[macro_use]
mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use order_anomaly::model::{AddressChange, VerificationCall};
use order_anomaly::{Decision, Engine, EvalContext, Lists, ids::*};

fn ship_to(province: &str, code: Option<&str>, detail: &str) -> order_anomaly::Order {
    let mut o = order();
    let s = o.shipping.as_mut().unwrap();
    s.province = Some(province.into());
    s.region_code = code.map(str::to_owned);
    s.detail = Some(detail.into());
    o
}

mod locker_without_unit {
    use super::*;

    #[test]
    fn fires_for_a_locker_with_no_number() {
        for detail in ["XX小区丰巢快递柜代收", "中关村大街1号菜鸟驿站", "智能快递柜 自取", "Parcel locker, collect"]
        {
            let a = eval(&ship_to("广东省", None, detail), &ctx());
            assert_fires(&a, ADDRESS_LOCKER_WITHOUT_UNIT);
        }
    }

    #[test]
    fn quiet_with_a_locker_number() {
        for detail in
            ["丰巢快递柜12号柜", "菜鸟驿站 A-03格口", "智能快递柜１２号", "parcel locker 15", "科技园路8号A座1201室"]
        {
            assert_quiet(&eval(&ship_to("广东省", None, detail), &ctx()), ADDRESS_LOCKER_WITHOUT_UNIT);
        }
    }

    #[test]
    fn skipped_without_a_detail_line() {
        let mut o = order();
        o.shipping.as_mut().unwrap().detail = None;
        assert_skipped(&eval(&o, &ctx()), ADDRESS_LOCKER_WITHOUT_UNIT);
    }

    #[test]
    fn evidence_masks_the_address_line_unless_revealed() {
        let o = ship_to("广东省", None, "XX小区丰巢快递柜代收");
        let a = eval(&o, &ctx());
        assert_eq!(evidence(a.flag(ADDRESS_LOCKER_WITHOUT_UNIT).unwrap(), "address_line"), "***");
        let raw = Engine::builder().reveal_personal_data(true).build().unwrap().evaluate(&o, &ctx());
        assert_eq!(evidence(raw.flag(ADDRESS_LOCKER_WITHOUT_UNIT).unwrap(), "address_line"), "XX小区丰巢快递柜代收");
    }
}

mod remote_no_history {
    use super::*;

    #[test]
    fn fires_for_a_remote_region_never_shipped_to() {
        let a = eval(&ship_to("新疆维吾尔自治区", Some("650102"), "友好北路1号"), &ctx());
        assert_eq!(evidence(assert_fires(&a, ADDRESS_REMOTE_NO_HISTORY), "remote_region"), "新疆");
        // By region code alone.
        let mut o = ship_to("", Some("540102"), "北京中路1号");
        o.shipping.as_mut().unwrap().province = None;
        assert_fires(&eval(&o, &ctx()), ADDRESS_REMOTE_NO_HISTORY);
    }

    #[test]
    fn quiet_with_history_there_or_outside_remote_regions() {
        let mut c = ctx();
        c.user.as_mut().unwrap().destination_regions.push("新疆".into());
        assert_quiet(&eval(&ship_to("新疆维吾尔自治区", None, "友好北路1号"), &c), ADDRESS_REMOTE_NO_HISTORY);
        assert_quiet(&eval(&order(), &ctx()), ADDRESS_REMOTE_NO_HISTORY);
    }

    #[test]
    fn a_new_buyer_has_no_history() {
        let a = eval(&ship_to("西藏自治区", None, "北京中路1号"), &EvalContext::at(now()));
        assert_fires(&a, ADDRESS_REMOTE_NO_HISTORY);
    }

    #[test]
    fn skipped_without_province_or_code() {
        let mut o = order();
        o.shipping.as_mut().unwrap().province = None;
        o.shipping.as_mut().unwrap().region_code = None;
        assert_skipped(&eval(&o, &ctx()), ADDRESS_REMOTE_NO_HISTORY);
    }

    #[test]
    fn an_address_abroad_is_in_no_remote_region_not_missing_a_province() {
        let mut o = order();
        let s = o.shipping.as_mut().unwrap();
        s.country = Some("US".into());
        s.province = None;
        s.region_code = None;
        assert_quiet(&eval(&o, &ctx()), ADDRESS_REMOTE_NO_HISTORY);
    }
}

mod frequent_change {
    use super::*;

    fn changes(days_and_cities: &[(i64, &str)]) -> order_anomaly::EvalContext {
        let mut c = ctx();
        c.user.as_mut().unwrap().address_changes = days_and_cities
            .iter()
            .map(|(d, city)| {
                build!(AddressChange {
                    at: ago(Duration::days(*d)),
                    city: Some((*city).into()),
                    detail: Some(format!("{city}丰巢快递柜").into()),
                })
            })
            .collect();
        c
    }

    /// The source document's user B: three consecutive days, each a parcel
    /// locker in a different city.
    #[test]
    fn user_b_three_days_three_cities_lockers() {
        let a = eval(&order(), &changes(&[(2, "杭州市"), (1, "南京市"), (0, "合肥市")]));
        let f = assert_fires(&a, ADDRESS_FREQUENT_CHANGE);
        assert_eq!(evidence(f, "consecutive_days"), "3");
        assert_eq!(evidence(f, "distinct_cities"), "3");
        assert_eq!(evidence(f, "locker_addresses"), "3");
    }

    #[test]
    fn fires_on_consecutive_days_in_one_city() {
        assert_fires(
            &eval(&order(), &changes(&[(3, "杭州市"), (2, "杭州市"), (1, "杭州市")])),
            ADDRESS_FREQUENT_CHANGE,
        );
    }

    #[test]
    fn fires_on_three_cities_on_scattered_days() {
        assert_fires(
            &eval(&order(), &changes(&[(6, "杭州市"), (3, "南京市"), (0, "合肥市")])),
            ADDRESS_FREQUENT_CHANGE,
        );
    }

    #[test]
    fn quiet_at_two() {
        assert_quiet(&eval(&order(), &changes(&[(1, "杭州市"), (0, "南京市")])), ADDRESS_FREQUENT_CHANGE);
        // Three changes, but one is outside the seven days and the days are not consecutive.
        assert_quiet(
            &eval(&order(), &changes(&[(7, "杭州市"), (3, "南京市"), (3, "杭州市")])),
            ADDRESS_FREQUENT_CHANGE,
        );
    }

    #[test]
    fn skipped_without_profile() {
        assert_skipped(&eval(&order(), &EvalContext::at(now())), ADDRESS_FREQUENT_CHANGE);
    }
}

mod phone_invalid {
    use super::*;

    fn phone(p: &str, country: &str) -> order_anomaly::Order {
        let mut o = order();
        o.recipient.as_mut().unwrap().phone = Some(p.into());
        o.shipping.as_mut().unwrap().country = Some(country.into());
        o
    }

    #[test]
    fn fires_on_malformed_numbers() {
        for p in ["1380013800", "138001380001", "12800138000", "138-0013-800a", "+1 415 555 2671", "110"] {
            let a = eval(&phone(p, "CN"), &ctx());
            assert_fires(&a, CONTACT_PHONE_INVALID);
        }
    }

    #[test]
    fn quiet_on_real_world_formats() {
        for p in [
            "13800138000",
            "+86 138-0013-8000",
            "0086 13800138000",
            "(010) 1234-5678",
            "0755-12345678转123",
            "１３８００１３８０００",
        ] {
            assert_quiet(&eval(&phone(p, "CN"), &ctx()), CONTACT_PHONE_INVALID);
        }
        for (p, c) in
            [("+1 415 555 2671", "US"), ("+44 20 7946 0958", "GB"), ("0049 30 1234567", "DE"), ("(415) 555-2671", "US")]
        {
            assert_quiet(&eval(&phone(p, c), &ctx()), CONTACT_PHONE_INVALID);
        }
    }

    #[test]
    fn evidence_masks_the_phone() {
        let a = eval(&phone("1380013567", "CN"), &ctx());
        assert_eq!(evidence(a.flag(CONTACT_PHONE_INVALID).unwrap(), "phone"), "****567");
    }

    #[test]
    fn skipped_without_phone() {
        let mut o = order();
        o.recipient.as_mut().unwrap().phone = None;
        assert_skipped(&eval(&o, &ctx()), CONTACT_PHONE_INVALID);
    }
}

mod phone_unreachable {
    use super::*;

    fn calls(answered: &[bool]) -> order_anomaly::Order {
        let mut o = order();
        o.verification_calls = answered.iter().map(|a| VerificationCall::new(now(), *a)).collect();
        o
    }

    #[test]
    fn fires_at_three_unanswered() {
        assert_fires(&eval(&calls(&[false, false, false, true]), &ctx()), CONTACT_PHONE_UNREACHABLE);
    }

    #[test]
    fn quiet_at_two() {
        assert_quiet(&eval(&calls(&[false, false, true]), &ctx()), CONTACT_PHONE_UNREACHABLE);
    }

    #[test]
    fn skipped_without_calls() {
        assert_skipped(&eval(&order(), &ctx()), CONTACT_PHONE_UNREACHABLE);
    }
}

mod phone_fraud_listed {
    use super::*;

    #[test]
    fn fires_on_a_listed_number_in_another_format() {
        let c = ctx().with_lists(Lists::new().with_fraud_phone("+86 138-0013-8000"));
        let a = eval(&order(), &c);
        assert_fires(&a, CONTACT_PHONE_FRAUD_LISTED);
        assert_eq!(a.decision(), Decision::Hold);
    }

    #[test]
    fn quiet_on_an_unlisted_number() {
        let c = ctx().with_lists(Lists::new().with_fraud_phone("13800138001"));
        assert_quiet(&eval(&order(), &c), CONTACT_PHONE_FRAUD_LISTED);
    }

    #[test]
    fn engine_lists_count_too() {
        let e = Engine::builder().lists(Lists::new().with_fraud_phone("13800138000")).build().unwrap();
        assert!(e.evaluate(&order(), &ctx()).has_flag(CONTACT_PHONE_FRAUD_LISTED));
    }

    #[test]
    fn skipped_without_list_or_phone() {
        assert_skipped(&eval(&order(), &ctx()), CONTACT_PHONE_FRAUD_LISTED);
        let mut o = order();
        o.recipient = None;
        let c = ctx().with_lists(Lists::new().with_fraud_phone("13800138000"));
        assert_skipped(&eval(&o, &c), CONTACT_PHONE_FRAUD_LISTED);
        let mut garbled = order();
        garbled.recipient.as_mut().unwrap().phone = Some("call me maybe".into());
        let a = eval(&garbled, &c);
        assert_skipped(&a, CONTACT_PHONE_FRAUD_LISTED);
        assert_fires(&a, CONTACT_PHONE_INVALID);
    }
}

mod recipient_mismatch {
    use super::*;

    fn to(name: &str, note: Option<&str>) -> order_anomaly::Order {
        let mut o = order();
        o.recipient.as_mut().unwrap().name = Some(name.into());
        o.buyer_note = note.map(str::to_owned);
        o
    }

    #[test]
    fn fires_for_a_new_name_without_a_note() {
        let a = eval(&to("李四", None), &ctx());
        assert_eq!(evidence(assert_fires(&a, CONTACT_RECIPIENT_MISMATCH), "recipient"), "**");
    }

    #[test]
    fn quiet_with_a_note_or_a_known_name() {
        assert_quiet(&eval(&to("李四", Some("送给朋友的生日礼物")), &ctx()), CONTACT_RECIPIENT_MISMATCH);
        assert_quiet(&eval(&to(" 张三 ", None), &ctx()), CONTACT_RECIPIENT_MISMATCH);
        assert_fires(&eval(&to("李四", Some("  ")), &ctx()), CONTACT_RECIPIENT_MISMATCH);
    }

    #[test]
    fn skipped_without_known_names_or_recipient() {
        assert_skipped(&eval(&to("李四", None), &EvalContext::at(now())), CONTACT_RECIPIENT_MISMATCH);
        let mut o = order();
        o.recipient.as_mut().unwrap().name = None;
        assert_skipped(&eval(&o, &ctx()), CONTACT_RECIPIENT_MISMATCH);
    }
}

/// The source document's examples for addresses and contacts.
mod document_examples {
    use super::*;

    #[test]
    fn a_locker_address_without_a_number() {
        let a = eval(&ship_to("广东省", None, "XX快递柜代收"), &ctx());
        assert_fires(&a, ADDRESS_LOCKER_WITHOUT_UNIT);
    }

    #[test]
    fn a_malformed_phone() {
        let mut o = order();
        o.recipient.as_mut().unwrap().phone = Some("138-0013-80".into());
        assert_fires(&eval(&o, &ctx()), CONTACT_PHONE_INVALID);
    }

    #[test]
    fn local_calendar_days_use_the_offset() {
        // 23:30 and 00:30 local on consecutive days are 15:30 and 16:30 UTC on one day.
        let mut c = ctx();
        c.now = Utc.with_ymd_and_hms(2026, 3, 10, 17, 0, 0).unwrap();
        c.user.as_mut().unwrap().address_changes = [(2026, 3, 9, 15, 30), (2026, 3, 9, 16, 30), (2026, 3, 10, 16, 30)]
            .iter()
            .map(|&(y, m, d, h, mi)| {
                build!(AddressChange {
                    at: Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap(),
                    city: Some("杭州市".into()),
                    detail: None,
                })
            })
            .collect();
        assert_fires(&eval(&order(), &c), ADDRESS_FREQUENT_CHANGE);
        c.utc_offset = order_anomaly::UtcOffset::east(0).unwrap();
        assert_quiet(&eval(&order(), &c), ADDRESS_FREQUENT_CHANGE);
    }
}
