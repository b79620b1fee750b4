//! The engine: rules with their settings, built once and evaluated many times.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};

use crate::assessment::{Assessment, Flag, RuleSetInfo, Thresholds};
use crate::context::EvalContext;
use crate::lists::{ListProblem, Lists, SharedLists, exemption_in};
use crate::model::Order;
use crate::reference::{ReferenceData, ReferenceError, Region, default_locker_keywords, default_remote_regions};
use crate::request::EvalRequest;
use crate::rule::{Derived, Input, Outcome, Rule};
use crate::rules::composite::{Attribute, Composite, Gate};
use crate::rules::{self, is_builtin};
use crate::ruleset::{Reference, RuleConfig, RuleSet};
use crate::vocab::{Action, Privacy, RuleId};

/// What an evaluation with no live lists consults in their place.
static NO_LISTS: LazyLock<Lists> = LazyLock::new(Lists::default);

/// One item of a batch: an order and the context to judge it in.
///
/// Implemented for [`EvalRequest`], `(Order, EvalContext)` and
/// `(&Order, &EvalContext)`, so [`Engine::evaluate_batch`] and
/// `Engine::evaluate_par` (feature `rayon`) take whichever a host holds.
pub trait EvalItem {
    /// The order.
    fn order(&self) -> &Order;
    /// Its context.
    fn context(&self) -> &EvalContext;
}

impl EvalItem for EvalRequest {
    fn order(&self) -> &Order {
        &self.order
    }
    fn context(&self) -> &EvalContext {
        &self.context
    }
}

impl EvalItem for (Order, EvalContext) {
    fn order(&self) -> &Order {
        &self.0
    }
    fn context(&self) -> &EvalContext {
        &self.1
    }
}

impl EvalItem for (&Order, &EvalContext) {
    fn order(&self) -> &Order {
        self.0
    }
    fn context(&self) -> &EvalContext {
        self.1
    }
}

/// How one rule counts in an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleSettings {
    /// Whether it is evaluated at all.
    pub enabled: bool,
    /// Points it adds when it fires (0-100).
    pub points: u8,
    /// What it does to the decision when it fires.
    pub action: Action,
    /// Evaluated and reported, but counts for nothing.
    pub shadow: bool,
}

#[derive(Debug)]
struct Slot {
    id: RuleId,
    rule: Arc<dyn Rule>,
    settings: RuleSettings,
    /// Set for composites declared as data, so the engine can write them back out.
    definition: Option<Composite>,
}

#[derive(Debug)]
struct Inner {
    slots: Vec<Slot>,
    thresholds: Thresholds,
    reference: ReferenceData,
    lists: Lists,
    live: Option<SharedLists>,
    privacy: Privacy,
    info: Arc<RuleSetInfo>,
    plan: Plan,
}

/// The skip reason of a rule that reads history when the store could not answer.
pub(crate) const STORE_UNAVAILABLE: &str = "profile store unavailable";

/// Which slots to evaluate: the ungated ones always, gated composites only
/// when their gate passes. Without gated composites, `ungated` is every
/// enabled slot and evaluation is a plain loop.
#[derive(Debug, Default)]
struct Plan {
    ungated: Vec<usize>,
    groups: Vec<GateGroup>,
}

/// Gated composites on one attribute, by threshold (`>=` before `>` at one
/// threshold, so the gates that pass for a value are a prefix).
#[derive(Debug)]
struct GateGroup {
    attribute: Attribute,
    gates: Vec<(Gate, usize)>,
}

impl Plan {
    fn new(slots: &[Slot], index: bool) -> Plan {
        let mut plan = Plan::default();
        for (i, slot) in slots.iter().enumerate().filter(|(_, s)| s.settings.enabled) {
            let gate = slot.definition.as_ref().and_then(Composite::gate).filter(|_| index);
            match gate {
                None => plan.ungated.push(i),
                Some(g) => match plan.groups.iter_mut().find(|x| x.attribute == g.attribute) {
                    Some(group) => group.gates.push((g, i)),
                    None => plan.groups.push(GateGroup { attribute: g.attribute, gates: vec![(g, i)] }),
                },
            }
        }
        for group in &mut plan.groups {
            group
                .gates
                .sort_by(|(a, i), (b, j)| a.threshold.cmp(&b.threshold).then(a.strict.cmp(&b.strict)).then(i.cmp(j)));
        }
        plan
    }
}

