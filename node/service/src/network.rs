//! The node on the network: announces its blocks, imports its peers' (checking slot claims,
//! seals and justifications before executing), syncs when behind, serves block ranges, and
//! gossips transactions. Finality messages go to the finality task.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use codec::Encode;
use lux_chain::{BlockOrigin, Chain, ChainError, ChainEvent};
use lux_consensus::{
    check_header, slot_at, BlockEquivocation, CheckedHeader, ConsensusError, Epoch,
    EquivocationDetector, Justification, PreDigest,
};
use lux_network::protocol::decode_all;
use lux_network::{
    BlockData, BlockRequest, BlockResponse, Direction, FromBlock, GossipId, Misbehaviour,
    NetworkEvent, NetworkHandle, PeerId, Topic, Validation,
};
use lux_primitives::consensus::EquivocationProof;
use lux_primitives::transaction::{InvalidTransaction, TransactionSource};
use lux_primitives::{Header, Justifications, OpaqueExtrinsic, H256};
use lux_rpc::{NetworkStatus, PeerSummary, SyncProgress};
use lux_txpool::{Origin, Pool, PoolError};
use tokio::sync::{broadcast::error::RecvError, mpsc};

use crate::consensus::{epoch_at, now_ms, voter_set_at, FINALITY_ENGINE_ID};

/// Blocks asked for in one request while syncing.
const SYNC_CHUNK: u32 = 128;
/// Most parallel range requests.
const MAX_PARALLEL_REQUESTS: usize = 4;
/// Most blocks fetched backwards to find where a fork joins our chain.
const MAX_ANCESTRY: usize = 4_096;
/// Behind by more than this many blocks counts as syncing.
const SYNCING_DISTANCE: u32 = 4;
/// Most transactions in one gossip message.
const MAX_GOSSIP_BATCH: usize = 512;

/// Sync progress, shared with RPC and the status line.
#[derive(Default)]
pub(crate) struct SyncState {
    pub starting: AtomicU32,
    pub highest: AtomicU32,
    pub syncing: AtomicBool,
    /// Blocks imported from peers (gossip and sync).
    pub imported: AtomicU64,
}

/// What the finality task hears from the network side.
pub(crate) enum FinalityInput {
    /// A gossip message on the finality topic, to validate.
    Message(PeerId, Vec<u8>, GossipId),
    /// A verified justification that came with a synced block.
    Justification(Justification),
}

/// Why a block from a peer was not imported.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImportError {
    #[error("we already have it")]
    Known,
    #[error("unknown parent {0:?}")]
    UnknownParent(H256),
    #[error("invalid block: {0}")]
    Invalid(String),
    #[error("bad justification: {0}")]
    BadJustification(String),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// The node's side of the network.
pub(crate) struct Bridge {
    pub chain: Arc<Chain>,
    pub pool: Arc<Pool>,
    pub network: NetworkHandle,
    pub sync: Arc<SyncState>,
    pub slot_duration: u64,
    pub finality: Option<mpsc::UnboundedSender<FinalityInput>>,
    /// One import at a time: gossip and sync race for the same blocks.
    import_gate: tokio::sync::Mutex<()>,
    /// The headers seen per recent slot and author, to catch two seals for one slot.
    equivocations: Arc<parking_lot::Mutex<EquivocationDetector>>,
    /// Where import times are recorded.
    metrics: crate::metrics::NodeMetrics,
}

impl Bridge {
    pub(crate) fn new(
        chain: Arc<Chain>,
        pool: Arc<Pool>,
        network: NetworkHandle,
        slot_duration: u64,
        finality: Option<mpsc::UnboundedSender<FinalityInput>>,
        metrics: crate::metrics::NodeMetrics,
    ) -> Self {
        let sync = Arc::new(SyncState::default());
        let best = chain.info().best_number;
        sync.starting.store(best, Ordering::Relaxed);
        sync.highest.store(best, Ordering::Relaxed);
        Self {
            chain,
            pool,
            network,
            sync,
            slot_duration,
            finality,
            import_gate: tokio::sync::Mutex::new(()),
            equivocations: Default::default(),
            metrics,
        }
    }

