//! The RocksDB database: schema, reads, and atomic block commits.

use std::path::Path;
use std::sync::Arc;

use std::collections::HashMap;

use codec::{Decode, Encode};
use lux_primitives::{Header, Justifications, OpaqueExtrinsic, H256};
use parking_lot::Mutex;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB,
};
use schnellru::LruMap;

use crate::cache::{ByBytes, StateCache};
use crate::pruning::{self, BlocksPruning, JournalEntry, StatePruning};
use crate::{DbError, Result, TrieState};
use std::sync::atomic::{AtomicU32, Ordering};

/// Column family names.
pub mod columns {
    /// Chain pointers: genesis, best and finalized block hashes, schema version.
    pub const META: &str = "meta";
    /// Block hash -> SCALE header.
    pub const HEADERS: &str = "headers";
    /// Block hash -> SCALE `Vec<OpaqueExtrinsic>`.
    pub const BODIES: &str = "bodies";
    /// Block hash -> SCALE `Justifications`.
    pub const JUSTIFICATIONS: &str = "justifications";
    /// Block number (u32, big-endian) -> hash of the canonical block at that height.
    pub const CANONICAL: &str = "canonical";
    /// Extrinsic hash -> (block hash, index) for canonical blocks.
    pub const TX_LOOKUP: &str = "tx_lookup";
    /// Trie node or hashed value -> its bytes, keyed by blake2_256.
    pub const STATE: &str = "state";
    /// Trie node hash -> reference count (i64 LE, merged), outside archive mode.
    pub const STATE_REFS: &str = "state_refs";
    /// Block number (BE) ++ hash -> what its commit did to the reference counts.
    pub const STATE_JOURNAL: &str = "state_journal";
    /// Block hash -> the block's Ethereum view (SCALE [`EthBlockRecord`](crate::EthBlockRecord)):
    /// the Ethereum block hash is the block hash.
    pub const ETH_BLOCKS: &str = "eth_blocks";
    /// Ethereum transaction hash (keccak256) -> SCALE `Vec<(block hash, index)>`: every indexed
    /// block that holds it, forks included.
    pub const ETH_TX_LOOKUP: &str = "eth_tx_lookup";
    /// Block hash -> SCALE `Vec<EthReceipt>`: the receipts (and logs) of its Ethereum
    /// transactions.
    pub const ETH_RECEIPTS: &str = "eth_receipts";
    /// All of them.
    pub const ALL: [&str; 12] = [
        META,
        HEADERS,
        BODIES,
        JUSTIFICATIONS,
        CANONICAL,
        TX_LOOKUP,
        STATE,
        STATE_REFS,
        STATE_JOURNAL,
        ETH_BLOCKS,
        ETH_TX_LOOKUP,
        ETH_RECEIPTS,
    ];
}

mod meta {
    pub const VERSION: &[u8] = b"version";
    pub const GENESIS: &[u8] = b"genesis";
    pub const BEST: &[u8] = b"best";
    pub const FINALIZED: &[u8] = b"finalized";
    /// Whether state nodes carry reference counts (fixed when the database is created).
    pub const COUNTED: &[u8] = b"counted";
    /// Highest finalized height whose forks are discarded.
    pub const FORKS_DONE: &[u8] = b"forks_done";
    /// The removals of canonical blocks up to this number are applied: the states of blocks
    /// below it are discarded.
    pub const STATE_PRUNED: &[u8] = b"state_pruned";
    /// Bodies of canonical blocks up to this number are discarded.
    pub const BODIES_PRUNED: &[u8] = b"bodies_pruned";
}

/// Memory all memtables may use together.
const MEMTABLE_BUDGET: usize = 64 * 1024 * 1024;

/// Version of the schema above; a database of another version is refused.
const SCHEMA_VERSION: u32 = 2;

