//! Blocks, transactions and receipts: `eth_blockNumber`, `eth_getBlockBy{Hash,Number}`,
//! `eth_getBlockTransactionCountBy{Hash,Number}`, `eth_getBlockReceipts`,
//! `eth_getTransactionByHash` (pool included), `eth_getTransactionBy{BlockHash,BlockNumber}AndIndex`,
//! `eth_getTransactionReceipt`, and the uncle methods of the specification, which on a chain
//! without uncles count none and find none. A block or transaction the node does not know is
//! `null`.

use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use lux_primitives::H256;
use serde::de::DeserializeOwned;

use super::error::EthResult;
use super::index::{EthBlock, EthIndex, Receipts};
use super::json::{RpcBlock, RpcReceipt, RpcTransaction};
use super::pool::pending_transaction;
use super::types::{BlockId, BlockTag, HashParam, Quantity};
use crate::RpcContext;

/// A block given by hash or by number/tag, as the method's first parameter.
enum BlockRef {
    Hash(H256),
    Tag(BlockTag),
}

impl From<HashParam> for BlockRef {
    fn from(hash: HashParam) -> Self {
        Self::Hash(hash.0)
    }
}

impl From<BlockTag> for BlockRef {
    fn from(tag: BlockTag) -> Self {
        Self::Tag(tag)
    }
}

impl BlockRef {
    /// The block's hash; `None` if unknown (or above "latest").
    fn resolve(&self, index: &EthIndex) -> EthResult<Option<H256>> {
        match self {
            Self::Hash(hash) => Ok(index.chain().header(hash)?.map(|_| *hash)),
            Self::Tag(tag) => Ok(index.resolve_tag(*tag)?.map(|(hash, _)| hash)),
        }
    }
}

/// `eth_getBlockBy*`: the block, with full transactions if asked.
fn block(ctx: &RpcContext, block: BlockRef, full: bool) -> EthResult<Option<RpcBlock>> {
    let index = &ctx.eth.index;
    let Some(hash) = block.resolve(index)? else { return Ok(None) };
    let Some((block, receipts)) = index.block_with_receipts(&hash, full)? else {
        return Ok(None);
    };
    Ok(Some(RpcBlock::new(&block, &receipts, full)))
}

fn transaction_count(ctx: &RpcContext, block: BlockRef) -> EthResult<Option<Quantity>> {
    let index = &ctx.eth.index;
    let Some(hash) = block.resolve(index)? else { return Ok(None) };
    Ok(index.block(&hash)?.map(|b| Quantity::from(b.record.transactions.len() as u64)))
}

/// Proof of stake makes no uncles: a known block has none.
fn uncle_count(ctx: &RpcContext, block: BlockRef) -> EthResult<Option<Quantity>> {
    let index = &ctx.eth.index;
    let Some(hash) = block.resolve(index)? else { return Ok(None) };
    Ok(index.block(&hash)?.map(|_| Quantity::from(0u64)))
}

fn block_receipts(ctx: &RpcContext, block: BlockRef) -> EthResult<Option<Vec<RpcReceipt>>> {
    let index = &ctx.eth.index;
    let Some(hash) = block.resolve(index)? else { return Ok(None) };
    let Some((block, receipts)) = index.block_with_receipts(&hash, true)? else {
        return Ok(None);
    };
    Ok(Some((0..receipts.len()).filter_map(|i| RpcReceipt::new(&block, &receipts, i)).collect()))
}

fn transaction_at(
    ctx: &RpcContext,
    block: BlockRef,
    position: Quantity,
) -> EthResult<Option<RpcTransaction>> {
    let index = &ctx.eth.index;
    let Some(hash) = block.resolve(index)? else { return Ok(None) };
    if position.0 > lux_primitives::U256::from(u32::MAX) {
        return Ok(None);
    }
    let position = position.0.low_u64() as usize;
    let Some((block, receipts)) = index.block_with_receipts(&hash, true)? else {
        return Ok(None);
    };
    Ok(RpcTransaction::mined(&block, &receipts, position))
}

/// A mined transaction's block and position, with the block and its receipts.
fn mined(index: &EthIndex, tx_hash: &H256) -> EthResult<Option<(EthBlock, Receipts, usize)>> {
    let Some((block_hash, position)) = index.transaction_location(tx_hash)? else {
        return Ok(None);
    };
    let Some((block, receipts)) = index.block_with_receipts(&block_hash, true)? else {
        return Ok(None);
    };
    Ok(Some((block, receipts, position as usize)))
}

fn transaction_by_hash(ctx: &RpcContext, tx_hash: H256) -> EthResult<Option<RpcTransaction>> {
    if let Some((block, receipts, position)) = mined(&ctx.eth.index, &tx_hash)? {
        return Ok(RpcTransaction::mined(&block, &receipts, position));
    }
    Ok(pending_transaction(&ctx.pool, &tx_hash).and_then(|tx| RpcTransaction::pending(&tx)))
}

