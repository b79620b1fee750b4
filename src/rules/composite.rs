//! Composite rules: rules built from other rules' outcomes and from
//! conditions on order and profile attributes.
//!
//! A composite does not repeat the logic of the rules it names: `fired`
//! reads the outcome the engine already computed for that rule, so a
//! composite always judges by the rules as configured. Conditions are
//! three-valued: a rule that was skipped, or an attribute whose data is
//! missing, makes the condition *unknown*, and a composite whose condition is
//! unknown is skipped (recorded), never fired or silently passed.
//!
//! A composite's flag names the flags it builds on; the score lets it stand in
//! for them instead of adding to them (see the README's "Decisions and the score").

use std::borrow::Cow;
use std::fmt;

use chrono::Timelike;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ids;
use crate::rule::{Finding, Input, Outcome, Rule};
use crate::text::same_text;
use crate::vocab::{Action, Category, Message, ParamIssue, RuleId};

/// An order or profile attribute a condition can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Attribute {
    /// Number: the payable amount.
    PayableAmount,
    /// Number: line items.
    ItemCount,
    /// Number: units over all lines.
    TotalQuantity,
    /// Number: the buyer's past orders (0 without a profile).
    UserOrderCount,
    /// Number: the buyer's average order value (missing without history).
    UserAverageOrderValue,
    /// Bool: whether the buyer has any past order.
    UserHasHistory,
    /// Text: the destination country (the engine's default when absent).
    DestinationCountry,
    /// Text: the destination province or region.
    DestinationProvince,
    /// Text: the destination city.
    DestinationCity,
    /// Bool: the address names a parcel locker or pickup station, with or without a number.
    IsLockerAddress,
    /// Bool: the destination is on the remote-region list.
    IsRemoteRegion,
    /// Text: the payment method.
    PaymentMethod,
    /// Number: the hour the order was placed, local time (0-23).
    LocalHour,
    /// Bool: the order carries a buyer note.
    HasBuyerNote,
    /// Text: the order currency.
    Currency,
}

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Bool,
}

impl Attribute {
    /// Every attribute, for documentation and validation.
    pub const ALL: [Attribute; 15] = [
        Attribute::PayableAmount,
        Attribute::ItemCount,
        Attribute::TotalQuantity,
        Attribute::UserOrderCount,
        Attribute::UserAverageOrderValue,
        Attribute::UserHasHistory,
        Attribute::DestinationCountry,
        Attribute::DestinationProvince,
        Attribute::DestinationCity,
        Attribute::IsLockerAddress,
        Attribute::IsRemoteRegion,
        Attribute::PaymentMethod,
        Attribute::LocalHour,
        Attribute::HasBuyerNote,
        Attribute::Currency,
    ];

    fn kind(self) -> Kind {
        use Attribute::*;
        match self {
            PayableAmount | ItemCount | TotalQuantity | UserOrderCount | UserAverageOrderValue | LocalHour => {
                Kind::Number
            }
            DestinationCountry | DestinationProvince | DestinationCity | PaymentMethod | Currency => Kind::Text,
            UserHasHistory | IsLockerAddress | IsRemoteRegion | HasBuyerNote => Kind::Bool,
        }
    }

    fn read<'a>(self, input: &Input<'a>) -> Result<Val<'a>, &'static str> {
        use Attribute::*;
        let o = input.order();
        let ship = o.shipping.as_ref();
        let user = input.user();
        let count = |n: usize| Val::Num(Decimal::from(n));
        Ok(match self {
            PayableAmount => Val::Num(o.payable_amount),
            ItemCount => count(o.items.len()),
            TotalQuantity => {
                Val::Num(o.items.iter().fold(Decimal::ZERO, |a, i| a.saturating_add(Decimal::from(i.quantity))))
            }
            UserOrderCount => Val::Num(Decimal::from(user.map_or(0, |u| u.order_count))),
            UserAverageOrderValue => {
                Val::Num(user.and_then(|u| u.average_order_value()).ok_or("user average order value")?)
            }
            UserHasHistory => Val::Bool(user.is_some_and(|u| u.has_history())),
            DestinationCountry => Val::Text(
                ship.and_then(|s| s.country.as_deref()).unwrap_or_else(|| input.reference().default_country()),
            ),
            DestinationProvince => Val::Text(ship.and_then(|s| s.province.as_deref()).ok_or("shipping.province")?),
            DestinationCity => Val::Text(ship.and_then(|s| s.city.as_deref()).ok_or("shipping.city")?),
            IsLockerAddress => {
                let detail = ship.and_then(|s| s.detail.as_deref()).ok_or("shipping.detail")?;
                Val::Bool(input.reference().locker(detail).is_some())
            }
            IsRemoteRegion => {
                let s = ship.filter(|s| s.province.is_some() || s.region_code.is_some()).ok_or("shipping.province")?;
                Val::Bool(input.reference().remote_region(s).is_some())
            }
            PaymentMethod => Val::Text(o.payment.as_ref().and_then(|p| p.method.as_deref()).ok_or("payment.method")?),
            LocalHour => Val::Num(Decimal::from(input.local(o.created_at).hour())),
            HasBuyerNote => Val::Bool(o.buyer_note.as_deref().is_some_and(|n| !n.trim().is_empty())),
            Currency => Val::Text(&o.currency),
        })
    }
}

