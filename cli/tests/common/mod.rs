//! What the command line's tests share: running the binary as a user runs
//! it, temporary files, and golden files.
// Each test binary uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `order-anomaly` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_order-anomaly"))
}

/// A path in the repository (the library's root, one up from this package).
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Runs `cmd`: its status, standard output and standard error.
pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("the binary runs");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    (out, stdout, stderr)
}

/// [`run`] with `input` on standard input.
pub fn with_stdin(cmd: &mut Command, input: &str) -> (Output, String, String) {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writes");
    let out = child.wait_with_output().expect("finishes");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    (out, stdout, stderr)
}

/// `order-anomaly SUB EVENTS --labels LABELS`, with paths in the repository.
pub fn labelled(sub: &str, events: &str, labels: &str) -> Command {
    let mut cmd = bin();
    cmd.arg(sub).arg(repo(events)).arg("--labels").arg(repo(labels));
    cmd
}

/// `order-anomaly SUB` on the fixture export and its labels.
pub fn on_fixtures(sub: &str) -> Command {
    labelled(sub, "cli/tests/fixtures/events.jsonl", "cli/tests/fixtures/labels.csv")
}

/// A file in a temporary directory of its own, deleted with it when dropped.
pub struct Temp {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl AsRef<std::ffi::OsStr> for Temp {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl AsRef<Path> for Temp {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// A file `name` holding `text`, in a temporary directory.
pub fn temp(name: &str, text: &str) -> Temp {
    let dir = tempfile::Builder::new().prefix("order-anomaly-cli-").tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writes");
    Temp { _dir: dir, path }
}

/// `text` with the one figure that changes from run to run, the events
/// folded per second, written as 0 (in JSON) or N (in the text summaries).
pub fn steady(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(&steady_line(line));
    }
    out
}

fn steady_line(line: &str) -> String {
    const JSON: &str = "\"events_per_sec\":";
    if let Some(i) = line.find(JSON) {
        let start = i + JSON.len();
        let end = line[start..].find([',', '}']).map_or(line.len(), |e| start + e);
        return format!("{}0{}", &line[..start], &line[end..]);
    }
    const TEXT: &str = " events/s";
    if let Some(i) = line.find(TEXT) {
        let start = line[..i].rfind(' ').map_or(0, |s| s + 1);
        return format!("{}N{}", &line[..start], &line[i..]);
    }
    line.to_owned()
}

/// Checks `actual` against the golden file `cli/tests/golden/NAME`; with
/// `UPDATE_GOLDEN=1` in the environment, writes it instead (then read the
/// diff before committing it).
pub fn golden(name: &str, actual: &str) {
    let path = repo("cli/tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("creates the folder");
        std::fs::write(&path, actual).expect("writes the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {name}: {e} (UPDATE_GOLDEN=1 writes it)"));
    if expected == actual {
        return;
    }
    let (mut want, mut got) = (expected.lines(), actual.lines());
    for n in 1.. {
        match (want.next(), got.next()) {
            (None, None) => panic!("golden file {name}: the text differs in line endings only"),
            (w, g) if w == g => {}
            (w, g) => panic!("golden file {name}, line {n}:\n expected: {w:?}\n      got: {g:?}"),
        }
    }
}
