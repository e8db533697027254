//! The blockchain core: the database, the executor and the rules that tie them together.
//!
//! [`Chain`] creates the genesis block from genesis storage, builds blocks on top of any known
//! block (inherents first, then transactions, each in a storage transaction so one that may
//! not be included leaves no trace), imports blocks (executed with the `:code` of the parent's
//! state, then committed with their state atomically), marks blocks final, answers state
//! queries and runtime calls at any block, and tells subscribers about new and finalized
//! blocks. Consensus checks (slot claims and seals) happen before import, in the node.
//! The block after a runtime upgrade is the new code's probation: if the new code cannot run
//! it, the block is built and imported with the previous code (see [`upgrade`] and
//! `lux_primitives::upgrade`).

mod build;
mod chain;
mod error;
mod upgrade;

pub use build::{BuildLimits, BuiltBlock, ListFeed, TransactionFeed};
pub use chain::{
    BlockOrigin, Chain, ChainEvent, ChainInfo, FinalizedBlocks, ImportedBlock, PendingImport,
};
pub use error::ChainError;
