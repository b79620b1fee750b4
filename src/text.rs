//! Normalising and masking the personal data an order carries.
//!
//! Lists compare normalised values, so `+86 138-0013-8000` on a block list
//! matches `13800138000` on an order, and `广东省 深圳市 科技园１２号` matches
//! `广东省深圳市科技园12号`. Normalising streams characters instead of building
//! strings, so a lookup on the evaluation path allocates nothing.

use std::fmt;

use crate::numbering;
use crate::vocab::Personal;
use rust_decimal::Decimal;

/// Folds full-width ASCII forms (`１２Ａ`) to ASCII, the ideographic space to a
/// space, and ASCII letters to lower case.
pub(crate) fn fold(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => (c as u32).checked_sub(0xFEE0).and_then(char::from_u32).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Characters of a free-text value for comparison: folded, without white space.
pub(crate) fn folded(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().map(fold).filter(|c| !c.is_whitespace())
}

/// Characters of an address for comparison: folded, without white space and
/// the separators people put between its parts.
pub(crate) fn address_chars(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    folded(s).filter(|c| !matches!(c, ',' | '，' | '、' | '-' | '·' | '/' | '#'))
}

/// Whether two values are equal once folded.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    folded(a).eq(folded(b))
}

/// Whether `value` starts with `prefix` once both are folded; an empty prefix
/// matches nothing.
pub(crate) fn starts_with_folded(value: &str, prefix: &str) -> bool {
    let mut v = folded(value);
    let mut p = folded(prefix).peekable();
    if p.peek().is_none() {
        return false;
    }
    p.all(|c| v.next() == Some(c))
}

/// Whether `hay` contains `needle` once both are folded; an empty needle
/// matches nothing.
///
/// Tries a match at each folded character, never at white space: starting
/// at white space re-skipped the whole run at every start, so a value of
/// spaces cost the square of its length. Now each character is read at most
/// once per needle character: O(hay × needle), and needles are configured
/// keywords of a few characters.
pub(crate) fn contains_folded(hay: &str, needle: &str) -> bool {
    let needle = folded(needle);
    if needle.clone().next().is_none() {
        return false;
    }
    let mut at = folded(hay);
    loop {
        let mut h = at.clone();
        if needle.clone().all(|c| h.next() == Some(c)) {
            return true;
        }
        if at.next().is_none() {
            return false;
        }
    }
}

/// Keywords compiled to one automaton, matched as [`contains_folded`]
/// matches one: both sides folded, white space left out. A text is read once
/// whatever the number of keywords (10,000 keywords cost no more per
/// character than one), without allocating.
#[derive(Clone)]
pub(crate) struct FoldedMatcher(Option<std::sync::Arc<aho_corasick::nfa::contiguous::NFA>>);

impl FoldedMatcher {
    /// The matcher of `keywords` (empty ones match nothing). `None` inside
    /// when the automaton cannot be built (beyond its size limits), and
    /// then [`FoldedMatcher::found_in`] reads each keyword in turn.
    pub(crate) fn new(keywords: &[String]) -> Self {
        let folded_words: Vec<String> =
            keywords.iter().map(|k| folded(k).collect::<String>()).filter(|k| !k.is_empty()).collect();
        let nfa = aho_corasick::nfa::contiguous::NFA::new(&folded_words).ok();
        FoldedMatcher(nfa.map(std::sync::Arc::new))
    }

    /// Whether any of `keywords` (those it was built from) is in `text`.
    pub(crate) fn found_in(&self, text: &str, keywords: &[String]) -> bool {
        use aho_corasick::Anchored;
        use aho_corasick::automaton::Automaton;
        let Some(nfa) = &self.0 else {
            return keywords.iter().any(|k| contains_folded(text, k));
        };
        let Ok(mut state) = nfa.start_state(Anchored::No) else { return false };
        let mut bytes = [0u8; 4];
        for c in folded(text) {
            for b in c.encode_utf8(&mut bytes).bytes() {
                state = nfa.next_state(Anchored::No, state, b);
                if nfa.is_match(state) {
                    return true;
                }
            }
        }
        false
    }
}

/// Orders values the way [`same_text`] compares them.
pub(crate) fn cmp_folded(a: &str, b: &str) -> std::cmp::Ordering {
    folded(a).cmp(folded(b))
}

