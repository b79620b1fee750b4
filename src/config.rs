//! Rule sets as files: everything the [`EngineBuilder`] can say, as JSON.
//!
//! ```json
//! {
//!   "name": "strict-shop", "version": "3",
//!   "thresholds": {"review": 25, "hold": 50},
//!   "rules": {
//!     "payment.large_amount": {"points": 25, "params": {"threshold": "3000"}},
//!     "contact.recipient_mismatch": {"shadow": true}
//!   },
//!   "composites": [{
//!     "id": "custom.big_order_new_buyer", "points": 40, "action": "review",
//!     "when": {"all": [{"compare": {"attribute": "payable_amount", "op": ">=", "value": 2000}},
//!                      {"compare": {"attribute": "user_order_count", "op": "==", "value": 0}}]},
//!     "message": {"zh": "新用户大额订单", "en": "large first order"}
//!   }]
//! }
//! ```
//!
//! Every field is optional except `name` and `version`: what a file does not
//! say keeps the catalogue's default. Loading checks everything and reports
//! every problem at once, each with the JSON path or rule id it concerns:
//! malformed JSON (with line and column), unknown fields, unknown rule ids
//! (with a suggestion), wrong types, out-of-range parameters and thresholds,
//! empty keywords, composites that name themselves, unknown rules, or rules
//! declared after them. Nothing is silently ignored or clamped.
//!
//! [`Engine::config`](crate::Engine::config) writes an engine's effective
//! configuration back out; loading it gives an engine that assesses every
//! order identically, and reports the same content hash.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::engine::{BuildProblem, Engine, EngineBuilder};
use crate::rules::composite::Composite;
use crate::rules::{builtin_with_params, ids, is_builtin};
use crate::ruleset::default_country;
pub use crate::ruleset::{Reference, RuleConfig, RuleSet};
use crate::text::{safe_message, safe_path, suggest, without_bom, without_values};

/// One thing wrong with a rule set, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProblem {
    /// The JSON path (`rules.payment.large_amount.params.threshold`), or empty.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The 1-based line and column of the value at `path`, where the format
    /// keeps them (TOML files; JSON syntax errors carry them in `message`).
    pub position: Option<(usize, usize)>,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.position) {
            (true, _) => f.write_str(&self.message),
            (false, None) => write!(f, "at `{}`: {}", self.path, self.message),
            (false, Some((line, column))) => {
                write!(f, "at `{}` (line {line}, column {column}): {}", self.path, self.message)
            }
        }
    }
}

/// A rule set that cannot be loaded, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    source_name: String,
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    fn new(source_name: &str, problems: Vec<ConfigProblem>) -> Self {
        ConfigError { source_name: source_name.to_owned(), problems }
    }
    /// The problems, in the order found.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "rule set {} has {n} problem{}", self.source_name, if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
#[cfg(feature = "toml")]
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count().saturating_add(1);
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()).saturating_add(1);
    (line, column)
}

/// Fills in the line and column of each problem's path in a TOML file.
#[cfg(feature = "toml")]
fn locate_in_toml(text: &str, problems: &mut [ConfigProblem]) {
    use toml::de::{DeTable, DeValue};
    let Ok(doc) = DeTable::parse(text) else { return };
    for p in problems.iter_mut().filter(|p| !p.path.is_empty()) {
        // Path segments: `a.b[2].c`; rule ids contain dots, so at each table
        // the longest run of segments that is one of its keys is taken.
        let segments: Vec<&str> = p.path.split('.').collect();
        let mut table = Some(doc.get_ref());
        let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
        let mut rest = segments.as_slice();
        while let (Some(t), false) = (table, rest.is_empty()) {
            let found = (1..=rest.len()).rev().find_map(|k| {
                let (head, tail) = rest.split_at_checked(k)?;
                let joined = head.join(".");
                let (key, index) = match joined.split_once('[') {
                    Some((key, i)) => (key.to_owned(), Some(i.strip_suffix(']')?.parse::<usize>().ok()?)),
                    None => (joined, None),
                };
                let v = t.get(key.as_str())?;
                let v = match (index, v.get_ref()) {
                    (Some(i), DeValue::Array(a)) => a.get(i)?,
                    (Some(_), _) => return None,
                    (None, _) => v,
                };
                Some((v, tail))
            });
            let Some((v, tail)) = found else { break };
            value = Some(v);
            rest = tail;
            table = match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            };
        }
        if let Some(v) = value {
            p.position = Some(line_column(text, v.span().start));
        }
    }
}

