//! The result of evaluating an order: flags, score and decision.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::Stage;
use crate::reason::{Reasons, Text};
use crate::vocab::{Action, Category, Evidence, Locale, Message, RuleId, Severity};

/// What to do with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Fulfil.
    #[default]
    Pass,
    /// Fulfil, and queue for a person.
    Review,
    /// Do not fulfil until a person releases it.
    Hold,
    /// Refuse.
    Reject,
}

impl Decision {
    /// Every decision, lowest first.
    pub const ALL: [Decision; 4] = [Decision::Pass, Decision::Review, Decision::Hold, Decision::Reject];

    /// Its name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Review => "review",
            Decision::Hold => "hold",
            Decision::Reject => "reject",
        }
    }
}

impl From<Action> for Decision {
    fn from(a: Action) -> Self {
        match a {
            Action::Score => Decision::Pass,
            Action::Review => Decision::Review,
            Action::Hold => Decision::Hold,
            Action::Reject => Decision::Reject,
        }
    }
}

/// Score thresholds: a score at or above `review` is reviewed, at or above
/// `hold` held. Defaults 30 and 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Thresholds {
    /// Lowest score that is reviewed.
    pub review: u8,
    /// Lowest score that is held.
    pub hold: u8,
}

impl Thresholds {
    /// Review at `review` points and more, hold at `hold` and more.
    pub fn new(review: u8, hold: u8) -> Self {
        Thresholds { review, hold }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { review: 30, hold: 60 }
    }
}

impl Thresholds {
    /// The decision a score alone leads to.
    pub fn decide(&self, score: u8) -> Decision {
        if score >= self.hold {
            Decision::Hold
        } else if score >= self.review {
            Decision::Review
        } else {
            Decision::Pass
        }
    }
}

/// Which rule set decided an assessment: name, version and a SHA-256 of the
/// effective configuration, so an auditor can tell months later exactly which
/// rules decided an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleSetInfo {
    /// The rule set's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// `sha256:` and the hex digest of the effective configuration's JSON.
    pub hash: String,
}

/// A rule that fired, with everything a person or a program needs to know why.
///
/// Its message and evidence are worded when first read
/// ([`Flag::message`], [`Flag::evidence`], serialising), from the values
/// the rule recorded when it fired: a host that reads only the score and the
/// decision never pays for the words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "FlagData")]
pub struct Flag {
    rule_id: RuleId,
    category: Category,
    severity: Severity,
    points: u8,
    action: Action,
    reason_code: Cow<'static, str>,
    reasons: Reasons,
    builds_on: Vec<RuleId>,
}

// A flag as JSON has it (the message and evidence in words): what a flag
// reads from, and its schema (documented as the flag it is).
/// A rule that fired, with everything a person or a program needs to know why.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Flag"))]
struct FlagData {
    rule_id: RuleId,
    category: Category,
    severity: Severity,
    points: u8,
    action: Action,
    reason_code: Cow<'static, str>,
    message: Message,
    // Never serialised (`Flag` writes itself); `skip_serializing_if` tells
    // the schema these lists may be absent, as they are in the output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    builds_on: Vec<RuleId>,
}

impl From<FlagData> for Flag {
    fn from(d: FlagData) -> Self {
        Flag {
            rule_id: d.rule_id,
            category: d.category,
            severity: d.severity,
            points: d.points,
            action: d.action,
            reason_code: d.reason_code,
            reasons: Reasons::ready(Text { message: d.message, evidence: d.evidence }),
            builds_on: d.builds_on,
        }
    }
}

/// The flag in words, fields in the order of `FlagData`.
impl Serialize for Flag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            rule_id: &'a RuleId,
            category: Category,
            severity: Severity,
            points: u8,
            action: Action,
            reason_code: &'a str,
            message: &'a Message,
            #[serde(skip_serializing_if = "<[Evidence]>::is_empty")]
            evidence: &'a [Evidence],
            #[serde(skip_serializing_if = "<[RuleId]>::is_empty")]
            builds_on: &'a [RuleId],
        }
        Out {
            rule_id: &self.rule_id,
            category: self.category,
            severity: self.severity,
            points: self.points,
            action: self.action,
            reason_code: &self.reason_code,
            message: self.message(),
            evidence: self.evidence(),
            builds_on: &self.builds_on,
        }
        .serialize(serializer)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Flag {
    fn schema_name() -> Cow<'static, str> {
        FlagData::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        FlagData::json_schema(generator)
    }
}