/// The different values among `values`, as [`same_text`] tells them apart,
/// sorted by [`cmp_folded`] (blank ones left out). Sorts: n·log n, where
/// comparing each value with every other was the square.
pub(crate) fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = values.filter(|v| folded(v).next().is_some()).collect();
    v.sort_unstable_by(|a, b| cmp_folded(a, b));
    v.dedup_by(|a, b| same_text(a, b));
    v
}

/// A stable 64-bit FNV-1a hash of a character stream, for list indexes.
///
/// FNV rather than SipHash: list lookups hash every character of an address
/// on the evaluation path, and a match is always confirmed by comparing the
/// values themselves, so a fast hash costs nothing in correctness.
pub(crate) fn hash_chars(tag: u8, chars: impl Iterator<Item = char>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let step = |h: u64, v: u32| (h ^ u64::from(v)).wrapping_mul(PRIME);
    chars.fold(step(OFFSET, u32::from(tag)), |h, c| step(h, c as u32))
}

/// A `HashMap` hasher for keys that are already hashes: passes a `u64` through.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are used; fold anything else in for completeness.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Builds [`PassThrough`] hashers.
pub(crate) type PassThroughBuild = std::hash::BuildHasherDefault<PassThrough>;

/// Longest phone number kept: E.164 allows 15 digits, plus room for a `+`
/// and a trunk prefix.
const PHONE_MAX: usize = 20;

/// A phone number reduced to its comparable form, without allocating.
///
/// Mainland China numbers (with or without `+86` / `0086` / `86`, a trunk
/// `0` or a carrier-selection code) become their national significant
/// number as libphonenumber reads it (`13800138000`, `1012345678` for
/// `010-1234-5678` and `+86 10 1234 5678` alike); other international numbers
/// keep a leading `+` and the country code (`+14155552671`); numbers written
/// without a country code keep their digits. Separators (spaces, `-`, `.`,
/// brackets) are dropped, full-width digits folded, and an extension
/// (`ext`, `x`, `转`, `#`) is cut off.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct PhoneKey {
    buf: [u8; PHONE_MAX],
    len: usize,
    international: bool,
}

impl std::fmt::Debug for PhoneKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PhoneKey").field(&self.as_str()).finish()
    }
}

impl PhoneKey {
    /// Reads a phone number; `None` when it holds letters or other characters
    /// a phone number cannot have, no digits, or too many.
    pub(crate) fn parse(raw: &str) -> Option<PhoneKey> {
        let mut digits = [0u8; PHONE_MAX];
        let mut n = 0usize;
        let mut plus = false;
        let mut chars = raw.chars().map(fold).peekable();
        while let Some(c) = chars.next() {
            match c {
                '0'..='9' => {
                    let slot = digits.get_mut(n)?;
                    *slot = c as u8;
                    n = n.saturating_add(1);
                }
                '+' if n == 0 && !plus => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{2010}'..='\u{2015}' => {}
                // An extension ends the number proper.
                'x' | '#' | '转' | ',' | ';' if n > 0 => break,
                'e' if n > 0 && chars.peek() == Some(&'x') => break,
                _ => return None,
            }
        }
        // Only ASCII digits were stored.
        let all = digits.get(..n).and_then(|d| std::str::from_utf8(d).ok())?;
        let international = if plus { Some(all) } else { numbering::strip_international_prefix(all) };
        let mut key = PhoneKey { buf: [0; PHONE_MAX], len: 0, international: false };
        match international {
            Some(number) => match number.strip_prefix(numbering::COUNTRY_CODE) {
                Some(cn) => key.push_all(numbering::national_significant(cn).as_bytes())?,
                None => {
                    key.international = true;
                    key.push_all(b"+")?;
                    key.push_all(number.as_bytes())?;
                }
            },
            None => {
                let national = numbering::strip_country_code(all).unwrap_or(all);
                key.push_all(numbering::national_significant(national).as_bytes())?;
            }
        }
        if key.digits().is_empty() {
            return None;
        }
        Some(key)
    }

    fn push_all(&mut self, bytes: &[u8]) -> Option<()> {
        for &b in bytes {
            *self.buf.get_mut(self.len)? = b;
            self.len = self.len.saturating_add(1);
        }
        Some(())
    }

