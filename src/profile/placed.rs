//! The form the in-memory store keeps a placed order in.
//!
//! The store keeps every order of the retention window whole, so that a
//! later stage (paid, shipped, returned) can re-assess it; those orders are
//! most of its memory. A model [`Order`] is 808 bytes before any text, and
//! each of its lines 96 bytes plus its own copy of the product id.
//!
//! - An order of up to [`SHARED_UP_TO`] lines is kept as its event carries
//!   it, shared (`Arc<Order>`), not copied: copying costs more time than
//!   the few lines would save, and most orders are short.
//! - A longer one is kept compact: its ids (order, buyer, products,
//!   categories) are the store's shared copies, the parts most orders leave
//!   empty are boxed, and a line is 48 bytes with no text of its own. A
//!   28-line order takes 2.2 KB instead of 3.6 KB.
//!
//! Either way, its stored form (a snapshot's JSON) is the order itself.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{
    AfterSale, ClientInfo, LineItem, Logistics, Order, Payment, Recipient, ShippingAddress, VerificationCall,
};

/// Shared text (see the store's `Key`).
type Key = Arc<str>;

/// Orders of up to this many lines are kept shared, as their events carry them.
pub(super) const SHARED_UP_TO: usize = 4;

/// A placed order, as the store keeps it (one pointer wide).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Placed {
    /// As its event carries it.
    Shared(Arc<Order>),
    /// Compact, for a long order.
    Compact(Box<Compact>),
}

/// An order kept compact.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Compact {
    /// The store's copies of the order's id and buyer.
    id: Key,
    user_id: Key,
    created_at: DateTime<Utc>,
    currency: Box<str>,
    lines: Box<[Line]>,
    items_total: Option<Decimal>,
    discount: Decimal,
    shipping_fee: Decimal,
    payable_amount: Decimal,
    payment: Option<Box<Payment>>,
    shipping: Option<Box<ShippingAddress>>,
    recipient: Option<Box<Recipient>>,
    buyer_note: Option<Box<str>>,
    client: Option<Box<ClientInfo>>,
    verification_calls: Box<[VerificationCall]>,
    logistics: Option<Box<Logistics>>,
    after_sales: Box<[AfterSale]>,
}

/// A line of a placed order.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    product_id: Key,
    unit_price: Decimal,
    quantity: i64,
    /// Its category and currency, when it has either.
    more: Option<Box<LineMore>>,
}

/// What some lines have.
#[derive(Debug, Clone, PartialEq)]
struct LineMore {
    category: Option<Key>,
    currency: Option<Box<str>>,
}

impl Placed {
    /// `order` kept with the ids `id` and `user_id` (the store's copies of
    /// the order's own) and, for a long order, in line order, the store's
    /// copies of each line's product id and of its product's category (a
    /// line's own category is shared when it is the same; text not given is
    /// copied).
    pub(super) fn of(
        order: &Arc<Order>,
        id: Key,
        user_id: Key,
        products: impl IntoIterator<Item = (Key, Option<Key>)>,
    ) -> Self {
        if order.items.len() <= SHARED_UP_TO {
            Placed::Shared(Arc::clone(order))
        } else {
            Placed::Compact(Box::new(Compact::of(order, id, user_id, products)))
        }
    }

    /// `order` kept with its own copies of its text (for an order read back
    /// from storage, whose text the store does not share yet).
    pub(super) fn copied(order: Order) -> Self {
        let (id, user_id) = (Key::from(order.id.as_str()), Key::from(order.user_id.as_str()));
        Placed::of(&Arc::new(order), id, user_id, [])
    }

    /// The order as it was placed.
    pub(super) fn order(&self) -> Order {
        match self {
            Placed::Shared(order) => Order::clone(order),
            Placed::Compact(c) => c.order(),
        }
    }

    /// The buyer.
    pub(super) fn user_id(&self) -> &str {
        match self {
            Placed::Shared(order) => &order.user_id,
            Placed::Compact(c) => &c.user_id,
        }
    }

