#!/usr/bin/env python3
"""Writes orders.jsonl: the sample the `demo` and `score` examples read.

Each line is {"order": ..., "context": ...}. Most orders are clean; the rest
each carry one abnormal-order scenario of the rule catalogue, so that every
catalogue rule fires at least once. Deterministic: run it again and the file
is byte-identical. Regenerate with `python3 examples/data/generate.py`.
"""
import copy
import json
import os
import random

rng = random.Random(20260310)
NOW = "2026-03-10T12:00:00Z"
DAY = 86400


def ts(seconds_before_now):
    """An RFC 3339 UTC time `seconds_before_now` before NOW."""
    import datetime as dt
    base = dt.datetime(2026, 3, 10, 12, 0, 0, tzinfo=dt.timezone.utc)
    t = base - dt.timedelta(seconds=seconds_before_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


CITIES = [
    ("广东省", "440305", "深圳市", "南山区", "科技园路{n}号A座{r}室", "518057", "13800138{d}"),
    ("上海市", "310115", "上海市", "浦东新区", "张江路{n}弄{r}号", "201203", "13917{d}555"),
    ("北京市", "110108", "北京市", "海淀区", "中关村大街{n}号{r}室", "100080", "13501{d}888"),
    ("浙江省", "330106", "杭州市", "西湖区", "文三路{n}号{r}室", "310012", "15888{d}123"),
    ("四川省", "510107", "成都市", "武侯区", "天府大道{n}号{r}室", "610041", "18602{d}777"),
    ("江苏省", "320102", "南京市", "玄武区", "中山路{n}号{r}室", "210008", "13770{d}246"),
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄磊", "周杰", "吴霞"]
PRODUCTS = [
    ("p-tea-001", "茶叶", "128.00"), ("p-towel-02", "家居日用", "39.90"), ("p-rice-5kg", "粮油", "59.00"),
    ("p-book-017", "图书", "45.00"), ("p-shoe-220", "运动鞋", "399.00"), ("p-coat-031", "服装", "259.00"),
    ("p-cream-08", "美妆", "189.00"), ("p-toy-114", "玩具", "79.00"),
]

n_order = 0


def clean_pair(user, city_idx=None, name=None, product_idx=None, qty=1, minutes_ago=6, history=True):
    """A clean order and a context with a matching, unremarkable history."""
    global n_order
    n_order += 1
    ci = city_idx if city_idx is not None else rng.randrange(len(CITIES))
    prov, code, city, dist, detail, post, phone = CITIES[ci]
    pid, cat, price = PRODUCTS[product_idx if product_idx is not None else rng.randrange(len(PRODUCTS))]
    name = name or NAMES[rng.randrange(len(NAMES))]
    digits = f"{rng.randrange(100, 999)}"
    created = minutes_ago * 60
    total = f"{float(price) * qty:.2f}"
    card = f"tok_{user}_main"
    order = {
        "id": f"SO-20260310-{n_order:04d}",
        "user_id": user,
        "created_at": ts(created),
        "currency": "CNY",
        "items": [{"product_id": pid, "category": cat, "unit_price": price, "quantity": qty}],
        "items_total": total,
        "payable_amount": total,
        "payment": {
            "method": rng.choice(["alipay", "wechat", "unionpay"]),
            "instrument_id": card,
            "attempts": [{"at": ts(created - 60), "amount": total, "status": "succeeded"}],
            "paid_amount": total,
            "paid_at": ts(created - 60),
        },
        "shipping": {
            "country": "CN", "province": prov, "region_code": code, "city": city, "district": dist,
            "detail": detail.format(n=rng.randrange(1, 300), r=rng.randrange(101, 2500)), "postal_code": post,
        },
        "recipient": {"name": name, "phone": phone.format(d=digits)[:11]},
        "client": {"ip": f"203.0.113.{rng.randrange(1, 254)}", "location": {"country": "CN", "region": prov, "city": city},
                   "device_id": f"dev-{user}-01"},
    }
    ctx = {"now": NOW, "utc_offset": "+08:00"}
    if history:
        n = rng.randrange(4, 30)
        aov = float(price) * qty * rng.uniform(0.8, 1.6)
        ctx["user"] = {
            "user_id": user,
            "order_count": n,
            "total_spent": f"{aov * n:.2f}",
            "recent_orders": [
                {"order_id": f"H-{user}-{i}", "placed_at": ts(DAY * (3 + 9 * i) + 3600 * rng.randrange(8, 20)),
                 "amount": f"{aov:.2f}"} for i in range(3)
            ],
            "payment_instruments": [{"id": card, "first_seen": ts(DAY * 400), "last_used": ts(DAY * 3)}],
            "recipient_names": [name],
            "destination_regions": [prov],
            "usual_locations": [{"country": "CN", "region": prov, "city": city}],
        }
    return order, ctx


lines = []


def add(order, ctx, note):
    lines.append({"order": order, "context": ctx, "_note": note})


def set_amount(o, amount):
    o["items"][0]["unit_price"] = amount
    o["items"][0]["quantity"] = 1
    o["items_total"] = amount
    o["payable_amount"] = amount
    o["payment"]["paid_amount"] = amount
    o["payment"]["attempts"][0]["amount"] = amount


# --- clean orders -----------------------------------------------------------
for i in range(24):
    o, c = clean_pair(f"u{1000 + i}", history=(i % 6 != 5))
    add(o, c, "clean")
# A cross-border order: US address, US phone, paid in USD.
o, c = clean_pair("u2001")
o["currency"] = "USD"
o["shipping"] = {"country": "US", "province": "California", "city": "San Francisco", "detail": "500 Howard St, Apt 12",
                 "postal_code": "94105"}
o["recipient"] = {"name": "Emily Chen", "phone": "+1 (415) 555-2671"}
c["user"]["recipient_names"] = ["Emily Chen"]
add(o, c, "clean")
# A delivered order re-assessed after delivery.
o, c = clean_pair("u2002", minutes_ago=60 * 24 * 5)
o["logistics"] = {"carrier": "SF", "tracking_number": "SF1234567890", "shipped_at": ts(DAY * 4),
                  "delivered_at": ts(DAY * 2), "events": [{"at": ts(DAY * 3), "description": "到达深圳转运中心"}]}
add(o, c, "clean")

# --- one scenario per rule --------------------------------------------------
o, c = clean_pair("u3001"); o["payment"]["paid_amount"] = "118.00"; set_amount(o, "128.00"); o["payment"]["paid_amount"] = "118.00"
add(o, c, "payment.amount_mismatch")

o, c = clean_pair("u3002")
o["payment"]["attempts"] = [
    {"at": ts(330), "amount": o["payable_amount"], "status": "insufficient_balance"},
    {"at": ts(320), "amount": o["payable_amount"], "status": "declined"},
    {"at": ts(310), "amount": o["payable_amount"], "status": "declined"},
    {"at": ts(300), "amount": o["payable_amount"], "status": "succeeded"},
]
add(o, c, "payment.failed_attempts + payment.insufficient_balance")

o, c = clean_pair("u3003", minutes_ago=45)
del o["payment"]["paid_amount"]; del o["payment"]["paid_at"]
o["payment"]["attempts"] = [{"at": ts(44 * 60), "amount": o["payable_amount"], "status": "timeout"}]
add(o, c, "payment.timeout (unpaid)")

o, c = clean_pair("u3004"); set_amount(o, "6800.00"); c["user"]["total_spent"] = f"{3200 * c['user']['order_count']:.2f}"
add(o, c, "payment.large_amount")

o, c = clean_pair("u3005", city_idx=1)
o["client"]["location"] = {"country": "CN", "region": "新疆维吾尔自治区", "city": "乌鲁木齐市"}
add(o, c, "payment.remote_login")

o, c = clean_pair("u3006")
c["user"]["payment_instruments"] += [
    {"id": "tok_u3006_b", "first_seen": ts(DAY * 20), "last_used": ts(DAY * 12)},
]
o["payment"]["instrument_id"] = "tok_u3006_c"
add(o, c, "payment.account_churn (+ payment.new_instrument)")

# The source document's user A: two small orders in six months, then 5000 on a new card.
o, c = clean_pair("u3007", product_idx=0)
set_amount(o, "5000.00")
o["items"][0].update({"product_id": "p-gold-50g", "category": "黄金"})
o["payment"]["instrument_id"] = "tok_u3007_new"
c["user"].update({"order_count": 2, "total_spent": "168.00", "recent_orders": [
    {"order_id": "H-u3007-1", "placed_at": ts(DAY * 150), "amount": "79.00"},
    {"order_id": "H-u3007-2", "placed_at": ts(DAY * 40), "amount": "89.00"}]})
add(o, c, "payment.amount_spike + payment.new_instrument -> case.stolen_card (user A)")

o, c = clean_pair("u3008"); o["shipping"]["detail"] = "幸福小区丰巢快递柜代收"
add(o, c, "address.locker_without_unit")

# The source document's second case: a new buyer, a parcel locker in a remote region.
o, c = clean_pair("u3009", history=False)
o["shipping"].update({"province": "新疆维吾尔自治区", "region_code": "650102", "city": "乌鲁木齐市", "district": "天山区",
                      "detail": "新华北路菜鸟驿站代收", "postal_code": "830002"})
o["client"]["location"] = {"country": "CN", "region": "新疆维吾尔自治区", "city": "乌鲁木齐市"}
add(o, c, "address.remote_no_history + address.locker_without_unit -> case.remote_locker_no_history")

o, c = clean_pair("u3010")
o["shipping"].update({"province": "西藏自治区", "region_code": "540102", "city": "拉萨市", "district": "城关区",
                      "detail": "北京中路12号", "postal_code": "850000"})
add(o, c, "address.remote_no_history")

# The source document's user B: three days, three cities, each a parcel locker.
o, c = clean_pair("u3011")
c["user"]["address_changes"] = [
    {"at": ts(DAY * 2 + 3600), "city": "杭州市", "detail": "文三路丰巢快递柜"},
    {"at": ts(DAY + 3600), "city": "南京市", "detail": "中山路菜鸟驿站"},
    {"at": ts(3600), "city": "合肥市", "detail": "长江路智能快递柜"},
]
add(o, c, "address.frequent_change (user B)")

o, c = clean_pair("u3012"); o["recipient"]["phone"] = "138-0013-80"
add(o, c, "contact.phone_invalid")

o, c = clean_pair("u3013")
o["verification_calls"] = [{"at": ts(240), "answered": False}, {"at": ts(180), "answered": False},
                           {"at": ts(120), "answered": False}]
add(o, c, "contact.phone_unreachable")

o, c = clean_pair("u3014"); o["recipient"]["phone"] = "+86 171-0000-6666"
c["lists"] = {"fraud_phones": ["17100006666"]}
add(o, c, "contact.phone_fraud_listed")

o, c = clean_pair("u3015"); o["recipient"]["name"] = "钱七"
add(o, c, "contact.recipient_mismatch")

o, c = clean_pair("u3016", history=False)
o["items"][0].update({"product_id": "p-phone-15", "category": "手机/数码", "unit_price": "3999.00"})
o["items_total"] = o["payable_amount"] = o["payment"]["paid_amount"] = "3999.00"
o["payment"]["attempts"][0]["amount"] = "3999.00"
add(o, c, "product.high_value_no_history")

# The source document's product C: ten fraud complaints in thirty days.
o, c = clean_pair("u3017")
o["items"][0].update({"product_id": "p-c-cream", "category": "美妆", "unit_price": "189.00"})
o["items_total"] = o["payable_amount"] = o["payment"]["paid_amount"] = "189.00"
c["products"] = {"p-c-cream": {"product_id": "p-c-cream", "category": "美妆",
                               "fraud_complaints": [ts(DAY * d + 7200) for d in (1, 2, 4, 6, 9, 12, 15, 19, 24, 28)],
                               "orders": 480, "abnormal_orders": 31}}
add(o, c, "product.fraud_linked (product C)")

o, c = clean_pair("u3018", minutes_ago=1)
c["user"]["recent_orders"] = [{"order_id": f"H-u3018-b{i}", "placed_at": ts(60 * (2 * i + 2)), "amount": "59.00"}
                              for i in range(4)]
add(o, c, "behavior.order_burst")

# 01:40 local (+08:00) is 17:40 UTC the day before.
o, c = clean_pair("u3019")
o["created_at"] = "2026-03-09T17:40:00Z"
o["payment"]["paid_at"] = o["payment"]["attempts"][0]["at"] = "2026-03-09T17:41:00Z"
c["now"] = "2026-03-09T17:42:00Z"
c["user"]["recent_orders"] = [{"order_id": "H-u3019-n1", "placed_at": "2026-03-09T17:05:00Z", "amount": "59.00"},
                              {"order_id": "H-u3019-n2", "placed_at": "2026-03-09T17:25:00Z", "amount": "59.00"}]
add(o, c, "behavior.night_batch")

o, c = clean_pair("u3020")
c["user"]["recent_orders"] = [
    {"order_id": f"H-u3020-c{i}", "placed_at": ts(DAY * (2 + 5 * i)), "amount": "259.00",
     "cancelled_at": ts(DAY * (2 + 5 * i) - 1800)} for i in range(3)
] + [{"order_id": "H-u3020-ok", "placed_at": ts(DAY * 20), "amount": "259.00"}]
add(o, c, "behavior.frequent_cancel")

o, c = clean_pair("u3021")
o["items"][0].update({"product_id": "p-card-500", "category": "礼品卡", "unit_price": "500.00"})
o["items_total"] = o["payable_amount"] = o["payment"]["paid_amount"] = "500.00"
o["payment"]["attempts"][0]["amount"] = "500.00"
c["user"]["linked_accounts"] = [
    {"user_id": f"u9{i}", "via": via, "purchases": [{"category": "礼品卡", "at": ts(DAY * i + 7200)}]}
    for i, via in enumerate(["device", "phone", "payment_instrument"])
]
add(o, c, "behavior.multi_account")

o, c = clean_pair("u3022", minutes_ago=60 * 24 * 6)
o["logistics"] = {"carrier": "YTO", "tracking_number": "YT9876543210", "shipped_at": ts(DAY * 5),
                  "events": [{"at": ts(DAY * 5 - 3600 * 6), "description": "已揽收"},
                             {"at": ts(3600 * 80), "description": "离开杭州转运中心"}]}
add(o, c, "logistics.stalled")

o, c = clean_pair("u3023")
c["user"]["recent_orders"] = [
    {"order_id": f"H-u3023-r{i}", "placed_at": ts(DAY * (2 + 3 * i)), "amount": "259.00",
     **({"returned_at": ts(DAY * (1 + 3 * i))} if i < 2 else {})} for i in range(5)
]
add(o, c, "aftersales.high_return_rate")

o, c = clean_pair("u3024", minutes_ago=60 * 24 * 8)
o["logistics"] = {"carrier": "SF", "tracking_number": "SF5550001111", "shipped_at": ts(DAY * 7),
                  "delivered_at": ts(DAY * 5), "events": []}
o["after_sales"] = [{"kind": "complaint", "at": ts(DAY * 2), "complaint_type": "false_advertising",
                     "product_id": o["items"][0]["product_id"]}]
add(o, c, "aftersales.high_risk_complaint")

o, c = clean_pair("u3025"); o["recipient"]["phone"] = "13666660000"
c["lists"] = {"block": [{"kind": "phone", "value": "+86 136-6666-0000", "reason": "chargeback fraud, case 2026-0117"}]}
add(o, c, "list.blocked")

o, c = clean_pair("u3026"); o["items_total"] = "300.00"
add(o, c, "data.inconsistent")

# list.allowed: a trusted buyer who sends gifts is exempt from recipient_mismatch.
o, c = clean_pair("u3027"); o["recipient"]["name"] = "孙八"
c["lists"] = {"allow": [{"kind": "user", "value": "u3027", "rules": ["contact.recipient_mismatch"],
                         "reason": "VIP buyer who often sends gifts"}]}
add(o, c, "list.allowed (an exemption of contact.recipient_mismatch)")

# Entity profiles: what the order's card, device, phone or address did before.
def entity(kind, key, buyers=(), hourly=(), daily=()):
    e = {"kind": kind, "key": key}
    seen = [t for _, t in buyers] + [t for t, _ in hourly] + [t for t, _ in daily]
    if seen:
        e["first_seen"] = min(seen)
        e["last_seen"] = max(seen)
    if hourly:
        e["hourly"] = [{"start": t, "orders": n, "amount": "0"} for t, n in hourly]
    if daily:
        e["daily"] = [{"start": t, "orders": n, "amount": "0"} for t, n in daily]
    if buyers:
        e["buyers"] = [{"user_id": u, "last_seen": t} for u, t in buyers]
    return e


# A buyer's first order, on a card three other accounts used this month.
o, c = clean_pair("u3028", history=False, product_idx=2)
card = o["payment"]["instrument_id"]
c["entities"] = [entity("payment_instrument", card.lower(),
                        buyers=[("u7001", ts(DAY * 2)), ("u7002", ts(DAY * 6)), ("u7003", ts(DAY * 11))],
                        daily=[(ts(DAY * 2)[:10] + "T00:00:00Z", 1), (ts(DAY * 6)[:10] + "T00:00:00Z", 1),
                               (ts(DAY * 11)[:10] + "T00:00:00Z", 1)])]
add(o, c, "payment.instrument_shared")

# One device behind six orders today, from several accounts.
o, c = clean_pair("u3029")
c["entities"] = [entity("device", o["client"]["device_id"].lower(),
                        buyers=[("u3029", ts(3600)), ("u7010", ts(7200))],
                        hourly=[(ts(3600 * h)[:13] + ":00:00Z", 1) for h in (1, 2, 4, 6, 9)])]
add(o, c, "behavior.entity_velocity")

# A product usually ordered about once at this hour, twelve orders in the last
# hour: a run on it (a price error exploited).
o, c = clean_pair("u3030", product_idx=3)
c["products"] = {"p-book-017": {"product_id": "p-book-017", "category": "图书", "orders": 400,
                                "hour_orders": [11, 1, 0, 1, 2, 0, 1, 1]}}
add(o, c, "product.turnover_spike")

# One order takes six of the ten units on hand.
o, c = clean_pair("u3031", product_idx=4, qty=6)
c["products"] = {"p-shoe-220": {"product_id": "p-shoe-220", "category": "运动鞋", "orders": 90, "stock": 10,
                                "median_quantity": 1}}
add(o, c, "product.stock_share")

rng.shuffle(lines)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "orders.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for line in lines:
        line.pop("_note")
        f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"wrote {len(lines)} lines to {out}")
