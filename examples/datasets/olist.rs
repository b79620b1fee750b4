//! Olist Brazilian e-commerce (real marketplace orders, 2016-10 .. 2018-08) to events.
//!
//! Mapping, per order:
//! - `order_placed` at `order_purchase_timestamp` (Brazil local time, taken as
//!   UTC-03:00): buyer `customer_unique_id` (the person, not the per-order
//!   `customer_id`), one line per `order_items` row (`product_id`, price,
//!   category from `products` translated to English), shipping fee the sum of
//!   `freight_value`, payable = lines + freight, address country BR, province
//!   the customer's state, city and zip prefix, payment method the first
//!   `payment_type`;
//! - `paid` at `order_approved_at`, for the sum of `payment_value` (orders
//!   outside the two subsets with payments are taken as paid in full);
//! - `shipped` at `order_delivered_carrier_date`, `delivered` at
//!   `order_delivered_customer_date`; the order is assessed again just before
//!   its delivery arrives (the logistics stage: no tracking events exist, so
//!   the time from hand-over to delivery is the silence `logistics.stalled`
//!   measures);
//! - `cancelled` (status `canceled`) at the approval time, or an hour after
//!   purchase when there is none (the data has no cancellation time);
//! - a review of 1 or 2 stars is a `complaint` of type quality at
//!   `review_creation_date` (a proxy: the data has no complaint records), and
//!   the order is assessed again after its review.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use order_anomaly::model::{ComplaintType, LineItem, Payment, ShippingAddress};
use order_anomaly::profile::{Event, EventKind};
use order_anomaly::{Order, UtcOffset};
use rust_decimal::Decimal;

use super::steps::{Replay, Step};

/// The rows of a gzip CSV file, each a map from column name to value.
fn table(dir: &Path, name: &str) -> Result<Vec<HashMap<String, String>>, String> {
    let path = dir.join(name);
    let f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(f).read_to_string(&mut text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    Ok(r.records()
        .flatten()
        .map(|rec| headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect())
}

/// Brazil local time (UTC-03:00) to UTC.
fn time(s: Option<&String>) -> Option<DateTime<Utc>> {
    let t = NaiveDateTime::parse_from_str(s?.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.and_utc() + Duration::hours(3))
}

fn field<'a>(row: &'a HashMap<String, String>, k: &str) -> &'a str {
    row.get(k).map_or("", String::as_str)
}

