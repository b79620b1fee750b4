//! The Amazon Fraud Detector cold-start sample (SYNTHETIC, labelled) to events.
//!
//! Mapping, per row (one online order):
//! - `order_placed` at `EVENT_TIMESTAMP` (UTC; judged at US Eastern time,
//!   UTC-05:00): id `EVENT_ID`, buyer `ENTITY_ID`, currency USD
//!   (`payment_currency` is random noise in this file), one line of
//!   `product_category` at `order_price`, paid in full at once with the card
//!   `card_bin`, shipping to the billing address (`billing_street`, `_city`,
//!   `_state`, `_zip`, `_country`), recipient `customer_name` and
//!   `billing_phone`, client `ip_address`, device `user_agent`.
//!
//! Label: `EVENT_LABEL` 1 is fraud, 0 legitimate; unlabelled rows (the
//! cold-start design) feed the profiles but are not measured. The data is
//! synthetic (Sparkov/Faker): card, address and phone never change within a
//! customer, and the `merchant` prefix `fraud_` is a generator artifact, not a
//! label.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use order_anomaly::model::{ClientInfo, LineItem, Payment, Recipient, ShippingAddress};
use order_anomaly::profile::{Event, EventKind};
use order_anomaly::{Order, UtcOffset};
use rust_decimal::Decimal;

use super::steps::{Replay, Step};

pub const FILE: &str = "transaction_data_2K_coldstart.csv";

pub fn load(dir: &Path) -> Result<Replay, String> {
    let path = dir.join(FILE);
    let mut r = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| format!("{}: no column `{name}`", path.display()));
    let (label_c, ts_c, id_c, user_c) =
        (need("EVENT_LABEL")?, need("EVENT_TIMESTAMP")?, need("EVENT_ID")?, need("ENTITY_ID")?);
    let (card_c, name_c, street_c, city_c) =
        (need("card_bin")?, need("customer_name")?, need("billing_street")?, need("billing_city")?);
    let (state_c, zip_c, country_c, ip_c) =
        (need("billing_state")?, need("billing_zip")?, need("billing_country")?, need("ip_address")?);
    let (phone_c, ua_c, cat_c, price_c) =
        (need("billing_phone")?, need("user_agent")?, need("product_category")?, need("order_price")?);
    let mut steps = Vec::new();
    let mut labels = HashMap::new();
    let mut bad = 0u64;
    for rec in r.records() {
        let Ok(rec) = rec else {
            bad += 1;
            continue;
        };
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
        let opt = |i: usize| Some(get(i)).filter(|v| !v.is_empty());
        let (Ok(at), Ok(price)) = (get(ts_c).parse::<DateTime<Utc>>(), get(price_c).parse::<Decimal>()) else {
            bad += 1;
            continue;
        };
        let id = get(id_c);
        match get(label_c).as_str() {
            "1" => labels.insert(id.clone(), true),
            "0" => labels.insert(id.clone(), false),
            _ => None,
        };
        let mut item = LineItem::new(get(cat_c), price, 1);
        item.category = opt(cat_c);
        let mut payment = Payment::default().paid(price, at);
        payment.method = Some("card".into());
        payment.instrument_id = opt(card_c);
        let mut shipping = ShippingAddress::default();
        shipping.country = opt(country_c);
        shipping.province = opt(state_c);
        shipping.city = opt(city_c);
        shipping.detail = opt(street_c);
        shipping.postal_code = opt(zip_c);
        let mut recipient = Recipient::default();
        recipient.name = opt(name_c);
        recipient.phone = opt(phone_c);
        let mut client = ClientInfo::default();
        client.ip = opt(ip_c);
        client.device_id = opt(ua_c);
        let mut order = Order::new(id.clone(), get(user_c), at, price)
            .with_currency("USD")
            .with_item(item)
            .with_payment(payment)
            .with_shipping(shipping)
            .with_recipient(recipient)
            .with_client(client);
        order.items_total = Some(price);
        steps.push(Step::Event(Event::new(
            format!("placed-{id}"),
            at,
            EventKind::OrderPlaced { order: std::sync::Arc::new(order) },
        )));
    }
    Ok(Replay {
        name: "Amazon Fraud Detector cold-start sample (SYNTHETIC)",
        steps,
        offset: UtcOffset::east(-5 * 3600).unwrap_or_default(),
        notes: vec![
            format!("{bad} unreadable rows dropped; {} labelled rows measured, the rest feed profiles only", labels.len()),
            "synthetic data: cards, addresses and phones never change per customer, so the rules that look for new ones cannot fire".into(),
        ],
        labels,
    })
}
