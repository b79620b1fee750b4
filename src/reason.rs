//! Reasons built when read.
//!
//! A rule that fires records what it observed as typed values ([`Fact`]s:
//! counts, amounts, windows, masked entities) and a function that words
//! them. The messages in Chinese and English and the evidence text are
//! built from those the first time someone reads them (a display, the
//! JSON, [`Flag::message`](crate::Flag::message)), and kept. An OMS that
//! only looks at the score and the decision never pays for the words, and a
//! flag costs no allocation of its own when it fires.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use rust_decimal::Decimal;

use crate::text::{Hours, Percent};
use crate::time::Window;
use crate::vocab::{Evidence, Message};

/// How many facts a finding keeps inline.
pub(crate) const MAX_FACTS: usize = 8;

/// The facts of one finding, unused slots [`Fact::None`].
pub(crate) type Facts = [Fact; MAX_FACTS];

/// Words a finding's facts: the message in both languages and the evidence.
pub(crate) type Render = fn(&Facts) -> Text;

/// One value a rule observed, kept as it was: shown with the `Display` of
/// the value itself (format flags such as a precision pass through), so a
/// message built later reads exactly as one built at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Fact {
    /// No value (an unused slot).
    #[default]
    None,
    /// A count or other whole number.
    Int(i64),
    /// An amount of money or a ratio.
    Dec(Decimal),
    /// A look-back window.
    Window(Window),
    /// A share, shown as a percentage.
    Percent(Decimal),
    /// A span of minutes, shown in hours.
    Hours(i64),
    /// A fixed word (a keyword, an entity kind, a country code).
    Static(&'static str),
    /// A short text (a masked phone or card), kept inline.
    Short(ShortText),
    /// A longer text, for the rare value that does not fit inline.
    Owned(Box<str>),
}

impl Fact {
    /// `s`, inline when it fits.
    pub(crate) fn text(s: &str) -> Fact {
        ShortText::new(s).map_or_else(|| Fact::Owned(s.into()), Fact::Short)
    }

    /// The text `write` produces, inline when it fits (no allocation then).
    pub(crate) fn written(write: impl Fn(&mut dyn fmt::Write) -> fmt::Result) -> Fact {
        let mut short = ShortText::default();
        if write(&mut short).is_ok() {
            return Fact::Short(short);
        }
        let mut long = String::new();
        match write(&mut long) {
            Ok(()) => Fact::Owned(long.into_boxed_str()),
            Err(_) => Fact::None,
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::None => Ok(()),
            Fact::Int(n) => fmt::Display::fmt(n, f),
            Fact::Dec(d) => fmt::Display::fmt(d, f),
            Fact::Window(w) => fmt::Display::fmt(w, f),
            Fact::Percent(d) => fmt::Display::fmt(&Percent(*d), f),
            Fact::Hours(m) => fmt::Display::fmt(&Hours(*m), f),
            Fact::Static(s) => fmt::Display::fmt(s, f),
            Fact::Short(s) => fmt::Display::fmt(s.as_str(), f),
            Fact::Owned(s) => fmt::Display::fmt(&**s, f),
        }
    }
}

