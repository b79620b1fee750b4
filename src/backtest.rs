//! Backtesting: a rule set measured on labelled history before it goes live
//! (as fraud teams test Stripe Radar rules or Marble scenarios on past orders).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::assessment::{Assessment, Decision, Thresholds, score_parts};
use crate::context::EvalContext;
use crate::engine::Engine;
use crate::model::Order;
use crate::num::{bump, ratio};
use crate::vocab::{Action, RuleId};

/// A past order, its context as it was then, and whether it turned out abnormal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Labeled {
    /// The order.
    pub order: Order,
    /// Its context at the time.
    pub context: EvalContext,
    /// Whether it was abnormal (fraud, chargeback, ...).
    pub abnormal: bool,
}

impl Labeled {
    /// `order` in `context`, abnormal or not.
    pub fn new(order: Order, context: EvalContext, abnormal: bool) -> Self {
        Labeled { order, context, abnormal }
    }
}

/// How one rule did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleMetrics {
    /// Orders it flagged.
    pub hits: u64,
    /// Of those, abnormal.
    pub true_positives: u64,
    /// true_positives / hits.
    pub precision: Option<f64>,
    /// true_positives / abnormal orders.
    pub recall: Option<f64>,
    /// hits / orders: the share of the orders it fired on (a rule that
    /// fires on more than a few percent of a shop's orders queues ordinary
    /// ones, unless its hits are real).
    #[serde(default)]
    pub firing_rate: Option<f64>,
}

/// Flagged (decision at or above the cut-off) against abnormal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Confusion {
    /// Flagged and abnormal.
    pub true_positives: u64,
    /// Flagged, not abnormal.
    pub false_positives: u64,
    /// Not flagged, abnormal.
    pub false_negatives: u64,
    /// Not flagged, not abnormal.
    pub true_negatives: u64,
}

impl Confusion {
    /// Share of flagged orders that were abnormal.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_positives, self.true_positives.saturating_add(self.false_positives))
    }
    /// Share of abnormal orders that were flagged.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.true_positives, self.true_positives.saturating_add(self.false_negatives))
    }
}

/// A rule set's figures on labelled history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BacktestReport {
    /// The rule set measured.
    pub ruleset: String,
    /// Orders.
    pub orders: u64,
    /// Abnormal orders among them.
    pub positives: u64,
    /// The decision at and above which an order counts as flagged.
    pub cutoff: Decision,
    /// Per rule id (counted flags only; shadow rules appear under `shadow`).
    pub rules: BTreeMap<String, RuleMetrics>,
    /// Shadow rules, measured the same way.
    pub shadow: BTreeMap<String, RuleMetrics>,
    /// Flagged against abnormal.
    pub confusion: Confusion,
    /// Orders per decision.
    pub decisions: BTreeMap<Decision, u64>,
    /// Abnormal orders per decision.
    pub positives_by_decision: BTreeMap<Decision, u64>,
    /// Per rule id, the orders it was skipped on for missing data.
    #[serde(default)]
    pub skips: BTreeMap<String, u64>,
    /// Precision and recall at every score, from the highest: an order
    /// counts as flagged at score `s` when its score is `s` or more.
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
}

impl BacktestReport {
    /// Flagged against abnormal with `cutoff` as the cut-off instead of the
    /// report's: every decision's figures come from one pass.
    pub fn confusion_at(&self, cutoff: Decision) -> Confusion {
        let mut c = Confusion::default();
        for (d, n) in &self.decisions {
            let p = self.positives_by_decision.get(d).copied().unwrap_or(0);
            let negatives = n.saturating_sub(p);
            if *d >= cutoff {
                c.true_positives = c.true_positives.saturating_add(p);
                c.false_positives = c.false_positives.saturating_add(negatives);
            } else {
                c.false_negatives = c.false_negatives.saturating_add(p);
                c.true_negatives = c.true_negatives.saturating_add(negatives);
            }
        }
        c
    }
}