fn transaction_receipt(ctx: &RpcContext, tx_hash: H256) -> EthResult<Option<RpcReceipt>> {
    let Some((block, receipts, position)) = mined(&ctx.eth.index, &tx_hash)? else {
        return Ok(None);
    };
    Ok(RpcReceipt::new(&block, &receipts, position).filter(|r| r.transaction_hash == tx_hash))
}

/// A block (hash or number) and the optional "full transactions" flag.
fn block_and_flag<B: DeserializeOwned + Into<BlockRef>>(
    params: &Params<'_>,
) -> Result<(BlockRef, bool), ErrorObjectOwned> {
    let mut seq = params.sequence();
    let block: B = seq.next()?;
    let full: Option<bool> = seq.optional_next()?;
    Ok((block.into(), full.unwrap_or(false)))
}

/// A block (hash or number) and a transaction's position in it.
fn block_and_position<B: DeserializeOwned + Into<BlockRef>>(
    params: &Params<'_>,
) -> Result<(BlockRef, Quantity), ErrorObjectOwned> {
    let mut seq = params.sequence();
    let block: B = seq.next()?;
    Ok((block.into(), seq.next()?))
}

/// Just a block (hash or number).
fn block_only<B: DeserializeOwned + Into<BlockRef>>(
    params: &Params<'_>,
) -> Result<BlockRef, ErrorObjectOwned> {
    Ok(params.one::<B>()?.into())
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_blockNumber", |_, ctx, _| {
        Ok::<_, ErrorObjectOwned>(Quantity::from(ctx.eth.index.latest()?.1))
    })?;
    module.register_blocking_method("eth_getBlockByHash", |params, ctx, _| {
        let (at, full) = block_and_flag::<HashParam>(&params)?;
        Ok::<_, ErrorObjectOwned>(block(&ctx, at, full)?)
    })?;
    module.register_blocking_method("eth_getBlockByNumber", |params, ctx, _| {
        let (at, full) = block_and_flag::<BlockTag>(&params)?;
        Ok::<_, ErrorObjectOwned>(block(&ctx, at, full)?)
    })?;
    module.register_blocking_method("eth_getBlockTransactionCountByHash", |params, ctx, _| {
        let at = block_only::<HashParam>(&params)?;
        Ok::<_, ErrorObjectOwned>(transaction_count(&ctx, at)?)
    })?;
    module.register_blocking_method("eth_getBlockTransactionCountByNumber", |params, ctx, _| {
        let at = block_only::<BlockTag>(&params)?;
        Ok::<_, ErrorObjectOwned>(transaction_count(&ctx, at)?)
    })?;
    module.register_blocking_method("eth_getUncleCountByBlockHash", |params, ctx, _| {
        let at = block_only::<HashParam>(&params)?;
        Ok::<_, ErrorObjectOwned>(uncle_count(&ctx, at)?)
    })?;
    module.register_blocking_method("eth_getUncleCountByBlockNumber", |params, ctx, _| {
        let at = block_only::<BlockTag>(&params)?;
        Ok::<_, ErrorObjectOwned>(uncle_count(&ctx, at)?)
    })?;
    // No block has an uncle at any index (the parameters are still checked).
    module.register_method("eth_getUncleByBlockHashAndIndex", |params, _, _| {
        block_and_position::<HashParam>(&params).map(|_| serde_json::Value::Null)
    })?;
    module.register_method("eth_getUncleByBlockNumberAndIndex", |params, _, _| {
        block_and_position::<BlockTag>(&params).map(|_| serde_json::Value::Null)
    })?;
    module.register_blocking_method("eth_getBlockReceipts", |params, ctx, _| {
        // A hash or a number/tag (EIP-1898 objects with a blockHash too).
        let block = match params.one::<BlockId>()? {
            BlockId::Tag(tag) => BlockRef::Tag(tag),
            BlockId::Hash { hash, .. } => BlockRef::Hash(hash),
        };
        Ok::<_, ErrorObjectOwned>(block_receipts(&ctx, block)?)
    })?;
    module.register_blocking_method("eth_getTransactionByHash", |params, ctx, _| {
        let hash: HashParam = params.one()?;
        Ok::<_, ErrorObjectOwned>(transaction_by_hash(&ctx, hash.0)?)
    })?;
    module.register_blocking_method(
        "eth_getTransactionByBlockHashAndIndex",
        |params, ctx, _| {
            let (at, position) = block_and_position::<HashParam>(&params)?;
            Ok::<_, ErrorObjectOwned>(transaction_at(&ctx, at, position)?)
        },
    )?;
    module.register_blocking_method(
        "eth_getTransactionByBlockNumberAndIndex",
        |params, ctx, _| {
            let (at, position) = block_and_position::<BlockTag>(&params)?;
            Ok::<_, ErrorObjectOwned>(transaction_at(&ctx, at, position)?)
        },
    )?;
    module.register_blocking_method("eth_getTransactionReceipt", |params, ctx, _| {
        let hash: HashParam = params.one()?;
        Ok::<_, ErrorObjectOwned>(transaction_receipt(&ctx, hash.0)?)
    })?;
    Ok(())
}
