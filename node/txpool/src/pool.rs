//! The pool itself.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::{Duration, Instant};

use lux_primitives::transaction::{
    TransactionSource, TransactionTag, TransactionValidity, TransactionValidityError,
};
use lux_primitives::{OpaqueExtrinsic, H256};
use parking_lot::Mutex;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::{PoolError, TxHash, TxStatus};

/// Asks the runtime whether a transaction is valid on top of block `at`.
pub trait TxValidator: Send + Sync {
    /// Runs `TaggedTransactionQueue_validate_transaction` on the state of `at`.
    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError>;
}

/// Validation could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidatorError(pub String);

/// Pool limits.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Most ready transactions.
    pub max_ready: usize,
    /// Most future transactions.
    pub max_future: usize,
    /// Most bytes of ready transactions.
    pub max_ready_bytes: usize,
    /// Most bytes of future transactions.
    pub max_future_bytes: usize,
    /// Largest transaction accepted.
    pub max_tx_bytes: usize,
    /// How long an invalid transaction stays banned.
    pub ban_time: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_ready: 8192,
            max_future: 2048,
            max_ready_bytes: 20 * 1024 * 1024,
            max_future_bytes: 4 * 1024 * 1024,
            max_tx_bytes: 4 * 1024 * 1024,
            ban_time: Duration::from_secs(30 * 60),
        }
    }
}

/// Counts for the status line and RPC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Ready transactions.
    pub ready: usize,
    /// Future transactions.
    pub future: usize,
    /// Bytes of ready transactions.
    pub ready_bytes: usize,
    /// Bytes of future transactions.
    pub future_bytes: usize,
}

/// A ready transaction handed to the block builder.
#[derive(Clone, Debug)]
pub struct ReadyTx {
    /// Its hash.
    pub hash: TxHash,
    /// Its encoding.
    pub data: OpaqueExtrinsic,
}

struct Tx {
    data: OpaqueExtrinsic,
    bytes: usize,
    source: TransactionSource,
    priority: u64,
    requires: Vec<TransactionTag>,
    provides: Vec<TransactionTag>,
    /// Insertion order, to break priority ties first-come first-served.
    seq: u64,
    ready: bool,
}

#[derive(Default)]
struct Inner {
    txs: HashMap<TxHash, Tx>,
    /// Which transaction provides each tag.
    providers: HashMap<TransactionTag, TxHash>,
    seq: u64,
    banned: HashMap<TxHash, Instant>,
    watchers: HashMap<TxHash, Vec<UnboundedSender<TxStatus>>>,
    /// Watchers of included transactions, by block (with its number), until the block is final.
    in_block: HashMap<H256, (u32, Vec<Watcher>)>,
}

/// A watcher of an included transaction.
type Watcher = (TxHash, UnboundedSender<TxStatus>);

/// Watchers of a block that is not final this many blocks later get `FinalityTimeout`.
const FINALITY_TIMEOUT_BLOCKS: u32 = 512;

/// The transaction pool. All methods are synchronous and may call the runtime; run them off
/// async executors (`spawn_blocking`).
pub struct Pool {
    validator: Box<dyn TxValidator>,
    config: PoolConfig,
    inner: Mutex<Inner>,
}

impl Pool {
    /// A pool validating with `validator`.
    pub fn new(validator: Box<dyn TxValidator>, config: PoolConfig) -> Self {
        Self { validator, config, inner: Mutex::new(Inner::default()) }
    }

    /// Counts of ready and future transactions.
    pub fn status(&self) -> PoolStatus {
        let inner = self.inner.lock();
        let mut status = PoolStatus::default();
        for tx in inner.txs.values() {
            if tx.ready {
                status.ready += 1;
                status.ready_bytes += tx.bytes;
            } else {
                status.future += 1;
                status.future_bytes += tx.bytes;
            }
        }
        status
    }

