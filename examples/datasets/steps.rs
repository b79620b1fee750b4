//! What a dataset adapter produces: events and assessment points in time order.
#![allow(dead_code)]

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use order_anomaly::UtcOffset;
use order_anomaly::profile::Event;

/// One step of a replay, in time order.
pub enum Step {
    /// Fold an event in (an `order_placed` is assessed first, as it is placed).
    Event(Event),
    /// Assess a stored order again at a later stage.
    Assess { order_id: String, at: DateTime<Utc> },
}

impl Step {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Step::Event(e) => e.at,
            Step::Assess { at, .. } => *at,
        }
    }
}

/// What an adapter produces.
pub struct Replay {
    pub name: &'static str,
    pub steps: Vec<Step>,
    pub offset: UtcOffset,
    /// Notes on the mapping, printed with the summary.
    pub notes: Vec<String>,
    /// For backtests: whether each labelled order turned out abnormal
    /// (orders without a label feed the profiles only).
    pub labels: HashMap<String, bool>,
}
