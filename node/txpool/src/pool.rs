//! The pool: admission, watchers, the view of new blocks, and revalidation.

use std::collections::{HashMap, HashSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lux_primitives::transaction::{
    InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
};
use lux_primitives::{AccountId20, OpaqueExtrinsic, H256};
use parking_lot::Mutex;
use schnellru::{ByLength, LruMap};
use tokio::sync::broadcast;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::best::BestTransactions;
use crate::graph::{Graph, NewTx};
use crate::queue::{Job, Queue};
use crate::{PoolError, TxHash, TxStatus};

/// Asks the runtime whether transactions are valid on top of a block.
pub trait TxValidator: Send + Sync {
    /// The block new transactions are validated on (the best block): hash and number.
    fn best_block(&self) -> (H256, u32);

    /// Runs `TaggedTransactionQueue_validate_transaction` on the state of `at`.
    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError>;

    /// Validates several transactions on the state of `at`, each independently of the
    /// others. Implementations reuse one runtime instance and one state view for the batch.
    fn validate_batch(
        &self,
        at: H256,
        txs: &[(TransactionSource, &OpaqueExtrinsic)],
    ) -> Vec<Result<TransactionValidity, ValidatorError>> {
        txs.iter().map(|(source, xt)| self.validate(at, *source, xt)).collect()
    }
}

/// Why validation could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorError {
    /// The state of the block asked for is gone: its fork lost to a finalized block, or it
    /// fell out of the pruning window. Validation on a newer block can still run.
    #[error("{0}")]
    StateUnavailable(String),
    /// Anything else (the runtime failed, the input could not be decoded).
    #[error("{0}")]
    Failed(String),
}

/// Pool limits and validation settings.
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
    /// Most future transactions of one sender.
    pub max_future_per_sender: usize,
    /// Largest transaction accepted.
    pub max_tx_bytes: usize,
    /// How long an invalid transaction stays banned.
    pub ban_time: Duration,
    /// Threads validating submissions (0: validate on the submitter's thread).
    pub validation_threads: usize,
    /// Most submissions queued for validation at once; beyond, submitters wait.
    pub max_queued: usize,
    /// How long a submitter waits for room in the queue before the pool answers `Busy`.
    pub queue_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_ready: 8192,
            max_future: 8192,
            max_ready_bytes: 20 * 1024 * 1024,
            max_future_bytes: 8 * 1024 * 1024,
            max_future_per_sender: 1024,
            max_tx_bytes: 4 * 1024 * 1024,
            ban_time: Duration::from_secs(30 * 60),
            validation_threads: 0,
            max_queued: 4096,
            queue_timeout: Duration::from_secs(30),
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
    /// Submissions waiting for validation.
    pub queued: usize,
}

/// A ready transaction.
#[derive(Clone, Debug)]
pub struct ReadyTx {
    /// Its hash.
    pub hash: TxHash,
    /// Its encoding.
    pub data: Arc<OpaqueExtrinsic>,
}

/// Who handed the pool a transaction; decides whether this node gossips it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A client of this node (RPC), or a peer whose relays cannot reach the rest of the
    /// network (it gossips in an older format): gossiped from here.
    Local,
    /// A peer's gossip: its relays carry it on; this node does not publish it again.
    Network,
}

/// A new block, as the pool needs to see it.
#[derive(Clone, Debug, Default)]
pub struct BlockUpdate {
    /// The new best block.
    pub hash: H256,
    /// Its number.
    pub number: u32,
    /// Hashes of its extrinsics.
    pub included: Vec<TxHash>,
    /// Blocks that left the best chain (a reorg), highest first.
    pub retracted: Vec<H256>,
    /// Extrinsics of the retracted blocks, to put back.
    pub retracted_extrinsics: Vec<OpaqueExtrinsic>,
    /// Accounts whose state the block changed: their transactions are revalidated.
    pub changed_accounts: Vec<AccountId20>,
    /// The block changed the runtime: everything is revalidated.
    pub runtime_changed: bool,
}

/// A watcher of an included transaction.
type Watcher = (TxHash, UnboundedSender<TxStatus>);

