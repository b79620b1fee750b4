//! Payment rules (支付类异常): payment failures, high-risk payments and
//! suspicious money flows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::divisions::{self, city_stem, province_of_city};
use crate::model::{AttemptStatus, EntityType, Location, Order, Payment};
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::same_text;
use crate::time::Window;
use crate::vocab::{ParamIssue, Personal};

fn payment(o: &Order) -> Option<&Payment> {
    o.payment.as_ref()
}

builtin_rule! {
    /// `payment.amount_mismatch`: the amount captured differs from the payable
    /// amount by more than a cent.
    pub struct AmountMismatch {
        /// Largest difference tolerated, in the order's currency (default
        /// 0.01: a payment split into instalments is rounded per instalment,
        /// and a cent off is that rounding, not a mismatch to hold for).
        pub tolerance: Decimal = Decimal::new(1, 2),
    }
    id: ids::PAYMENT_AMOUNT_MISMATCH, category: Payment, points: 60, action: Hold,
}

impl Logic for AmountMismatch {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().non_negative("tolerance", self.tolerance).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let o = input.order();
        let Some(paid) = payment(o).and_then(|p| p.paid_amount) else {
            return Outcome::missing("payment.paid_amount");
        };
        // An overflowing difference is as large a difference as there is.
        let diff = paid.checked_sub(o.payable_amount).map(|d| d.abs());
        if diff.is_some_and(|d| d <= self.tolerance) {
            return Outcome::NotFired;
        }
        let shown = diff.map_or(Fact::Static("overflow"), Fact::Dec);
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_AMOUNT_MISMATCH,
            facts([paid.into(), o.payable_amount.into(), shown, self.tolerance.into()]),
            |[paid, payable, shown, tolerance, ..]| {
                Text::new(
                    format!("支付金额 {paid} 与应付金额 {payable} 不符（差额 {shown}）"),
                    format!("paid {paid} differs from payable {payable} (difference {shown})"),
                )
                .evidence("paid_amount", paid, None::<&str>)
                .evidence("payable_amount", payable, None::<&str>)
                .evidence("difference", shown, Some(tolerance))
            },
        ))
    }
}

builtin_rule! {
    /// `payment.failed_attempts`: many failed payment attempts on the order.
    pub struct FailedAttempts {
        /// Failures that fire the rule (default 3).
        pub min_failures: u32 = 3,
    }
    id: ids::PAYMENT_FAILED_ATTEMPTS, category: Payment, points: 30,
}

fn count_attempts(p: &Payment, pred: impl Fn(AttemptStatus) -> bool) -> u32 {
    let n = p.attempts.iter().filter(|a| pred(a.status)).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Logic for FailedAttempts {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_failures", self.min_failures).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(p) = payment(input.order()) else {
            return Outcome::missing("payment");
        };
        let failures = count_attempts(p, AttemptStatus::is_failure);
        if failures < self.min_failures {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_FAILED_ATTEMPTS,
            facts([failures.into(), self.min_failures.into()]),
            |[failures, limit, ..]| {
                Text::new(
                    format!("支付失败 {failures} 次（阈值 {limit} 次）"),
                    format!("{failures} failed payment attempts (limit {limit})"),
                )
                .evidence("failed_attempts", failures, Some(limit))
            },
        ))
    }
}

builtin_rule! {
    /// `payment.insufficient_balance`: an attempt failed for insufficient balance.
    pub struct InsufficientBalance {
        /// Such failures that fire the rule (default 1).
        pub min_count: u32 = 1,
    }
    id: ids::PAYMENT_INSUFFICIENT_BALANCE, category: Payment, points: 10,
}

impl Logic for InsufficientBalance {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_count", self.min_count).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(p) = payment(input.order()) else {
            return Outcome::missing("payment");
        };
        let n = count_attempts(p, |s| s == AttemptStatus::InsufficientBalance);
        if n < self.min_count {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_INSUFFICIENT_BALANCE,
            facts([n.into(), self.min_count.into()]),
            |[n, limit, ..]| {
                Text::new(
                    format!("{n} 次支付因余额不足失败"),
                    format!("{n} payment attempts failed for insufficient balance"),
                )
                .evidence("insufficient_balance_failures", n, Some(limit))
            },
        ))
    }
}

builtin_rule! {
    /// `payment.timeout`: still unpaid past the payment window of its method.
    ///
    /// Each method has its own window: a card or wallet is paid in minutes, a
    /// bank transfer or a bank slip (boleto) in days, cash on delivery (货到付款)
    /// only on delivery, so it never times out. An order paid at all is not
    /// judged: paying late is how slow methods work, not a sign of abuse.
    pub struct PaymentTimeout {
        /// Time allowed from creation to payment for a method not listed in
        /// `by_method`, or no method (default 30 minutes).
        pub window: Window = Window::minutes(30),
        /// Time allowed per payment method (`Payment::method`, matched in any
        /// case, with `-`, `_` and spaces ignored); `null` never times out.
        pub by_method: BTreeMap<String, Option<Window>> = method_windows(),
    }
    id: ids::PAYMENT_TIMEOUT, category: Payment, points: 15,
}