/// A file's text and its name for messages.
fn read_file(path: &Path) -> Result<(String, String), ConfigError> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, name)),
        Err(e) => {
            let problem = ConfigProblem { path: String::new(), message: format!("cannot read: {e}"), position: None };
            Err(ConfigError::new(&name, vec![problem]))
        }
    }
}

/// The paths of keys that appear twice in one object of JSON `text` (valid
/// JSON: it has been parsed), each once, in the order found. One pass.
fn duplicate_keys(text: &str) -> Vec<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Walk<'a> {
        path: String,
        found: &'a mut Vec<String>,
    }
    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = join(&self.path, &key);
                if !keys.insert(key) {
                    self.found.push(path.clone());
                }
                map.next_value_seed(Walk { path, found: &mut *self.found })?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while seq
                .next_element_seed(Walk { path: format!("{}[{i}]", self.path), found: &mut *self.found })?
                .is_some()
            {
                i = i.saturating_add(1);
            }
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut found = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    // The text has parsed as JSON already: nothing here can fail.
    let _ = Walk { path: String::new(), found: &mut found }.deserialize(&mut de);
    let mut once = HashSet::new();
    found.retain(|p| once.insert(p.clone()));
    found
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

/// Collects problems while a rule set is read.
#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    /// Records a problem; names from the input in its path and message
    /// are shown safely (no control characters, no long digit runs, cut
    /// short).
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        let (path, message) = (safe_path(&path.into()), safe_message(&message.into()));
        self.0.push(ConfigProblem { path, message, position: None });
    }

    /// Deserialises `v` as a `T`, recording a problem with its full path.
    fn parse<T: DeserializeOwned>(&mut self, path: &str, v: &Value) -> Option<T> {
        Self::attempt(path, v).map_err(|(full, message)| self.push(full, message)).ok()
    }

    /// Deserialises `v` as a `T`; the problem's full path and message if
    /// it does not read.
    fn attempt<T: DeserializeOwned>(path: &str, v: &Value) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
            let inner = e.path().to_string();
            let full = if inner == "." { path.to_owned() } else { join(path, &inner) };
            let message = e.into_inner().to_string();
            // List values are personal data (phones, addresses): their
            // errors say what is wrong, not what the value was.
            let message = if full.starts_with("lists") { without_values(&message) } else { message };
            (full, message)
        })
    }

    /// [`Problems::parse`] for a `T` whose fields are all optional (a
    /// rule's settings): when `v` does not read, each of its fields is read
    /// on its own, so that every bad field is reported, not the first.
    fn parse_each_field<T: DeserializeOwned>(&mut self, path: &str, v: &Value) -> Option<T> {
        let whole = Self::attempt(path, v);
        let (Err(first), Some(fields)) = (&whole, v.as_object()) else {
            return whole.map_err(|e| self.push(e.0, e.1)).ok();
        };
        let before = self.0.len();
        for (k, field) in fields {
            let alone = Value::Object([(k.clone(), field.clone())].into_iter().collect());
            if let Err((full, message)) = Self::attempt::<T>(path, &alone) {
                self.push(full, message);
            }
        }
        if self.0.len() == before {
            self.push(first.0.clone(), first.1.clone());
        }
        None
    }

    /// The lists: when they do not read, each entry is read on its own, so
    /// that every bad entry is reported, not the first.
    fn parse_lists(&mut self, v: &Value) -> Option<crate::lists::Lists> {
        let whole = Self::attempt::<crate::lists::Lists>("lists", v);
        let (Err(first), Some(fields)) = (&whole, v.as_object()) else {
            return whole.map_err(|e| self.push(e.0, e.1)).ok();
        };
        let before = self.0.len();
        for (k, field) in fields {
            let path = join("lists", k);
            let entries = field.as_array().map(Vec::as_slice).unwrap_or_default();
            for (i, entry) in entries.iter().enumerate() {
                let at = format!("{path}[{i}]");
                let read = match k.as_str() {
                    "block" => Self::attempt::<crate::lists::BlockEntry>(&at, entry).map(|_| ()),
                    "allow" => Self::attempt::<crate::lists::AllowEntry>(&at, entry).map(|_| ()),
                    "fraud_phones" => Self::attempt::<String>(&at, entry).map(|_| ()),
                    _ => Ok(()),
                };
                if let Err((full, message)) = read {
                    self.push(full, message);
                }
            }
        }
        if self.0.len() == before {
            self.push(first.0.clone(), first.1.clone());
        }
        None
    }
}