pub fn load(dir: &Path) -> Result<Replay, String> {
    let orders = table(dir, "orders.csv.gz")?;
    let customers: HashMap<String, HashMap<String, String>> =
        table(dir, "customers.csv.gz")?.into_iter().map(|r| (field(&r, "customer_id").to_owned(), r)).collect();
    let translate: HashMap<String, String> = table(dir, "product_category_name_translation.csv.gz")?
        .into_iter()
        .map(|r| (field(&r, "product_category_name").to_owned(), field(&r, "product_category_name_english").to_owned()))
        .collect();
    let category: HashMap<String, String> = table(dir, "products.csv.gz")?
        .into_iter()
        .map(|r| {
            let pt = field(&r, "product_category_name");
            (field(&r, "product_id").to_owned(), translate.get(pt).cloned().unwrap_or_else(|| pt.to_owned()))
        })
        .collect();
    let mut items: HashMap<String, Vec<(LineItem, Decimal)>> = HashMap::new();
    for r in table(dir, "order_items.csv.gz")? {
        let (Ok(price), Ok(freight)) =
            (field(&r, "price").parse::<Decimal>(), field(&r, "freight_value").parse::<Decimal>())
        else {
            continue;
        };
        let pid = field(&r, "product_id").to_owned();
        let mut item = LineItem::new(pid.clone(), price, 1);
        item.category = category.get(&pid).filter(|c| !c.is_empty()).cloned();
        items.entry(field(&r, "order_id").to_owned()).or_default().push((item, freight));
    }
    let mut payments: HashMap<String, (Decimal, String)> = HashMap::new();
    for r in table(dir, "order_payments.csv.gz")? {
        let Ok(v) = field(&r, "payment_value").parse::<Decimal>() else { continue };
        let e = payments
            .entry(field(&r, "order_id").to_owned())
            .or_insert((Decimal::ZERO, field(&r, "payment_type").to_owned()));
        e.0 += v;
    }
    let reviews = table(dir, "order_reviews.csv.gz")?;

    let mut steps = Vec::new();
    let mut user_of: HashMap<String, String> = HashMap::new();
    let mut first_product: HashMap<String, String> = HashMap::new();
    let (mut no_items, mut assumed_paid) = (0u64, 0u64);
    for o in &orders {
        let id = field(o, "order_id").to_owned();
        let Some(placed_at) = time(o.get("order_purchase_timestamp")) else { continue };
        let Some(lines) = items.get(&id) else {
            no_items += 1;
            continue;
        };
        let cust = customers.get(field(o, "customer_id"));
        let user = cust.map_or_else(
            || format!("customer:{}", field(o, "customer_id")),
            |c| field(c, "customer_unique_id").to_owned(),
        );
        let freight: Decimal = lines.iter().map(|(_, f)| *f).sum();
        let goods: Decimal = lines.iter().map(|(i, _)| i.unit_price).sum();
        let payable = goods + freight;
        let paid = payments.get(&id);
        let mut order = Order::new(id.clone(), user.clone(), placed_at, payable).with_currency("BRL");
        order.items = lines.iter().map(|(i, _)| i.clone()).collect();
        order.items_total = Some(goods);
        order.shipping_fee = freight;
        let mut payment = Payment::default();
        payment.method = paid.map(|p| p.1.clone());
        order.payment = Some(payment);
        order.shipping = cust.map(|c| {
            let mut a = ShippingAddress::default();
            a.country = Some("BR".into());
            a.province = Some(field(c, "customer_state").to_owned());
            a.city = Some(field(c, "customer_city").to_owned());
            a.postal_code = Some(field(c, "customer_zip_code_prefix").to_owned());
            a
        });
        user_of.insert(id.clone(), user);
        if let Some((first, _)) = lines.first() {
            first_product.insert(id.clone(), first.product_id.clone());
        }
        let ev = |suffix: &str, at, kind| Step::Event(Event::new(format!("{id}:{suffix}"), at, kind));
        steps.push(ev("placed", placed_at, EventKind::OrderPlaced { order: std::sync::Arc::new(order) }));
        let approved = time(o.get("order_approved_at"));
        if let Some(at) = approved {
            let amount = match paid {
                Some(p) => p.0,
                None => {
                    assumed_paid += 1;
                    payable
                }
            };
            steps.push(ev("paid", at, EventKind::Paid { order_id: id.clone(), amount, instrument_id: None }));
        }
        if let Some(at) = time(o.get("order_delivered_carrier_date")) {
            steps.push(ev(
                "shipped",
                at,
                EventKind::Shipped { order_id: id.clone(), carrier: None, tracking_number: None },
            ));
        }
        if let Some(at) = time(o.get("order_delivered_customer_date")) {
            // Assessed at the last moment before the delivery is known.
            steps.push(Step::Assess { order_id: id.clone(), at: at - Duration::seconds(1) });
            steps.push(ev("delivered", at, EventKind::Delivered { order_id: id.clone() }));
        }
        if field(o, "order_status") == "canceled" {
            let at = approved.unwrap_or(placed_at + Duration::hours(1));
            steps.push(ev("cancelled", at, EventKind::Cancelled { order_id: id.clone() }));
        }
    }
    let mut complaints = 0u64;
    for r in &reviews {
        let order_id = field(r, "order_id");
        let (Some(user), Some(at)) = (user_of.get(order_id), time(r.get("review_creation_date"))) else { continue };
        if field(r, "review_score").parse::<u8>().is_ok_and(|s| s <= 2) {
            complaints += 1;
            steps.push(Step::Event(Event::new(
                format!("review:{}", field(r, "review_id")),
                at,
                EventKind::Complaint {
                    user_id: user.clone(),
                    order_id: Some(order_id.to_owned()),
                    product_id: first_product.get(order_id).cloned(),
                    complaint_type: ComplaintType::Quality,
                },
            )));
        }
        steps.push(Step::Assess { order_id: order_id.to_owned(), at: at + Duration::seconds(1) });
    }
    Ok(Replay {
        name: "Olist Brazilian e-commerce subset",
        steps,
        offset: UtcOffset::east(-3 * 3600).unwrap_or_default(),
        notes: vec![
            format!(
                "{} orders, {no_items} without items dropped; {assumed_paid} without payment rows taken as paid in full",
                orders.len()
            ),
            format!("{complaints} reviews of 1-2 stars taken as quality complaints (a proxy)"),
            "no instruments, phones, recipients, devices or tracking events in this data: those rules are skipped"
                .into(),
        ],
        labels: HashMap::new(),
    })
}
