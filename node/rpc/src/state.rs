//! `state_*`: storage, runtime calls, read proofs and storage subscriptions.

use std::collections::HashMap;
use std::sync::Arc;

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_chain::ChainEvent;
use lux_io::StateBackend;
use lux_primitives::storage::{CODE, HEAP_PAGES};
use lux_primitives::H256;
use serde_json::{json, Value};

use crate::chain::at_or_best;
use crate::error::{client_error, invalid_params};
use crate::server::forward_events;
use crate::{Bytes, RpcContext};

/// Most keys `state_getKeysPaged` returns at once (as in Substrate).
const MAX_KEYS_PAGED: u32 = 1000;
/// Most keys in one read proof request.
const MAX_PROOF_KEYS: usize = 1000;

fn storage(ctx: &RpcContext, at: H256, key: &[u8]) -> Result<Option<Vec<u8>>, ErrorObjectOwned> {
    let state = ctx.chain.state_at(&at).map_err(client_error)?;
    state.storage(key).map_err(client_error)
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("state_getStorage", |params, ctx, _| {
        let mut seq = params.sequence();
        let key: Bytes = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        Ok::<_, ErrorObjectOwned>(storage(&ctx, at_or_best(&ctx, at), &key.0)?.map(Bytes))
    })?;
    module.register_alias("state_getStorageAt", "state_getStorage")?;
    module.register_blocking_method("state_queryStorageAt", |params, ctx, _| {
        let mut seq = params.sequence();
        let keys: Vec<Bytes> = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        if keys.len() > MAX_PROOF_KEYS {
            return Err(invalid_params(format!("at most {MAX_PROOF_KEYS} keys per query")));
        }
        let at = at_or_best(&ctx, at);
        let state = ctx.chain.state_at(&at).map_err(client_error)?;
        let changes = keys
            .into_iter()
            .map(|k| Ok((k.0.clone(), state.storage(&k.0).map_err(client_error)?)))
            .collect::<Result<Vec<_>, ErrorObjectOwned>>()?;
        Ok(json!([storage_change(at, &changes)]))
    })?;
    module.register_blocking_method("state_getMetadata", |params, ctx, _| {
        let at: Option<H256> = params.sequence().optional_next()?;
        let output = ctx
            .chain
            .call(&at_or_best(&ctx, at), "Metadata_metadata", &[])
            .map_err(client_error)?;
        let metadata =
            <Vec<u8> as codec::Decode>::decode(&mut &output[..]).map_err(client_error)?;
        Ok::<_, ErrorObjectOwned>(Bytes(metadata))
    })?;
    module.register_blocking_method("state_getStorageHash", |params, ctx, _| {
        let mut seq = params.sequence();
        let key: Bytes = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        let state = ctx.chain.state_at(&at_or_best(&ctx, at)).map_err(client_error)?;
        Ok::<_, ErrorObjectOwned>(state.storage_hash(&key.0).map_err(client_error)?.map(H256))
    })?;
    module.register_blocking_method("state_getStorageSize", |params, ctx, _| {
        let mut seq = params.sequence();
        let key: Bytes = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        Ok::<_, ErrorObjectOwned>(
            storage(&ctx, at_or_best(&ctx, at), &key.0)?.map(|v| v.len() as u64),
        )
    })?;
    module.register_blocking_method("state_getKeysPaged", |params, ctx, _| {
        let mut seq = params.sequence();
        let prefix: Option<Bytes> = seq.optional_next()?;
        let count: u32 = seq.next()?;
        let start_key: Option<Bytes> = seq.optional_next()?;
        let at: Option<H256> = seq.optional_next()?;
        if count > MAX_KEYS_PAGED {
            return Err(invalid_params(format!("count exceeds maximum value ({MAX_KEYS_PAGED})")));
        }
        let state = ctx.chain.state_at(&at_or_best(&ctx, at)).map_err(client_error)?;
        let prefix = prefix.unwrap_or_default();
        let keys = state
            .keys_paged(&prefix.0, count as usize, start_key.as_ref().map(|k| &k.0[..]))
            .map_err(client_error)?;
        Ok(keys.into_iter().map(Bytes).collect::<Vec<_>>())
    })?;
    module.register_alias("state_getKeysPagedAt", "state_getKeysPaged")?;
    module.register_blocking_method("state_getRuntimeVersion", |params, ctx, _| {
        let at: Option<H256> = params.sequence().optional_next()?;
        ctx.chain.runtime_version(&at_or_best(&ctx, at)).map_err(client_error)
    })?;
    module.register_alias("chain_getRuntimeVersion", "state_getRuntimeVersion")?;
    module.register_blocking_method("state_call", |params, ctx, _| {
        let mut seq = params.sequence();
        let method: String = seq.next()?;
        let data: Bytes = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        let output =
            ctx.chain.call(&at_or_best(&ctx, at), &method, &data.0).map_err(client_error)?;
        Ok::<_, ErrorObjectOwned>(Bytes(output))
    })?;
    module.register_alias("state_callAt", "state_call")?;
    module.register_blocking_method("state_getReadProof", |params, ctx, _| {
        let mut seq = params.sequence();
        let keys: Vec<Bytes> = seq.next()?;
        let at: Option<H256> = seq.optional_next()?;
        if keys.len() > MAX_PROOF_KEYS {
            return Err(invalid_params(format!("at most {MAX_PROOF_KEYS} keys per proof")));
        }
        let at = at_or_best(&ctx, at);
        let state = ctx.chain.state_at(&at).map_err(client_error)?;
        let keys: Vec<Vec<u8>> = keys.into_iter().map(|k| k.0).collect();
        let proof = state.prove(&keys).map_err(client_error)?;
        Ok(json!({ "at": at, "proof": proof.into_iter().map(Bytes).collect::<Vec<_>>() }))
    })?;

    module.register_subscription(
        "state_subscribeStorage",
        "state_storage",
        "state_unsubscribeStorage",
        |params, pending, ctx, _| {
            let keys: Result<Option<Vec<Bytes>>, _> = params.sequence().optional_next();
            subscribe_storage(pending, ctx, keys)
        },
    )?;
    module.register_subscription(
        "state_subscribeRuntimeVersion",
        "state_runtimeVersion",
        "state_unsubscribeRuntimeVersion",
        |_, pending, ctx, _| subscribe_runtime_version(pending, ctx),
    )?;
    module.register_alias("chain_subscribeRuntimeVersion", "state_subscribeRuntimeVersion")?;
    module.register_alias("chain_unsubscribeRuntimeVersion", "state_unsubscribeRuntimeVersion")?;
    Ok(())
}