impl Flag {
    /// Assembles a flag. Points above 100 are kept at 100.
    pub(crate) fn new(
        rule_id: RuleId,
        category: Category,
        points: u8,
        action: Action,
        reason_code: Cow<'static, str>,
        reasons: Reasons,
        builds_on: Vec<RuleId>,
    ) -> Self {
        let points = points.min(100);
        Flag {
            rule_id,
            category,
            severity: Severity::from_points(points),
            points,
            action,
            reason_code,
            reasons,
            builds_on,
        }
    }

    /// The rule that fired.
    pub fn rule_id(&self) -> &RuleId {
        &self.rule_id
    }
    /// Its category.
    pub fn category(&self) -> Category {
        self.category
    }
    /// Its severity (from its points).
    pub fn severity(&self) -> Severity {
        self.severity
    }
    /// Points it contributes (before composites stand in for their parts).
    pub fn points(&self) -> u8 {
        self.points
    }
    /// Its action.
    pub fn action(&self) -> Action {
        self.action
    }
    /// A machine-readable reason, such as `payment.timeout.unpaid`.
    pub fn reason_code(&self) -> &str {
        &self.reason_code
    }
    /// The message in both languages (worded on first read).
    pub fn message(&self) -> &Message {
        &self.reasons.text().message
    }
    /// The observed values and the limits they crossed (worded on first read).
    pub fn evidence(&self) -> &[Evidence] {
        &self.reasons.text().evidence
    }
    /// For a composite: the flags it builds on, which it stands in for in the score.
    pub fn builds_on(&self) -> &[RuleId] {
        &self.builds_on
    }
}

/// A flag an allow-list entry removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Exemption {
    /// The flag that would have counted.
    pub flag: Flag,
    /// The allow-list entry's reason.
    pub reason: String,
}

/// A rule that could not judge the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Skipped {
    /// The rule.
    pub rule_id: RuleId,
    /// What was missing, or why the rule could not judge.
    pub missing: Cow<'static, str>,
}

/// The verdict on one order.
///
/// `flags` count towards the score; `shadow` flags come from rules in shadow
/// mode and count for nothing; `exempted` flags were removed by an
/// allow-list entry; `skipped` lists the rules that lacked data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assessment {
    ruleset: Arc<RuleSetInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stage: Option<Stage>,
    score: u8,
    decision: Decision,
    evaluated_at: DateTime<Utc>,
    #[serde(default)]
    flags: Vec<Flag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    shadow: Vec<Flag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exempted: Vec<Exemption>,
    #[serde(default)]
    skipped: Vec<Skipped>,
    /// Each rule's outcome so far by id, once many rules have one: a
    /// composite asks for the rules it builds on, and a scan per question
    /// made a long chain of composites cost the square of its length.
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    outcomes: OutcomeIndex,
}

/// Rule outcomes by id (fired: `true`, skipped: `false`), kept once more
/// than [`OutcomeIndex::AFTER`] rules have one; derived state, so two
/// assessments are equal whatever their indexes hold.
#[derive(Debug, Default)]
struct OutcomeIndex(std::sync::OnceLock<std::collections::HashMap<RuleId, bool>>);

impl OutcomeIndex {
    /// Outcomes up to which a scan is cheaper than an index (and allocates
    /// nothing).
    const AFTER: usize = 32;

    /// Notes an outcome, when the index exists.
    fn note(&mut self, id: &RuleId, fired: bool) {
        if let Some(index) = self.0.get_mut() {
            index.entry(id.clone()).or_insert(fired);
        }
    }
}

impl Clone for OutcomeIndex {
    fn clone(&self) -> Self {
        OutcomeIndex::default()
    }
}

impl PartialEq for OutcomeIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for OutcomeIndex {}

impl Assessment {
    /// An empty assessment; sharing the engine's rule-set record costs no allocation.
    pub(crate) fn start(at: DateTime<Utc>, stage: Option<Stage>, ruleset: Arc<RuleSetInfo>) -> Self {
        Assessment {
            ruleset,
            stage,
            score: 0,
            decision: Decision::Pass,
            evaluated_at: at,
            flags: Vec::new(),
            shadow: Vec::new(),
            exempted: Vec::new(),
            skipped: Vec::new(),
            outcomes: OutcomeIndex::default(),
        }
    }

    /// The stage of the order's life it was made at, as the context said.
    pub fn stage(&self) -> Option<Stage> {
        self.stage
    }

    /// The rule set that made this assessment: name, version, content hash.
    pub fn ruleset(&self) -> &RuleSetInfo {
        &self.ruleset
    }

