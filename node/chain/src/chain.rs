//! [`Chain`]: blocks in, state and events out.

use std::collections::BTreeMap;
use std::sync::Arc;

use codec::{Decode, Encode};
use lux_consensus::{BlockTree, ChainWeight, PreDigest};
use lux_db::{BlockCommit, Database, TreeRoute, TrieState};
use lux_executor::{
    Between, RuntimeCode, RuntimeSession, SharedBackend, SignedMessage, WasmExecutor,
};
use lux_io::{Ext, OverlayedChanges, StateVersion, StorageChanges};
use lux_primitives::transaction::{TransactionSource, TransactionValidity};
use lux_primitives::{
    Block, Digest, DigestItem, Header, Justifications, OpaqueExtrinsic, RuntimeVersion,
    SignedBlock, H256,
};
use parking_lot::{Mutex, RwLock};
use tokio::sync::broadcast;

use crate::ChainError;

/// Where the chain stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    /// The genesis block.
    pub genesis_hash: H256,
    /// The best block.
    pub best_hash: H256,
    /// Its number.
    pub best_number: u32,
    /// The last finalized block.
    pub finalized_hash: H256,
    /// Its number.
    pub finalized_number: u32,
}

/// Where a block comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockOrigin {
    /// Authored by this node.
    Own,
    /// Received from a peer or a file.
    External,
}

/// A newly imported block.
#[derive(Clone, Debug)]
pub struct ImportedBlock {
    /// Its hash.
    pub hash: H256,
    /// Its header (sealed).
    pub header: Header,
    /// Whether it became the best block.
    pub is_new_best: bool,
    /// How the canonical chain moved, if it did.
    pub route: Option<TreeRoute>,
    /// Hashes of its extrinsics.
    pub extrinsic_hashes: Vec<H256>,
    /// Storage keys it changed, with their new values.
    pub changes: Arc<lux_io::KeyChanges>,
    /// Where it came from.
    pub origin: BlockOrigin,
}

/// Blocks that just became final.
#[derive(Clone, Debug)]
pub struct FinalizedBlocks {
    /// The new last finalized block.
    pub hash: H256,
    /// Its header.
    pub header: Header,
    /// Every newly final block, lowest first (the last one is `hash`).
    pub newly_finalized: Vec<H256>,
}

/// What subscribers hear.
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A block was imported.
    Imported(Arc<ImportedBlock>),
    /// Blocks became final.
    Finalized(Arc<FinalizedBlocks>),
}

/// The blockchain.
pub struct Chain {
    pub(crate) db: Arc<Database>,
    pub(crate) executor: Arc<WasmExecutor>,
    info: RwLock<ChainInfo>,
    import_lock: Mutex<()>,
    /// Blocks announced for import and not yet done with (see [`Chain::announce_import`]).
    pending: Arc<PendingImports>,
    events: broadcast::Sender<ChainEvent>,
    /// Fork choice: the consensus crate's tree of the blocks above the last finalized one (the
    /// code the seeded simulation runs), filled from the database as blocks are imported or
    /// looked at.
    tree: Mutex<BlockTree>,
    /// Threads available for parallel work (signature recovery on import).
    parallelism: usize,
    /// Discards old states and bodies in the background as blocks become final.
    pruner: Pruner,
}

/// The number of blocks announced for import and not yet done with, and a signal when it
/// falls to zero.
#[derive(Default)]
struct PendingImports {
    count: Mutex<usize>,
    done: parking_lot::Condvar,
}

/// A block on its way into the chain (see [`Chain::announce_import`]); dropped when its import
/// is over, whatever the outcome.
#[must_use = "the block counts as pending only while this is held"]
pub struct PendingImport(Arc<PendingImports>);

impl Drop for PendingImport {
    fn drop(&mut self) {
        let mut count = self.0.count.lock();
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.0.done.notify_all();
        }
    }
}

/// Runs [`Database::prune`] on its own thread after each finalization (the latest one, if
/// several arrive while it works), off the paths that author and import blocks.
struct Pruner {
    sender: Option<std::sync::mpsc::Sender<u32>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Pruner {
    fn start(db: Arc<Database>) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<u32>();
        let spawned = std::thread::Builder::new().name("db-pruning".into()).spawn(move || {
            while let Ok(mut finalized) = receiver.recv() {
                while let Ok(newer) = receiver.try_recv() {
                    finalized = finalized.max(newer);
                }
                match db.prune(finalized) {
                    Ok(stats) if stats != Default::default() => tracing::debug!(
                        target: "db",
                        "pruned at #{finalized}: {} fork(s), {} state(s), {} node(s), {} body(ies)",
                        stats.forks,
                        stats.states,
                        stats.nodes,
                        stats.bodies
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::error!(target: "db", "pruning at #{finalized} failed: {e}"),
                }
            }
        });
        let thread = match spawned {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::error!(target: "db", "cannot start the pruning thread: {e}");
                None
            }
        };
        Self { sender: Some(sender), thread }
    }

