//! Node configuration.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::sync::Arc;

use lux_chain_spec::ChainSpec;
use lux_db::DatabaseConfig;
use lux_executor::WasmExecutor;
use lux_rpc::RpcConfig;
use lux_txpool::PoolConfig;

use crate::{MemoryKeystore, ServiceError};

/// Where the node keeps its data: a directory, or a temporary one removed on exit.
pub enum BasePath {
    /// A permanent directory.
    Permanent(PathBuf),
    /// A temporary directory (dev chains without `--base-path`).
    Temporary(tempfile::TempDir),
}

impl BasePath {
    /// A new temporary base path.
    pub fn temporary() -> Result<Self, ServiceError> {
        tempfile::Builder::new()
            .prefix("luxtensor-")
            .tempdir()
            .map(Self::Temporary)
            .map_err(|e| ServiceError::Io(format!("cannot create a temporary directory: {e}")))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        match self {
            Self::Permanent(p) => p,
            Self::Temporary(t) => t.path(),
        }
    }

    /// The directory of chain `id`: `<base>/chains/<id>`.
    pub fn chain_dir(&self, id: &str) -> PathBuf {
        self.path().join("chains").join(id)
    }
}

/// Where to serve Prometheus metrics.
#[derive(Clone, Debug)]
pub struct PrometheusConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
}

/// Peer-to-peer settings.
#[derive(Clone, Debug)]
pub struct NetworkSettings {
    /// Addresses to listen on.
    pub listen_addresses: Vec<lux_network::Multiaddr>,
    /// Peers to dial at start.
    pub bootnodes: Vec<lux_network::Multiaddr>,
    /// The node key file; default `<base>/chains/<id>/network/secret_ed25519`.
    pub node_key_file: Option<PathBuf>,
    /// Find peers on the local network with mDNS.
    pub mdns: bool,
}

/// Everything a node needs to start.
pub struct NodeConfig {
    /// The chain to run.
    pub chain_spec: ChainSpec,
    /// The runtime executor.
    pub executor: Arc<WasmExecutor>,
    /// Where its data lives.
    pub base_path: BasePath,
    /// The node's name (logs, telemetry).
    pub name: String,
    /// JSON-RPC server, if any.
    pub rpc: Option<RpcConfig>,
    /// Prometheus endpoint, if any.
    pub prometheus: Option<PrometheusConfig>,
    /// Whether to author blocks with the session keys in `keystore`.
    pub validator: bool,
    /// Session keys.
    pub keystore: MemoryKeystore,
    /// Slot duration used by this node instead of the chain's (dev chains).
    pub slot_duration_override: Option<Duration>,
    /// Transaction pool limits.
    pub pool: PoolConfig,
    /// Database settings.
    pub database: DatabaseConfig,
    /// How often to log the status line.
    pub status_interval: Duration,
    /// The peer-to-peer network, if the node joins one.
    pub network: Option<NetworkSettings>,
}
