//! `system_*` and `rpc_methods`.

use codec::{Decode, Encode};
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::RpcModule;
use lux_primitives::AccountId20;
use serde_json::{json, Value};

use crate::error::{client_error, invalid_params, unsafe_denied};
use crate::RpcContext;

pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_method("system_name", |_, ctx, _| ctx.system.impl_name.clone())?;
    module.register_method("system_version", |_, ctx, _| ctx.system.impl_version.clone())?;
    module.register_method("system_chain", |_, ctx, _| ctx.system.chain_name.clone())?;
    module.register_method("system_chainType", |_, ctx, _| ctx.system.chain_type.clone())?;
    module.register_method("system_properties", |_, ctx, _| {
        Value::Object(ctx.system.properties.clone())
    })?;
    module.register_method("system_health", |_, ctx, _| {
        json!({
            "peers": ctx.network.peers(),
            "isSyncing": ctx.network.is_syncing(),
            "shouldHavePeers": ctx.system.should_have_peers,
        })
    })?;
    // Unsafe as in Substrate: it tells a stranger whom the node talks to.
    module.register_method("system_peers", |_, ctx, _| {
        if ctx.deny_unsafe {
            return Err(unsafe_denied());
        }
        let peers: Vec<Value> = ctx
            .network
            .peer_list()
            .into_iter()
            .map(|p| {
                json!({
                    "peerId": p.peer_id,
                    "roles": p.roles,
                    "bestHash": p.best_hash,
                    "bestNumber": p.best_number,
                })
            })
            .collect();
        Ok(Value::Array(peers))
    })?;
    module.register_method("system_localPeerId", |_, ctx, _| ctx.network.local_peer_id())?;
    module.register_method("system_localListenAddresses", |_, ctx, _| {
        ctx.network.listen_addresses()
    })?;
    // Peer management: unsafe, as in Substrate (it changes whom the node talks to).
    module.register_method("system_addReservedPeer", |params, ctx, _| {
        if ctx.deny_unsafe {
            return Err(unsafe_denied());
        }
        let address: String = params.one()?;
        ctx.network.add_reserved_peer(&address).map_err(invalid_params)?;
        Ok(Value::Null)
    })?;
    module.register_method("system_removeReservedPeer", |params, ctx, _| {
        if ctx.deny_unsafe {
            return Err(unsafe_denied());
        }
        let peer_id: String = params.one()?;
        ctx.network.remove_reserved_peer(&peer_id).map_err(invalid_params)?;
        Ok(Value::Null)
    })?;
    module.register_method("system_reservedPeers", |_, ctx, _| {
        if ctx.deny_unsafe {
            return Err(unsafe_denied());
        }
        Ok(ctx.network.reserved_peers())
    })?;
    module.register_method("system_syncState", |_, ctx, _| {
        let (start, best, highest) = ctx.sync_state();
        json!({ "startingBlock": start, "currentBlock": best, "highestBlock": highest })
    })?;
    module.register_blocking_method("system_accountNextIndex", |params, ctx, _| {
        let account: String = params.one()?;
        let account: AccountId20 = account.parse().map_err(invalid_params)?;
        next_index(&ctx, account)
    })?;
    module.register_alias("account_nextIndex", "system_accountNextIndex")?;
    Ok(())
}

/// The account's next nonce: the chain's, plus the transactions of the account already in the
/// pool with consecutive nonces.
fn next_index(ctx: &RpcContext, account: AccountId20) -> Result<u32, ErrorObjectOwned> {
    let best = ctx.chain.info().best_hash;
    let output = ctx
        .chain
        .call(&best, "AccountNonceApi_account_nonce", &account.encode())
        .map_err(client_error)?;
    let mut nonce = u32::decode(&mut &output[..]).map_err(client_error)?;
    while ctx.pool.is_provided(&(account, nonce).encode()) {
        nonce += 1;
    }
    Ok(nonce)
}

/// `rpc_methods`: every method name, sorted.
pub(crate) fn register_rpc_methods(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    let mut names: Vec<String> = module.method_names().map(str::to_string).collect();
    names.push("rpc_methods".into());
    names.sort();
    module
        .register_method("rpc_methods", move |_, _, _| json!({ "version": 1, "methods": names }))?;
    Ok(())
}
