//! Product rules (商品风险).

use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::ProductProfile;
use crate::num::share_at_least;
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::contains_folded;
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
        // A product profile that knows neither a category nor that it is
        // high-value (as one built from orders without categories) tells
        // nothing: only a category or a high-value mark counts as known.
        let high_value = |p: Option<&ProductProfile>| p.is_some_and(|p| p.high_value);
        if !input.lines().any(|(i, p)| Input::line_category(i, p).is_some() || high_value(p)) {
            return Outcome::missing("item categories");
        }
        if input.user().is_some_and(|u| u.has_history()) {
            return Outcome::NotFired;
        }
        let high = input.lines().find(|(i, p)| {
            high_value(*p)
                || Input::line_category(i, *p).is_some_and(|c| self.categories.iter().any(|k| contains_folded(c, k)))
        });
        let Some((item, product)) = high else {
            return Outcome::NotFired;
        };
        let category = Input::line_category(item, product).unwrap_or("high_value");
        Outcome::Fired(Finding::deferred(
            ids::PRODUCT_HIGH_VALUE_NO_HISTORY,
            facts([Fact::text(&item.product_id), Fact::text(category)]),
            |[product, category, ..]| {
                Text::new(
                    format!("无历史消费记录的用户购买高价值易变现商品（{category}）"),
                    format!("a buyer with no purchase history buys high-value, easily resold goods ({category})"),
                )
                .evidence("product_id", product, None::<&str>)
                .evidence("category", category, None::<&str>)
            },
        ))
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
        let mut profiles = input.lines().filter_map(|(_, p)| p).peekable();
        if profiles.peek().is_none() {
            return Outcome::missing("product profiles");
        }
        for p in profiles {
            let complaints = p.fraud_complaints.iter().filter(|t| span.contains(**t)).count();
            let complaints = u32::try_from(complaints).unwrap_or(u32::MAX);
            let by_complaints = complaints >= self.min_complaints;
            let by_rate = share_at_least(u64::from(p.abnormal_orders), u64::from(p.orders), self.max_link_rate);
            if !by_complaints && !by_rate {
                continue;
            }
            let rate = p.abnormal_link_rate().map_or(Fact::Static("n/a"), Fact::Percent);
            let facts = facts([
                Fact::text(&p.product_id),
                self.window.into(),
                complaints.into(),
                rate,
                self.min_complaints.into(),
                Fact::Percent(self.max_link_rate),
            ]);
            let code = if by_complaints { "product.fraud_linked.complaints" } else { "product.fraud_linked.link_rate" };
            return Outcome::Fired(Finding::deferred(
                code,
                facts,
                |[product, window, complaints, rate, min, max_rate, ..]| {
                    Text::new(
                    format!("商品 {product} 在 {window} 内关联 {complaints} 起诈骗投诉，异常订单关联率 {rate}"),
                    format!(
                        "product {product} has {complaints} fraud complaints within {window} and an abnormal-order link rate of {rate}"
                    ),
                )
                .evidence("product_id", product, None::<&str>)
                .evidence("fraud_complaints", complaints, Some(min))
                .evidence("abnormal_link_rate", rate, Some(max_rate))
                },
            ));
        }
        Outcome::NotFired
    }
}

builtin_rule! {
    /// `product.turnover_spike` (库存周转): units of a product ordered in the
    /// last hour, this order's included, are at least `multiplier` times its
    /// average hourly units over the window and at least `min_units` (a price
    /// error exploited, scalping). The average is taken over the whole
    /// window, so a product with no sales in it has an average of zero; a
    /// profile with no unit history at all is missing data.
    pub struct TurnoverSpike {
        /// Times the average hourly units that fire the rule (default 5).
        pub multiplier: u32 = 5,
        /// Fewest units in the hour that can fire it (default 20).
        pub min_units: u64 = 20,
        /// Window of the average (default 30 days).
        pub window: Window = Window::days(30),
    }
    id: ids::PRODUCT_TURNOVER_SPIKE, category: Product, points: 25,
}

