//! The crate's modules form layers that only point down (the README's
//! "Architecture" section draws them). This test reads every source file,
//! finds each `crate::…` and `super::…` path outside comments and test
//! modules, and fails when a module names one in its own layer or above.

use std::collections::BTreeMap;
use std::path::Path;

/// Each module and its layer, lowest first. A module may use modules of
/// lower layers only; the files of one module (`model/*`, `profile/*`) may
/// use each other.
const LAYERS: &[(&str, u8)] = &[
    // Vocabulary, time, checked arithmetic, the numbering plan: depend on
    // nothing in the crate.
    ("vocab", 0),
    ("time", 0),
    ("num", 0),
    ("numbering", 0),
    ("rules::ids", 0),
    // Normalising and masking text (phones through the numbering plan); the
    // order models; the parameter checks of the built-in rules.
    ("text", 1),
    ("reason", 2),
    ("divisions", 2),
    ("model", 1),
    ("rules::checks", 1),
    // Lists and compiled reference data.
    ("lists", 2),
    ("reference", 2),
    ("context", 3),
    // What evaluation produces; the one-line request format.
    ("assessment", 4),
    ("request", 4),
    // The rule trait, how built-in rules are declared, the rules, their registry.
    ("rule", 5),
    ("observe", 5),
    ("rules::declare", 6),
    ("rules::address", 7),
    ("rules::aftersales", 7),
    ("rules::behavior", 7),
    ("rules::composite", 7),
    ("rules::contact", 7),
    ("rules::data", 7),
    ("rules::lists", 7),
    ("rules::logistics", 7),
    ("rules::payment", 7),
    ("rules::product", 7),
    ("rules", 8),
    // Rule sets as data, the engine, loading rule-set files.
    ("ruleset", 9),
    ("engine", 10),
    ("config", 11),
    // Around the engine.
    ("reload", 12),
    ("review", 12),
    ("profile", 12),
    ("backtest", 13),
    ("schema", 14),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The module a source file belongs to: `src/rules/payment.rs` is
/// `rules::payment`, `src/rules/mod.rs` is `rules`, `src/model/order.rs` is
/// `model` (a module's files count as one).
fn module_of(file: &str) -> String {
    let rel = file.trim_start_matches("src/").trim_end_matches(".rs");
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["rules", "mod"] => "rules".to_owned(),
        ["rules", sub] => format!("rules::{sub}"),
        [top, ..] => (*top).to_owned(),
        [] => String::new(),
    }
}

/// The module a path names: `crate::rules::ids::X` is `rules::ids`,
/// `crate::rules::builtin` is `rules`, `crate::model::Order` is `model`.
fn target(segments: &[&str]) -> Option<String> {
    let first = *segments.first()?;
    if first == "rules" {
        if let Some(sub) = segments.get(1).filter(|s| layer(&format!("rules::{s}")).is_some()) {
            return Some(format!("rules::{sub}"));
        }
    }
    Some(first.to_owned())
}

/// Source without comments and without `#[cfg(test)]` items (tests may reach
/// anywhere), joined into one string. The whole file is read: code after a
/// test module counts. An item under `#[cfg(test)]` ends at the `;` or the
/// brace that closes it (braces inside string literals are not told apart:
/// the crate's test modules hold none that do not balance).
fn code(text: &str) -> String {
    let mut out = String::new();
    // Inside a test item: the brace depth, and whether a brace opened yet.
    let mut skipping: Option<(i64, bool)> = None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("");
        if let Some((depth, opened)) = skipping.as_mut() {
            for c in line.chars() {
                match c {
                    '{' => (*depth, *opened) = (*depth + 1, true),
                    '}' => *depth -= 1,
                    _ => {}
                }
            }
            let ended_without_braces = !*opened && line.trim_end().ends_with(';');
            if (*opened && *depth <= 0) || ended_without_braces {
                skipping = None;
            }
            continue;
        }
        if line.trim() == "#[cfg(test)]" {
            skipping = Some((0, false));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The paths after `crate::` (or `$crate::`) and `super::`, each split into
/// segments, with `use a::{b::C, d}` groups expanded one level.
fn paths(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                found.push(segments(item));
            }
        } else {
            found.push(segments(rest));
        }
    }
    found.into_iter().filter(|s| !s.is_empty()).collect()
}

