//! The data-quality rule: an order that contradicts itself.

use rust_decimal::Decimal;

use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::Order;
use crate::rule::{Finding, Input, Outcome};

builtin_rule! {
    /// `data.inconsistent`: the order contradicts itself. Checked: a quantity
    /// of zero or less, or a negative unit price (a price of 0 is a gift or a
    /// sample, 赠品, and valid); the lines do not sum to the stated item total; the
    /// payable amount is not items − discount + shipping; paid before created;
    /// delivered before shipped; a line in another currency than the order;
    /// amounts too large to add up.
    pub struct Inconsistent {
    }
    id: ids::DATA_INCONSISTENT, category: DataQuality, points: 20,
}

/// One contradiction, found without allocating.
#[derive(Debug, Clone, Copy)]
enum Contradiction<'a> {
    NonPositiveLine { line: usize, quantity: i64, price: Decimal },
    LinesVsTotal { lines: Decimal, stated: Decimal },
    Payable { expected: Decimal, payable: Decimal },
    Overflow,
    PaidBeforeCreated,
    DeliveredBeforeShipped,
    Currency { line: usize, currency: &'a str },
}

impl Contradiction<'_> {
    fn code(&self) -> &'static str {
        match self {
            Contradiction::NonPositiveLine { .. } => "data.inconsistent.non_positive_line",
            Contradiction::LinesVsTotal { .. } => "data.inconsistent.items_total",
            Contradiction::Payable { .. } => "data.inconsistent.payable",
            Contradiction::Overflow => "data.inconsistent.overflow",
            Contradiction::PaidBeforeCreated => "data.inconsistent.paid_before_created",
            Contradiction::DeliveredBeforeShipped => "data.inconsistent.delivered_before_shipped",
            Contradiction::Currency { .. } => "data.inconsistent.currency",
        }
    }

    fn describe(&self) -> (String, String) {
        match self {
            Contradiction::NonPositiveLine { line, quantity, price } => (
                format!("第 {line} 行数量 {quantity} 不为正或单价 {price} 为负"),
                format!("line {line} has quantity {quantity} not above zero or unit price {price} below zero"),
            ),
            Contradiction::LinesVsTotal { lines, stated } => (
                format!("明细合计 {lines} 与商品总额 {stated} 不符"),
                format!("lines sum to {lines}, the item total says {stated}"),
            ),
            Contradiction::Payable { expected, payable } => (
                format!("应付 {payable} 不等于 商品−优惠+运费 = {expected}"),
                format!("payable {payable} is not items − discount + shipping = {expected}"),
            ),
            Contradiction::Overflow => ("金额过大无法合计".to_owned(), "amounts too large to add up".to_owned()),
            Contradiction::PaidBeforeCreated => {
                ("支付时间早于下单时间".to_owned(), "paid before the order was created".to_owned())
            }
            Contradiction::DeliveredBeforeShipped => {
                ("签收时间早于发货时间".to_owned(), "delivered before it was shipped".to_owned())
            }
            Contradiction::Currency { line, currency } => (
                format!("第 {line} 行币种 {currency} 与订单不同"),
                format!("line {line} is in {currency}, unlike the order"),
            ),
        }
    }
}

fn lines_sum(o: &Order) -> Option<Decimal> {
    o.items
        .iter()
        .try_fold(Decimal::ZERO, |acc, i| i.unit_price.checked_mul(Decimal::from(i.quantity))?.checked_add(acc))
}

/// Calls `found` for each contradiction, in a fixed order.
fn contradictions<'a>(o: &'a Order, mut found: impl FnMut(Contradiction<'a>)) {
    for (n, i) in o.items.iter().enumerate() {
        // A free line (price 0) is a gift or a sample, as an OMS holds them.
        if i.quantity <= 0 || i.unit_price < Decimal::ZERO {
            found(Contradiction::NonPositiveLine {
                line: n.saturating_add(1),
                quantity: i.quantity,
                price: i.unit_price,
            });
        }
    }
    match lines_sum(o) {
        None => found(Contradiction::Overflow),
        Some(lines) => {
            if let Some(stated) = o.items_total.filter(|t| *t != lines) {
                found(Contradiction::LinesVsTotal { lines, stated });
            }
            let items = o.items_total.unwrap_or(lines);
            match items.checked_sub(o.discount).and_then(|v| v.checked_add(o.shipping_fee)) {
                None => found(Contradiction::Overflow),
                Some(expected) if expected != o.payable_amount => {
                    found(Contradiction::Payable { expected, payable: o.payable_amount })
                }
                Some(_) => {}
            }
        }
    }
    if o.payment.as_ref().and_then(|p| p.paid_at).is_some_and(|t| t < o.created_at) {
        found(Contradiction::PaidBeforeCreated);
    }
    if let Some(l) = &o.logistics {
        if let (Some(s), Some(d)) = (l.shipped_at, l.delivered_at) {
            if d < s {
                found(Contradiction::DeliveredBeforeShipped);
            }
        }
    }
    for (n, i) in o.items.iter().enumerate() {
        if let Some(c) =
            i.currency.as_deref().filter(|c| !o.currency.is_empty() && !c.eq_ignore_ascii_case(&o.currency))
        {
            found(Contradiction::Currency { line: n.saturating_add(1), currency: c });
        }
    }
}

impl Logic for Inconsistent {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let o = input.order();
        if o.items.is_empty() {
            return Outcome::missing("items");
        }
        let mut first: Option<Contradiction<'_>> = None;
        contradictions(o, |c| {
            first.get_or_insert(c);
        });
        let Some(first) = first else {
            return Outcome::NotFired;
        };
        // Only now, with something to report, collect every contradiction.
        let mut all = Vec::new();
        contradictions(o, |c| all.push(c));
        let (zh, en): (Vec<String>, Vec<String>) = all.iter().map(Contradiction::describe).unzip();
        let mut finding = Finding::new(
            first.code(),
            format!("订单数据自相矛盾：{}", zh.join("；")),
            format!("the order contradicts itself: {}", en.join("; ")),
        );
        for c in &all {
            finding = finding.evidence(c.code(), c.describe().1, None::<&str>);
        }
        Outcome::Fired(finding)
    }
}
