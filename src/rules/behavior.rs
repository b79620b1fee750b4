//! Behaviour rules (行为模式异常).

use chrono::Timelike;
use rust_decimal::Decimal;

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::{EntityType, UserProfile};
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::{cmp_folded, distinct, folded, same_text};
use crate::time::Window;
use crate::vocab::ParamIssue;

/// The buyer's orders placed in the window, this one included.
fn orders_in_window(input: &Input<'_>, user: &UserProfile, window: Window) -> u32 {
    let span = window.ending(input.now());
    let this = &input.order().id;
    let past = user.recent_orders.iter().filter(|p| *p.order_id != **this && span.contains(p.placed_at)).count();
    u32::try_from(past.saturating_add(1)).unwrap_or(u32::MAX)
}

builtin_rule! {
    /// `behavior.order_burst`: many orders by the same buyer in a short window.
    pub struct OrderBurst {
        /// Orders that fire the rule, this one included (default 5).
        pub min_orders: u32 = 5,
        /// Window (default 10 minutes).
        pub window: Window = Window::minutes(10),
    }
    id: ids::BEHAVIOR_ORDER_BURST, category: Behavior, points: 25,
}

impl Logic for OrderBurst {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_orders", self.min_orders).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let n = orders_in_window(input, user, self.window);
        if n < self.min_orders {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::BEHAVIOR_ORDER_BURST,
            facts([n.into(), self.min_orders.into(), self.window.into()]),
            |[n, limit, window, ..]| {
                Text::new(
                    format!("{window} 内同一用户下单 {n} 笔"),
                    format!("{n} orders by the same buyer within {window}"),
                )
                .evidence("orders_in_window", n, Some(limit))
                .evidence("window", window, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `behavior.night_batch`: placed in the small hours (local time) as part of a
    /// batch of orders.
    pub struct NightBatch {
        /// First local hour of the small hours (default 0).
        pub from_hour: u32 = 0,
        /// First local hour after them (default 6: 00:00-05:59).
        pub to_hour: u32 = 6,
        /// Orders in the window that make a batch, this one included (default 3).
        pub min_orders: u32 = 3,
        /// Window (default 1 hour).
        pub window: Window = Window::hours(1),
    }
    id: ids::BEHAVIOR_NIGHT_BATCH, category: Behavior, points: 20,
}

impl Logic for NightBatch {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .hour("from_hour", self.from_hour)
            .hour("to_hour", self.to_hour)
            .issue("to_hour", self.to_hour <= self.from_hour, "must be after from_hour")
            .at_least_one("min_orders", self.min_orders)
            .window("window", self.window)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let local = input.local(input.order().created_at);
        let hour = local.hour();
        if hour < self.from_hour || hour >= self.to_hour {
            return Outcome::NotFired;
        }
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let n = orders_in_window(input, user, self.window);
        if n < self.min_orders {
            return Outcome::NotFired;
        }
        let at = Fact::written(|w| write!(w, "{:02}:{:02}", local.hour(), local.minute()));
        let hours = Fact::written(|w| write!(w, "{:02}:00-{:02}:00", self.from_hour, self.to_hour));
        Outcome::Fired(Finding::deferred(
            ids::BEHAVIOR_NIGHT_BATCH,
            facts([at, n.into(), self.window.into(), hours, self.min_orders.into()]),
            |[at, n, window, hours, limit, ..]| {
                Text::new(
                    format!("凌晨 {at}（当地时间）批量下单：{window} 内 {n} 笔"),
                    format!(
                        "batch ordering in the small hours: {n} orders within {window}, this one at {at} local time"
                    ),
                )
                .evidence("local_time", at, Some(hours))
                .evidence("orders_in_window", n, Some(limit))
            },
        ))
    }
}

builtin_rule! {
    /// `behavior.frequent_cancel`: many cancellations in the window, or a high
    /// cancel rate among the orders placed in it.
    pub struct FrequentCancel {
        /// Cancellations that fire the rule (default 3).
        pub min_cancellations: u32 = 3,
        /// Window (default 30 days).
        pub window: Window = Window::days(30),
        /// Cancel rate that fires the rule (default 0.5).
        pub max_cancel_rate: Decimal = Decimal::new(5, 1),
        /// Orders in the window needed before the rate counts (default 4).
        pub min_orders_for_rate: u32 = 4,
    }
    id: ids::BEHAVIOR_FREQUENT_CANCEL, category: Behavior, points: 15,
}

impl Logic for FrequentCancel {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default()
            .at_least_one("min_cancellations", self.min_cancellations)
            .window("window", self.window)
            .rate("max_cancel_rate", self.max_cancel_rate)
            .at_least_one("min_orders_for_rate", self.min_orders_for_rate)
            .done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let span = self.window.ending(input.now());
        let cancels = user.recent_orders.iter().filter(|p| p.cancelled_at.is_some_and(|t| span.contains(t)));
        let cancels = u32::try_from(cancels.count()).unwrap_or(u32::MAX);
        let placed = user.recent_orders.iter().filter(|p| span.contains(p.placed_at));
        let placed_n = u32::try_from(placed.clone().count()).unwrap_or(u32::MAX);
        let placed_cancelled = u32::try_from(placed.filter(|p| p.cancelled_at.is_some()).count()).unwrap_or(u32::MAX);
        let rate = crate::num::share(u64::from(placed_cancelled), u64::from(placed_n));
        let by_rate = placed_n >= self.min_orders_for_rate && rate.is_some_and(|r| r >= self.max_cancel_rate);
        if cancels < self.min_cancellations && !by_rate {
            return Outcome::NotFired;
        }
        let rate = rate.map_or(Fact::Static("n/a"), Fact::Percent);
        Outcome::Fired(Finding::deferred(
            ids::BEHAVIOR_FREQUENT_CANCEL,
            facts([
                cancels.into(),
                rate,
                self.window.into(),
                self.min_cancellations.into(),
                Fact::Percent(self.max_cancel_rate),
                placed_n.into(),
                self.min_orders_for_rate.into(),
            ]),
            |[cancels, rate, window, min_cancellations, max_rate, placed, min_placed, ..]| {
                Text::new(
                    format!("{window} 内取消订单 {cancels} 次，取消率 {rate}"),
                    format!("{cancels} cancellations within {window}, cancel rate {rate}"),
                )
                .evidence("cancellations", cancels, Some(min_cancellations))
                .evidence("cancel_rate", rate, Some(max_rate))
                .evidence("orders_in_window", placed, Some(min_placed))
            },
        ))
    }
}

builtin_rule! {
    /// `behavior.multi_account`: several linked accounts (shared device, phone,
    /// address or payment account) bought the same category in the window.
    pub struct MultiAccount {
        /// Linked accounts that fire the rule (default 3).
        pub min_accounts: u32 = 3,
        /// Window (default 7 days).
        pub window: Window = Window::days(7),
    }
    id: ids::BEHAVIOR_MULTI_ACCOUNT, category: Behavior, points: 30,
}

/// The order's item categories, for matching many purchases against them.
enum Kinds<'a, I> {
    /// Few comparisons to make: one by one, without allocating.
    Few(I),
    /// Many: sorted once, each purchase found by binary search, so an order
    /// of 10,000 lines against 10,000 purchases is not 10⁸ comparisons.
    Many(Vec<&'a str>),
}

impl<'a, I: Iterator<Item = &'a str> + Clone> Kinds<'a, I> {
    /// Up to this many comparisons (categories × purchases to match) are
    /// made one by one; past it, sorting once is cheaper.
    const FEW: usize = 4_096;

