//! The `Rule` trait and the vocabulary of its results: ids, categories,
//! outcomes, findings, evidence and messages.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assessment::Assessment;
use crate::context::EvalContext;
use crate::lists::Lists;
use crate::model::{Order, UserProfile};
use crate::reference::ReferenceData;
use crate::text;

/// A rule's stable public name, such as `payment.amount_spike`.
///
/// Built-in ids borrow static strings, so cloning one never allocates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RuleId(Cow<'static, str>);

impl RuleId {
    /// An id from a static string.
    pub const fn from_static(id: &'static str) -> Self {
        RuleId(Cow::Borrowed(id))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
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
        RuleId(Cow::Owned(s.to_owned()))
    }
}

impl From<String> for RuleId {
    fn from(s: String) -> Self {
        RuleId(Cow::Owned(s))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
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
pub struct Evidence {
    /// What was observed, e.g. `amount_ratio`.
    pub name: Cow<'static, str>,
    /// The observed value.
    pub observed: String,
    /// The threshold it was compared with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// What a rule found when it fired: the reason, in words and in evidence.
///
/// The engine turns it into a [`Flag`](crate::Flag) by adding the rule's id,
/// category, points and action from its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub(crate) reason_code: Cow<'static, str>,
    pub(crate) message: Message,
    pub(crate) evidence: Vec<Evidence>,
    pub(crate) extra_points: u8,
    pub(crate) builds_on: Vec<RuleId>,
}

impl Finding {
    /// A finding with a machine-readable reason code and the message in
    /// Chinese and English.
    pub fn new(reason_code: impl Into<Cow<'static, str>>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Finding {
            reason_code: reason_code.into(),
            message: Message { zh: zh.into(), en: en.into() },
            evidence: Vec::new(),
            extra_points: 0,
            builds_on: Vec::new(),
        }
    }

    /// Adds an observed value and the limit it crossed.
    #[must_use]
    pub fn evidence(
        mut self,
        name: impl Into<Cow<'static, str>>,
        observed: impl fmt::Display,
        limit: Option<impl fmt::Display>,
    ) -> Self {
        self.evidence.push(Evidence {
            name: name.into(),
            observed: observed.to_string(),
            limit: limit.map(|l| l.to_string()),
        });
        self
    }

    /// Adds points on top of the rule's configured points (for rules whose
    /// weight grows with what they observe). The flag's total stays <= 100.
    #[must_use]
    pub fn extra_points(mut self, points: u8) -> Self {
        self.extra_points = points;
        self
    }

    /// Names the flags this finding builds on (composite rules); the score
    /// lets this flag stand in for them instead of adding to them.
    #[must_use]
    pub fn builds_on(mut self, ids: Vec<RuleId>) -> Self {
        self.builds_on = ids;
        self
    }

    /// The reason code.
    pub fn reason_code(&self) -> &str {
        &self.reason_code
    }
}

/// The result of evaluating one rule on one order.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The rule looked and found nothing.
    NotFired,
    /// The rule fired.
    Fired(Finding),
    /// The rule could not judge: the named data was missing. Recorded in the
    /// assessment, never silently treated as a pass.
    Skipped(Cow<'static, str>),
}

impl Outcome {
    /// Skipped for lack of `what`.
    pub fn missing(what: &'static str) -> Self {
        Outcome::Skipped(Cow::Borrowed(what))
    }
}

/// Whether personal data appears in evidence as is or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Phones as `138****5678`, names as `张*`, instruments and devices as
    /// `****1234`, address detail lines left out. The default.
    #[default]
    Masked,
    /// Raw values, for a caller that has opted in.
    Raw,
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

/// Everything a rule may look at: the order, the context, the engine's
/// reference data and lists, and the flags raised so far (for composites).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub(crate) order: &'a Order,
    pub(crate) ctx: &'a EvalContext,
    pub(crate) reference: &'a ReferenceData,
    pub(crate) lists: &'a Lists,
    pub(crate) privacy: Privacy,
    pub(crate) so_far: &'a Assessment,
}

