//! JSON Schema of the crate's input and output formats (feature `schema`),
//! so that producers in other languages can validate what they send.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema, schema_for};

use crate::assessment::Assessment;
use crate::lists::{Lists, ListsData};
use crate::request::EvalRequest;
use crate::ruleset::RuleSet;
use crate::time::{UtcOffset, Window};

impl JsonSchema for Window {
    fn schema_name() -> Cow<'static, str> {
        "Window".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[smhd]$",
            "description": "A look-back window: a whole number and a unit s, m, h or d, such as `30d`."
        })
    }
}

impl JsonSchema for UtcOffset {
    fn schema_name() -> Cow<'static, str> {
        "UtcOffset".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[+-][0-9]{2}:[0-9]{2}$",
            "description": "A UTC offset such as `+08:00`."
        })
    }
}

impl JsonSchema for Lists {
    fn schema_name() -> Cow<'static, str> {
        "Lists".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        ListsData::json_schema(g)
    }
}

/// The schema of one input line: `{"order": ..., "context": ...}`.
pub fn request() -> Schema {
    schema_for!(EvalRequest)
}

/// The schema of one history event (a line of an event export):
/// [`Event`](crate::profile::Event).
pub fn event() -> Schema {
    schema_for!(crate::profile::Event)
}

/// The schema of a rule-set file.
pub fn rule_set() -> Schema {
    schema_for!(RuleSet)
}

/// The schema of an assessment as the engine writes it.
pub fn assessment() -> Schema {
    schema_for!(Assessment)
}
