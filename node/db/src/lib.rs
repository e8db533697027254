//! LuxTensor's storage, on RocksDB.
//!
//! Column families (see [`columns`]): `meta` (genesis, best and finalized block), `headers`,
//! `bodies` and `justifications` by block hash, `canonical` (number -> hash of the canonical
//! chain), `tx_lookup` (extrinsic hash -> block and index), `state` (trie nodes and hashed
//! values by their hash) and the Ethereum indexes of the Ethereum JSON-RPC (see [`ethereum`]:
//! each block's Ethereum view and receipts, and Ethereum transaction hash -> blocks).
//!
//! A block, its new state nodes, the canonical index and the best/finalized pointers are
//! written in one RocksDB write batch: after a crash (even `kill -9` in the middle of an
//! import) the database reopens with the block fully there or not at all.
//!
//! Trie nodes (content-addressed, so valid for every state) and the best state's storage
//! values are cached in memory, each within a byte budget (`cache.rs`).
//!
//! Old states and bodies are pruned as `--state-pruning` and `--blocks-pruning` say (see
//! [`pruning`]): by default the states of the last 256 finalized blocks and every finalized
//! body are kept, with reference-counted trie nodes.

mod cache;
mod database;
mod error;
pub mod ethereum;
pub mod pruning;
mod state;

pub use cache::StateCache;
pub use database::{columns, BlockCommit, Database, DatabaseConfig, PruneStats, TreeRoute};
pub use error::{DbError, Result};
pub use ethereum::{EthBlockRecord, EthTxLocation};
pub use pruning::{BlocksPruning, StatePruning};
pub use state::TrieState;