impl<'a> Input<'a> {
    /// The order being judged.
    pub fn order(&self) -> &'a Order {
        self.order
    }
    /// The evaluation context.
    pub fn ctx(&self) -> &'a EvalContext {
        self.ctx
    }
    /// The evaluation's `now` (from the context, never the clock).
    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now
    }
    /// The buyer's profile, if the buyer has one.
    pub fn user(&self) -> Option<&'a UserProfile> {
        self.ctx.user.as_ref()
    }
    /// `at` in the shop's local time.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        self.ctx.utc_offset.local(at)
    }
    /// The engine's reference data (remote regions, parcel-locker patterns).
    pub fn reference(&self) -> &'a ReferenceData {
        self.reference
    }
    /// The engine's own lists; the context's lists are consulted as well by
    /// [`Input::lists`].
    pub fn lists(&self) -> [&'a Lists; 2] {
        [self.lists, &self.ctx.lists]
    }
    /// Whether the rule `id` has fired so far in this evaluation (counted,
    /// shadowed or exempted alike): `Some(true)` fired, `Some(false)` looked
    /// and did not fire or is disabled, `None` skipped for missing data.
    pub fn fired(&self, id: &str) -> Option<bool> {
        self.so_far.outcome_of(id)
    }
    /// A personal value as evidence may show it: masked unless the engine was
    /// built to reveal personal data.
    pub fn show(&self, kind: Personal, value: &str) -> String {
        if self.privacy == Privacy::Raw {
            return value.to_owned();
        }
        match kind {
            Personal::Phone => text::mask_phone(value),
            Personal::Name => text::mask_name(value),
            Personal::Instrument | Personal::Device => text::mask_tail(value),
            Personal::AddressLine => "***".to_owned(),
        }
    }
}

/// A rule that can flag an order.
///
/// Object safe and `Send + Sync`, so an engine holds built-in and custom rules
/// side by side and is shared between threads. `evaluate` must not panic and
/// must not read the clock: time comes from [`Input::now`].
///
/// ```
/// use order_anomaly::{Category, Finding, Input, Outcome, Rule};
///
/// /// Flags orders shipping to a test address the shop uses for staff.
/// #[derive(Debug)]
/// struct StaffAddress;
///
/// impl Rule for StaffAddress {
///     fn id(&self) -> &str { "custom.staff_address" }
///     fn category(&self) -> Category { Category::Custom }
///     fn default_points(&self) -> u8 { 40 }
///     fn evaluate(&self, input: &Input<'_>) -> Outcome {
///         let Some(detail) = input.order().shipping.as_ref().and_then(|s| s.detail.as_deref()) else {
///             return Outcome::missing("shipping.detail");
///         };
///         if detail.contains("员工测试") {
///             Outcome::Fired(Finding::new("custom.staff_address", "员工测试地址", "staff test address"))
///         } else {
///             Outcome::NotFired
///         }
///     }
/// }
/// ```
pub trait Rule: Send + Sync + fmt::Debug {
    /// The stable id; see [`RuleId::is_valid`] for its form.
    fn id(&self) -> &str;
    /// The abnormal-order type it detects.
    fn category(&self) -> Category;
    /// Points it adds to the score when it fires, unless configured otherwise.
    fn default_points(&self) -> u8;
    /// What it does to the decision when it fires, unless configured otherwise.
    fn default_action(&self) -> Action {
        Action::Score
    }
    /// Judges one order. Must be total: bad data becomes a finding or a skip.
    fn evaluate(&self, input: &Input<'_>) -> Outcome;
    /// The rule's parameters as JSON, for writing a rule set back out; `None`
    /// for rules whose parameters a rule-set file cannot express.
    fn params(&self) -> Option<serde_json::Value> {
        None
    }
    /// Checks the rule's parameters; called once when the engine is built.
    fn validate(&self) -> Vec<ParamIssue> {
        Vec::new()
    }
    /// The rules whose outcomes this rule reads (for composites); they must be
    /// declared before it.
    fn depends_on(&self) -> Vec<RuleId> {
        Vec::new()
    }
}

/// A parameter of a rule that is out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
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
