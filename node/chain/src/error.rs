//! Chain errors.

use lux_primitives::H256;

/// Why a chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] lux_db::DbError),
    /// The runtime call failed.
    #[error(transparent)]
    Executor(#[from] lux_executor::ExecutorError),
    /// State access failed.
    #[error(transparent)]
    State(#[from] lux_io::BackendError),
    /// The block is not known.
    #[error("unknown block {0:?}")]
    UnknownBlock(H256),
    /// The block's parent is not known.
    #[error("unknown parent {0:?}")]
    UnknownParent(H256),
    /// The database holds another chain.
    #[error("the database holds the chain with genesis {db:?}, but the chain spec gives genesis {spec:?}: use another --base-path or `luxtensor purge-chain`")]
    GenesisMismatch {
        /// Genesis in the database.
        db: H256,
        /// Genesis of the chain spec.
        spec: H256,
    },
    /// The database has no chain yet.
    #[error("the database has no chain")]
    NoChain,
    /// The block is invalid.
    #[error("invalid block: {0}")]
    InvalidBlock(String),
    /// The block's state was discarded: it fell out of the `--state-pruning` window, or its
    /// fork lost to a finalized block.
    #[error("State already discarded for {0:?}")]
    StatePruned(H256),
    /// The runtime could not build a block.
    #[error("block building failed: {0}")]
    BuildFailed(String),
}
