//! Ethereum transactions and the transaction pool: `eth_sendRawTransaction` (the raw
//! transaction wrapped in its `Ethereum.transact` extrinsic by the runtime, then submitted
//! exactly as `author_submitExtrinsic` submits), the pool's refusals in geth's words, and
//! reads of what waits in the pool (pending transactions by hash, pending nonces).
//!
//! A transaction the pool banned after finding it invalid is validated again when sent again,
//! so a client sending it twice hears the same reason twice ("nonce too low"), as from geth.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_chain::Chain;
use lux_primitives::ethereum::{invalid, transact_extrinsic, transact_payload};
use lux_primitives::hashing::keccak_256;
use lux_primitives::transaction::{TransactionSource, TransactionValidityError};
use lux_primitives::{AccountId20, OpaqueExtrinsic, H256};
use lux_txpool::{Origin, Pool, PoolError};

use super::error::{EthError, EthResult};
use super::transaction::{EthTransaction, TxDecodeError};
use super::types::Data;
use crate::RpcContext;

/// The pool's refusal of an Ethereum transaction, as geth words it.
pub(crate) fn pool_error_message(error: &PoolError) -> String {
    match error {
        PoolError::Invalid(reason) => {
            invalid::message(reason).map_or_else(|| reason.message().to_string(), str::to_string)
        }
        PoolError::Unknown(reason) => reason.message().to_string(),
        PoolError::AlreadyImported(_) => "already known".into(),
        PoolError::TooLowPriority { .. } => "replacement transaction underpriced".into(),
        PoolError::ImmediatelyDropped => "txpool is full".into(),
        PoolError::TooManyFromSender(limit) => {
            format!("txpool is full: the sender already has {limit} transactions waiting for earlier nonces")
        }
        PoolError::TemporarilyBanned => {
            "transaction is temporarily banned: it was recently found invalid".into()
        }
        PoolError::TooLarge(_) => "oversized data".into(),
        PoolError::Busy => "txpool is busy validating other transactions, retry later".into(),
        PoolError::Validation(message) => message.clone(),
    }
}

/// Checks raw bytes before they go to the runtime: a well-formed EIP-2718 transaction of a
/// type the chain takes.
pub(crate) fn check_raw_transaction(raw: &[u8]) -> EthResult<EthTransaction> {
    let tx = EthTransaction::decode(raw).map_err(|e| EthError::server(e.to_string()))?;
    if !tx.is_supported_type() {
        return Err(EthError::server(TxDecodeError::UnsupportedType.to_string()));
    }
    Ok(tx)
}

/// Submits the extrinsic of a raw transaction to the pool; returns the transaction's hash.
pub(crate) async fn submit(
    chain: &Arc<Chain>,
    pool: &Pool,
    tx_hash: H256,
    xt: OpaqueExtrinsic,
) -> EthResult<H256> {
    match pool.submit_async(TransactionSource::External, xt.clone(), false, Origin::Local).await {
        Ok(_) => Ok(tx_hash),
        Err(PoolError::TemporarilyBanned) => {
            let chain = chain.clone();
            let reason = tokio::task::spawn_blocking(move || why_banned(&chain, &xt))
                .await
                .unwrap_or_else(|_| pool_error_message(&PoolError::TemporarilyBanned));
            Err(EthError::Server(reason))
        }
        Err(e) => Err(EthError::Server(pool_error_message(&e))),
    }
}

/// Why the pool bans a transaction it recently found invalid, as geth would answer a client
/// sending it again ("nonce too low"): the runtime validates it once more.
fn why_banned(chain: &Chain, xt: &OpaqueExtrinsic) -> String {
    let best = chain.info().best_hash;
    let validity = chain.validate_transactions(&best, &[(TransactionSource::External, xt)]);
    let reason = match validity.into_iter().next() {
        Some(Ok(Err(TransactionValidityError::Invalid(reason)))) => PoolError::Invalid(reason),
        Some(Ok(Err(TransactionValidityError::Unknown(reason)))) => PoolError::Unknown(reason),
        _ => PoolError::TemporarilyBanned,
    };
    pool_error_message(&reason)
}