/// One point of the precision-recall curve over scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CurvePoint {
    /// Orders scoring this or more count as flagged.
    pub score: u8,
    /// How many orders that flags.
    pub flagged: u64,
    /// Share of them that were abnormal.
    pub precision: Option<f64>,
    /// Share of the abnormal orders among them.
    pub recall: Option<f64>,
    /// Orders scoring exactly this (the score distribution).
    #[serde(default)]
    pub orders_at: u64,
    /// Of those, abnormal.
    #[serde(default)]
    pub abnormal_at: u64,
}

/// A backtest built one labelled assessment at a time: what [`backtest`]
/// does over a slice, for a history streamed from a file. It holds counts
/// per rule, per decision and per score, never the orders, so its memory
/// does not grow with the history.
///
/// ```
/// use order_anomaly::backtest::Tally;
/// use order_anomaly::{Decision, Engine, EvalContext, Order};
///
/// let engine = Engine::default();
/// let mut tally = Tally::new(&engine.ruleset().name, Decision::Review);
/// let order = Order::new("SO-1", "u-1", "2026-03-01T10:00:00Z".parse().unwrap(), "9000".parse().unwrap());
/// let a = engine.evaluate(&order, &EvalContext::at(order.created_at));
/// tally.add(&a, true);
/// let report = tally.report();
/// assert_eq!((report.orders, report.positives), (1, 1));
/// assert_eq!(report.rules["payment.large_amount"].true_positives, 1);
/// ```
#[derive(Debug, Clone)]
pub struct Tally {
    report: BacktestReport,
    /// Orders per score: (all, abnormal).
    by_score: [(u64, u64); 101],
}

impl Tally {
    /// An empty tally for the rule set `ruleset`, counting decisions at
    /// `cutoff` or higher as flagged.
    pub fn new(ruleset: impl Into<String>, cutoff: Decision) -> Self {
        Tally {
            report: BacktestReport { ruleset: ruleset.into(), cutoff, ..Default::default() },
            by_score: [(0, 0); 101],
        }
    }

    /// Counts one order's assessment, and whether the order was abnormal.
    pub fn add(&mut self, a: &Assessment, abnormal: bool) {
        let flags = a.flags().iter().map(|f| (f.rule_id(), false));
        let shadow = a.shadow_flags().iter().map(|f| (f.rule_id(), true));
        let skipped = a.skipped().iter().map(|s| &s.rule_id);
        self.count(a.decision(), a.score(), flags.chain(shadow), skipped, abnormal);
    }

    /// Counts one order: its decision and score, the rules that flagged it
    /// (and whether in shadow), those skipped, and whether it was abnormal.
    fn count<'a>(
        &mut self,
        decision: Decision,
        score: u8,
        flags: impl Iterator<Item = (&'a RuleId, bool)>,
        skipped: impl Iterator<Item = &'a RuleId>,
        abnormal: bool,
    ) {
        let r = &mut self.report;
        bump(&mut r.orders);
        r.positives = r.positives.saturating_add(u64::from(abnormal));
        bump(r.decisions.entry(decision).or_default());
        if abnormal {
            bump(r.positives_by_decision.entry(decision).or_default());
        }
        let c = &mut r.confusion;
        match (decision >= r.cutoff, abnormal) {
            (true, true) => bump(&mut c.true_positives),
            (true, false) => bump(&mut c.false_positives),
            (false, true) => bump(&mut c.false_negatives),
            (false, false) => bump(&mut c.true_negatives),
        }
        for (id, shadow) in flags {
            let map = if shadow { &mut r.shadow } else { &mut r.rules };
            let m = map.entry(id.to_string()).or_default();
            bump(&mut m.hits);
            m.true_positives = m.true_positives.saturating_add(u64::from(abnormal));
        }
        for id in skipped {
            bump(r.skips.entry(id.to_string()).or_default());
        }
        if let Some((all, bad)) = self.by_score.get_mut(usize::from(score)) {
            bump(all);
            *bad = bad.saturating_add(u64::from(abnormal));
        }
    }

