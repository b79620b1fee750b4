//! Manual review (人工审核): cases for the orders that need a person, an
//! append-only audit trail, reviewer feedback into the lists, and per-rule
//! statistics.
//!
//! An assessment whose decision is Review or Hold opens a [`ReviewCase`]. A
//! reviewer takes it, then resolves it as confirmed abnormal or as a false
//! alarm, or escalates it; a held order is then released or cancelled. Every
//! transition records who, when and a note; an invalid one is an error.
//!
//! ```text
//!   open ──take──> in_review ──resolve──> confirmed_abnormal ──cancel_order──> cancelled   (held orders)
//!    │                │  ▲                false_alarm ─────────release──────> released    (held orders)
//!    └──escalate──> escalated ──take──┘
//! ```
//!
//! Pure data with serde: the host persists the queue where it likes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assessment::{Assessment, Decision, Flag};
use crate::lists::{AllowEntry, BlockEntry, Entity, EntityKind, Lists};
use crate::model::Order;
use crate::num::{bump, ratio};
use crate::rules::ids;
use crate::time::Window;
use crate::vocab::RuleId;

/// Where a case stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum CaseState {
    /// Waiting for a reviewer.
    Open,
    /// A reviewer is on it.
    InReview {
        /// Who.
        reviewer: String,
    },
    /// Passed up to a senior reviewer.
    Escalated,
    /// Resolved: the order was abnormal.
    ConfirmedAbnormal,
    /// Resolved: the flags were a false alarm.
    FalseAlarm,
    /// A held order, released for fulfilment.
    Released,
    /// A held order, cancelled.
    Cancelled,
    /// Closed without review: the order was assessed again and passed
    /// before anyone acted on the case.
    Withdrawn,
}

impl CaseState {
    fn name(&self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::InReview { .. } => "in_review",
            CaseState::Escalated => "escalated",
            CaseState::ConfirmedAbnormal => "confirmed_abnormal",
            CaseState::FalseAlarm => "false_alarm",
            CaseState::Released => "released",
            CaseState::Cancelled => "cancelled",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    /// Whether a person still has to act.
    pub fn is_pending(&self) -> bool {
        matches!(self, CaseState::Open | CaseState::InReview { .. } | CaseState::Escalated)
    }

    /// The resolution, if resolved (whatever happened to a held order after).
    fn resolution(&self) -> Option<Resolution> {
        match self {
            CaseState::ConfirmedAbnormal | CaseState::Cancelled => Some(Resolution::ConfirmedAbnormal),
            CaseState::FalseAlarm | CaseState::Released => Some(Resolution::FalseAlarm),
            _ => None,
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The order was abnormal.
    ConfirmedAbnormal,
    /// It was not.
    FalseAlarm,
}

/// What was done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaseAction {
    /// The case was opened.
    Opened,
    /// The order was assessed again and the case updated.
    Reassessed,
    /// A reviewer took it.
    Taken,
    /// It was passed up.
    Escalated,
    /// It was resolved.
    Resolved,
    /// The held order was released.
    Released,
    /// The held order was cancelled.
    OrderCancelled,
    /// A closed case was opened again: the order was assessed again as
    /// needing a person after a false alarm or a withdrawal.
    Reopened,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrailEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`system` for the engine).
    pub actor: String,
    /// What.
    pub action: CaseAction,
    /// The state before.
    pub from: Option<CaseState>,
    /// The state after.
    pub to: CaseState,
    /// Why, in the actor's words.
    pub note: String,
}

/// An order that needs (or needed) a person.
///
/// Its flags carry masked evidence like every assessment, but the case also
/// keeps the order's raw user, phone, address, device and instrument, so that
/// a confirmed case can block them: persist cases with the care you give orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCase {
    order_id: String,
    user_id: String,
    decision: Decision,
    score: u8,
    flags: Vec<Flag>,
    /// Raw entity values of the order, kept for feedback into the lists.
    entities: Vec<(EntityKind, String)>,
    opened_at: DateTime<Utc>,
    state: CaseState,
    trail: Vec<TrailEntry>,
    /// The reviewer who resolved it: with the supervisors, the only one who
    /// may release or cancel the held order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resolved_by: Option<String>,
}