    /// The risk score, 0-100.
    pub fn score(&self) -> u8 {
        self.score
    }
    /// The decision.
    pub fn decision(&self) -> Decision {
        self.decision
    }
    /// The context's `now` when the order was assessed.
    pub fn evaluated_at(&self) -> DateTime<Utc> {
        self.evaluated_at
    }
    /// Flags that count, in rule declaration order.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }
    /// Flags of rules in shadow mode.
    pub fn shadow_flags(&self) -> &[Flag] {
        &self.shadow
    }
    /// Flags removed by allow-list entries.
    pub fn exemptions(&self) -> &[Exemption] {
        &self.exempted
    }
    /// Rules skipped for missing data.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
    /// Whether a counted flag of `rule_id` is present.
    pub fn has_flag(&self, rule_id: &str) -> bool {
        self.flags.iter().any(|f| f.rule_id == rule_id)
    }
    /// The counted flag of `rule_id`, if any.
    pub fn flag(&self, rule_id: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.rule_id == rule_id)
    }
    /// Whether `rule_id` was skipped.
    pub fn was_skipped(&self, rule_id: &str) -> bool {
        self.skipped.iter().any(|s| s.rule_id == rule_id)
    }
    /// The counted flags' messages in `locale`, highest points first.
    pub fn reasons(&self, locale: Locale) -> Vec<&str> {
        let mut flags: Vec<&Flag> = self.flags.iter().collect();
        flags.sort_by_key(|f| std::cmp::Reverse(f.points));
        flags.into_iter().map(|f| f.message().get(locale)).collect()
    }

    pub(crate) fn push_flag(&mut self, flag: Flag) {
        // One allocation for the flags of nearly every order: few fire more.
        if self.flags.capacity() == 0 {
            self.flags.reserve_exact(FLAGS_AT_ONCE);
        }
        self.outcomes.note(&flag.rule_id, true);
        self.flags.push(flag);
    }
    pub(crate) fn push_shadow(&mut self, flag: Flag) {
        self.outcomes.note(&flag.rule_id, true);
        self.shadow.push(flag);
    }
    pub(crate) fn push_exempted(&mut self, flag: Flag, reason: String) {
        self.outcomes.note(&flag.rule_id, true);
        self.exempted.push(Exemption { flag, reason });
    }
    pub(crate) fn push_skipped(&mut self, rule_id: RuleId, missing: Cow<'static, str>) {
        self.outcomes.note(&rule_id, false);
        self.skipped.push(Skipped { rule_id, missing });
    }

    /// The flags of every list: counted, shadow, exempted.
    fn all_flags(&self) -> impl Iterator<Item = &Flag> {
        self.flags.iter().chain(&self.shadow).chain(self.exempted.iter().map(|e| &e.flag))
    }

    /// Whether `id` fired so far (in any list), was skipped (`None`), or
    /// neither. A scan while few rules have an outcome; past that an index,
    /// made on the first question and kept up as outcomes come.
    pub(crate) fn outcome_of(&self, id: &str) -> Option<bool> {
        let known = [self.flags.len(), self.shadow.len(), self.exempted.len(), self.skipped.len()]
            .into_iter()
            .fold(0usize, usize::saturating_add);
        if known > OutcomeIndex::AFTER {
            let index = self.outcomes.0.get_or_init(|| {
                let mut m = std::collections::HashMap::with_capacity(known);
                for f in self.all_flags() {
                    m.entry(f.rule_id.clone()).or_insert(true);
                }
                for s in &self.skipped {
                    m.entry(s.rule_id.clone()).or_insert(false);
                }
                m
            });
            return match index.get(id) {
                Some(true) => Some(true),
                Some(false) => None,
                None => Some(false),
            };
        }
        if self.all_flags().any(|f| f.rule_id == id) {
            return Some(true);
        }
        if self.was_skipped(id) {
            return None;
        }
        Some(false)
    }

    /// Scores the counted flags and decides.
    pub(crate) fn finish(&mut self, thresholds: &Thresholds) {
        self.score = score(&self.flags);
        let by_action = self.flags.iter().map(|f| Decision::from(f.action)).max().unwrap_or_default();
        self.decision = thresholds.decide(self.score).max(by_action);
    }
}

/// Room made for flags when the first fires.
const FLAGS_AT_ONCE: usize = 8;

/// The score of a set of flags, 0-100.
///
/// Plain flags add their points. A composite flag (one that builds on other
/// flags) *stands in* for the flags it builds on: it replaces their points
/// with its own rather than adding to them, so a composite never counts the
/// same evidence twice. When several composites fire, the one that gives the
/// highest total counts. The result is capped at 100:
///
/// ```text
/// base  = sum of the points of plain flags
/// for each composite c:  total_c = base - (points of the plain flags c builds on) + points_c
/// score = min(100, max(base, max_c total_c))
/// ```
///
/// Adding a flag never lowers the score: a plain flag raises `base` and every
/// `total_c` it is not part of (and leaves the others as they were); a composite
/// only adds a candidate to the maximum.
pub(crate) fn score(flags: &[Flag]) -> u8 {
    score_parts(flags.iter().map(|f| (&f.rule_id, f.points, f.builds_on.as_slice())))
}

