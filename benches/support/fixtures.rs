//! Realistic orders for the benches and the allocation test (shared by both
//! with `#[path]`, so they measure the same thing).
#![allow(dead_code)]

use order_anomaly::rules::composite::{Attribute, Comparison, Composite, Condition, Literal, Op};
use order_anomaly::{Action, Engine, EvalContext, EvalRequest, Order, ids};

/// One `score` input line: a returning buyer's clean order with every piece of
/// data the rules read (profile, product profiles, lists, delivered parcel,
/// an answered verification call), so no rule is skipped and none fires.
pub const CLEAN_LINE: &str = r#"{"order":{"id":"SO-20260310-0001","user_id":"u1000","created_at":"2026-03-10T11:54:00Z","currency":"CNY","items":[{"product_id":"p-tea-001","category":"茶叶","unit_price":"128.00","quantity":2},{"product_id":"p-towel-02","category":"家居日用","unit_price":"39.90","quantity":1}],"items_total":"295.90","discount":"20.00","shipping_fee":"10.00","payable_amount":"285.90","payment":{"method":"alipay","instrument_id":"tok_u1000_main","attempts":[{"at":"2026-03-10T11:55:00Z","amount":"285.90","status":"succeeded"}],"paid_amount":"285.90","paid_at":"2026-03-10T11:55:00Z"},"shipping":{"country":"CN","province":"广东省","region_code":"440305","city":"深圳市","district":"南山区","detail":"科技园路88号A座1201室","postal_code":"518057"},"recipient":{"name":"张伟","phone":"+86 138-0013-8000"},"buyer_note":"工作日送货","client":{"ip":"203.0.113.7","location":{"country":"CN","region":"广东省","city":"深圳市"},"device_id":"dev-u1000-01"},"verification_calls":[{"at":"2026-03-10T11:58:00Z","answered":true}],"logistics":{"carrier":"SF","tracking_number":"SF1234567890","shipped_at":"2026-03-10T11:56:00Z","delivered_at":"2026-03-10T11:59:00Z","events":[{"at":"2026-03-10T11:57:00Z","description":"已揽收","location":"深圳"}]}},"context":{"now":"2026-03-10T12:00:00Z","utc_offset":"+08:00","user":{"user_id":"u1000","order_count":12,"total_spent":"3120.00","recent_orders":[{"order_id":"H-1","placed_at":"2026-03-01T09:00:00Z","amount":"260.00"},{"order_id":"H-2","placed_at":"2026-02-20T10:00:00Z","amount":"310.00","returned_at":"2026-02-25T10:00:00Z"},{"order_id":"H-3","placed_at":"2026-02-11T10:00:00Z","amount":"199.00"},{"order_id":"H-4","placed_at":"2026-02-15T10:00:00Z","amount":"188.00"}],"payment_instruments":[{"id":"tok_u1000_main","first_seen":"2025-01-10T08:00:00Z","last_used":"2026-03-01T09:00:00Z"}],"recipient_names":["张伟","王芳"],"destination_regions":["广东省"],"usual_locations":[{"country":"CN","region":"广东省","city":"深圳市"}],"address_changes":[{"at":"2026-01-05T10:00:00Z","city":"深圳市","detail":"科技园路88号A座1201室"}],"complaints":[{"at":"2026-01-20T10:00:00Z","complaint_type":"delivery"}],"linked_accounts":[{"user_id":"u1001","via":"address","purchases":[{"category":"茶叶","at":"2026-03-08T10:00:00Z"}]}]},"products":{"p-tea-001":{"product_id":"p-tea-001","category":"茶叶","orders":820,"abnormal_orders":3,"hourly_units":[{"start":"2026-03-10T09:00:00Z","units":2}],"daily_units":[{"start":"2026-03-01T00:00:00Z","units":40},{"start":"2026-03-09T00:00:00Z","units":36}],"stock":500,"median_quantity":2,"hour_orders":[1,1,2,1,1,1,2,1]},"p-towel-02":{"product_id":"p-towel-02","orders":310,"abnormal_orders":1,"daily_units":[{"start":"2026-03-09T00:00:00Z","units":12}],"stock":800,"median_quantity":1,"hour_orders":[0,0,1,0,0,0,0,0]}},"lists":{"block":[{"kind":"phone","value":"13666660000","reason":"chargeback"},{"kind":"user","value":"u666","reason":"fraud ring"}],"fraud_phones":["17100006666"]},"entities":[{"kind":"payment_instrument","key":"tok_u1000_main","first_seen":"2025-01-10T08:00:00Z","last_seen":"2026-03-01T09:00:00Z","daily":[{"start":"2026-03-01T00:00:00Z","orders":1,"amount":"260.00"}],"buyers":[{"user_id":"u1000","last_seen":"2026-03-01T09:00:00Z"}]},{"kind":"device","key":"dev-u1000-01","first_seen":"2025-01-10T08:00:00Z","last_seen":"2026-03-01T09:00:00Z","daily":[{"start":"2026-03-01T00:00:00Z","orders":1,"amount":"260.00"}],"buyers":[{"user_id":"u1000","last_seen":"2026-03-01T09:00:00Z"}]},{"kind":"phone","key":"13800138000","first_seen":"2025-01-10T08:00:00Z","last_seen":"2026-03-01T09:00:00Z","daily":[{"start":"2026-03-01T00:00:00Z","orders":1,"amount":"260.00"}],"buyers":[{"user_id":"u1000","last_seen":"2026-03-01T09:00:00Z"}]},{"kind":"address","key":"广东省深圳市南山区科技园路88号a座1201室","first_seen":"2025-01-10T08:00:00Z","last_seen":"2026-03-01T09:00:00Z","daily":[{"start":"2026-03-01T00:00:00Z","orders":1,"amount":"260.00"}],"buyers":[{"user_id":"u1000","last_seen":"2026-03-01T09:00:00Z"}]},{"kind":"ip","key":"203.0.113.7","first_seen":"2025-01-10T08:00:00Z","last_seen":"2026-03-01T09:00:00Z","daily":[{"start":"2026-03-01T00:00:00Z","orders":1,"amount":"260.00"}],"buyers":[{"user_id":"u1000","last_seen":"2026-03-01T09:00:00Z"}]}]}}"#;

