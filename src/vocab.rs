//! The vocabulary every layer shares: rule ids, categories, severities,
//! actions, messages, locales, evidence, parameter problems and the kinds of
//! personal data. Plain data with no dependency on the rest of the crate, so
//! that lists, assessments and rule sets can speak of rules without
//! depending on the rule machinery.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A rule's stable public name, such as `payment.amount_spike`.
///
/// Built-in ids borrow static strings and others share one allocation, so
/// cloning an id (as every flag does) never allocates.
#[derive(Clone)]
pub struct RuleId(IdText);

#[derive(Clone)]
enum IdText {
    Static(&'static str),
    Shared(Arc<str>),
}

impl RuleId {
    /// An id from a static string.
    pub const fn from_static(id: &'static str) -> Self {
        RuleId(IdText::Static(id))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            IdText::Static(s) => s,
            IdText::Shared(s) => s,
        }
    }
    /// Whether `id` is well formed: lower-case ASCII letters, digits, `_` and
    /// `.`, starting with a letter, at most 64 characters.
    pub fn is_valid(id: &str) -> bool {
        id.len() <= 64
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    }
}

impl From<&str> for RuleId {
    fn from(s: &str) -> Self {
        RuleId(IdText::Shared(Arc::from(s)))
    }
}

impl From<String> for RuleId {
    fn from(s: String) -> Self {
        RuleId(IdText::Shared(Arc::from(s)))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RuleId").field(&self.as_str()).finish()
    }
}

impl PartialEq for RuleId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RuleId {}

impl std::hash::Hash for RuleId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// Looked up by its text (hashed as the text is, above).
impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// As a JSON string.
impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(RuleId::from)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RuleId {
    fn schema_name() -> Cow<'static, str> {
        "RuleId".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = String::json_schema(generator);
        schema.insert("description".into(), "A rule's stable public name, such as `payment.amount_spike`.".into());
        schema
    }
}

/// The abnormal-order type a rule belongs to (the source document's types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// 支付类异常.
    Payment,
    /// 收货地址异常.
    Address,
    /// 联系方式异常.
    Contact,
    /// 商品风险.
    Product,
    /// 行为模式异常.
    Behavior,
    /// 物流异常.
    Logistics,
    /// 售后异常.
    AfterSales,
    /// 黑白名单.
    List,
    /// 数据质量.
    DataQuality,
    /// Composite rules built from other rules.
    Composite,
    /// A rule of the host's own.
    Custom,
}

/// How serious a flag is, derived from its points: under 20 low, under 40
/// medium, under 60 high, 60 and more critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Under 20 points.
    Low,
    /// 20 to 39 points.
    Medium,
    /// 40 to 59 points.
    High,
    /// 60 points or more.
    Critical,
}

impl Severity {
    /// The severity of a flag worth `points`.
    pub fn from_points(points: u8) -> Self {
        match points {
            0..=19 => Severity::Low,
            20..=39 => Severity::Medium,
            40..=59 => Severity::High,
            _ => Severity::Critical,
        }
    }
}

/// What a fired rule does besides adding points: it can raise the decision
/// to at least Review, Hold or Reject. An action never lowers a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Only the points count.
    #[default]
    Score,
    /// At least Review.
    Review,
    /// At least Hold.
    Hold,
    /// Reject the order.
    Reject,
}

/// A message in both languages the crate speaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Message {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Message {
    /// A message in Chinese and English.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Message { zh: zh.into(), en: en.into() }
    }
}

/// The language a reason is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl std::str::FromStr for Locale {
    type Err = String;
    /// `zh` or `en`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" => Ok(Locale::Zh),
            "en" => Ok(Locale::En),
            other => Err(format!("unknown locale `{other}`: use zh or en")),
        }
    }
}

impl Message {
    /// The message in `locale`.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Zh => &self.zh,
            Locale::En => &self.en,
        }
    }
}

/// One observed value behind a flag, with the limit it crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Evidence {
    /// What was observed, e.g. `amount_ratio`.
    pub name: Cow<'static, str>,
    /// The observed value.
    pub observed: String,
    /// The threshold it was compared with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// Whether personal data appears in evidence as is or masked. Set from the
/// public `reveal_personal_data` switches (engine builder, rule set, `Input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Privacy {
    /// Phones as `****678`, names as `张**`, instruments and devices as
    /// `****1234` (never more than a third of a value), address detail
    /// lines left out. The default.
    #[default]
    Masked,
    /// Raw values, for a caller that has opted in.
    Raw,
}

impl Privacy {
    /// Raw when `reveal`, else masked.
    pub(crate) fn revealing(reveal: bool) -> Self {
        if reveal { Privacy::Raw } else { Privacy::Masked }
    }
}

/// The kinds of personal data that evidence masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Personal {
    /// A phone number.
    Phone,
    /// A person's name.
    Name,
    /// A payment card or account.
    Instrument,
    /// A device id.
    Device,
    /// An address detail line.
    AddressLine,
}

/// A parameter of a rule that is out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamIssue {
    /// The parameter's name.
    pub field: Cow<'static, str>,
    /// What is wrong with it.
    pub reason: String,
}

impl ParamIssue {
    /// A problem with `field`.
    pub fn new(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        ParamIssue { field: field.into(), reason: reason.into() }
    }
}

/// Whether two enum spellings name the same variant: ASCII case, `_`, `-`
/// and spaces do not matter (`INSUFFICIENT_BALANCE`, `InsufficientBalance`
/// and `insufficient-balance` are `insufficient_balance`).
pub(crate) fn same_variant(a: &str, b: &str) -> bool {
    fn key(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).map(|c| c.to_ascii_lowercase())
    }
    key(a).eq(key(b))
}

/// Deserialises an enum of a data input from its canonical snake_case name,
/// any spelling of it [`same_variant`] accepts, or one of the listed
/// aliases (`success` for `succeeded`). Serialising still writes the
/// canonical name, and the JSON Schema lists the canonical names.
macro_rules! lenient_enum {
    ($t:ident { $($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($name),+];
                // A visitor, so that a borrowed or transient string is read
                // without copying it.
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "one of {}", NAMES.join(", "))
                    }
                    fn visit_str<E: serde::de::Error>(self, raw: &str) -> Result<$t, E> {
                        $(
                            if [$name $(, $alias)*].iter().any(|n| $crate::vocab::same_variant(n, raw)) {
                                return Ok($t::$variant);
                            }
                        )+
                        Err(E::unknown_variant(raw, NAMES))
                    }
                }
                d.deserialize_str(Visitor)
            }
        }
    };
}
pub(crate) use lenient_enum;

#[cfg(test)]
mod lenient_tests {
    use super::same_variant;

    #[test]
    fn spellings_of_one_variant() {
        for s in ["insufficient_balance", "INSUFFICIENT_BALANCE", "InsufficientBalance", "insufficient-balance"] {
            assert!(same_variant("insufficient_balance", s), "{s}");
        }
        assert!(!same_variant("succeeded", "success"));
    }
}