/// The Ethereum transactions in the pool (ready ones first, in block order): hash and EIP-2718
/// bytes.
pub(crate) fn pending_transactions(pool: &Pool) -> Vec<(H256, Vec<u8>)> {
    pool.pending().iter().filter_map(ethereum_transaction).collect()
}

/// The Ethereum transaction `xt` carries (an `Ethereum.transact`): its hash and EIP-2718
/// bytes.
pub(crate) fn ethereum_transaction(xt: &OpaqueExtrinsic) -> Option<(H256, Vec<u8>)> {
    let raw = transact_payload(&xt.encode())?;
    Some((H256(keccak_256(&raw)), raw))
}

/// The pending transaction with hash `tx_hash`, if the pool has it.
pub(crate) fn pending_transaction(pool: &Pool, tx_hash: &H256) -> Option<EthTransaction> {
    pending_transactions(pool)
        .into_iter()
        .find(|(hash, _)| hash == tx_hash)
        .and_then(|(_, raw)| EthTransaction::decode(&raw).ok())
}

/// The nonce after `account`'s transactions in the pool that follow `nonce` (its nonce on
/// chain) without a gap: what its next transaction should use.
pub(crate) fn pending_nonce(pool: &Pool, account: AccountId20, nonce: u64) -> u64 {
    let mut next = nonce;
    // The pool's nonce-ordered transactions provide the tag `(sender, nonce as u32)`.
    while let Ok(tag_nonce) = u32::try_from(next) {
        if !pool.is_provided(&(account, tag_nonce).encode()) {
            break;
        }
        next += 1;
    }
    next
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_async_method("eth_sendRawTransaction", |params, ctx, _| async move {
        let raw: Data = params.one()?;
        let tx = check_raw_transaction(&raw.0)?;
        let xt = OpaqueExtrinsic::from_encoded(&transact_extrinsic(&raw.0))
            .map_err(|e| EthError::server(format!("cannot wrap the transaction: {e}")))?;
        Ok::<_, ErrorObjectOwned>(submit(&ctx.chain, &ctx.pool, tx.hash, xt).await?)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::transaction::tests::signed_1559;
    use lux_primitives::transaction::{InvalidTransaction, UnknownTransaction};

    #[test]
    fn refusals_use_geths_words() {
        let message = |e: PoolError| pool_error_message(&e);
        assert_eq!(message(PoolError::Invalid(InvalidTransaction::Stale)), "nonce too low");
        assert_eq!(
            message(PoolError::Invalid(InvalidTransaction::Payment)),
            "insufficient funds for gas * price + value"
        );
        assert_eq!(
            message(PoolError::Invalid(InvalidTransaction::Custom(invalid::FEE_CAP_TOO_LOW))),
            "max fee per gas less than block base fee"
        );
        assert_eq!(
            message(PoolError::Invalid(InvalidTransaction::Call)),
            InvalidTransaction::Call.message()
        );
        assert_eq!(message(PoolError::AlreadyImported(H256::zero())), "already known");
        assert_eq!(
            message(PoolError::TooLowPriority { old: 2, new: 1 }),
            "replacement transaction underpriced"
        );
        assert_eq!(message(PoolError::ImmediatelyDropped), "txpool is full");
        assert!(message(PoolError::Busy).contains("retry"));
        assert_eq!(
            message(PoolError::Unknown(UnknownTransaction::CannotLookup)),
            UnknownTransaction::CannotLookup.message()
        );
    }

    #[test]
    fn raw_transactions_are_checked_before_the_runtime() {
        assert!(check_raw_transaction(&signed_1559(1, 0)).is_ok());
        let err = |raw: &[u8]| check_raw_transaction(raw).err().map(|e| e.to_string());
        assert_eq!(err(&[0xde, 0xad]).as_deref(), Some("rlp: invalid transaction"));
        assert_eq!(err(&[0x05, 0xc0]).as_deref(), Some("transaction type not supported"));
    }
}
