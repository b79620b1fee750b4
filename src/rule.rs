//! The `Rule` trait and what a rule works with: the [`Input`] it reads and
//! the [`Outcome`] and [`Finding`] it returns.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::assessment::Assessment;
use crate::context::EvalContext;
use crate::lists::{Lists, OrderEntities, recipient_phone};
use crate::model::{EntityProfile, EntityType, LineItem, Order, ProductProfile, UserProfile};
use crate::reason::{Fact, Facts, Reasons, Render, Text, evidence_of};
use crate::reference::ReferenceData;
use crate::text::{self, PhoneKey};
use crate::vocab::{Action, Category, ParamIssue, Personal, Privacy, RuleId};

/// What a rule found when it fired: the reason, in words and in evidence.
///
/// The engine turns it into a [`Flag`](crate::Flag) by adding the rule's id,
/// category, points and action from its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub(crate) reason_code: Cow<'static, str>,
    pub(crate) reasons: Reasons,
    pub(crate) extra_points: u8,
    pub(crate) builds_on: Vec<RuleId>,
}

impl Finding {
    /// A finding with a machine-readable reason code and the message in
    /// Chinese and English.
    pub fn new(reason_code: impl Into<Cow<'static, str>>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Finding::worded(reason_code.into(), Reasons::ready(Text::new(zh, en)))
    }

    /// A finding whose message and evidence `render` words from `facts`
    /// when they are first read, not when the rule fires.
    pub(crate) fn deferred(reason_code: impl Into<Cow<'static, str>>, facts: Facts, render: Render) -> Self {
        Finding::worded(reason_code.into(), Reasons::deferred(facts, render))
    }

    fn worded(reason_code: Cow<'static, str>, reasons: Reasons) -> Self {
        Finding { reason_code, reasons, extra_points: 0, builds_on: Vec::new() }
    }

    /// Adds an observed value and the limit it crossed.
    #[must_use]
    pub fn evidence(
        mut self,
        name: impl Into<Cow<'static, str>>,
        observed: impl fmt::Display,
        limit: Option<impl fmt::Display>,
    ) -> Self {
        self.reasons.push_evidence(evidence_of(name, observed, limit));
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
// A finding is large (its facts are inline); boxing it would allocate on
// every firing, which its inline facts exist to avoid. An outcome is
// returned in place, never stored.
#[allow(clippy::large_enum_variant)]
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

    /// Skipped for a reason other than missing data (the data is there but
    /// gives the rule nothing to judge by): `why` says so.
    pub fn cannot_judge(why: &'static str) -> Self {
        Outcome::Skipped(Cow::Borrowed(why))
    }
}

/// Everything a rule may look at: the order, the context, the engine's
/// reference data and lists, and the flags raised so far (for composites).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub(crate) order: &'a Order,
    pub(crate) ctx: &'a EvalContext,
    pub(crate) reference: &'a ReferenceData,
    pub(crate) lists: &'a Lists,
    pub(crate) live: &'a Lists,
    pub(crate) privacy: Privacy,
    pub(crate) so_far: &'a Assessment,
    /// Set when the rule reads a profile, if the engine is watching (the
    /// history is unavailable and such a rule must be skipped).
    pub(crate) read_history: Option<&'a Cell<bool>>,
    /// What the engine read off the order once for every rule; `None` for a
    /// rule evaluated on its own ([`Input::new`]), which reads it itself.
    pub(crate) derived: Option<&'a Derived<'a>>,
}

/// What is read off an order once per evaluation and shared by the rules:
/// the recipient's phone (three rules read it), and the order's entities
/// with their index keys when there are block or allow lists to look them up
/// in (the block-list rule, and the allow lists for every flag that fires).
#[derive(Debug)]
pub(crate) struct Derived<'a> {
    phone: Option<PhoneKey>,
    entities: Option<OrderEntities<'a>>,
    /// The product profile of each of the first [`CACHED_LINES`] lines
    /// (none looked up when the context has no product profiles): several
    /// rules read every line's profile, and each lookup compares product ids.
    products: [Option<&'a ProductProfile>; CACHED_LINES],
}

/// Lines whose product profiles [`Derived`] keeps (on the stack: later
/// lines' profiles are looked up each time).
const CACHED_LINES: usize = 32;

/// The profile of product `product_id` in `ctx`.
fn product_of<'a>(ctx: &'a EvalContext, product_id: &str) -> Option<&'a ProductProfile> {
    ctx.products.get(product_id).map(|p| &**p)
}

impl<'a> Derived<'a> {
    /// Reads `order` and its lines' product profiles in `ctx`; its entities
    /// only if one of `lists` has block or allow entries.
    pub(crate) fn of(order: &'a Order, ctx: &'a EvalContext, lists: [&Lists; 3]) -> Self {
        let phone = recipient_phone(order);
        let listed = lists.iter().any(|l| !l.block().is_empty() || !l.allow().is_empty());
        let mut products = [None; CACHED_LINES];
        if !ctx.products.is_empty() {
            for (slot, item) in products.iter_mut().zip(&order.items) {
                *slot = product_of(ctx, &item.product_id);
            }
        }
        Derived { phone, entities: listed.then(|| OrderEntities::of(order, phone)), products }
    }

    /// The order's entities, if there were lists to look them up in.
    pub(crate) fn entities(&self) -> Option<&OrderEntities<'a>> {
        self.entities.as_ref()
    }
}

/// What [`Input::new`] borrows besides the order and the context: the
/// built-in reference data, no lists, and no flags so far.
static STANDALONE: LazyLock<(ReferenceData, Lists, Assessment)> =
    LazyLock::new(|| (ReferenceData::default(), Lists::default(), Assessment::default()));