/// Sends the current values of `keys` first, then, at every new best block, the keys whose
/// values changed. Without keys: every change of every block.
async fn subscribe_storage(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    keys: Result<Option<Vec<Bytes>>, ErrorObjectOwned>,
) -> SubscriptionResult {
    let keys = match keys {
        Ok(keys) => keys.map(|k| k.into_iter().map(|k| k.0).collect::<Vec<_>>()),
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let events = ctx.chain.subscribe();
    let best = ctx.chain.info().best_hash;
    let mut last: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
    let mut initial = Vec::new();
    if let Some(keys) = &keys {
        let values = read_keys(&ctx, best, keys);
        initial.push(storage_change(best, &values));
        last.extend(values);
    }
    forward_events(pending, ctx, events, initial, move |ctx, event| {
        let ChainEvent::Imported(block) = event else { return Vec::new() };
        if !block.is_new_best {
            return Vec::new();
        }
        match &keys {
            None => vec![storage_change(block.hash, &block.changes)],
            Some(keys) => {
                let changed: Vec<_> = read_keys(ctx, block.hash, keys)
                    .into_iter()
                    .filter(|(k, v)| last.get(k) != Some(v))
                    .collect();
                if changed.is_empty() {
                    return Vec::new();
                }
                last.extend(changed.iter().cloned());
                vec![storage_change(block.hash, &changed)]
            }
        }
    })
    .await;
    Ok(())
}

fn read_keys(ctx: &RpcContext, at: H256, keys: &[Vec<u8>]) -> lux_io::KeyChanges {
    let state = ctx.chain.state_at(&at).ok();
    keys.iter()
        .map(|k| (k.clone(), state.as_ref().and_then(|s| s.storage(k).ok().flatten())))
        .collect()
}

fn storage_change(block: H256, changes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Value {
    let changes: Vec<Value> =
        changes.iter().map(|(k, v)| json!([Bytes(k.clone()), v.clone().map(Bytes)])).collect();
    json!({ "block": block, "changes": changes })
}

/// Sends the current runtime version, then the new one whenever a new best block changed the
/// code or heap pages.
async fn subscribe_runtime_version(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
) -> SubscriptionResult {
    let events = ctx.chain.subscribe();
    let best = ctx.chain.info().best_hash;
    let initial = ctx.chain.runtime_version(&best).ok().map(|v| json!(v)).into_iter().collect();
    forward_events(pending, ctx, events, initial, |ctx, event| match event {
        ChainEvent::Imported(block)
            if block.is_new_best
                && block
                    .changes
                    .iter()
                    .any(|(k, _)| k.as_slice() == CODE || k.as_slice() == HEAP_PAGES) =>
        {
            ctx.chain.runtime_version(&block.hash).ok().map(|v| json!(v)).into_iter().collect()
        }
        _ => Vec::new(),
    })
    .await;
    Ok(())
}