    /// The normalised number as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and `+` are ever stored.
        self.buf.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The digits without a leading `+`.
    pub(crate) fn digits(&self) -> &str {
        self.as_str().trim_start_matches('+')
    }

    /// Whether the number carries a country code other than China's.
    pub(crate) fn is_international(&self) -> bool {
        self.international
    }

    /// A valid mainland China number (mobile, fixed line, toll-free, premium
    /// rate or shared cost), as libphonenumber's numbering plan says.
    pub(crate) fn is_valid_cn(&self) -> bool {
        !self.international && numbering::is_valid(self.as_str())
    }

    /// An international number of plausible E.164 shape: a country code that
    /// does not start with 0 and 8 to 15 digits in all.
    pub(crate) fn is_e164_shaped(&self) -> bool {
        let d = self.digits();
        self.international && (8..=15).contains(&d.len()) && !d.starts_with('0')
    }

    /// The hash used by list indexes.
    pub(crate) fn hash_key(&self) -> u64 {
        hash_chars(b'p', self.as_str().chars())
    }
}

/// At most this share of a masked value is shown: a third.
fn shown(len: usize, at_most: usize) -> usize {
    (len / 3).min(at_most)
}

/// Writes `raw` as evidence may show it, masked: without building a
/// string, so a masked value fits in a finding's inline facts.
///
/// - phones `****678`: the last digits, never more than a third of them
///   (three of a mainland mobile's eleven);
/// - names `张**`: the first characters, at most a third, and a star for
///   each of the rest (`**` for a two-character name);
/// - payment instruments and devices `****2233`: the last characters, at
///   most four and at most a third;
/// - address lines `***`: nothing of them.
pub(crate) fn write_masked(kind: Personal, raw: &str, out: &mut dyn fmt::Write) -> fmt::Result {
    match kind {
        Personal::Phone => match PhoneKey::parse(raw) {
            Some(k) => write_tail(k.as_str().chars(), 4, out),
            None => write_tail(raw.chars().filter(char::is_ascii_digit), 4, out),
        },
        Personal::Name => {
            let chars = raw.trim().chars().filter(|c| !c.is_whitespace());
            let n = chars.clone().count();
            if n == 0 {
                return Ok(());
            }
            let keep = shown(n, usize::MAX);
            chars
                .take(keep)
                .chain(std::iter::repeat_n('*', n.saturating_sub(keep).max(1)))
                .try_for_each(|c| out.write_char(c))
        }
        Personal::Instrument | Personal::Device => write_tail(raw.trim().chars(), 4, out),
        Personal::AddressLine => out.write_str("***"),
    }
}

/// `****` and the last of `chars`: at most `at_most`, at most a third.
fn write_tail(chars: impl Iterator<Item = char> + Clone, at_most: usize, out: &mut dyn fmt::Write) -> fmt::Result {
    let n = chars.clone().count();
    out.write_str("****")?;
    chars.skip(n.saturating_sub(shown(n, at_most))).try_for_each(|c| out.write_char(c))
}

/// `raw` masked as [`write_masked`] writes it.
pub(crate) fn masked(kind: Personal, raw: &str) -> String {
    let mut s = String::new();
    // Writing to a `String` cannot fail.
    let _ = write_masked(kind, raw, &mut s);
    s
}

/// The closest of `candidates` to `word`, if it is close (a likely typo).
///
/// Bounded: a word longer than any id could be a typo of is not compared,
/// and neither is a candidate whose length differs by more than the
/// distance allowed, so a 10 MB unknown key costs one length check.
pub(crate) fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    const MAX_DISTANCE: usize = 3;
    const MAX_LEN: usize = 64;
    fn distance(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = Vec::with_capacity(prev.len());
            cur.push(i.saturating_add(1));
            for (j, cb) in b.iter().enumerate() {
                let sub = prev.get(j).copied().unwrap_or(0).saturating_add(usize::from(ca != cb));
                let del = prev.get(j.saturating_add(1)).copied().unwrap_or(0).saturating_add(1);
                let ins = cur.get(j).copied().unwrap_or(0).saturating_add(1);
                cur.push(sub.min(del).min(ins));
            }
            prev = cur;
        }
        prev.last().copied().unwrap_or(0)
    }
    if word.len() > MAX_LEN.saturating_mul(4) {
        return None;
    }
    let word: Vec<char> = word.chars().collect();
    if word.len() > MAX_LEN {
        return None;
    }
    candidates
        .filter_map(|c| {
            let cand: Vec<char> = c.chars().collect();
            (cand.len().abs_diff(word.len()) <= MAX_DISTANCE).then(|| (distance(&word, &cand), c))
        })
        .filter(|(d, _)| *d <= MAX_DISTANCE)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The longest name (a field, a key) a message quotes whole.