    /// Checks and imports one block from a peer.
    async fn import(&self, block: BlockData) -> Result<H256, ImportError> {
        // The consensus checks come first, outside the gate. A block that passes them is
        // announced to the chain before it waits for the blocks ahead of it: an author starting
        // its slot waits for it too, rather than building beside it. A peer's junk is refused
        // here and holds up no slot. A block whose parent is unknown may be waiting for that
        // parent's import: it is checked again behind the gate.
        let (chain, header, slot_duration) =
            (self.chain.clone(), block.header.clone(), self.slot_duration);
        let checked =
            tokio::task::spawn_blocking(move || check_sealed(&chain, &header, slot_duration))
                .await
                .map_err(|e| ImportError::Invalid(format!("import task failed: {e}")))?;
        let (checked, _pending) = match checked {
            Ok(checked) => (Some(checked), Some(self.chain.announce_import())),
            Err(ImportError::UnknownParent(_)) => (None, None),
            Err(e) => return Err(e),
        };
        let _gate = self.import_gate.lock().await;
        let chain = self.chain.clone();
        let detector = self.equivocations.clone();
        let started = std::time::Instant::now();
        let (hash, justification, equivocation) = tokio::task::spawn_blocking(move || {
            import_blocking(&chain, block, checked, slot_duration, &detector)
        })
        .await
        .map_err(|e| ImportError::Invalid(format!("import task failed: {e}")))??;
        self.metrics.import_time.observe(started.elapsed().as_secs_f64());
        self.sync.imported.fetch_add(1, Ordering::Relaxed);
        if let Some(BlockEquivocation { first, second }) = equivocation {
            let proof = EquivocationProof::Slot { first, second };
            crate::consensus::report_equivocation(&self.chain, &self.pool, proof).await;
        }
        if let (Some(justification), Some(finality)) = (justification, &self.finality) {
            let _ = finality.send(FinalityInput::Justification(justification));
        }
        Ok(hash)
    }

    /// Imports blocks in order, stopping at the first failure; returns how many were new.
    async fn import_all(&self, peer: PeerId, blocks: Vec<BlockData>) -> Result<usize, ImportError> {
        let mut imported = 0;
        for block in blocks {
            match self.import(block).await {
                Ok(_) => imported += 1,
                Err(ImportError::Known) => {}
                Err(e) => {
                    self.punish(peer, &e);
                    return Err(e);
                }
            }
        }
        Ok(imported)
    }

    fn punish(&self, peer: PeerId, error: &ImportError) {
        match error {
            ImportError::Invalid(reason) => {
                tracing::warn!(target: "sync", "invalid block from {peer}: {reason}");
                self.network.report(peer, Misbehaviour::InvalidBlock);
            }
            ImportError::BadJustification(reason) => {
                tracing::warn!(target: "sync", "bad justification from {peer}: {reason}");
                self.network.report(peer, Misbehaviour::BadSignature);
            }
            _ => {}
        }
    }

    /// Fetches the chain of `hash`, a block at height `number`, backwards from `peer` until it
    /// meets a block we have, then imports it forwards. The first request asks for the blocks
    /// between our best and `number` (see [`first_ancestry_request`]), each further one for
    /// twice as many, up to a full response. So a block one ahead of ours, the usual case
    /// when a block or a vote arrives before the block it builds on, costs one block on the
    /// wire, and a fork that joins ours `n` blocks down about `log2(n)` requests.
    async fn import_with_ancestry(
        &self,
        peer: PeerId,
        hash: H256,
        number: u32,
    ) -> Result<(), ImportError> {
        let mut missing: Vec<BlockData> = Vec::new();
        let mut cursor = hash;
        let mut want = first_ancestry_request(number, self.chain.info().best_number);
        while self.chain.header(&cursor)?.is_none() {
            if missing.len() >= MAX_ANCESTRY {
                return Err(ImportError::UnknownParent(cursor));
            }
            let request = BlockRequest {
                from: FromBlock::Hash(cursor),
                direction: Direction::Descending,
                max: want,
                body: true,
            };
            want = want.saturating_mul(2).min(SYNC_CHUNK);
            let response = match self.network.request(peer, request).await {
                Ok(response) => response,
                Err(e) => {
                    tracing::debug!(target: "sync", "ancestry request to {peer} failed: {e}");
                    return Err(ImportError::UnknownParent(cursor));
                }
            };
            if response.blocks.is_empty() {
                return Err(ImportError::UnknownParent(cursor));
            }
            for block in response.blocks {
                if block.header.hash() != cursor {
                    self.network.report(peer, Misbehaviour::BadResponse);
                    return Err(ImportError::Invalid(
                        "response does not follow the parents".into(),
                    ));
                }
                cursor = block.header.parent_hash;
                missing.push(block);
                if self.chain.header(&cursor)?.is_some() {
                    break;
                }
            }
        }
        let fetched = missing.len();
        tracing::debug!(target: "sync", "fetched {fetched} blocks of {hash:?}'s chain from {peer}");
        missing.reverse();
        self.import_all(peer, missing).await.map(|_| ())
    }