/// The payment windows of methods slower than a card: cash on delivery never
/// times out; a bank transfer or a bank slip is given three days (a boleto
/// is due in about three business days).
fn method_windows() -> BTreeMap<String, Option<Window>> {
    let never = ["cod", "cash_on_delivery", "货到付款"].map(|m| (m.to_owned(), None));
    let days =
        ["bank_transfer", "transfer", "对公转账", "boleto", "bank_slip"].map(|m| (m.to_owned(), Some(Window::days(3))));
    never.into_iter().chain(days).collect()
}

/// Whether two method names are the same: folded, `-` and `_` ignored.
fn same_method(a: &str, b: &str) -> bool {
    let chars = |s| crate::text::folded(s).filter(|c| !matches!(c, '-' | '_'));
    chars(a).eq(chars(b))
}

impl PaymentTimeout {
    /// The window of `method`: its own, or the default; `None` never times out.
    fn window_of(&self, method: Option<&str>) -> Option<Window> {
        let own = method.and_then(|m| self.by_method.iter().find(|(k, _)| same_method(k, m)));
        own.map_or(Some(self.window), |(_, w)| *w)
    }
}

impl Logic for PaymentTimeout {
    fn check(&self) -> Vec<ParamIssue> {
        let zero = self.by_method.values().flatten().any(|w| w.as_secs() == 0);
        let blank = self.by_method.keys().any(|k| crate::text::folded(k).next().is_none());
        Checks::default()
            .window("window", self.window)
            .issue("by_method", zero, "a window must be longer than zero (null never times out)")
            .issue("by_method", blank, "must not hold an empty method name")
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let o = input.order();
        // No payment object at all is an unpaid order: judged as one.
        let p = payment(o);
        if p.is_some_and(|p| p.paid_at.is_some()) {
            return Outcome::NotFired;
        }
        let Some(window) = self.window_of(p.and_then(|p| p.method.as_deref())) else {
            return Outcome::NotFired;
        };
        let waited = input.now().signed_duration_since(o.created_at);
        if waited <= window.duration() {
            return Outcome::NotFired;
        }
        let minutes = waited.num_minutes();
        Outcome::Fired(Finding::deferred(
            "payment.timeout.unpaid",
            facts([minutes.into(), window.into()]),
            |[minutes, window, ..]| {
                Text::new(
                    format!("下单 {minutes} 分钟仍未支付，超过 {window} 支付时限"),
                    format!("unpaid {minutes} min after the order, past the {window} payment window"),
                )
                .evidence("minutes_to_payment", minutes, Some(window))
            },
        ))
    }
}

builtin_rule! {
    /// `payment.large_amount`: a large payable amount.
    pub struct LargeAmount {
        /// Amount that fires the rule, in the order's currency (default 5000).
        pub threshold: Decimal = Decimal::from(5000),
    }
    id: ids::PAYMENT_LARGE_AMOUNT, category: Payment, points: 20,
}

impl Logic for LargeAmount {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().non_negative("threshold", self.threshold).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let amount = input.order().payable_amount;
        if amount < self.threshold {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_LARGE_AMOUNT,
            facts([amount.into(), self.threshold.into()]),
            |[amount, threshold, ..]| {
                Text::new(
                    format!("大额订单：应付 {amount}（阈值 {threshold}）"),
                    format!("large order: payable {amount} (limit {threshold})"),
                )
                .evidence("payable_amount", amount, Some(threshold))
            },
        ))
    }
}

builtin_rule! {
    /// `payment.remote_login`: paid from a place that is none of the buyer's usual
    /// locations (异地登录支付).
    ///
    /// Two locations are compared at the most specific level both know: their
    /// cities (`杭州` is `杭州市`) if both name one, else their provinces (a
    /// Chinese city's province comes from the administrative hierarchy, so a
    /// session in 杭州市 is in a usual 浙江省), else their countries.
    pub struct RemoteLogin {
    }
    id: ids::PAYMENT_REMOTE_LOGIN, category: Payment, points: 25,
}

fn same_place(a: &Location, b: &Location) -> bool {
    if let (Some(x), Some(y)) = (&a.city, &b.city) {
        return same_text(city_stem(x), city_stem(y));
    }
    // One side names no city: compare provinces, taking a city's province
    // from the hierarchy where the region is not given.
    let province = |l: &Location| {
        l.region.as_deref().and_then(divisions::province).or_else(|| l.city.as_deref().and_then(province_of_city))
    };
    if let (Some(x), Some(y)) = (province(a), province(b)) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (&a.region, &b.region) {
        return same_text(x, y);
    }
    match (&a.country, &b.country) {
        (Some(x), Some(y)) => same_text(x, y),
        _ => false,
    }
}

