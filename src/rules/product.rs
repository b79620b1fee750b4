//! Product rules (商品风险).

use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::LineItem;
use crate::rule::{Finding, Input, Outcome};
use crate::text::{contains_folded, pct};
use crate::time::Window;
use crate::vocab::ParamIssue;

builtin_rule! {
    /// `product.high_value_no_history`: an item is high-value or easily resold and
    /// the buyer has no purchase history. An item is high-value when its product
    /// profile says so or its category contains one of `categories`.
    pub struct HighValueNoHistory {
        /// Category keywords, matched case-insensitively anywhere in a category.
        pub categories: Vec<String> = high_value_categories(),
    }
    id: ids::PRODUCT_HIGH_VALUE_NO_HISTORY, category: Product, points: 25,
}

/// The catalogue's high-value and easily resold categories.
fn high_value_categories() -> Vec<String> {
    let c = [
        "黄金",
        "金饰",
        "珠宝",
        "首饰",
        "钻石",
        "电子",
        "数码",
        "手机",
        "电脑",
        "笔记本",
        "平板",
        "相机",
        "礼品卡",
        "购物卡",
        "充值卡",
        "奢侈品",
        "名表",
        "gold",
        "jewel",
        "diamond",
        "electronic",
        "phone",
        "laptop",
        "computer",
        "tablet",
        "camera",
        "gift card",
        "luxury",
        "watch",
    ];
    c.into_iter().map(str::to_owned).collect()
}

impl Logic for HighValueNoHistory {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .non_empty("categories", &self.categories)
            .issue("categories", self.categories.iter().any(|c| c.trim().is_empty()), "must not hold an empty entry")
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let items = &input.order().items;
        // A product profile that knows neither a category nor that it is
        // high-value (as one built from orders without categories) tells
        // nothing: only a category or a high-value mark counts as known.
        let known = |i: &&LineItem| {
            input.item_category(i).is_some() || input.product(&i.product_id).is_some_and(|p| p.high_value)
        };
        if !items.iter().any(|i| known(&i)) {
            return Outcome::missing("item categories");
        }
        if input.user().is_some_and(|u| u.has_history()) {
            return Outcome::NotFired;
        }
        let high = items.iter().find(|i| {
            input.product(&i.product_id).is_some_and(|p| p.high_value)
                || input.item_category(i).is_some_and(|c| self.categories.iter().any(|k| contains_folded(c, k)))
        });
        let Some(item) = high else {
            return Outcome::NotFired;
        };
        let category = input.item_category(item).unwrap_or("high_value");
        Outcome::Fired(
            Finding::new(
                ids::PRODUCT_HIGH_VALUE_NO_HISTORY,
                format!("无历史消费记录的用户购买高价值易变现商品（{category}）"),
                format!("a buyer with no purchase history buys high-value, easily resold goods ({category})"),
            )
            .evidence("product_id", &item.product_id, None::<&str>)
            .evidence("category", category, None::<&str>),
        )
    }
}

builtin_rule! {
    /// `product.fraud_linked`: an item's product has recent fraud complaints or a
    /// high abnormal-order link rate.
    pub struct FraudLinked {
        /// Fraud complaints in the window that fire the rule (default 10).
        pub min_complaints: u32 = 10,
        /// Look-back window for complaints (default 30 days).
        pub window: Window = Window::days(30),
        /// Abnormal-order link rate that fires the rule (default 0.20).
        pub max_link_rate: Decimal = Decimal::new(20, 2),
    }
    id: ids::PRODUCT_FRAUD_LINKED, category: Product, points: 30,
}

impl Logic for FraudLinked {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .at_least_one("min_complaints", self.min_complaints)
            .window("window", self.window)
            .rate("max_link_rate", self.max_link_rate)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let span = self.window.ending(input.now());
        let mut profiles = input.order().items.iter().filter_map(|i| input.product(&i.product_id)).peekable();
        if profiles.peek().is_none() {
            return Outcome::missing("product profiles");
        }
        for p in profiles {
            let complaints = p.fraud_complaints.iter().filter(|t| span.contains(**t)).count();
            let complaints = u32::try_from(complaints).unwrap_or(u32::MAX);
            let rate = p.abnormal_link_rate();
            let by_complaints = complaints >= self.min_complaints;
            let by_rate = rate.is_some_and(|r| r >= self.max_link_rate);
            if !by_complaints && !by_rate {
                continue;
            }
            let rate_s = rate.map(pct).unwrap_or_else(|| "n/a".to_owned());
            return Outcome::Fired(
                Finding::new(
                    if by_complaints { "product.fraud_linked.complaints" } else { "product.fraud_linked.link_rate" },
                    format!(
                        "商品 {} 在 {} 内关联 {complaints} 起诈骗投诉，异常订单关联率 {rate_s}",
                        p.product_id, self.window
                    ),
                    format!(
                        "product {} has {complaints} fraud complaints within {} and an abnormal-order link rate of {rate_s}",
                        p.product_id, self.window
                    ),
                )
                .evidence("product_id", &p.product_id, None::<&str>)
                .evidence("fraud_complaints", complaints, Some(self.min_complaints))
                .evidence("abnormal_link_rate", rate_s, Some(pct(self.max_link_rate))),
            );
        }
        Outcome::NotFired
    }
}
