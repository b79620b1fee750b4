//! The default rules stay quiet on a shop's ordinary traffic: five weeks of
//! an ordinary shop, generated with the traits that made earlier defaults
//! queue a third of a real shop's orders (daily seasonality, wholesale buyers
//! ordering hundreds of units, free gift lines, bank transfers paid days
//! later, cash on delivery), replayed with `order-anomaly replay --stages`.
//! At every fulfilment stage at most 2% of the assessments go to review or
//! above and at most 0.3% to hold, and no rule fires on more than 1% of them
//! (`payment.amount_spike`, below review alone, on at most 2%).
//!
//! Nothing in it is abnormal on purpose, and it is not tuned to the rules:
//! its shape is a shop's, its figures are written out below.

mod common;

use common::*;
use serde_json::{Value, json};

/// A small deterministic generator (xorshift64*): the same traffic on every
/// run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p` percent.
    fn chance(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// Orders per hour of the shop's local day (UTC+8): quiet nights, busy
/// afternoons and evenings; about 140 a day.
const PER_HOUR: [u64; 24] = [2, 1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 9, 9, 10, 10, 9, 8, 8, 9, 10, 10, 8, 6, 4];

const DAYS: i64 = 35;
const RETAIL_BUYERS: u64 = 900;
const WHOLESALE_BUYERS: u64 = 40;
const PRODUCTS: u64 = 400;

/// `2026-03-01T00:00:00+08:00` plus `minutes`, as UTC text.
fn at(minutes: i64) -> String {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00+08:00").expect("a time");
    (start + chrono::Duration::minutes(minutes)).with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

const CITIES: [(&str, &str, &str); 5] = [
    ("广东省", "深圳市", "440305"),
    ("上海市", "上海市", "310115"),
    ("北京市", "北京市", "110108"),
    ("浙江省", "杭州市", "330106"),
    ("四川省", "成都市", "510107"),
];

/// Buyer `b`'s stable facts: city, phone, device, card, name.
fn buyer(b: u64) -> (usize, String, String, String, String) {
    let city = (b % CITIES.len() as u64) as usize;
    (city, format!("139{:08}", b * 7919 % 100_000_000), format!("dev-{b}"), format!("tok-{b}"), format!("顾客{b}"))
}

/// The generated export: events as JSON lines, in time order.
fn traffic() -> String {
    let mut rng = Rng(0x5EED_2026_0301);
    // (minute, sequence, event): sorted by time at the end.
    let mut events: Vec<(i64, usize, Value)> = Vec::new();
    let mut n = 0u64;
    for day in 0..DAYS {
        for (hour, rate) in PER_HOUR.iter().enumerate() {
            for _ in 0..*rate + rng.below(3) {
                n += 1;
                let placed = day * 1440 + hour as i64 * 60 + rng.below(60) as i64;
                let wholesale = rng.chance(4);
                let b = if wholesale { RETAIL_BUYERS + rng.below(WHOLESALE_BUYERS) } else { rng.below(RETAIL_BUYERS) };
                let (city, phone, device, card, name) = buyer(b);
                let (province, city_name, code) = CITIES[city];
                // Popular products first: the square of a uniform draw.
                // A retail buyer shops in a price tier of their own (20, 60 or
                // 150 yuan an item, give or take half); a wholesale buyer
                // orders cheap goods by the dozen.
                let tier = [20, 60, 150][(b % 3) as usize];
                let mut lines = Vec::new();
                let line_count = if wholesale { 3 + rng.below(8) } else { 1 + rng.below(3) };
                for _ in 0..line_count {
                    let u = rng.below(1000);
                    let p = u * u * PRODUCTS / 1_000_000;
                    let cents = if wholesale { 100 + (p * 37 % 900) } else { tier * 50 + (p * 37 % 100) * tier };
                    let quantity = if wholesale { [12, 24, 48, 96][rng.below(4) as usize] } else { 1 + rng.below(2) };
                    lines.push((format!("p-{p}"), cents, quantity));
                }
                // A free gift with one order in ten.
                if rng.chance(10) {
                    lines.push(("gift-tote".to_owned(), 0, 1));
                }
                let total: u64 = lines.iter().map(|(_, cents, q)| cents * q).sum();
                let money = |cents: u64| format!("{}.{:02}", cents / 100, cents % 100);
                let method = match rng.below(100) {
                    0..50 => "card",
                    50..80 => "wechat",
                    80..90 => "bank_transfer",
                    _ => "cod",
                };
                let items: Vec<Value> = lines
                    .iter()
                    .map(|(id, cents, q)| {
                        json!({"product_id": id, "category": "家居日用", "unit_price": money(*cents), "quantity": q})
                    })
                    .collect();
                let id = format!("SO-{n}");
                let order = json!({
                    "id": id, "user_id": format!("u-{b}"), "created_at": at(placed), "currency": "CNY",
                    "items": items, "items_total": money(total), "payable_amount": money(total),
                    "payment": {"method": method, "instrument_id": card},
                    "shipping": {"country": "CN", "province": province, "city": city_name, "region_code": code,
                                 "detail": format!("幸福路{}号{}室", b / 20 + 1, b % 20 + 101)},
                    "recipient": {"name": name, "phone": phone},
                    "client": {"device_id": device, "location": {"country": "CN", "region": province, "city": city_name}},
                });
                let mut push = |minute: i64, kind: &str, mut event: Value| {
                    event["id"] = json!(format!("{id}:{kind}"));
                    event["at"] = json!(at(minute));
                    event["type"] = json!(kind);
                    events.push((minute, events.len(), event));
                };
                push(placed, "order_placed", json!({"order": order}));
                // One order in thirty is cancelled before it is paid.
                if method != "cod" && rng.chance(3) {
                    push(placed + 5 + rng.below(20) as i64, "cancelled", json!({"order_id": id}));
                    continue;
                }
                let paid = match method {
                    "bank_transfer" => placed + 600 + rng.below(2 * 1440) as i64,
                    "cod" => -1,
                    _ => placed + 1 + rng.below(10) as i64,
                };
                if paid >= 0 {
                    push(paid, "paid", json!({"order_id": id, "amount": money(total)}));
                }
                let shipped = paid.max(placed) + 600 + rng.below(1440) as i64;
                push(shipped, "shipped", json!({"order_id": id, "carrier": "SF"}));
                let delivered = shipped + 1440 + rng.below(1440) as i64;
                push(delivered, "delivered", json!({"order_id": id}));
                if paid < 0 {
                    push(delivered + 1, "paid", json!({"order_id": id, "amount": money(total)}));
                }
            }
        }
    }
    events.sort_by_key(|(minute, seq, _)| (*minute, *seq));
    events.into_iter().map(|(_, _, e)| e.to_string() + "\n").collect()
}

#[test]
fn the_default_rules_queue_almost_none_of_an_ordinary_shops_orders() {
    let export = temp("ordinary-shop.jsonl", &traffic());
    let (out, stdout, stderr) = run(bin().arg("replay").arg(&export).args(["--stages", "--summary-only"]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).expect("a summary");
    let s = &summary["summary"];
    assert_eq!(s["too_late"], 0, "the export is in time order");
    let placed = s["by_stage"]["placed"]["assessments"].as_u64().unwrap_or(0);
    assert!(placed > 4000, "five weeks of about 140 orders a day: {placed}");
    let mut problems = Vec::new();
    for stage in ["placed", "paid", "shipped", "delivered"] {
        let j = &s["by_stage"][stage];
        let n = j["assessments"].as_u64().unwrap_or(0) as f64;
        assert!(n > 1000.0, "{stage}: {n} assessments");
        let count = |d: &str| j["decisions"][d].as_u64().unwrap_or(0) as f64;
        let (hold, review) = (count("hold") + count("reject"), count("review"));
        if (hold + review) / n > 0.02 {
            problems.push(format!("{stage}: {:.2}% to review or above", 100.0 * (hold + review) / n));
        }
        if hold / n > 0.003 {
            problems.push(format!("{stage}: {:.2}% to hold or above", 100.0 * hold / n));
        }
    }
    for (rule, rate) in s["firing_rates"].as_object().into_iter().flatten() {
        // The one exception: an order at 3x the buyer's average is the
        // source document's own threshold, exact as a fact and common in a
        // shop whose buyers' baskets vary (1-2% of a real shop's orders); it
        // is weighted to stay below review alone.
        let limit = if rule == "payment.amount_spike" { 0.02 } else { 0.01 };
        if rate.as_f64().unwrap_or(0.0) > limit {
            problems.push(format!("{rule} fires on {:.2}% of the assessments", 100.0 * rate.as_f64().unwrap_or(0.0)));
        }
    }
    assert!(problems.is_empty(), "{}\n{stderr}", problems.join("\n"));
    // The rates, for `--nocapture`.
    eprintln!("{stderr}");
}

#[test]
fn the_traffic_has_the_traits_it_is_meant_to_have() {
    // The guard above is worth only what its traffic holds: check it.
    let text = traffic();
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let orders: Vec<&Value> = events.iter().filter(|e| e["type"] == "order_placed").map(|e| &e["order"]).collect();
    let share = |f: &dyn Fn(&Value) -> bool| orders.iter().filter(|o| f(o)).count() as f64 / orders.len() as f64;
    let free = share(&|o| o["items"].as_array().unwrap().iter().any(|i| i["unit_price"] == "0.00"));
    let wholesale = share(&|o| o["items"].as_array().unwrap().iter().any(|i| i["quantity"].as_u64() >= Some(12)));
    let slow = share(&|o| matches!(o["payment"]["method"].as_str(), Some("bank_transfer" | "cod")));
    assert!((0.07..0.13).contains(&free), "gift lines on {free}");
    assert!((0.02..0.08).contains(&wholesale), "wholesale orders {wholesale}");
    assert!((0.15..0.25).contains(&slow), "slow payment methods {slow}");
    // Afternoons are several times as busy as the small hours.
    let hour = |o: &&Value| (o["created_at"].as_str().unwrap()[11..13].parse::<u32>().unwrap() + 8) % 24;
    let afternoon = orders.iter().filter(|o| (13..16).contains(&hour(o))).count();
    let night = orders.iter().filter(|o| (1..4).contains(&hour(o))).count();
    assert!(afternoon > 5 * night.max(1), "afternoon {afternoon}, night {night}");
}