impl Logic for TurnoverSpike {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .at_least_one("multiplier", self.multiplier)
            .issue("min_units", self.min_units == 0, "must be at least 1")
            .window("window", self.window)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let now = input.now();
        let last_hour_span = Window::hours(1).ending(now);
        let span = self.window.ending(now);
        let hours = u64::try_from(self.window.duration().num_hours().max(1)).unwrap_or(1);
        let mut judged = false;
        for (item, p) in input.lines() {
            // A profile without unit history (a host that does not track
            // units) tells nothing: judged as missing, not as zero sales.
            let Some(p) = p.filter(|p| !(p.hourly_units.is_empty() && p.daily_units.is_empty())) else {
                continue;
            };
            judged = true;
            let own = item.units();
            // Hourly buckets with any of their hour in the last hour.
            let last_hour = p
                .hourly_units
                .iter()
                .filter(|b| last_hour_span.overlaps(b.start, chrono::Duration::hours(1)))
                .fold(own, |n, b| n.saturating_add(b.units));
            let in_window =
                p.daily_units.iter().filter(|b| span.contains(b.start)).fold(0u64, |n, b| n.saturating_add(b.units));
            // last_hour >= multiplier x (in_window / hours), by multiplication.
            let spike = u128::from(last_hour).saturating_mul(u128::from(hours))
                >= u128::from(self.multiplier).saturating_mul(u128::from(in_window));
            if last_hour < self.min_units || !spike {
                continue;
            }
            let avg = Decimal::from(in_window).checked_div(Decimal::from(hours)).unwrap_or_default().round_dp(2);
            return Outcome::Fired(Finding::deferred(
                ids::PRODUCT_TURNOVER_SPIKE,
                facts([
                    Fact::text(&item.product_id),
                    last_hour.into(),
                    hours.into(),
                    avg.into(),
                    self.multiplier.into(),
                    self.window.into(),
                    self.min_units.into(),
                ]),
                |[product, last_hour, hours, avg, multiplier, window, min_units, ..]| {
                    Text::new(
                        format!("商品 {product} 近 1 小时下单 {last_hour} 件，是近 {hours} 小时均值 {avg} 件的 {multiplier} 倍以上"),
                        format!("{last_hour} units of {product} ordered in the last hour, at least {multiplier}x the hourly average {avg} over {window}"),
                    )
                    .evidence("product_id", product, None::<&str>)
                    .evidence("units_last_hour", last_hour, Some(min_units))
                    .evidence("average_hourly_units", avg, None::<&str>)
                },
            ));
        }
        if judged { Outcome::NotFired } else { Outcome::missing("product unit history") }
    }
}

builtin_rule! {
    /// `product.stock_share`: one order takes at least `max_share` of a
    /// product's stock on hand (when the OMS supplies stock), or at least
    /// `median_multiple` times the product's median order quantity.
    pub struct StockShare {
        /// Share of the stock on hand that fires the rule (default 0.5).
        pub max_share: Decimal = Decimal::new(5, 1),
        /// Times the median order quantity that fires it (default 10).
        pub median_multiple: u32 = 10,
    }
    id: ids::PRODUCT_STOCK_SHARE, category: Product, points: 20,
}

impl Logic for StockShare {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().rate("max_share", self.max_share).at_least_one("median_multiple", self.median_multiple).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let mut judged = false;
        for (item, p) in input.lines() {
            let Some(p) = p else { continue };
            let quantity = item.units();
            if let Some(stock) = p.stock.filter(|s| *s > 0) {
                judged = true;
                if share_at_least(quantity, stock, self.max_share) {
                    let share = Decimal::from(quantity).checked_div(Decimal::from(stock)).unwrap_or_default();
                    return Outcome::Fired(Finding::deferred(
                        ids::PRODUCT_STOCK_SHARE,
                        facts([
                            Fact::text(&item.product_id),
                            quantity.into(),
                            stock.into(),
                            Fact::Percent(share),
                            Fact::Percent(self.max_share),
                        ]),
                        |[product, quantity, stock, share, max_share, ..]| {
                            Text::new(
                                format!("单笔订单购买商品 {product} 共 {quantity} 件，占现有库存 {stock} 件的 {share}"),
                                format!(
                                    "one order takes {quantity} of the {stock} units of {product} on hand ({share})"
                                ),
                            )
                            .evidence("product_id", product, None::<&str>)
                            .evidence("stock_share", share, Some(max_share))
                        },
                    ));
                }
            }
            if let Some(median) = p.median_quantity.filter(|m| *m > 0) {
                judged = true;
                let limit = u64::from(median).saturating_mul(u64::from(self.median_multiple));
                if quantity >= limit {
                    return Outcome::Fired(Finding::deferred(
                        ids::PRODUCT_STOCK_SHARE,
                        facts([
                            Fact::text(&item.product_id),
                            quantity.into(),
                            median.into(),
                            self.median_multiple.into(),
                            limit.into(),
                        ]),
                        |[product, quantity, median, multiple, limit, ..]| {
                            Text::new(
                                format!("单笔订单购买商品 {product} 共 {quantity} 件，是常见单笔数量 {median} 件的 {multiple} 倍以上"),
                                format!("one order takes {quantity} units of {product}, at least {multiple}x its median order quantity {median}"),
                            )
                            .evidence("product_id", product, None::<&str>)
                            .evidence("quantity", quantity, Some(limit))
                        },
                    ));
                }
            }
        }
        if judged { Outcome::NotFired } else { Outcome::missing("product stock or order quantities") }
    }
}
