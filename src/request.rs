//! One evaluation request as JSON: `{"order": {...}, "context": {...}}`, the
//! line format of the `score` example and of queues that feed the engine.

use serde::{Deserialize, Serialize};

use crate::context::EvalContext;
use crate::model::Order;
use crate::text::{safe_message, safe_name, safe_path, without_bom, without_values};

/// An order with the context to judge it in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct EvalRequest {
    /// The order.
    pub order: Order,
    /// Its context.
    pub context: EvalContext,
}

impl EvalRequest {
    /// `order` to be judged in `context`.
    pub fn new(order: Order, context: EvalContext) -> Self {
        EvalRequest { order, context }
    }
}

/// JSON that is not what was expected, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", path_prefix(path), position(*line, *column))]
#[non_exhaustive]
pub struct JsonError {
    /// The JSON path of the problem (`order.items[0].quantity`), empty at the top.
    pub path: String,
    /// 1-based line within the text; 0 when not known (an unknown field
    /// found by a strict read is named by its path).
    pub line: usize,
    /// 1-based column; 0 when not known.
    pub column: usize,
    /// What serde said, without the values it quoted.
    pub message: String,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() || path == "." { String::new() } else { format!("at `{path}`, ") }
}

fn position(line: usize, column: usize) -> String {
    if line == 0 { String::new() } else { format!("line {line}, column {column}: ") }
}

/// Parses any serde type from JSON text, naming the JSON path of an error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let de = &mut serde_json::Deserializer::from_str(without_bom(text));
    let value: T = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        json_error(if path == "." { String::new() } else { path }, &e.into_inner())
    })?;
    // Trailing characters after the value are an error too.
    de.end().map_err(|e| json_error(String::new(), &e))?;
    Ok(value)
}

/// A path as `serde_path_to_error` writes it: `order.items[0].sku_name`.
fn write_path(path: &serde_ignored::Path<'_>, out: &mut String) {
    use serde_ignored::Path;
    match path {
        Path::Root => {}
        Path::Seq { parent, index } => {
            write_path(parent, out);
            out.push_str(&format!("[{index}]"));
        }
        Path::Map { parent, key } => {
            write_path(parent, out);
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(key);
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            write_path(parent, out);
        }
    }
}

/// [`from_json`], refusing fields the type does not know (data inputs
/// otherwise ignore them, as exports carry fields of their own).
pub(crate) fn from_json_strict<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let mut unknown: Option<String> = None;
    let value: T = {
        let de = &mut serde_json::Deserializer::from_str(without_bom(text));
        let mut note = |path: serde_ignored::Path<'_>| {
            unknown.get_or_insert_with(|| {
                let mut out = String::new();
                write_path(&path, &mut out);
                out
            });
        };
        let ignoring = serde_ignored::Deserializer::new(&mut *de, &mut note);
        let value = serde_path_to_error::deserialize(ignoring).map_err(|e| {
            let path = e.path().to_string();
            json_error(if path == "." { String::new() } else { path }, &e.into_inner())
        })?;
        de.end().map_err(|e| json_error(String::new(), &e))?;
        value
    };
    match unknown {
        None => Ok(value),
        Some(path) => {
            let field = path.rsplit(['.', ']']).next().unwrap_or(&path).to_owned();
            let message = format!("unknown field `{}` (strict read)", safe_name(&field));
            Err(JsonError { path: safe_path(&path), line: 0, column: 0, message })
        }
    }
}

fn json_error(path: String, e: &serde_json::Error) -> JsonError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; keep the message itself,
    // without the values it quotes (an order's fields are personal data).
    let message = safe_message(&without_values(message.split(" at line ").next().unwrap_or(&message)));
    JsonError { path: safe_path(&path), line: e.line(), column: e.column(), message }
}

impl JsonError {
    /// The error as seen from a file of JSON lines, where this text was line
    /// `line_no`: `line 3, column 19, at `order`: missing field `user_id``.
    pub fn at_line(&self, line_no: usize) -> String {
        let at = if self.path.is_empty() { String::new() } else { format!(", at `{}`", self.path) };
        let column = if self.column == 0 { String::new() } else { format!(", column {}", self.column) };
        format!("line {line_no}{column}{at}: {}", self.message)
    }
}

