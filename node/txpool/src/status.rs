//! What happens to a watched transaction.

use lux_primitives::H256;

use crate::TxHash;

/// A transaction's status, as `author_submitAndWatchExtrinsic` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Waiting for a transaction it depends on.
    Future,
    /// Ready to be included.
    Ready,
    /// Included in a block.
    InBlock(H256),
    /// Its block left the best chain.
    Retracted(H256),
    /// Its block is final.
    Finalized(H256),
    /// Its block was not finalized in time; watching stops.
    FinalityTimeout(H256),
    /// Replaced by another transaction with the same sender and nonce.
    Usurped(TxHash),
    /// Dropped from the pool, with the reason (pool full, too many from one sender).
    Dropped(String),
    /// Found invalid, with the reason.
    Invalid(String),
}

impl TxStatus {
    /// Whether no further status follows.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Finalized(_)
                | Self::FinalityTimeout(_)
                | Self::Usurped(_)
                | Self::Dropped(_)
                | Self::Invalid(_)
        )
    }
}