    /// The amount payable.
    pub(super) fn payable_amount(&self) -> Decimal {
        match self {
            Placed::Shared(order) => order.payable_amount,
            Placed::Compact(c) => c.payable_amount,
        }
    }

    /// The product of each line, in line order.
    pub(super) fn products(&self) -> impl Iterator<Item = &str> {
        let (shared, compact) = match self {
            Placed::Shared(order) => (order.items.as_slice(), &[][..]),
            Placed::Compact(c) => (&[][..], &*c.lines),
        };
        shared.iter().map(|i| i.product_id.as_str()).chain(compact.iter().map(|l| &*l.product_id))
    }
}

impl Compact {
    /// `order`, with the ids and the product ids and categories given (see
    /// [`Placed::of`]).
    fn of(order: &Order, id: Key, user_id: Key, products: impl IntoIterator<Item = (Key, Option<Key>)>) -> Self {
        // Every field named: a field added to the model does not compile
        // until it is kept here too.
        let Order {
            id: _,
            user_id: _,
            created_at,
            currency,
            items,
            items_total,
            discount,
            shipping_fee,
            payable_amount,
            payment,
            shipping,
            recipient,
            buyer_note,
            client,
            verification_calls,
            logistics,
            after_sales,
        } = order;
        let mut products = products.into_iter();
        let lines = items
            .iter()
            .map(|item| {
                let LineItem { product_id, category: of_line, unit_price, quantity, currency } = item;
                let (shared, shared_category) = products.next().filter(|(p, _)| **p == **product_id).unzip();
                let more = (of_line.is_some() || currency.is_some()).then(|| {
                    let category =
                        of_line.as_deref().map(|c| match shared_category.as_ref().and_then(Option::as_ref) {
                            Some(k) if **k == *c => Key::clone(k),
                            _ => Key::from(c),
                        });
                    Box::new(LineMore { category, currency: currency.as_deref().map(Box::from) })
                });
                Line {
                    product_id: shared.unwrap_or_else(|| Key::from(product_id.as_str())),
                    unit_price: *unit_price,
                    quantity: *quantity,
                    more,
                }
            })
            .collect();
        Compact {
            id,
            user_id,
            created_at: *created_at,
            currency: Box::from(currency.as_str()),
            lines,
            items_total: *items_total,
            discount: *discount,
            shipping_fee: *shipping_fee,
            payable_amount: *payable_amount,
            payment: payment.clone().map(Box::new),
            shipping: shipping.clone().map(Box::new),
            recipient: recipient.clone().map(Box::new),
            buyer_note: buyer_note.as_deref().map(Box::from),
            client: client.clone().map(Box::new),
            verification_calls: verification_calls.as_slice().into(),
            logistics: logistics.clone().map(Box::new),
            after_sales: after_sales.as_slice().into(),
        }
    }

    /// The order as it was placed.
    fn order(&self) -> Order {
        let items = self
            .lines
            .iter()
            .map(|l| LineItem {
                product_id: l.product_id.to_string(),
                category: l.more.as_ref().and_then(|m| m.category.as_deref()).map(str::to_owned),
                unit_price: l.unit_price,
                quantity: l.quantity,
                currency: l.more.as_ref().and_then(|m| m.currency.as_deref()).map(str::to_owned),
            })
            .collect();
        Order {
            id: self.id.to_string(),
            user_id: self.user_id.to_string(),
            created_at: self.created_at,
            currency: self.currency.to_string(),
            items,
            items_total: self.items_total,
            discount: self.discount,
            shipping_fee: self.shipping_fee,
            payable_amount: self.payable_amount,
            payment: self.payment.as_deref().cloned(),
            shipping: self.shipping.as_deref().cloned(),
            recipient: self.recipient.as_deref().cloned(),
            buyer_note: self.buyer_note.as_deref().map(str::to_owned),
            client: self.client.as_deref().cloned(),
            verification_calls: self.verification_calls.to_vec(),
            logistics: self.logistics.as_deref().cloned(),
            after_sales: self.after_sales.to_vec(),
        }
    }
}