    /// The figures so far: precision and recall per rule, and the curve.
    pub fn report(&self) -> BacktestReport {
        let mut r = self.report.clone();
        let positives = r.positives;
        for m in r.rules.values_mut().chain(r.shadow.values_mut()) {
            m.precision = ratio(m.true_positives, m.hits);
            m.recall = ratio(m.true_positives, positives);
            m.firing_rate = ratio(m.hits, r.orders);
        }
        let (mut flagged, mut caught) = (0u64, 0u64);
        r.curve = (0..=100u8)
            .rev()
            .zip(self.by_score.iter().rev())
            .map(|(score, (all, bad))| {
                flagged = flagged.saturating_add(*all);
                caught = caught.saturating_add(*bad);
                CurvePoint {
                    score,
                    flagged,
                    precision: ratio(caught, flagged),
                    recall: ratio(caught, positives),
                    orders_at: *all,
                    abnormal_at: *bad,
                }
            })
            .collect();
        r
    }
}

/// An order whose decision differs between two rule sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Changed {
    /// The order.
    pub order_id: String,
    /// Whether it was abnormal.
    pub abnormal: bool,
    /// Under the first rule set.
    pub before: Decision,
    /// Under the second.
    pub after: Decision,
}

/// Two rule sets on the same history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comparison {
    /// The first rule set's figures.
    pub before: BacktestReport,
    /// The second's.
    pub after: BacktestReport,
    /// Orders whose decision changed, in history order.
    pub changed: Vec<Changed>,
}

/// Evaluates every labelled order with `engine`; an order counts as flagged
/// when its decision is `cutoff` or higher (Review: everything a person sees).
pub fn backtest(engine: &Engine, history: &[Labeled], cutoff: Decision) -> BacktestReport {
    run(engine, history, cutoff, |_, _| {})
}

/// Backtests two rule sets and lists the orders whose decision changes.
pub fn compare(before: &Engine, after: &Engine, history: &[Labeled], cutoff: Decision) -> Comparison {
    let mut decisions = Vec::with_capacity(history.len());
    let b = run(before, history, cutoff, |_, d| decisions.push(d));
    let mut changed = Vec::new();
    let mut previous = decisions.into_iter();
    let a = run(after, history, cutoff, |l, d| {
        if let Some(prev) = previous.next().filter(|p| *p != d) {
            changed.push(Changed { order_id: l.order.id.clone(), abnormal: l.abnormal, before: prev, after: d });
        }
    });
    Comparison { before: b, after: a, changed }
}

fn run(
    engine: &Engine,
    history: &[Labeled],
    cutoff: Decision,
    mut each: impl FnMut(&Labeled, Decision),
) -> BacktestReport {
    let mut tally = Tally::new(engine.ruleset().name.clone(), cutoff);
    for l in history {
        let a = engine.evaluate(&l.order, &l.context);
        tally.add(&a, l.abnormal);
        each(l, a.decision());
    }
    tally.report()
}

/// What tuning needs of one labelled order, kept small: the rules that
/// fired on it (each with what it builds on and its action), and whether it
/// was abnormal. Which rules fire does not depend on their points or on the
/// decision thresholds, so those can be searched without evaluating again.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    flags: Vec<(RuleId, Vec<RuleId>, Action)>,
    abnormal: bool,
}

impl Sample {
    /// The counted flags of `a`, for an order that was `abnormal` or not.
    pub fn of(a: &Assessment, abnormal: bool) -> Self {
        let flags = a.flags().iter().map(|f| (f.rule_id().clone(), f.builds_on().to_vec(), f.action())).collect();
        Sample { flags, abnormal }
    }

    /// The score and the decision under `points` and `thresholds`.
    fn judge(&self, points: &BTreeMap<String, u8>, thresholds: Thresholds) -> (u8, Decision) {
        let of = |id: &RuleId| points.get(id.as_str()).copied().unwrap_or(0);
        let score = score_parts(self.flags.iter().map(|(id, on, _)| (id, of(id), on.as_slice())));
        let by_action = self.flags.iter().map(|(_, _, a)| Decision::from(*a)).max().unwrap_or_default();
        (score, thresholds.decide(score).max(by_action))
    }
}