/// Evaluates orders. Cheap to clone and share between threads: clones share
/// one set of compiled rules.
///
/// Build it with [`Engine::default`] (every built-in rule with the catalogue's
/// defaults) or [`Engine::builder`]. Building validates everything;
/// [`Engine::evaluate`] cannot fail.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Default for Engine {
    /// Every built-in rule with the catalogue's defaults.
    #[allow(clippy::expect_used)] // constant input, pinned by the `default_engine_builds` test
    fn default() -> Self {
        Engine::builder().build().expect("the default engine builds")
    }
}

/// A rule as the engine holds it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RuleInfo<'a> {
    /// Its id.
    pub id: &'a RuleId,
    /// The rule.
    pub rule: &'a dyn Rule,
    /// Its settings.
    pub settings: RuleSettings,
}

impl Engine {
    /// A builder holding every built-in rule with its defaults.
    pub fn builder() -> EngineBuilder {
        let mut b = EngineBuilder::empty();
        for r in rules::builtin() {
            b = b.rule_arc(r);
        }
        b
    }

    /// Evaluates an order. Deterministic (time comes from `ctx.now`) and total:
    /// missing data is recorded as skipped rules, never a panic.
    pub fn evaluate(&self, order: &Order, ctx: &EvalContext) -> Assessment {
        #[cfg(feature = "tracing")]
        let span =
            tracing::debug_span!("order_anomaly.evaluate", order_id = %order.id, decision = tracing::field::Empty)
                .entered();
        // Latency for the host's metrics only: the evaluation itself never
        // reads the clock.
        #[cfg(feature = "metrics")]
        let started = std::time::Instant::now();
        let a = self.evaluate_quietly(order, ctx);
        #[cfg(feature = "metrics")]
        crate::observe::record(&a, started.elapsed());
        #[cfg(feature = "tracing")]
        span.record("decision", a.decision().as_str());
        a
    }

    /// [`Engine::evaluate`] without telling the observability features.
    fn evaluate_quietly(&self, order: &Order, ctx: &EvalContext) -> Assessment {
        let inner = &*self.inner;
        let live_guard = inner.live.as_ref().map(SharedLists::load);
        let live: &Lists = live_guard.as_deref().map_or(&NO_LISTS, |l| l);
        let mut a = Assessment::start(ctx.now, ctx.stage, Arc::clone(&inner.info));
        let derived = Derived::of(order, ctx, [&inner.lists, live, &ctx.lists]);
        let plan = &inner.plan;
        if plan.groups.is_empty() {
            for &i in &plan.ungated {
                self.run(i, order, ctx, live, &derived, &mut a);
            }
        } else {
            // Gated composites whose gate passes (or whose attribute is
            // missing, so that they are skipped exactly as without the index).
            let mut gated: Vec<usize> = Vec::new();
            for group in &plan.groups {
                match group.attribute.read_number(&self.input(order, ctx, live, &derived, &a)) {
                    Some(v) => {
                        let n = group.gates.partition_point(|(g, _)| g.passes(v));
                        gated.extend(group.gates.iter().take(n).map(|(_, i)| *i));
                    }
                    None => gated.extend(group.gates.iter().map(|(_, i)| *i)),
                }
            }
            gated.sort_unstable();
            // Both lists are in declaration order: merge them.
            let (mut u, mut g) = (plan.ungated.iter().peekable(), gated.iter().peekable());
            loop {
                let next = match (u.peek(), g.peek()) {
                    (Some(&&x), Some(&&y)) if x < y => u.next(),
                    (Some(_), Some(_)) | (None, Some(_)) => g.next(),
                    (Some(_), None) => u.next(),
                    (None, None) => break,
                };
                if let Some(&i) = next {
                    self.run(i, order, ctx, live, &derived, &mut a);
                }
            }
        }
        a.finish(&inner.thresholds);
        a
    }