    /// Waits up to `timeout` for `hash` to be imported (by gossip or sync); whether it is.
    async fn wait_for_import(&self, hash: H256, timeout: Duration) -> bool {
        let mut events = self.chain.subscribe();
        let known = || self.chain.header(&hash).ok().flatten().is_some();
        if known() {
            return true;
        }
        let imported = async {
            loop {
                match events.recv().await {
                    Ok(ChainEvent::Imported(block)) if block.hash == hash => return true,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) if known() => return true,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return false,
                }
            }
        };
        tokio::time::timeout(timeout, imported).await.unwrap_or(false) || known()
    }

    /// Handles one gossiped block: forwarded to others only once imported here.
    async fn on_block_gossip(self: Arc<Self>, peer: PeerId, data: Vec<u8>, id: GossipId) {
        let validation = self.check_gossiped_block(peer, data).await;
        self.network.validated(id, peer, validation);
    }

    async fn check_gossiped_block(&self, peer: PeerId, data: Vec<u8>) -> Validation {
        let Ok(block) = decode_all::<BlockData>(&data) else {
            self.network.report(peer, Misbehaviour::Undecodable);
            return Validation::Reject;
        };
        let (hash, number) = (block.header.hash(), block.header.number);
        let parent = block.header.parent_hash;
        let result = match self.import(block.clone()).await {
            Err(ImportError::UnknownParent(_))
                if number <= self.chain.info().best_number + SYNC_CHUNK =>
            {
                match self.import_with_ancestry(peer, parent, number.saturating_sub(1)).await {
                    Ok(()) => self.import(block).await,
                    Err(e) => Err(e),
                }
            }
            other => other,
        };
        match result {
            Ok(_) | Err(ImportError::Known) => {
                self.network.note_best(peer, hash, number);
                Validation::Accept
            }
            // Far behind, or the peer could not give the parents: the sync loop catches up.
            Err(ImportError::UnknownParent(_)) | Err(ImportError::Chain(_)) => Validation::Ignore,
            Err(e) => {
                self.punish(peer, &e);
                Validation::Reject
            }
        }
    }

    /// Answers a block-range request from our database.
    fn serve(&self, request: BlockRequest) -> BlockResponse {
        serve_blocks(&self.chain, request)
    }

    /// Catches up with peers that are ahead, downloading ranges from several at once.
    async fn sync_round(self: &Arc<Self>) {
        let peers = self.network.peers();
        if peers.is_empty() {
            self.sync.syncing.store(false, Ordering::Relaxed);
            return;
        }
        // Ask everyone for their best block.
        // The header says where a peer stands; its block's body (thousands of transfers under
        // load) would be sent, decoded and dropped every second by every peer.
        let status = BlockRequest {
            from: FromBlock::Best,
            direction: Direction::Descending,
            max: 1,
            body: false,
        };
        let answers =
            futures::future::join_all(peers.iter().map(|p| async move {
                (p.peer_id, self.network.request(p.peer_id, status).await)
            }))
            .await;
        let mut bests = Vec::new();
        for (peer, answer) in answers {
            match answer {
                Ok(response) => {
                    if let Some(block) = response.blocks.first() {
                        self.network.note_best(peer, block.header.hash(), block.header.number);
                        bests.push((peer, block.header.hash(), block.header.number));
                    }
                }
                Err(e) => tracing::debug!(target: "sync", "status request to {peer} failed: {e}"),
            }
        }
        let ours = self.chain.info().best_number;
        let highest = bests.iter().map(|b| b.2).max().unwrap_or(0).max(ours);
        self.sync.highest.store(highest, Ordering::Relaxed);
        self.sync.syncing.store(highest > ours + SYNCING_DISTANCE, Ordering::Relaxed);
        // Forks at our height or just above: fetch them whole.
        for (peer, hash, number) in &bests {
            if *number <= ours + SYNCING_DISTANCE
                && self.chain.header(hash).ok().flatten().is_none()
            {
                let _ = self.import_with_ancestry(*peer, *hash, *number).await;
            }
        }
        if highest <= self.chain.info().best_number + SYNCING_DISTANCE {
            return;
        }
        self.download(bests).await;
        let ours = self.chain.info().best_number;
        self.sync.syncing.store(
            self.sync.highest.load(Ordering::Relaxed) > ours + SYNCING_DISTANCE,
            Ordering::Relaxed,
        );
    }

    /// Downloads canonical ranges above our best from the peers that have them.
    async fn download(self: &Arc<Self>, bests: Vec<(PeerId, H256, u32)>) {
        let mut rotation = 0usize;
        loop {
            let next = self.chain.info().best_number + 1;
            let mut eligible: Vec<PeerId> =
                bests.iter().filter(|b| b.2 >= next).map(|b| b.0).collect();
            if eligible.is_empty() {
                return;
            }
            let shift = rotation % eligible.len();
            eligible.rotate_left(shift);
            rotation += 1;
            let requests =
                eligible.iter().take(MAX_PARALLEL_REQUESTS).enumerate().map(|(i, peer)| {
                    let from = next + i as u32 * SYNC_CHUNK;
                    let request = BlockRequest {
                        from: FromBlock::Number(from),
                        direction: Direction::Ascending,
                        max: SYNC_CHUNK,
                        body: true,
                    };
                    async move { (*peer, self.network.request(*peer, request).await) }
                });
            let responses = futures::future::join_all(requests).await;
            let mut progressed = false;
            for (peer, response) in responses {
                let blocks = match response {
                    Ok(response) => response.blocks,
                    Err(e) => {
                        // Timeouts and refusals: the next pass asks another peer.
                        tracing::debug!(target: "sync", "range request to {peer} failed: {e}");
                        self.network.report(peer, Misbehaviour::BadResponse);
                        break;
                    }
                };
                let Some(first) = blocks.first() else { break };
                if self.chain.header(&first.header.parent_hash).ok().flatten().is_none() {
                    // The peer's chain forks below its range: find where it joins ours.
                    let (parent, number) = (first.header.parent_hash, first.header.number);
                    let joined = self.import_with_ancestry(peer, parent, number.saturating_sub(1));
                    if joined.await.is_err() {
                        break;
                    }
                }
                match self.import_all(peer, blocks).await {
                    Ok(n) => progressed |= n > 0,
                    Err(_) => break,
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

/// How many blocks the first request for the ancestry of a block at `number` asks for, when
/// our best block is at `best`: the blocks between the two, or one when it is not above our
/// best (a fork, usually joining ours a block or two below), at most a full response.
fn first_ancestry_request(number: u32, best: u32) -> u32 {
    number.saturating_sub(best).clamp(1, SYNC_CHUNK)
}

/// The consensus checks of a peer's block before it is executed: it is new, its parent is
/// known, and it claims its slot and is sealed by that slot's author.
fn check_sealed(
    chain: &Chain,
    header: &Header,
    slot_duration: u64,
) -> Result<(CheckedHeader, Epoch), ImportError> {
    let hash = header.hash();
    if chain.header(&hash)?.is_some() {
        return Err(ImportError::Known);
    }
    let parent =
        chain.header(&header.parent_hash)?.ok_or(ImportError::UnknownParent(header.parent_hash))?;
    let slot = PreDigest::find(header)
        .ok_or_else(|| ImportError::Invalid(ConsensusError::MissingPreDigest(hash).to_string()))?
        .slot();
    let epoch = epoch_at(chain, &header.parent_hash, slot)?;
    let parent_slot = PreDigest::find(&parent).map(|p| p.slot());
    // One slot of clock drift is allowed.
    let now_slot = slot_at(now_ms(), slot_duration) + 1;
    let checked = check_header(header.clone(), &epoch, parent_slot, now_slot)
        .map_err(|e| ImportError::Invalid(e.to_string()))?;
    Ok((checked, epoch))
}

/// Checks a peer's block against the consensus rules (unless `checked` already holds what
/// [`check_sealed`] found) and imports it (executing it).
fn import_blocking(
    chain: &Chain,
    block: BlockData,
    checked: Option<(CheckedHeader, Epoch)>,
    slot_duration: u64,
    detector: &parking_lot::Mutex<EquivocationDetector>,
) -> Result<(H256, Option<Justification>, Option<BlockEquivocation>), ImportError> {
    let BlockData { header, body, justification } = block;
    let hash = header.hash();
    let (checked, epoch) = match checked {
        // Another copy of the block may have been imported while this one waited.
        Some(_) if chain.header(&hash)?.is_some() => return Err(ImportError::Known),
        Some(checked) => checked,
        None => check_sealed(chain, &header, slot_duration)?,
    };
    let slot = checked.pre_digest.slot();
    // Two seals by one author for one slot: reported, and the block imported all the same
    // (fork choice decides between them). Slots older than two epochs are forgotten.
    let forget_before = slot.saturating_sub(2 * epoch.length.max(1));
    let equivocation = detector.lock().note(&header, &checked.pre_digest, forget_before);
    let justification = match justification {
        Some(bytes) => {
            let justification = decode_all::<Justification>(&bytes)
                .map_err(|e| ImportError::BadJustification(e.to_string()))?;
            // The voters that finalize this block are those of its parent's state.
            let set = voter_set_at(chain, &header.parent_hash)?
                .ok_or_else(|| ImportError::BadJustification("no voters".into()))?;
            if justification.target_hash != hash || justification.target_number != header.number {
                return Err(ImportError::BadJustification("for another block".into()));
            }
            justification.verify(&set).map_err(|e| ImportError::BadJustification(e.to_string()))?;
            Some(justification)
        }
        None => None,
    };
    let justifications =
        justification.as_ref().map(|j| Justifications(vec![(FINALITY_ENGINE_ID, j.encode())]));
    match chain.import(header, body, justifications, None, BlockOrigin::External, false) {
        Ok(_) => Ok((hash, justification, equivocation)),
        Err(ChainError::InvalidBlock(reason)) => Err(ImportError::Invalid(reason)),
        Err(ChainError::UnknownParent(parent)) => Err(ImportError::UnknownParent(parent)),
        Err(e) => Err(e.into()),
    }
}

/// Dispatches network events.
pub(crate) async fn run_events(bridge: Arc<Bridge>, mut events: mpsc::Receiver<NetworkEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            NetworkEvent::Gossip { peer, topic: Topic::Blocks, data, id } => {
                tokio::spawn(bridge.clone().on_block_gossip(peer, data, id));
            }
            NetworkEvent::Gossip {
                peer,
                topic: topic @ (Topic::Transactions | Topic::LegacyTransactions),
                data,
                id,
            } => {
                // Validation runs on the pool's validation threads, off the event loop.
                let bridge = bridge.clone();
                tokio::spawn(async move {
                    let validation = on_transactions(&bridge, peer, topic, &data).await;
                    bridge.network.validated(id, peer, validation);
                });
            }
            NetworkEvent::Gossip { peer, topic: Topic::Finality, data, id } => {
                match &bridge.finality {
                    Some(finality) => {
                        let _ = finality.send(FinalityInput::Message(peer, data, id));
                    }
                    None => bridge.network.validated(id, peer, Validation::Ignore),
                }
            }
            NetworkEvent::Request { request, respond, .. } => {
                let bridge = bridge.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = respond.send(bridge.serve(request));
                });
            }
            NetworkEvent::PeerConnected(peer) => {
                tracing::info!(target: "network", "🤝 Connected to {peer}");
            }
            NetworkEvent::PeerDisconnected(peer) => {
                tracing::info!(target: "network", "👋 Disconnected from {peer}");
            }
        }
    }
}

