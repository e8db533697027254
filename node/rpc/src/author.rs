//! `author_*`: submitting and watching extrinsics.

use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_primitives::transaction::TransactionSource;
use lux_primitives::OpaqueExtrinsic;
use lux_txpool::{Origin, Submitted, TxStatus};
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
        TxStatus::Dropped(_) => json!("dropped"),
        TxStatus::Invalid(_) => json!("invalid"),
    }
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_async_method("author_submitExtrinsic", |params, ctx, _| async move {
        let bytes: Bytes = params.one()?;
        let xt = decode_extrinsic(&bytes.0)?;
        ctx.pool
            .submit_async(TransactionSource::External, xt, false, Origin::Local)
            .await
            .map(|submitted| submitted.hash)
            .map_err(|e| pool_error(&e))
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
    let submitted =
        ctx.pool.submit_async(TransactionSource::External, xt, true, Origin::Local).await;
    let mut statuses = match submitted {
        Ok(Submitted { statuses: Some(statuses), .. }) => statuses,
        Ok(_) => return Ok(()),
        Err(e) => {
            pending.reject(pool_error(&e)).await;
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
