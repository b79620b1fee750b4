//! Mainland China's numbering plan, from libphonenumber's metadata.
//!
//! Which numbers are valid, and how a number written nationally or
//! internationally reduces to its national significant number, follow
//! libphonenumber (Google's numbering-plan metadata, the reference OMS
//! integrations are checked against): the patterns in [`cn_plan`] are
//! generated from its `PhoneNumberMetadata.xml`, and
//! `tests/fixtures/phones-cn.csv` holds libphonenumber's verdicts on a few
//! thousand numbers for the tests to agree with.
//!
//! The patterns are compiled once, on first use; matching a number
//! allocates nothing after that.

mod cn_plan;

use std::sync::LazyLock;

use regex::Regex;

/// The compiled plan.
struct Plan {
    /// A number that could be Chinese at all (libphonenumber's general description).
    general: Regex,
    /// The kinds of valid number, each with its valid lengths.
    kinds: Vec<(Regex, &'static [usize])>,
    /// A carrier-selection code or trunk `0` before a national number.
    national_prefix: Regex,
    /// An international dialling prefix (`00`, or a carrier's `1xxxx00`).
    international_prefix: Regex,
}

/// The plan, or `None` if a pattern failed to compile (a test pins that
/// they all do; without them every number would read as not valid).
static PLAN: LazyLock<Option<Plan>> = LazyLock::new(|| {
    let whole = |p: &str| Regex::new(&format!("^(?:{p})$")).ok();
    let start = |p: &str| Regex::new(&format!("^(?:{p})")).ok();
    let mut kinds = Vec::new();
    let mut general = None;
    for (name, pattern, lengths) in cn_plan::KINDS {
        if *name == "generalDesc" {
            general = whole(pattern);
        } else {
            kinds.push((*name, whole(pattern)?, *lengths));
        }
    }
    // Mobiles first: most numbers an OMS sees are, and the mobile pattern is
    // a fraction of the fixed-line one, which also admits 11 digits.
    kinds.sort_by_key(|(name, _, _)| *name != "mobile");
    let kinds = kinds.into_iter().map(|(_, re, lengths)| (re, lengths)).collect();
    Some(Plan {
        general: general?,
        kinds,
        national_prefix: start(cn_plan::NATIONAL_PREFIX_FOR_PARSING)?,
        international_prefix: start(cn_plan::INTERNATIONAL_PREFIX)?,
    })
});

/// China's country calling code.
pub(crate) const COUNTRY_CODE: &str = "86";

/// The longest national significant number the plan has (12 digits).
const LONGEST: usize = 12;

/// Whether `nsn` (national significant number, ASCII digits) is a valid
/// mainland number of some kind: fixed line, mobile, toll-free, premium
/// rate or shared cost, as libphonenumber's `isValidNumberForRegion(CN)`.
pub(crate) fn is_valid(nsn: &str) -> bool {
    let Some(plan) = PLAN.as_ref() else { return false };
    plan.general.is_match(nsn)
        && plan.kinds.iter().any(|(re, lengths)| lengths.contains(&nsn.len()) && re.is_match(nsn))
}

/// Whether `digits` could be a national number at all.
fn is_viable(digits: &str) -> bool {
    PLAN.as_ref().is_some_and(|p| p.general.is_match(digits))
}

/// `digits` without an international dialling prefix, if it starts with one.
pub(crate) fn strip_international_prefix(digits: &str) -> Option<&str> {
    if is_plain_mobile(digits) {
        return None;
    }
    let m = PLAN.as_ref()?.international_prefix.find(digits)?;
    digits.get(m.end()..).filter(|rest| !rest.is_empty())
}

/// The national significant number of a number written nationally (or
/// after `+86`): a trunk `0` or carrier-selection code is dropped, unless
/// the number was viable with it and is not without it (libphonenumber's
/// `maybeStripNationalPrefixAndCarrierCode`).
pub(crate) fn national_significant(digits: &str) -> &str {
    if is_plain_mobile(digits) {
        return digits;
    }
    let Some(plan) = PLAN.as_ref() else { return digits };
    let Some(m) = plan.national_prefix.find(digits) else { return digits };
    let rest = digits.get(m.end()..).unwrap_or("");
    if rest.is_empty() || (is_viable(digits) && !is_viable(rest)) { digits } else { rest }
}

/// The fast path of the prefix checks, no regex: an 11-digit number starting
/// 13-16, 17[0-8] or 18-19 (every mobile) has neither an international
/// prefix (`00`, `1[12]xx00`, `179xx00`) nor a national one to drop.
fn is_plain_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11
        && b.first() == Some(&b'1')
        && match b.get(1) {
            Some(b'3'..=b'6' | b'8' | b'9') => true,
            Some(b'7') => b.get(2) != Some(&b'9'),
            _ => false,
        }
}

/// For a number written without `+` or an international prefix: the part
/// after a leading `86` when the number reads as Chinese only without it
/// (`8613800138000`), as libphonenumber's `maybeExtractCountryCode`.
pub(crate) fn strip_country_code(digits: &str) -> Option<&str> {
    let rest = digits.strip_prefix(COUNTRY_CODE)?;
    let nsn = national_significant(rest);
    ((!is_viable(digits) && is_viable(nsn)) || digits.len() > LONGEST).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        let plan = PLAN.as_ref().expect("the plan compiles");
        assert_eq!(plan.kinds.len(), cn_plan::KINDS.len() - 1);
    }

    #[test]
    fn kinds_of_number() {
        for valid in ["13800138000", "1088888888", "2088888888", "75512345678", "4001234567", "8001234567"] {
            assert!(is_valid(valid), "{valid}");
        }
        for invalid in ["14012345678", "11012345678", "138001380", "12345"] {
            assert!(!is_valid(invalid), "{invalid}");
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(national_significant("01088888888"), "1088888888");
        assert_eq!(national_significant("13800138000"), "13800138000");
        assert_eq!(strip_international_prefix("008613800138000"), Some("8613800138000"));
        assert_eq!(strip_country_code("8613800138000"), Some("13800138000"));
        assert_eq!(strip_country_code("86123"), None);
    }
}