impl Attribute {
    /// A number attribute's value, or `None` if it is missing or no number.
    pub(crate) fn read_number(self, input: &Input<'_>) -> Option<Decimal> {
        match self.read(input) {
            Ok(Val::Num(d)) => Some(d),
            _ => None,
        }
    }
}

/// A threshold that must be reached for a composite to fire at all: its
/// condition is `attribute >= threshold` (or `>`), alone or first in an
/// `all`. The engine indexes composites by their gates, so that many rules
/// gated on one attribute cost one read and a binary search, not one
/// evaluation each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Gate {
    pub(crate) attribute: Attribute,
    pub(crate) threshold: Decimal,
    /// `>` rather than `>=`.
    pub(crate) strict: bool,
}

impl Gate {
    /// Whether a value passes the gate.
    pub(crate) fn passes(&self, v: Decimal) -> bool {
        if self.strict { v > self.threshold } else { v >= self.threshold }
    }
}

#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Num(Decimal),
    Text(&'a str),
    Bool(bool),
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub enum Op {
    /// Equal (text: case-insensitive, full-width folded).
    #[serde(rename = "==")]
    Eq,
    /// Not equal.
    #[serde(rename = "!=")]
    Ne,
    /// Less than (numbers).
    #[serde(rename = "<")]
    Lt,
    /// At most (numbers).
    #[serde(rename = "<=")]
    Le,
    /// More than (numbers).
    #[serde(rename = ">")]
    Gt,
    /// At least (numbers).
    #[serde(rename = ">=")]
    Ge,
    /// One of a list (text).
    #[serde(rename = "in")]
    In,
    /// None of a list (text).
    #[serde(rename = "not_in")]
    NotIn,
}

/// A literal a condition compares with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Decimal),
    /// A list of texts, for `in` and `not_in`.
    List(Vec<String>),
    /// A text.
    Text(String),
}

/// `attribute op value`, e.g. `payable_amount >= 2000`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Comparison {
    /// What to read.
    pub attribute: Attribute,
    /// How to compare.
    pub op: Op,
    /// With what.
    pub value: Literal,
}

impl Comparison {
    /// A comparison.
    pub fn new(attribute: Attribute, op: Op, value: Literal) -> Self {
        Comparison { attribute, op, value }
    }

    fn check(&self) -> Option<String> {
        let ok = match (self.attribute.kind(), self.op, &self.value) {
            (Kind::Number, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, Literal::Number(_)) => true,
            (Kind::Text, Op::Eq | Op::Ne, Literal::Text(_)) => true,
            (Kind::Text, Op::In | Op::NotIn, Literal::List(l)) => !l.is_empty(),
            (Kind::Bool, Op::Eq | Op::Ne, Literal::Bool(_)) => true,
            _ => false,
        };
        (!ok).then(|| {
            let want = match self.attribute.kind() {
                Kind::Number => "a number with ==, !=, <, <=, > or >=",
                Kind::Text => "a text with == or !=, or a non-empty list with in or not_in",
                Kind::Bool => "true or false with == or !=",
            };
            format!("attribute `{}` takes {want}", self.attribute)
        })
    }

