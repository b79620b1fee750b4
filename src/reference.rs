//! Reference data the rules share: remote regions and parcel-locker patterns.
//!
//! Compiled once when the engine is built, then matched many times without
//! allocating.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::ShippingAddress;
use crate::text::{fold, folded, starts_with_folded};

/// A region on the remote-region list, by name prefix and/or region-code prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Region {
    /// Name prefix: `新疆` matches `新疆维吾尔自治区`.
    pub name: String,
    /// Region-code prefix: `65` matches `650102`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Region {
    /// A region by name prefix alone.
    pub fn named(name: impl Into<String>) -> Self {
        Region { name: name.into(), code: None }
    }

    /// A region by name prefix and region-code prefix.
    pub fn new(name: impl Into<String>, code: impl Into<String>) -> Self {
        Region { name: name.into(), code: Some(code.into()) }
    }

    /// Whether a province name or region code falls in this region.
    pub fn matches(&self, name_or_code: &str) -> bool {
        let v = name_or_code.trim();
        self.matches_trimmed(v, first_folded(v), first_folded(&self.name))
    }

    /// [`Region::matches`] on a trimmed value, given the first folded
    /// characters of the value and of this region's name: a name that does
    /// not start with the value's first character is rejected without
    /// reading further.
    fn matches_trimmed(&self, v: &str, v_first: Option<char>, name_first: Option<char>) -> bool {
        (v_first.is_some() && v_first == name_first && starts_with_folded(v, &self.name))
            || self.code.as_deref().is_some_and(|c| !c.is_empty() && v.starts_with(c))
    }
}

/// The first character of a value once folded (white space skipped).
fn first_folded(v: &str) -> Option<char> {
    folded(v).next()
}

/// The default remote regions of the catalogue: 新疆, 西藏, 青海, 内蒙古, 宁夏,
/// 甘肃, with their GB/T 2260 province codes.
pub(crate) fn default_remote_regions() -> Vec<Region> {
    vec![
        Region::new("新疆", "65"),
        Region::new("西藏", "54"),
        Region::new("青海", "63"),
        Region::new("内蒙古", "15"),
        Region::new("宁夏", "64"),
        Region::new("甘肃", "62"),
    ]
}

/// The default parcel-locker and pickup-station keywords.
pub(crate) fn default_locker_keywords() -> Vec<String> {
    [
        "快递柜",
        "丰巢",
        "智能柜",
        "自提柜",
        "取件柜",
        "储物柜",
        "代收点",
        "驿站",
        "自提点",
        "快递点",
        "代收",
        "parcel locker",
        "locker",
        "pickup station",
        "pick-up station",
        "pickup point",
        "pick-up point",
        "parcel station",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// A unit number right after a locker keyword, or a locker-unit suffix:
/// `12号柜`, `A-03格口`, `１２号`, `locker 15`, `#12`.
const UNIT_AFTER_KEYWORD: &str = r"(?ix)
    ^[\s:：\#\-]*[a-zＡ-Ｚａ-ｚ]?[\s\-－]*\d+(?:$|[^\d号楼栋幢单元室])
  | \d+\s*(?:号柜|号箱|号格口?|格口|柜|箱|格)
  | (?:柜号|箱号|格口号?|取件码|locker|box|no\.?|\#)\s*[:：]?\s*[a-z]?\s*[\-－]?\s*\d+
  | [a-zＡ-Ｚａ-ｚ]\s*[\-－]\s*\d+
  | \d+\s*号(?:$|[^楼院栋幢单室门路街弄巷])";

/// An explicit locker unit anywhere in the line, even before the keyword.
const UNIT_ANYWHERE: &str = r"(?ix)
    \d+\s*(?:号柜|号箱|号格口?|格口)
  | (?:柜号|箱号|格口号?)\s*[:：]?\s*[a-z]?\s*[\-－]?\s*\d+";

/// What the locker matcher saw in an address line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockerMatch<'a> {
    /// The first keyword that named a locker or pickup station.
    pub keyword: &'a str,
    /// Whether a locker or box number was found.
    pub has_unit: bool,
}

/// Remote regions and parcel-locker patterns, compiled.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    remote_regions: Vec<Region>,
    /// The first folded character of each remote region's name.
    remote_first: Vec<Option<char>>,
    locker_keywords: Vec<String>,
    default_country: String,
    locker: AhoCorasick,
    unit_after: Regex,
    unit_anywhere: Regex,
}

/// Reference data that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// A keyword list held an empty entry.
    #[error("locker keyword {index} is empty")]
    EmptyKeyword {
        /// Its position in the list.
        index: usize,
    },
    /// A region had neither a name nor a code.
    #[error("remote region {index} has an empty name")]
    EmptyRegion {
        /// Its position in the list.
        index: usize,
    },
    /// The default country is not a two-letter code.
    #[error("default country `{0}` is not an ISO 3166-1 alpha-2 code")]
    BadCountry(String),
    /// The matcher could not be built.
    #[error("locker keywords cannot be compiled: {0}")]
    Pattern(String),
}

impl ReferenceData {
    /// Compiles reference data. Keywords are matched case-insensitively after
    /// folding full-width forms.
    pub fn new(
        remote_regions: Vec<Region>,
        locker_keywords: Vec<String>,
        default_country: impl Into<String>,
    ) -> Result<Self, ReferenceError> {
        if let Some(index) = locker_keywords.iter().position(|k| k.trim().is_empty()) {
            return Err(ReferenceError::EmptyKeyword { index });
        }
        if let Some(index) = remote_regions.iter().position(|r| r.name.trim().is_empty()) {
            return Err(ReferenceError::EmptyRegion { index });
        }
        let default_country = default_country.into();
        if default_country.len() != 2 || !default_country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ReferenceError::BadCountry(default_country));
        }
        let folded_keywords: Vec<String> = locker_keywords.iter().map(|k| k.chars().map(fold).collect()).collect();
        let locker = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&folded_keywords)
            .map_err(|e| ReferenceError::Pattern(e.to_string()))?;
        let unit_after = Regex::new(UNIT_AFTER_KEYWORD).map_err(|e| ReferenceError::Pattern(e.to_string()))?;
        let unit_anywhere = Regex::new(UNIT_ANYWHERE).map_err(|e| ReferenceError::Pattern(e.to_string()))?;
        let remote_first = remote_regions.iter().map(|r| first_folded(&r.name)).collect();
        Ok(ReferenceData {
            remote_regions,
            remote_first,
            locker_keywords,
            default_country,
            locker,
            unit_after,
            unit_anywhere,
        })
    }

    /// The remote-region list.
    pub fn remote_regions(&self) -> &[Region] {
        &self.remote_regions
    }

    /// The locker keywords.
    pub fn locker_keywords(&self) -> &[String] {
        &self.locker_keywords
    }

    /// The country assumed for addresses that name none.
    pub fn default_country(&self) -> &str {
        &self.default_country
    }

    /// Whether an address line names a parcel locker or pickup station, and
    /// whether it carries a locker number after the (last) keyword.
    pub fn locker(&self, detail: &str) -> Option<LockerMatch<'_>> {
        // Name the first keyword; look for the unit after the last one
        // ("丰巢快递柜代收" names 丰巢 and has no number after 代收).
        // One pass: the first match and the last.
        let mut matches = self.locker.find_iter(detail);
        let first = matches.next()?;
        let last = matches.last().unwrap_or(first);
        let keyword = self.locker_keywords.get(first.pattern().as_usize()).map_or("", String::as_str);
        let after = detail.get(last.end()..).unwrap_or("");
        let has_unit = self.unit_after.is_match(after) || self.unit_anywhere.is_match(detail);
        Some(LockerMatch { keyword, has_unit })
    }

    /// The remote region an address lies in, by region code or province name.
    pub fn remote_region(&self, address: &ShippingAddress) -> Option<&Region> {
        // Trimmed and their first characters folded once, not once per region.
        let fields = [address.region_code.as_deref(), address.province.as_deref()].map(|v| {
            let v = v.map(str::trim);
            (v, v.and_then(first_folded))
        });
        self.remote_regions.iter().zip(&self.remote_first).find_map(|(r, name_first)| {
            let hit = fields.iter().any(|(v, first)| v.is_some_and(|v| r.matches_trimmed(v, *first, *name_first)));
            hit.then_some(r)
        })
    }
}

