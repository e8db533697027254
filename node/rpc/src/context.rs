//! What the RPC methods work with.

use std::sync::Arc;

use lux_chain::Chain;
use lux_txpool::Pool;
use serde_json::{Map, Value};

/// Static facts about the node and its chain.
#[derive(Clone, Debug)]
pub struct SystemInfo {
    /// `system_name`.
    pub impl_name: String,
    /// `system_version`.
    pub impl_version: String,
    /// `system_chain`.
    pub chain_name: String,
    /// `system_chainType` (`Development`, `Local`, `Live`).
    pub chain_type: Value,
    /// `system_properties`.
    pub properties: Map<String, Value>,
    /// Whether the node expects peers (`system_health.shouldHavePeers`).
    pub should_have_peers: bool,
}

/// The network's view, for `system_health` (the network service implements it).
pub trait NetworkStatus: Send + Sync {
    /// Connected peers.
    fn peers(&self) -> usize;
    /// Whether the node is catching up with its peers.
    fn is_syncing(&self) -> bool;
}

/// A node without networking (the single-node dev chain).
pub struct NoNetwork;

impl NetworkStatus for NoNetwork {
    fn peers(&self) -> usize {
        0
    }
    fn is_syncing(&self) -> bool {
        false
    }
}

/// Everything the RPC methods need.
pub struct RpcContext {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The transaction pool.
    pub pool: Arc<Pool>,
    /// Static facts.
    pub system: SystemInfo,
    /// The network.
    pub network: Arc<dyn NetworkStatus>,
    /// Follow subscriptions of `chainHead_v1`.
    pub(crate) chain_head: crate::chain_head::Follows,
    /// Operations of `transaction_v1_broadcast`.
    pub(crate) broadcasts: parking_lot::Mutex<std::collections::HashSet<String>>,
}

impl RpcContext {
    /// The context of an RPC server for `chain` and `pool`.
    pub fn new(
        chain: Arc<Chain>,
        pool: Arc<Pool>,
        system: SystemInfo,
        network: Arc<dyn NetworkStatus>,
    ) -> Self {
        Self {
            chain,
            pool,
            system,
            network,
            chain_head: Default::default(),
            broadcasts: Default::default(),
        }
    }
}
