//! Storage errors.

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// RocksDB failed.
    #[error("database: {0}")]
    Rocks(#[from] rocksdb::Error),
    /// Stored data does not decode.
    #[error("corrupt database entry ({what}): {error}")]
    Corrupt {
        /// Which entry.
        what: &'static str,
        /// The decoding error.
        error: codec::Error,
    },
    /// The database belongs to another chain or another version of this software.
    #[error("{0}")]
    Incompatible(String),
    /// Making the block best would take finalized blocks off the canonical chain.
    #[error("block {block:?} cannot become best: it would revert finalized block #{finalized}")]
    RevertsFinalized {
        /// The block.
        block: lux_primitives::H256,
        /// The last finalized height.
        finalized: u32,
    },
    /// A block the operation needs is not in the database.
    #[error("unknown block {0:?}")]
    UnknownBlock(lux_primitives::H256),
    /// The state trie is missing a node or is corrupt.
    #[error("state: {0}")]
    Trie(#[from] lux_trie::Error),
}

impl DbError {
    /// Whether the database found corrupt data (a checksum that does not match, a damaged
    /// file).
    pub fn is_corruption(&self) -> bool {
        matches!(self, Self::Rocks(e) if e.kind() == rocksdb::ErrorKind::Corruption)
    }

    /// Whether another process holds the database (RocksDB's lock file).
    pub fn is_locked(&self) -> bool {
        matches!(self, Self::Rocks(e)
            if e.kind() == rocksdb::ErrorKind::IOError && e.to_string().contains("LOCK"))
    }
}

/// Result with [`DbError`].
pub type Result<T> = std::result::Result<T, DbError>;