    fn eval(&self, input: &Input<'_>) -> Truth {
        let v = match self.attribute.read(input) {
            Ok(v) => v,
            Err(missing) => return Truth::Unknown(Cow::Borrowed(missing)),
        };
        let b = match (v, self.op, &self.value) {
            (Val::Num(a), op, Literal::Number(b)) => match op {
                Op::Eq => a == *b,
                Op::Ne => a != *b,
                Op::Lt => a < *b,
                Op::Le => a <= *b,
                Op::Gt => a > *b,
                Op::Ge => a >= *b,
                Op::In | Op::NotIn => false,
            },
            (Val::Text(a), Op::Eq, Literal::Text(b)) => same_text(a, b),
            (Val::Text(a), Op::Ne, Literal::Text(b)) => !same_text(a, b),
            (Val::Text(a), Op::In, Literal::List(l)) => l.iter().any(|b| same_text(a, b)),
            (Val::Text(a), Op::NotIn, Literal::List(l)) => !l.iter().any(|b| same_text(a, b)),
            (Val::Bool(a), Op::Eq, Literal::Bool(b)) => a == *b,
            (Val::Bool(a), Op::Ne, Literal::Bool(b)) => a != *b,
            // Refused when the rule is built; false if a rule skipped validation.
            _ => false,
        };
        Truth::from(b)
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self).ok();
        f.write_str(s.as_ref().and_then(|v| v.as_str()).unwrap_or("?"))
    }
}

/// A condition over rule outcomes and attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// The named rule fired (it must be declared before the composite).
    Fired(RuleId),
    /// An attribute comparison.
    Compare(Comparison),
}

/// Three-valued truth: a condition on missing data is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown(Cow<'static, str>),
}

impl From<bool> for Truth {
    fn from(b: bool) -> Self {
        if b { Truth::True } else { Truth::False }
    }
}

impl Condition {
    /// `rule` fired.
    pub fn fired(rule: &'static str) -> Self {
        Condition::Fired(RuleId::from_static(rule))
    }

    fn eval(&self, input: &Input<'_>) -> Truth {
        match self {
            Condition::All(cs) => {
                let mut unknown = None;
                for c in cs {
                    match c.eval(input) {
                        Truth::False => return Truth::False,
                        Truth::Unknown(m) => unknown = unknown.or(Some(m)),
                        Truth::True => {}
                    }
                }
                unknown.map_or(Truth::True, Truth::Unknown)
            }
            Condition::Any(cs) => {
                let mut unknown = None;
                for c in cs {
                    match c.eval(input) {
                        Truth::True => return Truth::True,
                        Truth::Unknown(m) => unknown = unknown.or(Some(m)),
                        Truth::False => {}
                    }
                }
                unknown.map_or(Truth::False, Truth::Unknown)
            }
            Condition::Not(c) => match c.eval(input) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                u @ Truth::Unknown(_) => u,
            },
            Condition::Fired(id) => match input.fired(id.as_str()) {
                Some(b) => Truth::from(b),
                None => Truth::Unknown(Cow::Borrowed("the outcome of a rule it builds on (skipped)")),
            },
            Condition::Compare(c) => c.eval(input),
        }
    }

    /// The rules named by `fired`, depth first.
    pub fn rules(&self) -> Vec<RuleId> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<RuleId>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.collect(out)),
            Condition::Not(c) => c.collect(out),
            Condition::Fired(id) => {
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
            Condition::Compare(_) => {}
        }
    }

    fn check(&self, path: &str, issues: &mut Vec<ParamIssue>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                let kind = if matches!(self, Condition::All(_)) { "all" } else { "any" };
                if cs.is_empty() {
                    issues.push(ParamIssue::new(format!("{path}.{kind}"), "must hold at least one condition"));
                }
                for (i, c) in cs.iter().enumerate() {
                    c.check(&format!("{path}.{kind}[{i}]"), issues);
                }
            }
            Condition::Not(c) => c.check(&format!("{path}.not"), issues),
            Condition::Fired(id) => {
                if !RuleId::is_valid(id.as_str()) {
                    issues.push(ParamIssue::new(format!("{path}.fired"), format!("`{id}` is not a rule id")));
                }
            }
            Condition::Compare(c) => {
                if let Some(reason) = c.check() {
                    issues.push(ParamIssue::new(format!("{path}.compare"), reason));
                }
            }
        }
    }
}

/// A rule that fires when its condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Composite {
    /// Its id.
    pub id: String,
    /// When it fires.
    pub when: Condition,
    /// The rules it stands in for in the score, when they fire. Defaults to
    /// the rules its condition names with `fired`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builds_on: Vec<RuleId>,
    /// Points when it fires.
    pub points: u8,
    /// Its action.
    #[serde(default)]
    pub action: Action,
    /// Its message.
    pub message: Message,
}

impl Composite {
    /// A composite with no `builds_on` beyond its condition's rules.
    pub fn new(id: impl Into<String>, when: Condition, points: u8, action: Action, zh: &str, en: &str) -> Self {
        Composite {
            id: id.into(),
            when,
            builds_on: Vec::new(),
            points,
            action,
            message: Message { zh: zh.to_owned(), en: en.to_owned() },
        }
    }