const NAME_SHOWN: usize = 40;

/// A name from the input (an unknown field, a map key) as a message may
/// show it: control characters escaped (a key cannot forge a line or
/// colour a terminal), runs of five or more digits masked (a key that is a
/// phone or card number is not printed), and cut at forty characters.
pub(crate) fn safe_name(name: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 5 {
            out.extend(std::iter::repeat_n('*', digits.chars().count()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for (n, c) in name.chars().enumerate() {
        if n == NAME_SHOWN {
            flush(&mut digits, &mut out);
            out.push('…');
            return out;
        }
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut digits, &mut out);
        push_escaped(&mut out, c.encode_utf8(&mut [0; 4]));
    }
    flush(&mut digits, &mut out);
    out
}

/// A message built around names from the input, as [`safe_name`] shows
/// each: every `backticked` name made safe, control characters anywhere
/// escaped.
pub(crate) fn safe_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (n, part) in message.split('`').enumerate() {
        if n > 0 {
            out.push('`');
        }
        if n % 2 == 1 {
            out.push_str(&safe_name(part));
        } else {
            push_escaped(&mut out, part);
        }
    }
    out
}

/// A path through the input (`rules.<key>.params`) with each of its names
/// made safe by [`safe_name`].
pub(crate) fn safe_path(path: &str) -> String {
    path.split('.').map(safe_name).collect::<Vec<_>>().join(".")
}

/// `s` onto `out`, control characters escaped.
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// `text` without a leading UTF-8 byte-order mark: exports saved by
/// spreadsheet tools start with one, and it is no part of the JSON.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A serde error message without the input values it quotes: `invalid
/// type: string "李娜 138…", expected …` becomes `invalid type: string,
/// expected …`. Data inputs carry personal data, and errors end up in logs.
/// Field names and the expected forms stay: they say what to fix.
pub(crate) fn without_values(message: &str) -> String {
    static QUOTED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(invalid (?:type|value): (?:string|char|integer|floating point|boolean|bytes))(?: "(?:[^"\\]|\\.)*"| '(?:[^'\\]|\\.)*'| `[^`]*`)|(unknown variant) `[^`]*`"#,
        )
        .ok()
    });
    match QUOTED.as_ref() {
        Some(re) => re.replace_all(message, "$1$2").into_owned(),
        None => String::new(),
    }
}

