//! Arithmetic on counts that cannot panic: the library denies plain `+`,
//! `-` and `/` (clippy's `arithmetic_side_effects`), so shares of counts and
//! counter increments go through here.

use rust_decimal::Decimal;

/// `part / whole` as an exact decimal, or `None` when `whole` is zero.
pub(crate) fn share(part: u64, whole: u64) -> Option<Decimal> {
    Decimal::from(part).checked_div(Decimal::from(whole))
}

/// How `part / whole` compares with `rate`, decided by multiplying (exact,
/// and no division on the path every order takes); `None` when `whole` is
/// zero. A `rate × whole` too large for a decimal is above any count.
pub(crate) fn compare_share(part: u64, whole: u64, rate: Decimal) -> Option<std::cmp::Ordering> {
    if whole == 0 {
        return None;
    }
    Some(
        rate.checked_mul(Decimal::from(whole))
            .map_or(std::cmp::Ordering::Less, |limit| Decimal::from(part).cmp(&limit)),
    )
}

/// Whether `part / whole >= rate` ([`compare_share`]); false when `whole` is zero.
pub(crate) fn share_at_least(part: u64, whole: u64, rate: Decimal) -> bool {
    compare_share(part, whole, rate).is_some_and(std::cmp::Ordering::is_ge)
}

/// `part / whole` as a float, or `None` when `whole` is zero.
#[allow(clippy::cast_precision_loss, reason = "a statistic: the nearest float is what is wanted")]
pub(crate) fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Adds one, stopping at the maximum instead of wrapping or panicking.
pub(crate) fn bump(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_ratios_of_nothing_are_none() {
        assert_eq!(share(1, 0), None);
        assert_eq!(ratio(1, 0), None);
        assert_eq!(share(1, 4), Some(Decimal::new(25, 2)));
        assert_eq!(ratio(1, 4), Some(0.25));
    }

    #[test]
    fn a_share_compares_exactly_without_dividing() {
        use std::cmp::Ordering::*;
        let half = Decimal::new(5, 1);
        assert_eq!(compare_share(5, 10, half), Some(Equal));
        assert_eq!(compare_share(4, 10, half), Some(Less));
        assert_eq!(compare_share(6, 10, half), Some(Greater));
        assert_eq!(compare_share(1, 0, half), None);
        // 1/3 against a rate a hair above it: a division rounded at 28
        // digits could call them equal.
        let third_up = "0.3333333333333333333333333334".parse().unwrap_or(Decimal::ONE);
        assert_eq!(compare_share(1, 3, third_up), Some(Less));
        // A limit too large for a decimal is above any count.
        assert_eq!(compare_share(u64::MAX, u64::MAX, Decimal::MAX), Some(Less));
        assert!(share_at_least(5, 10, half) && !share_at_least(4, 10, half) && !share_at_least(1, 0, half));
    }

    #[test]
    fn a_counter_saturates() {
        let mut c = u64::MAX;
        bump(&mut c);
        assert_eq!(c, u64::MAX);
    }
}
