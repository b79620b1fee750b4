//! After-sales rules (售后异常).

use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::{AfterSaleKind, ComplaintType};
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::time::Window;
use crate::vocab::ParamIssue;

builtin_rule! {
    /// `aftersales.high_return_rate`: the buyer returned or exchanged more than
    /// the allowed share of the orders placed in the window.
    pub struct HighReturnRate {
        /// Rate that must be exceeded (default 0.30: more than 30%).
        pub max_rate: Decimal = Decimal::new(30, 2),
        /// Window (default 30 days).
        pub window: Window = Window::days(30),
        /// Orders in the window needed before the rate counts (default 3).
        pub min_orders: u32 = 3,
    }
    id: ids::AFTERSALES_HIGH_RETURN_RATE, category: AfterSales, points: 20,
}

impl Logic for HighReturnRate {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .rate("max_rate", self.max_rate)
            .window("window", self.window)
            .at_least_one("min_orders", self.min_orders)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let span = self.window.ending(input.now());
        let placed = user.recent_orders.iter().filter(|p| span.contains(p.placed_at));
        let n = u32::try_from(placed.clone().count()).unwrap_or(u32::MAX);
        let returned = u32::try_from(placed.filter(|p| p.returned_at.is_some()).count()).unwrap_or(u32::MAX);
        if n < self.min_orders {
            return Outcome::NotFired;
        }
        // `min_orders` may be 0: no orders is no rate, not a division by zero.
        let above = crate::num::compare_share(u64::from(returned), u64::from(n), self.max_rate);
        if !above.is_some_and(std::cmp::Ordering::is_gt) {
            return Outcome::NotFired;
        }
        let r = crate::num::share(u64::from(returned), u64::from(n)).map_or(Fact::None, Fact::Percent);
        Outcome::Fired(Finding::deferred(
            ids::AFTERSALES_HIGH_RETURN_RATE,
            facts([
                r,
                returned.into(),
                n.into(),
                self.window.into(),
                Fact::Percent(self.max_rate),
                self.min_orders.into(),
            ]),
            |[r, returned, n, window, max_rate, min_orders, ..]| {
                Text::new(
                    format!("{window} 内退换货率 {r}（{returned}/{n}），超过 {max_rate}"),
                    format!("return/exchange rate {r} ({returned} of {n}) within {window}, above {max_rate}"),
                )
                .evidence("return_rate", r, Some(max_rate))
                .evidence("orders_in_window", n, Some(min_orders))
            },
        ))
    }
}

builtin_rule! {
    /// `aftersales.high_risk_complaint`: the order, or the buyer within the
    /// window, has a high-risk complaint (product quality, false advertising).
    pub struct HighRiskComplaint {
        /// Complaint types that count as high-risk.
        pub types: Vec<ComplaintType> = vec![ComplaintType::Quality, ComplaintType::FalseAdvertising],
        /// Window for the buyer's complaints (default 30 days).
        pub window: Window = Window::days(30),
    }
    id: ids::AFTERSALES_HIGH_RISK_COMPLAINT, category: AfterSales, points: 25,
}

fn type_name(t: ComplaintType) -> (&'static str, &'static str) {
    match t {
        ComplaintType::Quality => ("质量问题", "product quality"),
        ComplaintType::FalseAdvertising => ("虚假宣传", "false advertising"),
        ComplaintType::Fraud => ("诈骗", "fraud"),
        ComplaintType::Delivery => ("配送", "delivery"),
        ComplaintType::Service => ("服务", "service"),
        ComplaintType::Other => ("其他", "other"),
    }
}

impl Logic for HighRiskComplaint {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().non_empty("types", &self.types).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let order = input.order();
        if order.after_sales.is_empty() && input.user().is_none() {
            return Outcome::missing("after-sales records");
        }
        let risky = |t: Option<ComplaintType>| t.filter(|t| self.types.contains(t));
        let on_order = order
            .after_sales
            .iter()
            .filter(|a| a.kind == AfterSaleKind::Complaint)
            .find_map(|a| risky(a.complaint_type));
        let span = self.window.ending(input.now());
        let by_user = || {
            input.user().and_then(|u| {
                u.complaints.iter().filter(|c| span.contains(c.at)).find_map(|c| risky(Some(c.complaint_type)))
            })
        };
        let (found, scope_zh, scope_en, code) = match on_order {
            Some(t) => (t, "本订单", "this order", "aftersales.high_risk_complaint.order"),
            None => match by_user() {
                Some(t) => (t, "该用户近期", "the buyer recently", "aftersales.high_risk_complaint.user"),
                None => return Outcome::NotFired,
            },
        };
        let (zh, en) = type_name(found);
        Outcome::Fired(Finding::deferred(
            code,
            facts([scope_zh.into(), scope_en.into(), zh.into(), en.into()]),
            |[scope_zh, scope_en, zh, en, ..]| {
                Text::new(
                    format!("{scope_zh}有高风险投诉：{zh}"),
                    format!("{scope_en} filed a high-risk complaint: {en}"),
                )
                .evidence("complaint_type", en, None::<&str>)
                .evidence("scope", scope_en, None::<&str>)
            },
        ))
    }
}
