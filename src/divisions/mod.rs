//! China's administrative hierarchy: which province a prefecture-level city
//! lies in (GB/T 2260), so that places named at different levels (杭州市 and
//! 浙江省) can be compared at a level both name.
//!
//! Lookups scan a static table of 339 cities and 34 provinces with folded
//! comparisons: no allocation, and only when one side of a comparison lacks
//! the level the other has.

mod table;

use crate::text::{folded, starts_with_folded};

/// A province, by its GB/T 2260 code.
pub(crate) type Province = u8;

/// The province `name` names (`浙江省`, `浙江`, `Zhejiang` is not read), by
/// its short name at the start.
pub(crate) fn province(name: &str) -> Option<Province> {
    table::PROVINCES.iter().find(|(_, short, _)| starts_with_folded(name, short)).map(|(code, _, _)| *code)
}

/// The province of the prefecture-level city `name` (`杭州市` or `杭州`),
/// when exactly one city answers to it.
pub(crate) fn province_of_city(name: &str) -> Option<Province> {
    let stem = city_stem(name);
    if folded(stem).count() < 2 {
        return None;
    }
    let mut found = table::CITIES.iter().filter(|(city, _)| same_city(city, stem));
    let (_, code) = found.next()?;
    found.next().is_none().then_some(*code)
}

/// A city's name without the suffix people often leave out (`市`, `地区`, `盟`).
pub(crate) fn city_stem(name: &str) -> &str {
    let name = name.trim();
    ["市", "地区", "盟"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

/// Whether a table city answers to `stem`: the table name starts with it
/// (`延边` for `延边朝鲜族自治州`, `杭州` for `杭州市`).
fn same_city(city: &str, stem: &str) -> bool {
    starts_with_folded(city, stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_and_provinces() {
        assert_eq!(province_of_city("杭州市"), Some(33));
        assert_eq!(province_of_city("杭州"), Some(33));
        assert_eq!(province_of_city("延边"), Some(22));
        assert_eq!(province_of_city("北京市"), Some(11));
        assert_eq!(province_of_city("吉林市"), Some(22));
        assert_eq!(province_of_city("Springfield"), None);
        assert_eq!(province_of_city("张家"), None, "张家口 or 张家界: ambiguous");
        assert_eq!(province("浙江省"), Some(33));
        assert_eq!(province("广西壮族自治区"), Some(45));
        assert_eq!(province("陕西"), Some(61));
        assert_eq!(province("山西省"), Some(14));
        assert_eq!(province("California"), None);
    }
}