    fn input<'a>(
        &'a self,
        order: &'a Order,
        ctx: &'a EvalContext,
        live: &'a Lists,
        derived: &'a Derived<'a>,
        so_far: &'a Assessment,
    ) -> Input<'a> {
        let inner = &*self.inner;
        Input {
            order,
            ctx,
            reference: &inner.reference,
            lists: &inner.lists,
            live,
            privacy: inner.privacy,
            so_far,
            read_history: None,
            derived: Some(derived),
        }
    }

    /// Evaluates slot `i` and records its outcome.
    fn run(&self, i: usize, order: &Order, ctx: &EvalContext, live: &Lists, derived: &Derived<'_>, a: &mut Assessment) {
        let Some(slot) = self.inner.slots.get(i) else { return };
        let outcome = if ctx.history.is_known() {
            slot.rule.evaluate(&self.input(order, ctx, live, derived, a))
        } else {
            // The store could not answer: a rule that reads a profile would
            // judge a known buyer as new, so it is skipped, whatever it found.
            let read = Cell::new(false);
            let input = Input { read_history: Some(&read), ..self.input(order, ctx, live, derived, a) };
            let outcome = slot.rule.evaluate(&input);
            if read.get() { Outcome::cannot_judge(STORE_UNAVAILABLE) } else { outcome }
        };
        match outcome {
            Outcome::NotFired => {}
            Outcome::Skipped(missing) => a.push_skipped(slot.id.clone(), missing),
            Outcome::Fired(f) => {
                let points = slot.settings.points.saturating_add(f.extra_points);
                let flag = Flag::new(
                    slot.id.clone(),
                    slot.rule.category(),
                    points,
                    slot.settings.action,
                    f.reason_code,
                    f.reasons,
                    f.builds_on,
                );
                if slot.settings.shadow {
                    a.push_shadow(flag);
                } else if let Some(entry) = self.exemption(ctx, live, derived, slot.id.as_str()) {
                    a.push_exempted(flag, entry);
                } else {
                    a.push_flag(flag);
                }
            }
        }
    }

    /// The allow-list entry exempting the order from `rule`: none without
    /// allow lists (the entities were not even read).
    fn exemption(&self, ctx: &EvalContext, live: &Lists, derived: &Derived<'_>, rule: &str) -> Option<String> {
        let entities = derived.entities()?;
        exemption_in([&self.inner.lists, live, &ctx.lists], entities, rule, ctx.now).map(|e| e.reason.clone())
    }

    /// Evaluates many orders with their contexts, results in input order.
    /// Takes [`EvalRequest`]s, `(Order, EvalContext)` pairs or pairs of
    /// references, as `Engine::evaluate_par` (feature `rayon`) does.
    pub fn evaluate_batch<T: EvalItem>(&self, items: &[T]) -> Vec<Assessment> {
        items.iter().map(|item| self.evaluate(item.order(), item.context())).collect()
    }

    /// Evaluates many orders on every core (rayon), results in input order;
    /// the same input as [`Engine::evaluate_batch`].
    #[cfg(feature = "rayon")]
    pub fn evaluate_par<T: EvalItem + Sync>(&self, items: &[T]) -> Vec<Assessment> {
        use rayon::prelude::*;
        items.par_iter().map(|item| self.evaluate(item.order(), item.context())).collect()
    }

    /// The rules in declaration (and evaluation) order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.inner.slots.iter().map(|s| RuleInfo { id: &s.id, rule: &*s.rule, settings: s.settings })
    }

    /// What is wrong with `lists` for this engine: each allow entry's rule
    /// id the engine does not have, as its path in the lists
    /// (`allow[0].rules[1]`) and a message with the closest id it has. A
    /// request line's lists are checked with it before evaluating: an
    /// exemption from a misspelt rule would exempt from nothing.
    pub fn check_lists(&self, lists: &Lists) -> Vec<(String, String)> {
        let known = |id: &str| self.inner.slots.iter().any(|s| s.id.as_str() == id);
        lists
            .unknown_allow_rules(&known)
            .into_iter()
            .map(|(path, id)| {
                let hint = crate::text::suggest(&id, self.inner.slots.iter().map(|s| s.id.as_str()))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                (path, crate::text::safe_message(&format!("unknown rule id `{id}`{hint}")))
            })
            .collect()
    }

    /// The settings of rule `id`, if the engine has it.
    pub fn settings(&self, id: &str) -> Option<RuleSettings> {
        self.inner.slots.iter().find(|s| s.id == id).map(|s| s.settings)
    }

    /// The rule set's name, version and content hash, as every assessment reports them.
    pub fn ruleset(&self) -> &RuleSetInfo {
        &self.inner.info
    }

    /// The effective configuration as a rule set: loading it with
    /// [`Engine::from_config`] gives an engine that assesses every order
    /// identically. Rules of the host's own code (not composites) cannot be
    /// written as data and are left out.
    pub fn config(&self) -> RuleSet {
        config_of(&self.inner)
    }

    /// The decision thresholds.
    pub fn thresholds(&self) -> Thresholds {
        self.inner.thresholds
    }

    /// The compiled reference data.
    pub fn reference(&self) -> &ReferenceData {
        &self.inner.reference
    }

    /// The engine's own lists (part of its rule set).
    pub fn lists(&self) -> &Lists {
        &self.inner.lists
    }

    /// The live lists the engine consults besides its own, if it was built
    /// with [`EngineBuilder::live_lists`].
    pub fn live_lists(&self) -> Option<&SharedLists> {
        self.inner.live.as_ref()
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Patch {
    enabled: Option<bool>,
    points: Option<u8>,
    action: Option<Action>,
    shadow: Option<bool>,
}

fn config_of(inner: &Inner) -> RuleSet {
    let mut rules = BTreeMap::new();
    let mut composites = Vec::new();
    for slot in &inner.slots {
        let s = slot.settings;
        let id = slot.id.as_str();
        let params = if let Some(c) = &slot.definition {
            composites.push(Composite { points: s.points, action: s.action, ..c.clone() });
            None
        } else if is_builtin(id) {
            slot.rule.params()
        } else {
            continue;
        };
        let cfg = RuleConfig {
            enabled: Some(s.enabled),
            points: Some(s.points),
            action: Some(s.action),
            shadow: Some(s.shadow),
            params,
            note: None,
        };
        rules.insert(id.to_owned(), cfg);
    }
    let reference = &inner.reference;
    RuleSet {
        name: inner.info.name.clone(),
        version: inner.info.version.clone(),
        description: None,
        thresholds: inner.thresholds,
        default_country: reference.default_country().to_owned(),
        reveal_personal_data: inner.privacy == Privacy::Raw,
        reference: Reference {
            remote_regions: reference.remote_regions().to_vec(),
            locker_keywords: reference.locker_keywords().to_vec(),
        },
        lists: inner.lists.clone(),
        rules,
        composites,
    }
}

/// Builds an [`Engine`], collecting every problem and reporting them all at
/// [`EngineBuilder::build`].
#[derive(Debug, Clone)]
#[must_use]
pub struct EngineBuilder {
    rules: Vec<Arc<dyn Rule>>,
    /// Where each id is in `rules`: replacing a rule is a lookup, not a scan,
    /// so adding n rules costs n, not n².
    positions: HashMap<String, usize>,
    definitions: HashMap<String, Composite>,
    name: String,
    version: String,
    patches: BTreeMap<String, Patch>,
    thresholds: Thresholds,
    remote_regions: Vec<Region>,
    locker_keywords: Vec<String>,
    default_country: String,
    lists: Lists,
    live: Option<SharedLists>,
    privacy: Privacy,
    index_gates: bool,
}

impl EngineBuilder {
    /// A builder with no rules at all.
    pub fn empty() -> Self {
        EngineBuilder {
            rules: Vec::new(),
            positions: HashMap::new(),
            definitions: HashMap::new(),
            name: "builtin".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            patches: BTreeMap::new(),
            thresholds: Thresholds::default(),
            remote_regions: default_remote_regions(),
            locker_keywords: default_locker_keywords(),
            default_country: "CN".to_owned(),
            lists: Lists::default(),
            live: None,
            privacy: Privacy::default(),
            index_gates: true,
        }
    }

    /// Adds a rule, or replaces the rule with the same id in place (to change
    /// a built-in rule's parameters). Settings already given for the id stay.
    pub fn rule(self, rule: impl Rule + 'static) -> Self {
        self.rule_arc(Arc::new(rule))
    }

    /// [`EngineBuilder::rule`] for a shared rule.
    pub fn rule_arc(mut self, rule: Arc<dyn Rule>) -> Self {
        match self.positions.get(rule.id()).and_then(|&i| self.rules.get_mut(i)) {
            Some(slot) => *slot = rule,
            None => {
                self.positions.insert(rule.id().to_owned(), self.rules.len());
                self.rules.push(rule);
            }
        }
        self
    }

    /// Adds a composite rule declared as data (or replaces the one with its
    /// id); unlike [`EngineBuilder::rule`], the engine can write it back out
    /// in [`Engine::config`].
    pub fn composite(mut self, composite: Composite) -> Self {
        self.definitions.insert(composite.id.clone(), composite.clone());
        self.rule(composite)
    }

    /// Names the rule set, reported on every assessment (default `builtin`
    /// and the crate's version).
    pub fn ruleset(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.name = name.into();
        self.version = version.into();
        self
    }

    fn patch(mut self, id: &str, f: impl FnOnce(&mut Patch)) -> Self {
        f(self.patches.entry(id.to_owned()).or_default());
        self
    }

    /// Sets the points of rule `id`.
    pub fn points(self, id: &str, points: u8) -> Self {
        self.patch(id, |p| p.points = Some(points))
    }

    /// Sets the action of rule `id`.
    pub fn action(self, id: &str, action: Action) -> Self {
        self.patch(id, |p| p.action = Some(action))
    }

    /// Turns rule `id` off.
    pub fn disable(self, id: &str) -> Self {
        self.patch(id, |p| p.enabled = Some(false))
    }

    /// Turns rule `id` on.
    pub fn enable(self, id: &str) -> Self {
        self.patch(id, |p| p.enabled = Some(true))
    }

    /// Puts rule `id` in shadow mode (or takes it out).
    pub fn shadow(self, id: &str, shadow: bool) -> Self {
        self.patch(id, |p| p.shadow = Some(shadow))
    }

    /// Sets the decision thresholds.
    pub fn thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Replaces the remote-region list.
    pub fn remote_regions(mut self, regions: Vec<Region>) -> Self {
        self.remote_regions = regions;
        self
    }

    /// Replaces the parcel-locker keywords.
    pub fn locker_keywords(mut self, keywords: Vec<String>) -> Self {
        self.locker_keywords = keywords;
        self
    }

    /// The country assumed for addresses that name none (default `CN`).
    pub fn default_country(mut self, country: impl Into<String>) -> Self {
        self.default_country = country.into();
        self
    }

    /// The engine's own lists, consulted with each context's lists.
    pub fn lists(mut self, lists: Lists) -> Self {
        self.lists = lists;
        self
    }

    /// Lists that change while the engine runs, consulted besides the
    /// engine's own lists and the context's; see [`SharedLists`].
    pub fn live_lists(mut self, lists: SharedLists) -> Self {
        self.live = Some(lists);
        self
    }

    /// Shows raw personal data in evidence instead of masking it.
    pub fn reveal_personal_data(mut self, reveal: bool) -> Self {
        self.privacy = Privacy::revealing(reveal);
        self
    }

    /// Whether composites gated on a threshold (`attribute >= x`, alone or
    /// first in an `all`) are indexed, so that many of them on one attribute
    /// cost a read and a binary search (default on; off is for comparing).
    /// The assessments are the same either way.
    pub fn index_gated_composites(mut self, on: bool) -> Self {
        self.index_gates = on;
        self
    }

    /// Validates everything and builds the engine.
    pub fn build(self) -> Result<Engine, BuildError> {
        let mut problems = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut slots = Vec::with_capacity(self.rules.len());
        for rule in &self.rules {
            let id = rule.id();
            if !RuleId::is_valid(id) {
                problems.push(BuildProblem::BadRuleId(id.to_owned()));
            }
            // Ids are unique here: the builder replaces a rule added again
            // under its id (`rule_arc`), and a rule-set file refuses a
            // composite defined twice, naming both places.
            seen.insert(id);
            for issue in rule.validate() {
                problems.push(BuildProblem::Parameter {
                    rule: id.to_owned(),
                    field: issue.field.into_owned(),
                    reason: issue.reason,
                });
            }
            for dep in rule.depends_on() {
                let why = if dep == id {
                    Some("is the rule itself")
                } else if !seen.contains(dep.as_str()) {
                    Some(if self.positions.contains_key(dep.as_str()) {
                        "is declared after it"
                    } else {
                        "does not exist"
                    })
                } else {
                    None
                };
                if let Some(why) = why {
                    problems.push(BuildProblem::Dependency { rule: id.to_owned(), on: dep.to_string(), why });
                }
            }
            let p = self.patches.get(id).copied().unwrap_or_default();
            let settings = RuleSettings {
                enabled: p.enabled.unwrap_or(true),
                points: p.points.unwrap_or_else(|| rule.default_points()),
                action: p.action.unwrap_or_else(|| rule.default_action()),
                shadow: p.shadow.unwrap_or(false),
            };
            if settings.points > 100 {
                problems.push(BuildProblem::PointsOutOfRange { rule: id.to_owned(), points: settings.points });
            }
            let definition = self.definitions.get(id).cloned();
            slots.push(Slot { id: RuleId::from(id), rule: Arc::clone(rule), settings, definition });
        }
        for id in self.patches.keys() {
            if !seen.contains(id.as_str()) {
                problems.push(BuildProblem::UnknownRule(id.clone()));
            }
        }
        let t = self.thresholds;
        if t.review == 0 || t.review > t.hold || t.hold > 100 {
            problems.push(BuildProblem::Thresholds { review: t.review, hold: t.hold });
        }
        problems.extend(self.lists.problems().into_iter().map(BuildProblem::List));
        let reference = ReferenceData::new(self.remote_regions, self.locker_keywords, self.default_country)
            .map_err(|e| problems.push(BuildProblem::Reference(e)))
            .ok();
        match reference {
            Some(reference) if problems.is_empty() => {
                let mut inner = Inner {
                    slots,
                    thresholds: self.thresholds,
                    reference,
                    lists: self.lists,
                    live: self.live,
                    privacy: self.privacy,
                    info: Arc::new(RuleSetInfo { name: self.name, version: self.version, hash: String::new() }),
                    plan: Plan::default(),
                };
                inner.plan = Plan::new(&inner.slots, self.index_gates);
                // The hash covers the effective configuration, name and version included.
                inner.info = config_of(&inner).info();
                Ok(Engine { inner: Arc::new(inner) })
            }
            _ => Err(BuildError { problems }),
        }
    }
}

/// One thing wrong with an engine's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildProblem {
    /// Settings name a rule the engine does not have.
    #[error("unknown rule id `{0}`")]
    UnknownRule(String),
    /// An id is not of the form `category.name`.
    #[error("rule id `{0}` is malformed: use lower-case letters, digits, `_` and `.`")]
    BadRuleId(String),
    /// Points above 100.
    #[error("rule `{rule}`: points {points} exceed 100")]
    PointsOutOfRange {
        /// The rule.
        rule: String,
        /// The points given.
        points: u8,
    },
    /// Thresholds out of order.
    #[error("thresholds: need 1 <= review ({review}) <= hold ({hold}) <= 100")]
    Thresholds {
        /// The review threshold given.
        review: u8,
        /// The hold threshold given.
        hold: u8,
    },
    /// A rule parameter out of range.
    #[error("rule `{rule}`: `{field}` {reason}")]
    Parameter {
        /// The rule.
        rule: String,
        /// The parameter.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A composite builds on a rule it cannot.
    #[error("rule `{rule}` builds on `{on}`, which {why}")]
    Dependency {
        /// The composite.
        rule: String,
        /// The rule it names.
        on: String,
        /// Why that is not allowed.
        why: &'static str,
    },
    /// Reference data that does not compile.
    #[error("reference data: {0}")]
    Reference(ReferenceError),
    /// A list entry that can never match.
    #[error("lists: {0}")]
    List(ListProblem),
}

/// Everything wrong with an engine's configuration, reported at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BuildError {
    problems: Vec<BuildProblem>,
}

impl BuildError {
    /// The problems, in the order found.
    pub fn problems(&self) -> &[BuildProblem] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "the engine configuration has {n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}