impl ReviewCase {
    /// The order's id (also the case's id: one case per order).
    pub fn order_id(&self) -> &str {
        &self.order_id
    }
    /// The buyer.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
    /// The decision of the latest assessment.
    pub fn decision(&self) -> Decision {
        self.decision
    }
    /// Its score.
    pub fn score(&self) -> u8 {
        self.score
    }
    /// Its flags.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }
    /// When the case was opened.
    pub fn opened_at(&self) -> DateTime<Utc> {
        self.opened_at
    }
    /// Where it stands.
    pub fn state(&self) -> &CaseState {
        &self.state
    }
    /// The audit trail, oldest first. Append-only: nothing edits or removes an entry.
    pub fn trail(&self) -> &[TrailEntry] {
        &self.trail
    }
    /// The reviewers' verdict, if resolved.
    pub fn resolution(&self) -> Option<Resolution> {
        self.state.resolution()
    }

    fn record(&mut self, at: DateTime<Utc>, actor: &str, action: CaseAction, to: CaseState, note: &str) {
        let from = Some(self.state.clone());
        self.trail.push(TrailEntry {
            at,
            actor: actor.to_owned(),
            action,
            from,
            to: to.clone(),
            note: note.to_owned(),
        });
        self.state = to;
    }
}

/// An action the case's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// No case for this order.
    #[error("no review case for order `{0}`")]
    NoCase(String),
    /// The action is not allowed in the case's state.
    #[error("case `{order_id}` is {state}: cannot {action}")]
    Transition {
        /// The case.
        order_id: String,
        /// Its state.
        state: String,
        /// What was attempted.
        action: &'static str,
    },
    /// Only the reviewer who resolved a case, or a supervisor, may release or
    /// cancel the held order.
    #[error(
        "case `{order_id}` was resolved by `{resolver}`: `{actor}` is neither them nor a supervisor, so cannot {action}"
    )]
    NotPermitted {
        /// The case.
        order_id: String,
        /// Who resolved it.
        resolver: String,
        /// Who tried.
        actor: String,
        /// What was attempted.
        action: &'static str,
    },
    /// Only the reviewer who took a case may resolve or escalate it.
    #[error("case `{order_id}` is in review by `{holder}`, not `{actor}`")]
    NotHolder {
        /// The case.
        order_id: String,
        /// Who holds it.
        holder: String,
        /// Who tried.
        actor: String,
    },
}

/// What resolving a case fed back into the lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Feedback {
    /// Block-list entries added.
    pub blocked: Vec<BlockEntry>,
    /// Allow-list exemptions added (snoozes).
    pub allowed: Vec<AllowEntry>,
}

impl Feedback {
    /// Adds the entries to `lists` (the engine's or the contexts').
    pub fn apply_to(&self, lists: &mut Lists) {
        self.blocked.iter().cloned().for_each(|e| lists.add_block(e));
        self.allowed.iter().cloned().for_each(|e| lists.add_allow(e));
    }
}

/// What feedback a resolution gives: the caller's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FeedbackPolicy {
    /// On a confirmed abnormal order, block these of its entities.
    pub block_on_confirmed: Vec<EntityKind>,
    /// On a false alarm, exempt the buyer from the rules that fired for this
    /// long (a snooze that ends by itself); `None` for no exemption.
    pub snooze_on_false_alarm: Option<Window>,
}

impl Default for FeedbackPolicy {
    /// Block the buyer, phone and payment instrument of confirmed abnormal
    /// orders; snooze false alarms for 30 days.
    fn default() -> Self {
        FeedbackPolicy {
            block_on_confirmed: vec![EntityKind::User, EntityKind::Phone, EntityKind::PaymentInstrument],
            snooze_on_false_alarm: Some(Window::days(30)),
        }
    }
}

/// Precision of one rule among resolved cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleReviewStats {
    /// Resolved cases it flagged.
    pub hits: u64,
    /// Of those, confirmed abnormal.
    pub confirmed: u64,
    /// Of those, false alarms.
    pub false_alarms: u64,
    /// confirmed / hits, or `None` with no hits.
    pub precision: Option<f64>,
}

/// Statistics of the resolved cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReviewStats {
    /// Cases resolved.
    pub resolved: u64,
    /// Of those, confirmed abnormal.
    pub confirmed: u64,
    /// Of those, false alarms.
    pub false_alarms: u64,
    /// Share of resolved cases that were false alarms: the source document's
    /// "useless tickets" (无效工单).
    pub false_alarm_share: Option<f64>,
    /// Per rule.
    pub rules: BTreeMap<String, RuleReviewStats>,
}

