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

    /// `sha256:<hex>` of the rule set's canonical JSON.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&json);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }

    /// Name, version and content hash.
    pub fn info(&self) -> Arc<RuleSetInfo> {
        Arc::new(RuleSetInfo { name: self.name.clone(), version: self.version.clone(), hash: self.content_hash() })
    }
}