/// A share shown as a percentage, one decimal place at most: `0.3` is `30%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Percent(pub(crate) Decimal);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) => write!(f, "{}%", p.round_dp(1).normalize()),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A span of minutes shown in hours, one decimal place at most: `90` is `1.5h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hours(pub(crate) i64);

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Minutes over 60 is exact to far more places than shown, and cannot overflow.
        let h = Decimal::from(self.0).checked_div(Decimal::from(60)).unwrap_or_default();
        write!(f, "{}h", h.round_dp(1).normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_phone(raw: &str) -> String {
        masked(Personal::Phone, raw)
    }
    fn mask_name(raw: &str) -> String {
        masked(Personal::Name, raw)
    }
    fn mask_tail(raw: &str) -> String {
        masked(Personal::Instrument, raw)
    }

    fn key(s: &str) -> String {
        PhoneKey::parse(s).map(|k| k.as_str().to_owned()).unwrap_or_default()
    }

    #[test]
    fn phone_forms_normalise_to_one_key() {
        for raw in [
            "13800138000",
            "+86 138-0013-8000",
            "0086 13800138000",
            "8613800138000",
            "+86 (138) 0013 8000",
            "１３８００１３８０００",
        ] {
            assert_eq!(key(raw), "13800138000", "{raw}");
        }
        assert_eq!(key("010-12345678"), "1012345678");
        assert_eq!(key("+86 10 1234 5678"), "1012345678");
        assert_eq!(key("+1 (415) 555-2671"), "+14155552671");
        assert_eq!(key("001-415-555-2671 ext 12"), "+14155552671");
        assert_eq!(key("0755-1234567转8"), "7551234567");
        assert!(PhoneKey::parse("138abc").is_none());
        assert!(PhoneKey::parse("").is_none());
        assert!(PhoneKey::parse("+").is_none());
        assert!(PhoneKey::parse("123456789012345678901234").is_none());
    }

    #[test]
    fn phone_kinds() {
        let k = |s| PhoneKey::parse(s).unwrap();
        assert!(k("13800138000").is_valid_cn());
        assert!(!k("12800138000").is_valid_cn());
        assert!(!k("1380013800").is_valid_cn());
        assert!(k("010-12345678").is_valid_cn());
        assert!(k("+86 10 1234 5678").is_valid_cn());
        assert!(k("0755-12345678").is_valid_cn());
        assert!(!k("0012345678").is_valid_cn());
        assert!(!k("+1 415 555 2671").is_valid_cn());
        assert!(k("+44 20 7946 0958").is_e164_shaped());
        assert!(!k("+44 20").is_e164_shaped());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("+86 138-0013-5678"), "****678");
        assert_eq!(mask_phone("1234567"), "****67", "a short number shows two of seven digits, not seven of eight");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张三"), "**");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name("  "), "");
        assert_eq!(mask_tail("6222020200112233"), "****2233");
        assert_eq!(mask_tail("ab"), "****");
        assert_eq!(mask_tail("abcdef"), "****ef");
        assert_eq!(masked(Personal::AddressLine, "科技园路1号"), "***");
    }

    #[test]
    fn no_mask_shows_more_than_a_third() {
        let digits = "98765432109876543210";
        let letters = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉";
        for n in 1..=20 {
            let d: String = digits.chars().take(n).collect();
            let l: String = letters.chars().take(n).collect();
            for masked in [mask_phone(&d), mask_tail(&d), mask_name(&l), mask_tail(&l)] {
                let visible = masked.chars().filter(|c| *c != '*').count();
                assert!(visible * 3 <= n, "{masked:?} shows {visible} of {n}");
            }
        }
    }

    #[test]
    fn parse_errors_lose_their_values() {
        let cases = [
            (
                r#"invalid type: string "李娜 13800138351 北京", expected a decimal"#,
                "invalid type: string, expected a decimal",
            ),
            (r#"invalid value: string "a\"b", expected x"#, "invalid value: string, expected x"),
            ("invalid type: integer `13800138000`, expected a string", "invalid type: integer, expected a string"),
            ("invalid type: floating point `1.5`, expected u32", "invalid type: floating point, expected u32"),
            ("unknown variant `李娜`, expected one of `a`, `b`", "unknown variant, expected one of `a`, `b`"),
            ("missing field `user_id`", "missing field `user_id`"),
        ];
        for (raw, want) in cases {
            assert_eq!(without_values(raw), want);
        }
    }

    #[test]
    fn address_folding() {
        assert!(address_chars("广东省 深圳市，科技园１２号").eq(address_chars("广东省深圳市科技园12号")));
        assert!(same_text("Parcel Locker", "parcel  locker"));
    }
}

#[cfg(test)]
mod matcher_tests {
    use super::*;

    #[test]
    fn the_matcher_finds_what_contains_folded_finds() {
        let words: Vec<String> = ["gift card", "手机", "ＧＯＬＤ", "watch"].map(str::to_owned).to_vec();
        let m = FoldedMatcher::new(&words);
        for text in
            ["Gift Cards", "giftcard", "二手 手机壳", "Gold ring", "ｗａｔｃｈ", "tea", "", "gif tcard", "手 机"]
        {
            let slow = words.iter().any(|k| contains_folded(text, k));
            assert_eq!(m.found_in(text, &words), slow, "{text}");
        }
        let empty = FoldedMatcher::new(&[String::new()]);
        assert!(!empty.found_in("anything", &[String::new()]));
    }
}