fn place(l: &Location) -> &str {
    l.city.as_deref().or(l.region.as_deref()).or(l.country.as_deref()).unwrap_or("?")
}

impl Logic for RemoteLogin {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(here) = input.order().client.as_ref().and_then(|c| c.location.as_ref()) else {
            return Outcome::missing("client.location");
        };
        let usual = input.user().map(|u| u.usual_locations.as_slice()).unwrap_or_default();
        if usual.is_empty() {
            return Outcome::missing("user.usual_locations");
        }
        if usual.iter().any(|u| same_place(u, here)) {
            return Outcome::NotFired;
        }
        let listed = Fact::written(|w| {
            usual.iter().enumerate().try_for_each(|(i, l)| {
                if i > 0 {
                    w.write_str(", ")?;
                }
                w.write_str(place(l))
            })
        });
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_REMOTE_LOGIN,
            facts([Fact::text(place(here)), usual.len().into(), listed]),
            |[at, n, listed, ..]| {
                Text::new(
                    format!("异地支付：支付地 {at} 不在用户 {n} 个常用地点中"),
                    format!("paid from {at}, none of the buyer's {n} usual locations"),
                )
                .evidence("payment_location", at, None::<&str>)
                .evidence("usual_locations", listed, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `payment.account_churn`: many distinct payment accounts in the window.
    pub struct AccountChurn {
        /// Distinct accounts that fire the rule, this order's included
        /// (default 3). Formerly `max_accounts` (a misnomer: it is a
        /// minimum); rule-set files may still use that name, which is
        /// deprecated and written back as `min_accounts`.
        #[serde(alias = "max_accounts")]
        pub min_accounts: u32 = 3,
        /// Look-back window (default 30 days).
        pub window: Window = Window::days(30),
    }
    id: ids::PAYMENT_ACCOUNT_CHURN, category: Payment, points: 25,
}

impl Logic for AccountChurn {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_accounts", self.min_accounts).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let current = payment(input.order()).and_then(|p| p.instrument_id.as_deref());
        let known = input.user().map(|u| u.payment_instruments.as_slice()).unwrap_or_default();
        if current.is_none() && input.user().is_none() {
            return Outcome::missing("payment.instrument_id");
        }
        let span = self.window.ending(input.now());
        let in_window = known.iter().filter(|k| span.contains(k.last_used));
        let mut n = in_window.clone().count();
        if let Some(c) = current {
            if !in_window.clone().any(|k| same_text(&k.id, c)) {
                n = n.saturating_add(1);
            }
        }
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if n < self.min_accounts {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_ACCOUNT_CHURN,
            facts([n.into(), self.min_accounts.into(), self.window.into()]),
            |[n, limit, window, ..]| {
                Text::new(
                    format!("{window} 内使用了 {n} 个不同支付账户"),
                    format!("{n} distinct payment accounts within {window}"),
                )
                .evidence("distinct_accounts", n, Some(limit))
                .evidence("window", window, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `payment.amount_spike`: the amount is far above the buyer's average order
    /// value (可疑资金流). Worth 10 more points at twice the multiplier and 20 more
    /// at four times: at 3x alone it does not reach review (a buyer's orders
    /// vary, and 3x their average fires on one to two percent of a real
    /// shop's orders), at 6x it does, and with a new card it is the stolen-card
    /// case (`case.stolen_card`).
    pub struct AmountSpike {
        /// How many times the average order value fires the rule (default 3).
        pub multiplier: Decimal = Decimal::from(3),
        /// Smallest amount that can fire it (default 500).
        pub floor: Decimal = Decimal::from(500),
        /// Past orders needed for an average (default 1).
        pub min_history_orders: u32 = 1,
    }
    id: ids::PAYMENT_AMOUNT_SPIKE, category: Payment, points: 20,
}

impl Logic for AmountSpike {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .issue("multiplier", self.multiplier <= Decimal::ONE, "must be greater than 1")
            .non_negative("floor", self.floor)
            .at_least_one("min_history_orders", self.min_history_orders)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        if user.past_orders() < self.min_history_orders {
            return Outcome::missing("user order history");
        }
        let Some((spent, orders)) = user.spend_and_orders() else {
            return Outcome::missing("user average order value");
        };
        if spent <= Decimal::ZERO {
            return Outcome::cannot_judge("user average order value is 0: no ratio to judge by");
        }
        let amount = input.order().payable_amount;
        if amount < self.floor {
            return Outcome::NotFired;
        }
        // amount >= average x multiplier, multiplied out: exact, and no
        // division on the path every order takes.
        let orders = Decimal::from(orders);
        let (Some(scaled), Some(limit)) = (amount.checked_mul(orders), spent.checked_mul(self.multiplier)) else {
            return Outcome::NotFired;
        };
        if scaled < limit {
            return Outcome::NotFired;
        }
        let aov = spent.checked_div(orders).unwrap_or(spent);
        let ratio = amount.checked_div(aov).unwrap_or(Decimal::MAX).round_dp(1);
        let twice = self.multiplier.saturating_mul(Decimal::TWO);
        let extra = if ratio >= twice.saturating_mul(Decimal::TWO) {
            20
        } else if ratio >= twice {
            10
        } else {
            0
        };
        let aov = aov.round_dp(2);
        Outcome::Fired(
            Finding::deferred(
                ids::PAYMENT_AMOUNT_SPIKE,
                facts([amount.into(), aov.into(), ratio.into(), self.multiplier.into(), self.floor.into()]),
                |[amount, aov, ratio, multiplier, floor, ..]| {
                    Text::new(
                        format!("订单金额 {amount} 是历史客单价 {aov} 的 {ratio} 倍（阈值 {multiplier} 倍）"),
                        format!("amount {amount} is {ratio}x the average order value {aov} (limit {multiplier}x)"),
                    )
                    .evidence("amount_ratio", ratio, Some(multiplier))
                    .evidence("average_order_value", aov, None::<&str>)
                    .evidence("payable_amount", amount, Some(floor))
                },
            )
            .extra_points(extra),
        )
    }
}

builtin_rule! {
    /// `payment.new_instrument`: a card or account never seen in the buyer's history.
    pub struct NewInstrument {
    }
    id: ids::PAYMENT_NEW_INSTRUMENT, category: Payment, points: 10,
}

impl Logic for NewInstrument {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(id) = payment(input.order()).and_then(|p| p.instrument_id.as_deref()) else {
            return Outcome::missing("payment.instrument_id");
        };
        let Some(user) = input.user().filter(|u| u.has_history()) else {
            return Outcome::missing("user history");
        };
        if user.payment_instruments.iter().any(|k| same_text(&k.id, id)) {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_NEW_INSTRUMENT,
            facts([input.show_fact(Personal::Instrument, id), user.payment_instruments.len().into()]),
            |[shown, known, ..]| {
                Text::new(format!("首次使用的支付账户 {shown}"), format!("payment account {shown} never used before"))
                    .evidence("instrument", shown, None::<&str>)
                    .evidence("known_instruments", known, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `payment.instrument_shared`: the order's payment instrument was used
    /// by at least N distinct buyers in the window, this buyer included (one
    /// card behind many accounts: card testing, stolen cards resold). Reads
    /// the instrument's entity profile, so a buyer's first order is judged by
    /// what the card did before.
    pub struct InstrumentShared {
        /// Distinct buyers, this one included, that fire the rule (default 3).
        pub min_buyers: u32 = 3,
        /// Look-back window (default 30 days).
        pub window: Window = Window::days(30),
    }
    id: ids::PAYMENT_INSTRUMENT_SHARED, category: Payment, points: 25,
}

impl Logic for InstrumentShared {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_buyers", self.min_buyers).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        if payment(input.order()).and_then(|p| p.instrument_id.as_deref()).is_none_or(|i| i.trim().is_empty()) {
            return Outcome::missing("payment.instrument_id");
        }
        let Some(card) = input.entity(EntityType::PaymentInstrument) else {
            return Outcome::missing("entity profile of the payment instrument");
        };
        let span = self.window.ending(input.now());
        let me = input.order().user_id.as_str();
        let others = card.buyers.iter().filter(|b| &*b.user_id != me && span.contains(b.last_seen)).count();
        let n = u32::try_from(others).unwrap_or(u32::MAX).saturating_add(1);
        if n < self.min_buyers {
            return Outcome::NotFired;
        }
        // Past the profile's cap the count is a lower bound: say so.
        let shown = if card.buyers_capped { Fact::written(|w| write!(w, "≥{n}")) } else { n.into() };
        Outcome::Fired(Finding::deferred(
            ids::PAYMENT_INSTRUMENT_SHARED,
            facts([
                shown,
                self.window.into(),
                self.min_buyers.into(),
                input.show_fact(Personal::Instrument, &card.key),
            ]),
            |[shown, window, limit, instrument, ..]| {
                Text::new(
                    format!("支付账户在 {window} 内被 {shown} 个不同买家使用（含本单）"),
                    format!(
                        "the payment instrument was used by {shown} distinct buyers within {window} (this one included)"
                    ),
                )
                .evidence("distinct_buyers", shown, Some(limit))
                .evidence("instrument", instrument, None::<&str>)
            },
        ))
    }
}
