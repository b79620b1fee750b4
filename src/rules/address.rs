//! Shipping-address rules (地址风险).

use chrono::{Datelike, NaiveDate};

use super::checks::Checks;
use super::declare::{Logic, builtin_rule};
use super::ids;
use crate::model::{AddressChange, ShippingAddress};
use crate::reason::{Fact, Text, facts};
use crate::rule::{Finding, Input, Outcome};
use crate::text::distinct;
use crate::time::Window;
use crate::vocab::{ParamIssue, Personal};

builtin_rule! {
    /// `address.locker_without_unit`: the address names a parcel locker or pickup
    /// station but no locker or box number (e.g. "XX快递柜代收").
    ///
    /// Keywords and patterns are the engine's reference data
    /// ([`EngineBuilder::locker_keywords`](crate::EngineBuilder::locker_keywords)).
    pub struct LockerWithoutUnit {
    }
    id: ids::ADDRESS_LOCKER_WITHOUT_UNIT, category: Address, points: 25,
}

impl Logic for LockerWithoutUnit {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(detail) = input.order().shipping.as_ref().and_then(|s| s.detail.as_deref()) else {
            return Outcome::missing("shipping.detail");
        };
        match input.reference().locker(detail) {
            Some(m) if !m.has_unit => Outcome::Fired(Finding::deferred(
                ids::ADDRESS_LOCKER_WITHOUT_UNIT,
                facts([Fact::text(m.keyword), input.show_fact(Personal::AddressLine, detail)]),
                |[keyword, line, ..]| {
                    Text::new(
                        format!("收货地址为快递柜/代收点（{keyword}）但无具体柜号"),
                        format!("the address names a parcel locker ({keyword}) but no locker number"),
                    )
                    .evidence("locker_keyword", keyword, None::<&str>)
                    .evidence("address_line", line, None::<&str>)
                },
            )),
            _ => Outcome::NotFired,
        }
    }
}

builtin_rule! {
    /// `address.remote_no_history`: the destination is a remote region and the
    /// buyer has never had an order delivered there. A buyer with no profile has
    /// no history.
    pub struct RemoteNoHistory {
    }
    id: ids::ADDRESS_REMOTE_NO_HISTORY, category: Address, points: 25,
}

impl Logic for RemoteNoHistory {
    fn judge(&self, input: &Input<'_>) -> Outcome {
        // Remote regions are regions of the default country: an address
        // abroad is in none of them, whatever it names.
        let abroad = |a: &ShippingAddress| {
            a.country.as_deref().is_some_and(|c| !c.eq_ignore_ascii_case(input.reference().default_country()))
        };
        if input.order().shipping.as_ref().is_some_and(abroad) {
            return Outcome::NotFired;
        }
        let Some(addr) = input.order().shipping.as_ref().filter(|a| a.province.is_some() || a.region_code.is_some())
        else {
            return Outcome::missing("shipping.province");
        };
        let Some(region) = input.reference().remote_region(addr) else {
            return Outcome::NotFired;
        };
        let past = input.user().map(|u| u.destination_regions.as_slice()).unwrap_or_default();
        if past.iter().any(|p| region.matches(p)) {
            return Outcome::NotFired;
        }
        Outcome::Fired(Finding::deferred(
            ids::ADDRESS_REMOTE_NO_HISTORY,
            facts([Fact::text(&region.name), past.len().into()]),
            |[region, past, ..]| {
                Text::new(
                    format!("收货地为偏远地区（{region}）且用户无该地区历史订单"),
                    format!("ships to a remote region ({region}) the buyer never ordered to before"),
                )
                .evidence("remote_region", region, None::<&str>)
                .evidence("past_destination_regions", past, None::<&str>)
            },
        ))
    }
}

builtin_rule! {
    /// `address.frequent_change`: the shipping address changed on N consecutive
    /// days, or to N distinct cities, within the window. Days are local calendar
    /// days.
    pub struct FrequentChange {
        /// N (default 3).
        pub min_changes: u32 = 3,
        /// Look-back window (default 7 days).
        pub window: Window = Window::days(7),
    }
    id: ids::ADDRESS_FREQUENT_CHANGE, category: Address, points: 25,
}

impl FrequentChange {
    /// The longest run of consecutive local days with a change: sorts the
    /// days once, n·log n however many changes the profile holds.
    fn longest_run<'a>(input: &Input<'_>, changes: impl Iterator<Item = &'a AddressChange>) -> u32 {
        let mut days: Vec<NaiveDate> = changes.map(|c| input.local(c.at).date()).collect();
        days.sort_unstable();
        days.dedup();
        let mut best = 0u32;
        let mut run = 0u32;
        let mut previous: Option<NaiveDate> = None;
        for d in days {
            run = if previous.and_then(|p| p.succ_opt()) == Some(d) { run.saturating_add(1) } else { 1 };
            best = best.max(run);
            previous = Some(d);
        }
        best
    }
}

impl Logic for FrequentChange {
    fn check(&self) -> Vec<ParamIssue> {
        Checks::default().at_least_one("min_changes", self.min_changes).window("window", self.window).done()
    }
    fn judge(&self, input: &Input<'_>) -> Outcome {
        let Some(user) = input.user() else {
            return Outcome::missing("user profile");
        };
        let span = self.window.ending(input.now());
        let changes = user.address_changes.iter().filter(|c| span.contains(c.at));
        // Neither the cities nor the run of days can outnumber the changes:
        // with fewer than N the rule cannot fire, and nothing is counted.
        if u32::try_from(changes.clone().count()).unwrap_or(u32::MAX) < self.min_changes {
            return Outcome::NotFired;
        }
        let cities = distinct(changes.clone().filter_map(|c| c.city.as_deref())).len();
        let cities = u32::try_from(cities).unwrap_or(u32::MAX);
        let run = Self::longest_run(input, changes.clone());
        if cities < self.min_changes && run < self.min_changes {
            return Outcome::NotFired;
        }
        let lockers = changes
            .clone()
            .filter(|c| c.detail.as_deref().is_some_and(|d| input.reference().locker(d).is_some()))
            .count();
        let first_day = changes.clone().map(|c| input.local(c.at).date()).min();
        let first_day = Fact::written(|w| match first_day {
            Some(d) => write!(w, "{}-{:02}-{:02}", d.year(), d.month(), d.day()),
            None => Ok(()),
        });
        Outcome::Fired(Finding::deferred(
            ids::ADDRESS_FREQUENT_CHANGE,
            facts([run.into(), cities.into(), lockers.into(), first_day, self.window.into(), self.min_changes.into()]),
            |[run, cities, lockers, first_day, window, limit, ..]| {
                Text::new(
                    format!("{window} 内收货地址连续 {run} 天变更，涉及 {cities} 个城市（其中快递柜 {lockers} 次）"),
                    format!(
                        "shipping address changed on {run} consecutive days, to {cities} cities, within {window} ({lockers} to parcel lockers)"
                    ),
                )
                .evidence("consecutive_days", run, Some(limit))
                .evidence("distinct_cities", cities, Some(limit))
                .evidence("locker_addresses", lockers, None::<&str>)
                .evidence("first_change_day", first_day, None::<&str>)
            },
        ))
    }
}