const TOP_LEVEL: [&str; 10] = [
    "name",
    "version",
    "description",
    "thresholds",
    "default_country",
    "reveal_personal_data",
    "reference",
    "lists",
    "rules",
    "composites",
];

impl RuleSet {
    /// The default rule set: exactly what [`Engine::default`] runs.
    pub fn builtin() -> RuleSet {
        Engine::default().config()
    }

    /// Reads a rule set from JSON text. `source_name` (a file name, say)
    /// appears in the error. Checks structure and types; [`RuleSet::build`]
    /// checks the rest. [`Engine::from_config_str`] does both.
    pub fn from_json(text: &str, source_name: &str) -> Result<RuleSet, ConfigError> {
        let (set, p) = Self::read(text, source_name)?;
        if p.0.is_empty() { Ok(set) } else { Err(ConfigError::new(source_name, p.0)) }
    }

    /// Parses JSON (a syntax error ends it) and reads every section, giving a
    /// rule set with defaults where a section was bad, and the problems.
    fn read(text: &str, source_name: &str) -> Result<(RuleSet, Problems), ConfigError> {
        let text = without_bom(text);
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let at = format!("line {}, column {}: {message}", e.line(), e.column());
            ConfigError::new(source_name, vec![ConfigProblem { path: String::new(), message: at, position: None }])
        })?;
        let mut p = Problems::default();
        // serde_json keeps the last of two equal keys: in a rule set that
        // silently drops the first entry (its threshold, say).
        for path in duplicate_keys(text) {
            p.push(path, "this key appears twice in its object: the later one would replace the earlier");
        }
        let set = Self::from_value(&value, &mut p);
        Ok((set, p))
    }

    /// Reads a rule set from TOML text (feature `toml`): the same fields as
    /// the JSON form, checked the same way.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str, source_name: &str) -> Result<RuleSet, ConfigError> {
        let (set, mut p) = Self::read_toml(text, source_name)?;
        if p.0.is_empty() {
            return Ok(set);
        }
        locate_in_toml(without_bom(text), &mut p.0);
        Err(ConfigError::new(source_name, p.0))
    }

    #[cfg(feature = "toml")]
    fn read_toml(text: &str, source_name: &str) -> Result<(RuleSet, Problems), ConfigError> {
        let text = without_bom(text);
        let value: Value = toml::from_str(text).map_err(|e| {
            // Some errors (a recursion limit) have no place in the text.
            let message = match e.span().map(|s| line_column(text, s.start)) {
                Some((line, column)) => format!("line {line}, column {column}: {}", e.message()),
                None => e.message().to_owned(),
            };
            ConfigError::new(source_name, vec![ConfigProblem { path: String::new(), message, position: None }])
        })?;
        let mut p = Problems::default();
        let set = Self::from_value(&value, &mut p);
        Ok((set, p))
    }

    /// Reads text and checks everything, structure and meaning, at once.
    fn load(text: &str, source_name: &str) -> Result<Engine, ConfigError> {
        #[cfg(feature = "toml")]
        let (set, mut p) = if source_name.ends_with(".toml") {
            Self::read_toml(text, source_name)?
        } else {
            Self::read(text, source_name)?
        };
        #[cfg(not(feature = "toml"))]
        let (set, mut p) = Self::read(text, source_name)?;
        let built = set.build_collecting(&mut p);
        match built {
            Some(engine) if p.0.is_empty() => Ok(engine),
            _ => {
                #[cfg(feature = "toml")]
                if source_name.ends_with(".toml") {
                    locate_in_toml(without_bom(text), &mut p.0);
                }
                Err(ConfigError::new(source_name, p.0))
            }
        }
    }

    /// Reads a rule set from a file: JSON, or TOML for a name ending in
    /// `.toml` (feature `toml`).
    pub fn from_path(path: impl AsRef<Path>) -> Result<RuleSet, ConfigError> {
        let (text, name) = read_file(path.as_ref())?;
        #[cfg(feature = "toml")]
        if name.ends_with(".toml") {
            return Self::from_toml(&text, &name);
        }
        Self::from_json(&text, &name)
    }

    /// Reads each section on its own, so that one bad section does not hide
    /// the problems of the others.
    fn from_value(v: &Value, p: &mut Problems) -> RuleSet {
        let empty = serde_json::Map::new();
        let obj = match v.as_object() {
            Some(o) => o,
            None => {
                p.push("", "a rule set must be a JSON object");
                &empty
            }
        };
        for key in obj.keys().filter(|k| !TOP_LEVEL.contains(&k.as_str())) {
            let hint =
                suggest(key, TOP_LEVEL.iter().copied()).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            p.push(key.as_str(), format!("unknown field `{key}`{hint}"));
        }
        let field = |key: &str| obj.get(key);
        let name = match field("name") {
            Some(v) => p.parse::<String>("name", v),
            None => {
                p.push("name", "missing field `name`");
                None
            }
        };
        let version = match field("version") {
            Some(v) => p.parse::<String>("version", v),
            None => {
                p.push("version", "missing field `version`");
                None
            }
        };
        let description = field("description").and_then(|v| p.parse::<Option<String>>("description", v)).flatten();
        // A bad section is recorded and replaced by its default, so that the
        // checks of everything else still run.
        let thresholds = field("thresholds").and_then(|v| p.parse("thresholds", v)).unwrap_or_default();
        let default_country =
            field("default_country").and_then(|v| p.parse("default_country", v)).unwrap_or_else(default_country);
        let reveal = field("reveal_personal_data").and_then(|v| p.parse("reveal_personal_data", v)).unwrap_or(false);
        let reference = field("reference").and_then(|v| p.parse("reference", v)).unwrap_or_default();
        let lists = field("lists").and_then(|v| p.parse_lists(v)).unwrap_or_default();
        let mut rules = BTreeMap::new();
        match field("rules") {
            None => {}
            Some(Value::Object(m)) => {
                for (id, cfg) in m {
                    if let Some(c) = p.parse_each_field::<RuleConfig>(&join("rules", id), cfg) {
                        rules.insert(id.clone(), c);
                    }
                }
            }
            Some(_) => p.push("rules", "must be an object of rule ids"),
        }
        let mut composites = Vec::new();
        match field("composites") {
            None => {}
            Some(Value::Array(a)) => {
                for (i, c) in a.iter().enumerate() {
                    if let Some(c) = p.parse::<Composite>(&format!("composites[{i}]"), c) {
                        composites.push(c);
                    }
                }
            }
            Some(_) => p.push("composites", "must be an array of composite rules"),
        }
        RuleSet {
            name: name.unwrap_or_default(),
            version: version.unwrap_or_default(),
            description,
            thresholds,
            default_country,
            reveal_personal_data: reveal,
            reference,
            lists,
            rules,
            composites,
        }
    }

    /// An engine builder holding this rule set, for adding rules of your own
    /// code before building.
    pub fn builder(&self) -> Result<EngineBuilder, ConfigError> {
        let mut p = Problems::default();
        let b = self.builder_checked(&mut p);
        if p.0.is_empty() { Ok(b) } else { Err(ConfigError::new(&format!("`{}`", self.name), p.0)) }
    }

    /// Builds the engine, reporting every problem at once.
    pub fn build(&self) -> Result<Engine, ConfigError> {
        let mut p = Problems::default();
        match self.build_collecting(&mut p) {
            Some(engine) if p.0.is_empty() => Ok(engine),
            _ => Err(ConfigError::new(&format!("`{}`", self.name), p.0)),
        }
    }

    fn build_collecting(&self, p: &mut Problems) -> Option<Engine> {
        match self.builder_checked(p).build() {
            Ok(engine) => Some(engine),
            Err(e) => {
                // A parameter problem of a rule configured in the file was
                // already reported at its path: each problem is reported once.
                let reported: HashSet<String> = p.0.iter().map(|q| q.path.clone()).collect();
                for problem in e.problems() {
                    if let BuildProblem::Parameter { rule, field, .. } = problem {
                        if reported.contains(&join(&join(&join("rules", rule), "params"), field)) {
                            continue;
                        }
                    }
                    p.push("", problem.to_string());
                }
                None
            }
        }
    }

    fn builder_checked(&self, p: &mut Problems) -> EngineBuilder {
        let mut b = Engine::builder()
            .ruleset(self.name.clone(), self.version.clone())
            .thresholds(self.thresholds)
            .default_country(self.default_country.clone())
            .reveal_personal_data(self.reveal_personal_data)
            .remote_regions(self.reference.remote_regions.clone())
            .locker_keywords(self.reference.locker_keywords.clone())
            .lists(self.lists.clone());
        let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
        let cycles = self.composite_cycles();
        for (i, c) in self.composites.iter().enumerate() {
            let path = format!("composites[{i}]");
            // Two definitions of one id would otherwise leave the last one in
            // force without a word.
            let first = *first_at.entry(c.id.as_str()).or_insert(i);
            if first != i {
                p.push(join(&path, "id"), format!("composite `{}` is already defined at `composites[{first}]`", c.id));
                continue;
            }
            if is_builtin(&c.id) {
                p.push(
                    join(&path, "id"),
                    format!("`{}` is a built-in rule id; a composite needs an id of its own", c.id),
                );
                continue;
            }
            // A cycle is one problem, reported at its first composite; the
            // others on it are left out without repeating it.
            match cycles.get(&i) {
                Some(Some(cycle)) => {
                    p.push(join(&path, "when"), format!("composite `{}` forms a cycle: {cycle}", c.id));
                    continue;
                }
                Some(None) => continue,
                None => {}
            }
            b = b.composite(c.clone());
        }
        let known = |id: &str| is_builtin(id) || first_at.contains_key(id);
        for (path, id) in self.lists.unknown_allow_rules(&known) {
            let candidates = ids::ALL.iter().copied().chain(self.composites.iter().map(|c| c.id.as_str()));
            let hint = suggest(&id, candidates).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            p.push(join("lists", &path), format!("unknown rule id `{id}`{hint}"));
        }
        for (id, cfg) in &self.rules {
            let path = join("rules", id);
            let declared = first_at.contains_key(id.as_str());
            if !is_builtin(id) && !declared {
                let known = ids::ALL.iter().copied().chain(self.composites.iter().map(|c| c.id.as_str()));
                let hint = suggest(id, known).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                p.push(path, format!("unknown rule id `{id}`{hint}"));
                continue;
            }
            if let Some(params) = &cfg.params {
                if declared {
                    p.push(join(&path, "params"), "a composite's definition is in `composites`, not `params`");
                } else {
                    match builtin_with_params(id, params) {
                        Some(Ok(rule)) => {
                            for issue in rule.validate() {
                                p.push(join(&join(&path, "params"), &issue.field), issue.reason);
                            }
                            b = b.rule_arc(rule);
                        }
                        Some(Err(e)) => p.push(join(&path, "params"), e),
                        None => {}
                    }
                }
            }
            if let Some(points) = cfg.points {
                b = b.points(id, points);
            }
            if let Some(a) = cfg.action {
                b = b.action(id, a);
            }
            if let Some(e) = cfg.enabled {
                b = if e { b.enable(id) } else { b.disable(id) };
            }
            if let Some(s) = cfg.shadow {
                b = b.shadow(id, s);
            }
        }
        b
    }

    /// The composites that lie on a cycle of `fired` references, by index:
    /// the first of each cycle (in file order) with the cycle as
    /// `a -> b -> a`, the others with `None`.
    ///
    /// One depth-first search over all composites (Tarjan's strongly
    /// connected components), then one breadth-first search per cycle to
    /// name it: linear in the number of references, where walking every
    /// path from every composite was exponential.
    fn composite_cycles(&self) -> BTreeMap<usize, Option<String>> {
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(self.composites.len());
        for (i, c) in self.composites.iter().enumerate() {
            index.entry(c.id.as_str()).or_insert(i);
        }
        let edges: Vec<Vec<usize>> = self
            .composites
            .iter()
            .map(|c| c.when.rules().into_iter().filter_map(|r| index.get(r.as_str()).copied()).collect())
            .collect();
        let mut found = BTreeMap::new();
        for component in strongly_connected(&edges) {
            // A composite naming only itself is the builder's problem ("builds
            // on itself"), reported there.
            if component.len() < 2 {
                continue;
            }
            let Some(&first) = component.iter().min() else { continue };
            let members: HashSet<usize> = component.iter().copied().collect();
            let name = |i: usize| self.composites.get(i).map_or("", |c| c.id.as_str());
            let cycle = cycle_through(first, &edges, &members).into_iter().map(name).collect::<Vec<_>>().join(" -> ");
            for &i in &component {
                found.insert(i, (i == first).then(|| cycle.clone()));
            }
        }
        found
    }
}