    /// Whether a transaction in the pool provides `tag` (e.g. `(sender, nonce)`).
    pub fn is_provided(&self, tag: &[u8]) -> bool {
        self.inner.lock().providers.contains_key(tag)
    }

    /// Whether `hash` is in the pool.
    pub fn contains(&self, hash: &TxHash) -> bool {
        self.inner.lock().txs.contains_key(hash)
    }

    /// All transactions, ready ones first (for `author_pendingExtrinsics`).
    pub fn pending(&self) -> Vec<OpaqueExtrinsic> {
        let mut out: Vec<OpaqueExtrinsic> = self.ready().into_iter().map(|t| t.data).collect();
        let inner = self.inner.lock();
        let mut future: Vec<&Tx> = inner.txs.values().filter(|t| !t.ready).collect();
        future.sort_by_key(|t| t.seq);
        out.extend(future.into_iter().map(|t| t.data.clone()));
        out
    }

    /// Validates `xt` on block `at` and adds it. Returns its hash.
    pub fn submit(
        &self,
        at: H256,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<TxHash, PoolError> {
        self.submit_inner(at, source, xt, None)
    }

    /// Like [`submit`](Self::submit), and returns a stream of the transaction's statuses.
    pub fn submit_and_watch(
        &self,
        at: H256,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<(TxHash, UnboundedReceiver<TxStatus>), PoolError> {
        let (sender, receiver) = unbounded_channel();
        let hash = self.submit_inner(at, source, xt, Some(sender))?;
        Ok((hash, receiver))
    }

    fn submit_inner(
        &self,
        at: H256,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
        watcher: Option<UnboundedSender<TxStatus>>,
    ) -> Result<TxHash, PoolError> {
        let hash = xt.hash();
        let bytes = xt.0.len();
        {
            let inner = self.inner.lock();
            if inner.txs.contains_key(&hash) {
                return Err(PoolError::AlreadyImported(hash));
            }
            if inner.is_banned(&hash, self.config.ban_time) {
                return Err(PoolError::TemporarilyBanned);
            }
        }
        if bytes > self.config.max_tx_bytes {
            return Err(PoolError::TooLarge(bytes));
        }
        let valid = match self.validator.validate(at, source, &xt) {
            Err(e) => return Err(PoolError::Validation(e.0)),
            Ok(Err(TransactionValidityError::Invalid(e))) => {
                self.inner.lock().banned.insert(hash, Instant::now());
                return Err(PoolError::Invalid(e));
            }
            Ok(Err(TransactionValidityError::Unknown(e))) => return Err(PoolError::Unknown(e)),
            Ok(Ok(valid)) => valid,
        };
        let mut inner = self.inner.lock();
        if inner.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported(hash));
        }
        // Same sender and nonce: keep the higher priority.
        let mut replaced = HashSet::new();
        for tag in &valid.provides {
            if let Some(other) = inner.providers.get(tag) {
                let old = inner.txs.get(other).map_or(0, |t| t.priority);
                if old >= valid.priority {
                    return Err(PoolError::TooLowPriority { old, new: valid.priority });
                }
                replaced.insert(*other);
            }
        }
        inner.seq += 1;
        let tx = Tx {
            data: xt,
            bytes,
            source,
            priority: valid.priority,
            requires: valid.requires,
            provides: valid.provides,
            seq: inner.seq,
            ready: false,
        };
        for old in replaced {
            inner.remove(&old, TxStatus::Usurped(hash));
        }
        for tag in &tx.provides {
            inner.providers.insert(tag.clone(), hash);
        }
        let was_ready = inner.ready_set();
        inner.txs.insert(hash, tx);
        if let Some(w) = watcher {
            inner.watchers.entry(hash).or_default().push(w);
        }
        inner.update_readiness();
        let dropped = inner.enforce_limits(&self.config, hash);
        // The new transaction's first status, then whatever it unlocked.
        if dropped.is_none() {
            let ready = inner.txs.get(&hash).is_some_and(|t| t.ready);
            inner.notify(&hash, if ready { TxStatus::Ready } else { TxStatus::Future });
        }
        let mut was_ready = was_ready;
        was_ready.insert(hash);
        inner.notify_readiness_changes(&was_ready, Some(hash));
        match dropped {
            Some(error) => Err(error),
            None => Ok(hash),
        }
    }