/// Database settings.
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// RocksDB block cache, in bytes.
    pub cache_bytes: usize,
    /// Cache of state trie nodes, in bytes.
    pub node_cache_bytes: usize,
    /// Cache of the best state's storage values, in bytes.
    pub value_cache_bytes: usize,
    /// Which states to keep.
    pub state_pruning: StatePruning,
    /// Which block bodies to keep.
    pub blocks_pruning: BlocksPruning,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            cache_bytes: 32 * 1024 * 1024,
            node_cache_bytes: 64 * 1024 * 1024,
            value_cache_bytes: 32 * 1024 * 1024,
            state_pruning: StatePruning::default(),
            blocks_pruning: BlocksPruning::default(),
        }
    }
}

/// A block to write, with everything that changes with it.
#[derive(Clone, Debug)]
pub struct BlockCommit {
    /// The header (with seal).
    pub header: Header,
    /// The extrinsics.
    pub body: Vec<OpaqueExtrinsic>,
    /// Finality proofs, if any.
    pub justifications: Option<Justifications>,
    /// New trie nodes and hashed values of the block's state, once per place they hold.
    pub state_nodes: Vec<([u8; 32], Vec<u8>)>,
    /// Stored nodes and values the block's state no longer uses, once per place they held.
    pub removed_nodes: Vec<[u8; 32]>,
    /// Whether the block becomes the best block (the canonical chain follows it).
    pub set_best: bool,
    /// Whether the block is final.
    pub finalized: bool,
}

/// How the canonical chain changed when the best block moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeRoute {
    /// Blocks that left the canonical chain, highest first.
    pub retracted: Vec<H256>,
    /// Blocks that joined it, lowest first.
    pub enacted: Vec<H256>,
}

/// The node's database.
pub struct Database {
    db: DB,
    nodes: Mutex<LruMap<[u8; 32], Arc<[u8]>, ByBytes>>,
    values: Arc<StateCache>,
    commit_lock: Mutex<()>,
    state_pruning: StatePruning,
    blocks_pruning: BlocksPruning,
    /// Cursors of the pruning (mirrors of the meta entries).
    forks_done: AtomicU32,
    state_pruned: AtomicU32,
    /// Serializes writers of the Ethereum indexes (their transaction lookup is read, then
    /// written).
    pub(crate) eth_lock: Mutex<()>,
    /// The first write that failed for good (see [`Database::on_failure`]), and who to tell.
    failure: std::sync::OnceLock<String>,
    failure_hooks: Mutex<Vec<FailureHook>>,
}

/// Told once, with a description, when the database fails for good.
type FailureHook = Box<dyn Fn(&str) + Send + Sync>;

/// What one pruning pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneStats {
    /// Fork blocks whose state was discarded.
    pub forks: u32,
    /// Canonical blocks whose state was discarded.
    pub states: u32,
    /// Trie nodes and values deleted.
    pub nodes: u32,
    /// Block bodies deleted.
    pub bodies: u32,
}

pub(crate) fn decode<T: Decode>(what: &'static str, bytes: &[u8]) -> Result<T> {
    T::decode(&mut &bytes[..]).map_err(|error| DbError::Corrupt { what, error })
}

fn number_key(number: u32) -> [u8; 4] {
    number.to_be_bytes()
}