/// Watchers of a block that is not final this many blocks later get `FinalityTimeout`.
const FINALITY_TIMEOUT_BLOCKS: u32 = 512;
/// Most banned hashes remembered.
const MAX_BANNED: u32 = 65_536;
/// Most ready transactions kept for the gossip task between two of its passes.
const MAX_TO_PROPAGATE: usize = 65_536;
/// Ready-transaction notifications kept for a subscriber that is behind; one further behind
/// misses the oldest (it is told how many).
const IMPORT_NOTIFICATIONS: usize = 16_384;

struct Inner {
    graph: Graph,
    banned: LruMap<TxHash, Instant>,
    watchers: HashMap<TxHash, Vec<UnboundedSender<TxStatus>>>,
    /// Watchers of included transactions, by block (with its number), until it is final.
    in_block: HashMap<H256, (u32, Vec<Watcher>)>,
    /// Submissions being validated.
    in_flight: HashSet<TxHash>,
    /// Ready transactions submitted here, for the gossip task.
    to_propagate: VecDeque<ReadyTx>,
    /// Every transaction that becomes ready, for subscribers.
    imported: broadcast::Sender<ReadyTx>,
}

/// The transaction pool.
pub struct Pool {
    validator: Arc<dyn TxValidator>,
    config: PoolConfig,
    inner: Mutex<Inner>,
    queue: Option<Queue>,
}

/// A submission the pool accepted.
pub struct Submitted {
    /// The transaction's hash.
    pub hash: TxHash,
    /// Its statuses, if watched.
    pub statuses: Option<UnboundedReceiver<TxStatus>>,
}

impl Pool {
    /// A pool validating with `validator`; with `config.validation_threads > 0` it starts
    /// that many validation threads (stopped when the pool is dropped).
    pub fn new(validator: Arc<dyn TxValidator>, config: PoolConfig) -> Arc<Self> {
        let capacity = NonZeroU32::new(MAX_BANNED).map_or(1, NonZeroU32::get);
        Arc::new_cyclic(|this| Self {
            validator,
            queue: (config.validation_threads > 0).then(|| Queue::start(this.clone(), &config)),
            config,
            inner: Mutex::new(Inner {
                graph: Graph::default(),
                banned: LruMap::new(ByLength::new(capacity)),
                watchers: HashMap::new(),
                in_block: HashMap::new(),
                in_flight: HashSet::new(),
                to_propagate: VecDeque::new(),
                imported: broadcast::channel(IMPORT_NOTIFICATIONS).0,
            }),
        })
    }

    /// The pool's settings.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Counts of ready and future transactions.
    pub fn status(&self) -> PoolStatus {
        let inner = self.inner.lock();
        let (ready, ready_bytes) = inner.graph.ready_count();
        let (future, future_bytes) = inner.graph.future_count();
        let queued = self.queue.as_ref().map_or(0, Queue::len);
        PoolStatus { ready, future, ready_bytes, future_bytes, queued }
    }

    /// Whether a transaction in the pool provides `tag` (e.g. `(sender, nonce)`).
    pub fn is_provided(&self, tag: &[u8]) -> bool {
        self.inner.lock().graph.provider(tag).is_some()
    }

    /// Whether `hash` is in the pool.
    pub fn contains(&self, hash: &TxHash) -> bool {
        self.inner.lock().graph.txs.contains_key(hash)
    }

    /// All transactions, ready ones first in block order (for `author_pendingExtrinsics`).
    pub fn pending(&self) -> Vec<OpaqueExtrinsic> {
        let inner = self.inner.lock();
        let mut out: Vec<OpaqueExtrinsic> =
            BestTransactions::new(&inner.graph).map(|(_, xt)| (*xt).clone()).collect();
        let mut future: Vec<_> = inner.graph.txs.values().filter(|t| !t.ready).collect();
        future.sort_by_key(|t| t.seq);
        out.extend(future.into_iter().map(|t| (*t.data).clone()));
        out
    }

    /// Ready transactions in the order a block includes them.
    pub fn ready(&self) -> Vec<ReadyTx> {
        self.best().map(|(hash, data)| ReadyTx { hash, data }).collect()
    }

