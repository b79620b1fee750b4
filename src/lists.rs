//! Block and allow lists (客户黑名单 / 白名单) and the fraud-number list.
//!
//! Entries are indexed by the hash of their normalised value when the list is
//! built, so looking an order up costs a few hash probes and no allocation.
//! Phones match by their [`PhoneKey`] (`+86 138-0013-8000`
//! matches `13800138000`); addresses match on province + city + district +
//! detail line with white space, separators and full-width forms folded;
//! user, device and instrument ids match case-insensitively.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Order, ShippingAddress};
use crate::text::{PassThroughBuild, PhoneKey, address_chars, folded, hash_chars};
use crate::vocab::RuleId;

/// What a list entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityKind {
    /// A buyer account id.
    User,
    /// A recipient phone.
    Phone,
    /// A full shipping address.
    Address,
    /// A device id.
    Device,
    /// A payment card or account.
    PaymentInstrument,
}

impl EntityKind {
    /// Every kind, in a fixed order.
    pub const ALL: [EntityKind; 5] =
        [EntityKind::User, EntityKind::Phone, EntityKind::Address, EntityKind::Device, EntityKind::PaymentInstrument];

    /// The kind's name as written in lists and evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Phone => "phone",
            EntityKind::Address => "address",
            EntityKind::Device => "device",
            EntityKind::PaymentInstrument => "payment_instrument",
        }
    }
}

/// A block-list entry: an order naming it is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BlockEntry {
    /// What it names.
    pub kind: EntityKind,
    /// The value, in any common format.
    pub value: String,
    /// Why it is blocked, for reviewers.
    pub reason: String,
    /// When the entry stops applying, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl BlockEntry {
    /// Blocks `value` of `kind`, for `reason`, with no end.
    pub fn new(kind: EntityKind, value: impl Into<String>, reason: impl Into<String>) -> Self {
        BlockEntry { kind, value: value.into(), reason: reason.into(), expires_at: None }
    }
    /// Ends the entry at `at`.
    #[must_use]
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// An allow-list entry: orders naming it are exempt from the named rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AllowEntry {
    /// What it names.
    pub kind: EntityKind,
    /// The value, in any common format.
    pub value: String,
    /// The rules it exempts from.
    pub rules: Vec<RuleId>,
    /// Why, for reviewers.
    pub reason: String,
    /// When the exemption ends, if ever (a snooze).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Lists {
    /// The rule ids allow entries name that `known` does not know, with
    /// their paths (`allow[0].rules[1]`): an exemption from a rule that
    /// does not exist (a typo) exempts from nothing.
    pub fn unknown_allow_rules(&self, known: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
        let mut unknown = Vec::new();
        for (i, entry) in self.allow.iter().enumerate() {
            for (j, rule) in entry.rules.iter().enumerate() {
                if !known(rule.as_str()) {
                    unknown.push((format!("allow[{i}].rules[{j}]"), rule.to_string()));
                }
            }
        }
        unknown
    }
}

impl AllowEntry {
    /// Exempts `value` of `kind` from `rules`, for `reason`, with no end.
    pub fn new(kind: EntityKind, value: impl Into<String>, rules: Vec<RuleId>, reason: impl Into<String>) -> Self {
        AllowEntry { kind, value: value.into(), rules, reason: reason.into(), expires_at: None }
    }
    /// Ends the exemption at `at`.
    #[must_use]
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }
}

fn active(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|e| now < e)
}