    fn of(categories: I, purchases: usize) -> Self {
        let limit = Self::FEW.checked_div(purchases.max(1)).unwrap_or(0);
        if categories.clone().nth(limit).is_none() {
            return Kinds::Few(categories);
        }
        Kinds::Many(distinct(categories))
    }

    fn has(&self, category: &str) -> bool {
        // A blank category is no kind of goods, on either path.
        if folded(category).next().is_none() {
            return false;
        }
        match self {
            Kinds::Few(v) => v.clone().any(|c| same_text(c, category)),
            Kinds::Many(v) => v.binary_search_by(|c| cmp_folded(c, category)).is_ok(),
        }
    }
}

impl Logic for MultiAccount {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_accounts", self.min_accounts).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let categories = input.lines().filter_map(|(i, p)| Input::line_category(i, p));
        if categories.clone().next().is_none() {
            return Outcome::missing("item categories");
        }
        let span = self.window.ending(input.now());
        let in_window = user.linked_accounts.iter().flat_map(|a| &a.purchases).filter(|p| span.contains(p.at)).count();
        let kinds = Kinds::of(categories, in_window);
        let same_kind = user
            .linked_accounts
            .iter()
            .filter(|a| a.purchases.iter().any(|p| span.contains(p.at) && kinds.has(&p.category)));
        // An account linked in two ways counts once. Fewer links than N cannot
        // fire; otherwise sort the ids (n·log n, not every pair).
        if u32::try_from(same_kind.clone().count()).unwrap_or(u32::MAX) < self.min_accounts {
            return Outcome::NotFired;
        }
        let mut ids: Vec<&str> = same_kind.map(|a| &*a.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let distinct = ids.len();
        let n = u32::try_from(distinct).unwrap_or(u32::MAX);
        if n < self.min_accounts {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::BEHAVIOR_MULTI_ACCOUNT,
            facts([n.into(), self.min_accounts.into(), self.window.into()]),
            |[n, limit, window, ..]| {
                Text::new(
                    format!("{n} 个关联账号在 {window} 内购买同类商品"),
                    format!("{n} linked accounts bought the same kind of goods within {window}"),
                )
                .evidence("linked_accounts", n, Some(limit))
                .evidence("window", window, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `behavior.entity_velocity`: many orders on one payment instrument,
    /// device, phone or shipping address in a short window, this one
    /// included, whichever accounts placed them. Counted by the hour from the
    /// entities' profiles; the evidence names the busiest entity.
    pub struct EntityVelocity {
        /// Orders on one entity, this one included, that fire the rule (default 5).
        pub min_orders: u32 = 5,
        /// Window (default 24 hours).
        pub window: Window = Window::hours(24),
    }
    id: ids::BEHAVIOR_ENTITY_VELOCITY, category: Behavior, points: 25,
}

impl Logic for EntityVelocity {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_orders", self.min_orders).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let kinds = [EntityType::PaymentInstrument, EntityType::Device, EntityType::Phone, EntityType::Address];
        let span = self.window.ending(input.now());
        // An hourly bucket counts when any of its hour lies in the window.
        let in_window = |start| span.overlaps(start, chrono::Duration::hours(1));
        let busiest = kinds
            .iter()
            .filter_map(|k| input.entity(*k))
            .map(|e| {
                let n = e.hourly.iter().filter(|b| in_window(b.start)).fold(0u32, |n, b| n.saturating_add(b.orders));
                (n.saturating_add(1), e)
            })
            .max_by_key(|(n, e)| (*n, std::cmp::Reverse(e.kind)));
        let Some((n, entity)) = busiest else {
            return Outcome::missing("entity profiles of the instrument, device, phone or address");
        };
        if n < self.min_orders {
            return Outcome::NotFired;
        }
        let kind = entity.kind.as_str();
        Outcome::Fired(Finding::deferred(
            ids::BEHAVIOR_ENTITY_VELOCITY,
            facts([n.into(), kind.into(), entity_zh(entity.kind).into(), self.window.into(), self.min_orders.into()]),
            |[n, kind, kind_zh, window, limit, ..]| {
                Text::new(
                    format!("同一{kind_zh}在 {window} 内有 {n} 笔订单（含本单）"),
                    format!(
                        "{n} orders on one {} within {window} (this one included)",
                        kind.to_string().replace('_', " ")
                    ),
                )
                .evidence("entity", kind, None::<&str>)
                .evidence("orders", n, Some(limit))
            },
        ))
    }
}

/// An entity kind in Chinese, for messages.
fn entity_zh(kind: EntityType) -> &'static str {
    match kind {
        EntityType::PaymentInstrument => "支付账户",
        EntityType::Device => "设备",
        EntityType::Phone => "手机号",
        EntityType::Address => "收货地址",
        EntityType::Ip => "IP",
        _ => "邮箱",
    }
}
