//! Hostile input lines: valid request lines from the bundled sample, mutated
//! (bit flips, truncation, swapped fields, extreme numbers and dates across
//! chrono's whole range), never make reading or evaluating panic; every
//! refused line is named (a JSON path or a line and column) without quoting
//! personal data; and no line takes long (a stall guard far above what one
//! line needs, not a speed measurement).
//!
//! The same harness runs under `cargo fuzz` (see `fuzz/`); this is its
//! stable-toolchain form.

use std::time::{Duration, Instant};

use order_anomaly::{Engine, EvalRequest};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

const SAMPLE: &str = include_str!("../examples/data/orders.jsonl");

/// Far above one line's cost even in a debug build.
const PER_LINE: Duration = Duration::from_secs(2);

fn lines() -> Vec<&'static str> {
    SAMPLE.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Every leaf of a JSON value, by its path of keys and indices.
fn leaves(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(PathStep::Key(k.clone()));
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(PathStep::Index(i));
                leaves(child, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        PathStep::Key(k) => v.get_mut(k.as_str()),
        PathStep::Index(i) => v.get_mut(*i),
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { at: usize, bit: u8 },
    Truncate { at: usize },
    Swap { a: usize, b: usize },
    Replace { leaf: usize, with: Value },
}

fn extreme() -> impl Strategy<Value = Value> {
    let values = vec![
        serde_json::json!(1e308),
        serde_json::json!(-1e308),
        serde_json::json!(i64::MAX),
        serde_json::json!(u64::MAX),
        serde_json::json!(-1),
        serde_json::json!(0),
        serde_json::json!(1e-30),
        Value::String("9".repeat(400)),
        Value::String("-79228162514264337593543950336".into()),
        Value::String("+262143-01-01T00:00:00Z".into()),
        Value::String("-262143-01-01T00:00:00Z".into()),
        Value::String("+262142-12-31T23:59:59Z".into()),
        Value::String("-262143-01-01T00:00:00+08:00".into()),
        Value::String("9999-99-99T99:99:99Z".into()),
        Value::String("李娜 13800138351 北京市朝阳区".into()),
        Value::String(String::new()),
        Value::Null,
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!(true),
    ];
    select(values)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap { a, b }),
        (any::<usize>(), extreme()).prop_map(|(leaf, with)| Mutation::Replace { leaf, with }),
    ]
}

fn mutate(line: &str, m: &Mutation) -> String {
    match m {
        Mutation::FlipBit { at, bit } => {
            let mut bytes = line.as_bytes().to_vec();
            let i = at % bytes.len();
            bytes[i] ^= 1 << bit;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::Truncate { at } => {
            let cut = line.char_indices().map(|(i, _)| i).nth(at % line.chars().count()).unwrap_or(0);
            line[..cut].to_owned()
        }
        // Structural mutations need JSON: after a byte-level one, leave the line.
        Mutation::Swap { .. } | Mutation::Replace { .. } if serde_json::from_str::<Value>(line).is_err() => {
            line.to_owned()
        }
        Mutation::Swap { a, b } => {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let mut paths = Vec::new();
            leaves(&v, &mut Vec::new(), &mut paths);
            let (pa, pb) = (&paths[a % paths.len()], &paths[b % paths.len()]);
            let va = at(&mut v, pa).map(Value::take).unwrap_or_default();
            let vb = at(&mut v, pb).map(|x| std::mem::replace(x, va.clone())).unwrap_or_default();
            if let Some(x) = at(&mut v, pa) {
                *x = vb;
            }
            v.to_string()
        }
        Mutation::Replace { leaf, with } => {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let mut paths = Vec::new();
            leaves(&v, &mut Vec::new(), &mut paths);
            if let Some(x) = at(&mut v, &paths[leaf % paths.len()]) {
                *x = with.clone();
            }
            v.to_string()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_lines_never_panic_are_named_when_refused_and_stay_cheap(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
        strict in any::<bool>(),
    ) {
        let all = lines();
        let mut line = pick.get(&all).to_string();
        for m in &mutations {
            if line.is_empty() {
                break;
            }
            line = mutate(&line, m);
        }
        let engine = Engine::default();
        let started = Instant::now();
        let read = if strict { EvalRequest::from_json_strict(&line) } else { EvalRequest::from_json(&line) };
        match read {
            Ok(r) => {
                let a = engine.evaluate(&r.order, &r.context);
                prop_assert!(a.score() <= 100);
                // An assessment always serialises.
                prop_assert!(serde_json::to_string(&a).is_ok());
            }
            Err(e) => {
                prop_assert!(!e.path.is_empty() || e.line > 0, "an unnamed error: {e}");
                let shown = e.to_string();
                prop_assert!(!shown.contains("13800138351") && !shown.contains("李娜"), "{shown}");
            }
        }
        prop_assert!(started.elapsed() < PER_LINE, "one line took {:?}", started.elapsed());
    }
}

#[test]
fn every_bundled_line_reads_strictly() {
    for (n, line) in lines().iter().enumerate() {
        let r = EvalRequest::from_json_strict(line);
        assert!(r.is_ok(), "line {}: {}", n + 1, r.unwrap_err());
    }
}
