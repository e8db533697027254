//! `author_*`: submitting and watching extrinsics.

use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_primitives::transaction::TransactionSource;
use lux_primitives::OpaqueExtrinsic;
use lux_txpool::TxStatus;
use serde_json::{json, Value};

use crate::error::{bad_format, pool_error};
use crate::server::to_message;
use crate::{Bytes, RpcContext};

fn decode_extrinsic(bytes: &[u8]) -> Result<OpaqueExtrinsic, ErrorObjectOwned> {
    OpaqueExtrinsic::from_encoded(bytes).map_err(bad_format)
}

/// The JSON of a status, as Substrate sends it in `author_extrinsicUpdate`.
fn status_json(status: &TxStatus) -> Value {
    match status {
        TxStatus::Future => json!("future"),
        TxStatus::Ready => json!("ready"),
        TxStatus::InBlock(h) => json!({ "inBlock": h }),
        TxStatus::Retracted(h) => json!({ "retracted": h }),
        TxStatus::Finalized(h) => json!({ "finalized": h }),
        TxStatus::FinalityTimeout(h) => json!({ "finalityTimeout": h }),
        TxStatus::Usurped(h) => json!({ "usurped": h }),
        TxStatus::Dropped => json!("dropped"),
        TxStatus::Invalid => json!("invalid"),
    }
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("author_submitExtrinsic", |params, ctx, _| {
        let bytes: Bytes = params.one()?;
        let xt = decode_extrinsic(&bytes.0)?;
        let best = ctx.chain.info().best_hash;
        ctx.pool.submit(best, TransactionSource::External, xt).map_err(|e| pool_error(&e))
    })?;
    module.register_method("author_pendingExtrinsics", |_, ctx, _| {
        ctx.pool
            .pending()
            .into_iter()
            .map(|xt| Bytes(codec::Encode::encode(&xt)))
            .collect::<Vec<_>>()
    })?;
    module.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |params, pending, ctx, _| {
            let bytes: Result<Bytes, _> = params.one();
            submit_and_watch(pending, ctx, bytes)
        },
    )?;
    Ok(())
}

async fn submit_and_watch(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    bytes: Result<Bytes, ErrorObjectOwned>,
) -> SubscriptionResult {
    let xt = match bytes.and_then(|b| decode_extrinsic(&b.0)) {
        Ok(xt) => xt,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let pool_ctx = ctx.clone();
    let submitted = tokio::task::spawn_blocking(move || {
        let best = pool_ctx.chain.info().best_hash;
        pool_ctx.pool.submit_and_watch(best, TransactionSource::External, xt)
    })
    .await;
    let mut statuses = match submitted {
        Ok(Ok((_, statuses))) => statuses,
        Ok(Err(e)) => {
            pending.reject(pool_error(&e)).await;
            return Ok(());
        }
        Err(e) => {
            pending.reject(crate::error::client_error(e)).await;
            return Ok(());
        }
    };
    let Ok(sink) = pending.accept().await else { return Ok(()) };
    loop {
        tokio::select! {
            _ = sink.closed() => break,
            status = statuses.recv() => {
                let Some(status) = status else { break };
                let Ok(message) = to_message(&status_json(&status)) else { break };
                if sink.send(message).await.is_err() || status.is_final() {
                    break;
                }
            }
        }
    }
    Ok(())
}