impl Serialize for Placed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Placed::Shared(order) => order.serialize(serializer),
            Placed::Compact(c) => c.order().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Placed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Placed::copied(Order::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AfterSaleKind, AttemptStatus, Location, PaymentAttempt};

    /// An order with every field set, of `lines` lines.
    fn full_order(lines: usize) -> Order {
        let at = DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
        let mut order = Order::new("SO-1", "u-1", at, Decimal::new(12_345, 2))
            .with_currency("CNY")
            .with_payment(
                Payment::with_instrument("card-1")
                    .with_attempt(PaymentAttempt::new(at, AttemptStatus::Failed))
                    .paid(Decimal::new(12_345, 2), at),
            )
            .with_shipping(ShippingAddress { city: Some("上海".into()), ..ShippingAddress::default() })
            .with_recipient(Recipient {
                name: Some("张三".into()),
                phone: Some("13800138000".into()),
                ..Recipient::default()
            })
            .with_client(ClientInfo {
                ip: Some("10.0.0.1".into()),
                location: Some(Location { country: Some("CN".into()), ..Location::default() }),
                ..ClientInfo::default()
            })
            .with_logistics(Logistics { carrier: Some("SF".into()), ..Logistics::default() });
        for n in 0..lines {
            let line = LineItem::new(format!("sku-{n}"), Decimal::ONE, 2);
            order = order.with_item(if n % 2 == 0 { line.with_category("黄金") } else { line });
        }
        order.items_total = Some(Decimal::new(12, 0));
        order.discount = Decimal::ONE;
        order.shipping_fee = Decimal::TWO;
        order.buyer_note = Some("note".into());
        order.verification_calls.push(VerificationCall::new(at, true));
        order.after_sales.push(AfterSale::new(AfterSaleKind::Return, at));
        if let Some(line) = order.items.first_mut() {
            line.currency = Some("USD".into());
        }
        order
    }

    #[test]
    fn an_order_comes_back_as_it_was_placed() {
        // Short (shared) and long (compact).
        for lines in [SHARED_UP_TO, SHARED_UP_TO + 1, 28] {
            let order = full_order(lines);
            let placed = Placed::copied(order.clone());
            assert_eq!(matches!(placed, Placed::Compact(_)), lines > SHARED_UP_TO);
            assert_eq!(placed.order(), order);
            assert_eq!(placed.user_id(), "u-1");
            assert_eq!(placed.payable_amount(), Decimal::new(12_345, 2));
            let products: Vec<String> = (0..lines).map(|n| format!("sku-{n}")).collect();
            assert_eq!(placed.products().collect::<Vec<_>>(), products);
            // The stored form is the order's own JSON.
            let json = serde_json::to_string(&placed).unwrap_or_default();
            assert_eq!(json, serde_json::to_string(&order).unwrap_or_default());
            let back: Placed = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back, placed);
        }
    }

    #[test]
    fn a_short_order_is_shared_and_a_long_one_shares_the_text_it_is_given() {
        let short = Arc::new(full_order(1));
        let placed = Placed::of(&short, Key::from("SO-1"), Key::from("u-1"), []);
        assert!(matches!(&placed, Placed::Shared(o) if Arc::ptr_eq(o, &short)));

        let long = Arc::new(full_order(SHARED_UP_TO + 1));
        let (sku, c) = (Key::from("sku-0"), Key::from("黄金"));
        // A product id given for the wrong line is not taken.
        let given = [(Key::clone(&sku), Some(Key::clone(&c))), (Key::from("sku-9"), None)];
        let placed = Placed::of(&long, Key::from("SO-1"), Key::from("u-1"), given);
        let Placed::Compact(compact) = &placed else { panic!("a long order is kept compact") };
        let first = compact.lines.first();
        assert!(first.is_some_and(|l| Arc::ptr_eq(&l.product_id, &sku)));
        let category = first.and_then(|l| l.more.as_ref()).and_then(|m| m.category.as_ref());
        assert!(category.is_some_and(|k| Arc::ptr_eq(k, &c)));
        assert!(compact.lines.get(1).is_some_and(|l| &*l.product_id == "sku-1" && l.more.is_none()));
        assert_eq!(placed.order(), *long);
    }
}
