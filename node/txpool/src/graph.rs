//! The pool's data: transactions linked by the tags they require and provide, split into a
//! ready and a future queue, with the indexes that keep every operation proportional to the
//! transactions it touches (never to the size of the pool).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use codec::DecodeAll;
use lux_primitives::transaction::{TransactionSource, TransactionTag, ValidTransaction};
use lux_primitives::{AccountId20, OpaqueExtrinsic};

use crate::{PoolConfig, PoolError, ReadyTx, TxHash, TxStatus};

/// The sender and nonce of a transaction, read from the tag it provides: the runtime's
/// nonce-ordered transactions (signed extrinsics, and Ethereum transactions later) provide
/// `(AccountId20, u32)` in SCALE as their first tag.
pub(crate) fn sender_of(provides: &[TransactionTag]) -> Option<(AccountId20, u32)> {
    provides.first().and_then(|tag| <(AccountId20, u32)>::decode_all(&mut &tag[..]).ok())
}

/// A transaction in the pool.
pub(crate) struct Entry {
    pub data: Arc<OpaqueExtrinsic>,
    pub bytes: usize,
    pub source: TransactionSource,
    pub priority: u64,
    /// Tags provided by other pool transactions that must come first (tags already on chain
    /// are not listed).
    pub requires: Vec<TransactionTag>,
    pub provides: Vec<TransactionTag>,
    /// Block number after which the validity must be checked again.
    pub valid_till: u64,
    /// Whether this node gossips it (submitted here, not received by gossip).
    pub propagate: bool,
    pub sender: Option<(AccountId20, u32)>,
    /// Insertion order: ties in priority are first come, first served.
    pub seq: u64,
    pub ready: bool,
    /// How many of `requires` are not provided by a ready transaction.
    pub unmet: usize,
}

/// A validated transaction on its way into the pool.
pub(crate) struct NewTx {
    pub hash: TxHash,
    pub data: Arc<OpaqueExtrinsic>,
    pub source: TransactionSource,
    pub validity: ValidTransaction,
    pub validated_at: u32,
    pub propagate: bool,
}

/// Order of eviction: lowest priority first, then newest first.
type EvictionKey = (u64, Reverse<u64>, TxHash);

fn eviction_key(hash: TxHash, entry: &Entry) -> EvictionKey {
    (entry.priority, Reverse(entry.seq), hash)
}

#[derive(Default)]
struct Queue {
    order: BTreeSet<EvictionKey>,
    count: usize,
    bytes: usize,
}

impl Queue {
    fn add(&mut self, key: EvictionKey, bytes: usize) {
        self.order.insert(key);
        self.count += 1;
        self.bytes += bytes;
    }

    fn remove(&mut self, key: &EvictionKey, bytes: usize) {
        if self.order.remove(key) {
            self.count -= 1;
            self.bytes -= bytes;
        }
    }
}

/// A sender's transactions by nonce, and how many of them wait in the future queue.
#[derive(Default)]
struct SenderTxs {
    by_nonce: BTreeMap<u32, TxHash>,
    future: usize,
}

/// How long tags of included transactions are remembered, in blocks: a transaction validated
/// before the block that included its predecessor arrives during this window.
const PRUNED_TAGS_BLOCKS: usize = 32;

/// The transactions and their indexes. Every method keeps the invariants:
/// - `providers[t] == h` iff `t` is in `txs[h].provides`;
/// - `h` is in `dependents[t]` iff `t` is in `txs[h].requires`;
/// - `txs[h].unmet` counts the tags of `txs[h].requires` whose provider is missing or
///   not ready, and `txs[h].ready` iff that count is 0;
/// - each transaction is in exactly the queue (ready or future) its flag says.
#[derive(Default)]
pub(crate) struct Graph {
    pub txs: HashMap<TxHash, Entry>,
    providers: HashMap<TransactionTag, TxHash>,
    dependents: HashMap<TransactionTag, Vec<TxHash>>,
    ready: Queue,
    future: Queue,
    senders: HashMap<AccountId20, SenderTxs>,
    /// Tags provided by recently included transactions, with the block number.
    pruned: HashMap<TransactionTag, u32>,
    pruned_log: VecDeque<(u32, Vec<TransactionTag>)>,
    seq: u64,
    /// Status changes to report, in order.
    pub events: Vec<(TxHash, TxStatus)>,
    /// Transactions that became ready, each with whether it is to be gossiped.
    pub newly_ready: Vec<(ReadyTx, bool)>,
}

