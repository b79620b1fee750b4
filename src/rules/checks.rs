//! Checks of rule parameters, shared by the built-in rules' `validate`.

use rust_decimal::Decimal;

use crate::time::Window;
use crate::vocab::ParamIssue;

/// Collects parameter problems for a rule's `validate`.
#[derive(Debug, Default)]
pub(crate) struct Checks(Vec<ParamIssue>);

impl Checks {
    pub(crate) fn window(mut self, field: &'static str, w: Window) -> Self {
        if w.as_secs() == 0 {
            self.0.push(ParamIssue::new(field, "must be a window longer than zero"));
        }
        self
    }
    pub(crate) fn at_least_one(mut self, field: &'static str, n: u32) -> Self {
        if n == 0 {
            self.0.push(ParamIssue::new(field, "must be at least 1"));
        }
        self
    }
    pub(crate) fn non_negative(mut self, field: &'static str, d: Decimal) -> Self {
        if d.is_sign_negative() && !d.is_zero() {
            self.0.push(ParamIssue::new(field, format!("must not be negative, got {d}")));
        }
        self
    }
    pub(crate) fn rate(mut self, field: &'static str, d: Decimal) -> Self {
        if d < Decimal::ZERO || d > Decimal::ONE {
            self.0.push(ParamIssue::new(field, format!("must be a fraction from 0 to 1, got {d}")));
        }
        self
    }
    pub(crate) fn hour(mut self, field: &'static str, h: u32) -> Self {
        if h > 24 {
            self.0.push(ParamIssue::new(field, format!("must be an hour from 0 to 24, got {h}")));
        }
        self
    }
    pub(crate) fn non_empty<T>(mut self, field: &'static str, v: &[T]) -> Self {
        if v.is_empty() {
            self.0.push(ParamIssue::new(field, "must not be empty"));
        }
        self
    }
    pub(crate) fn issue(mut self, field: &'static str, bad: bool, reason: &str) -> Self {
        if bad {
            self.0.push(ParamIssue::new(field, reason));
        }
        self
    }
    pub(crate) fn done(self) -> Vec<ParamIssue> {
        self.0
    }
}
