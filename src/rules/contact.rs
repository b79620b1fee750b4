//! Contact rules (联系方式异常 / 收件人信息矛盾).

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::Order;
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::{PhoneKey, same_text};
use crate::vocab::{ParamIssue, Personal};

fn phone(o: &Order) -> Option<&str> {
    o.recipient.as_ref().and_then(|r| r.phone.as_deref()).filter(|p| !p.trim().is_empty())
}

builtin_rule! {
    /// `contact.phone_invalid`: the recipient phone is no valid number for the
    /// destination country.
    ///
    /// Mainland China (`CN`): a mobile number (`1[3-9]` + 9 digits) or a landline
    /// with its area code, with or without `+86`/`0086`, spaces and dashes.
    /// Elsewhere: an international number of E.164 shape (`+` or `00`, a country
    /// code, 8-15 digits), or a national number of 6-14 digits. This is a shape
    /// check: it does not know every country's numbering plan.
    pub struct PhoneInvalid {
    }
    id: crate::rules::ids::CONTACT_PHONE_INVALID, category: Contact, points: 20,
}

fn valid_for(key: &PhoneKey, country: &str) -> bool {
    if country.eq_ignore_ascii_case("CN") {
        key.is_valid_cn()
    } else {
        key.is_e164_shaped() || (!key.is_international() && (6..=14).contains(&key.digits().len()))
    }
}

impl Logic for PhoneInvalid {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let o = input.order();
        let Some(raw) = phone(o) else {
            return Outcome::missing("recipient.phone");
        };
        let country = o
            .shipping
            .as_ref()
            .and_then(|s| s.country.as_deref())
            .unwrap_or_else(|| input.reference().default_country());
        if input.recipient_phone().is_some_and(|k| valid_for(&k, country)) {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::CONTACT_PHONE_INVALID,
            facts([input.show_fact(Personal::Phone, raw), Fact::text(country)]),
            |[shown, country, ..]| {
                Text::new(
                    format!("收件人电话 {shown} 不是 {country} 的有效号码"),
                    format!("recipient phone {shown} is not a valid number for {country}"),
                )
                .evidence("phone", shown, None::<&str>)
                .evidence("country", country, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `contact.phone_unreachable`: verification calls went unanswered.
    pub struct PhoneUnreachable {
        /// Unanswered calls that fire the rule (default 3).
        pub min_unanswered: u32 = 3,
    }
    id: ids::CONTACT_PHONE_UNREACHABLE, category: Contact, points: 20,
}

impl Logic for PhoneUnreachable {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_unanswered", self.min_unanswered).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let calls = &input.order().verification_calls;
        if calls.is_empty() {
            return Outcome::missing("verification_calls");
        }
        let missed = u32::try_from(calls.iter().filter(|c| !c.answered).count()).unwrap_or(u32::MAX);
        if missed < self.min_unanswered {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::CONTACT_PHONE_UNREACHABLE,
            facts([missed.into(), self.min_unanswered.into(), calls.len().into()]),
            |[missed, limit, calls, ..]| {
                Text::new(
                    format!("核实电话 {missed} 次无人接听"),
                    format!("{missed} verification calls went unanswered"),
                )
                .evidence("unanswered_calls", missed, Some(limit))
                .evidence("calls", calls, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `contact.phone_fraud_listed`: the phone is on the fraud-number list (the
    /// engine's or the context's).
    pub struct PhoneFraudListed {
    }
    id: ids::CONTACT_PHONE_FRAUD_LISTED, category: Contact, points: 60,
}

impl Logic for PhoneFraudListed {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(raw) = phone(input.order()) else {
            return Outcome::missing("recipient.phone");
        };
        let lists = input.lists();
        if lists.iter().all(|l| l.fraud_phones().is_empty()) {
            return Outcome::missing("fraud-phone list");
        }
        // A phone that is no phone cannot be looked up: not judged, not passed
        // (contact.phone_invalid flags it).
        let Some(key) = input.recipient_phone() else {
            return Outcome::missing("a recipient phone that parses");
        };
        if !lists.iter().any(|l| l.is_fraud_phone(&key)) {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::CONTACT_PHONE_FRAUD_LISTED,
            facts([input.show_fact(Personal::Phone, raw)]),
            |[shown, ..]| {
                Text::new(
                    format!("收件人电话 {shown} 被标记为诈骗号码"),
                    format!("recipient phone {shown} is on the fraud-number list"),
                )
                .evidence("phone", shown, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `contact.recipient_mismatch`: the recipient's name is on none of the buyer's
    /// past orders, and no buyer note explains it.
    pub struct RecipientMismatch {
    }
    id: ids::CONTACT_RECIPIENT_MISMATCH, category: Contact, points: 15,
}

impl Logic for RecipientMismatch {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let o = input.order();
        let Some(name) = o.recipient.as_ref().and_then(|r| r.name.as_deref()).filter(|n| !n.trim().is_empty()) else {
            return Outcome::missing("recipient.name");
        };
        let known = input.user().map(|u| u.recipient_names.as_slice()).unwrap_or_default();
        if known.is_empty() {
            return Outcome::missing("user.recipient_names");
        }
        let noted = o.buyer_note.as_deref().is_some_and(|n| !n.trim().is_empty());
        if noted || known.iter().any(|k| same_text(k, name)) {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::CONTACT_RECIPIENT_MISMATCH,
            facts([input.show_fact(Personal::Name, name), known.len().into()]),
            |[shown, known, ..]| {
                Text::new(
                    format!("收件人 {shown} 与历史订单均不一致，且无备注说明"),
                    format!("recipient {shown} appears on no past order and the order has no note"),
                )
                .evidence("recipient", shown, None::<&str>)
                .evidence("known_recipients", known, None::<&str>)
            },
        ))
    }
}
