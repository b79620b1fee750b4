//! Product rules (商品风险).

use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::ProductProfile;
use crate::num::share_at_least;
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::FoldedMatcher;
use crate::time::Window;
use crate::vocab::ParamIssue;

builtin_rule! {
    /// `product.high_value_no_history`: an item is high-value or easily resold and
    /// the buyer has no purchase history. An item is high-value when its product
    /// profile says so, or its category contains one of `categories` and the
    /// line is worth at least `min_value` (a phone case is in the phones'
    /// category, and a first order of one is ordinary).
    pub struct HighValueNoHistory {
        /// Category keywords, matched case-insensitively anywhere in a category.
        pub categories: Keywords = Keywords::new(high_value_categories()),
        /// The least value of a line (unit price x quantity, in the order's
        /// currency) whose category makes it high-value (default 500).
        pub min_value: Decimal = Decimal::from(500),
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

/// Keywords matched anywhere in a text, in any case, full-width forms and
/// white space aside: a list of strings in a rule set, compiled once when
/// made, so a text is read once however many keywords there are.
#[derive(Clone)]
pub struct Keywords {
    words: Vec<String>,
    matcher: FoldedMatcher,
}

impl Keywords {
    /// The keywords `words`, compiled.
    pub fn new(words: Vec<String>) -> Self {
        let matcher = FoldedMatcher::new(&words);
        Keywords { words, matcher }
    }

    /// The keywords, as given.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether any keyword is in `text`.
    pub fn found_in(&self, text: &str) -> bool {
        self.matcher.found_in(text, &self.words)
    }
}

impl std::fmt::Debug for Keywords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.words).finish()
    }
}