/// Who may move a case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Any reviewer.
    Anyone,
    /// The reviewer holding the case, if one does.
    Holder,
    /// The reviewer who resolved it, or a supervisor.
    ResolverOrSupervisor,
}

/// One move of a case: when it is allowed, and what it records.
struct Transition {
    verb: &'static str,
    allowed: fn(&ReviewCase) -> bool,
    /// Who may make it.
    who: Who,
    action: CaseAction,
    to: CaseState,
}

/// The review queue: one case per order, by priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    cases: BTreeMap<String, ReviewCase>,
    deadline: Window,
    /// Who may release or cancel any held order, besides its resolver.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    supervisors: BTreeSet<String>,
}

impl Default for ReviewQueue {
    fn default() -> Self {
        ReviewQueue::new(Window::hours(24))
    }
}

const SYSTEM: &str = "system";

impl ReviewQueue {
    /// An empty queue whose cases are overdue `deadline` after opening.
    pub fn new(deadline: Window) -> Self {
        ReviewQueue { cases: BTreeMap::new(), deadline, supervisors: BTreeSet::new() }
    }

    /// Names a supervisor: besides the reviewer who resolved a case, the only
    /// one who may release or cancel its held order.
    pub fn with_supervisor(mut self, name: impl Into<String>) -> Self {
        self.supervisors.insert(name.into());
        self
    }

    /// Files an assessment. One needing a person (Review or Hold) opens a
    /// case. For an order that has one:
    ///
    /// - a pending case is updated (not duplicated); reassessed as Pass, it
    ///   closes itself ([`CaseState::Withdrawn`]) instead of going overdue;
    /// - a case closed as a false alarm, released, or withdrawn is opened
    ///   again when the order now needs a person or is rejected, so new
    ///   evidence reaches a reviewer ([`CaseAction::Reopened`]);
    /// - a case confirmed abnormal (or cancelled) only notes the assessment.
    ///
    /// The trail records each assessment that differs from the last one
    /// filed, not each identical repeat. Returns the case, if there is one.
    pub fn file(&mut self, order: &Order, assessment: &Assessment, now: DateTime<Utc>) -> Option<&ReviewCase> {
        let decision = assessment.decision();
        let needs_person = matches!(decision, Decision::Review | Decision::Hold);
        let rules: Vec<&str> = assessment.flags().iter().map(|f| f.rule_id().as_str()).collect();
        let note = format!("score {}, decision {} ({})", assessment.score(), decision.as_str(), rules.join(", "));
        if let Some(case) = self.cases.get_mut(&order.id) {
            let repeat = case.trail.last().is_some_and(|t| t.actor == SYSTEM && t.note == note);
            let closed_fine = matches!(case.state, CaseState::FalseAlarm | CaseState::Released | CaseState::Withdrawn);
            let (action, to) = if case.state.is_pending() && decision == Decision::Pass {
                (CaseAction::Reassessed, CaseState::Withdrawn)
            } else if closed_fine && (needs_person || decision == Decision::Reject) {
                case.opened_at = now;
                case.resolved_by = None;
                (CaseAction::Reopened, CaseState::Open)
            } else if repeat {
                return self.cases.get(&order.id);
            } else {
                (CaseAction::Reassessed, case.state.clone())
            };
            if to.is_pending() {
                case.decision = decision;
                case.score = assessment.score();
                case.flags = assessment.flags().to_vec();
            }
            case.record(now, SYSTEM, action, to, &note);
            return self.cases.get(&order.id);
        }
        if !needs_person {
            return None;
        }
        let entities = Entity::of(order)
            .filter_map(|e| {
                let raw = match e {
                    Entity::User(u) => u.to_owned(),
                    Entity::Phone(_) => order.recipient.as_ref()?.phone.clone()?,
                    Entity::Address(a) => {
                        [a.province.as_deref(), a.city.as_deref(), a.district.as_deref(), a.detail.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect()
                    }
                    Entity::Device(d) | Entity::PaymentInstrument(d) => d.to_owned(),
                };
                Some((e.kind(), raw))
            })
            .collect();
        let mut case = ReviewCase {
            order_id: order.id.clone(),
            user_id: order.user_id.clone(),
            decision: assessment.decision(),
            score: assessment.score(),
            flags: assessment.flags().to_vec(),
            entities,
            opened_at: now,
            state: CaseState::Open,
            trail: Vec::new(),
            resolved_by: None,
        };
        case.trail.push(TrailEntry {
            at: now,
            actor: SYSTEM.to_owned(),
            action: CaseAction::Opened,
            from: None,
            to: CaseState::Open,
            note,
        });
        self.cases.insert(order.id.clone(), case);
        self.cases.get(&order.id)
    }

    /// A case by order id.
    pub fn case(&self, order_id: &str) -> Option<&ReviewCase> {
        self.cases.get(order_id)
    }

    /// Every case, by order id.
    pub fn cases(&self) -> impl Iterator<Item = &ReviewCase> {
        self.cases.values()
    }

    /// Cases waiting for a person, highest score first, then oldest first.
    pub fn pending(&self) -> Vec<&ReviewCase> {
        let mut v: Vec<&ReviewCase> = self.cases.values().filter(|c| c.state.is_pending()).collect();
        v.sort_by(|a, b| b.score.cmp(&a.score).then(a.opened_at.cmp(&b.opened_at)).then(a.order_id.cmp(&b.order_id)));
        v
    }

    /// Open or escalated cases a reviewer can take, in priority order.
    pub fn next(&self) -> Option<&ReviewCase> {
        self.pending().into_iter().find(|c| matches!(c.state, CaseState::Open | CaseState::Escalated))
    }

    /// Pending cases opened longer ago than the deadline.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<&ReviewCase> {
        self.pending()
            .into_iter()
            .filter(|c| now.signed_duration_since(c.opened_at) > self.deadline.duration())
            .collect()
    }

