//! Writes `tests/fixtures/phones-cn.csv`: phone numbers in the shapes an OMS
//! sees for mainland China (with and without +86 / 0086 / 86, spaces,
//! dashes, brackets, full-width digits, near-misses), each with
//! libphonenumber's verdict (the `phonenumber` crate, its Rust port): valid
//! for region CN or not.
//!
//! ```text
//! cargo run --manifest-path tools/phone-corpus/Cargo.toml > tests/fixtures/phones-cn.csv
//! ```

use phonenumber::country::Id::CN;

/// A small deterministic generator (SplitMix64), so the corpus is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
}

const AREA_2: &[&str] = &["10", "20", "21", "22", "23", "24", "25", "27", "28", "29"];
const AREA_3: &[&str] = &[
    "311", "351", "371", "411", "431", "451", "510", "512", "531", "551", "571", "574", "591", "595", "731", "755",
    "757", "769", "791", "851", "871", "898", "931", "991", "432", "475", "565", "110", "100", "199", "600", "700",
];

/// A national number (without trunk prefix) and whether it is a landline.
fn national(r: &mut Rng) -> (String, bool) {
    match r.below(10) {
        // Mobiles, over every 1xx prefix (allocated or not).
        0..=3 => (format!("1{}{}", 3 + r.below(7), r.digits(9)), false),
        // Landlines with a 2- or 3-digit area code and a 7-8 digit local number.
        4..=7 => {
            let area = if r.below(2) == 0 { r.pick(AREA_2) } else { r.pick(AREA_3) };
            let len = if r.below(6) == 0 { 7 } else { 8 };
            let first = match r.below(8) {
                0 => '0',
                1 => '1',
                _ => char::from(b'2' + r.below(8) as u8),
            };
            (format!("{area}{first}{}", r.digits(len - 1)), true)
        }
        // Service numbers.
        8 => (format!("{}{}", r.pick(&["400", "800", "950", "168"]), r.digits(7)), false),
        // Near-misses: a mobile or landline a digit short or long.
        _ => {
            let (n, landline) = national(r);
            if r.below(2) == 0 { (n[..n.len() - 1].to_owned(), landline) } else { (format!("{n}{}", r.digits(1)), landline) }
        }
    }
}

fn full_width(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c }).collect()
}

/// `n` written the way a person or a system might.
fn written(r: &mut Rng, n: &str, landline: bool) -> String {
    let split = |s: &str, at: usize, sep: &str| if at < s.len() { format!("{}{sep}{}", &s[..at], &s[at..]) } else { s.to_owned() };
    let area_len = if n.starts_with('1') || n.starts_with('2') { 2 } else { 3 };
    let body = match r.below(4) {
        0 => n.to_owned(),
        1 => split(n, if landline { area_len } else { 3 }, " "),
        2 => split(n, if landline { area_len } else { 3 }, "-"),
        _ => split(&split(n, if landline { area_len } else { 3 }, " "), 8, " "),
    };
    let s = match r.below(9) {
        0 | 1 if landline => format!("0{body}"),
        2 if landline => format!("(0{}) {}", &n[..area_len], &n[area_len..]),
        3 if landline => format!("86({}){}", &n[..area_len], &n[area_len..]),
        4 if landline => format!("+86 (0){body}"),
        0..=3 => body,
        4 => format!("+86{body}"),
        5 => format!("+86 {body}"),
        6 => format!("0086{body}"),
        7 => format!("86{body}"),
        _ => format!("+86-{body}"),
    };
    if r.below(10) == 0 { full_width(&s) } else { s }
}

/// libphonenumber's verdict: parsed with region CN, valid for region CN.
///
/// Computed with the Rust port, with its three known deviations from the
/// Java library (the reference) corrected:
///
/// - Java reads any Unicode decimal digit and the full-width plus; the port
///   reads only ASCII, so full-width forms are folded first.
/// - The port fails to read a country code followed directly by more digits
///   and a separator (`+86186-9763-0475`: an integer overflow); Java reads
///   the country code by trying one to three digits. Such an input is read
///   again with a space after the country code, which Java reads the same.
/// - The port accepts a national number when a type's pattern matches a
///   *prefix* of it (`Descriptor::is_match` checks only that the match starts
///   at 0); Java requires the whole number to match
///   (`isNumberMatchingDesc`, `matchesEntirely`). Validity is therefore
///   checked here with the port's metadata patterns, anchored at both ends.
fn verdict(s: &str) -> bool {
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            '＋' => '+',
            c => c,
        })
        .collect();
    let parsed = phonenumber::parse(Some(CN), &ascii).or_else(|e| match e {
        phonenumber::ParseError::MalformedInteger(_) => {
            let spaced = ascii.replacen("+86", "+86 ", 1).replacen("0086", "0086 ", 1);
            phonenumber::parse(Some(CN), &spaced)
        }
        e => Err(e),
    });
    let Ok(n) = parsed else { return false };
    if n.code().value() != 86 {
        return false;
    }
    let nsn = n.national().to_string();
    let meta = phonenumber::metadata::DATABASE.by_id("CN").unwrap();
    let d = meta.descriptors();
    let whole = |desc: &phonenumber::metadata::Descriptor| {
        let lengths = desc.possible_length();
        let re = regex::Regex::new(&format!("(?x)^(?:{})$", desc.national_number().as_str())).unwrap();
        (lengths.is_empty() || lengths.contains(&(nsn.len() as u16))) && re.is_match(&nsn)
    };
    let general = regex::Regex::new(&format!("(?x)^(?:{})$", d.general().national_number().as_str())).unwrap();
    let kinds = [d.fixed_line(), d.mobile(), d.toll_free(), d.premium_rate(), d.shared_cost(), d.personal_number(), d.voip(), d.pager(), d.uan(), d.voicemail()];
    general.is_match(&nsn) && kinds.into_iter().flatten().any(whole)
}

fn main() {
    let mut r = Rng(20_260_310);
    println!("input,libphonenumber_valid_cn");
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 4000 {
        let (n, landline) = national(&mut r);
        let s = written(&mut r, &n, landline);
        if seen.insert(s.clone()) {
            println!("{s},{}", verdict(&s));
        }
    }
}