impl Default for ReferenceData {
    /// The catalogue's defaults: remote regions, locker keywords, country `CN`.
    #[allow(clippy::expect_used)] // constant input, pinned by the `defaults_compile` test
    fn default() -> Self {
        ReferenceData::new(default_remote_regions(), default_locker_keywords(), "CN")
            .expect("the default reference data compiles")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locker(s: &str) -> Option<bool> {
        ReferenceData::default().locker(s).map(|m| m.has_unit)
    }

    #[test]
    fn defaults_compile() {
        assert!(ReferenceData::new(default_remote_regions(), default_locker_keywords(), "CN").is_ok());
    }

    #[test]
    fn lockers_with_and_without_units() {
        assert_eq!(locker("XX小区丰巢快递柜代收"), Some(false));
        assert_eq!(locker("科技园路8号丰巢快递柜"), Some(false));
        assert_eq!(locker("中关村大街1号菜鸟驿站"), Some(false));
        assert_eq!(locker("smart locker, collect"), Some(false));
        assert_eq!(locker("丰巢快递柜12号柜"), Some(true));
        assert_eq!(locker("菜鸟驿站 A-03格口"), Some(true));
        assert_eq!(locker("智能快递柜１２号"), Some(true));
        assert_eq!(locker("Parcel Locker 15, 123 Main St"), Some(true));
        assert_eq!(locker("12号柜 丰巢"), Some(true));
        assert_eq!(locker("丰巢快递柜 3号楼下"), Some(false));
        assert_eq!(locker("科技园路8号A座1201室"), None);
    }

    #[test]
    fn remote_regions_by_name_or_code() {
        let r = ReferenceData::default();
        let a = |p: Option<&str>, c: Option<&str>| ShippingAddress {
            province: p.map(str::to_owned),
            region_code: c.map(str::to_owned),
            ..Default::default()
        };
        assert_eq!(r.remote_region(&a(Some("新疆维吾尔自治区"), None)).map(|r| r.name.as_str()), Some("新疆"));
        assert!(r.remote_region(&a(None, Some("540102"))).is_some());
        assert!(r.remote_region(&a(Some("广东省"), Some("440300"))).is_none());
    }

    #[test]
    fn bad_reference_data_is_refused() {
        assert_eq!(
            ReferenceData::new(vec![], vec!["ok".into(), " ".into()], "CN").unwrap_err(),
            ReferenceError::EmptyKeyword { index: 1 }
        );
        assert!(ReferenceData::new(vec![], vec![], "china").is_err());
    }
}
