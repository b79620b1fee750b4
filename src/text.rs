//! Normalising and masking the personal data an order carries.
//!
//! Lists compare normalised values, so `+86 138-0013-8000` on a block list
//! matches `13800138000` on an order, and `广东省 深圳市 科技园１２号` matches
//! `广东省深圳市科技园12号`. Normalising streams characters instead of building
//! strings, so a lookup on the evaluation path allocates nothing.

use chrono::Duration;
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

/// Orders values the way [`same_text`] compares them.
pub(crate) fn cmp_folded(a: &str, b: &str) -> std::cmp::Ordering {
    folded(a).cmp(folded(b))
}

/// How many different values there are, as [`same_text`] tells them apart,
/// not counting blank ones. Sorts: n·log n, where comparing each value with
/// every other was the square.
pub(crate) fn count_distinct<'a>(values: impl Iterator<Item = &'a str>) -> usize {
    let mut v: Vec<&str> = values.filter(|v| folded(v).next().is_some()).collect();
    v.sort_unstable_by(|a, b| cmp_folded(a, b));
    v.dedup_by(|a, b| same_text(a, b));
    v.len()
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
/// Mainland China numbers (with or without `+86` / `0086` / `86`) become their
/// national digits (`13800138000`, `01012345678`); other international numbers
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
        let all = digits.get(..n)?;
        let (international, national): (bool, &[u8]) = if plus {
            (true, all)
        } else if let Some(rest) = all.strip_prefix(b"00") {
            (true, rest)
        } else if all.len() == 13 && all.starts_with(b"861") {
            // 8613800138000: a mainland mobile with the country code but no `+`.
            (true, all)
        } else {
            (false, all)
        };
        let mut key = PhoneKey { buf: [0; PHONE_MAX], len: 0, international: false };
        if international {
            if let Some(cn) = national.strip_prefix(b"86") {
                key.push_all(cn)?;
            } else {
                key.international = true;
                key.push_all(b"+")?;
                key.push_all(national)?;
            }
        } else {
            key.push_all(national)?;
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

    /// A mainland China mobile number: `1[3-9]` and nine more digits.
    pub(crate) fn is_cn_mobile(&self) -> bool {
        let d = self.as_str().as_bytes();
        !self.international && d.len() == 11 && d.first() == Some(&b'1') && matches!(d.get(1), Some(b'3'..=b'9'))
    }

    /// A mainland China landline: trunk `0`, a 2-3 digit area code and a 7-8
    /// digit local number (10 to 12 digits in all).
    pub(crate) fn is_cn_landline(&self) -> bool {
        let d = self.as_str().as_bytes();
        !self.international
            && (10..=12).contains(&d.len())
            && d.first() == Some(&b'0')
            && d.get(1).is_some_and(|c| *c != b'0')
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

/// `138****5678`: the first three and last four digits of a phone number.
pub(crate) fn mask_phone(raw: &str) -> String {
    let digits: String = match PhoneKey::parse(raw) {
        Some(k) => k.as_str().to_owned(),
        None => raw.chars().filter(char::is_ascii_digit).collect(),
    };
    let n = digits.chars().count();
    if n <= 7 {
        return format!("****{}", tail(&digits, 2));
    }
    let head: String = digits.chars().take(3).collect();
    format!("{head}****{}", tail(&digits, 4))
}

/// `张*`: the first character of a name, a star for each of the rest.
pub(crate) fn mask_name(raw: &str) -> String {
    let mut chars = raw.trim().chars().filter(|c| !c.is_whitespace());
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let stars = chars.count().max(1);
            let mut s = String::with_capacity(first.len_utf8().saturating_add(stars));
            s.push(first);
            s.extend(std::iter::repeat_n('*', stars));
            s
        }
    }
}

/// `****1234`: the last four characters of a payment instrument or device id.
pub(crate) fn mask_tail(raw: &str) -> String {
    format!("****{}", tail(raw.trim(), 4))
}

fn tail(s: &str, n: usize) -> &str {
    let count = s.chars().count();
    match s.char_indices().nth(count.saturating_sub(n)) {
        Some((i, _)) => s.get(i..).unwrap_or(""),
        None => s,
    }
}

/// A percentage for messages: `0.3` → `30%`.
pub(crate) fn pct(d: Decimal) -> String {
    match d.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.round_dp(1).normalize()),
        None => format!("{d}"),
    }
}

/// Hours, one decimal place, for messages.
pub(crate) fn hours(d: Duration) -> String {
    // Minutes over 60 is exact to far more places than shown, and cannot overflow.
    let h = Decimal::from(d.num_minutes()).checked_div(Decimal::from(60)).unwrap_or_default();
    format!("{}h", h.round_dp(1).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(key("010-12345678"), "01012345678");
        assert_eq!(key("+1 (415) 555-2671"), "+14155552671");
        assert_eq!(key("001-415-555-2671 ext 12"), "+14155552671");
        assert_eq!(key("0755-1234567转8"), "07551234567");
        assert!(PhoneKey::parse("138abc").is_none());
        assert!(PhoneKey::parse("").is_none());
        assert!(PhoneKey::parse("+").is_none());
        assert!(PhoneKey::parse("123456789012345678901234").is_none());
    }

    #[test]
    fn phone_kinds() {
        let k = |s| PhoneKey::parse(s).unwrap();
        assert!(k("13800138000").is_cn_mobile());
        assert!(!k("12800138000").is_cn_mobile());
        assert!(!k("1380013800").is_cn_mobile());
        assert!(k("010-12345678").is_cn_landline());
        assert!(k("0755-1234567").is_cn_landline());
        assert!(!k("0012345678").is_cn_landline());
        assert!(k("+44 20 7946 0958").is_e164_shaped());
        assert!(!k("+44 20").is_e164_shaped());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("+86 138-0013-5678"), "138****5678");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("张"), "张*");
        assert_eq!(mask_tail("6222020200112233"), "****2233");
        assert_eq!(mask_tail("ab"), "****ab");
    }

    #[test]
    fn address_folding() {
        assert!(address_chars("广东省 深圳市，科技园１２号").eq(address_chars("广东省深圳市科技园12号")));
        assert!(same_text("Parcel Locker", "parcel  locker"));
    }
}
