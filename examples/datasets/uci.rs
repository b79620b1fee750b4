//! UCI Online Retail (a UK gift wholesaler, 2010-12 .. 2011-12) to events.
//!
//! Mapping, per invoice (the rows sharing an `InvoiceNo`):
//! - an ordinary invoice is an `order_placed`: id `InvoiceNo`, buyer
//!   `CustomerID` (`17850.0` becomes `17850`; an empty one a guest of its own,
//!   `guest:<InvoiceNo>`), time `InvoiceDate` (UK local time, read as UTC and
//!   judged with offset +00:00), currency GBP, one line per row (`StockCode`,
//!   `UnitPrice`, `Quantity`; no category), payable = the sum of the lines,
//!   paid in full at once (the data has no payments), the session's location
//!   the `Country`;
//! - an invoice starting with `C` is a `cancelled` event for the buyer's most
//!   recent earlier invoice holding one of its stock codes (the data does not
//!   say which invoice a cancellation undoes); unmatched ones are counted and
//!   dropped;
//! - `A` invoices (bad-debt bookkeeping) are dropped, and so are the
//!   invoices whose every line has a quantity of zero or less that do not
//!   start with `C`: stock written off (`damaged`, `lost`, no customer, no
//!   price), not sales.
//!
//! Label, for backtests: an invoice is abnormal when a later cancellation was
//! matched to it (a real but weak proxy: wholesalers cancel for many reasons).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use order_anomaly::model::{ClientInfo, LineItem, Location, Payment};
use order_anomaly::profile::{Event, EventKind};
use order_anomaly::{Order, UtcOffset};
use rust_decimal::Decimal;

use super::steps::{Replay, Step};

struct Row {
    invoice: String,
    stock: String,
    quantity: i64,
    at: DateTime<Utc>,
    price: Decimal,
    customer: String,
    country: String,
}

/// An invoice of a customer's: when, its number, its stock codes.
type PastInvoice = (DateTime<Utc>, String, Vec<String>);

fn read_gz(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f).read_to_string(&mut s).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(s)
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok().map(|t| t.and_utc())
}

pub fn load(dir: &Path) -> Result<Replay, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("online_retail_")))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    let mut bad_rows = 0u64;
    for f in &files {
        let text = read_gz(f)?;
        let mut r = csv::Reader::from_reader(text.as_bytes());
        for rec in r.records() {
            let Ok(rec) = rec else {
                bad_rows += 1;
                continue;
            };
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
            let (Some(at), Ok(quantity), Ok(price)) = (time(&get(4)), get(3).parse::<i64>(), get(5).parse::<Decimal>())
            else {
                bad_rows += 1;
                continue;
            };
            let customer = get(6).trim_end_matches(".0").to_owned();
            rows.push(Row { invoice: get(0), stock: get(1), quantity, at, price, customer, country: get(7) });
        }
    }
    // Group rows by invoice, in order of first appearance.
    let mut order_of: Vec<String> = Vec::new();
    let mut by_invoice: HashMap<String, Vec<Row>> = HashMap::new();
    for row in rows {
        if !by_invoice.contains_key(&row.invoice) {
            order_of.push(row.invoice.clone());
        }
        by_invoice.entry(row.invoice.clone()).or_default().push(row);
    }
    let mut steps = Vec::new();
    // For matching cancellations: each customer's invoices so far, with their stock codes.
    let mut history: HashMap<String, Vec<PastInvoice>> = HashMap::new();
    let (mut unmatched, mut adjustments, mut write_offs, mut seq) = (0u64, 0u64, 0u64, 0u64);
    // The backtest label: was the invoice cancelled later?
    let mut labels: HashMap<String, bool> = HashMap::new();
    let mut invoices: Vec<(DateTime<Utc>, String)> =
        order_of.into_iter().filter_map(|i| by_invoice.get(&i).and_then(|r| r.first()).map(|r| (r.at, i))).collect();
    invoices.sort();
    for (at, invoice) in invoices {
        let Some(lines) = by_invoice.remove(&invoice) else { continue };
        let Some(first) = lines.first() else { continue };
        seq += 1;
        let user = if first.customer.is_empty() { format!("guest:{invoice}") } else { first.customer.clone() };
        if invoice.starts_with('A') {
            adjustments += 1;
            continue;
        }
        if invoice.starts_with('C') {
            let codes: Vec<&str> = lines.iter().map(|l| l.stock.as_str()).collect();
            let target = history.get(&user).and_then(|h| {
                h.iter().rev().find(|(t, _, stocks)| *t <= at && stocks.iter().any(|s| codes.contains(&s.as_str())))
            });
            match target {
                Some((_, original, _)) => {
                    labels.insert(original.clone(), true);
                    steps.push(Step::Event(Event::new(
                        format!("cancel-{invoice}"),
                        at,
                        EventKind::Cancelled { order_id: original.clone() },
                    )))
                }
                None => unmatched += 1,
            }
            continue;
        }
        if lines.iter().all(|l| l.quantity <= 0) {
            write_offs += 1;
            continue;
        }
        let items: Vec<LineItem> = lines.iter().map(|l| LineItem::new(l.stock.clone(), l.price, l.quantity)).collect();
        let total = items
            .iter()
            .try_fold(Decimal::ZERO, |acc, i| i.unit_price.checked_mul(Decimal::from(i.quantity))?.checked_add(acc))
            .unwrap_or(Decimal::ZERO);
        history.entry(user.clone()).or_default().push((
            at,
            invoice.clone(),
            lines.iter().map(|l| l.stock.clone()).collect(),
        ));
        labels.entry(invoice.clone()).or_insert(false);
        let mut order = Order::new(invoice.clone(), user, at, total)
            .with_currency("GBP")
            .with_payment(Payment::default().paid(total, at));
        order.items = items;
        order.items_total = Some(total);
        let mut location = Location::default();
        location.country = Some(first.country.clone());
        let mut client = ClientInfo::default();
        client.location = Some(location);
        order.client = Some(client);
        steps.push(Step::Event(Event::new(
            format!("placed-{invoice}-{seq}"),
            at,
            EventKind::OrderPlaced { order: std::sync::Arc::new(order) },
        )));
    }
    Ok(Replay {
        name: "UCI Online Retail",
        steps,
        offset: UtcOffset::east(0).unwrap_or_default(),
        notes: vec![
            format!("{} files; {bad_rows} unreadable rows dropped", files.len()),
            format!(
                "{unmatched} cancellations matched no earlier invoice of the buyer; {adjustments} bad-debt adjustments and {write_offs} stock write-offs (no line above zero) dropped"
            ),
            "no payment instruments, addresses, phones, categories or logistics in this data: those rules are skipped"
                .into(),
        ],
        labels,
    })
}
