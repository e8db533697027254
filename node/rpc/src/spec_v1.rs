//! `chainSpec_v1_*`, `transaction_v1_*` and `transactionWatch_v1_*` of the new JSON-RPC
//! interface (paritytech/json-rpc-interface-spec).

use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_primitives::transaction::TransactionSource;
use lux_primitives::{OpaqueExtrinsic, H256};
use lux_txpool::{Origin, PoolError, TxStatus};
use serde_json::{json, Value};

use crate::server::to_message;
use crate::{Bytes, RpcContext};

/// Most `transaction_v1_broadcast` operations at once (the spec asks for at least 4).
const MAX_BROADCASTS: usize = 1024;

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_method("chainSpec_v1_chainName", |_, ctx, _| ctx.system.chain_name.clone())?;
    module.register_method("chainSpec_v1_genesisHash", |_, ctx, _| {
        json!(ctx.chain.info().genesis_hash)
    })?;
    module.register_method("chainSpec_v1_properties", |_, ctx, _| {
        Value::Object(ctx.system.properties.clone())
    })?;

    module.register_async_method("transaction_v1_broadcast", |params, ctx, _| async move {
        let bytes: Bytes = params.one()?;
        let mut broadcasts = ctx.broadcasts.lock();
        if broadcasts.len() >= MAX_BROADCASTS {
            return Ok::<_, ErrorObjectOwned>(Value::Null);
        }
        let id = format!("{:016x}", rand_id());
        broadcasts.insert(id.clone());
        drop(broadcasts);
        // Without peers, broadcasting means giving it to our own pool; what the pool thinks of
        // it is not the caller's business (the spec's broadcast reports nothing).
        if let Ok(xt) = OpaqueExtrinsic::from_encoded(&bytes.0) {
            let pool = ctx.pool.clone();
            tokio::spawn(async move {
                let submitted =
                    pool.submit_async(TransactionSource::External, xt, false, Origin::Local).await;
                if let Err(e) = submitted {
                    tracing::debug!(target: "rpc", "broadcast transaction refused: {e}");
                }
            });
        }
        Ok(json!(id))
    })?;
    module.register_method("transaction_v1_stop", |params, ctx, _| {
        let id: String = params.one()?;
        if ctx.broadcasts.lock().remove(&id) {
            Ok(Value::Null)
        } else {
            Err(ErrorObjectOwned::owned(-32602, "Invalid operation id", None::<()>))
        }
    })?;

    module.register_subscription(
        "transactionWatch_v1_submitAndWatch",
        "transactionWatch_v1_watchEvent",
        "transactionWatch_v1_unwatch",
        |params, pending, ctx, _| {
            let bytes: Result<Bytes, _> = params.one();
            submit_and_watch(pending, ctx, bytes)
        },
    )?;
    Ok(())
}

/// A random operation id.
fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// The position of extrinsic `hash` in block `block`, if it is there.
fn index_in_block(ctx: &RpcContext, block: &H256, hash: &H256) -> Option<usize> {
    let block = ctx.chain.block(block).ok().flatten()?;
    block.block.extrinsics.iter().position(|x| x.hash() == *hash)
}

async fn submit_and_watch(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    bytes: Result<Bytes, ErrorObjectOwned>,
) -> SubscriptionResult {
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let Ok(sink) = pending.accept().await else { return Ok(()) };
    let send = |value: Value| {
        let sink = &sink;
        async move {
            match to_message(&value) {
                Ok(message) => sink.send(message).await.is_ok(),
                Err(_) => false,
            }
        }
    };
    // Whatever goes wrong is reported as an event on the subscription, as the spec requires.
    let xt = match OpaqueExtrinsic::from_encoded(&bytes.0) {
        Ok(xt) => xt,
        Err(e) => {
            send(json!({ "event": "invalid", "error": format!("Extrinsic has invalid format: {e}") })).await;
            return Ok(());
        }
    };
    let hash = xt.hash();
    let submitted =
        ctx.pool.submit_async(TransactionSource::External, xt, true, Origin::Local).await;
    let mut statuses = match submitted {
        Ok(lux_txpool::Submitted { statuses: Some(statuses), .. }) => statuses,
        Ok(_) => return Ok(()),
        Err(e) => {
            let event = match &e {
                PoolError::Invalid(_)
                | PoolError::AlreadyImported(_)
                | PoolError::TemporarilyBanned => "invalid",
                PoolError::ImmediatelyDropped
                | PoolError::TooManyFromSender(_)
                | PoolError::TooLowPriority { .. }
                | PoolError::TooLarge(_)
                | PoolError::Busy => "dropped",
                _ => "error",
            };
            send(json!({ "event": event, "error": e.to_string() })).await;
            return Ok(());
        }
    };
    let mut validated = false;
    loop {
        let status = tokio::select! {
            _ = sink.closed() => break,
            status = statuses.recv() => match status {
                Some(status) => status,
                None => break,
            },
        };
        let event = match &status {
            TxStatus::Ready | TxStatus::Future => {
                if validated {
                    continue;
                }
                validated = true;
                json!({ "event": "validated" })
            }
            TxStatus::InBlock(block) => {
                let index = index_in_block(&ctx, block, &hash);
                json!({ "event": "bestChainBlockIncluded", "block": { "hash": block, "index": index } })
            }
            TxStatus::Retracted(_) => json!({ "event": "bestChainBlockIncluded", "block": null }),
            TxStatus::Finalized(block) => {
                let index = index_in_block(&ctx, block, &hash);
                json!({ "event": "finalized", "block": { "hash": block, "index": index } })
            }
            TxStatus::Usurped(by) => {
                json!({ "event": "invalid", "error": format!("replaced by {by:?}") })
            }
            TxStatus::Dropped(reason) => json!({ "event": "dropped", "error": reason }),
            TxStatus::FinalityTimeout(_) => {
                json!({ "event": "dropped", "error": "its block was not finalized in time" })
            }
            TxStatus::Invalid(reason) => json!({ "event": "invalid", "error": reason }),
        };
        if !send(event).await || status.is_final() {
            break;
        }
    }
    Ok(())
}