impl Database {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path, config: &DatabaseConfig) -> Result<Arc<Self>> {
        let cache = Cache::new_lru_cache(config.cache_bytes);
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.increase_parallelism(2);
        opts.set_max_open_files(512);
        // Memtables of all column families together stay within this; RocksDB's default
        // (64 MiB per column family, two of them while one flushes) would let them take
        // more than a gigabyte.
        opts.set_db_write_buffer_size(MEMTABLE_BUDGET);
        // The write-ahead log is kept until every column family with writes in it has flushed;
        // the small columns (metadata, journal) rarely fill a memtable, so without a limit old
        // log files pile up to several times the memtable budget on disk.
        opts.set_max_total_wal_size(MEMTABLE_BUDGET as u64);
        let descriptors = columns::ALL.iter().map(|name| {
            let mut table = BlockBasedOptions::default();
            table.set_block_cache(&cache);
            table.set_bloom_filter(10.0, false);
            let mut cf = Options::default();
            cf.set_block_based_table_factory(&table);
            if *name == columns::STATE_REFS {
                cf.set_merge_operator_associative("lux_add_i64", pruning::merge_counts);
            }
            cf.set_write_buffer_size(if *name == columns::STATE {
                MEMTABLE_BUDGET / 4
            } else {
                MEMTABLE_BUDGET / 16
            });
            cf.set_max_write_buffer_number(2);
            ColumnFamilyDescriptor::new(*name, cf)
        });
        let db = DB::open_cf_descriptors(&opts, path, descriptors)?;
        let this = Self {
            db,
            nodes: Mutex::new(LruMap::new(ByBytes::new(config.node_cache_bytes))),
            values: Arc::new(StateCache::new(config.value_cache_bytes)),
            commit_lock: Mutex::new(()),
            state_pruning: config.state_pruning,
            blocks_pruning: config.blocks_pruning,
            forks_done: AtomicU32::new(0),
            state_pruned: AtomicU32::new(0),
            eth_lock: Mutex::new(()),
            failure: std::sync::OnceLock::new(),
            failure_hooks: Mutex::new(Vec::new()),
        };
        match this.get(columns::META, meta::VERSION)? {
            Some(v) => {
                let version: u32 = decode("schema version", &v)?;
                if version != SCHEMA_VERSION {
                    return Err(DbError::Incompatible(format!(
                        "database schema version {version}, this node needs {SCHEMA_VERSION}: purge the chain (luxtensor purge-chain)"
                    )));
                }
            }
            None => {
                this.db.put_cf(this.cf(columns::META), meta::VERSION, SCHEMA_VERSION.encode())?
            }
        }
        // Reference counts exist only if they were kept from the start.
        let counted = config.state_pruning.counts_references();
        match this.get(columns::META, meta::COUNTED)? {
            Some(v) if decode::<bool>("pruning mode", &v)? != counted => {
                let created = if counted { "archive" } else { "pruning" };
                return Err(DbError::Incompatible(format!(
                    "the database was created in {created} mode and cannot switch to --state-pruning {}: use the mode it was created with, or purge the chain (luxtensor purge-chain)",
                    config.state_pruning
                )));
            }
            Some(_) => {}
            None if this.genesis_hash()?.is_some() => {
                return Err(DbError::Incompatible("the database has no pruning mode".into()))
            }
            None => this.db.put_cf(this.cf(columns::META), meta::COUNTED, counted.encode())?,
        }
        let cursor = |key| -> Result<u32> {
            this.get(columns::META, key)?.map_or(Ok(0), |v| decode("pruning cursor", &v))
        };
        this.forks_done.store(cursor(meta::FORKS_DONE)?, Ordering::Relaxed);
        this.state_pruned.store(cursor(meta::STATE_PRUNED)?, Ordering::Relaxed);
        Ok(Arc::new(this))
    }

    pub(crate) fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        // Every column family in `columns::ALL` is opened (or created) by `open`.
        self.db
            .cf_handle(name)
            .unwrap_or_else(|| panic!("column family {name} is opened in Database::open"))
    }

    pub(crate) fn get(&self, column: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db.get_cf(self.cf(column), key).map_err(|e| self.read_error(e))
    }

    fn meta_hash(&self, key: &[u8]) -> Result<Option<H256>> {
        self.get(columns::META, key)?.map(|v| decode("meta pointer", &v)).transpose()
    }

    /// The genesis block's hash, if the database has a chain.
    pub fn genesis_hash(&self) -> Result<Option<H256>> {
        self.meta_hash(meta::GENESIS)
    }

    /// The best block's hash.
    pub fn best_hash(&self) -> Result<Option<H256>> {
        self.meta_hash(meta::BEST)
    }

    /// The last finalized block's hash.
    pub fn finalized_hash(&self) -> Result<Option<H256>> {
        self.meta_hash(meta::FINALIZED)
    }

    /// A block's header.
    pub fn header(&self, hash: &H256) -> Result<Option<Header>> {
        self.get(columns::HEADERS, hash.as_bytes())?.map(|v| decode("header", &v)).transpose()
    }

    /// A block's extrinsics.
    pub fn body(&self, hash: &H256) -> Result<Option<Vec<OpaqueExtrinsic>>> {
        self.get(columns::BODIES, hash.as_bytes())?.map(|v| decode("body", &v)).transpose()
    }

    /// A block's justifications.
    pub fn justifications(&self, hash: &H256) -> Result<Option<Justifications>> {
        self.get(columns::JUSTIFICATIONS, hash.as_bytes())?
            .map(|v| decode("justifications", &v))
            .transpose()
    }

    /// The hash of the canonical block at `number`.
    pub fn canonical_hash(&self, number: u32) -> Result<Option<H256>> {
        self.get(columns::CANONICAL, &number_key(number))?
            .map(|v| decode("canonical hash", &v))
            .transpose()
    }

    /// Where a canonical extrinsic is: block hash and index.
    pub fn transaction_location(&self, extrinsic_hash: &H256) -> Result<Option<(H256, u32)>> {
        self.get(columns::TX_LOOKUP, extrinsic_hash.as_bytes())?
            .map(|v| decode("transaction location", &v))
            .transpose()
    }

    /// The state of the block with state root `root`.
    pub fn state_at(self: &Arc<Self>, root: H256) -> TrieState {
        TrieState::new(self.clone(), root.0, self.values.clone())
    }

    /// The cache of the best state's values, which the chain moves along with the best block.
    pub fn state_cache(&self) -> &StateCache {
        &self.values
    }

    /// A trie node or hashed value by hash.
    pub(crate) fn node(&self, hash: &[u8; 32]) -> Result<Option<Arc<[u8]>>> {
        if let Some(node) = self.nodes.lock().get(hash) {
            return Ok(Some(node.clone()));
        }
        let read = self.db.get_pinned_cf(self.cf(columns::STATE), hash);
        let Some(bytes) = read.map_err(|e| self.read_error(e))? else {
            return Ok(None);
        };
        let node: Arc<[u8]> = Arc::from(&bytes[..]);
        self.nodes.lock().insert(*hash, node.clone());
        Ok(Some(node))
    }

    /// Writes a block and everything that changes with it in one atomic batch. Returns how the
    /// canonical chain changed if the block became the best one.
    pub fn commit(&self, op: BlockCommit) -> Result<Option<TreeRoute>> {
        let _guard = self.commit_lock.lock();
        let hash = op.header.hash();
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(columns::HEADERS), hash.as_bytes(), op.header.encode());
        batch.put_cf(self.cf(columns::BODIES), hash.as_bytes(), op.body.encode());
        if let Some(j) = &op.justifications {
            batch.put_cf(self.cf(columns::JUSTIFICATIONS), hash.as_bytes(), j.encode());
        }
        let state = self.cf(columns::STATE);
        if self.state_pruning.counts_references() {
            let inserted = pruning::tally(op.state_nodes.iter().map(|(h, _)| h));
            let refs = self.cf(columns::STATE_REFS);
            for (node_hash, count) in &inserted {
                batch.merge_cf(refs, node_hash, i64::from(*count).to_le_bytes());
            }
            if op.header.number > 0 {
                let entry = JournalEntry { inserted, removed: pruning::tally(&op.removed_nodes) };
                batch.put_cf(
                    self.cf(columns::STATE_JOURNAL),
                    pruning::journal_key(op.header.number, &hash.0),
                    entry.encode(),
                );
            }
        }
        let mut written = std::collections::HashSet::new();
        for (node_hash, node) in &op.state_nodes {
            if written.insert(node_hash) {
                batch.put_cf(state, node_hash, node);
            }
        }
        if op.header.number == 0 && self.genesis_hash()?.is_none() {
            batch.put_cf(self.cf(columns::META), meta::GENESIS, hash.encode());
        }
        let route = if op.set_best {
            let route = self.canonicalize(&mut batch, &op.header, hash, &op.body)?;
            batch.put_cf(self.cf(columns::META), meta::BEST, hash.encode());
            Some(route)
        } else {
            None
        };
        if op.finalized {
            batch.put_cf(self.cf(columns::META), meta::FINALIZED, hash.encode());
        }
        self.write(batch)?;
        // The nodes are hot: the next block reads them.
        let mut cache = self.nodes.lock();
        for (node_hash, node) in op.state_nodes {
            if cache.peek(&node_hash).is_none() {
                cache.insert(node_hash, Arc::from(node));
            }
        }
        Ok(route)
    }

    /// Makes the stored block `hash` the best block, switching the canonical index to its
    /// chain (finality can pick a fork that was not the best).
    pub fn set_best(&self, hash: &H256) -> Result<TreeRoute> {
        let _guard = self.commit_lock.lock();
        let header = self.header(hash)?.ok_or(DbError::UnknownBlock(*hash))?;
        let body = self.body(hash)?.unwrap_or_default();
        let mut batch = WriteBatch::default();
        let route = self.canonicalize(&mut batch, &header, *hash, &body)?;
        batch.put_cf(self.cf(columns::META), meta::BEST, hash.encode());
        self.write(batch)?;
        Ok(route)
    }

    /// Marks `hash` (already in the database) as finalized, storing its justification.
    pub fn finalize(&self, hash: &H256, justifications: Option<Justifications>) -> Result<()> {
        let _guard = self.commit_lock.lock();
        if self.header(hash)?.is_none() {
            return Err(DbError::UnknownBlock(*hash));
        }
        let mut batch = WriteBatch::default();
        if let Some(j) = justifications {
            batch.put_cf(self.cf(columns::JUSTIFICATIONS), hash.as_bytes(), j.encode());
        }
        batch.put_cf(self.cf(columns::META), meta::FINALIZED, hash.encode());
        self.write(batch)
    }

    pub(crate) fn write(&self, batch: WriteBatch) -> Result<()> {
        let mut opts = WriteOptions::default();
        // The write-ahead log makes each batch atomic and survives a killed process.
        opts.set_sync(false);
        self.db.write_opt(batch, &opts).map_err(|error| {
            if is_fatal(&error) {
                self.failed(&error);
            }
            DbError::Rocks(error)
        })
    }

    /// Calls `hook` once, if a write fails in a way after which the database takes no more
    /// writes (the disk is full, an I/O error, corruption), or a read finds corrupt data. RocksDB then refuses every later
    /// write (its "background error" state), so the node cannot go on; nothing written before
    /// is lost, because each batch is atomic. A hook added after the failure is called at once.
    pub fn on_failure(&self, hook: impl Fn(&str) + Send + Sync + 'static) {
        if let Some(failure) = self.failure.get() {
            hook(failure);
        }
        self.failure_hooks.lock().push(Box::new(hook));
    }

    /// The failure [`Database::on_failure`] reports, if one happened.
    pub fn failure(&self) -> Option<&str> {
        self.failure.get().map(String::as_str)
    }

    /// A failed read: corruption (a checksum that does not match) is a failure for good, so
    /// corrupt data is reported and never used.
    fn read_error(&self, error: rocksdb::Error) -> DbError {
        if error.kind() == rocksdb::ErrorKind::Corruption {
            self.failed(&error);
        }
        DbError::Rocks(error)
    }

    fn failed(&self, error: &rocksdb::Error) {
        let description = match error.kind() {
            rocksdb::ErrorKind::Corruption => format!("the database is corrupt: {error}"),
            _ => format!("a database write failed: {error}"),
        };
        if self.failure.set(description.clone()).is_ok() {
            tracing::error!(target: "db", "{description}");
            for hook in self.failure_hooks.lock().iter() {
                hook(&description);
            }
        }
    }

    /// Makes `hash` (with `header`, being committed in `batch`) the head of the canonical
    /// chain: rewrites the number index and the transaction index along the changed route.
    fn canonicalize(
        &self,
        batch: &mut WriteBatch,
        header: &Header,
        hash: H256,
        body: &[OpaqueExtrinsic],
    ) -> Result<TreeRoute> {
        // Walk back from the new block until we meet the current canonical chain.
        let mut enacted = vec![(header.number, hash)];
        let mut cursor = (header.number, header.parent_hash);
        while header.number > 0 && cursor.0 > 0 {
            let number = cursor.0 - 1;
            if self.canonical_hash(number)? == Some(cursor.1) {
                break;
            }
            let parent = self.header(&cursor.1)?.ok_or(DbError::UnknownBlock(cursor.1))?;
            enacted.push((number, cursor.1));
            cursor = (number, parent.parent_hash);
        }
        enacted.reverse();
        let fork_point = enacted.first().map_or(0, |(n, _)| *n);
        if let Some(finalized) = self.finalized_hash()? {
            let finalized_number = self.header(&finalized)?.map_or(0, |h| h.number);
            if fork_point > 0
                && fork_point <= finalized_number
                && self.canonical_hash(fork_point)?.is_some()
            {
                return Err(DbError::RevertsFinalized { block: hash, finalized: finalized_number });
            }
        }
        // Everything canonical from the fork point up leaves the chain.
        let mut retracted = Vec::new();
        if let Some(best) = self.best_hash()? {
            let best_number = self.header(&best)?.map_or(0, |h| h.number);
            for number in (fork_point..=best_number).rev() {
                if let Some(old) = self.canonical_hash(number)? {
                    if enacted.iter().all(|(_, h)| *h != old) {
                        retracted.push(old);
                    }
                    batch.delete_cf(self.cf(columns::CANONICAL), number_key(number));
                }
            }
        }
        let lookup = self.cf(columns::TX_LOOKUP);
        for old in &retracted {
            for xt in self.body(old)?.unwrap_or_default() {
                batch.delete_cf(lookup, xt.hash().as_bytes());
            }
        }
        for (number, block) in &enacted {
            batch.put_cf(self.cf(columns::CANONICAL), number_key(*number), block.encode());
            let extrinsics =
                if *block == hash { body.to_vec() } else { self.body(block)?.unwrap_or_default() };
            for (index, xt) in extrinsics.iter().enumerate() {
                batch.put_cf(lookup, xt.hash().as_bytes(), (*block, index as u32).encode());
            }
        }
        Ok(TreeRoute { retracted, enacted: enacted.into_iter().map(|(_, h)| h).collect() })
    }
}