/// Points per rule and the decision thresholds: what [`tune`] searches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tuning {
    /// Points per rule id.
    pub points: BTreeMap<String, u8>,
    /// The decision thresholds.
    pub thresholds: Thresholds,
}

impl Tuning {
    /// The points and thresholds `engine` decides with.
    pub fn of(engine: &Engine) -> Self {
        let points = engine.rules().map(|r| (r.id.as_str().to_owned(), r.settings.points)).collect();
        Tuning { points, thresholds: engine.thresholds() }
    }

    /// The backtest report of `samples` scored with these points and
    /// thresholds, under the name `ruleset` (what `backtest` reports, but
    /// without the rules' skips, which samples do not keep).
    pub fn report(&self, samples: &[Sample], ruleset: impl Into<String>, cutoff: Decision) -> BacktestReport {
        let mut tally = Tally::new(ruleset, cutoff);
        for s in samples {
            let (score, decision) = s.judge(&self.points, self.thresholds);
            // A rule at no points still fired: it counts as a hit as it
            // would in an engine, where only the points are zero.
            let flags = s.flags.iter().map(|(id, _, _)| (id, false));
            tally.count(decision, score, flags, std::iter::empty(), s.abnormal);
        }
        tally.report()
    }

    /// Flagged (decision `cutoff` or higher) against abnormal, on `samples`.
    pub fn measure(&self, samples: &[Sample], cutoff: Decision) -> Confusion {
        let mut c = Confusion::default();
        for s in samples {
            match (s.judge(&self.points, self.thresholds).1 >= cutoff, s.abnormal) {
                (true, true) => bump(&mut c.true_positives),
                (true, false) => bump(&mut c.false_positives),
                (false, true) => bump(&mut c.false_negatives),
                (false, false) => bump(&mut c.true_negatives),
            }
        }
        c
    }
}

/// How good a confusion is for tuning, as a value that orders: whether the
/// floor is met, then above the precision floor, more
/// recall (then more precision) is better; below it, more precision (then
/// more recall), towards the floor. A floor the data cannot meet with any
/// recall is reached by flagging almost nothing: the command line says so.
pub fn merit(c: &Confusion, min_precision: f64) -> (bool, f64, f64) {
    let (p, r) = (c.precision().unwrap_or(0.0), c.recall().unwrap_or(0.0));
    if p >= min_precision { (true, r, p) } else { (false, p, r) }
}

/// Searches the review threshold and each rule's points (0 to 100 in steps
/// of 5) for the most recall at `min_precision` or more on `samples`, at
/// the `cutoff` decision, starting from `start`: coordinate ascent, the
/// threshold and then a rule at a time, until a round changes nothing (at
/// most 8 rounds). The
/// hold threshold keeps its distance above review. Deterministic: rules in
/// id order, ties kept at the current value.
pub fn tune(samples: &[Sample], start: &Tuning, min_precision: f64, cutoff: Decision) -> Tuning {
    let mut best = start.clone();
    let mut best_merit = merit(&best.measure(samples, cutoff), min_precision);
    let try_it = |candidate: Tuning, best: &mut Tuning, best_merit: &mut (bool, f64, f64)| {
        let m = merit(&candidate.measure(samples, cutoff), min_precision);
        if m > *best_merit {
            *best = candidate;
            *best_merit = m;
            true
        } else {
            false
        }
    };
    let gap = start.thresholds.hold.saturating_sub(start.thresholds.review);
    for _ in 0..8 {
        let mut changed = false;
        // The thresholds first: moving one often reaches the floor without
        // silencing any rule.
        for review in 1..=100u8 {
            let mut candidate = best.clone();
            candidate.thresholds = Thresholds::new(review, review.saturating_add(gap).min(100).max(review));
            changed |= try_it(candidate, &mut best, &mut best_merit);
        }
        let ids: Vec<String> = best.points.keys().cloned().collect();
        for id in ids {
            for p in (0..=100u8).step_by(5) {
                let mut candidate = best.clone();
                candidate.points.insert(id.clone(), p);
                changed |= try_it(candidate, &mut best, &mut best_merit);
            }
        }
        if !changed {
            break;
        }
    }
    best
}