pub fn clean() -> EvalRequest {
    serde_json::from_str(CLEAN_LINE).expect("the clean fixture parses")
}

/// The clean order changed to fire five rules: a new recipient without a note,
/// a new card, a locker address without a number, three failed attempts and
/// an insufficient balance.
pub fn flagged() -> EvalRequest {
    let mut r = clean();
    let o = &mut r.order;
    o.buyer_note = None;
    o.recipient.as_mut().expect("recipient").name = Some("钱七".into());
    let p = o.payment.as_mut().expect("payment");
    p.instrument_id = Some("tok_new_card".into());
    let ok = p.attempts[0].clone();
    let mut fail = ok.clone();
    fail.status = order_anomaly::model::AttemptStatus::InsufficientBalance;
    p.attempts = vec![fail.clone(), fail.clone(), fail, ok];
    o.shipping.as_mut().expect("shipping").detail = Some("幸福小区丰巢快递柜代收".into());
    r
}

/// The clean order with 100 line items.
pub fn large() -> EvalRequest {
    let mut r = clean();
    let item = r.order.items[0].clone();
    r.order.items = vec![item; 100];
    let total = r.order.items.iter().map(|i| i.unit_price * rust_decimal::Decimal::from(i.quantity)).sum();
    r.order.items_total = Some(total);
    r.order.payable_amount = total - r.order.discount + r.order.shipping_fee;
    let p = r.order.payment.as_mut().expect("payment");
    p.paid_amount = Some(r.order.payable_amount);
    r
}

/// The default rules plus `n` composites that read shared inputs: the
/// payable amount against a threshold, and whether large_amount fired.
pub fn many_rules(n: usize) -> Engine {
    many_rules_indexed(n, true)
}

/// [`many_rules`], with or without the engine's index of gated composites.
pub fn many_rules_indexed(n: usize, index: bool) -> Engine {
    let mut b = Engine::builder().index_gated_composites(index);
    for i in 0..n {
        let c = Composite::new(
            format!("custom.tier_{i}"),
            Condition::All(vec![
                Condition::Compare(Comparison::new(
                    Attribute::PayableAmount,
                    Op::Ge,
                    Literal::Number((1000 + 50 * i).into()),
                )),
                Condition::fired(ids::PAYMENT_LARGE_AMOUNT),
            ]),
            5,
            Action::Score,
            "分级",
            "tier",
        );
        b = b.composite(c);
    }
    b.build().expect("the many-rules engine builds")
}

/// `n` orders with contexts: the clean and flagged orders alternating, with
/// distinct ids.
pub fn batch(n: usize) -> Vec<(Order, EvalContext)> {
    let (c, f) = (clean(), flagged());
    (0..n)
        .map(|i| {
            let mut r = if i % 2 == 0 { c.clone() } else { f.clone() };
            r.order.id = format!("SO-B-{i}");
            (r.order, r.context)
        })
        .collect()
}
