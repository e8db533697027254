//! Starting and stopping a node.

use std::net::SocketAddr;
use std::sync::Arc;

use lux_chain::Chain;
use lux_chain_spec::ChainType;
use lux_db::Database;
use lux_rpc::{EthIndex, NetworkStatus, NoNetwork, RpcContext, RpcServerHandle, SystemInfo};
use lux_txpool::Pool;
use tokio::task::JoinHandle;

use crate::author::Author;
use crate::config::BasePath;
use crate::status::Counters;
use crate::{finality, metrics, network, pool, status, NodeConfig, ServiceError};

/// A running node. Dropping it stops its tasks.
pub struct Node {
    /// The chain.
    pub chain: Arc<Chain>,
    /// The transaction pool.
    pub pool: Arc<Pool>,
    /// Where the RPC server listens, if it runs.
    pub rpc_addr: Option<SocketAddr>,
    /// Where metrics are served, if they are.
    pub prometheus_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
    failure: tokio::sync::watch::Receiver<Option<String>>,
    _rpc: Option<RpcServerHandle>,
    _base_path: BasePath,
}

impl Node {
    /// Waits until the node fails for good (its database takes no more writes: a full disk,
    /// an I/O error), and says why. The caller should stop the node.
    pub async fn failed(&self) -> String {
        let mut failure = self.failure.clone();
        loop {
            if let Some(description) = failure.borrow_and_update().clone() {
                return description;
            }
            if failure.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts a node. Must run inside a multi-threaded tokio runtime.
pub async fn start(config: NodeConfig) -> Result<Node, ServiceError> {
    let started = metrics::now_seconds();
    let spec = &config.chain_spec;
    let chain_dir = config.base_path.chain_dir(&spec.id);
    let executor = config.executor.clone();
    let genesis = spec.genesis_storage(&executor)?;
    let db_path = chain_dir.join("db");
    std::fs::create_dir_all(&db_path)
        .map_err(|e| ServiceError::Io(format!("cannot create {}: {e}", db_path.display())))?;
    let corrupt = |error: &dyn std::fmt::Display| {
        ServiceError::Io(format!(
            "the database at {} is corrupt ({error}); it is not used. Restore it from a backup, \
             or delete it (luxtensor purge-chain) and sync again",
            db_path.display()
        ))
    };
    let db = Database::open(&db_path, &config.database).map_err(|e| match e {
        e if e.is_corruption() => corrupt(&e),
        e if e.is_locked() => ServiceError::Io(format!(
            "the database at {} is in use by another luxtensor process",
            db_path.display()
        )),
        other => ServiceError::Db(other),
    })?;
    let (failure_tx, failure) = tokio::sync::watch::channel(None);
    db.on_failure(move |description| {
        failure_tx.send_replace(Some(description.to_string()));
    });
    let opened = Chain::open(db.clone(), executor, &genesis);
    let chain = Arc::new(opened.map_err(|e| match db.failure() {
        Some(failure) => corrupt(&failure),
        None => e.into(),
    })?);
    let info = chain.info();
    tracing::info!(target: "luxtensor", "🔨 Chain: {} ({:?}), base path {}", spec.name, spec.id, config.base_path.path().display());
    tracing::info!(target: "luxtensor", "🏷  Node name: {}", config.name);
    tracing::info!(
        target: "luxtensor",
        "📦 Genesis {:?}; best #{} ({:?}), finalized #{}",
        info.genesis_hash,
        info.best_number,
        info.best_hash,
        info.finalized_number
    );

    let pool = Pool::new(Arc::new(pool::RuntimeValidator(chain.clone())), config.pool.clone());
    let counters = Arc::new(Counters::default());
    let mut registry = prometheus_client::registry::Registry::default();
    let node_metrics = metrics::NodeMetrics::register(&mut registry);
    let rpc_metrics = lux_rpc::RpcMetrics::register(&mut registry);
    let mut tasks = vec![
        tokio::spawn(pool::maintain(chain.clone(), pool.clone())),
        tokio::spawn(status::count(chain.clone(), counters.clone())),
    ];
    // The Ethereum index follows every imported block, RPC or not: receipts are read from
    // block states that pruning discards later.
    let eth_index = EthIndex::new(chain.clone());
    tasks.extend(eth_index.start());
    // Shared: keys added over RPC are seen by the author and the finality voter.
    let keystore = Arc::new(config.keystore.clone());
    let slot_duration = crate::consensus::slot_duration(&chain, config.slot_duration_override);

    let mut network_view: Arc<dyn NetworkStatus> = Arc::new(NoNetwork);
    let mut sync_state = None;
    if let Some(settings) = &config.network {
        let key_file = settings
            .node_key_file
            .clone()
            .unwrap_or_else(|| chain_dir.join("network").join("secret_ed25519"));
        let node_key = lux_network::load_or_generate_node_key(&key_file)
            .map_err(|e| ServiceError::Config(e.to_string()))?;
        let (handle, events) = lux_network::start(lux_network::NetworkConfig {
            listen_addresses: settings.listen_addresses.clone(),
            bootnodes: settings.bootnodes.clone(),
            node_key,
            genesis_hash: info.genesis_hash,
            mdns: settings.mdns,
            ban_duration: std::time::Duration::from_secs(60),
            request_timeout: std::time::Duration::from_secs(10),
        })
        .map_err(|e| ServiceError::Config(e.to_string()))?;
        tracing::info!(target: "luxtensor", "🏷  Local node identity is: {}", handle.local_peer_id());
        // The voters that finalize the children of the last finalized block. The set may
        // change with the validators (a lone authority also finalizes as it authors).
        let voters = crate::consensus::voter_set_at(&chain, &info.finalized_hash)?;
        let (finality_tx, finality_rx) = tokio::sync::mpsc::unbounded_channel();
        let bridge = Arc::new(network::Bridge::new(
            chain.clone(),
            pool.clone(),
            handle.clone(),
            slot_duration,
            voters.is_some().then_some(finality_tx),
            node_metrics.clone(),
        ));
        if let Some(set) = voters {
            let (fetch_tx, fetch_rx) = tokio::sync::mpsc::unbounded_channel();
            let parts = finality::FinalityParts {
                chain: chain.clone(),
                pool: pool.clone(),
                network: handle.clone(),
                keystore: keystore.clone(),
                metrics: node_metrics.clone(),
            };
            tasks.push(tokio::spawn(finality::run(
                parts,
                set,
                std::time::Duration::from_millis(slot_duration),
                finality_rx,
                fetch_tx,
            )));
            tasks.push(tokio::spawn(network::fetch_voted_blocks(bridge.clone(), fetch_rx)));
        }
        tasks.push(tokio::spawn(network::run_events(bridge.clone(), events)));
        tasks.push(tokio::spawn(network::announce(bridge.clone())));
        tasks.push(tokio::spawn(network::gossip_transactions(bridge.clone())));
        tasks.push(tokio::spawn(network::sync_loop(bridge.clone())));
        sync_state = Some(bridge.sync.clone());
        network_view =
            Arc::new(network::NetworkView { network: handle, sync: bridge.sync.clone() });
    }
    tasks.push(tokio::spawn(status::log(
        chain.clone(),
        pool.clone(),
        counters.clone(),
        config.status_interval,
        network_view.clone(),
        sync_state,
    )));

    if config.validator {
        let keys = keystore.publics();
        let authorities: Vec<lux_primitives::Sr25519Public> =
            chain.call_decode(&info.best_hash, "LuxConsensusApi_authorities", &[])?;
        if keys.is_empty() {
            tracing::warn!(target: "author", "no session key yet: generate one with the author_rotateKeys RPC (or pass --alice, --bob, ... on dev chains)");
        } else if !keys.iter().any(|k| authorities.contains(k)) {
            tracing::info!(target: "author", "none of this node's session keys is in the current authority set: it authors once one is");
        }
        let author = Arc::new(Author {
            chain: chain.clone(),
            pool: pool.clone(),
            keystore: keystore.clone(),
            slot_duration_override: config.slot_duration_override,
            epoch_seen: Default::default(),
            metrics: node_metrics.clone(),
        });
        tasks.push(tokio::spawn(author.run()));
    }

    let mut prometheus_addr = None;
    if let Some(prometheus) = &config.prometheus {
        let bound = tokio::net::TcpListener::bind(prometheus.addr).await;
        match bound.and_then(|listener| Ok((listener.local_addr()?, listener))) {
            Ok((addr, listener)) => {
                prometheus_addr = Some(addr);
                registry.register_collector(Box::new(metrics::NodeCollector {
                    chain: chain.clone(),
                    pool: pool.clone(),
                    network: network_view.clone(),
                    counters: counters.clone(),
                    database: db_path.clone(),
                    build: metrics::BuildInfo {
                        name: config.name.clone(),
                        chain: spec.id.clone(),
                        validator: config.validator,
                    },
                    started,
                }));
                tracing::info!(target: "luxtensor", "〽️ Prometheus metrics on http://{addr}/metrics");
                tasks.push(tokio::spawn(metrics::serve(listener, Arc::new(registry))));
            }
            Err(e) => {
                return Err(ServiceError::Io(format!(
                    "cannot serve metrics on {}: {e}",
                    prometheus.addr
                )))
            }
        }
    }

    let (rpc, rpc_addr) = match &config.rpc {
        Some(rpc_config) => {
            let system = SystemInfo {
                impl_name: "LuxTensor Node".into(),
                impl_version: env!("CARGO_PKG_VERSION").into(),
                chain_name: spec.name.clone(),
                chain_type: serde_json::to_value(spec.chain_type).unwrap_or_default(),
                properties: spec.properties.clone(),
                should_have_peers: spec.chain_type != ChainType::Development,
            };
            let ctx = RpcContext::new(chain.clone(), pool.clone(), system, network_view.clone())
                .with_keystore(keystore.clone())
                .with_eth_index(eth_index.clone());
            let mut rpc_config = rpc_config.clone();
            rpc_config.metrics = config.prometheus.is_some().then_some(rpc_metrics);
            let handle = lux_rpc::start_server(rpc_config, ctx).await?;
            let addr = handle.local_addr;
            tracing::info!(target: "luxtensor", "Running JSON-RPC server: addr={addr}");
            (Some(handle), Some(addr))
        }
        None => (None, None),
    };

    Ok(Node {
        chain,
        pool,
        rpc_addr,
        prometheus_addr,
        tasks,
        failure,
        _rpc: rpc,
        _base_path: config.base_path,
    })
}
