//! Time windows and the local UTC offset.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A look-back window that ends at the evaluation's `now`.
///
/// Written as a number and a unit: `45s`, `10m`, `72h`, `30d`. A window of
/// zero is rejected when the engine is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    secs: u32,
}

impl Window {
    /// A window of `n` seconds.
    pub const fn seconds(n: u32) -> Self {
        Window { secs: n }
    }
    /// A window of `n` minutes.
    pub const fn minutes(n: u32) -> Self {
        Window { secs: n.saturating_mul(60) }
    }
    /// A window of `n` hours.
    pub const fn hours(n: u32) -> Self {
        Window { secs: n.saturating_mul(3600) }
    }
    /// A window of `n` days.
    pub const fn days(n: u32) -> Self {
        Window { secs: n.saturating_mul(86_400) }
    }
    /// Its length in seconds.
    pub const fn as_secs(self) -> u32 {
        self.secs
    }
    /// Its length as a chrono duration.
    pub fn duration(self) -> Duration {
        Duration::seconds(i64::from(self.secs))
    }
    /// Whether `at` lies in the window ending at `now`: `now - window < at <= now`.
    pub fn contains(self, now: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        self.ending(now).contains(at)
    }

    /// The window ending at `now`, as a span to test many times: the
    /// subtraction is done once, each test is two comparisons.
    pub fn ending(self, now: DateTime<Utc>) -> TimeSpan {
        TimeSpan { after: now.checked_sub_signed(self.duration()), until: now }
    }
}

/// A window placed in time: `after < at <= until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    after: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
}