/// The strongly connected components of a graph given as adjacency lists
/// (Tarjan's algorithm, iterative so a long chain cannot overflow the stack).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut order = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0usize;
    for root in 0..n {
        if order.get(root).copied() != Some(usize::MAX) {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && order.get(v).copied() == Some(usize::MAX) {
                set(&mut order, v, next);
                set(&mut low, v, next);
                next = next.saturating_add(1);
                stack.push(v);
                set(&mut on_stack, v, true);
            }
            let succ = edges.get(v).and_then(|s| s.get(*e)).copied();
            *e = e.saturating_add(1);
            match succ {
                Some(w) if order.get(w).copied() == Some(usize::MAX) => work.push((w, 0)),
                Some(w) => {
                    if on_stack.get(w).copied().unwrap_or(false) {
                        let m = low.get(v).copied().unwrap_or(0).min(order.get(w).copied().unwrap_or(0));
                        set(&mut low, v, m);
                    }
                }
                None => {
                    work.pop();
                    if let Some(&(parent, _)) = work.last() {
                        let m = low.get(parent).copied().unwrap_or(0).min(low.get(v).copied().unwrap_or(0));
                        set(&mut low, parent, m);
                    }
                    if low.get(v) == order.get(v) {
                        let mut component = Vec::new();
                        while let Some(w) = stack.pop() {
                            set(&mut on_stack, w, false);
                            component.push(w);
                            if w == v {
                                break;
                            }
                        }
                        components.push(component);
                    }
                }
            }
        }
    }
    components
}

