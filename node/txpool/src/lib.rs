//! The transaction pool.
//!
//! Transactions are validated by the runtime (`TaggedTransactionQueue_validate_transaction`),
//! through the [`TxValidator`] trait, on a few low-priority threads that take submissions from
//! a bounded queue in batches (see `queue.rs`): a flood of submissions waits or is refused
//! with [`PoolError::Busy`], and never takes the CPU from block authoring and import.
//!
//! The runtime tells what a transaction `provides` and `requires` (for signed transactions:
//! `(sender, nonce)` and `(sender, nonce - 1)`, the latter only while that nonce is not on
//! chain yet). A transaction is *ready* when every tag it requires is provided by a ready
//! transaction, otherwise it waits in the *future* queue; one arriving before its predecessor
//! (concurrent submissions) becomes ready as soon as the gap fills. Block authors take ready
//! transactions in dependency order, highest priority (tip) first ([`BestTransactions`]).
//!
//! Limits on count and bytes apply to both queues, and each sender may only keep so many
//! transactions in the future queue. A new transaction that does not fit takes the place of
//! one with a strictly lower priority (ready ones from the end of their sender's chain) or is
//! refused ([`PoolError::ImmediatelyDropped`], so its sender retries): what the pool accepted
//! is never dropped for an equal newcomer, so a sender's stream never loses a nonce in the
//! middle and never wedges what follows it. A transaction providing a tag another one already
//! provides (same sender and nonce) replaces it only with a higher priority. Every rejection
//! has a reason ([`PoolError`]), and watchers of a transaction that leaves the pool without
//! being included hear why ([`TxStatus`]).
//!
//! After a new best block the included transactions leave at once; then only what the block
//! may have changed unexpectedly is revalidated: the first transaction of each sender whose
//! account the block touched without including a transaction of theirs from the pool
//! (cascading while they are invalid), those past their longevity, and everything after a
//! reorg or a runtime upgrade. Under load most senders' accounts change because the pool's
//! own transactions were included; revalidating them would cost a runtime call per sender
//! and block for nothing the block builder does not find out itself.

mod best;
mod error;
mod graph;
mod pool;
mod queue;
mod status;

pub use best::BestTransactions;
pub use error::PoolError;
pub use pool::{
    BlockUpdate, Origin, Pool, PoolConfig, PoolStatus, ReadyTx, Submitted, TxValidator,
    ValidatorError,
};
pub use status::TxStatus;

/// Hash of a transaction: blake2_256 of its encoding.
pub type TxHash = lux_primitives::H256;

#[cfg(test)]
mod tests;