/// Pruning (see [`crate::pruning`]).
impl Database {
    /// Which states the database keeps.
    pub fn state_pruning(&self) -> StatePruning {
        self.state_pruning
    }

    /// Whether the state of block `hash` (at `number`) is still stored.
    pub fn state_available(&self, number: u32, hash: &H256) -> Result<bool> {
        if !self.state_pruning.counts_references() {
            return Ok(true);
        }
        if number < self.state_pruned.load(Ordering::Relaxed) {
            return Ok(false);
        }
        if number <= self.forks_done.load(Ordering::Relaxed) {
            return Ok(self.canonical_hash(number)? == Some(*hash));
        }
        Ok(true)
    }

    /// Discards what the pruning modes no longer keep now that block `finalized` is final:
    /// forks at finalized heights, states and bodies that fell out of their windows. Runs
    /// under the commit lock, so no block commit interleaves with its reads and writes.
    pub fn prune(&self, finalized: u32) -> Result<PruneStats> {
        let _guard = self.commit_lock.lock();
        let mut discarded_forks = Vec::new();
        let mut stats = PruneStats::default();
        let mut batch = WriteBatch::default();
        let mut deltas: HashMap<[u8; 32], i64> = HashMap::new();
        let counted = self.state_pruning.counts_references();
        let journal = self.cf(columns::STATE_JOURNAL);

        // Forks at heights that became final can never be used.
        let forks_done = self.forks_done.load(Ordering::Relaxed);
        let prune_forks = counted || !matches!(self.blocks_pruning, BlocksPruning::Archive);
        if prune_forks && finalized > forks_done {
            for number in forks_done + 1..=finalized {
                let canonical = self.canonical_hash(number)?;
                for block in self.blocks_at(number)? {
                    if Some(block) == canonical {
                        continue;
                    }
                    stats.forks += 1;
                    if !matches!(self.blocks_pruning, BlocksPruning::Archive) {
                        batch.delete_cf(self.cf(columns::BODIES), block.as_bytes());
                        batch.delete_cf(self.cf(columns::JUSTIFICATIONS), block.as_bytes());
                        discarded_forks.push(block);
                    }
                    if let Some(entry) = self.take_journal(number, &block, &mut batch)? {
                        for (hash, count) in entry.inserted {
                            *deltas.entry(hash).or_default() -= i64::from(count);
                        }
                    }
                }
                // Finalized canonical blocks keep their journal only while their removals
                // may still be applied.
                if let (Some(block), StatePruning::ArchiveCanonical) =
                    (canonical, self.state_pruning)
                {
                    batch.delete_cf(journal, pruning::journal_key(number, &block.0));
                }
            }
            batch.put_cf(self.cf(columns::META), meta::FORKS_DONE, finalized.encode());
        }

        // States that fell out of the window: apply the removals of the blocks after them.
        let state_pruned = self.state_pruned.load(Ordering::Relaxed);
        let mut new_state_pruned = state_pruned;
        if let StatePruning::Keep(keep) = self.state_pruning {
            // Keep the states of blocks `finalized - keep + 1 ..= finalized`.
            let first_kept = (finalized + 1).saturating_sub(keep);
            // Applying block b's removals discards the state of block b - 1.
            for number in state_pruned + 1..=first_kept {
                let Some(block) = self.canonical_hash(number)? else { break };
                if let Some(entry) = self.take_journal(number, &block, &mut batch)? {
                    for (hash, count) in entry.removed {
                        *deltas.entry(hash).or_default() -= i64::from(count);
                    }
                }
                stats.states += 1;
                new_state_pruned = number;
            }
            if new_state_pruned != state_pruned {
                batch.put_cf(self.cf(columns::META), meta::STATE_PRUNED, new_state_pruned.encode());
            }
        }

        // Apply the reference changes; what nothing uses any more goes.
        if !deltas.is_empty() {
            let refs = self.cf(columns::STATE_REFS);
            let state = self.cf(columns::STATE);
            let mut hashes: Vec<[u8; 32]> = deltas.keys().copied().collect();
            hashes.sort_unstable();
            let current = self.db.batched_multi_get_cf(refs, hashes.iter(), true);
            for (hash, value) in hashes.iter().zip(current) {
                let count = value?.map_or(0, |v| pruning::read_count(&v)) + deltas[hash];
                if count <= 0 {
                    batch.delete_cf(state, hash);
                    batch.delete_cf(refs, hash);
                    stats.nodes += 1;
                } else {
                    batch.put_cf(refs, hash, count.to_le_bytes());
                }
            }
        }

        // Bodies that fell out of their window.
        if let BlocksPruning::Keep(keep) = self.blocks_pruning {
            let done: u32 = self
                .get(columns::META, meta::BODIES_PRUNED)?
                .map_or(Ok(0), |v| decode("pruning cursor", &v))?;
            let last = finalized.saturating_sub(keep);
            if last > done {
                let lookup = self.cf(columns::TX_LOOKUP);
                for number in done + 1..=last {
                    let Some(block) = self.canonical_hash(number)? else { break };
                    for xt in self.body(&block)?.unwrap_or_default() {
                        batch.delete_cf(lookup, xt.hash().as_bytes());
                    }
                    batch.delete_cf(self.cf(columns::BODIES), block.as_bytes());
                    stats.bodies += 1;
                }
                batch.put_cf(self.cf(columns::META), meta::BODIES_PRUNED, last.encode());
            }
        }

        self.write(batch)?;
        // Their Ethereum index goes after them (a fork's entries without its body are never
        // read, so a crash in between leaves nothing wrong).
        self.prune_eth_blocks(&discarded_forks)?;
        if prune_forks && finalized > forks_done {
            self.forks_done.store(finalized, Ordering::Relaxed);
        }
        self.state_pruned.store(new_state_pruned, Ordering::Relaxed);
        Ok(stats)
    }