impl TimeSpan {
    /// Whether `at` lies in the span.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at <= self.until && self.after.is_none_or(|a| at > a)
    }

    /// Whether a bucket `[start, start + width)` (an hour of counts, say)
    /// has any of its time in the span.
    pub fn overlaps(&self, start: DateTime<Utc>, width: Duration) -> bool {
        start <= self.until && self.after.is_none_or(|a| start.checked_add_signed(width).is_none_or(|end| end > a))
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        if s != 0 && s % 86_400 == 0 {
            write!(f, "{}d", s / 86_400)
        } else if s != 0 && s % 3600 == 0 {
            write!(f, "{}h", s / 3600)
        } else if s != 0 && s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

/// Why a window or offset could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{input}`: expected {expected}")]
pub struct ParseTimeError {
    what: &'static str,
    input: String,
    expected: &'static str,
}

impl FromStr for Window {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseTimeError {
            what: "window",
            input: s.to_owned(),
            expected: "a whole number and a unit s, m, h or d, such as `30d`",
        };
        let t = s.trim();
        // The unit is the last character, whatever its width (`3天` is an
        // error, not a split inside a character).
        let last = t.char_indices().last().map_or(0, |(i, _)| i);
        let (num, unit) = (t.get(..last).unwrap_or(""), t.get(last..).unwrap_or(""));
        let n: u32 = num.parse().map_err(|_| err())?;
        let mult: u32 = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(err()),
        };
        n.checked_mul(mult).map(Window::seconds).ok_or_else(err)
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The UTC offset of the shop's local time, used for "small hours" and
/// calendar days. Written `+08:00`; the default is China Standard Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcOffset(FixedOffset);

impl UtcOffset {
    /// UTC, +00:00.
    // Evaluated when compiling: were the offset out of range, the build would
    // fail, so the panic can never happen at run time.
    #[allow(clippy::panic)]
    pub const UTC: UtcOffset = match FixedOffset::east_opt(0) {
        Some(o) => UtcOffset(o),
        None => panic!("0 is a valid offset"),
    };

    /// China Standard Time, +08:00 (also [`UtcOffset::default`], the
    /// catalogue's zone: a host elsewhere sets its own, e.g. [`UtcOffset::UTC`]).
    pub fn china() -> Self {
        // +08:00 is always in range; the fallback only satisfies the no-panic lint.
        UtcOffset(FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix()))
    }

    /// An offset of `seconds` east of UTC, if within ±24 h.
    pub fn east(seconds: i32) -> Option<Self> {
        FixedOffset::east_opt(seconds).map(UtcOffset)
    }

    /// The chrono offset.
    pub fn fixed(self) -> FixedOffset {
        self.0
    }

    /// `at` in local wall-clock time. At the very ends of chrono's range,
    /// where the local time cannot be represented, the nearest time that can
    /// (so evaluation stays total on any input).
    pub fn local(self, at: DateTime<Utc>) -> NaiveDateTime {
        let utc = at.naive_utc();
        utc.checked_add_offset(self.0).unwrap_or(if self.0.local_minus_utc() > 0 {
            NaiveDateTime::MAX
        } else {
            NaiveDateTime::MIN
        })
    }
}

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset::china()
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for UtcOffset {
    type Err = ParseTimeError;
    /// `+08:00`, `-05:30`, or with seconds `+00:00:01` (as it is written
    /// back: chrono's own parser drops the seconds).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error =
            || ParseTimeError { what: "UTC offset", input: s.to_owned(), expected: "a signed offset such as `+08:00`" };
        if s == "Z" || s.eq_ignore_ascii_case("UTC") {
            return Ok(UtcOffset::UTC);
        }
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1i32, s.get(1..)),
            Some(b'-') => (-1i32, s.get(1..)),
            _ => return Err(error()),
        };
        let rest = rest.ok_or_else(error)?;
        // `+0800` is `+08:00`.
        let spaced;
        let rest = match (rest.len(), rest.contains(':'), rest.get(..2), rest.get(2..)) {
            (4, false, Some(h), Some(m)) => {
                spaced = format!("{h}:{m}");
                spaced.as_str()
            }
            _ => rest,
        };
        let mut parts = rest.split(':');
        let mut field = |max: i32, required: bool| -> Result<i32, ParseTimeError> {
            match parts.next() {
                None if !required => Ok(0),
                Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse::<i32>().ok().filter(|v| *v <= max).ok_or_else(error)
                }
                _ => Err(error()),
            }
        };
        let (h, m, sec) = (field(23, true)?, field(59, true)?, field(59, false)?);
        if parts.next().is_some() {
            return Err(error());
        }
        let total =
            h.checked_mul(3600).and_then(|v| v.checked_add(m.checked_mul(60)?)).and_then(|v| v.checked_add(sec));
        total.and_then(|t| t.checked_mul(sign)).and_then(UtcOffset::east).ok_or_else(error)
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcOffset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // An offset comes in data inputs (a request's context), where a
        // wrong value may be anything: the error does not quote it.
        s.parse().map_err(|e: ParseTimeError| {
            serde::de::Error::custom(format_args!("invalid {}: expected {}", e.what, e.expected))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_print() {
        assert_eq!("30d".parse::<Window>().unwrap(), Window::days(30));
        assert_eq!("72h".parse::<Window>().unwrap().to_string(), "3d");
        assert_eq!(Window::minutes(90).to_string(), "90m");
        assert!("30".parse::<Window>().is_err());
        assert!("d".parse::<Window>().is_err());
        assert!("-3d".parse::<Window>().is_err());
        assert!("99999999d".parse::<Window>().is_err());
        // A unit of more than one byte is refused, not split inside (it panicked).
        assert!("3天".parse::<Window>().is_err());
        assert!("天".parse::<Window>().is_err());
        assert!("".parse::<Window>().is_err());
    }

    #[test]
    fn offsets_round_trip_with_their_seconds() {
        for o in [-86_399, -18_000, -1, 0, 1, 28_800, 86_399] {
            let offset = UtcOffset::east(o).unwrap();
            assert_eq!(offset.to_string().parse::<UtcOffset>().unwrap(), offset, "{offset}");
        }
        assert_eq!("+08:00".parse::<UtcOffset>().unwrap(), UtcOffset::china());
        assert_eq!("+0800".parse::<UtcOffset>().unwrap(), UtcOffset::china());
        assert_eq!("Z".parse::<UtcOffset>().unwrap(), UtcOffset::UTC);
        for bad in ["8", "+8:00", "+08", "+24:00", "+08:60", "+08:00:00:00", "08:00", "", "+０８:00"] {
            assert!(bad.parse::<UtcOffset>().is_err(), "{bad}");
        }
    }

    #[test]
    fn local_time_at_the_ends_of_the_range_does_not_overflow() {
        let late: DateTime<Utc> = "+262142-12-31T20:00:00Z".parse().unwrap();
        assert_eq!(UtcOffset::china().local(late), NaiveDateTime::MAX);
        let west = UtcOffset::east(-5 * 3600).unwrap();
        assert_eq!(west.local(DateTime::<Utc>::MIN_UTC), NaiveDateTime::MIN);
        assert_eq!(UtcOffset::china().local(DateTime::<Utc>::MIN_UTC).to_string(), "-262143-01-01 08:00:00");
    }

    #[test]
    fn window_edges() {
        let now: DateTime<Utc> = "2026-01-10T00:00:00Z".parse().unwrap();
        let w = Window::hours(1);
        assert!(w.contains(now, now));
        assert!(w.contains(now, now - Duration::minutes(59)));
        assert!(!w.contains(now, now - Duration::hours(1)));
        assert!(!w.contains(now, now + Duration::seconds(1)));
    }

    #[test]
    fn offset_round_trip() {
        let o: UtcOffset = "+08:00".parse().unwrap();
        assert_eq!(o, UtcOffset::default());
        assert_eq!(o.to_string(), "+08:00");
        assert!("8".parse::<UtcOffset>().is_err());
    }
}