    /// A snapshot of the ready transactions for a block author.
    pub fn best(&self) -> BestTransactions {
        BestTransactions::new(&self.inner.lock().graph)
    }

    /// Every transaction that becomes ready from now on (submitted here, received from a
    /// peer, or put back from a retracted block), as it does: Substrate's
    /// `import_notification_stream`. A receiver that falls more than 16,384 behind loses the
    /// oldest and is told how many (`RecvError::Lagged`).
    pub fn import_notification_stream(&self) -> broadcast::Receiver<ReadyTx> {
        self.inner.lock().imported.subscribe()
    }

    /// Ready transactions submitted to this node since the last call, for gossip.
    pub fn take_to_propagate(&self) -> Vec<ReadyTx> {
        self.inner.lock().to_propagate.drain(..).collect()
    }

    /// Validates `xt` on the best block on this thread, and adds it. Returns its hash.
    pub fn submit(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<TxHash, PoolError> {
        self.submit_sync(source, xt, false, Origin::Local).map(|s| s.hash)
    }

    /// Like [`submit`](Self::submit), and returns a stream of the transaction's statuses.
    pub fn submit_and_watch(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<(TxHash, UnboundedReceiver<TxStatus>), PoolError> {
        let submitted = self.submit_sync(source, xt, true, Origin::Local)?;
        let statuses = submitted.statuses.ok_or(PoolError::Validation("no watcher".into()))?;
        Ok((submitted.hash, statuses))
    }

    fn submit_sync(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
        watch: bool,
        origin: Origin,
    ) -> Result<Submitted, PoolError> {
        let hash = xt.hash();
        self.pre_check(&hash, xt.0.len())?;
        let (number, mut results) = self.validate_on_best(&[(source, &xt)]);
        let result =
            results.pop().unwrap_or_else(|| Err(ValidatorError::Failed("no result".into())));
        self.import_validated(number, source, Arc::new(xt), hash, result, watch, origin)
    }

    /// Validates transactions new to the pool on the best block; returns its number and the
    /// results. The block that was best when validation started can lose its state before
    /// the validation runs (a reorg, then finality discarding the fork): the transactions are
    /// then validated on the block that is best now, as they would have been a moment later.
    pub(crate) fn validate_on_best(
        &self,
        txs: &[(TransactionSource, &OpaqueExtrinsic)],
    ) -> (u32, Vec<Result<TransactionValidity, ValidatorError>>) {
        let (at, number) = self.validator.best_block();
        let results = self.validator.validate_batch(at, txs);
        if !results.iter().any(|r| matches!(r, Err(ValidatorError::StateUnavailable(_)))) {
            return (number, results);
        }
        match self.validator.best_block() {
            (best, best_number) if best != at => {
                (best_number, self.validator.validate_batch(best, txs))
            }
            _ => (number, results),
        }
    }

    /// Validates `xt` on one of the pool's validation threads and adds it. While the
    /// validation queue is full, the submission waits for room, up to the configured timeout,
    /// then fails with [`PoolError::Busy`].
    pub async fn submit_async(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
        watch: bool,
        origin: Origin,
    ) -> Result<Submitted, PoolError> {
        let Some(queue) = &self.queue else {
            return self.submit_sync(source, xt, watch, origin);
        };
        let hash = xt.hash();
        self.pre_check(&hash, xt.0.len())?;
        let permit = match queue.try_room() {
            Some(permit) => permit,
            None => queue.wait_for_room(self.config.queue_timeout).await.ok_or(PoolError::Busy)?,
        };
        if !self.inner.lock().in_flight.insert(hash) {
            return Err(PoolError::AlreadyImported(hash));
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        queue.push(Job::Validate { source, xt, hash, watch, origin, reply, _permit: permit });
        match answer.await {
            Ok(result) => result,
            Err(_) => Err(PoolError::Validation("the pool is shutting down".into())),
        }
    }

    /// Runs `task` on a validation thread (or here, without threads).
    pub fn spawn_validation_task(self: &Arc<Self>, task: impl FnOnce(&Pool) + Send + 'static) {
        match &self.queue {
            Some(queue) => queue.push(Job::Task(Box::new(task))),
            None => task(self),
        }
    }

    /// Cheap checks before validation: size, duplicates, bans.
    fn pre_check(&self, hash: &TxHash, bytes: usize) -> Result<(), PoolError> {
        if bytes > self.config.max_tx_bytes {
            return Err(PoolError::TooLarge(bytes));
        }
        let mut inner = self.inner.lock();
        if inner.graph.txs.contains_key(hash) || inner.in_flight.contains(hash) {
            return Err(PoolError::AlreadyImported(*hash));
        }
        let ban_time = self.config.ban_time;
        if inner.banned.get(hash).is_some_and(|at| at.elapsed() < ban_time) {
            return Err(PoolError::TemporarilyBanned);
        }
        Ok(())
    }

    /// Adds a transaction validated on block `number` (or reports why not).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn import_validated(
        &self,
        number: u32,
        source: TransactionSource,
        xt: Arc<OpaqueExtrinsic>,
        hash: TxHash,
        result: Result<TransactionValidity, crate::ValidatorError>,
        watch: bool,
        origin: Origin,
    ) -> Result<Submitted, PoolError> {
        let mut inner = self.inner.lock();
        inner.in_flight.remove(&hash);
        let validity = match result {
            Err(e) => return Err(PoolError::Validation(e.to_string())),
            Ok(Err(TransactionValidityError::Invalid(e))) => {
                inner.banned.insert(hash, Instant::now());
                return Err(PoolError::Invalid(e));
            }
            Ok(Err(TransactionValidityError::Unknown(e))) => return Err(PoolError::Unknown(e)),
            Ok(Ok(valid)) => valid,
        };
        let new = NewTx {
            hash,
            data: xt,
            source,
            validity,
            validated_at: number,
            propagate: origin == Origin::Local,
        };
        let result = inner.graph.insert(new, &self.config);
        let statuses = match (&result, watch) {
            (Ok(()), true) => {
                let (sender, receiver) = unbounded_channel();
                inner.watchers.entry(hash).or_default().push(sender);
                Some(receiver)
            }
            _ => None,
        };
        inner.flush();
        result.map(|()| Submitted { hash, statuses })
    }

    /// Removes transactions a block builder found invalid, and bans them.
    pub fn remove_invalid(&self, invalid: &[(TxHash, String)]) {
        let mut inner = self.inner.lock();
        for (hash, reason) in invalid {
            inner.banned.insert(*hash, Instant::now());
            inner.graph.remove(hash, TxStatus::Invalid(reason.clone()));
        }
        inner.flush();
    }

    /// A new best block: removes what it included (watchers learn `InBlock`), tells watchers
    /// of retracted blocks, and returns without runtime calls. Then, on a validation thread:
    /// puts back the transactions of retracted blocks and revalidates the transactions the
    /// block may have changed in a way the pool did not expect: those of senders whose
    /// accounts it touched without including one of their pooled transactions (another
    /// author's transaction with their nonce, a transfer or a slash by someone else), those
    /// past their longevity, and all of them after a reorg or a runtime upgrade. A sender whose
    /// pooled transaction was included is not revalidated: the nonce it moved is the one the
    /// pool's tags expected, and if what the transaction spent leaves the next one unable to
    /// pay, the block builder finds that out and removes it with its reason, as it would
    /// anyway for a change made within the block being built.
    pub fn on_new_best_block(self: &Arc<Self>, update: BlockUpdate) {
        let (revalidate_all, stale, senders) = {
            let mut inner = self.inner.lock();
            let explained = inner.prune(&update);
            let reorg = !update.retracted.is_empty();
            if reorg {
                inner.graph.clear_pruned_tags();
            }
            let number = u64::from(update.number);
            let stale: Vec<TxHash> = inner
                .graph
                .txs
                .iter()
                .filter(|(_, t)| t.valid_till < number)
                .map(|(h, _)| *h)
                .collect();
            let senders: Vec<AccountId20> = update
                .changed_accounts
                .iter()
                .filter(|a| inner.graph.has_sender(a) && !explained.contains(*a))
                .copied()
                .collect();
            inner.flush();
            (reorg || update.runtime_changed, stale, senders)
        };
        let retracted = update.retracted_extrinsics;
        if retracted.is_empty() && senders.is_empty() && stale.is_empty() && !revalidate_all {
            return;
        }
        self.spawn_validation_task(move |pool| {
            let (at, number) = pool.validator.best_block();
            // The retracted blocks' transactions come back, validated in one batch.
            let retracted: Vec<(TxHash, OpaqueExtrinsic)> = retracted
                .into_iter()
                .map(|xt| (xt.hash(), xt))
                .filter(|(hash, xt)| pool.pre_check(hash, xt.0.len()).is_ok())
                .collect();
            if !retracted.is_empty() {
                let batch: Vec<_> =
                    retracted.iter().map(|(_, xt)| (TransactionSource::InBlock, xt)).collect();
                let (validated_at, results) = pool.validate_on_best(&batch);
                for ((hash, xt), result) in retracted.into_iter().zip(results) {
                    let _ = pool.import_validated(
                        validated_at,
                        TransactionSource::InBlock,
                        Arc::new(xt),
                        hash,
                        result,
                        false,
                        Origin::Local,
                    );
                }
            }
            if revalidate_all {
                pool.revalidate_everything(at, number);
            } else {
                pool.revalidate(at, number, stale);
                pool.revalidate_senders(at, number, &senders);
            }
        });
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

    /// Revalidates the first transaction of each sender; when it is invalid it goes and the
    /// next one is checked, until one is valid. Later ones depend on it and stand or fall
    /// with it in the block builder.
    pub fn revalidate_senders(&self, at: H256, number: u32, senders: &[AccountId20]) {
        let mut pending: Vec<AccountId20> = senders.to_vec();
        let mut checked: HashSet<TxHash> = HashSet::new();
        while !pending.is_empty() {
            let firsts: Vec<(AccountId20, TxHash, Arc<OpaqueExtrinsic>, TransactionSource)> = {
                let inner = self.inner.lock();
                pending
                    .iter()
                    .filter_map(|s| {
                        let hash = *inner.graph.sender_txs(s).first()?;
                        let entry = inner.graph.txs.get(&hash)?;
                        Some((*s, hash, entry.data.clone(), entry.source))
                    })
                    .filter(|(_, h, _, _)| !checked.contains(h))
                    .collect()
            };
            let batch: Vec<_> = firsts.iter().map(|(_, _, xt, src)| (*src, &**xt)).collect();
            let results = self.validator.validate_batch(at, &batch);
            let mut inner = self.inner.lock();
            pending.clear();
            for ((sender, hash, _, _), result) in firsts.into_iter().zip(results) {
                checked.insert(hash);
                if !inner.apply_revalidation(hash, result, number, &self.config) {
                    pending.push(sender);
                }
            }
            inner.flush();
        }
    }

    /// Revalidates the given transactions.
    pub fn revalidate(&self, at: H256, number: u32, hashes: Vec<TxHash>) {
        for chunk in hashes.chunks(256) {
            let txs: Vec<(TxHash, Arc<OpaqueExtrinsic>, TransactionSource)> = {
                let inner = self.inner.lock();
                chunk
                    .iter()
                    .filter_map(|h| inner.graph.txs.get(h).map(|t| (*h, t.data.clone(), t.source)))
                    .collect()
            };
            let batch: Vec<_> = txs.iter().map(|(_, xt, src)| (*src, &**xt)).collect();
            let results = self.validator.validate_batch(at, &batch);
            let mut inner = self.inner.lock();
            for ((hash, _, _), result) in txs.into_iter().zip(results) {
                inner.apply_revalidation(hash, result, number, &self.config);
            }
            inner.flush();
        }
    }

    /// Revalidates every transaction (after a reorg or a runtime upgrade).
    pub fn revalidate_everything(&self, at: H256, number: u32) {
        let mut hashes: Vec<(u64, TxHash)> = {
            let inner = self.inner.lock();
            inner.graph.txs.iter().map(|(h, t)| (t.seq, *h)).collect()
        };
        // Oldest first: a sender's transactions in the order they arrived.
        hashes.sort_unstable();
        self.revalidate(at, number, hashes.into_iter().map(|(_, h)| h).collect());
        let mut inner = self.inner.lock();
        let ban_time = self.config.ban_time;
        let now = Instant::now();
        let expired: Vec<TxHash> = inner
            .banned
            .iter()
            .filter(|(_, at)| now.duration_since(**at) >= ban_time)
            .map(|(h, _)| *h)
            .collect();
        for hash in expired {
            inner.banned.remove(&hash);
        }
    }
}

impl Inner {
    /// Sends the graph's status changes to watchers, and queues new ready transactions for
    /// gossip.
    fn flush(&mut self) {
        for (hash, status) in std::mem::take(&mut self.graph.events) {
            let last = status.is_final();
            if let Some(watchers) = self.watchers.get_mut(&hash) {
                watchers.retain(|w| w.send(status.clone()).is_ok());
                if last || watchers.is_empty() {
                    self.watchers.remove(&hash);
                }
            }
        }
        let notify = self.imported.receiver_count() > 0;
        for (tx, propagate) in std::mem::take(&mut self.graph.newly_ready) {
            if notify {
                // Only fails when no receiver is left: nobody listens.
                let _ = self.imported.send(tx.clone());
            }
            if propagate {
                if self.to_propagate.len() >= MAX_TO_PROPAGATE {
                    self.to_propagate.pop_front();
                }
                self.to_propagate.push_back(tx);
            }
        }
    }

    /// Removes included transactions and moves watchers between blocks.
    /// Takes out what `update` included and retracted; returns the senders of the included
    /// transactions that were in the pool, whose account changes the pool expected.
    fn prune(&mut self, update: &BlockUpdate) -> HashSet<AccountId20> {
        for old in &update.retracted {
            if let Some((_, watchers)) = self.in_block.remove(old) {
                for (tx, watcher) in watchers {
                    if watcher.send(TxStatus::Retracted(*old)).is_ok() {
                        self.watchers.entry(tx).or_default().push(watcher);
                    }
                }
            }
        }
        let mut included_watchers = Vec::new();
        let mut explained = HashSet::new();
        for hash in &update.included {
            if let Some((sender, _)) =
                self.graph.remove_included(hash, update.number).and_then(|e| e.sender)
            {
                explained.insert(sender);
            }
            for watcher in self.watchers.remove(hash).unwrap_or_default() {
                if watcher.send(TxStatus::InBlock(update.hash)).is_ok() {
                    included_watchers.push((*hash, watcher));
                }
            }
        }
        if !included_watchers.is_empty() {
            self.in_block
                .entry(update.hash)
                .or_insert((update.number, Vec::new()))
                .1
                .extend(included_watchers);
        }
        let expired: Vec<H256> = self
            .in_block
            .iter()
            .filter(|(_, (n, _))| n.saturating_add(FINALITY_TIMEOUT_BLOCKS) < update.number)
            .map(|(b, _)| *b)
            .collect();
        for old in expired {
            if let Some((_, watchers)) = self.in_block.remove(&old) {
                for (_, watcher) in watchers {
                    let _ = watcher.send(TxStatus::FinalityTimeout(old));
                }
            }
        }
        self.graph.expire_pruned_tags(update.number);
        explained
    }

    /// Applies a revalidation result; returns whether the transaction is still in the pool.
    fn apply_revalidation(
        &mut self,
        hash: TxHash,
        result: Result<TransactionValidity, crate::ValidatorError>,
        number: u32,
        config: &PoolConfig,
    ) -> bool {
        match result {
            Ok(Ok(valid)) => {
                self.graph.update_validity(hash, valid, number, config);
                self.graph.txs.contains_key(&hash)
            }
            Ok(Err(TransactionValidityError::Invalid(e))) => {
                if !matches!(e, InvalidTransaction::Stale) {
                    self.banned.insert(hash, Instant::now());
                }
                self.graph.remove(&hash, TxStatus::Invalid(e.message().into()));
                false
            }
            Ok(Err(TransactionValidityError::Unknown(e))) => {
                self.graph.remove(&hash, TxStatus::Dropped(e.message().into()));
                false
            }
            // The runtime could not run: keep the transaction, try again later.
            Err(e) => {
                tracing::debug!(target: "txpool", "revalidation of {hash:?} could not run: {e}");
                true
            }
        }
    }
}