    /// The journal entry of block `hash` at `number`, if any, deleted in `batch`.
    fn take_journal(
        &self,
        number: u32,
        hash: &H256,
        batch: &mut WriteBatch,
    ) -> Result<Option<JournalEntry>> {
        let key = pruning::journal_key(number, &hash.0);
        let Some(entry) = self.get(columns::STATE_JOURNAL, &key)? else { return Ok(None) };
        batch.delete_cf(self.cf(columns::STATE_JOURNAL), key);
        Ok(Some(decode("state journal", &entry)?))
    }

    /// Hashes of every stored trie node and value (a full scan, for checks and tools).
    pub fn stored_state_nodes(&self) -> Result<Vec<[u8; 32]>> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(columns::STATE), rocksdb::IteratorMode::Start) {
            let (key, _) = item?;
            if let Ok(hash) = <[u8; 32]>::try_from(&key[..]) {
                out.push(hash);
            }
        }
        Ok(out)
    }

    /// Every stored block at height `number` (those with a state journal, and the canonical
    /// one).
    fn blocks_at(&self, number: u32) -> Result<Vec<H256>> {
        let prefix = number.to_be_bytes();
        let mut blocks = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(columns::STATE_JOURNAL),
            rocksdb::IteratorMode::From(&prefix, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, _) = item?;
            if !key.starts_with(&prefix) || key.len() != 36 {
                break;
            }
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&key[4..]);
            blocks.push(H256(hash));
        }
        Ok(blocks)
    }

    /// Writes every memtable out to disk and frees it. Worth it after a large one-off write
    /// (the genesis state), whose memtables would otherwise stay in memory until they fill.
    pub fn flush(&self) -> Result<()> {
        let columns: Vec<_> = columns::ALL.iter().map(|name| self.cf(name)).collect();
        self.db.flush_cfs_opt(&columns, &rocksdb::FlushOptions::default())?;
        Ok(())
    }
}

/// Whether a write error leaves the database unable to take more writes.
fn is_fatal(error: &rocksdb::Error) -> bool {
    use rocksdb::ErrorKind;
    matches!(error.kind(), ErrorKind::IOError | ErrorKind::Corruption)
        || error.to_string().contains("No space left on device")
}

impl Drop for Database {
    /// Writes the memtables out on close: the next start replays no log, and the log files go.
    fn drop(&mut self) {
        if let Err(error) = self.flush() {
            tracing::warn!(target: "db", %error, "could not flush the database on close");
        }
    }
}

impl lux_trie::NodeStore for Database {
    fn get(&self, hash: &[u8; 32]) -> std::result::Result<Option<Arc<[u8]>>, lux_trie::StoreError> {
        self.node(hash).map_err(|e| lux_trie::StoreError(e.to_string()))
    }
}
