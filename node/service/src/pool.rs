//! The pool's view of the chain: validation by the runtime, and keeping the pool in step
//! with new and finalized blocks.

use std::sync::Arc;

use codec::Encode;
use lux_chain::{Chain, ChainEvent};
use lux_primitives::transaction::{TransactionSource, TransactionValidity};
use lux_primitives::{OpaqueExtrinsic, H256};
use lux_txpool::{Pool, TxValidator, ValidatorError};
use tokio::sync::broadcast::error::RecvError;

/// Validates transactions with `TaggedTransactionQueue_validate_transaction`.
pub(crate) struct RuntimeValidator(pub Arc<Chain>);

impl TxValidator for RuntimeValidator {
    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError> {
        let input = (source, xt, at).encode();
        self.0
            .call_decode(&at, "TaggedTransactionQueue_validate_transaction", &input)
            .map_err(|e| ValidatorError(e.to_string()))
    }
}

/// Removes included transactions and revalidates the rest at every new best block; puts back
/// transactions of retracted blocks; tells watchers when their blocks are final.
pub(crate) async fn maintain(chain: Arc<Chain>, pool: Arc<Pool>) {
    let mut events = chain.subscribe();
    loop {
        match events.recv().await {
            Ok(ChainEvent::Imported(block)) if block.is_new_best => {
                let retracted: Vec<OpaqueExtrinsic> = block
                    .route
                    .iter()
                    .flat_map(|r| r.retracted.iter())
                    .filter_map(|h| chain.block(h).ok().flatten())
                    .flat_map(|b| b.block.extrinsics)
                    .collect();
                let pool = pool.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    pool.on_new_best_block(block.hash, &block.extrinsic_hashes, retracted)
                })
                .await;
            }
            Ok(ChainEvent::Finalized(finalized)) => pool.on_finalized(&finalized.newly_finalized),
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(target: "txpool", "missed {n} chain events")
            }
            Err(RecvError::Closed) => return,
        }
    }
}