/// Validates gossiped transactions, a batch or (on [`Topic::LegacyTransactions`]) one
/// transaction: forwarded if they brought anything new, the sender punished if they carried
/// garbage or forged signatures.
///
/// Nodes of the two formats hear each other through the nodes of this version: while a
/// peer of the old format is connected, what a batch brought is published for it in its
/// format; and what came in the old format is gossiped from here in batches, as a client's
/// transactions are, since old nodes send nothing on the current topic.
async fn on_transactions(bridge: &Bridge, peer: PeerId, topic: Topic, data: &[u8]) -> Validation {
    let legacy = topic == Topic::LegacyTransactions;
    let batch = if legacy {
        decode_all::<OpaqueExtrinsic>(data).map(|xt| vec![xt])
    } else {
        decode_all::<Vec<OpaqueExtrinsic>>(data)
    };
    let batch = match batch {
        Ok(batch) if !batch.is_empty() && batch.len() <= MAX_GOSSIP_BATCH => batch,
        _ => {
            bridge.network.report(peer, Misbehaviour::Undecodable);
            return Validation::Reject;
        }
    };
    let origin = if legacy { Origin::Local } else { Origin::Network };
    let for_legacy_peers: Vec<Vec<u8>> = if !legacy && bridge.network.has_legacy_transaction_peers()
    {
        batch.iter().map(Encode::encode).collect()
    } else {
        Vec::new()
    };
    let results = futures::future::join_all(
        batch
            .into_iter()
            .map(|xt| bridge.pool.submit_async(TransactionSource::External, xt, false, origin)),
    )
    .await;
    let new: Vec<bool> = results.iter().map(Result::is_ok).collect();
    for result in results {
        match result {
            Ok(_) => {}
            Err(PoolError::Invalid(InvalidTransaction::BadProof)) => {
                bridge.network.report(peer, Misbehaviour::BadSignature);
                return Validation::Reject;
            }
            Err(PoolError::Validation(_)) => {
                bridge.network.report(peer, Misbehaviour::Undecodable);
                return Validation::Reject;
            }
            // Known, stale, full pools and the like happen to honest peers too.
            Err(_) => {}
        }
    }
    for (xt, _) in for_legacy_peers.into_iter().zip(&new).filter(|(_, new)| **new) {
        bridge.network.publish(Topic::LegacyTransactions, xt);
    }
    if new.contains(&true) {
        Validation::Accept
    } else {
        Validation::Ignore
    }
}