    fn finalized(&self, number: u32) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(number);
        }
    }
}

impl Drop for Pruner {
    /// Lets a pass in progress finish and the thread release the database, so that a closed
    /// chain's database is closed too (and may be opened again at once).
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The trie version of the state and of extrinsics roots.
pub(crate) const STATE_VERSION: StateVersion = StateVersion::V1;

impl Chain {
    /// Opens the chain in `db`, creating its genesis block from `genesis_storage` if the
    /// database is empty. Fails if the database holds another chain.
    pub fn open(
        db: Arc<Database>,
        executor: Arc<WasmExecutor>,
        genesis_storage: &BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> Result<Self, ChainError> {
        let mut nodes = Vec::new();
        let state_root =
            lux_trie::trie_root_with_nodes(STATE_VERSION, genesis_storage.iter(), |h, n| {
                nodes.push((h, n))
            });
        let genesis = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: H256(state_root),
            extrinsics_root: H256(lux_trie::ordered_trie_root(
                STATE_VERSION,
                Vec::<Vec<u8>>::new(),
            )),
            digest: Digest::default(),
        };
        let genesis_hash = genesis.hash();
        match db.genesis_hash()? {
            Some(existing) if existing != genesis_hash => {
                return Err(ChainError::GenesisMismatch { db: existing, spec: genesis_hash })
            }
            Some(_) => {}
            None => {
                db.commit(BlockCommit {
                    header: genesis,
                    body: Vec::new(),
                    justifications: None,
                    state_nodes: nodes,
                    removed_nodes: Vec::new(),
                    set_best: true,
                    finalized: true,
                })?;
                // Genesis holds the runtime code (megabytes): written out now, its memtables
                // (about 9 MiB) are not held until later blocks fill them.
                db.flush()?;
            }
        }
        let info = Self::read_info(&db)?;
        let (events, _) = broadcast::channel(1024);
        let chain = Self {
            pruner: Pruner::start(db.clone()),
            db,
            executor,
            info: RwLock::new(info),
            import_lock: Mutex::new(()),
            pending: Arc::default(),
            events,
            tree: Mutex::new(BlockTree::new(info.finalized_hash, ChainWeight::default())),
            parallelism: std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // The best chain first, so that it stays best against forks loaded later.
        chain.load_into_tree(&mut chain.tree.lock(), &info.best_hash, &info)?;
        Ok(chain)
    }

    /// Puts `hash` and its ancestors above the last finalized block into `tree`, from the
    /// database; returns whether `hash` descends from (or is) the finalized block.
    fn load_into_tree(
        &self,
        tree: &mut BlockTree,
        hash: &H256,
        info: &ChainInfo,
    ) -> Result<bool, ChainError> {
        let mut missing = Vec::new();
        let mut current = *hash;
        while !tree.contains(&current) {
            let header = self.db.header(&current)?.ok_or(ChainError::UnknownBlock(current))?;
            if header.number <= info.finalized_number {
                return Ok(false);
            }
            current = header.parent_hash;
            missing.push(header);
        }
        while let Some(header) = missing.pop() {
            let primary = PreDigest::find(&header).is_some_and(|p| p.is_primary());
            // Loaded blocks were weighed when imported: they do not change the best block.
            let _ = tree.insert(header.hash(), header.parent_hash, primary);
        }
        Ok(true)
    }

    fn read_info(db: &Database) -> Result<ChainInfo, ChainError> {
        let genesis_hash = db.genesis_hash()?.ok_or(ChainError::NoChain)?;
        let best_hash = db.best_hash()?.unwrap_or(genesis_hash);
        let finalized_hash = db.finalized_hash()?.unwrap_or(genesis_hash);
        let number = |h: &H256| -> Result<u32, ChainError> {
            Ok(db.header(h)?.ok_or(ChainError::UnknownBlock(*h))?.number)
        };
        Ok(ChainInfo {
            genesis_hash,
            best_number: number(&best_hash)?,
            best_hash,
            finalized_number: number(&finalized_hash)?,
            finalized_hash,
        })
    }

    /// Where the chain stands.
    pub fn info(&self) -> ChainInfo {
        *self.info.read()
    }

    /// Subscribes to new and finalized blocks.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// The database.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    /// The executor.
    pub fn executor(&self) -> &Arc<WasmExecutor> {
        &self.executor
    }

    /// A block's header.
    pub fn header(&self, hash: &H256) -> Result<Option<Header>, ChainError> {
        Ok(self.db.header(hash)?)
    }

    /// A block with its justifications; `None` if unknown or its body was pruned.
    pub fn block(&self, hash: &H256) -> Result<Option<SignedBlock<OpaqueExtrinsic>>, ChainError> {
        let Some(header) = self.db.header(hash)? else { return Ok(None) };
        let Some(extrinsics) = self.db.body(hash)? else { return Ok(None) };
        let justifications = self.db.justifications(hash)?;
        Ok(Some(SignedBlock { block: Block { header, extrinsics }, justifications }))
    }

    /// A block's justifications, if it has any.
    pub fn justifications(&self, hash: &H256) -> Result<Option<Justifications>, ChainError> {
        Ok(self.db.justifications(hash)?)
    }

    /// The hash of the canonical block at `number`.
    pub fn hash(&self, number: u32) -> Result<Option<H256>, ChainError> {
        Ok(self.db.canonical_hash(number)?)
    }

    /// The state after block `hash`; an error if it was pruned.
    pub fn state_at(&self, hash: &H256) -> Result<TrieState, ChainError> {
        let header = self.db.header(hash)?.ok_or(ChainError::UnknownBlock(*hash))?;
        if !self.db.state_available(header.number, hash)? {
            return Err(ChainError::StatePruned(*hash));
        }
        Ok(self.db.state_at(header.state_root))
    }

    /// Calls runtime API `method` on the state after block `at`; changes are discarded.
    pub fn call(&self, at: &H256, method: &str, input: &[u8]) -> Result<Vec<u8>, ChainError> {
        let state: SharedBackend = Arc::new(self.state_at(at)?);
        let code = RuntimeCode::from_state(&state)?;
        let mut ext = Ext::new(state, OverlayedChanges::new());
        Ok(self.executor.call(&mut ext, &code, method, input)?)
    }

    /// Like [`call`](Self::call), decoding the result.
    pub fn call_decode<R: Decode>(
        &self,
        at: &H256,
        method: &str,
        input: &[u8],
    ) -> Result<R, ChainError> {
        let output = self.call(at, method, input)?;
        R::decode(&mut &output[..]).map_err(|error| {
            ChainError::Executor(lux_executor::ExecutorError::BadResult {
                method: method.into(),
                error,
            })
        })
    }

    /// The runtime version at block `at`.
    pub fn runtime_version(&self, at: &H256) -> Result<RuntimeVersion, ChainError> {
        let state: SharedBackend = Arc::new(self.state_at(at)?);
        let code = RuntimeCode::from_state(&state)?;
        Ok(self.executor.runtime_version(&code)?)
    }

    /// Imports a sealed block whose consensus data was checked. It is executed on its
    /// parent's state, unless `changes` (from building it here) are given.
    pub fn import(
        &self,
        header: Header,
        body: Vec<OpaqueExtrinsic>,
        justifications: Option<Justifications>,
        changes: Option<StorageChanges>,
        origin: BlockOrigin,
        finalize: bool,
    ) -> Result<Arc<ImportedBlock>, ChainError> {
        let _guard = self.import_lock.lock();
        let hash = header.hash();
        if self.db.header(&hash)?.is_some() {
            return Err(ChainError::InvalidBlock(format!(
                "block {hash:?} is already in the chain"
            )));
        }
        let parent = self
            .db
            .header(&header.parent_hash)?
            .ok_or(ChainError::UnknownParent(header.parent_hash))?;
        if header.number != parent.number + 1 {
            return Err(ChainError::InvalidBlock(format!(
                "block number {} does not follow its parent's {}",
                header.number, parent.number
            )));
        }
        let started = std::time::Instant::now();
        if !self.db.state_available(parent.number, &header.parent_hash)? {
            return Err(ChainError::StatePruned(header.parent_hash));
        }
        let changes = match changes {
            Some(changes) => changes,
            None => self.execute(&parent, &header, &body)?,
        };
        let executed = started.elapsed();
        if H256(changes.root) != header.state_root {
            return Err(ChainError::InvalidBlock(format!(
                "state root {:?} in header, {:?} after execution",
                header.state_root,
                H256(changes.root)
            )));
        }
        let info = self.info();
        // The best chain is the heaviest (most primary blocks, then longest) that contains
        // the last finalized block; ties keep the current best (`BlockTree`'s rule).
        let primary = PreDigest::find(&header).is_some_and(|p| p.is_primary());
        let is_new_best = {
            let mut tree = self.tree.lock();
            match self.load_into_tree(&mut tree, &header.parent_hash, &info)? {
                // Our own block on a fork that finality left while it was built can never be
                // best: refused before anyone sees it, so that the author may build again on
                // the finalized chain in the same slot without equivocating.
                false if origin == BlockOrigin::Own => {
                    return Err(ChainError::StatePruned(header.parent_hash));
                }
                false => false,
                true => {
                    let parent_weight = tree.weight(&header.parent_hash).unwrap_or_default();
                    let weight = ChainWeight {
                        primaries: parent_weight.primaries + u64::from(primary),
                        number: parent_weight.number + 1,
                    };
                    Some(weight) > tree.weight(&tree.best())
                }
            }
        };
        let finalize = finalize && is_new_best;
        let extrinsic_hashes = body.iter().map(OpaqueExtrinsic::hash).collect();
        let route = self.db.commit(BlockCommit {
            header: header.clone(),
            body,
            justifications,
            state_nodes: changes.nodes,
            removed_nodes: changes.removed,
            set_best: is_new_best,
            finalized: finalize,
        })?;
        let committed = started.elapsed();
        if is_new_best {
            // The best state's value cache moves with the best block (or starts again if the
            // block is on another fork than the cached state).
            self.db.state_cache().advance(
                &parent.state_root.0,
                &header.state_root.0,
                &changes.changes,
            );
        }
        tracing::debug!(
            target: "chain",
            "imported #{} ({hash:?}): executed in {executed:?}, committed at {committed:?}, done at {:?}",
            header.number,
            started.elapsed()
        );
        let previous_finalized = info.finalized_number;
        {
            let mut info = self.info.write();
            if is_new_best {
                info.best_hash = hash;
                info.best_number = header.number;
            }
            if finalize {
                info.finalized_hash = hash;
                info.finalized_number = header.number;
            }
        }
        {
            let mut tree = self.tree.lock();
            if tree.contains(&header.parent_hash) {
                let _ = tree.insert(hash, header.parent_hash, primary);
            }
            if finalize {
                let _ = tree.finalize(hash);
            }
        }
        if header.digest.logs.contains(&DigestItem::RuntimeEnvironmentUpdated) {
            self.precompile_new_code(&changes.changes);
        }
        let imported = Arc::new(ImportedBlock {
            hash,
            header: header.clone(),
            is_new_best,
            route,
            extrinsic_hashes,
            changes: Arc::new(changes.changes),
            origin,
        });
        let _ = self.events.send(ChainEvent::Imported(imported.clone()));
        if finalize {
            self.pruner.finalized(header.number);
            self.notify_finalized(hash, header, previous_finalized)?;
        }
        Ok(imported)
    }

    /// Waits until no block is being imported or waiting to be (announced with
    /// [`Chain::announce_import`]), or `timeout` passes; returns whether the chain is idle.
    /// Authors call it at the start of a slot, so that a block of the previous slot still on
    /// its way in, importing or queued behind another block, becomes their parent.
    pub fn wait_for_imports(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut pending = self.pending.count.lock();
        while *pending > 0 {
            if self.pending.done.wait_until(&mut pending, deadline).timed_out() {
                return false;
            }
        }
        drop(pending);
        self.import_lock.try_lock_until(deadline).is_some()
    }

    /// Announces a block that will be imported once the blocks before it are: until the
    /// returned guard is dropped, [`Chain::wait_for_imports`] waits for it too.
    pub fn announce_import(&self) -> PendingImport {
        *self.pending.count.lock() += 1;
        PendingImport(self.pending.clone())
    }

    /// Executes `header`'s block on `parent`'s state with `parent`'s code. The block's
    /// signatures are recovered by helper threads while it executes (see
    /// [`lux_executor::SignatureCache::recover_in_parallel`]); the runtime names them through
    /// `LuxBlockApi_signed_messages` (a runtime without it is executed without the help).
    fn execute(
        &self,
        parent: &Header,
        header: &Header,
        body: &[OpaqueExtrinsic],
    ) -> Result<StorageChanges, ChainError> {
        let mut pre_header = header.clone();
        if !matches!(pre_header.take_seal(), Some(DigestItem::Seal(..))) {
            return Err(ChainError::InvalidBlock("the header has no seal".into()));
        }
        let mut session = self.import_session(parent, &pre_header)?;
        let t = std::time::Instant::now();
        let signed = self.signed_messages(&mut session, &pre_header, body);
        let block = Block { header: pre_header, extrinsics: body.to_vec() };
        let t_signed = t.elapsed();
        let helpers = self.parallelism.saturating_sub(1).max(1);
        self.executor
            .signatures()
            .recover_in_parallel(&signed, helpers, || {
                session.call("Core_execute_block", &block.encode())
            })
            .map_err(|e| ChainError::InvalidBlock(e.to_string()))?;
        let t_exec = t.elapsed();
        let changes = session.into_ext().into_storage_changes(STATE_VERSION)?;
        tracing::debug!(
            target: "chain",
            "executed #{}: signatures listed in {t_signed:?}, executed at {t_exec:?}, changes at {:?}",
            header.number,
            t.elapsed()
        );
        Ok(changes)
    }

    /// The (signature, message) pairs the runtime lists for the block `header` (without its
    /// seal) starts: what an import of it recovers on helper threads while it executes.
    pub fn listed_signatures(
        &self,
        header: &Header,
        body: &[OpaqueExtrinsic],
    ) -> Result<Vec<SignedMessage>, ChainError> {
        let parent = self
            .db
            .header(&header.parent_hash)?
            .ok_or(ChainError::UnknownParent(header.parent_hash))?;
        let mut session = self.import_session(&parent, header)?;
        Ok(self.signed_messages(&mut session, header, body))
    }

    /// A runtime session on `parent`'s state with the code that executes the block `header`
    /// (without its seal) starts.
    fn import_session(
        &self,
        parent: &Header,
        header: &Header,
    ) -> Result<RuntimeSession, ChainError> {
        let state: SharedBackend = Arc::new(self.db.state_at(parent.state_root));
        let code = self.code_for_import(parent, &state, header)?;
        self.executor
            .session(Ext::new(state, OverlayedChanges::new()), &code)
            .map_err(|failure| failure.0.into())
    }

    /// The (signature, message) pairs of a block's extrinsics, as the runtime computes them
    /// on the parent's state for the block `header` (without its seal) starts; empty if the
    /// runtime cannot tell. Leaves no changes behind. `LuxBlockApi` version 1 took the
    /// extrinsics alone; its messages for transactions born at the parent block (and all of
    /// block 1's) differ from what execution checks, so those are recovered there, once.
    fn signed_messages(
        &self,
        session: &mut RuntimeSession,
        header: &Header,
        body: &[OpaqueExtrinsic],
    ) -> Vec<SignedMessage> {
        if body.len() < 2 {
            return Vec::new();
        }
        let input = match session
            .call("Core_version", &[])
            .ok()
            .and_then(|v| RuntimeVersion::decode(&mut &v[..]).ok())
            .and_then(|v| v.api_version(&lux_primitives::version::api_ids::LUX_BLOCK))
        {
            Some(1) => body.encode(),
            Some(_) => (header, body).encode(),
            None => return Vec::new(),
        };
        session.ext_mut().overlay_mut().start_transaction();
        let output = session.call("LuxBlockApi_signed_messages", &input);
        session.ext_mut().overlay_mut().rollback_to_depth(0);
        match output.map(|o| Vec::<SignedMessage>::decode(&mut &o[..])) {
            Ok(Ok(signed)) => signed,
            Ok(Err(e)) => {
                tracing::debug!(target: "chain", "cannot decode the block's signatures: {e}");
                Vec::new()
            }
            Err(e) => {
                tracing::debug!(target: "chain", "the runtime does not list signatures: {e}");
                Vec::new()
            }
        }
    }

    /// Validates transactions for the pool on the state after block `at`, each on its own
    /// (their changes are discarded), all in one runtime instance.
    pub fn validate_transactions(
        &self,
        at: &H256,
        transactions: &[(TransactionSource, &OpaqueExtrinsic)],
    ) -> Vec<Result<TransactionValidity, ChainError>> {
        let session = self.state_at(at).and_then(|state| {
            let state: SharedBackend = Arc::new(state);
            let code = RuntimeCode::from_state(&state)?;
            self.executor
                .session(Ext::new(state, OverlayedChanges::new()), &code)
                .map_err(|failure| ChainError::from(failure.0))
        });
        let mut session = match session {
            Ok(session) => session,
            // The block's state is gone (its fork lost, or it fell out of the pruning window):
            // said as such, so a caller can validate on another block.
            Err(ChainError::StatePruned(hash)) => {
                return transactions.iter().map(|_| Err(ChainError::StatePruned(hash))).collect();
            }
            Err(e) => {
                let message = e.to_string();
                return transactions
                    .iter()
                    .map(|_| Err(ChainError::BuildFailed(message.clone())))
                    .collect();
            }
        };
        // Validity decides nothing on chain; the statics need not be restored between them.
        session.set_between(Between::Continue);
        transactions
            .iter()
            .map(|(source, xt)| {
                session.ext_mut().overlay_mut().start_transaction();
                let input = (source, xt, at).encode();
                let output = session.call("TaggedTransactionQueue_validate_transaction", &input);
                session.ext_mut().overlay_mut().rollback_to_depth(0);
                let output = output?;
                TransactionValidity::decode(&mut &output[..]).map_err(|error| {
                    ChainError::Executor(lux_executor::ExecutorError::BadResult {
                        method: "TaggedTransactionQueue_validate_transaction".into(),
                        error,
                    })
                })
            })
            .collect()
    }

    /// Marks `hash` (and its ancestors) final, storing `justifications`.
    pub fn finalize(
        &self,
        hash: &H256,
        justifications: Option<Justifications>,
    ) -> Result<(), ChainError> {
        let _guard = self.import_lock.lock();
        self.finalize_locked(hash, justifications)
    }

    fn finalize_locked(
        &self,
        hash: &H256,
        justifications: Option<Justifications>,
    ) -> Result<(), ChainError> {
        let header = self.db.header(hash)?.ok_or(ChainError::UnknownBlock(*hash))?;
        let info = self.info();
        if header.number <= info.finalized_number {
            return Ok(());
        }
        let mut tree = self.tree.lock();
        if !self.load_into_tree(&mut tree, hash, &info)? {
            return Err(ChainError::InvalidBlock(format!(
                "{hash:?} does not descend from the finalized block"
            )));
        }
        // The tree drops the forks finality excludes; if our best was on one, the best becomes
        // the heaviest block on the finalized one's chain (the same rule the simulation runs).
        let best_moved =
            tree.finalize(*hash).map_err(|e| ChainError::InvalidBlock(e.to_string()))?.is_some();
        let best = tree.best();
        drop(tree);
        if best_moved {
            let best_header = self.db.header(&best)?.ok_or(ChainError::UnknownBlock(best))?;
            let route = self.db.set_best(&best)?;
            self.db.state_cache().reset(&best_header.state_root.0);
            {
                let mut info = self.info.write();
                info.best_hash = best;
                info.best_number = best_header.number;
            }
            tracing::info!(
                target: "chain",
                "♻️  Reorg to #{} ({best:?}) on finalized #{} ({hash:?})",
                best_header.number,
                header.number
            );
            let body = self.db.body(&best)?.unwrap_or_default();
            let imported = Arc::new(ImportedBlock {
                hash: best,
                header: best_header,
                is_new_best: true,
                route: Some(route),
                extrinsic_hashes: body.iter().map(OpaqueExtrinsic::hash).collect(),
                changes: Arc::new(Default::default()),
                origin: BlockOrigin::External,
            });
            let _ = self.events.send(ChainEvent::Imported(imported));
        }
        self.db.finalize(hash, justifications)?;
        self.pruner.finalized(header.number);
        {
            let mut info = self.info.write();
            info.finalized_hash = *hash;
            info.finalized_number = header.number;
        }
        self.notify_finalized(*hash, header, info.finalized_number)
    }

    /// Tells subscribers that the canonical blocks above `previous` up to `hash` are final.
    fn notify_finalized(
        &self,
        hash: H256,
        header: Header,
        previous: u32,
    ) -> Result<(), ChainError> {
        let mut newly_finalized = Vec::new();
        for number in previous + 1..=header.number {
            if let Some(h) = self.db.canonical_hash(number)? {
                newly_finalized.push(h);
            }
        }
        let _ = self.events.send(ChainEvent::Finalized(Arc::new(FinalizedBlocks {
            hash,
            header,
            newly_finalized,
        })));
        Ok(())
    }
}
