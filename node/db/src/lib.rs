//! LuxTensor's storage, on RocksDB.
//!
//! Column families (see [`columns`]): `meta` (genesis, best and finalized block), `headers`,
//! `bodies` and `justifications` by block hash, `canonical` (number -> hash of the canonical
//! chain), `tx_lookup` (extrinsic hash -> block and index), `state` (trie nodes and hashed
//! values by their hash) and the Ethereum indexes (used by the EVM work).
//!
//! A block, its new state nodes, the canonical index and the best/finalized pointers are
//! written in one RocksDB write batch: after a crash (even `kill -9` in the middle of an
//! import) the database reopens with the block fully there or not at all.
//!
//! Trie nodes (content-addressed, so valid for every state) and the best state's storage
//! values are cached in memory, each within a byte budget (`cache.rs`).
//!
//! State is kept for every block (archive mode): trie nodes are written under their hash and
//! never deleted, so any block's state can be read and proven. Pruning is future work.

mod cache;
mod database;
mod error;
mod state;

pub use cache::StateCache;
pub use database::{columns, BlockCommit, Database, DatabaseConfig, TreeRoute};
pub use error::{DbError, Result};
pub use state::TrieState;