/// Announces the blocks we author.
pub(crate) async fn announce(bridge: Arc<Bridge>) {
    let mut events = bridge.chain.subscribe();
    loop {
        match events.recv().await {
            Ok(ChainEvent::Imported(block)) if block.origin == BlockOrigin::Own => {
                let Ok(Some(full)) = bridge.chain.block(&block.hash) else { continue };
                let data = BlockData {
                    header: full.block.header,
                    body: full.block.extrinsics,
                    justification: None,
                };
                bridge.network.publish(Topic::Blocks, data.encode());
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}

/// Gossips the transactions this node's clients submitted, in batches, as they become ready.
/// Transactions received by gossip are carried on by gossipsub's relays (once validated
/// here) and never published again, so each crosses each link about once; message ids are
/// content hashes, so the same batch published twice is one message. While a peer of the
/// format from before batches is connected, each transaction is also published alone for it.
pub(crate) async fn gossip_transactions(bridge: Arc<Bridge>) {
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    loop {
        ticker.tick().await;
        let ready = bridge.pool.take_to_propagate();
        let legacy = bridge.network.has_legacy_transaction_peers();
        for chunk in ready.chunks(MAX_GOSSIP_BATCH) {
            let batch: Vec<&OpaqueExtrinsic> = chunk.iter().map(|tx| &*tx.data).collect();
            bridge.network.publish(Topic::Transactions, batch.encode());
            if legacy {
                for xt in batch {
                    bridge.network.publish(Topic::LegacyTransactions, xt.encode());
                }
            }
        }
    }
}

/// Fetches blocks that finality votes name but we lack (a vote for a block nobody sent us
/// would otherwise never count here, and could stall its round). Votes travel faster than
/// the blocks they name, which are large under load and imported one at a time, so the block
/// is given a slot to arrive by gossip first; then it is asked of the peer that relayed the
/// vote, then of the others.
pub(crate) async fn fetch_voted_blocks(
    bridge: Arc<Bridge>,
    mut wanted: mpsc::UnboundedReceiver<(PeerId, H256, u32)>,
) {
    let mut recent: std::collections::VecDeque<H256> = std::collections::VecDeque::new();
    while let Some((peer, hash, number)) = wanted.recv().await {
        if recent.contains(&hash) || bridge.chain.header(&hash).ok().flatten().is_some() {
            continue;
        }
        recent.push_back(hash);
        if recent.len() > 256 {
            recent.pop_front();
        }
        let bridge = bridge.clone();
        tokio::spawn(async move {
            let slot = Duration::from_millis(bridge.slot_duration);
            if bridge.wait_for_import(hash, slot).await {
                return;
            }
            let mut peers: Vec<PeerId> = vec![peer];
            peers.extend(
                bridge.network.peers().into_iter().map(|p| p.peer_id).filter(|p| *p != peer),
            );
            for peer in peers {
                if bridge.import_with_ancestry(peer, hash, number).await.is_ok() {
                    return;
                }
            }
            tracing::debug!(target: "sync", "no peer has voted block {hash:?}");
        });
    }
}

/// Checks every second whether peers are ahead, and catches up.
pub(crate) async fn sync_loop(bridge: Arc<Bridge>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticker.tick().await;
        bridge.sync_round().await;
    }
}

/// What RPC sees of the network.
pub(crate) struct NetworkView {
    pub network: NetworkHandle,
    pub sync: Arc<SyncState>,
}

impl NetworkStatus for NetworkView {
    fn peers(&self) -> usize {
        self.network.peers().len()
    }

    fn is_syncing(&self) -> bool {
        self.sync.syncing.load(Ordering::Relaxed)
    }

    fn peer_list(&self) -> Vec<PeerSummary> {
        self.network
            .peers()
            .into_iter()
            .map(|p| PeerSummary {
                peer_id: p.peer_id.to_string(),
                // Peers do not tell us whether they validate.
                roles: "FULL".into(),
                best_hash: p.best.map_or(H256::zero(), |b| b.0),
                best_number: p.best.map_or(0, |b| b.1),
            })
            .collect()
    }

    fn local_peer_id(&self) -> String {
        self.network.local_peer_id().to_string()
    }

    fn listen_addresses(&self) -> Vec<String> {
        let id = self.network.local_peer_id();
        self.network
            .listen_addresses()
            .into_iter()
            .map(|a| a.with(lux_network::AddressProtocol::P2p(id)).to_string())
            .collect()
    }

    fn add_reserved_peer(&self, address: &str) -> Result<(), String> {
        let address: lux_network::Multiaddr =
            address.parse().map_err(|e| format!("invalid address {address}: {e}"))?;
        self.network.add_reserved_peer(address).map(drop).map_err(|e| e.to_string())
    }

    fn remove_reserved_peer(&self, peer_id: &str) -> Result<(), String> {
        let peer: lux_network::PeerId =
            peer_id.parse().map_err(|e| format!("invalid peer id {peer_id}: {e}"))?;
        self.network.remove_reserved_peer(peer);
        Ok(())
    }

    fn reserved_peers(&self) -> Vec<String> {
        self.network.reserved_peers().into_iter().map(|p| p.to_string()).collect()
    }

    fn sync_progress(&self) -> Option<SyncProgress> {
        Some(SyncProgress {
            starting_block: self.sync.starting.load(Ordering::Relaxed),
            highest_block: self.sync.highest.load(Ordering::Relaxed),
        })
    }
}

/// Answers a peer's block request from `chain`: up to the request's `max` blocks (and at most
/// [`MAX_BLOCKS_PER_RESPONSE`]) from its start in its direction, with their bodies only if
/// asked. Stops at the first block it does not have whole.
///
/// [`MAX_BLOCKS_PER_RESPONSE`]: lux_network::protocol::MAX_BLOCKS_PER_RESPONSE
fn serve_blocks(chain: &Chain, request: BlockRequest) -> BlockResponse {
    let max = request.max.min(lux_network::protocol::MAX_BLOCKS_PER_RESPONSE) as usize;
    let start = match request.from {
        FromBlock::Hash(hash) => Some(hash),
        FromBlock::Number(number) => chain.hash(number).ok().flatten(),
        FromBlock::Best => Some(chain.info().best_hash),
    };
    let mut blocks = Vec::new();
    let mut size = 0;
    let mut cursor = start;
    while let Some(hash) = cursor {
        if blocks.len() >= max || size > lux_network::protocol::MAX_RESPONSE_BYTES / 2 {
            break;
        }
        let (header, body, justifications) = if request.body {
            let Ok(Some(block)) = chain.block(&hash) else { break };
            (block.block.header, block.block.extrinsics, block.justifications)
        } else {
            let Ok(Some(header)) = chain.header(&hash) else { break };
            (header, Vec::new(), chain.justifications(&hash).ok().flatten())
        };
        let justification =
            justifications.as_ref().and_then(|j| j.get(FINALITY_ENGINE_ID)).map(<[u8]>::to_vec);
        let data = BlockData { header, body, justification };
        size += data.encoded_size();
        cursor = match request.direction {
            Direction::Descending if data.header.number > 0 => Some(data.header.parent_hash),
            Direction::Descending => None,
            Direction::Ascending => chain
                .hash(data.header.number + 1)
                .ok()
                .flatten()
                // Only follow the canonical chain from a canonical start.
                .filter(|_| chain.hash(data.header.number).ok().flatten() == Some(hash)),
        };
        blocks.push(data);
    }
    BlockResponse { blocks }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use lux_network::NetworkConfig;
    use lux_primitives::Header;

    use super::*;
    use crate::testing::{add_block, dev_chain};

    /// A dev chain with block 1 on genesis.
    fn chain_with_a_block(dir: &std::path::Path) -> (Chain, Header, Vec<OpaqueExtrinsic>) {
        let chain = dev_chain(dir);
        let genesis = chain.info().genesis_hash;
        let (header, body) = add_block(&chain, genesis, 1);
        (chain, header, body)
    }

    fn network_config(bootnodes: Vec<lux_network::Multiaddr>, genesis: H256) -> NetworkConfig {
        NetworkConfig {
            listen_addresses: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("address")],
            bootnodes,
            node_key: lux_network::Keypair::generate_ed25519(),
            genesis_hash: genesis,
            mdns: false,
            ban_duration: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
        }
    }

    async fn wait_for(mut condition: impl FnMut() -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The node's side of `network`, on `chain` (1 s slots).
    fn bridge(chain: Arc<Chain>, network: NetworkHandle) -> Bridge {
        let pool = Pool::new(
            Arc::new(crate::pool::RuntimeValidator(chain.clone())),
            lux_txpool::PoolConfig::default(),
        );
        let mut registry = prometheus_client::registry::Registry::default();
        let metrics = crate::metrics::NodeMetrics::register(&mut registry);
        Bridge::new(chain, pool, network, 1_000, None, metrics)
    }

    /// Only a block that passes the consensus checks is announced to the chain for authors to
    /// wait on: a peer's junk (unsealed, forged, on an unknown parent) holds up no slot.
    #[test]
    fn only_a_sealed_block_on_a_known_parent_is_announced() {
        let (dir, other_dir) =
            (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let chain = dev_chain(dir.path());
        let genesis = chain.info().genesis_hash;
        let (header, _) = add_block(&dev_chain(other_dir.path()), genesis, 1);
        assert!(check_sealed(&chain, &header, 1_000).is_ok());
        let mut unsealed = header.clone();
        unsealed.digest.logs.pop();
        assert!(check_sealed(&chain, &unsealed, 1_000).is_err());
        let mut forged = header.clone();
        forged.state_root = H256::repeat_byte(7);
        assert!(check_sealed(&chain, &forged, 1_000).is_err());
        let mut orphan = header.clone();
        orphan.parent_hash = H256::repeat_byte(8);
        assert!(check_sealed(&chain, &orphan, 1_000).is_err());
    }

    /// A block named by a vote is given time to arrive by gossip: the wait ends when it is
    /// imported, or says it was not once the time is up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_voted_block_is_awaited_until_it_is_imported_or_the_time_is_up() {
        let (dir, other_dir) =
            (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let chain = Arc::new(dev_chain(dir.path()));
        let genesis = chain.info().genesis_hash;
        let (network, mut events) =
            lux_network::start(network_config(vec![], genesis)).expect("network");
        tokio::spawn(async move { while events.recv().await.is_some() {} });
        let bridge = Arc::new(bridge(chain.clone(), network));
        // Block 1, built elsewhere, to arrive while the bridge waits for it.
        let (header, body) = add_block(&dev_chain(other_dir.path()), genesis, 1);
        let hash = header.hash();
        let waiting = tokio::spawn({
            let bridge = bridge.clone();
            async move { bridge.wait_for_import(hash, Duration::from_secs(3_600)).await }
        });
        chain.import(header, body, None, None, BlockOrigin::External, false).expect("imports");
        let arrived = tokio::time::timeout(Duration::from_secs(60), waiting)
            .await
            .expect("the wait ends when the block is imported")
            .expect("joins");
        assert!(arrived);
        assert!(bridge.wait_for_import(hash, Duration::ZERO).await, "known already");
        assert!(!bridge.wait_for_import(H256::repeat_byte(9), Duration::from_millis(50)).await);
    }

    /// A block that arrives (or is voted for) before the blocks it builds on is fetched with
    /// its missing ancestors alone: the first request asks for the gap between our best block
    /// and it, later ones for twice as many, never for a full response of blocks we have.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ancestry_requests_ask_for_the_missing_blocks_not_a_full_response() {
        let (server_dir, client_dir) =
            (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let server = Arc::new(dev_chain(server_dir.path()));
        let client = Arc::new(dev_chain(client_dir.path()));
        let genesis = server.info().genesis_hash;
        // The server has blocks 1 to 6; the client block 1.
        let mut headers = vec![server.header(&genesis).expect("db").expect("genesis")];
        for slot in 1..=6 {
            let parent = headers[headers.len() - 1].hash();
            headers.push(add_block(&server, parent, slot).0);
        }
        let first = server.block(&headers[1].hash()).expect("db").expect("block 1");
        client
            .import(
                first.block.header,
                first.block.extrinsics,
                None,
                None,
                BlockOrigin::External,
                false,
            )
            .expect("block 1 imports");

        // The server's network answers from its chain and records what was asked.
        let (server_net, mut server_events) =
            lux_network::start(network_config(vec![], genesis)).expect("server network");
        let asked = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let (answering, record) = (server.clone(), asked.clone());
        tokio::spawn(async move {
            while let Some(event) = server_events.recv().await {
                if let NetworkEvent::Request { request, respond, .. } = event {
                    record.lock().push(request.max);
                    let _ = respond.send(serve_blocks(&answering, request));
                }
            }
        });
        let server_address = loop {
            if let Some(address) = server_net.listen_addresses().first() {
                break address
                    .clone()
                    .with(lux_network::AddressProtocol::P2p(server_net.local_peer_id()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let (client_net, mut client_events) =
            lux_network::start(network_config(vec![server_address], genesis))
                .expect("client network");
        tokio::spawn(async move { while client_events.recv().await.is_some() {} });
        wait_for(|| !client_net.peers().is_empty(), "the client to connect").await;

        let bridge = bridge(client.clone(), client_net);
        let server_peer = server_net.local_peer_id();

        // Block 3 with our best at 1: blocks 3 and 2, in one request for two.
        bridge.import_with_ancestry(server_peer, headers[3].hash(), 3).await.expect("imports");
        assert_eq!(client.info().best_hash, headers[3].hash());
        assert_eq!(*asked.lock(), vec![2]);

        // Block 6 said to be at our height (a fork, as far as we know): one block asked for,
        // then two, which reach block 3.
        asked.lock().clear();
        bridge.import_with_ancestry(server_peer, headers[6].hash(), 3).await.expect("imports");
        assert_eq!(client.info().best_hash, headers[6].hash());
        assert_eq!(*asked.lock(), vec![1, 2]);

        assert_eq!(first_ancestry_request(100_000, 1), SYNC_CHUNK);
        assert_eq!(first_ancestry_request(0, 5), 1);
    }

    #[test]
    fn a_status_request_gets_the_best_header_without_its_body() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (chain, header, body) = chain_with_a_block(dir.path());
        assert!(!body.is_empty());
        let best = |body| BlockRequest {
            from: FromBlock::Best,
            direction: Direction::Descending,
            max: 1,
            body,
        };

        let status = serve_blocks(&chain, best(false));
        assert_eq!(status.blocks.len(), 1);
        assert_eq!(status.blocks[0].header, header);
        assert!(status.blocks[0].body.is_empty());

        let whole = serve_blocks(&chain, best(true));
        assert_eq!(whole.blocks.len(), 1);
        assert_eq!(whole.blocks[0].header, header);
        assert_eq!(whole.blocks[0].body, body);

        // Ranges follow the chain either way.
        let range = |body| BlockRequest {
            from: FromBlock::Number(0),
            direction: Direction::Ascending,
            max: 10,
            body,
        };
        let headers = serve_blocks(&chain, range(false));
        let numbers: Vec<u32> = headers.blocks.iter().map(|b| b.header.number).collect();
        assert_eq!(numbers, vec![0, 1]);
        assert!(headers.blocks.iter().all(|b| b.body.is_empty()));
        let blocks = serve_blocks(&chain, range(true));
        assert_eq!(blocks.blocks[1].body, body);
    }
}
