//! The pool's view of the chain: validation by the runtime, and keeping the pool in step
//! with new and finalized blocks.

use std::sync::Arc;

use lux_chain::{Chain, ChainError, ChainEvent, ImportedBlock};
use lux_primitives::storage::{CODE, HEAP_PAGES};
use lux_primitives::transaction::{TransactionSource, TransactionValidity};
use lux_primitives::{AccountId20, OpaqueExtrinsic, H256};
use lux_txpool::{BlockUpdate, Pool, TxValidator, ValidatorError};
use tokio::sync::broadcast::error::RecvError;

/// Validates transactions with `TaggedTransactionQueue_validate_transaction`.
pub(crate) struct RuntimeValidator(pub Arc<Chain>);

impl TxValidator for RuntimeValidator {
    fn best_block(&self) -> (H256, u32) {
        let info = self.0.info();
        (info.best_hash, info.best_number)
    }

    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError> {
        self.validate_batch(at, &[(source, xt)])
            .pop()
            .unwrap_or_else(|| Err(ValidatorError::Failed("no result".into())))
    }

    fn validate_batch(
        &self,
        at: H256,
        txs: &[(TransactionSource, &OpaqueExtrinsic)],
    ) -> Vec<Result<TransactionValidity, ValidatorError>> {
        self.0
            .validate_transactions(&at, txs)
            .into_iter()
            .map(|r| {
                r.map_err(|e| match e {
                    ChainError::StatePruned(_) => ValidatorError::StateUnavailable(e.to_string()),
                    e => ValidatorError::Failed(e.to_string()),
                })
            })
            .collect()
    }
}

/// `twox128("System") ++ twox128("Account")`: the prefix of `System.Account`, whose keys end
/// with the 20-byte account (Blake2_128Concat).
fn account_prefix() -> [u8; 32] {
    let mut prefix = [0u8; 32];
    prefix[..16].copy_from_slice(&lux_primitives::hashing::twox_128(b"System"));
    prefix[16..].copy_from_slice(&lux_primitives::hashing::twox_128(b"Account"));
    prefix
}

/// What the pool needs to know of a new best block.
fn block_update(chain: &Chain, block: &ImportedBlock, prefix: &[u8; 32]) -> BlockUpdate {
    let retracted: Vec<H256> =
        block.route.iter().flat_map(|r| r.retracted.iter().copied()).collect();
    let retracted_extrinsics = retracted
        .iter()
        .filter_map(|h| chain.block(h).ok().flatten())
        .flat_map(|b| b.block.extrinsics)
        .collect();
    let mut changed_accounts = Vec::new();
    let mut runtime_changed = false;
    for (key, _) in block.changes.iter() {
        if key.len() == 32 + 16 + 20 && key.starts_with(prefix) {
            let mut account = [0u8; 20];
            account.copy_from_slice(&key[48..]);
            changed_accounts.push(AccountId20(account));
        } else if key == CODE || key == HEAP_PAGES {
            runtime_changed = true;
        }
    }
    BlockUpdate {
        hash: block.hash,
        number: block.header.number,
        included: block.extrinsic_hashes.clone(),
        retracted,
        retracted_extrinsics,
        changed_accounts,
        runtime_changed,
    }
}

/// Keeps the pool in step with the chain: at every new best block the pool removes what it
/// included and revalidates what it may have changed (on its validation threads); watchers
/// hear when their blocks are final.
pub(crate) async fn maintain(chain: Arc<Chain>, pool: Arc<Pool>) {
    let prefix = account_prefix();
    let mut events = chain.subscribe();
    loop {
        match events.recv().await {
            Ok(ChainEvent::Imported(block)) if block.is_new_best => {
                pool.on_new_best_block(block_update(&chain, &block, &prefix));
            }
            Ok(ChainEvent::Finalized(finalized)) => pool.on_finalized(&finalized.newly_finalized),
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => {
                // Blocks were missed: whatever they included is found stale by revalidation.
                tracing::warn!(target: "txpool", "missed {n} chain events; revalidating the pool");
                let info = chain.info();
                pool.spawn_validation_task(move |pool| {
                    pool.revalidate_everything(info.best_hash, info.best_number)
                });
            }
            Err(RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::testing::{add_block, dev_chain};

    /// The state of a fork that lost to a finalized block is discarded; validation asked on
    /// it says so (the pool then validates on the new best block), and runs on the best block.
    #[test]
    fn validation_on_a_discarded_fork_says_its_state_is_unavailable() {
        let dir = tempfile::tempdir().expect("dir");
        let chain = Arc::new(dev_chain(dir.path()));
        let genesis = chain.info().genesis_hash;
        let (lost, body) = add_block(&chain, genesis, 1);
        let (won, _) = add_block(&chain, genesis, 2);
        let (best, _) = add_block(&chain, won.hash(), 3);
        assert_eq!(chain.info().best_hash, best.hash());
        chain.finalize(&best.hash(), None).expect("finalizes");
        let deadline = Instant::now() + Duration::from_secs(30);
        while chain.state_at(&lost.hash()).is_ok() {
            assert!(Instant::now() < deadline, "the lost fork's state was never discarded");
            std::thread::sleep(Duration::from_millis(10));
        }
        // The block's inherent, as a transaction: the runtime says whether it is valid (it is
        // not); what matters is whether the runtime ran.
        let txs = [(TransactionSource::External, &body[0])];
        let validator = RuntimeValidator(chain.clone());
        let results = validator.validate_batch(lost.hash(), &txs);
        assert!(matches!(results[..], [Err(ValidatorError::StateUnavailable(_))]), "{results:?}");
        let results = validator.validate_batch(best.hash(), &txs);
        assert!(matches!(results[..], [Ok(_)]), "{results:?}");
    }
}
