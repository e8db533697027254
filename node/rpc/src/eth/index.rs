//! The Ethereum index: for every imported block, its Ethereum view (facts, transactions,
//! receipts) read from the runtime's `EthereumApi` on the block's state and stored in the
//! database (`lux_db::ethereum`) before the state can be pruned; and the reads the methods
//! make of it.
//!
//! [`EthIndex::run`] follows the chain's import events; for each imported block it first
//! indexes any ancestors not indexed yet (after a restart, or after missing events), oldest
//! first, then the block, then tells subscribers ([`IndexedBlock`]). Reads use the index and,
//! for a block not indexed yet, compute the same view from its state. "latest" is the newest
//! indexed block of the best chain, so the methods never name a block whose receipts they
//! cannot serve.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use schnellru::{ByLength, LruMap};

use codec::Encode;
use lux_chain::{Chain, ChainError, ChainEvent, ImportedBlock};
use lux_db::{EthBlockRecord, TreeRoute};
use lux_primitives::ethereum::{api, transact_payload, EthBlockInfo, EthReceipt};
use lux_primitives::version::api_ids;
use lux_primitives::{AccountId20, Header, H256, U256};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::error::{EthError, EthResult};
use super::tries;
use super::types::{BlockId, BlockTag};

/// How far "latest" looks back from the best block for an indexed one before it settles for
/// the best block itself (whose view is then computed from its state).
const LATEST_LOOKBACK: usize = 64;

/// How many indexed blocks' views (with their receipts) are kept decoded in memory. A wallet
/// or a load test polling for receipts asks for the same few recent blocks over and over; a
/// receipt lookup then costs a map access instead of reading and decoding its whole block.
const RECENT_BLOCKS: u32 = 16;

/// A block whose Ethereum view was just indexed, as subscribers hear it.
#[derive(Clone, Debug)]
pub struct IndexedBlock {
    /// Its hash.
    pub hash: H256,
    /// Whether it is the new best block.
    pub is_new_best: bool,
    /// How the canonical chain moved with it, if it did.
    pub route: Option<TreeRoute>,
}

/// A block with its Ethereum view.
#[derive(Clone, Debug)]
pub(crate) struct EthBlock {
    /// Its hash (the Ethereum block hash too).
    pub hash: H256,
    /// Its header.
    pub header: Header,
    /// Its Ethereum view.
    pub record: Arc<EthBlockRecord>,
}

/// A block's receipts, shared with the index's cache.
pub(crate) type Receipts = Arc<Vec<EthReceipt>>;

/// An indexed block's view as read from the database, with its receipts once asked for.
#[derive(Clone)]
struct Cached {
    record: Arc<EthBlockRecord>,
    receipts: Option<Receipts>,
}

impl EthBlock {
    /// Its timestamp in seconds.
    pub fn timestamp(&self) -> u64 {
        self.record.info.timestamp_ms / 1000
    }
}

/// The Ethereum index of a chain, and the task that keeps it up to date.
pub struct EthIndex {
    chain: Arc<Chain>,
    events: broadcast::Sender<Arc<IndexedBlock>>,
    running: AtomicBool,
    /// Recently read indexed views. An indexed view never changes; a view whose block is
    /// discarded is never served from here, as every read first finds the block's header.
    recent: Mutex<LruMap<H256, Cached, ByLength>>,
}

