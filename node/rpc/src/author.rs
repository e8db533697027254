//! `author_*`: submitting and watching extrinsics, and the node's session keys.

use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_primitives::transaction::TransactionSource;
use lux_primitives::OpaqueExtrinsic;
use lux_txpool::{Origin, Submitted, TxStatus};
use serde_json::{json, Value};

use crate::error::{bad_format, codes, invalid_params, keystore_error, pool_error, unsafe_denied};
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
    register_keys(module)?;
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

/// The keystore, if unsafe methods are allowed and the node has one.
fn keystore(ctx: &RpcContext) -> Result<&dyn crate::SessionKeystore, ErrorObjectOwned> {
    if ctx.deny_unsafe {
        return Err(unsafe_denied());
    }
    ctx.keystore.as_deref().ok_or_else(|| keystore_error("this node has no keystore"))
}

/// Checks a key type: LuxTensor has one kind of session key.
fn check_key_type(key_type: &str) -> Result<(), ErrorObjectOwned> {
    if key_type.as_bytes() == lux_primitives::consensus::SESSION_KEY_TYPE {
        return Ok(());
    }
    let expected = String::from_utf8_lossy(&lux_primitives::consensus::SESSION_KEY_TYPE);
    Err(ErrorObjectOwned::owned(
        codes::UNSUPPORTED_KEY_TYPE,
        format!("Unsupported key type {key_type:?}: LuxTensor session keys are {expected:?}"),
        None::<()>,
    ))
}

/// Session keys (the runtime's `SessionKeys`: one sr25519 key) from their encoding.
fn decode_session_keys(bytes: &[u8]) -> Result<[u8; 32], ErrorObjectOwned> {
    bytes.try_into().map_err(|_| {
        ErrorObjectOwned::owned(
            codes::INVALID_SESSION_KEYS,
            format!("Session keys are 32 bytes (one sr25519 key), got {}", bytes.len()),
            None::<()>,
        )
    })
}

fn register_keys(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_method("author_rotateKeys", |_, ctx, _| {
        let public = keystore(ctx)?.generate().map_err(keystore_error)?;
        Ok::<_, ErrorObjectOwned>(Bytes(public.to_vec()))
    })?;
    module.register_method("author_rotateKeysWithOwner", |params, ctx, _| {
        let owner: lux_primitives::AccountId20 = params.one()?;
        let keystore = keystore(ctx)?;
        let public = keystore.generate().map_err(keystore_error)?;
        let message = lux_primitives::consensus::ownership_payload(&owner);
        let proof = keystore.sign(&public, &message).ok_or_else(|| keystore_error("key lost"))?;
        Ok::<_, ErrorObjectOwned>(json!({
            "keys": Bytes(public.to_vec()),
            "proof": Bytes(proof.to_vec()),
        }))
    })?;
    module.register_method("author_hasSessionKeys", |params, ctx, _| {
        let keys: Bytes = params.one()?;
        let public = decode_session_keys(&keys.0)?;
        Ok::<_, ErrorObjectOwned>(keystore(ctx)?.has(&public))
    })?;
    module.register_method("author_hasKey", |params, ctx, _| {
        let (public, key_type): (Bytes, String) = params.parse()?;
        let keystore = keystore(ctx)?;
        check_key_type(&key_type)?;
        let public: [u8; 32] = public.0.as_slice().try_into().map_err(|_| {
            invalid_params(format!("an sr25519 public key is 32 bytes, got {}", public.0.len()))
        })?;
        Ok::<_, ErrorObjectOwned>(keystore.has(&public))
    })?;
    module.register_method("author_insertKey", |params, ctx, _| {
        let (key_type, suri, public): (String, String, Bytes) = params.parse()?;
        let keystore = keystore(ctx)?;
        check_key_type(&key_type)?;
        let derived = lux_keys::Sr25519Pair::from_suri(&suri)
            .map_err(|e| invalid_params(format!("bad secret URI: {e}")))?
            .public();
        if public.0 != derived {
            return Err(invalid_params(format!(
                "the secret URI's public key is 0x{}, not the one given",
                hex::encode(derived)
            )));
        }
        keystore.insert(&suri).map_err(keystore_error)?;
        Ok::<_, ErrorObjectOwned>(Value::Null)
    })?;
    Ok(())
}
