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

/// A connected peer, as `system_peers` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSummary {
    /// Its libp2p peer id.
    pub peer_id: String,
    /// `FULL` or `AUTHORITY`, as far as we know.
    pub roles: String,
    /// Its best block, as far as we know.
    pub best_hash: lux_primitives::H256,
    /// Its number.
    pub best_number: u32,
}

/// Where block sync stands (`system_syncState`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Our best block when the node started.
    pub starting_block: u32,
    /// The highest block a peer reported (our own best if none is higher).
    pub highest_block: u32,
}

/// The network's view, for `system_health`, `system_peers` and friends (the network service
/// implements it).
pub trait NetworkStatus: Send + Sync {
    /// Connected peers.
    fn peers(&self) -> usize;
    /// Whether the node is catching up with its peers.
    fn is_syncing(&self) -> bool;
    /// Connected peers, in detail.
    fn peer_list(&self) -> Vec<PeerSummary> {
        Vec::new()
    }
    /// Our peer id (empty without networking).
    fn local_peer_id(&self) -> String {
        String::new()
    }
    /// The addresses we listen on, each ending in `/p2p/<peer id>`.
    fn listen_addresses(&self) -> Vec<String> {
        Vec::new()
    }
    /// Sync progress; `None` reports our best block for everything.
    fn sync_progress(&self) -> Option<SyncProgress> {
        None
    }
    /// Adds a reserved peer (`/…/p2p/<peer id>`), dialled now and whenever disconnected.
    fn add_reserved_peer(&self, address: &str) -> Result<(), String> {
        let _ = address;
        Err("this node has no networking".into())
    }
    /// Removes a reserved peer (by peer id) and disconnects from it.
    fn remove_reserved_peer(&self, peer_id: &str) -> Result<(), String> {
        let _ = peer_id;
        Err("this node has no networking".into())
    }
    /// The reserved peers' ids.
    fn reserved_peers(&self) -> Vec<String> {
        Vec::new()
    }
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

/// The node's session keys, as the `author_*` key methods see them (the service's keystore
/// implements it). Public keys and signatures are sr25519.
pub trait SessionKeystore: Send + Sync {
    /// Generates and stores a new key; returns its public key.
    fn generate(&self) -> Result<[u8; 32], String>;
    /// Stores the key of a secret URI; returns its public key.
    fn insert(&self, suri: &str) -> Result<[u8; 32], String>;
    /// Whether the secret of `public` is held.
    fn has(&self, public: &[u8; 32]) -> bool;
    /// Signs `message` with `public`'s secret, if held.
    fn sign(&self, public: &[u8; 32], message: &[u8]) -> Option<[u8; 64]>;
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
    /// The session keys (`None`: the key methods answer that there is no keystore).
    pub keystore: Option<Arc<dyn SessionKeystore>>,
    /// Whether unsafe methods (the key methods) are refused: set by the server from its
    /// [`RpcMethods`](crate::RpcMethods) and address.
    pub(crate) deny_unsafe: bool,
    /// The Ethereum index, filters and cached facts of the Ethereum methods.
    pub(crate) eth: crate::eth::EthState,
}

impl RpcContext {
    /// The context of an RPC server for `chain` and `pool`.
    pub fn new(
        chain: Arc<Chain>,
        pool: Arc<Pool>,
        system: SystemInfo,
        network: Arc<dyn NetworkStatus>,
    ) -> Self {
        let eth = crate::eth::EthState::new(crate::EthIndex::new(chain.clone()));
        Self {
            chain,
            pool,
            system,
            network,
            chain_head: Default::default(),
            broadcasts: Default::default(),
            keystore: None,
            deny_unsafe: true,
            eth,
        }
    }

    /// Serves the Ethereum methods from `index` (the node's, which it keeps up to date even
    /// without RPC). Without it, the server starts an index of its own.
    pub fn with_eth_index(mut self, index: Arc<crate::EthIndex>) -> Self {
        self.eth = crate::eth::EthState::new(index);
        self
    }

    /// Where sync stands now: the starting block, our best block and the highest block known
    /// (never below our best), for `system_syncState` and `eth_syncing`.
    pub(crate) fn sync_state(&self) -> (u32, u32, u32) {
        let best = self.chain.info().best_number;
        let progress = self
            .network
            .sync_progress()
            .unwrap_or(SyncProgress { starting_block: best, highest_block: best });
        (progress.starting_block, best, progress.highest_block.max(best))
    }

    /// Serves the key methods from `keystore`.
    pub fn with_keystore(mut self, keystore: Arc<dyn SessionKeystore>) -> Self {
        self.keystore = Some(keystore);
        self
    }
}