impl Graph {
    pub fn ready_count(&self) -> (usize, usize) {
        (self.ready.count, self.ready.bytes)
    }

    pub fn future_count(&self) -> (usize, usize) {
        (self.future.count, self.future.bytes)
    }

    pub fn provider(&self, tag: &[u8]) -> Option<&TxHash> {
        self.providers.get(tag)
    }

    /// The transactions of `sender`, lowest nonce first.
    pub fn sender_txs(&self, sender: &AccountId20) -> Vec<TxHash> {
        self.senders.get(sender).map(|s| s.by_nonce.values().copied().collect()).unwrap_or_default()
    }

    /// Senders with transactions in the pool.
    pub fn has_sender(&self, sender: &AccountId20) -> bool {
        self.senders.contains_key(sender)
    }

    /// Adds a validated transaction: replaces one with the same tags and a lower priority,
    /// promotes whatever it unlocks, then enforces the limits. Fails if it is stale, loses to
    /// the transaction it would replace, or does not fit.
    pub fn insert(&mut self, new: NewTx, config: &PoolConfig) -> Result<(), PoolError> {
        let NewTx { hash, data, source, validity, validated_at, propagate } = new;
        if self.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported(hash));
        }
        // Validated on an older block than the one that included what it provides.
        if validity.provides.iter().any(|t| self.pruned.contains_key(t)) {
            return Err(PoolError::Invalid(lux_primitives::transaction::InvalidTransaction::Stale));
        }
        let mut replaced = Vec::new();
        for tag in &validity.provides {
            if let Some(other) = self.providers.get(tag) {
                let old = self.txs.get(other).map_or(0, |t| t.priority);
                if old >= validity.priority {
                    return Err(PoolError::TooLowPriority { old, new: validity.priority });
                }
                if !replaced.contains(other) {
                    replaced.push(*other);
                }
            }
        }
        let requires: Vec<TransactionTag> =
            validity.requires.into_iter().filter(|t| !self.pruned.contains_key(t)).collect();
        let sender = sender_of(&validity.provides);
        let unmet = requires.iter().filter(|t| !self.provided_by_ready(t)).count();
        let bytes = data.0.len();
        // A replacement takes the place of what it replaces; anything else needs room, which
        // it may only take from a transaction of strictly lower priority: what the pool once
        // accepted is never dropped for an equal newcomer.
        if replaced.is_empty() {
            if unmet > 0 {
                if let Some((who, _)) = sender {
                    let waiting = self.senders.get(&who).map_or(0, |s| s.future);
                    if waiting >= config.max_future_per_sender {
                        return Err(PoolError::TooManyFromSender(config.max_future_per_sender));
                    }
                }
            }
            self.make_room(unmet == 0, validity.priority, bytes, config)?;
        }
        for old in replaced {
            self.remove(&old, TxStatus::Usurped(hash));
        }
        self.seq += 1;
        let entry = Entry {
            bytes,
            data,
            source,
            priority: validity.priority,
            requires,
            provides: validity.provides,
            valid_till: u64::from(validated_at).saturating_add(validity.longevity),
            propagate: propagate && validity.propagate,
            sender,
            seq: self.seq,
            ready: false,
            unmet,
        };
        for tag in &entry.provides {
            self.providers.insert(tag.clone(), hash);
        }
        for tag in &entry.requires {
            self.dependents.entry(tag.clone()).or_default().push(hash);
        }
        if let Some((who, nonce)) = sender {
            let txs = self.senders.entry(who).or_default();
            txs.by_nonce.insert(nonce, hash);
            txs.future += 1;
        }
        self.future.add(eviction_key(hash, &entry), entry.bytes);
        self.txs.insert(hash, entry);
        if unmet == 0 {
            self.promote(hash);
        } else {
            self.events.push((hash, TxStatus::Future));
        }
        Ok(())
    }

    fn provided_by_ready(&self, tag: &TransactionTag) -> bool {
        self.providers.get(tag).and_then(|h| self.txs.get(h)).is_some_and(|t| t.ready)
    }

    /// Makes room in the ready (or future) queue for a new transaction of `priority` and
    /// `bytes`: drops transactions of strictly lower priority, lowest first (ready ones from the
    /// end of their sender's chain, so nothing left behind waits for a transaction that is
    /// gone), or refuses the newcomer when only equal or higher priorities are left.
    /// Promotions of transactions already accepted never drop anything: the ready queue may
    /// then hold up to both limits together, which bounds the pool as a whole.
    fn make_room(
        &mut self,
        ready: bool,
        priority: u64,
        bytes: usize,
        config: &PoolConfig,
    ) -> Result<(), PoolError> {
        let (max_count, max_bytes) = if ready {
            (config.max_ready, config.max_ready_bytes)
        } else {
            (config.max_future, config.max_future_bytes)
        };
        loop {
            let queue = if ready { &self.ready } else { &self.future };
            if queue.count < max_count && queue.bytes + bytes <= max_bytes {
                return Ok(());
            }
            let victim = queue
                .order
                .iter()
                .take_while(|(p, _, _)| *p < priority)
                .map(|(_, _, h)| *h)
                .find(|h| !ready || !self.has_ready_dependents(h));
            let Some(victim) = victim else { return Err(PoolError::ImmediatelyDropped) };
            self.remove(
                &victim,
                TxStatus::Dropped(
                    "the pool is full and a transaction with a higher priority took its place"
                        .into(),
                ),
            );
        }
    }

    /// Marks `hash` ready, and everything that only waited for it (transitively).
    fn promote(&mut self, hash: TxHash) {
        let mut stack = vec![hash];
        while let Some(h) = stack.pop() {
            let Some(entry) = self.txs.get_mut(&h) else { continue };
            if entry.ready || entry.unmet > 0 {
                continue;
            }
            entry.ready = true;
            let key = eviction_key(h, entry);
            let bytes = entry.bytes;
            let sender = entry.sender.map(|s| s.0);
            self.newly_ready.push((ReadyTx { hash: h, data: entry.data.clone() }, entry.propagate));
            let provides = entry.provides.clone();
            self.future.remove(&key, bytes);
            self.ready.add(key, bytes);
            if let Some(s) = sender.and_then(|s| self.senders.get_mut(&s)) {
                s.future -= 1;
            }
            self.events.push((h, TxStatus::Ready));
            for tag in &provides {
                for dependent in self.dependents.get(tag).into_iter().flatten() {
                    if let Some(d) = self.txs.get_mut(dependent) {
                        d.unmet = d.unmet.saturating_sub(1);
                        if d.unmet == 0 {
                            stack.push(*dependent);
                        }
                    }
                }
            }
        }
    }

    /// The tags `provides` stop being provided by a ready transaction: dependents that were
    /// ready wait again (transitively).
    fn unprovide(&mut self, provides: &[TransactionTag]) {
        let mut stack: Vec<TransactionTag> = provides.to_vec();
        while let Some(tag) = stack.pop() {
            let dependents = self.dependents.get(&tag).cloned().unwrap_or_default();
            for dependent in dependents {
                let Some(d) = self.txs.get_mut(&dependent) else { continue };
                d.unmet += 1;
                if d.ready {
                    d.ready = false;
                    let key = eviction_key(dependent, d);
                    let bytes = d.bytes;
                    let sender = d.sender.map(|s| s.0);
                    stack.extend(d.provides.iter().cloned());
                    self.ready.remove(&key, bytes);
                    self.future.add(key, bytes);
                    if let Some(s) = sender.and_then(|s| self.senders.get_mut(&s)) {
                        s.future += 1;
                    }
                    self.events.push((dependent, TxStatus::Future));
                }
            }
        }
    }

    /// Removes a transaction from every index; returns it.
    fn detach(&mut self, hash: &TxHash) -> Option<Entry> {
        let entry = self.txs.remove(hash)?;
        for tag in &entry.provides {
            if self.providers.get(tag) == Some(hash) {
                self.providers.remove(tag);
            }
        }
        for tag in &entry.requires {
            if let Some(list) = self.dependents.get_mut(tag) {
                list.retain(|h| h != hash);
                if list.is_empty() {
                    self.dependents.remove(tag);
                }
            }
        }
        let key = eviction_key(*hash, &entry);
        if entry.ready {
            self.ready.remove(&key, entry.bytes);
        } else {
            self.future.remove(&key, entry.bytes);
        }
        if let Some((who, nonce)) = entry.sender {
            if let Some(txs) = self.senders.get_mut(&who) {
                if txs.by_nonce.get(&nonce) == Some(hash) {
                    txs.by_nonce.remove(&nonce);
                }
                if !entry.ready {
                    txs.future -= 1;
                }
                if txs.by_nonce.is_empty() {
                    self.senders.remove(&who);
                }
            }
        }
        Some(entry)
    }

    /// Removes a transaction that will not be included (invalid, dropped, replaced): what
    /// depended on it waits again. Its watchers hear `status`.
    pub fn remove(&mut self, hash: &TxHash, status: TxStatus) -> Option<Entry> {
        let entry = self.detach(hash)?;
        if entry.ready {
            self.unprovide(&entry.provides);
        }
        self.events.push((*hash, status));
        Some(entry)
    }

    /// Removes a transaction included in block `number`: its tags are now on chain, so what
    /// depended on it no longer waits for it.
    pub fn remove_included(&mut self, hash: &TxHash, number: u32) -> Option<Entry> {
        let entry = self.detach(hash)?;
        self.mark_on_chain(&entry.provides, number, !entry.ready);
        Some(entry)
    }

    /// Tags provided on chain (by block `number`): requirements on them are met. If
    /// `counted_unmet`, dependents counted them as unmet until now.
    fn mark_on_chain(&mut self, tags: &[TransactionTag], number: u32, counted_unmet: bool) {
        for tag in tags {
            self.pruned.insert(tag.clone(), number);
            let Some(dependents) = self.dependents.remove(tag) else { continue };
            for dependent in dependents {
                let Some(d) = self.txs.get_mut(&dependent) else { continue };
                d.requires.retain(|t| t != tag);
                if counted_unmet {
                    d.unmet = d.unmet.saturating_sub(1);
                    if d.unmet == 0 {
                        self.promote(dependent);
                    }
                }
            }
        }
        self.pruned_log.push_back((number, tags.to_vec()));
    }

    /// Forgets tags included more than [`PRUNED_TAGS_BLOCKS`] blocks before `number`.
    pub fn expire_pruned_tags(&mut self, number: u32) {
        let horizon = number.saturating_sub(PRUNED_TAGS_BLOCKS as u32);
        while self.pruned_log.front().is_some_and(|(n, _)| *n < horizon) {
            let Some((n, tags)) = self.pruned_log.pop_front() else { break };
            for tag in tags {
                if self.pruned.get(&tag) == Some(&n) {
                    self.pruned.remove(&tag);
                }
            }
        }
    }

    /// Forgets every on-chain tag (after a reorg they may no longer be on chain).
    pub fn clear_pruned_tags(&mut self) {
        self.pruned.clear();
        self.pruned_log.clear();
    }

    /// Applies a new validity to a transaction in the pool (after revalidation).
    pub fn update_validity(
        &mut self,
        hash: TxHash,
        validity: ValidTransaction,
        validated_at: u32,
        config: &PoolConfig,
    ) {
        let Some(entry) = self.txs.get(&hash) else { return };
        let requires: Vec<TransactionTag> =
            validity.requires.iter().filter(|t| !self.pruned.contains_key(*t)).cloned().collect();
        let unchanged = entry.requires == requires
            && entry.provides == validity.provides
            && entry.priority == validity.priority;
        if unchanged {
            if let Some(entry) = self.txs.get_mut(&hash) {
                entry.valid_till = u64::from(validated_at).saturating_add(validity.longevity);
            }
            return;
        }
        // Tags or priority changed: take it out and put it back in.
        let Some(old) = self.remove(&hash, TxStatus::Future) else { return };
        self.events.pop(); // not a status change the watchers need to hear
        let result = self.insert(
            NewTx {
                hash,
                data: old.data,
                source: old.source,
                validity: ValidTransaction { requires, ..validity },
                validated_at,
                propagate: old.propagate,
            },
            config,
        );
        if let Err(e) = result {
            let status = match e {
                PoolError::Invalid(i) => TxStatus::Invalid(i.message().into()),
                other => TxStatus::Dropped(other.to_string()),
            };
            self.events.push((hash, status));
        }
    }

    fn has_ready_dependents(&self, hash: &TxHash) -> bool {
        let Some(entry) = self.txs.get(hash) else { return false };
        entry.provides.iter().any(|tag| {
            self.dependents
                .get(tag)
                .into_iter()
                .flatten()
                .any(|d| self.txs.get(d).is_some_and(|t| t.ready))
        })
    }

    /// Ready transactions: hashes with priority, order and what they provide and require.
    pub fn ready_entries(&self) -> impl Iterator<Item = (&TxHash, &Entry)> {
        self.txs.iter().filter(|(_, t)| t.ready)
    }
}