    /// Ready transactions in the order a block should include them: dependencies first, then
    /// highest priority, then oldest.
    pub fn ready(&self) -> Vec<ReadyTx> {
        let inner = self.inner.lock();
        // How many of each ready transaction's requirements are not yet emitted.
        let mut pending: HashMap<TxHash, usize> = HashMap::new();
        let mut requirers: HashMap<&TransactionTag, Vec<TxHash>> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for (hash, tx) in inner.txs.iter().filter(|(_, t)| t.ready) {
            let unmet = tx.requires.iter().filter(|t| inner.providers.contains_key(*t)).count();
            for tag in &tx.requires {
                requirers.entry(tag).or_default().push(*hash);
            }
            if unmet == 0 {
                heap.push((tx.priority, std::cmp::Reverse(tx.seq), *hash));
            } else {
                pending.insert(*hash, unmet);
            }
        }
        let mut out = Vec::new();
        while let Some((_, _, hash)) = heap.pop() {
            let Some(tx) = inner.txs.get(&hash) else { continue };
            out.push(ReadyTx { hash, data: tx.data.clone() });
            for tag in &tx.provides {
                for dependent in requirers.get(tag).into_iter().flatten() {
                    if let Some(n) = pending.get_mut(dependent) {
                        *n -= 1;
                        if *n == 0 {
                            if let Some(d) = inner.txs.get(dependent) {
                                heap.push((d.priority, std::cmp::Reverse(d.seq), *dependent));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Removes transactions a block builder found invalid, and bans them.
    pub fn remove_invalid(&self, hashes: &[TxHash]) {
        let mut inner = self.inner.lock();
        let was_ready = inner.ready_set();
        for hash in hashes {
            inner.banned.insert(*hash, Instant::now());
            inner.remove(hash, TxStatus::Invalid);
        }
        inner.update_readiness();
        inner.notify_readiness_changes(&was_ready, None);
    }

    /// A new best block `block` (at `number`) included `included` and replaced the blocks in
    /// `retracted`: removes the included transactions (watchers learn `InBlock`) and tells
    /// watchers of retracted blocks. Fast and without runtime calls, so it runs as soon as the
    /// block is imported; [`revalidate`](Self::revalidate) follows.
    pub fn prune(&self, block: H256, number: u32, included: &[TxHash], retracted: &[H256]) {
        let mut inner = self.inner.lock();
        let was_ready = inner.ready_set();
        for old in retracted {
            if let Some((_, watchers)) = inner.in_block.remove(old) {
                for (tx, watcher) in watchers {
                    if watcher.send(TxStatus::Retracted(*old)).is_ok() {
                        inner.watchers.entry(tx).or_default().push(watcher);
                    }
                }
            }
        }
        let mut included_watchers = Vec::new();
        for hash in included {
            inner.notify(hash, TxStatus::InBlock(block));
            for watcher in inner.watchers.remove(hash).unwrap_or_default() {
                included_watchers.push((*hash, watcher));
            }
            inner.remove(hash, TxStatus::InBlock(block));
        }
        if !included_watchers.is_empty() {
            inner.in_block.entry(block).or_insert((number, Vec::new())).1.extend(included_watchers);
        }
        let expired: Vec<H256> = inner
            .in_block
            .iter()
            .filter(|(_, (n, _))| n.saturating_add(FINALITY_TIMEOUT_BLOCKS) < number)
            .map(|(b, _)| *b)
            .collect();
        for old in expired {
            if let Some((_, watchers)) = inner.in_block.remove(&old) {
                for (_, watcher) in watchers {
                    let _ = watcher.send(TxStatus::FinalityTimeout(old));
                }
            }
        }
        inner.update_readiness();
        inner.notify_readiness_changes(&was_ready, None);
    }

    /// [`prune`](Self::prune), then [`revalidate`](Self::revalidate).
    pub fn on_new_best_block(
        &self,
        block: H256,
        number: u32,
        included: &[TxHash],
        retracted: Vec<OpaqueExtrinsic>,
    ) {
        self.prune(block, number, included, &[]);
        self.revalidate(block, retracted);
    }

    /// Watchers of transactions in `blocks` learn they are final.
    pub fn on_finalized(&self, blocks: &[H256]) {
        let mut inner = self.inner.lock();
        for block in blocks {
            if let Some((_, watchers)) = inner.in_block.remove(block) {
                for (_, watcher) in watchers {
                    let _ = watcher.send(TxStatus::Finalized(*block));
                }
            }
        }
    }

    /// Puts back the transactions of retracted blocks, then revalidates every transaction on
    /// `at`: invalid ones are removed and banned, the others get their new priority and tags.
    pub fn revalidate(&self, at: H256, retracted: Vec<OpaqueExtrinsic>) {
        for xt in retracted {
            let _ = self.submit(at, TransactionSource::InBlock, xt);
        }
        self.revalidate_all(at);
    }

    fn revalidate_all(&self, at: H256) {
        let snapshot: Vec<(TxHash, OpaqueExtrinsic, TransactionSource)> = {
            let inner = self.inner.lock();
            inner.txs.iter().map(|(h, t)| (*h, t.data.clone(), t.source)).collect()
        };
        let results: Vec<_> = snapshot
            .into_iter()
            .map(|(hash, xt, source)| (hash, self.validator.validate(at, source, &xt)))
            .collect();
        let mut inner = self.inner.lock();
        let was_ready = inner.ready_set();
        for (hash, result) in results {
            match result {
                Ok(Ok(valid)) => {
                    if let Some(tx) = inner.txs.get_mut(&hash) {
                        tx.priority = valid.priority;
                        tx.requires = valid.requires;
                        tx.provides = valid.provides;
                    }
                }
                Ok(Err(TransactionValidityError::Invalid(_))) => {
                    inner.banned.insert(hash, Instant::now());
                    inner.remove(&hash, TxStatus::Invalid);
                }
                // Unknown validity or a failed call: keep it and try again next block.
                Ok(Err(TransactionValidityError::Unknown(_))) | Err(_) => {}
            }
        }
        inner.providers.clear();
        let provided: Vec<(TransactionTag, TxHash)> = inner
            .txs
            .iter()
            .flat_map(|(h, t)| t.provides.iter().map(move |tag| (tag.clone(), *h)))
            .collect();
        inner.providers.extend(provided);
        inner.update_readiness();
        inner.notify_readiness_changes(&was_ready, None);
        let now = Instant::now();
        let ban_time = self.config.ban_time;
        inner.banned.retain(|_, at| now.duration_since(*at) < ban_time);
    }
}

impl Inner {
    fn ready_set(&self) -> HashSet<TxHash> {
        self.txs.iter().filter(|(_, t)| t.ready).map(|(h, _)| *h).collect()
    }

    /// Tells watchers of transactions that moved between the queues (except `skip`).
    fn notify_readiness_changes(&mut self, was_ready: &HashSet<TxHash>, skip: Option<TxHash>) {
        let changed: Vec<(TxHash, TxStatus)> = self
            .txs
            .iter()
            .filter(|(h, t)| Some(**h) != skip && t.ready != was_ready.contains(*h))
            .map(|(h, t)| (*h, if t.ready { TxStatus::Ready } else { TxStatus::Future }))
            .collect();
        for (hash, status) in changed {
            self.notify(&hash, status);
        }
    }

    fn is_banned(&self, hash: &TxHash, ban_time: Duration) -> bool {
        self.banned.get(hash).is_some_and(|at| at.elapsed() < ban_time)
    }

    fn notify(&mut self, hash: &TxHash, status: TxStatus) {
        if let Some(watchers) = self.watchers.get_mut(hash) {
            watchers.retain(|w| w.send(status.clone()).is_ok());
        }
    }

    /// Removes a transaction; its watchers get `status` if it is final for them.
    fn remove(&mut self, hash: &TxHash, status: TxStatus) {
        let Some(tx) = self.txs.remove(hash) else { return };
        for tag in &tx.provides {
            if self.providers.get(tag) == Some(hash) {
                self.providers.remove(tag);
            }
        }
        if status.is_final() {
            self.notify(hash, status);
            self.watchers.remove(hash);
        }
    }

    /// Marks every transaction whose requirements are all provided by ready transactions as
    /// ready, the others as future.
    fn update_readiness(&mut self) {
        let mut requirers: HashMap<TransactionTag, Vec<TxHash>> = HashMap::new();
        let mut pending: HashMap<TxHash, usize> = HashMap::new();
        let mut queue = Vec::new();
        for (hash, tx) in self.txs.iter_mut() {
            tx.ready = false;
            if tx.requires.iter().any(|t| !self.providers.contains_key(t)) {
                continue; // waits for a transaction not in the pool
            }
            for tag in &tx.requires {
                requirers.entry(tag.clone()).or_default().push(*hash);
            }
            if tx.requires.is_empty() {
                queue.push(*hash);
            } else {
                pending.insert(*hash, tx.requires.len());
            }
        }
        while let Some(hash) = queue.pop() {
            let provides = match self.txs.get_mut(&hash) {
                Some(tx) if !tx.ready => {
                    tx.ready = true;
                    tx.provides.clone()
                }
                _ => continue,
            };
            for tag in provides {
                for dependent in requirers.get(&tag).into_iter().flatten() {
                    if let Some(n) = pending.get_mut(dependent) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            queue.push(*dependent);
                        }
                    }
                }
            }
        }
    }

    /// Drops the lowest-priority transactions while a queue is over its limits. Returns an
    /// error if `new` itself was dropped.
    fn enforce_limits(&mut self, config: &PoolConfig, new: TxHash) -> Option<PoolError> {
        let mut dropped_new = false;
        for ready in [true, false] {
            let (max_count, max_bytes) = if ready {
                (config.max_ready, config.max_ready_bytes)
            } else {
                (config.max_future, config.max_future_bytes)
            };
            loop {
                let (count, bytes) = self
                    .txs
                    .values()
                    .filter(|t| t.ready == ready)
                    .fold((0, 0), |(c, b), t| (c + 1, b + t.bytes));
                if count <= max_count && bytes <= max_bytes {
                    break;
                }
                let victim = self
                    .txs
                    .iter()
                    .filter(|(_, t)| t.ready == ready)
                    .min_by_key(|(h, t)| (t.priority, std::cmp::Reverse(t.seq), **h != new))
                    .map(|(h, _)| *h);
                let Some(victim) = victim else { break };
                dropped_new |= victim == new;
                self.remove(&victim, TxStatus::Dropped);
                self.update_readiness();
            }
        }
        dropped_new.then_some(PoolError::ImmediatelyDropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::{Decode, Encode};
    use lux_primitives::transaction::{InvalidTransaction, ValidTransaction};
    use std::sync::Arc;

    /// A chain with per-sender nonces; a transaction is `(sender, nonce, tip, padding)`.
    #[derive(Default)]
    struct Chain {
        nonces: Mutex<HashMap<u8, u32>>,
    }

    fn xt(sender: u8, nonce: u32, tip: u64) -> OpaqueExtrinsic {
        OpaqueExtrinsic((sender, nonce, tip).encode())
    }

    impl TxValidator for Arc<Chain> {
        fn validate(
            &self,
            _at: H256,
            _source: TransactionSource,
            xt: &OpaqueExtrinsic,
        ) -> Result<TransactionValidity, ValidatorError> {
            let (sender, nonce, tip) = <(u8, u32, u64)>::decode(&mut &xt.0[..])
                .map_err(|e| ValidatorError(format!("cannot decode: {e}")))?;
            let current = self.nonces.lock().get(&sender).copied().unwrap_or(0);
            if nonce < current {
                return Ok(Err(InvalidTransaction::Stale.into()));
            }
            let requires =
                if nonce > current { vec![(sender, nonce - 1).encode()] } else { vec![] };
            Ok(Ok(ValidTransaction {
                priority: tip,
                requires,
                provides: vec![(sender, nonce).encode()],
                ..Default::default()
            }))
        }
    }

    fn pool(config: PoolConfig) -> (Pool, Arc<Chain>) {
        let chain = Arc::new(Chain::default());
        (Pool::new(Box::new(chain.clone()), config), chain)
    }

    fn submit(pool: &Pool, xt: OpaqueExtrinsic) -> Result<TxHash, PoolError> {
        pool.submit(H256::zero(), TransactionSource::External, xt)
    }

    fn order(pool: &Pool) -> Vec<OpaqueExtrinsic> {
        pool.ready().into_iter().map(|t| t.data).collect()
    }

    #[test]
    fn nonce_gaps_wait_in_the_future_queue() {
        let (pool, _) = pool(PoolConfig::default());
        submit(&pool, xt(1, 2, 0)).expect("future");
        submit(&pool, xt(1, 1, 0)).expect("future");
        assert_eq!(pool.status().future, 2);
        assert!(pool.ready().is_empty());
        submit(&pool, xt(1, 0, 0)).expect("ready");
        assert_eq!(pool.status().ready, 3);
        assert_eq!(order(&pool), vec![xt(1, 0, 0), xt(1, 1, 0), xt(1, 2, 0)]);
    }

    #[test]
    fn higher_tips_go_first_but_dependencies_are_respected() {
        let (pool, _) = pool(PoolConfig::default());
        submit(&pool, xt(1, 0, 5)).expect("ok");
        submit(&pool, xt(1, 1, 100)).expect("ok");
        submit(&pool, xt(2, 0, 50)).expect("ok");
        assert_eq!(order(&pool), vec![xt(2, 0, 50), xt(1, 0, 5), xt(1, 1, 100)]);
    }

    #[test]
    fn rejections_have_reasons() {
        let (pool, chain) = pool(PoolConfig { max_tx_bytes: 20, ..Default::default() });
        chain.nonces.lock().insert(1, 5);
        assert_eq!(submit(&pool, xt(1, 4, 0)), Err(PoolError::Invalid(InvalidTransaction::Stale)));
        assert_eq!(submit(&pool, xt(1, 4, 0)), Err(PoolError::TemporarilyBanned));
        let hash = submit(&pool, xt(1, 5, 0)).expect("ok");
        assert_eq!(submit(&pool, xt(1, 5, 0)), Err(PoolError::AlreadyImported(hash)));
        assert!(matches!(submit(&pool, OpaqueExtrinsic(vec![1])), Err(PoolError::Validation(_))));
        assert_eq!(submit(&pool, OpaqueExtrinsic(vec![0; 21])), Err(PoolError::TooLarge(21)));
    }

    #[test]
    fn replacement_needs_a_higher_tip() {
        let (pool, _) = pool(PoolConfig::default());
        let (first, mut status) = pool
            .submit_and_watch(H256::zero(), TransactionSource::External, xt(1, 0, 10))
            .expect("ok");
        // Same sender, nonce and tip, different content.
        let mut same_tip = xt(1, 0, 10);
        same_tip.0.push(1);
        assert_eq!(submit(&pool, same_tip), Err(PoolError::TooLowPriority { old: 10, new: 10 }));
        let second = submit(&pool, xt(1, 0, 11)).expect("replaces");
        assert!(!pool.contains(&first));
        assert_eq!(status.try_recv(), Ok(TxStatus::Ready));
        assert_eq!(status.try_recv(), Ok(TxStatus::Usurped(second)));
    }

    #[test]
    fn full_pool_drops_the_lowest_priority() {
        let (pool, _) = pool(PoolConfig { max_ready: 2, ..Default::default() });
        submit(&pool, xt(1, 0, 5)).expect("ok");
        submit(&pool, xt(2, 0, 6)).expect("ok");
        assert_eq!(submit(&pool, xt(3, 0, 1)), Err(PoolError::ImmediatelyDropped));
        submit(&pool, xt(4, 0, 9)).expect("evicts the tip-5 one");
        assert_eq!(order(&pool), vec![xt(4, 0, 9), xt(2, 0, 6)]);
    }

    #[test]
    fn new_blocks_remove_included_and_revalidate() {
        let (pool, chain) = pool(PoolConfig::default());
        let (h0, mut watch) = pool
            .submit_and_watch(H256::zero(), TransactionSource::External, xt(1, 0, 0))
            .expect("ok");
        submit(&pool, xt(1, 1, 0)).expect("ok");
        let stale = submit(&pool, xt(2, 0, 0)).expect("ok");
        // Block 1 includes (1, 0); meanwhile sender 2's nonce moved on elsewhere.
        chain.nonces.lock().insert(1, 1);
        chain.nonces.lock().insert(2, 1);
        let block = H256::repeat_byte(1);
        pool.on_new_best_block(block, 1, &[h0], vec![]);
        assert!(!pool.contains(&h0));
        assert!(!pool.contains(&stale), "invalid after revalidation");
        assert_eq!(order(&pool), vec![xt(1, 1, 0)]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::Ready));
        assert_eq!(watch.try_recv(), Ok(TxStatus::InBlock(block)));
        pool.on_finalized(&[block]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::Finalized(block)));
    }

    #[test]
    fn a_submission_that_unlocks_a_future_transaction_reports_it_ready() {
        let (pool, _) = pool(PoolConfig::default());
        let (_, mut watch) = pool
            .submit_and_watch(H256::zero(), TransactionSource::External, xt(1, 1, 0))
            .expect("ok");
        assert_eq!(watch.try_recv(), Ok(TxStatus::Future));
        submit(&pool, xt(1, 0, 0)).expect("ok");
        assert_eq!(watch.try_recv(), Ok(TxStatus::Ready));
    }

    #[test]
    fn retracted_blocks_are_reported_and_unfinalized_ones_time_out() {
        let (pool, _) = pool(PoolConfig::default());
        let (h, mut watch) = pool
            .submit_and_watch(H256::zero(), TransactionSource::External, xt(1, 0, 0))
            .expect("ok");
        let a = H256::repeat_byte(0xa);
        pool.prune(a, 1, &[h], &[]);
        pool.prune(H256::repeat_byte(0xb), 2, &[], &[a]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::Ready));
        assert_eq!(watch.try_recv(), Ok(TxStatus::InBlock(a)));
        assert_eq!(watch.try_recv(), Ok(TxStatus::Retracted(a)));
        let c = H256::repeat_byte(0xc);
        pool.prune(c, 3, &[h], &[]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::InBlock(c)));
        pool.prune(H256::repeat_byte(0xd), 3 + FINALITY_TIMEOUT_BLOCKS + 1, &[], &[]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::FinalityTimeout(c)));
    }

    #[test]
    fn future_promoted_after_revalidation_is_reported_ready() {
        let (pool, chain) = pool(PoolConfig::default());
        let (_, mut watch) = pool
            .submit_and_watch(H256::zero(), TransactionSource::External, xt(1, 1, 0))
            .expect("ok");
        assert_eq!(watch.try_recv(), Ok(TxStatus::Future));
        chain.nonces.lock().insert(1, 1);
        pool.on_new_best_block(H256::repeat_byte(1), 1, &[], vec![]);
        assert_eq!(watch.try_recv(), Ok(TxStatus::Ready));
    }
}
