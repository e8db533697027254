//! Why the pool refuses a transaction.

use lux_primitives::transaction::{InvalidTransaction, UnknownTransaction};

use crate::TxHash;

/// A refused transaction, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The runtime says it is invalid.
    #[error("Invalid Transaction: {}", .0.message())]
    Invalid(InvalidTransaction),
    /// The runtime cannot tell whether it is valid.
    #[error("Unknown Transaction Validity: {}", .0.message())]
    Unknown(UnknownTransaction),
    /// It is already in the pool (or being validated).
    #[error("Transaction Already Imported: {0:?}")]
    AlreadyImported(TxHash),
    /// It was recently found invalid.
    #[error("Transaction is temporarily banned")]
    TemporarilyBanned,
    /// Another transaction with the same sender and nonce has a higher or equal priority.
    #[error("Priority is too low: ({old} vs {new})")]
    TooLowPriority {
        /// Priority of the transaction in the pool.
        old: u64,
        /// Priority of the new one.
        new: u64,
    },
    /// The pool is full and this transaction has the lowest priority.
    #[error("Immediately Dropped: the pool is full and the transaction has too low a priority")]
    ImmediatelyDropped,
    /// Its sender already has the most transactions allowed waiting for earlier nonces.
    #[error(
        "Immediately Dropped: the sender already has {0} transactions waiting for earlier nonces"
    )]
    TooManyFromSender(usize),
    /// The transaction is larger than the pool accepts.
    #[error("transaction of {0} bytes is too large")]
    TooLarge(usize),
    /// Validation could not run (for example the runtime could not decode the transaction).
    #[error("Verification Error: {0}")]
    Validation(String),
    /// Every validation slot is taken: the node is validating as fast as it can.
    #[error("The transaction pool is busy validating other transactions; retry later")]
    Busy,
}
