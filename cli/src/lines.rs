//! Reading JSON lines from a file or standard input, and counting the bad ones.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// The input named on the command line: a file, or standard input for `-`
/// or none.
pub fn open(path: Option<&Path>) -> Result<Box<dyn BufRead>, String> {
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => File::open(p)
            .map(|f| Box::new(BufReader::new(f)) as Box<dyn BufRead>)
            .map_err(|e| format!("cannot read {}: {e}", p.display())),
        None => Ok(Box::new(io::stdin().lock())),
    }
}

/// The non-blank lines of `input` with their line numbers; a line that
/// cannot be read is reported on standard error and counted in `bad`.
pub fn raw<'a>(input: Box<dyn BufRead + 'a>, bad: &'a Cell<usize>) -> impl Iterator<Item = (usize, String)> + 'a {
    input.lines().enumerate().filter_map(move |(n, line)| {
        let n = n + 1;
        // A byte-order mark (exports from spreadsheet tools start with
        // one) is no part of the first line.
        let line = line.map(|l| if n == 1 { l.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(l) } else { l });
        match line {
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some((n, l)),
            Err(e) => {
                eprintln!("line {n}: cannot read: {e}");
                bad.set(bad.get() + 1);
                None
            }
        }
    })
}

/// The non-blank lines of `input` parsed by `parse`, with their line
/// numbers. A line that cannot be read or parsed is reported on standard
/// error (by number and JSON path) and counted in `bad`; the rest go on.
pub fn parsed<'a, T, E: ErrorAtLine>(
    input: Box<dyn BufRead + 'a>,
    parse: impl Fn(&str) -> Result<T, E> + 'a,
    bad: &'a Cell<usize>,
) -> impl Iterator<Item = (usize, T)> + 'a {
    raw(input, bad).filter_map(move |(n, line)| match parse(&line) {
        Ok(v) => Some((n, v)),
        Err(e) => {
            eprintln!("{}", e.at_line(n));
            bad.set(bad.get() + 1);
            None
        }
    })
}

/// An error that can say where it happened.
pub trait ErrorAtLine {
    /// `line N, column C, at `path`: what was wrong`.
    fn at_line(&self, line: usize) -> String;
}

impl ErrorAtLine for order_anomaly::JsonError {
    fn at_line(&self, line: usize) -> String {
        order_anomaly::JsonError::at_line(self, line)
    }
}

/// `N bad lines` on standard error, and whether there were any.
pub fn report_bad(what: &str, bad: usize) -> bool {
    if bad > 0 {
        eprintln!("{what}: {bad} bad line{}", if bad == 1 { "" } else { "s" });
    }
    bad > 0
}