/// [`score`] over (rule id, points, what it builds on) triples: the same
/// formula for flags with other points (tuning tries many).
pub(crate) fn score_parts<'a>(flags: impl Iterator<Item = (&'a RuleId, u8, &'a [RuleId])> + Clone) -> u8 {
    let plain = |f: &(&RuleId, u8, &[RuleId])| f.2.is_empty();
    let base: u32 = flags.clone().filter(plain).map(|f| u32::from(f.1)).sum();
    let composites = flags.clone().filter(|f| !f.2.is_empty()).count();
    let plains = flags.clone().filter(plain).count();
    // Few flags (nearly every order): each composite scans the plain flags.
    // Many: the plain flags' points by id, once, so that a thousand
    // composites do not each scan a thousand flags.
    let by_id: Option<std::collections::HashMap<&str, u32>> = (composites.saturating_mul(plains) > 1024).then(|| {
        let mut m = std::collections::HashMap::with_capacity(plains);
        for (id, points, _) in flags.clone().filter(plain) {
            let sum = m.entry(id.as_str()).or_insert(0u32);
            *sum = sum.saturating_add(u32::from(points));
        }
        m
    });
    let best = flags
        .clone()
        .filter(|f| !f.2.is_empty())
        .map(|(_, points, builds_on)| {
            let parts: u32 = match &by_id {
                Some(m) => {
                    let mut seen: Vec<&str> = Vec::with_capacity(builds_on.len());
                    builds_on
                        .iter()
                        .filter(|b| {
                            let new = !seen.contains(&b.as_str());
                            seen.push(b.as_str());
                            new
                        })
                        .filter_map(|b| m.get(b.as_str()))
                        .sum()
                }
                None => flags.clone().filter(plain).filter(|f| builds_on.contains(f.0)).map(|f| u32::from(f.1)).sum(),
            };
            base.saturating_sub(parts).saturating_add(u32::from(points))
        })
        .fold(base, u32::max);
    u8::try_from(best.min(100)).unwrap_or(100)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn flag(id: &'static str, points: u8, builds_on: &[&'static str]) -> Flag {
        Flag::new(
            RuleId::from_static(id),
            Category::Custom,
            points,
            Action::Score,
            Cow::Borrowed(id),
            Reasons::ready(Text::default()),
            builds_on.iter().map(|s| RuleId::from_static(s)).collect(),
        )
    }

    #[test]
    fn plain_flags_add_and_cap() {
        assert_eq!(score(&[]), 0);
        assert_eq!(score(&[flag("a", 20, &[]), flag("b", 15, &[])]), 35);
        assert_eq!(score(&[flag("a", 60, &[]), flag("b", 60, &[])]), 100);
    }

    #[test]
    fn composite_stands_in_for_its_parts() {
        let parts = [flag("spike", 30, &[]), flag("new_card", 10, &[])];
        assert_eq!(score(&parts), 40);
        let mut with = parts.to_vec();
        with.push(flag("case", 70, &["spike", "new_card"]));
        assert_eq!(score(&with), 70);
        with.push(flag("other", 5, &[]));
        assert_eq!(score(&with), 75);
        // A composite worth less than its parts does not lower the score.
        let weak = [flag("spike", 30, &[]), flag("new_card", 10, &[]), flag("case", 20, &["spike", "new_card"])];
        assert_eq!(score(&weak), 40);
    }

    fn flags() -> impl proptest::strategy::Strategy<Value = Vec<Flag>> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let names = vec!["a", "b", "c", "d", "e"];
        prop::collection::vec((select(names.clone()), 0u8..=100, prop::collection::vec(select(names), 0..3)), 0..6)
            .prop_map(|fs| fs.into_iter().map(|(n, p, b)| flag(n, p, &b)).collect())
    }

    proptest::proptest! {
        #[test]
        fn the_score_never_falls_when_a_flag_is_added(fs in flags(), extra in flags()) {
            let base = score(&fs);
            for f in extra {
                let mut more = fs.clone();
                more.push(f);
                proptest::prop_assert!(score(&more) >= base);
            }
            proptest::prop_assert!(base <= 100);
        }
    }

    #[test]
    fn thresholds_decide() {
        let t = Thresholds::default();
        assert_eq!(t.decide(29), Decision::Pass);
        assert_eq!(t.decide(30), Decision::Review);
        assert_eq!(t.decide(59), Decision::Review);
        assert_eq!(t.decide(60), Decision::Hold);
        assert_eq!(t.decide(100), Decision::Hold);
    }
}