macro_rules! int_facts {
    ($($t:ty),*) => {$(
        impl From<$t> for Fact {
            fn from(n: $t) -> Fact {
                Fact::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_facts!(u8, u16, u32, u64, usize, i32, i64);

impl From<Decimal> for Fact {
    fn from(d: Decimal) -> Fact {
        Fact::Dec(d)
    }
}

impl From<Window> for Fact {
    fn from(w: Window) -> Fact {
        Fact::Window(w)
    }
}

impl From<&'static str> for Fact {
    fn from(s: &'static str) -> Fact {
        Fact::Static(s)
    }
}

/// The facts `values`, the rest of the slots empty.
pub(crate) fn facts<const N: usize>(values: [Fact; N]) -> Facts {
    const { assert!(N <= MAX_FACTS, "a finding keeps at most MAX_FACTS facts") };
    let mut out = Facts::default();
    for (slot, v) in out.iter_mut().zip(values) {
        *slot = v;
    }
    out
}

/// Up to 22 bytes of text, inline.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ShortText {
    len: u8,
    bytes: [u8; ShortText::CAP],
}

impl ShortText {
    const CAP: usize = 22;

    /// `s`, if it fits.
    pub(crate) fn new(s: &str) -> Option<ShortText> {
        let mut t = ShortText::default();
        fmt::Write::write_str(&mut t, s).ok()?;
        Some(t)
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Only whole `str`s are ever appended, so this always succeeds.
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// Appends whole strings; one that does not fit is an error and leaves the
/// text as it was.
impl fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let start = usize::from(self.len);
        let end = start.checked_add(s.len()).filter(|e| *e <= Self::CAP).ok_or(fmt::Error)?;
        let slot = self.bytes.get_mut(start..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = u8::try_from(end).map_err(|_| fmt::Error)?;
        Ok(())
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A reason in words: the message in both languages and the evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text {
    pub(crate) message: Message,
    pub(crate) evidence: Vec<Evidence>,
}

impl Text {
    /// The message in Chinese and English, no evidence yet.
    pub(crate) fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text { message: Message { zh: zh.into(), en: en.into() }, evidence: Vec::new() }
    }

    /// Adds an observed value and the limit it crossed.
    #[must_use]
    pub(crate) fn evidence(
        mut self,
        name: impl Into<Cow<'static, str>>,
        observed: impl fmt::Display,
        limit: Option<impl fmt::Display>,
    ) -> Self {
        self.evidence.push(evidence_of(name, observed, limit));
        self
    }
}

/// An observed value and the limit it crossed, in words.
pub(crate) fn evidence_of(
    name: impl Into<Cow<'static, str>>,
    observed: impl fmt::Display,
    limit: Option<impl fmt::Display>,
) -> Evidence {
    Evidence { name: name.into(), observed: observed.to_string(), limit: limit.map(|l| l.to_string()) }
}

/// A finding's reason: worded at once ([`Reasons::ready`]) or from its facts
/// on first read ([`Reasons::deferred`]).
#[derive(Clone)]
pub(crate) struct Reasons {
    facts: Facts,
    render: Option<Render>,
    text: OnceLock<Text>,
}

impl Reasons {
    /// A reason already in words.
    pub(crate) fn ready(text: Text) -> Self {
        Reasons { facts: Facts::default(), render: None, text: OnceLock::from(text) }
    }

    /// A reason worded by `render` from `facts` when first read.
    pub(crate) fn deferred(facts: Facts, render: Render) -> Self {
        Reasons { facts, render: Some(render), text: OnceLock::new() }
    }

    /// The reason in words, worded now if it was not yet.
    pub(crate) fn text(&self) -> &Text {
        self.text.get_or_init(|| self.render.map(|r| r(&self.facts)).unwrap_or_default())
    }

    /// Adds evidence, wording the reason now if it was not yet.
    pub(crate) fn push_evidence(&mut self, e: Evidence) {
        let mut text = self.text.take().unwrap_or_else(|| self.render.map(|r| r(&self.facts)).unwrap_or_default());
        text.evidence.push(e);
        self.text = OnceLock::from(text);
        self.render = None;
    }

    /// The facts, for tests that check what a rule recorded.
    #[cfg(test)]
    pub(crate) fn facts(&self) -> &Facts {
        &self.facts
    }
}

/// Two reasons are equal when they read the same.
impl PartialEq for Reasons {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Reasons {}

impl fmt::Debug for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deferred_reason_is_worded_once_when_read() {
        fn render(f: &Facts) -> Text {
            let [n, limit, amount, ..] = f;
            Text::new(format!("{n} 次"), format!("{n} times ({amount:.1})")).evidence("n", n, Some(limit))
        }
        let r = Reasons::deferred(facts([3u32.into(), 2u32.into(), Decimal::new(1234, 2).into()]), render);
        assert!(r.text.get().is_none(), "nothing worded before a read");
        assert_eq!(r.text().message.en, "3 times (12.3)", "format flags pass through");
        assert_eq!(r.text().evidence.first().and_then(|e| e.limit.as_deref()), Some("2"));
        assert_eq!(r, Reasons::ready(render(r.facts())));
    }

    #[test]
    fn short_text_keeps_what_fits_and_refuses_the_rest() {
        assert_eq!(ShortText::new("****5678").map(|t| t.as_str().to_owned()).as_deref(), Some("****5678"));
        assert!(ShortText::new("一二三四五六七八").is_none(), "24 bytes do not fit");
        assert_eq!(Fact::text("一二三四五六七八").to_string(), "一二三四五六七八", "kept owned instead");
        let written = Fact::written(|w| {
            w.write_str("****")?;
            w.write_str("5678")
        });
        assert!(matches!(written, Fact::Short(_)));
        let long = Fact::written(|w| (0..10).try_for_each(|_| w.write_str("abc")));
        assert_eq!(long.to_string(), "abc".repeat(10));
    }
}
