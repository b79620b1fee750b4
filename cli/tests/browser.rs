//! The backtest report in a real browser: headless Chromium renders the
//! page, which must hold its charts and log no console error. Runs when
//! `ORDER_ANOMALY_CHROMIUM` names a Chromium binary (`.ci/run` installs the
//! Debian package `chromium` and sets it); otherwise says so and passes,
//! unless `ORDER_ANOMALY_BROWSER_TEST=required` (as `.ci/run` sets it), where
//! a browser test that did not run is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{on_fixtures, repo};

fn chromium() -> Option<PathBuf> {
    let named = std::env::var_os("ORDER_ANOMALY_CHROMIUM").filter(|p| !p.is_empty()).map(PathBuf::from);
    let required = std::env::var_os("ORDER_ANOMALY_BROWSER_TEST").is_some_and(|v| v == "required");
    assert!(
        named.is_some() || !required,
        "ORDER_ANOMALY_BROWSER_TEST=required but ORDER_ANOMALY_CHROMIUM names no Chromium: the browser test cannot run"
    );
    named
}

/// The DOM Chromium renders from `page`, and what it logged.
fn render(chromium: &Path, page: &Path, profile: &Path) -> (String, String) {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Console messages Chromium logged (its own D-Bus and GPU noise is not).
fn console(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect()
}

#[test]
fn the_report_renders_with_its_charts_and_no_console_error() {
    let Some(chromium) = chromium() else {
        eprintln!("ORDER_ANOMALY_CHROMIUM is not set: the browser test did not run");
        return;
    };
    // Deleted when the test ends, Chromium's profiles with it.
    let tmp = tempfile::Builder::new().prefix("order-anomaly-browser-").tempdir().expect("a directory");
    let dir = tmp.path();
    // Runs `cmd` with `--html NAME` and renders the page it writes: the DOM,
    // once the console stayed clean.
    let report = |cmd: &mut Command, name: &str| -> String {
        let page = dir.join(name);
        let out = cmd.arg("--html").arg(&page).output().expect("the binary runs");
        assert!(page.exists(), "{}", String::from_utf8_lossy(&out.stderr));
        let (dom, log) = render(&chromium, &page, &dir.join(format!("profile-{name}")));
        assert!(console(&log).is_empty(), "{name}: console: {:?}", console(&log));
        dom
    };
    let dom = report(
        on_fixtures("backtest")
            .arg("--config")
            .arg(repo("examples/config/strict-shop.json"))
            .arg("--config")
            .arg(repo("examples/config/strict-shop.toml")),
        "report.html",
    );
    assert_eq!(dom.matches("<svg").count(), 4, "two charts per rule set");
    assert!(dom.contains("Decisions that change"), "the comparison of the two rule sets");
    assert!(dom.contains("payment.large_amount"), "the per-rule table");

    // tune's report: the held-out part before and tuned.
    let dom = report(on_fixtures("tune").arg("--out").arg(dir.join("tuned.json")), "tune.html");
    assert_eq!(dom.matches("<svg").count(), 4, "two charts for before and for tuned");
    assert!(dom.contains("held-out part"));

    // calibrate's report: the before/after table.
    let dom = report(
        common::bin()
            .arg("calibrate")
            .arg(repo("cli/tests/fixtures/labelled/events.jsonl"))
            .args(["--max-rate", "0.1", "--out"])
            .arg(dir.join("calibrated.json")),
        "calibrate.html",
    );
    assert!(dom.contains("threshold 5000 -&gt; 6250") && dom.contains("payment.large_amount"), "{dom}");

    // The check sees a console error when there is one.
    let broken = dir.join("broken.html");
    std::fs::write(&broken, "<html><body><script>console.error('boom')</script></body></html>").expect("writes");
    let (_, log) = render(&chromium, &broken, &dir.join("profile2"));
    assert!(!console(&log).is_empty(), "a console error is noticed: {log}");
}
