//! `eth_subscribe` / `eth_unsubscribe` over WebSocket, as geth serves them:
//!
//! - `newHeads`: the header of every new best block (each block of the new chain after a
//!   reorg), once the block is indexed;
//! - `logs` (optional `{address, topics}` filter): the matching logs of every block that joins
//!   the best chain, and those of blocks that leave it again with `removed: true`;
//! - `newPendingTransactions`: hashes of Ethereum transactions as they become pending
//!   (ready to be included) in the pool, from the pool's notifications (or the transactions
//!   themselves with `true` as second parameter).

use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionSink};
use lux_primitives::H256;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::error::{EthError, EthResult};
use super::index::{EthIndex, IndexedBlock};
use super::json::{RpcHeader, RpcLog, RpcTransaction};
use super::logs::{logs_in_block, FilterParams, LogFilter};
use super::pool::ethereum_transaction;
use super::transaction::EthTransaction;
use crate::server::to_message;
use crate::RpcContext;

/// What a subscription follows.
enum Kind {
    NewHeads,
    Logs(LogFilter),
    PendingTransactions { full: bool },
}

fn parse(params: jsonrpsee::types::Params<'_>) -> EthResult<Kind> {
    let mut seq = params.sequence();
    let name: String = seq.next().map_err(|e| EthError::params(e.message()))?;
    match name.as_str() {
        "newHeads" => Ok(Kind::NewHeads),
        "logs" => {
            let params: Option<FilterParams> =
                seq.optional_next().map_err(|e| EthError::params(e.message()))?;
            let query = params.unwrap_or_default().into_query()?;
            Ok(Kind::Logs(query.filter))
        }
        "newPendingTransactions" => {
            let full: Option<bool> =
                seq.optional_next().map_err(|e| EthError::params(e.message()))?;
            Ok(Kind::PendingTransactions { full: full.unwrap_or(false) })
        }
        other => Err(EthError::params(format!("no \"{other}\" subscription in eth namespace"))),
    }
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, ctx, _| {
            let kind = parse(params);
            subscribe(pending, ctx, kind)
        },
    )?;
    Ok(())
}

async fn subscribe(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    kind: EthResult<Kind>,
) -> SubscriptionResult {
    let kind = match kind {
        Ok(kind) => kind,
        Err(e) => {
            pending.reject(ErrorObjectOwned::from(e)).await;
            return Ok(());
        }
    };
    // Subscribe before accepting: nothing indexed meanwhile is missed.
    let events = ctx.eth.index.subscribe();
    let Ok(sink) = pending.accept().await else { return Ok(()) };
    match kind {
        Kind::NewHeads => follow_blocks(sink, ctx, events, new_heads).await,
        Kind::Logs(filter) => {
            let logs =
                move |index: &EthIndex, block: &IndexedBlock| new_logs(index, block, &filter);
            follow_blocks(sink, ctx, events, logs).await
        }
        Kind::PendingTransactions { full } => follow_pool(sink, ctx, full).await,
    }
    Ok(())
}

/// Sends what `map` makes of each indexed block until the client leaves.
async fn follow_blocks<T: Serialize>(
    sink: SubscriptionSink,
    ctx: Arc<RpcContext>,
    mut events: tokio::sync::broadcast::Receiver<Arc<IndexedBlock>>,
    mut map: impl FnMut(&EthIndex, &IndexedBlock) -> EthResult<Vec<T>> + Send,
) {
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => event,
        };
        let block = match event {
            Ok(block) => block,
            // A slow client missed some blocks; go on with the next ones.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let items = match tokio::task::block_in_place(|| map(&ctx.eth.index, &block)) {
            Ok(items) => items,
            Err(e) => {
                tracing::debug!(target: "eth", "subscription skips block {:?}: {e}", block.hash);
                continue;
            }
        };
        for item in items {
            let Ok(message) = to_message(&item) else { return };
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }
}

/// The blocks that joined the best chain with `block`, lowest first (none if it is not best).
fn enacted(block: &IndexedBlock) -> Vec<H256> {
    if !block.is_new_best {
        return Vec::new();
    }
    block.route.as_ref().map_or_else(|| vec![block.hash], |route| route.enacted.clone())
}

fn new_heads(index: &EthIndex, block: &IndexedBlock) -> EthResult<Vec<RpcHeader>> {
    let mut heads = Vec::new();
    for hash in enacted(block) {
        if let Some(block) = index.block(&hash)? {
            heads.push(RpcHeader::new(&block));
        }
    }
    Ok(heads)
}