impl EthIndex {
    /// The index of `chain` (nothing runs until [`start`](Self::start)).
    pub fn new(chain: Arc<Chain>) -> Arc<Self> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(Self {
            chain,
            events,
            running: AtomicBool::new(false),
            recent: Mutex::new(LruMap::new(ByLength::new(RECENT_BLOCKS))),
        })
    }

    /// Starts indexing on the current tokio runtime (it must be multi-threaded), unless it
    /// already runs; the task stops when the chain's events end or the handle is aborted.
    pub fn start(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if self.running.swap(true, Ordering::SeqCst) {
            return None;
        }
        Some(tokio::spawn(self.clone().run()))
    }

    /// Subscribes to newly indexed blocks.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<IndexedBlock>> {
        self.events.subscribe()
    }

    pub(crate) fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    async fn run(self: Arc<Self>) {
        // Subscribe first: no block imported meanwhile is missed.
        let mut events = self.chain.subscribe();
        let best = self.chain.info().best_hash;
        tokio::task::block_in_place(|| self.index_with_ancestors(&best));
        loop {
            match events.recv().await {
                Ok(ChainEvent::Imported(block)) => {
                    tokio::task::block_in_place(|| self.on_imported(&block))
                }
                Ok(ChainEvent::Finalized(_)) => {}
                Err(RecvError::Lagged(missed)) => {
                    // The next block's ancestors are caught up with it; the best one now too.
                    tracing::debug!(target: "eth", "indexer missed {missed} chain events");
                    let best = self.chain.info().best_hash;
                    tokio::task::block_in_place(|| self.index_with_ancestors(&best));
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    fn on_imported(&self, block: &ImportedBlock) {
        self.index_with_ancestors(&block.hash);
        let _ = self.events.send(Arc::new(IndexedBlock {
            hash: block.hash,
            is_new_best: block.is_new_best,
            route: block.route.clone(),
        }));
    }

    /// Indexes `hash` and its ancestors that are not indexed yet (as far back as their states
    /// are kept), oldest first.
    fn index_with_ancestors(&self, hash: &H256) {
        let db = self.chain.database();
        let mut missing = Vec::new();
        let mut cursor = *hash;
        loop {
            match db.has_eth_block(&cursor) {
                Ok(false) => {}
                Ok(true) => break,
                Err(e) => {
                    tracing::warn!(target: "eth", "cannot read the Ethereum index: {e}");
                    return;
                }
            }
            let Ok(Some(header)) = db.header(&cursor) else { break };
            match db.state_available(header.number, &cursor) {
                Ok(true) => {}
                _ => break,
            }
            let parent = header.parent_hash;
            let is_genesis = header.number == 0;
            missing.push((cursor, header));
            if is_genesis {
                break;
            }
            cursor = parent;
        }
        for (hash, header) in missing.into_iter().rev() {
            match self.compute(&hash, &header) {
                Ok(Some((record, receipts))) => {
                    if let Err(e) = db.put_eth_block(&hash, &record, &receipts) {
                        tracing::warn!(target: "eth", "cannot index block #{} ({hash:?}): {e}", header.number);
                        return;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(target: "eth", "cannot index block #{} ({hash:?}): {e}", header.number);
                    return;
                }
            }
        }
    }

    /// Computes the Ethereum view of block `hash` from its state and body; `None` if its
    /// state is discarded. A runtime without the `EthereumApi` has no Ethereum transactions;
    /// one whose `EthereumApi` fails on this block gets the same empty view (with a warning),
    /// so one bad block does not stop the index.
    fn compute(
        &self,
        hash: &H256,
        header: &Header,
    ) -> Result<Option<(EthBlockRecord, Vec<EthReceipt>)>, ChainError> {
        let extrinsics = self.chain.database().body(hash)?.unwrap_or_default();
        let size = (header.encoded_size() + extrinsics.encoded_size()) as u64;
        let transactions: Vec<Vec<u8>> =
            extrinsics.iter().filter_map(|xt| transact_payload(&xt.encode())).collect();
        let (info, receipts) = match self.runtime_view(hash, !transactions.is_empty()) {
            Ok(Some(view)) => view,
            Ok(None) => {
                return Ok(Some((empty_record(default_info(U256::zero(), 0), size), vec![])))
            }
            Err(ChainError::StatePruned(_)) => return Ok(None),
            Err(ChainError::Db(e)) => return Err(ChainError::Db(e)),
            Err(e) => {
                tracing::warn!(
                    target: "eth",
                    "block #{} ({hash:?}): the EthereumApi failed ({e}); indexed without Ethereum transactions",
                    header.number
                );
                return Ok(Some((empty_record(default_info(U256::zero(), 0), size), vec![])));
            }
        };
        if transactions.len() != receipts.len() {
            tracing::warn!(
                target: "eth",
                "block #{} ({hash:?}) has {} Ethereum transactions but {} receipts",
                header.number,
                transactions.len(),
                receipts.len()
            );
        }
        let record = EthBlockRecord {
            info,
            transactions_root: tries::transactions_root(&transactions),
            receipts_root: tries::receipts_root(&receipts),
            transactions,
            size,
        };
        Ok(Some((record, receipts)))
    }

    /// What the runtime's `EthereumApi` says of block `hash`; `None` if its runtime has no
    /// such API. A block without Ethereum facts (genesis) gets zeros with the chain's base fee
    /// and gas limit. The receipts are asked for only if the block has Ethereum transactions
    /// (`with_receipts`): most blocks have none, and every runtime call costs the importing
    /// node time it may need for its next slot.
    fn runtime_view(
        &self,
        hash: &H256,
        with_receipts: bool,
    ) -> Result<Option<(EthBlockInfo, Vec<EthReceipt>)>, ChainError> {
        let version = self.chain.runtime_version(hash)?;
        if version.api_version(&api_ids::ETHEREUM).is_none() {
            return Ok(None);
        }
        let info: Option<EthBlockInfo> = self.chain.call_decode(hash, api::CURRENT_BLOCK, &[])?;
        let info = match info {
            Some(info) => info,
            None => default_info(
                self.chain.call_decode(hash, api::GAS_PRICE, &[])?,
                self.chain.call_decode(hash, api::BLOCK_GAS_LIMIT, &[])?,
            ),
        };
        let receipts = if with_receipts {
            self.chain.call_decode(hash, api::CURRENT_RECEIPTS, &[])?
        } else {
            Vec::new()
        };
        Ok(Some((info, receipts)))
    }

    /// The Ethereum view of block `hash` (`None` for an unknown block): indexed, or computed
    /// from its state, or (state discarded before it was indexed) an empty view.
    pub(crate) fn block(&self, hash: &H256) -> EthResult<Option<EthBlock>> {
        Ok(self.block_with_receipts(hash, false)?.map(|(block, _)| block))
    }

    /// Like [`block`](Self::block), with the block's receipts if `with_receipts`.
    pub(crate) fn block_with_receipts(
        &self,
        hash: &H256,
        with_receipts: bool,
    ) -> EthResult<Option<(EthBlock, Receipts)>> {
        let db = self.chain.database();
        let Some(header) = db.header(hash)? else { return Ok(None) };
        let (record, receipts) = match self.indexed(hash, with_receipts)? {
            Some(Cached { record, receipts }) => (record, receipts.unwrap_or_default()),
            None => match self.compute(hash, &header)? {
                Some((record, receipts)) => (Arc::new(record), Arc::new(receipts)),
                None => {
                    let size = header.encoded_size() as u64;
                    (
                        Arc::new(empty_record(default_info(U256::zero(), 0), size)),
                        Receipts::default(),
                    )
                }
            },
        };
        Ok(Some((EthBlock { hash: *hash, header, record }, receipts)))
    }

    /// The indexed view of block `hash`, with its receipts if `with_receipts`: from the cache
    /// of recent blocks, or read from the database (and cached).
    fn indexed(&self, hash: &H256, with_receipts: bool) -> EthResult<Option<Cached>> {
        if let Some(cached) = self.recent.lock().get(hash) {
            if cached.receipts.is_some() || !with_receipts {
                return Ok(Some(cached.clone()));
            }
        }
        let db = self.chain.database();
        let Some(record) = db.eth_block(hash)? else { return Ok(None) };
        let receipts = match with_receipts {
            true => Some(Arc::new(db.eth_receipts(hash)?.unwrap_or_default())),
            false => None,
        };
        let cached = Cached { record: Arc::new(record), receipts };
        self.recent.lock().insert(*hash, cached.clone());
        Ok(Some(cached))
    }

    /// Block `hash`'s Ethereum facts and receipts if it is indexed: from the cache of recent
    /// blocks, or read from the database *without* caching them, so that a scan over many
    /// blocks (the tip oracle) does not push out the blocks clients are polling.
    pub(crate) fn peek_receipts(&self, hash: &H256) -> EthResult<Option<(EthBlockInfo, Receipts)>> {
        if let Some(Cached { record, receipts: Some(receipts) }) = self.recent.lock().peek(hash) {
            return Ok(Some((record.info.clone(), receipts.clone())));
        }
        let db = self.chain.database();
        let Some(record) = db.eth_block(hash)? else { return Ok(None) };
        let receipts = db.eth_receipts(hash)?.unwrap_or_default();
        Ok(Some((record.info, Arc::new(receipts))))
    }

    /// The receipts of block `hash` (empty for an unknown block).
    pub(crate) fn receipts(&self, hash: &H256) -> EthResult<Receipts> {
        Ok(self.block_with_receipts(hash, true)?.map(|(_, r)| r).unwrap_or_default())
    }

    /// "latest": the newest indexed block of the best chain (the best block itself if none
    /// of its recent ancestors is indexed), with its number.
    pub(crate) fn latest(&self) -> EthResult<(H256, u32)> {
        let db = self.chain.database();
        let info = self.chain.info();
        let mut cursor = (info.best_hash, info.best_number);
        for _ in 0..LATEST_LOOKBACK {
            if db.has_eth_block(&cursor.0)? {
                return Ok(cursor);
            }
            let Some(header) = db.header(&cursor.0)? else { break };
            if header.number == 0 {
                break;
            }
            cursor = (header.parent_hash, header.number - 1);
        }
        Ok((info.best_hash, info.best_number))
    }

    /// The hash and number of the block a tag names; `None` for a number above "latest" or
    /// not on the canonical chain.
    pub(crate) fn resolve_tag(&self, tag: BlockTag) -> EthResult<Option<(H256, u32)>> {
        let info = self.chain.info();
        Ok(match tag {
            BlockTag::Latest | BlockTag::Pending => Some(self.latest()?),
            BlockTag::Earliest => Some((info.genesis_hash, 0)),
            BlockTag::Safe | BlockTag::Finalized => {
                Some((info.finalized_hash, info.finalized_number))
            }
            BlockTag::Number(n) => {
                let (_, latest) = self.latest()?;
                match u32::try_from(n) {
                    Ok(n) if n <= latest => self.chain.hash(n)?.map(|hash| (hash, n)),
                    _ => None,
                }
            }
        })
    }

    /// The block a state query names: an error "header not found" for an unknown one, and for
    /// a block off the canonical chain when the query requires a canonical one.
    pub(crate) fn resolve_state_block(&self, id: BlockId) -> EthResult<H256> {
        match id {
            BlockId::Tag(tag) => {
                self.resolve_tag(tag)?.map(|(hash, _)| hash).ok_or(EthError::HeaderNotFound)
            }
            BlockId::Hash { hash, require_canonical } => {
                let header = self.chain.header(&hash)?.ok_or(EthError::HeaderNotFound)?;
                if require_canonical && self.chain.hash(header.number)? != Some(hash) {
                    return Err(EthError::NotCanonical(hash));
                }
                Ok(hash)
            }
        }
    }

    /// Where the Ethereum transaction `tx_hash` is on the canonical chain.
    pub(crate) fn transaction_location(&self, tx_hash: &H256) -> EthResult<Option<(H256, u32)>> {
        Ok(self.chain.database().canonical_eth_transaction(tx_hash)?)
    }
}

/// The view of a block without Ethereum transactions.
fn empty_record(info: EthBlockInfo, size: u64) -> EthBlockRecord {
    EthBlockRecord {
        info,
        transactions: Vec::new(),
        transactions_root: tries::transactions_root(&[]),
        receipts_root: tries::receipts_root(&[]),
        size,
    }
}

/// Facts of a block the runtime says nothing about: zeros, with the chain's base fee and gas
/// limit.
fn default_info(base_fee_per_gas: U256, gas_limit: u64) -> EthBlockInfo {
    EthBlockInfo {
        author: AccountId20([0; 20]),
        gas_limit,
        gas_used: 0,
        base_fee_per_gas,
        logs_bloom: Default::default(),
        timestamp_ms: 0,
    }
}