fn segments(s: &str) -> Vec<String> {
    let s = s.trim_start();
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(s.len());
    s[..end].split("::").filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// Every import from a module's own layer or above, as messages.
fn violations(file: &str, text: &str) -> Vec<String> {
    let from = module_of(file);
    let Some(own) = layer(&from) else {
        return vec![format!("{file}: module `{from}` has no layer in tests/layers.rs")];
    };
    let code = code(text);
    let mut targets: Vec<String> = Vec::new();
    for p in paths(&code, "crate::") {
        let segs: Vec<&str> = p.iter().map(String::as_str).collect();
        targets.extend(target(&segs));
    }
    // `super::` from a file below `rules/` names `rules` or one of its
    // modules; from the other folders it stays inside the module.
    if from.starts_with("rules::") {
        for p in paths(&code, "super::") {
            let mut segs: Vec<&str> = vec!["rules"];
            segs.extend(p.iter().map(String::as_str));
            targets.extend(target(&segs));
        }
    }
    let mut out = Vec::new();
    for to in targets {
        if to == from || (to == "rules" && from == "rules") {
            continue;
        }
        match layer(&to) {
            Some(l) if l < own => {}
            Some(l) => out.push(format!("{file}: `{from}` (layer {own}) uses `{to}` (layer {l}): not below it")),
            None => out.push(format!("{file}: `{from}` uses `crate::{to}`, which is no module with a layer")),
        }
    }
    out.sort();
    out.dedup();
    out
}

fn sources(dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_module_imports_only_from_layers_below_it() {
    let mut files = BTreeMap::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 30, "found only {} source files", files.len());
    let problems: Vec<String> =
        files.iter().filter(|(f, _)| f.as_str() != "src/lib.rs").flat_map(|(f, text)| violations(f, text)).collect();
    assert!(problems.is_empty(), "imports against the layers:\n{}", problems.join("\n"));
}

#[test]
fn the_check_catches_an_upward_import() {
    let lists = "use crate::model::Order;\nuse crate::engine::Engine;\n";
    assert_eq!(
        violations("src/lists.rs", lists),
        ["src/lists.rs: `lists` (layer 2) uses `engine` (layer 10): not below it"]
    );
    // Grouped imports, `$crate` in macros and inline paths count too.
    let grouped =
        "use crate::{text::fold, config::RuleSet};\nfn f() { $crate::rule::Input::new(); crate::vocab::x(); }";
    let found = violations("src/num.rs", grouped);
    assert_eq!(found.len(), 4, "{found:?}");
    // A rule file may not reach into the registry it is registered in.
    assert_eq!(
        violations("src/rules/payment.rs", "use super::ids;\nuse super::checks::Checks;\n"),
        Vec::<String>::new()
    );
    assert_eq!(violations("src/rules/payment.rs", "use super::builtin;\n").len(), 1);
    // Sideways within a layer is not down.
    assert_eq!(violations("src/rules/behavior.rs", "use super::product::item_category;\n").len(), 1);
    // Tests and comments are not imports.
    assert!(
        violations("src/text.rs", "// crate::engine\n#[cfg(test)]\nmod tests { use crate::engine::Engine; }")
            .is_empty()
    );
    // Code after a test module is read.
    let after =
        "#[cfg(test)]\nmod tests {\n    fn f() {\n        crate::engine::x();\n    }\n}\nuse crate::config::RuleSet;\n";
    assert_eq!(
        violations("src/text.rs", after),
        ["src/text.rs: `text` (layer 1) uses `config` (layer 11): not below it"]
    );
    let one_line = "#[cfg(test)]\nuse crate::engine::Engine;\nuse crate::config::RuleSet;\n";
    assert_eq!(violations("src/text.rs", one_line).len(), 1, "a one-line test item ends at its `;`");
}
