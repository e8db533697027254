//! `chain_*`: headers, blocks, hashes and head subscriptions.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use lux_chain::ChainEvent;
use lux_primitives::{Header, OpaqueExtrinsic, SignedBlock, H256};
use serde_json::{json, Value};

use crate::error::client_error;
use crate::server::forward_events;
use crate::types::NumberOrList;
use crate::{Bytes, RpcContext};

/// The hash to query: the given one, or the best block.
pub(crate) fn at_or_best(ctx: &RpcContext, at: Option<H256>) -> H256 {
    at.unwrap_or_else(|| ctx.chain.info().best_hash)
}

fn block_json(block: SignedBlock<OpaqueExtrinsic>) -> Value {
    let extrinsics: Vec<Bytes> = block.block.extrinsics.iter().map(|x| Bytes(x.encode())).collect();
    let justifications = block.justifications.map(|j| {
        j.0.into_iter()
            .map(|(engine, data)| json!([Bytes(engine.to_vec()), Bytes(data)]))
            .collect::<Vec<_>>()
    });
    json!({
        "block": { "header": block.block.header, "extrinsics": extrinsics },
        "justifications": justifications,
    })
}

fn header_at(ctx: &RpcContext, hash: H256) -> Result<Option<Header>, ErrorObjectOwned> {
    ctx.chain.header(&hash).map_err(client_error)
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("chain_getHeader", |params, ctx, _| {
        let at: Option<H256> = params.sequence().optional_next()?;
        header_at(&ctx, at_or_best(&ctx, at))
    })?;
    module.register_blocking_method("chain_getBlock", |params, ctx, _| {
        let at: Option<H256> = params.sequence().optional_next()?;
        let block = ctx.chain.block(&at_or_best(&ctx, at)).map_err(client_error)?;
        Ok::<_, ErrorObjectOwned>(block.map(block_json))
    })?;
    module.register_blocking_method("chain_getBlockHash", |params, ctx, _| {
        let number: Option<NumberOrList> = params.sequence().optional_next()?;
        let hash_of = |n: u32| ctx.chain.hash(n).map_err(client_error);
        Ok::<_, ErrorObjectOwned>(match number {
            None => json!(ctx.chain.info().best_hash),
            Some(NumberOrList::One(n)) => json!(hash_of(n.0)?),
            Some(NumberOrList::List(list)) => {
                json!(list.into_iter().map(|n| hash_of(n.0)).collect::<Result<Vec<_>, _>>()?)
            }
        })
    })?;
    module.register_method("chain_getFinalizedHead", |_, ctx, _| {
        json!(ctx.chain.info().finalized_hash)
    })?;
    module.register_alias("chain_getFinalisedHead", "chain_getFinalizedHead")?;
    module.register_alias("chain_getHead", "chain_getBlockHash")?;

    module.register_subscription(
        "chain_subscribeNewHeads",
        "chain_newHead",
        "chain_unsubscribeNewHeads",
        |_, pending, ctx, _| subscribe_heads(pending, ctx, Heads::Best),
    )?;
    module.register_alias("chain_subscribeNewHead", "chain_subscribeNewHeads")?;
    module.register_alias("chain_unsubscribeNewHead", "chain_unsubscribeNewHeads")?;
    module.register_alias("subscribe_newHead", "chain_subscribeNewHeads")?;
    module.register_alias("unsubscribe_newHead", "chain_unsubscribeNewHeads")?;

    module.register_subscription(
        "chain_subscribeFinalizedHeads",
        "chain_finalizedHead",
        "chain_unsubscribeFinalizedHeads",
        |_, pending, ctx, _| subscribe_heads(pending, ctx, Heads::Finalized),
    )?;
    module.register_alias("chain_subscribeFinalisedHeads", "chain_subscribeFinalizedHeads")?;
    module.register_alias("chain_unsubscribeFinalisedHeads", "chain_unsubscribeFinalizedHeads")?;

    module.register_subscription(
        "chain_subscribeAllHeads",
        "chain_allHead",
        "chain_unsubscribeAllHeads",
        |_, pending, ctx, _| subscribe_heads(pending, ctx, Heads::All),
    )?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Heads {
    Best,
    Finalized,
    All,
}

async fn subscribe_heads(
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcContext>,
    kind: Heads,
) -> SubscriptionResult {
    // The current head first (Substrate does so for new and finalized heads).
    let events = ctx.chain.subscribe();
    let info = ctx.chain.info();
    let initial = match kind {
        Heads::Best => ctx.chain.header(&info.best_hash).ok().flatten(),
        Heads::Finalized => ctx.chain.header(&info.finalized_hash).ok().flatten(),
        Heads::All => None,
    };
    let initial = initial.map(|h| vec![json!(h)]).unwrap_or_default();
    forward_events(pending, ctx, events, initial, move |_, event| match (kind, event) {
        (Heads::Best, ChainEvent::Imported(b)) if b.is_new_best => vec![json!(b.header)],
        (Heads::All, ChainEvent::Imported(b)) => vec![json!(b.header)],
        (Heads::Finalized, ChainEvent::Finalized(f)) => vec![json!(f.header)],
        _ => Vec::new(),
    })
    .await;
    Ok(())
}
