//! The transaction pool.
//!
//! Transactions are validated by the runtime (`TaggedTransactionQueue_validate_transaction`),
//! through the [`TxValidator`] trait. The runtime tells what a transaction `provides` and
//! `requires` (for signed transactions: `(sender, nonce)` and `(sender, nonce - 1)`); a
//! transaction is *ready* when every tag it requires is provided by a ready transaction (or by
//! the chain, in which case it requires nothing), otherwise it waits in the *future* queue.
//! Block authors take ready transactions in dependency order, highest priority (tip) first.
//!
//! Limits on count and bytes apply to both queues; when full, the lowest-priority transaction
//! is dropped (the new one, if it is the lowest). A transaction providing a tag another one
//! already provides (same sender and nonce) replaces it only with a higher priority. After
//! every new best block, included transactions are removed and the rest revalidated.
//! Every rejection has a reason ([`PoolError`]); invalid transactions are banned for a while.

mod error;
mod pool;
mod status;

pub use error::PoolError;
pub use pool::{Pool, PoolConfig, PoolStatus, ReadyTx, TxValidator, ValidatorError};
pub use status::TxStatus;

/// Hash of a transaction: blake2_256 of its encoding.
pub type TxHash = lux_primitives::H256;
