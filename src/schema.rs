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
            "pattern": "^(?:Z|[Uu][Tt][Cc]|[+-](?:[01][0-9]|2[0-3])(?:[0-5][0-9]|:[0-5][0-9](?::[0-5][0-9])?))$",
            "description": "A UTC offset such as `+08:00`; also `+0800`, `+08:00:30` (with seconds), `Z` or `UTC`."
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::UtcOffset;

    /// The schema's pattern of a UTC offset accepts exactly what the parser
    /// does.
    #[test]
    fn the_utc_offset_pattern_agrees_with_the_parser() {
        let schema = serde_json::to_value(UtcOffset::json_schema(&mut SchemaGenerator::default())).unwrap();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        for s in ["+08:00", "-05:30", "+0800", "+08:00:30", "Z", "UTC", "utc", "+00:00", "-23:59"] {
            assert!(s.parse::<UtcOffset>().is_ok() && pattern.is_match(s), "{s} is read and matches");
        }
        for s in ["08:00", "+8:00", "+08", "+08:00:30:00", "z", "+080", "GMT", "+08:0", "+24:00", "+08:60", "+0800:30"]
        {
            assert!(s.parse::<UtcOffset>().is_err() && !pattern.is_match(s), "{s} is refused and does not match");
        }
    }
}