    /// Adds rules it stands in for.
    #[must_use]
    pub fn standing_in_for(mut self, ids: &[&'static str]) -> Self {
        self.builds_on.extend(ids.iter().map(|i| RuleId::from_static(i)));
        self
    }

    /// The composite's gate, if its condition starts with one.
    pub(crate) fn gate(&self) -> Option<Gate> {
        let first = match &self.when {
            Condition::All(cs) => cs.first()?,
            c @ Condition::Compare(_) => c,
            _ => return None,
        };
        let Condition::Compare(c) = first else { return None };
        let (Literal::Number(threshold), Kind::Number) = (&c.value, c.attribute.kind()) else { return None };
        let strict = match c.op {
            Op::Ge => false,
            Op::Gt => true,
            _ => return None,
        };
        Some(Gate { attribute: c.attribute, threshold: *threshold, strict })
    }

    /// The rules its condition names, then the other rules it stands in for.
    fn parts(&self) -> Vec<RuleId> {
        let mut parts = self.when.rules();
        for b in &self.builds_on {
            if !parts.contains(b) {
                parts.push(b.clone());
            }
        }
        parts
    }
}

impl Rule for Composite {
    fn id(&self) -> &str {
        &self.id
    }
    fn category(&self) -> Category {
        Category::Composite
    }
    fn default_points(&self) -> u8 {
        self.points
    }
    fn default_action(&self) -> Action {
        self.action
    }
    fn depends_on(&self) -> Vec<RuleId> {
        self.parts()
    }
    fn validate(&self) -> Vec<ParamIssue> {
        let mut issues = Vec::new();
        self.when.check("when", &mut issues);
        // Points over 100 are the builder's to report, for every rule.
        issues
    }
    fn evaluate(&self, input: &Input<'_>) -> Outcome {
        match self.when.eval(input) {
            Truth::False => Outcome::NotFired,
            Truth::Unknown(missing) => Outcome::Skipped(missing),
            Truth::True => {
                let parts: Vec<RuleId> =
                    self.parts().into_iter().filter(|p| input.fired(p.as_str()) == Some(true)).collect();
                let list = parts.iter().map(RuleId::as_str).collect::<Vec<_>>().join(" + ");
                let mut f = Finding::new(self.id.clone(), self.message.zh.clone(), self.message.en.clone());
                if !list.is_empty() {
                    f = f.evidence("builds_on", list, None::<&str>);
                }
                Outcome::Fired(f.builds_on(parts))
            }
        }
    }
}

/// `case.stolen_card`: the source document's first case, "amount above 3x the
/// average order value + a new bank card", which caught 90% of stolen-card
/// orders. Fires when `payment.amount_spike` and `payment.new_instrument` both
/// fire; its purpose is to hold the order, which its parts alone (40 points)
/// would not.
pub fn stolen_card() -> Composite {
    Composite::new(
        ids::CASE_STOLEN_CARD,
        Condition::All(vec![
            Condition::fired(ids::PAYMENT_AMOUNT_SPIKE),
            Condition::fired(ids::PAYMENT_NEW_INSTRUMENT),
        ]),
        70,
        Action::Hold,
        "疑似盗刷：金额远超历史客单价且使用新支付卡",
        "suspected stolen card: amount far above the average order value, paid with a new card",
    )
}

/// `case.remote_locker_no_history`: the source document's second case, "a
/// parcel locker in a remote area + no order history", which cut a cross-border
/// seller's fraud rate from 5% to 0.3%. Fires for any locker address (with or
/// without a number) in a remote region when the buyer has no order history;
/// stands in for `address.locker_without_unit` and `address.remote_no_history`.
pub fn remote_locker_no_history() -> Composite {
    let is = |a| Condition::Compare(Comparison::new(a, Op::Eq, Literal::Bool(true)));
    Composite::new(
        ids::CASE_REMOTE_LOCKER_NO_HISTORY,
        // Cheapest first: most buyers have history, and `all` stops at the first false.
        Condition::All(vec![
            Condition::Not(Box::new(is(Attribute::UserHasHistory))),
            is(Attribute::IsRemoteRegion),
            is(Attribute::IsLockerAddress),
        ]),
        60,
        Action::Hold,
        "偏远地区快递柜收货且无历史订单",
        "parcel locker in a remote region and no order history",
    )
    .standing_in_for(&[ids::ADDRESS_LOCKER_WITHOUT_UNIT, ids::ADDRESS_REMOTE_NO_HISTORY])
}