impl PartialEq for Keywords {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

impl serde::Serialize for Keywords {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.words.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Keywords {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Keywords::new)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Keywords {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Keywords".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Vec::<String>::json_schema(g)
    }
}

impl Logic for HighValueNoHistory {
    fn check(&self) -> Vec<ParamIssue> {
        let words = self.categories.words();
        Checks::default()
            .non_empty("categories", words)
            .issue("categories", words.iter().any(|c| c.trim().is_empty()), "must not hold an empty entry")
            .non_negative("min_value", self.min_value)
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
        let worth = |i: &crate::model::LineItem| {
            i.unit_price.checked_mul(Decimal::from(i.quantity)).is_some_and(|v| v >= self.min_value)
        };
        let high = input.lines().find(|(i, p)| {
            high_value(*p) || (worth(i) && Input::line_category(i, *p).is_some_and(|c| self.categories.found_in(c)))
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
    /// `product.turnover_spike` (库存周转): a run on a product. Its orders in
    /// the current and previous clock hour, this order included, are at
    /// least `min_orders` and at least `multiplier` times its usual orders in
    /// those hours of the day: the median over the same hours on each of the
    /// week's earlier days (a price error exploited, scalping). The baseline
    /// knows the time of day, so a shop's busy afternoon is not a run, and
    /// it counts orders, not units, so one large order is not one either
    /// (that is `product.stock_share`'s business).
    ///
    /// Read from [`ProductProfile::hour_orders`]: a product seen on fewer
    /// than `min_days` earlier days has no usual hour yet, and is skipped
    /// when it has `min_orders` in the hour.
    pub struct TurnoverSpike {
        /// Orders in the hour that can fire the rule, this one included
        /// (default 10).
        pub min_orders: u32 = 10,
        /// Times the usual orders at this hour that fire it (default 5; a
        /// usual count of 0 counts as 1).
        pub multiplier: u32 = 5,
        /// Earlier days of history needed for a usual hour (default 3).
        pub min_days: u32 = 3,
    }
    id: ids::PRODUCT_TURNOVER_SPIKE, category: Product, points: 25,
}

/// The upper median of `counts` (0 with none): of two middle values, the
/// larger, so a baseline is never understated.
fn upper_median(counts: &[u32]) -> u32 {
    let mut sorted: [u32; ProductProfile::USUAL_HOUR_DAYS] = [0; ProductProfile::USUAL_HOUR_DAYS];
    let n = counts.len().min(sorted.len());
    let (head, _) = sorted.split_at_mut(n);
    head.copy_from_slice(counts.get(..n).unwrap_or_default());
    head.sort_unstable();
    head.get(n / 2).copied().unwrap_or(0)
}

impl Logic for TurnoverSpike {
    fn check(&self) -> Vec<ParamIssue> {
        let days = usize::try_from(self.min_days).unwrap_or(usize::MAX);
        Checks::default()
            .at_least_one("min_orders", self.min_orders)
            .at_least_one("multiplier", self.multiplier)
            .at_least_one("min_days", self.min_days)
            .issue(
                "min_days",
                days > ProductProfile::USUAL_HOUR_DAYS,
                "must be at most 7 (a product's usual hour is read from the week before)",
            )
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let (mut judged, mut too_young) = (false, false);
        for (item, p) in input.lines() {
            // A profile without order history at this hour (a host that
            // does not track it) tells nothing: not judged.
            let Some((now_pair, earlier)) = p.and_then(|p| p.hour_orders.split_first()) else { continue };
            judged = true;
            let in_hour = now_pair.saturating_add(1);
            if in_hour < self.min_orders {
                continue;
            }
            if earlier.len() < usize::try_from(self.min_days).unwrap_or(usize::MAX) {
                too_young = true;
                continue;
            }
            let usual = upper_median(earlier);
            if u64::from(in_hour) < u64::from(self.multiplier).saturating_mul(u64::from(usual.max(1))) {
                continue;
            }
            let days = u32::try_from(earlier.len()).unwrap_or(u32::MAX);
            return Outcome::Fired(Finding::deferred(
                ids::PRODUCT_TURNOVER_SPIKE,
                facts([
                    Fact::text(&item.product_id),
                    in_hour.into(),
                    usual.into(),
                    days.into(),
                    self.multiplier.into(),
                    self.min_orders.into(),
                ]),
                |[product, in_hour, usual, days, multiplier, min_orders, ..]| {
                    Text::new(
                        format!("商品 {product} 近 1 小时下单 {in_hour} 笔，是此前 {days} 天同一时段通常 {usual} 笔的 {multiplier} 倍以上"),
                        format!("{in_hour} orders of {product} in the last hour, at least {multiplier}x its usual {usual} at this hour over the {days} days before"),
                    )
                    .evidence("product_id", product, None::<&str>)
                    .evidence("orders_in_hour", in_hour, Some(min_orders))
                    .evidence("usual_orders_at_this_hour", usual, None::<&str>)
                },
            ));
        }
        if too_young {
            Outcome::missing("a product's usual orders at this hour (too few days of history)")
        } else if judged {
            Outcome::NotFired
        } else {
            Outcome::missing("product order history")
        }
    }
}

builtin_rule! {
    /// `product.stock_share`: one order takes at least `max_share` of a
    /// product's stock on hand (when the OMS supplies stock), or a line's
    /// quantity is at least `quantity_multiple` times the product's high
    /// quantity per line (its 99th percentile, [`ProductProfile::high_quantity`]),
    /// unless the buyer's own recent orders were as large: an order is at
    /// most `buyer_multiple` times their largest recent one, so a wholesale
    /// buyer ordering wholesale quantities is usual. The percentile sits
    /// above nearly every ordinary line, so an order of many ordinary lines
    /// is not many chances to fire.
    pub struct StockShare {
        /// Share of the stock on hand that fires the rule (default 0.5).
        pub max_share: Decimal = Decimal::new(5, 1),
        /// Times the product's high quantity per line that fires it
        /// (default 5).
        pub quantity_multiple: u32 = 5,
        /// An order at most this many times the buyer's largest recent order
        /// is usual for them (default 3).
        pub buyer_multiple: Decimal = Decimal::from(3),
    }
    id: ids::PRODUCT_STOCK_SHARE, category: Product, points: 20,
}

impl StockShare {
    /// Whether the buyer's recent orders make an order this large usual.
    fn usual_for_buyer(&self, input: &Input<'_>) -> bool {
        let Some(user) = input.user() else { return false };
        let largest = user.recent_orders.iter().map(|o| o.amount).max().unwrap_or_default();
        largest.checked_mul(self.buyer_multiple).is_some_and(|limit| input.order().payable_amount <= limit)
            && largest > Decimal::ZERO
    }
}

impl Logic for StockShare {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .rate("max_share", self.max_share)
            .at_least_one("quantity_multiple", self.quantity_multiple)
            .non_negative("buyer_multiple", self.buyer_multiple)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let mut judged = false;
        // Asked once per order, and only when a line is large.
        let mut usual = None;
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
            if let Some(high) = p.high_quantity.filter(|m| *m > 0) {
                judged = true;
                let limit = u64::from(high).saturating_mul(u64::from(self.quantity_multiple));
                if quantity >= limit && !*usual.get_or_insert_with(|| self.usual_for_buyer(input)) {
                    return Outcome::Fired(Finding::deferred(
                        "product.stock_share.quantity",
                        facts([
                            Fact::text(&item.product_id),
                            quantity.into(),
                            high.into(),
                            self.quantity_multiple.into(),
                            limit.into(),
                        ]),
                        |[product, quantity, high, multiple, limit, ..]| {
                            Text::new(
                                format!("单笔订单购买商品 {product} 共 {quantity} 件，是该商品单笔高位数量 {high} 件的 {multiple} 倍以上"),
                                format!("one order takes {quantity} units of {product}, at least {multiple}x its high quantity per order line ({high})"),
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