/// `v[i] = x`, for the vectors above whose indices are in range by construction.
fn set<T>(v: &mut [T], i: usize, x: T) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

/// A shortest cycle from `start` back to itself inside `members` (a strongly
/// connected component, so there is one): breadth-first, linear in its size.
fn cycle_through(start: usize, edges: &[Vec<usize>], members: &HashSet<usize>) -> Vec<usize> {
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges.get(v).into_iter().flatten() {
            if w == start {
                let mut back = Vec::new();
                let mut at = v;
                while at != start {
                    back.push(at);
                    at = parent.get(&at).copied().unwrap_or(start);
                }
                back.reverse();
                return std::iter::once(start).chain(back).chain(std::iter::once(start)).collect();
            }
            if members.contains(&w) && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

impl Engine {
    /// Builds an engine from a rule set.
    pub fn from_config(set: &RuleSet) -> Result<Engine, ConfigError> {
        set.build()
    }

    /// Builds an engine from rule-set JSON, reporting every problem at once.
    pub fn from_config_str(text: &str) -> Result<Engine, ConfigError> {
        RuleSet::load(text, "<string>")
    }

    /// Builds an engine from a rule-set file: JSON, or TOML for a name
    /// ending in `.toml` (feature `toml`).
    pub fn from_config_path(path: impl AsRef<Path>) -> Result<Engine, ConfigError> {
        let (text, name) = read_file(path.as_ref())?;
        RuleSet::load(&text, &name)
    }
}
