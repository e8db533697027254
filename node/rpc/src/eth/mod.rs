//! The Ethereum JSON-RPC (`eth_*`, `net_*`, `web3_*`), served on the same server as the
//! Substrate methods, with geth's JSON shapes, error codes and messages.
//!
//! An Ethereum block *is* the chain's block: the same hash, number and parent; its Ethereum
//! facts (author, gas, base fee, bloom, timestamp) and receipts come from the runtime's
//! `EthereumApi` (`lux_primitives::ethereum`), and its transactions are the EIP-2718 bytes of
//! its `Ethereum.transact` extrinsics. The node indexes all of it as blocks are imported
//! ([`EthIndex`]), so receipts outlive state pruning; state queries and calls run the runtime
//! on the state of the block asked for.
//!
//! - `index`: the indexer and reads of the Ethereum view of blocks; `tries`: its roots;
//! - `types`: quantities, addresses, block tags; `json`: the result objects; `error`: codes;
//! - `transaction`: transactions decoded with alloy;
//! - `blocks`, `state`, `call`, `pool`, `fees`, `logs`, `filters`, `subscribe`, `web3`: the
//!   methods, by subject.

mod blocks;
mod call;
mod error;
mod fees;
mod filters;
mod index;
mod json;
mod logs;
mod pool;
mod state;
mod subscribe;
mod transaction;
mod tries;
mod types;
mod web3;

use std::sync::Arc;

use jsonrpsee::RpcModule;

pub use index::{EthIndex, IndexedBlock};

use crate::RpcContext;

/// What the Ethereum methods keep between calls.
pub(crate) struct EthState {
    /// The Ethereum index.
    pub index: Arc<EthIndex>,
    /// Installed filters.
    pub filters: filters::Filters,
    /// The chain id at the last best block it was read at.
    pub chain_id: web3::ChainIdCache,
    /// The last suggested tip.
    pub tip_oracle: fees::TipOracle,
}

impl EthState {
    pub fn new(index: Arc<EthIndex>) -> Self {
        Self {
            index,
            filters: Default::default(),
            chain_id: Default::default(),
            tip_oracle: Default::default(),
        }
    }
}

/// Whether `method` is in one of Ethereum's namespaces: a call to one the node does not serve
/// is answered with geth's message (see the server).
pub(crate) fn is_ethereum_method(method: &str) -> bool {
    const NAMESPACES: [&str; 9] =
        ["eth_", "net_", "web3_", "debug_", "txpool_", "personal_", "admin_", "miner_", "trace_"];
    NAMESPACES.iter().any(|ns| method.starts_with(ns))
}

/// Registers every Ethereum method.
pub(crate) fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    web3::register(module)?;
    blocks::register(module)?;
    state::register(module)?;
    pool::register(module)?;
    fees::register(module)?;
    logs::register(module)?;
    filters::register(module)?;
    subscribe::register(module)?;
    Ok(())
}
