//! The pool's view of the chain: validation by the runtime, and keeping the pool in step
//! with new and finalized blocks.

use std::sync::Arc;

use codec::Encode;
use lux_chain::{Chain, ChainEvent};
use lux_primitives::transaction::{TransactionSource, TransactionValidity};
use lux_primitives::{OpaqueExtrinsic, H256};
use lux_txpool::{Pool, TxValidator, ValidatorError};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

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

/// Keeps the pool in step with the chain: at every new best block, removes the included
/// transactions at once, then revalidates the pool (and puts back the transactions of retracted
/// blocks) in the background, one revalidation at a time, on the newest best block; tells
/// watchers when their blocks are final.
pub(crate) async fn maintain(chain: Arc<Chain>, pool: Arc<Pool>) {
    let (revalidate, requests) = mpsc::unbounded_channel();
    let _worker = AbortOnDrop(tokio::spawn(revalidation_worker(pool.clone(), requests)));
    let mut events = chain.subscribe();
    loop {
        match events.recv().await {
            Ok(ChainEvent::Imported(block)) if block.is_new_best => {
                let retracted_blocks: Vec<H256> =
                    block.route.iter().flat_map(|r| r.retracted.iter().copied()).collect();
                pool.prune(
                    block.hash,
                    block.header.number,
                    &block.extrinsic_hashes,
                    &retracted_blocks,
                );
                let retracted: Vec<OpaqueExtrinsic> = retracted_blocks
                    .iter()
                    .filter_map(|h| chain.block(h).ok().flatten())
                    .flat_map(|b| b.block.extrinsics)
                    .collect();
                let _ = revalidate.send((block.hash, retracted));
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

/// Runs revalidations one after the other, each on the newest block asked for.
async fn revalidation_worker(
    pool: Arc<Pool>,
    mut requests: mpsc::UnboundedReceiver<(H256, Vec<OpaqueExtrinsic>)>,
) {
    while let Some((mut at, mut retracted)) = requests.recv().await {
        while let Ok((newer, more)) = requests.try_recv() {
            at = newer;
            retracted.extend(more);
        }
        let pool = pool.clone();
        let _ = tokio::task::spawn_blocking(move || pool.revalidate(at, retracted)).await;
    }
}

/// Aborts a task when dropped (the worker stops with the maintenance task).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