impl<'a> Input<'a> {
    /// The input a rule sees for `order` in `ctx` outside an engine: the
    /// built-in reference data, only the context's lists, masked personal
    /// data and no other rule evaluated yet. For unit-testing a rule of your
    /// own without building an [`Engine`](crate::Engine):
    ///
    /// ```
    /// use order_anomaly::{EvalContext, Input, Order, Outcome, Rule};
    /// use order_anomaly::rules::payment::LargeAmount;
    ///
    /// let order = Order::new("SO-1", "u-1", "2026-03-01T10:00:00Z".parse().unwrap(), "9000".parse().unwrap());
    /// let ctx = EvalContext::at("2026-03-01T10:05:00Z".parse().unwrap());
    /// let outcome = LargeAmount::default().evaluate(&Input::new(&order, &ctx));
    /// assert!(matches!(outcome, Outcome::Fired(_)));
    /// ```
    pub fn new(order: &'a Order, ctx: &'a EvalContext) -> Self {
        let (reference, lists, so_far) = &*STANDALONE;
        Input {
            order,
            ctx,
            reference,
            lists,
            live: lists,
            privacy: Privacy::Masked,
            so_far,
            read_history: None,
            derived: None,
        }
    }
    /// The same input with `reference` data instead of the built-in one.
    #[must_use]
    pub fn with_reference(mut self, reference: &'a ReferenceData) -> Self {
        self.reference = reference;
        self
    }
    /// The same input with `lists` as the engine's own lists.
    #[must_use]
    pub fn with_lists(mut self, lists: &'a Lists) -> Self {
        self.lists = lists;
        self
    }
    /// The same input showing raw personal data in evidence (`true`) or
    /// masking it (`false`, the default).
    #[must_use]
    pub fn reveal_personal_data(mut self, reveal: bool) -> Self {
        self.privacy = Privacy::revealing(reveal);
        self
    }
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
    /// The recipient's phone, read (once per evaluation in an engine).
    pub(crate) fn recipient_phone(&self) -> Option<PhoneKey> {
        self.derived.map_or_else(|| recipient_phone(self.order), |d| d.phone)
    }
    /// The order's entities with their list-index keys (read once per
    /// evaluation in an engine with lists).
    pub(crate) fn order_entities(&self) -> OrderEntities<'a> {
        match self.derived.and_then(Derived::entities) {
            Some(e) => *e,
            None => OrderEntities::of(self.order, self.recipient_phone()),
        }
    }
    /// The buyer's profile, if the buyer has one.
    pub fn user(&self) -> Option<&'a UserProfile> {
        self.note_history();
        self.ctx.user.as_ref()
    }

    /// Notes that the rule reads the history (a profile).
    fn note_history(&self) {
        if let Some(c) = self.read_history {
            c.set(true);
        }
    }
    /// The profile of product `product_id`, if the context has one.
    pub fn product(&self, product_id: &str) -> Option<&'a ProductProfile> {
        self.note_history();
        product_of(self.ctx, product_id)
    }
    /// Each line of the order with its product's profile, if the context has
    /// one (looked up once per evaluation in an engine).
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&'a LineItem, Option<&'a ProductProfile>)> + Clone + use<'a> {
        self.note_history();
        let (ctx, cached) = (self.ctx, self.derived.map(|d| &d.products));
        self.order.items.iter().enumerate().map(move |(i, item)| match cached.and_then(|c| c.get(i)) {
            Some(profile) => (item, *profile),
            None => (item, product_of(ctx, &item.product_id)),
        })
    }
    /// A line's category: its own, else its product profile's (`product`).
    pub(crate) fn line_category(item: &'a LineItem, product: Option<&'a ProductProfile>) -> Option<&'a str> {
        item.category.as_deref().or_else(|| product.and_then(|p| p.category.as_deref()))
    }
    /// The profile of the order's entity of `kind` (its card, device, ...),
    /// if the context has one.
    pub fn entity(&self, kind: EntityType) -> Option<&'a EntityProfile> {
        self.note_history();
        self.ctx.entity(kind)
    }
    /// A line's category: its own, else its product profile's.
    pub fn item_category(&self, item: &'a LineItem) -> Option<&'a str> {
        // The profile is read only for a line without a category of its own.
        let product = item.category.is_none().then(|| self.product(&item.product_id)).flatten();
        Self::line_category(item, product)
    }
    /// `at` in the shop's local time.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        self.ctx.utc_offset.local(at)
    }
    /// The engine's reference data (remote regions, parcel-locker patterns).
    pub fn reference(&self) -> &'a ReferenceData {
        self.reference
    }
    /// Every list in force for this evaluation: the engine's own, its live
    /// lists ([`SharedLists`](crate::SharedLists); empty without) and the
    /// context's.
    pub fn lists(&self) -> [&'a Lists; 3] {
        [self.lists, self.live, &self.ctx.lists]
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
        match self.privacy {
            Privacy::Raw => value.to_owned(),
            Privacy::Masked => text::masked(kind, value),
        }
    }

    /// [`Input::show`] as a fact of a finding: inline, no allocation, when
    /// it fits (a masked value always does unless it is very long).
    pub(crate) fn show_fact(&self, kind: Personal, value: &str) -> Fact {
        Fact::written(|out| self.write_shown(kind, value, out))
    }

    /// Writes `value` as [`Input::show`] shows it.
    pub(crate) fn write_shown(&self, kind: Personal, value: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        match self.privacy {
            Privacy::Raw => out.write_str(value),
            Privacy::Masked => text::write_masked(kind, value, out),
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