/// An entity as an order carries it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entity<'a> {
    /// The buyer.
    User(&'a str),
    /// The recipient's phone, normalised.
    Phone(PhoneKey),
    /// The shipping address.
    Address(&'a ShippingAddress),
    /// The device.
    Device(&'a str),
    /// The payment instrument.
    PaymentInstrument(&'a str),
}

fn address_stream(a: &ShippingAddress) -> impl Iterator<Item = char> + '_ {
    [a.province.as_deref(), a.city.as_deref(), a.district.as_deref(), a.detail.as_deref()]
        .into_iter()
        .flatten()
        .flat_map(address_chars)
}

fn tag(kind: EntityKind) -> u8 {
    kind as u8
}

/// The entities of one order with their index keys, computed once per
/// evaluation and shared by the block list, the allow lists (for every flag
/// that fires) and the rules that read the recipient's phone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderEntities<'a> {
    items: [Option<(Entity<'a>, u64)>; 5],
}

impl<'a> OrderEntities<'a> {
    /// The entities of `order`, whose recipient phone reads as `phone`.
    pub(crate) fn of(order: &'a Order, phone: Option<PhoneKey>) -> Self {
        let mut items = [None; 5];
        for (slot, e) in items.iter_mut().zip(Entity::with_phone(order, phone)) {
            *slot = Some((e, e.key()));
        }
        OrderEntities { items }
    }

    /// The entities and their keys, in [`EntityKind::ALL`] order.
    fn iter(&self) -> impl Iterator<Item = (Entity<'a>, u64)> + '_ {
        self.items.iter().flatten().copied()
    }
}

/// The recipient's phone of `order`, read.
pub(crate) fn recipient_phone(order: &Order) -> Option<PhoneKey> {
    order.recipient.as_ref().and_then(|r| r.phone.as_deref()).and_then(PhoneKey::parse)
}

impl<'a> Entity<'a> {
    /// Every entity an order names, in [`EntityKind::ALL`] order.
    pub(crate) fn of(order: &'a Order) -> impl Iterator<Item = Entity<'a>> + 'a {
        Entity::with_phone(order, recipient_phone(order))
    }

    /// [`Entity::of`], with the recipient's phone already read.
    fn with_phone(order: &'a Order, phone: Option<PhoneKey>) -> impl Iterator<Item = Entity<'a>> + 'a {
        // Blank values name no entity: they are never looked up nor kept.
        let named = |s: &&str| folded(s).next().is_some();
        let user = Some(order.user_id.as_str()).filter(named).map(Entity::User);
        let phone = phone.map(Entity::Phone);
        let address = order.shipping.as_ref().filter(|a| address_stream(a).next().is_some()).map(Entity::Address);
        let device = order.client.as_ref().and_then(|c| c.device_id.as_deref()).filter(named).map(Entity::Device);
        let instrument = order
            .payment
            .as_ref()
            .and_then(|p| p.instrument_id.as_deref())
            .filter(named)
            .map(Entity::PaymentInstrument);
        [user, phone, address, device, instrument].into_iter().flatten()
    }

    /// Its kind.
    pub(crate) fn kind(&self) -> EntityKind {
        match self {
            Entity::User(_) => EntityKind::User,
            Entity::Phone(_) => EntityKind::Phone,
            Entity::Address(_) => EntityKind::Address,
            Entity::Device(_) => EntityKind::Device,
            Entity::PaymentInstrument(_) => EntityKind::PaymentInstrument,
        }
    }

    fn key(&self) -> u64 {
        let t = tag(self.kind());
        match self {
            Entity::Phone(k) => k.hash_key(),
            Entity::Address(a) => hash_chars(t, address_stream(a)),
            Entity::User(s) | Entity::Device(s) | Entity::PaymentInstrument(s) => hash_chars(t, folded(s)),
        }
    }

    fn matches(&self, kind: EntityKind, value: &str) -> bool {
        if kind != self.kind() {
            return false;
        }
        match self {
            Entity::Phone(k) => PhoneKey::parse(value).is_some_and(|v| v == *k),
            Entity::Address(a) => address_stream(a).eq(address_chars(value)),
            Entity::User(s) | Entity::Device(s) | Entity::PaymentInstrument(s) => folded(s).eq(folded(value)),
        }
    }
}

/// The key a list value is indexed under; `None` for a phone that is no phone.
/// The index key of a list entry, or `None` when the value names nothing: a
/// phone that does not parse, or a value that is empty once normalised (an
/// empty value would otherwise match every order whose value is empty).
fn entry_key(kind: EntityKind, value: &str) -> Option<u64> {
    let t = tag(kind);
    match kind {
        EntityKind::Phone => PhoneKey::parse(value).map(|k| k.hash_key()),
        EntityKind::Address => address_chars(value).next().is_some().then(|| hash_chars(t, address_chars(value))),
        _ => folded(value).next().is_some().then(|| hash_chars(t, folded(value))),
    }
}

/// Entry positions by the hash of their normalised value.
type Index = HashMap<u64, Vec<usize>, PassThroughBuild>;

/// Block, allow and fraud-number lists with their lookup indexes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "ListsData", into = "ListsData")]
pub struct Lists {
    block: Vec<BlockEntry>,
    allow: Vec<AllowEntry>,
    fraud_phones: Vec<String>,
    block_index: Index,
    allow_index: Index,
    fraud_index: Index,
}

/// The serialised form of [`Lists`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct ListsData {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    block: Vec<BlockEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    allow: Vec<AllowEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fraud_phones: Vec<String>,
}

impl From<ListsData> for Lists {
    fn from(d: ListsData) -> Self {
        let mut lists = Lists::default();
        d.block.into_iter().for_each(|e| lists.add_block(e));
        d.allow.into_iter().for_each(|e| lists.add_allow(e));
        d.fraud_phones.into_iter().for_each(|p| lists.add_fraud_phone(p));
        lists
    }
}

impl From<Lists> for ListsData {
    fn from(l: Lists) -> Self {
        ListsData { block: l.block, allow: l.allow, fraud_phones: l.fraud_phones }
    }
}

/// Lists that change while engines run: block a phone confirmed abnormal a
/// minute ago without rebuilding an engine.
///
/// Give a handle to [`EngineBuilder::live_lists`](crate::EngineBuilder::live_lists);
/// every engine built with it (and every clone of those engines) consults the
/// lists in force at each evaluation, besides the engine's own lists and the
/// context's. Clones of the handle share one set of lists. An evaluation sees
/// the lists as they were before an update or after it, never half of one;
/// readers never wait. An update copies the lists (cost linear in their
/// size), so it suits a trickle of review decisions, not a stream per order.
///
/// Live lists are not part of a rule set: they are not written by
/// [`Engine::config`](crate::Engine::config) and not covered by its hash.
///
/// ```
/// use order_anomaly::{Decision, Engine, EntityKind, EvalContext, Order, SharedLists};
///
/// let live = SharedLists::default();
/// let engine = Engine::builder().live_lists(live.clone()).build().unwrap();
/// let order = Order::new("SO-1", "u-9", "2026-03-01T10:00:00Z".parse().unwrap(), "80".parse().unwrap());
/// let ctx = EvalContext::at("2026-03-01T10:05:00Z".parse().unwrap());
/// assert_eq!(engine.evaluate(&order, &ctx).decision(), Decision::Pass);
///
/// live.update(|l| l.add_block(order_anomaly::BlockEntry::new(EntityKind::User, "u-9", "confirmed fraud"))).unwrap();
/// assert_eq!(engine.evaluate(&order, &ctx).decision(), Decision::Reject);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedLists {
    current: Arc<ArcSwap<Lists>>,
}

impl SharedLists {
    /// Shares `lists`, refusing entries that can never match.
    pub fn new(lists: Lists) -> Result<Self, Vec<ListProblem>> {
        let problems = lists.problems();
        if problems.is_empty() {
            Ok(SharedLists { current: Arc::new(ArcSwap::from_pointee(lists)) })
        } else {
            Err(problems)
        }
    }

    /// The lists in force now.
    pub fn snapshot(&self) -> Arc<Lists> {
        self.current.load_full()
    }

    /// Changes the lists: `change` is applied to a copy, which replaces the
    /// lists in force if it has no entry that can never match. `change` may
    /// run more than once when updates race, so it should only edit the lists.
    pub fn update(&self, mut change: impl FnMut(&mut Lists)) -> Result<(), Vec<ListProblem>> {
        let mut refused = Vec::new();
        self.current.rcu(|old| {
            let mut next = Lists::clone(old);
            change(&mut next);
            refused = next.problems();
            if refused.is_empty() { Arc::new(next) } else { Arc::clone(old) }
        });
        if refused.is_empty() { Ok(()) } else { Err(refused) }
    }

    /// Replaces the lists, refusing entries that can never match.
    pub fn replace(&self, lists: Lists) -> Result<(), Vec<ListProblem>> {
        let problems = lists.problems();
        if problems.is_empty() {
            self.current.store(Arc::new(lists));
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The lists in force, for one evaluation (no reference-count traffic).
    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<Lists>> {
        self.current.load()
    }
}

/// A list value that can never match anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{list} entry {index} ({}): {reason}", kind.as_str())]
#[non_exhaustive]
pub struct ListProblem {
    /// `block`, `allow` or `fraud_phones`.
    pub list: &'static str,
    /// The entry's position.
    pub index: usize,
    /// The kind of entity the entry names.
    pub kind: EntityKind,
    /// What is wrong, without the value (list values are personal data).
    pub reason: &'static str,
}

impl Lists {
    /// Empty lists.
    pub fn new() -> Self {
        Lists::default()
    }

    /// Adds a block-list entry.
    pub fn add_block(&mut self, entry: BlockEntry) {
        if let Some(k) = entry_key(entry.kind, &entry.value) {
            self.block_index.entry(k).or_default().push(self.block.len());
        }
        self.block.push(entry);
    }

    /// Adds an allow-list entry.
    pub fn add_allow(&mut self, entry: AllowEntry) {
        if let Some(k) = entry_key(entry.kind, &entry.value) {
            self.allow_index.entry(k).or_default().push(self.allow.len());
        }
        self.allow.push(entry);
    }

    /// Adds a number to the fraud-number list.
    pub fn add_fraud_phone(&mut self, phone: impl Into<String>) {
        let phone = phone.into();
        if let Some(k) = entry_key(EntityKind::Phone, &phone) {
            self.fraud_index.entry(k).or_default().push(self.fraud_phones.len());
        }
        self.fraud_phones.push(phone);
    }

    /// Adds every entry of `other` (for feedback from review into the lists
    /// an evaluation already has).
    pub fn extend(&mut self, other: &Lists) {
        other.block.iter().cloned().for_each(|e| self.add_block(e));
        other.allow.iter().cloned().for_each(|e| self.add_allow(e));
        other.fraud_phones.iter().cloned().for_each(|p| self.add_fraud_phone(p));
    }

    /// Builder form of [`Lists::add_block`].
    #[must_use]
    pub fn with_block(mut self, kind: EntityKind, value: impl Into<String>, reason: impl Into<String>) -> Self {
        self.add_block(BlockEntry { kind, value: value.into(), reason: reason.into(), expires_at: None });
        self
    }

    /// Builder form of [`Lists::add_allow`].
    #[must_use]
    pub fn with_allow(
        mut self,
        kind: EntityKind,
        value: impl Into<String>,
        rules: impl IntoIterator<Item = RuleId>,
        reason: impl Into<String>,
    ) -> Self {
        self.add_allow(AllowEntry {
            kind,
            value: value.into(),
            rules: rules.into_iter().collect(),
            reason: reason.into(),
            expires_at: None,
        });
        self
    }

    /// Builder form of [`Lists::add_fraud_phone`].
    #[must_use]
    pub fn with_fraud_phone(mut self, phone: impl Into<String>) -> Self {
        self.add_fraud_phone(phone);
        self
    }

    /// The block list.
    pub fn block(&self) -> &[BlockEntry] {
        &self.block
    }
    /// The allow list.
    pub fn allow(&self) -> &[AllowEntry] {
        &self.allow
    }
    /// The fraud-number list.
    pub fn fraud_phones(&self) -> &[String] {
        &self.fraud_phones
    }
    /// Whether all three lists are empty.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty() && self.allow.is_empty() && self.fraud_phones.is_empty()
    }

    /// Phone entries that are no phone number and so can never match.
    pub fn problems(&self) -> Vec<ListProblem> {
        let bad = |list, index, kind, value: &str| {
            let reason = if entry_key(kind, value).is_some() {
                return None;
            } else if kind == EntityKind::Phone && folded(value).next().is_some() {
                "not a phone number"
            } else {
                "the value is empty"
            };
            Some(ListProblem { list, index, kind, reason })
        };
        let block = self.block.iter().enumerate().filter_map(|(i, e)| bad("block", i, e.kind, &e.value));
        let allow = self.allow.iter().enumerate().filter_map(|(i, e)| bad("allow", i, e.kind, &e.value));
        let fraud =
            self.fraud_phones.iter().enumerate().filter_map(|(i, p)| bad("fraud_phones", i, EntityKind::Phone, p));
        block.chain(allow).chain(fraud).collect()
    }

    /// Whether a phone is on the fraud-number list.
    pub(crate) fn is_fraud_phone(&self, phone: &PhoneKey) -> bool {
        if self.fraud_phones.is_empty() {
            return false;
        }
        self.fraud_index.get(&phone.hash_key()).is_some_and(|hits| {
            hits.iter()
                .filter_map(|&i| self.fraud_phones.get(i))
                .any(|p| PhoneKey::parse(p).is_some_and(|k| k == *phone))
        })
    }
}

/// The first active block-list entry, in any of `lists`, naming an entity of
/// the order. Each entity of the order is hashed once whatever the number of
/// lists; empty lists cost nothing.
pub(crate) fn blocked_in<'s, 'o, const N: usize>(
    lists: [&'s Lists; N],
    entities: &OrderEntities<'o>,
    now: DateTime<Utc>,
) -> Option<(&'s BlockEntry, Entity<'o>)> {
    find_in(
        lists,
        entities,
        |l| (&l.block_index, &l.block),
        |e, ent| active(e.expires_at, now) && ent.matches(e.kind, &e.value),
    )
}

/// The first active allow-list entry, in any of `lists`, naming an entity of
/// the order and exempting it from `rule`.
pub(crate) fn exemption_in<'s, const N: usize>(
    lists: [&'s Lists; N],
    entities: &OrderEntities<'_>,
    rule: &str,
    now: DateTime<Utc>,
) -> Option<&'s AllowEntry> {
    let hit = find_in(
        lists,
        entities,
        |l| (&l.allow_index, &l.allow),
        |e, ent| active(e.expires_at, now) && e.rules.iter().any(|r| r == rule) && ent.matches(e.kind, &e.value),
    );
    hit.map(|(e, _)| e)
}

/// The first entry, over the order's entities in turn and then the lists,
/// that the index points at and `hit` accepts.
fn find_in<'s, 'o, T, const N: usize>(
    lists: [&'s Lists; N],
    entities: &OrderEntities<'o>,
    pick: impl Fn(&'s Lists) -> (&'s Index, &'s [T]),
    hit: impl Fn(&T, &Entity<'o>) -> bool,
) -> Option<(&'s T, Entity<'o>)> {
    if lists.iter().all(|l| pick(l).1.is_empty()) {
        return None;
    }
    entities.iter().find_map(|(ent, key)| {
        lists.iter().find_map(|l| {
            let (index, entries) = pick(l);
            index.get(&key)?.iter().filter_map(|&i| entries.get(i)).find(|e| hit(e, &ent)).map(|e| (e, ent))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Recipient, ShippingAddress};

    fn ents(o: &Order) -> OrderEntities<'_> {
        OrderEntities::of(o, recipient_phone(o))
    }

    fn order() -> Order {
        Order {
            id: "o1".into(),
            user_id: "U-9".into(),
            recipient: Some(Recipient { name: None, phone: Some("13800138000".into()) }),
            shipping: Some(ShippingAddress {
                province: Some("广东省".into()),
                city: Some("深圳市".into()),
                district: Some("南山区".into()),
                detail: Some("科技园12号".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn block_list_matches_normalised_values() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let o = order();
        let phone = Lists::new().with_block(EntityKind::Phone, "+86 138-0013-8000", "chargeback");
        assert_eq!(blocked_in([&phone], &ents(&o), now).map(|(e, _)| e.reason.as_str()), Some("chargeback"));
        let addr = Lists::new().with_block(EntityKind::Address, "广东省 深圳市 南山区 科技园１２号", "fraud ring");
        assert!(blocked_in([&addr], &ents(&o), now).is_some());
        let user = Lists::new().with_block(EntityKind::User, "u-9", "abuse");
        assert!(blocked_in([&user], &ents(&o), now).is_some());
        let other = Lists::new().with_block(EntityKind::Phone, "13800138001", "x");
        assert!(blocked_in([&other], &ents(&o), now).is_none());
        let wrong_kind = Lists::new().with_block(EntityKind::Device, "U-9", "x");
        assert!(blocked_in([&wrong_kind], &ents(&o), now).is_none());
    }

    #[test]
    fn expired_entries_do_not_apply() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut l = Lists::new();
        l.add_block(BlockEntry {
            kind: EntityKind::User,
            value: "U-9".into(),
            reason: "r".into(),
            expires_at: Some(now),
        });
        assert!(blocked_in([&l], &ents(&order()), now).is_none());
        assert!(blocked_in([&l], &ents(&order()), now - chrono::Duration::seconds(1)).is_some());
    }

    #[test]
    fn allow_list_names_rules() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let l = Lists::new().with_allow(EntityKind::User, "U-9", [RuleId::from("payment.large_amount")], "VIP");
        assert!(exemption_in([&l], &ents(&order()), "payment.large_amount", now).is_some());
        assert!(exemption_in([&l], &ents(&order()), "payment.timeout", now).is_none());
    }

    #[test]
    fn extend_adds_every_entry_and_indexes_it() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut l = Lists::new().with_fraud_phone("13800138001");
        l.extend(&Lists::new().with_block(EntityKind::User, "U-9", "r").with_fraud_phone("13800138000"));
        assert!(blocked_in([&l], &ents(&order()), now).is_some());
        assert!(l.is_fraud_phone(&PhoneKey::parse("13800138000").unwrap()));
        assert_eq!(l.fraud_phones().len(), 2);
    }

    #[test]
    fn serde_rebuilds_the_index() {
        let l = Lists::new().with_fraud_phone("+86 138 0013 8000").with_block(EntityKind::Phone, "oops", "r");
        let back: Lists = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert!(back.is_fraud_phone(&PhoneKey::parse("13800138000").unwrap()));
        assert_eq!(back.problems().len(), 1);
        assert!(serde_json::from_str::<Lists>(r#"{"blok":[]}"#).is_err());
    }
}
