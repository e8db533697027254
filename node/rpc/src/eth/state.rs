//! Account state and calls at a block: `eth_getBalance`, `eth_getCode`, `eth_getStorageAt`,
//! `eth_getTransactionCount` (`pending` counts the sender's transactions waiting in the pool),
//! `eth_call`, `eth_estimateGas` and `eth_createAccessList`. The block parameter may be a number, a tag, or an
//! EIP-1898 `{blockHash, requireCanonical}` object; omitted, it is `latest`. A block whose
//! state was pruned answers geth's -32000 with the reason.

use codec::Encode;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use lux_primitives::ethereum::{
    api, EthAccessListResult, EthAccount, EthCallRequest, EthCallStatus, MAX_TX_GAS,
};
use lux_primitives::version::api_ids;
use lux_primitives::H256;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::call::{call_output, estimate_gas, execute, reverted, CallParams, TX_BASE_GAS};
use super::error::{EthError, EthResult};
use super::pool::pending_nonce;
use super::types::{parse_hash, Address, BlockId, BlockTag, Data, Quantity};
use crate::RpcContext;

/// The first parameter and the block (`latest` when omitted).
fn with_block<T: DeserializeOwned>(params: &Params<'_>) -> Result<(T, BlockId), ErrorObjectOwned> {
    let mut seq = params.sequence();
    let first: T = seq.next()?;
    let block: Option<BlockId> = seq.optional_next()?;
    Ok((first, block.unwrap_or_default()))
}

fn account(ctx: &RpcContext, at: &H256, address: Address) -> EthResult<EthAccount> {
    Ok(ctx.chain.call_decode(at, api::ACCOUNT, &address.0.encode())?)
}

fn transaction_count(ctx: &RpcContext, address: Address, block: BlockId) -> EthResult<Quantity> {
    let at = ctx.eth.index.resolve_state_block(block)?;
    let nonce = account(ctx, &at, address)?.nonce;
    if block == BlockId::Tag(BlockTag::Pending) {
        return Ok(pending_nonce(&ctx.pool, address.0, nonce).into());
    }
    Ok(nonce.into())
}

fn storage_at(
    ctx: &RpcContext,
    address: Address,
    slot: Quantity,
    block: BlockId,
) -> EthResult<H256> {
    let at = ctx.eth.index.resolve_state_block(block)?;
    let key = H256(slot.0.to_big_endian());
    Ok(ctx.chain.call_decode(&at, api::STORAGE_AT, &(address.0, key).encode())?)
}

fn call(ctx: &RpcContext, params: CallParams, block: BlockId) -> EthResult<Data> {
    let at = ctx.eth.index.resolve_state_block(block)?;
    let request = params.into_request()?;
    call_output(execute(&ctx.eth.index, &at, &request, false)?).map(Data)
}

fn estimate(ctx: &RpcContext, params: CallParams, block: BlockId) -> EthResult<Quantity> {
    let at = ctx.eth.index.resolve_state_block(block)?;
    let mut request = params.into_request()?;
    let index = &ctx.eth.index;
    let no_code = match request.to {
        Some(to) => ctx.chain.call_decode::<Vec<u8>>(&at, api::CODE, &to.encode())?.is_empty(),
        None => false,
    };
    // A plain transfer to an account without code usually costs exactly the base gas: geth's
    // shortcut runs it with that much and answers it if that succeeds (an access list, or a
    // sender that cannot pay, make it fail and go to the search).
    if no_code && request.data.is_empty() {
        let base = EthCallRequest { gas: Some(TX_BASE_GAS), ..request.clone() };
        if let Ok(result) = execute(index, &at, &base, true)? {
            if result.status == EthCallStatus::Success {
                return Ok(TX_BASE_GAS.into());
            }
        }
    }
    // No transaction may use more than the block's gas limit or EIP-7825's cap.
    let block_gas_limit: u64 = ctx.chain.call_decode(&at, api::BLOCK_GAS_LIMIT, &[])?;
    let limit = block_gas_limit.min(MAX_TX_GAS);
    let cap = match request.gas {
        Some(gas) if gas >= TX_BASE_GAS => gas.min(limit),
        _ => limit,
    };
    estimate_gas(cap, no_code, |gas| {
        request.gas = Some(gas);
        execute(index, &at, &request, true)
    })
    .map(Quantity::from)
}

/// `eth_createAccessList`'s answer, as geth gives it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessListAnswer {
    access_list: Vec<AccessListEntry>,
    gas_used: Quantity,
    /// Why the execution with the list failed, if it did (it still has a list).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessListEntry {
    address: Address,
    storage_keys: Vec<H256>,
}

