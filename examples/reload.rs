//! Hot reload: a worker keeps evaluating orders while the rule set is
//! swapped underneath it; a broken file is refused and the running engine
//! stays.
//!
//! ```text
//! cargo run --release --example reload                        # a scripted demo in a temporary folder
//! cargo run --release --example reload -- RULES.json [SECS]   # watch a file of yours for SECS seconds (default 30)
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use order_anomaly::{Engine, EvalRequest, SharedEngine};

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Reloads `path` if it changed since `seen`; reports what happened.
fn poll(shared: &SharedEngine, path: &Path, seen: &mut Option<SystemTime>, content: &mut String) {
    let now = modified(path);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    if now == *seen && text == *content {
        return;
    }
    *seen = now;
    *content = text;
    match shared.reload_from_path(path) {
        Ok(info) => println!("reloaded: now running `{}` version {} ({})", info.name, info.version, &info.hash[..15]),
        Err(e) => println!("refused, still running `{}`:\n{e}", shared.get().ruleset().name),
    }
}

fn main() {
    let sample: Vec<EvalRequest> =
        include_str!("data/orders.jsonl").lines().filter_map(|l| EvalRequest::from_json(l).ok()).collect();
    let shared = Arc::new(SharedEngine::new(Engine::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let evaluated = Arc::new(AtomicU64::new(0));

    // The worker: evaluates the sample round and round with whatever engine is in force.
    let worker = {
        let (shared, stop, evaluated) = (Arc::clone(&shared), Arc::clone(&stop), Arc::clone(&evaluated));
        std::thread::spawn(move || {
            let mut served = Vec::<String>::new();
            while !stop.load(Ordering::Relaxed) {
                let engine = shared.get();
                let name = &engine.ruleset().name;
                if served.last() != Some(name) {
                    served.push(name.clone());
                }
                for r in &sample {
                    std::hint::black_box(engine.evaluate(&r.order, &r.context));
                }
                evaluated.fetch_add(sample.len() as u64, Ordering::Relaxed);
            }
            served
        })
    };

    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    if let Some(path) = args.first() {
        let path = PathBuf::from(path);
        let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30);
        println!("watching {} for {secs} s", path.display());
        let (mut seen, mut content) = (None, String::new());
        while started.elapsed() < Duration::from_secs(secs) {
            poll(&shared, &path, &mut seen, &mut content);
            std::thread::sleep(Duration::from_millis(200));
        }
    } else {
        let dir = std::env::temp_dir().join(format!("order-anomaly-reload-{}", std::process::id()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return;
        }
        let file = dir.join("rules.json");
        let strict = include_str!("config/strict-shop.json");
        let steps: [(&str, String); 3] = [
            ("the strict shop's rule set", strict.to_owned()),
            ("a truncated copy of it", strict.lines().take(12).collect::<Vec<_>>().join("\n")),
            ("a copy with a misspelt rule id", strict.replace("payment.large_amount", "payment.large_amout")),
        ];
        let (mut seen, mut content) = (None, String::new());
        println!("running `{}`; evaluating continuously", shared.get().ruleset().name);
        for (what, text) in steps {
            std::thread::sleep(Duration::from_millis(300));
            println!("\nwriting {what} to {}", file.display());
            if let Err(e) = std::fs::write(&file, text) {
                eprintln!("cannot write: {e}");
                break;
            }
            poll(&shared, &file, &mut seen, &mut content);
        }
        std::thread::sleep(Duration::from_millis(300));
        std::fs::remove_dir_all(&dir).ok();
    }
    stop.store(true, Ordering::Relaxed);
    let served = worker.join().unwrap_or_default();
    println!(
        "\n{} orders evaluated in {:.1} s without a pause; rule sets in force, in order: {}",
        evaluated.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        served.join(" -> ")
    );
}