/// Parses one JSON text as any serde type, with the crate's error: the
/// JSON path and position of a problem and what was wrong, never the value
/// (input lines carry personal data). Fields the type does not know are
/// ignored unless it says otherwise. For a host's own line formats beside
/// the crate's (a labels file, say).
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Label { order_id: String, abnormal: bool }
///
/// let e = order_anomaly::parse_json::<Label>(r#"{"order_id": "SO-1", "abnormal": "13800138000"}"#).err().unwrap();
/// assert_eq!(e.path, "abnormal");
/// assert!(!e.at_line(3).contains("13800138000"));
/// ```
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    from_json(text)
}

impl EvalRequest {
    /// Parses one request from JSON. Fields the crate does not know are
    /// ignored: an OMS export's `status` or `channel` does not cost the
    /// order its assessment.
    pub fn from_json(text: &str) -> Result<EvalRequest, JsonError> {
        from_json(text)
    }

    /// [`EvalRequest::from_json`], refusing any field the crate does not
    /// know, named by its path (`order.status`).
    pub fn from_json_strict(text: &str) -> Result<EvalRequest, JsonError> {
        from_json_strict(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_path() {
        let e = EvalRequest::from_json(
            r#"{"order":{"id":"a","user_id":"u","created_at":"2026-01-01T00:00:00Z","payable_amount":"1","items":[{"product_id":"p","unit_price":"1","quantity":"x"}]},"context":{"now":"2026-01-01T00:00:00Z"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "order.items[0].quantity");
        assert!(e.to_string().starts_with("at `order.items[0].quantity`, line 1, column"), "{e}");
        let e = EvalRequest::from_json("{\"order\": ").unwrap_err();
        assert!(e.message.contains("EOF"), "{e}");
        let e = EvalRequest::from_json(r#"{"order":{}, "contxt":{}}"#).unwrap_err();
        assert!(e.to_string().contains("missing field") || e.to_string().contains("unknown field"), "{e}");
    }

    const WITH_EXTRAS: &str = r#"{"order":{"id":"a","user_id":"u","created_at":"2026-01-01T00:00:00Z","payable_amount":"1","items":[{"product_id":"p","unit_price":"1","quantity":1,"sku_name":"x"}],"status":"paid","channel":"app"},"context":{"now":"2026-01-01T00:00:00Z","tenant":"t1"},"trace_id":"abc"}"#;

    #[test]
    fn unknown_fields_are_ignored_unless_strict() {
        let r = EvalRequest::from_json(WITH_EXTRAS).unwrap();
        assert_eq!(r.order.id, "a");
        let e = EvalRequest::from_json_strict(WITH_EXTRAS).unwrap_err();
        assert_eq!(e.path, "order.items[0].sku_name");
        assert_eq!(e.to_string(), "at `order.items[0].sku_name`, unknown field `sku_name` (strict read)");
        assert_eq!(e.at_line(3), "line 3, at `order.items[0].sku_name`: unknown field `sku_name` (strict read)");
    }

    #[test]
    fn errors_do_not_echo_personal_data() {
        let e = EvalRequest::from_json(
            r#"{"order":{"id":"a","user_id":"u","created_at":"2026-01-01T00:00:00Z","payable_amount":"李娜 13800138351 北京市","items":[]},"context":{"now":"2026-01-01T00:00:00Z"}}"#,
        )
        .unwrap_err();
        let shown = e.to_string();
        assert_eq!(e.path, "order.payable_amount");
        assert!(!shown.contains("李娜") && !shown.contains("13800138351"), "{shown}");
        assert!(shown.contains("invalid"), "{shown}");
        let e = EvalRequest::from_json(r#"{"order":{"id":13800138351}}"#).unwrap_err();
        assert!(!e.to_string().contains("13800138351"), "{e}");
    }
}