fn new_logs(index: &EthIndex, block: &IndexedBlock, filter: &LogFilter) -> EthResult<Vec<RpcLog>> {
    let retracted = match (&block.route, block.is_new_best) {
        (Some(route), true) => route.retracted.clone(),
        _ => Vec::new(),
    };
    let logs_of = |hashes: &[H256]| -> EthResult<Vec<Vec<RpcLog>>> {
        hashes.iter().map(|hash| logs_in_block(index, hash, filter)).collect()
    };
    Ok(reorg_logs(logs_of(&retracted)?, logs_of(&enacted(block))?))
}

/// What a `logs` subscription hears when the best chain moves: the logs of the blocks that
/// left it (given highest block first), newest first and `removed`, then those of the blocks
/// that joined it (lowest first), in order.
fn reorg_logs(retracted: Vec<Vec<RpcLog>>, enacted: Vec<Vec<RpcLog>>) -> Vec<RpcLog> {
    let removed = retracted
        .into_iter()
        .flat_map(|logs| logs.into_iter().rev())
        .map(|log| RpcLog { removed: true, ..log });
    removed.chain(enacted.into_iter().flatten()).collect()
}

/// Sends the Ethereum transactions that become pending in the pool until the client leaves.
async fn follow_pool(sink: SubscriptionSink, ctx: Arc<RpcContext>, full: bool) {
    let mut ready = ctx.pool.import_notification_stream();
    loop {
        let tx = tokio::select! {
            _ = sink.closed() => return,
            tx = ready.recv() => tx,
        };
        let tx = match tx {
            Ok(tx) => tx,
            // A client this far behind misses some; it goes on with the newest.
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(target: "rpc", "newPendingTransactions: a subscriber missed {missed}");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let Some((hash, raw)) = ethereum_transaction(&tx.data) else { continue };
        let item = if full {
            let tx = EthTransaction::decode(&raw).ok().and_then(|tx| RpcTransaction::pending(&tx));
            serde_json::to_value(tx).unwrap_or(Value::Null)
        } else {
            serde_json::to_value(hash).unwrap_or(Value::Null)
        };
        if item.is_null() {
            continue;
        }
        let Ok(message) = to_message(&item) else { return };
        if sink.send(message).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::types::{Address, Data, Quantity};
    use lux_db::TreeRoute;
    use lux_primitives::AccountId20;

    fn log(block: u8, index: u64) -> RpcLog {
        RpcLog {
            address: Address(AccountId20([block; 20])),
            topics: vec![],
            data: Data::default(),
            block_number: u64::from(block).into(),
            block_hash: H256::repeat_byte(block),
            block_timestamp: Quantity::default(),
            transaction_hash: H256::zero(),
            transaction_index: Quantity::default(),
            log_index: index.into(),
            removed: false,
        }
    }

    #[test]
    fn a_reorg_removes_the_old_logs_newest_first_then_adds_the_new_ones() {
        // Blocks 3a (logs 0, 1) and 2a (log 0) leave; 2b (log 0) and 3b (logs 0, 1) join.
        let retracted = vec![vec![log(0x3a, 0), log(0x3a, 1)], vec![log(0x2a, 0)]];
        let enacted = vec![vec![log(0x2b, 0)], vec![log(0x3b, 0), log(0x3b, 1)]];
        let heard = reorg_logs(retracted, enacted);
        let summary: Vec<(H256, Quantity, bool)> =
            heard.iter().map(|l| (l.block_hash, l.log_index, l.removed)).collect();
        let expected = vec![
            (H256::repeat_byte(0x3a), 1u64.into(), true),
            (H256::repeat_byte(0x3a), 0u64.into(), true),
            (H256::repeat_byte(0x2a), 0u64.into(), true),
            (H256::repeat_byte(0x2b), 0u64.into(), false),
            (H256::repeat_byte(0x3b), 0u64.into(), false),
            (H256::repeat_byte(0x3b), 1u64.into(), false),
        ];
        assert_eq!(summary, expected);
    }

    #[test]
    fn only_new_best_blocks_are_heads() {
        let side = IndexedBlock { hash: H256::repeat_byte(1), is_new_best: false, route: None };
        assert!(enacted(&side).is_empty());
        let next = IndexedBlock { hash: H256::repeat_byte(2), is_new_best: true, route: None };
        assert_eq!(enacted(&next), vec![H256::repeat_byte(2)]);
        let route = TreeRoute {
            retracted: vec![H256::repeat_byte(3)],
            enacted: vec![H256::repeat_byte(4), H256::repeat_byte(5)],
        };
        let reorg =
            IndexedBlock { hash: H256::repeat_byte(5), is_new_best: true, route: Some(route) };
        assert_eq!(enacted(&reorg), vec![H256::repeat_byte(4), H256::repeat_byte(5)]);
    }
}
