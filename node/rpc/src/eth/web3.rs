//! `net_*`, `web3_*` and the node facts of `eth_*`: the chain id (from the runtime, cached per
//! best block), the client version, peers, sync state and accounts (the node holds none).

use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_primitives::ethereum::api;
use lux_primitives::hashing::keccak_256;
use lux_primitives::H256;
use parking_lot::Mutex;
use serde_json::{json, Value};

use super::error::EthResult;
use super::types::{Data, Quantity};
use crate::RpcContext;

/// The chain id of the last best block it was read at.
#[derive(Default)]
pub(crate) struct ChainIdCache(Mutex<Option<(H256, u64)>>);

/// The chain id (EIP-155) the runtime of the best block gives.
pub(crate) fn chain_id(ctx: &RpcContext) -> EthResult<u64> {
    let best = ctx.chain.info().best_hash;
    if let Some((at, id)) = *ctx.eth.chain_id.0.lock() {
        if at == best {
            return Ok(id);
        }
    }
    let id: u64 = ctx.chain.call_decode(&best, api::CHAIN_ID, &[])?;
    *ctx.eth.chain_id.0.lock() = Some((best, id));
    Ok(id)
}

/// `web3_clientVersion`: geth's `name/version/os-arch` shape.
fn client_version(ctx: &RpcContext) -> String {
    format!(
        "luxtensor/v{}/{}-{}",
        ctx.system.impl_version,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method("eth_chainId", |_, ctx, _| {
        Ok::<_, ErrorObjectOwned>(Quantity::from(chain_id(&ctx)?))
    })?;
    module.register_blocking_method("net_version", |_, ctx, _| {
        Ok::<_, ErrorObjectOwned>(chain_id(&ctx)?.to_string())
    })?;
    // Whether the node accepts peers' connections: it has a listening address.
    module
        .register_method("net_listening", |_, ctx, _| !ctx.network.listen_addresses().is_empty())?;
    module.register_method("net_peerCount", |_, ctx, _| {
        Ok::<_, ErrorObjectOwned>(Quantity::from(ctx.network.peers() as u64))
    })?;
    module.register_method("web3_clientVersion", |_, ctx, _| client_version(ctx))?;
    module.register_method("web3_sha3", |params, _, _| {
        let data: Data = params.one()?;
        Ok::<_, ErrorObjectOwned>(H256(keccak_256(&data.0)))
    })?;
    module.register_method("eth_accounts", |_, _, _| Vec::<String>::new())?;
    module.register_method("eth_syncing", |_, ctx, _| {
        if !ctx.network.is_syncing() {
            return Value::Bool(false);
        }
        let (start, best, highest) = ctx.sync_state();
        json!({
            "startingBlock": Quantity::from(start),
            "currentBlock": Quantity::from(best),
            "highestBlock": Quantity::from(highest),
        })
    })?;
    Ok(())
}