    fn refuse(case: &ReviewCase, action: &'static str) -> ReviewError {
        ReviewError::Transition { order_id: case.order_id.clone(), state: case.state.to_string(), action }
    }

    fn holder_check(case: &ReviewCase, actor: &str) -> Result<(), ReviewError> {
        match &case.state {
            CaseState::InReview { reviewer } if reviewer != actor => Err(ReviewError::NotHolder {
                order_id: case.order_id.clone(),
                holder: reviewer.clone(),
                actor: actor.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// A reviewer takes an open or escalated case.
    pub fn take(
        &mut self,
        order_id: &str,
        reviewer: &str,
        now: DateTime<Utc>,
        note: &str,
    ) -> Result<&ReviewCase, ReviewError> {
        let to = CaseState::InReview { reviewer: reviewer.to_owned() };
        let allowed = |c: &ReviewCase| matches!(c.state, CaseState::Open | CaseState::Escalated);
        self.step(
            order_id,
            reviewer,
            now,
            note,
            Transition { verb: "take", allowed, who: Who::Anyone, action: CaseAction::Taken, to },
        )
    }

    /// The reviewer holding a case (or anyone, for an open one) passes it up.
    pub fn escalate(
        &mut self,
        order_id: &str,
        actor: &str,
        now: DateTime<Utc>,
        note: &str,
    ) -> Result<&ReviewCase, ReviewError> {
        let allowed = |c: &ReviewCase| matches!(c.state, CaseState::Open | CaseState::InReview { .. });
        let t = Transition {
            verb: "escalate",
            allowed,
            who: Who::Holder,
            action: CaseAction::Escalated,
            to: CaseState::Escalated,
        };
        self.step(order_id, actor, now, note, t)
    }

    /// Checks that `t` is allowed for the case and records it.
    fn step(
        &mut self,
        order_id: &str,
        actor: &str,
        now: DateTime<Utc>,
        note: &str,
        t: Transition,
    ) -> Result<&ReviewCase, ReviewError> {
        let supervisors = &self.supervisors;
        let case = self.cases.get_mut(order_id).ok_or_else(|| ReviewError::NoCase(order_id.to_owned()))?;
        if !(t.allowed)(case) {
            return Err(Self::refuse(case, t.verb));
        }
        match t.who {
            Who::Anyone => {}
            Who::Holder => Self::holder_check(case, actor)?,
            Who::ResolverOrSupervisor => {
                let resolver = case.resolved_by.as_deref().unwrap_or_default();
                if actor != resolver && !supervisors.contains(actor) {
                    return Err(ReviewError::NotPermitted {
                        order_id: case.order_id.clone(),
                        resolver: resolver.to_owned(),
                        actor: actor.to_owned(),
                        action: t.verb,
                    });
                }
            }
        }
        if t.action == CaseAction::Resolved {
            case.resolved_by = Some(actor.to_owned());
        }
        case.record(now, actor, t.action, t.to, note);
        Ok(case)
    }

    /// The reviewer holding a case resolves it. Returns the feedback the
    /// policy calls for (blocks for a confirmed abnormal order, a snooze of the
    /// rules that fired for a false alarm); apply it with [`Feedback::apply_to`].
    pub fn resolve(
        &mut self,
        order_id: &str,
        reviewer: &str,
        resolution: Resolution,
        now: DateTime<Utc>,
        note: &str,
        policy: &FeedbackPolicy,
    ) -> Result<Feedback, ReviewError> {
        let to = match resolution {
            Resolution::ConfirmedAbnormal => CaseState::ConfirmedAbnormal,
            Resolution::FalseAlarm => CaseState::FalseAlarm,
        };
        let allowed = |c: &ReviewCase| matches!(c.state, CaseState::InReview { .. });
        let t = Transition { verb: "resolve", allowed, who: Who::Holder, action: CaseAction::Resolved, to };
        let case = self.step(order_id, reviewer, now, note, t)?;
        let mut feedback = Feedback::default();
        match resolution {
            Resolution::ConfirmedAbnormal => {
                for (kind, value) in case.entities.iter().filter(|(k, _)| policy.block_on_confirmed.contains(k)) {
                    let entry = BlockEntry {
                        kind: *kind,
                        value: value.clone(),
                        reason: format!("confirmed abnormal: order {} by {reviewer}: {note}", case.order_id),
                        expires_at: None,
                    };
                    feedback.blocked.push(entry);
                }
            }
            Resolution::FalseAlarm => {
                let rules: Vec<RuleId> = case
                    .flags
                    .iter()
                    .map(|f| f.rule_id().clone())
                    .filter(|r| r.as_str() != ids::LIST_BLOCKED)
                    .collect();
                if let (Some(w), false) = (policy.snooze_on_false_alarm, rules.is_empty()) {
                    let entry = AllowEntry {
                        kind: EntityKind::User,
                        value: case.user_id.clone(),
                        rules,
                        reason: format!("false alarm: order {} by {reviewer}: {note}", case.order_id),
                        expires_at: now.checked_add_signed(w.duration()),
                    };
                    feedback.allowed.push(entry);
                }
            }
        }
        Ok(feedback)
    }

    /// Releases a held order after a false alarm.
    pub fn release(
        &mut self,
        order_id: &str,
        actor: &str,
        now: DateTime<Utc>,
        note: &str,
    ) -> Result<&ReviewCase, ReviewError> {
        let allowed = |c: &ReviewCase| c.state == CaseState::FalseAlarm && c.decision == Decision::Hold;
        let t = Transition {
            verb: "release",
            allowed,
            who: Who::ResolverOrSupervisor,
            action: CaseAction::Released,
            to: CaseState::Released,
        };
        self.step(order_id, actor, now, note, t)
    }

    /// Cancels a held order confirmed abnormal.
    pub fn cancel_order(
        &mut self,
        order_id: &str,
        actor: &str,
        now: DateTime<Utc>,
        note: &str,
    ) -> Result<&ReviewCase, ReviewError> {
        let allowed = |c: &ReviewCase| c.state == CaseState::ConfirmedAbnormal && c.decision == Decision::Hold;
        let (action, to) = (CaseAction::OrderCancelled, CaseState::Cancelled);
        self.step(
            order_id,
            actor,
            now,
            note,
            Transition { verb: "cancel the order", allowed, who: Who::ResolverOrSupervisor, action, to },
        )
    }

    /// Per-rule statistics of the resolved cases.
    pub fn stats(&self) -> ReviewStats {
        let mut s = ReviewStats::default();
        for case in self.cases.values() {
            let Some(r) = case.resolution() else { continue };
            let confirmed = r == Resolution::ConfirmedAbnormal;
            bump(&mut s.resolved);
            if confirmed {
                bump(&mut s.confirmed);
            } else {
                bump(&mut s.false_alarms);
            }
            for f in &case.flags {
                let e = s.rules.entry(f.rule_id().to_string()).or_default();
                bump(&mut e.hits);
                if confirmed {
                    bump(&mut e.confirmed);
                } else {
                    bump(&mut e.false_alarms);
                }
            }
        }
        for e in s.rules.values_mut() {
            e.precision = ratio(e.confirmed, e.hits);
        }
        s.false_alarm_share = ratio(s.false_alarms, s.resolved);
        s
    }
}