/// The version of the `EthereumApi` runtime API that has `EthereumApi_access_list`.
const ACCESS_LIST_API_VERSION: u32 = 2;

fn access_list(
    ctx: &RpcContext,
    params: CallParams,
    block: BlockId,
) -> EthResult<AccessListAnswer> {
    let at = ctx.eth.index.resolve_state_block(block)?;
    let request = params.into_request()?;
    let version = ctx.chain.runtime_version(&at)?.api_version(&api_ids::ETHEREUM).unwrap_or(0);
    if version < ACCESS_LIST_API_VERSION {
        return Err(EthError::server(format!(
            "the runtime of this block cannot create access lists (it has version {version} of \
             the EthereumApi; {ACCESS_LIST_API_VERSION} is needed)"
        )));
    }
    let answer: Result<EthAccessListResult, String> =
        ctx.chain.call_decode(&at, api::ACCESS_LIST, &request.encode())?;
    let EthAccessListResult { access_list, result } = answer.map_err(EthError::Server)?;
    let error = match result.status {
        EthCallStatus::Success => None,
        EthCallStatus::Revert => Some(reverted(result.output).to_string()),
        EthCallStatus::Halt(reason) => Some(reason),
    };
    Ok(AccessListAnswer {
        access_list: access_list
            .into_iter()
            .map(|(address, storage_keys)| AccessListEntry {
                address: Address(address),
                storage_keys,
            })
            .collect(),
        gas_used: result.gas_used.into(),
        error,
    })
}

/// A storage slot: a quantity, or 32 bytes of hex with their leading zeros.
fn slot(value: Value) -> EthResult<Quantity> {
    match value {
        Value::String(s) if s.len() == 66 => {
            let hash = parse_hash(&s).map_err(EthError::params)?;
            Ok(Quantity(lux_primitives::U256::from_big_endian(hash.as_bytes())))
        }
        other => serde_json::from_value(other).map_err(EthError::params),
    }
}

/// Refuses state overrides (a third `eth_call` parameter), which this node does not apply.
fn no_overrides(params: &Params<'_>) -> Result<(), ErrorObjectOwned> {
    let mut seq = params.sequence();
    let _: Value = seq.next()?;
    let _: Option<Value> = seq.optional_next()?;
    match seq.optional_next::<Value>()? {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err(EthError::params("state and block overrides are not supported").into()),
    }
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_getBalance", |params, ctx, _| {
        let (address, block) = with_block::<Address>(&params)?;
        let at = ctx.eth.index.resolve_state_block(block)?;
        Ok::<_, ErrorObjectOwned>(Quantity::from(account(&ctx, &at, address)?.balance))
    })?;
    module.register_blocking_method("eth_getCode", |params, ctx, _| {
        let (address, block) = with_block::<Address>(&params)?;
        let at = ctx.eth.index.resolve_state_block(block)?;
        let code: Vec<u8> =
            ctx.chain.call_decode(&at, api::CODE, &address.0.encode()).map_err(EthError::from)?;
        Ok::<_, ErrorObjectOwned>(Data(code))
    })?;
    module.register_blocking_method("eth_getStorageAt", |params, ctx, _| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let slot = slot(seq.next()?)?;
        let block: Option<BlockId> = seq.optional_next()?;
        Ok::<_, ErrorObjectOwned>(storage_at(&ctx, address, slot, block.unwrap_or_default())?)
    })?;
    module.register_blocking_method("eth_getTransactionCount", |params, ctx, _| {
        let (address, block) = with_block::<Address>(&params)?;
        Ok::<_, ErrorObjectOwned>(transaction_count(&ctx, address, block)?)
    })?;
    module.register_blocking_method("eth_call", |params, ctx, _| {
        no_overrides(&params)?;
        let (call_params, block) = with_block::<CallParams>(&params)?;
        Ok::<_, ErrorObjectOwned>(call(&ctx, call_params, block)?)
    })?;
    module.register_blocking_method("eth_estimateGas", |params, ctx, _| {
        no_overrides(&params)?;
        let (call_params, block) = with_block::<CallParams>(&params)?;
        Ok::<_, ErrorObjectOwned>(estimate(&ctx, call_params, block)?)
    })?;
    module.register_blocking_method("eth_createAccessList", |params, ctx, _| {
        let (call_params, block) = with_block::<CallParams>(&params)?;
        Ok::<_, ErrorObjectOwned>(access_list(&ctx, call_params, block)?)
    })?;
    Ok(())
}
