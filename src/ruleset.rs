//! A rule set as data: the whole configuration of an engine, as the
//! rule-set file holds it, and its content hash. Reading a file into one and
//! checking it is [`config`](crate::config)'s job; building an engine from
//! one is the engine's.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::assessment::{RuleSetInfo, Thresholds};
use crate::lists::Lists;
use crate::reference::{Region, default_locker_keywords, default_remote_regions};
use crate::rules::composite::Composite;
use crate::vocab::Action;

/// A rule set: the whole configuration of an engine, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleSet {
    /// The rule set's name, reported on every assessment.
    pub name: String,
    /// Its version, reported on every assessment.
    pub version: String,
    /// Free text for the people who maintain it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Decision thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Country assumed for addresses that name none (ISO 3166-1 alpha-2).
    #[serde(default = "default_country")]
    pub default_country: String,
    /// Show raw personal data in evidence instead of masking it.
    #[serde(default)]
    pub reveal_personal_data: bool,
    /// Remote regions and parcel-locker keywords.
    #[serde(default)]
    pub reference: Reference,
    /// Block, allow and fraud-number lists.
    #[serde(default, skip_serializing_if = "Lists::is_empty")]
    pub lists: Lists,
    /// Settings and parameters per rule id (built-in or declared below).
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// Composite rules, in declaration order, after the built-in rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composites: Vec<Composite>,
}

impl RuleSet {
    /// An empty rule set named `name` at `version`: every built-in rule with
    /// its defaults, as a file with only those two fields.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        RuleSet {
            name: name.into(),
            version: version.into(),
            description: None,
            thresholds: Thresholds::default(),
            default_country: default_country(),
            reveal_personal_data: false,
            reference: Reference::default(),
            lists: Lists::default(),
            rules: BTreeMap::new(),
            composites: Vec::new(),
        }
    }
}

pub(crate) fn default_country() -> String {
    "CN".to_owned()
}

/// Reference lists shared by several rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Reference {
    /// Remote regions, by name prefix or region-code prefix.
    #[serde(default = "default_remote_regions")]
    pub remote_regions: Vec<Region>,
    /// Parcel-locker and pickup-station keywords.
    #[serde(default = "default_locker_keywords")]
    pub locker_keywords: Vec<String>,
}

impl Default for Reference {
    fn default() -> Self {
        Reference { remote_regions: default_remote_regions(), locker_keywords: default_locker_keywords() }
    }
}

/// How one rule is configured; what is absent keeps its default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleConfig {
    /// Evaluated at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Points when it fires, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u8>,
    /// Action when it fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// Evaluated and reported, but counting for nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<bool>,
    /// The rule's parameters (built-in rules); absent fields keep their defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// Free text for the people who maintain the rule set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RuleSet {
    /// The rule set as pretty JSON, as written by `score --print-default-config`.
    pub fn to_json_pretty(&self) -> String {
        // A RuleSet is plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// `sha256:<hex>` of the rule set's canonical JSON: keys sorted, no
    /// white space, numbers and strings as JSON writes them (the JSON
    /// Canonicalization Scheme, RFC 8785, for the values a rule set holds).
    ///
    /// Canonical so that the same rule set hashes the same in every binary:
    /// hashing serde's output directly changed when any crate in a host's
    /// build turned on serde_json's `preserve_order`.
    pub fn content_hash(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut canonical = String::new();
        write_canonical(&value, &mut canonical);
        let digest = Sha256::digest(canonical.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// Name, version and content hash.
    pub fn info(&self) -> Arc<RuleSetInfo> {
        Arc::new(RuleSetInfo { name: self.name.clone(), version: self.version.clone(), hash: self.content_hash() })
    }
}

/// Writes `v` as canonical JSON: object keys sorted by their UTF-16 code
/// units (RFC 8785, section 3.2.3), no insignificant white space.
fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // Scalars: serde_json writes strings with the minimal escaping RFC
        // 8785 asks for, and a rule set's numbers are integers.
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_whatever_the_insertion_order() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"d":[{"z":1,"y":"é"}],"c":true}}"#).unwrap();
        let mut out = String::new();
        write_canonical(&a, &mut out);
        assert_eq!(out, r#"{"a":{"c":true,"d":[{"y":"é","z":1}]},"b":1}"#);
    }

    #[test]
    fn the_hash_is_of_the_sorted_form() {
        let set = RuleSet::new("n", "1");
        let mut sorted = String::new();
        write_canonical(&serde_json::to_value(&set).unwrap(), &mut sorted);
        assert!(sorted.starts_with(r#"{"default_country":"CN","name":"n","reference":"#), "{sorted}");
        let digest = Sha256::digest(sorted.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(set.content_hash(), format!("sha256:{hex}"));
        // Struct order (name, version, ...) is not what is hashed.
        let struct_order = serde_json::to_vec(&set).unwrap();
        assert_ne!(Sha256::digest(&struct_order).as_slice(), digest.as_slice());
    }
}
