//! Running the node.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_rpc::{RpcConfig, RpcMethods};
use lux_service::{BasePath, MemoryKeystore, NetworkSettings, NodeConfig, PrometheusConfig};
use lux_txpool::PoolConfig;
use tracing_subscriber::EnvFilter;

use crate::cli::RunCmd;
use crate::commands::{load_spec, CmdResult};

fn init_logging(directives: &[String]) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Kademlia warns about every bootstrap with no peers yet.
    if let Ok(quiet) = "libp2p_kad=error".parse() {
        filter = filter.add_directive(quiet);
    }
    for directive in directives {
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Default base path: `$HOME/.local/share/luxtensor`.
fn default_base_path() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/luxtensor")
}

/// Runs the node until Ctrl-C or SIGTERM.
pub fn run(cmd: RunCmd) -> CmdResult {
    init_logging(&cmd.log);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: RunCmd) -> CmdResult {
    let chain = match (&cmd.chain, cmd.dev) {
        (Some(chain), _) => chain.clone(),
        (None, true) => "dev".to_string(),
        (None, false) => {
            return Err("choose a chain: --dev, or --chain <dev|local|path to a chain spec>".into())
        }
    };
    if let Some(ms) = cmd.dev_block_time {
        if ms < 100 {
            return Err("--dev-block-time must be at least 100 ms".into());
        }
    }
    let base_path = match (&cmd.base_path, cmd.dev) {
        (Some(path), _) => BasePath::Permanent(path.clone()),
        (None, true) => BasePath::temporary()?,
        (None, false) => BasePath::Permanent(default_base_path()),
    };
    // One executor for the whole node; runtimes are compiled by a child process into a cache
    // under the base path.
    let executor = WasmExecutor::new(ExecutorConfig {
        cache_dir: Some(base_path.path().join("wasm-cache")),
        compiler: crate::commands::runtime_compiler(),
        signature_cache_entries: ExecutorConfig::signature_cache_for_pool(
            cmd.pool_limit.saturating_add(cmd.pool_future_limit),
        ),
        ..Default::default()
    })?;
    let chain_spec = load_spec(&chain, &executor)?;
    let is_dev = chain_spec.chain_type == lux_chain_spec::ChainType::Development;
    if cmd.dev_block_time.is_some() && !is_dev {
        return Err("--dev-block-time is only for development chains".into());
    }

    let mut keystore = MemoryKeystore::default();
    let dev_keys = [
        (cmd.alice || cmd.dev, "alice"),
        (cmd.bob, "bob"),
        (cmd.charlie, "charlie"),
        (cmd.dave, "dave"),
        (cmd.eve, "eve"),
        (cmd.ferdie, "ferdie"),
    ];
    let mut default_name = None;
    for (_, name) in dev_keys.iter().filter(|(on, _)| *on) {
        keystore.insert(lux_keys::dev_session_key(name)?);
        let mut capitalized = name.to_string();
        capitalized[..1].make_ascii_uppercase();
        default_name.get_or_insert(capitalized);
    }
    let keystore_dir = base_path.chain_dir(&chain_spec.id).join("keystore");
    let stored = keystore.load_dir(&keystore_dir)?;
    if stored > 0 {
        tracing::info!(target: "luxtensor", "🔑 {stored} session key(s) from {}", keystore_dir.display());
    }
    let validator = cmd.validator || default_name.is_some();

    let rpc_ip: IpAddr = if cmd.rpc_external || cmd.unsafe_rpc_external {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let cors = match cmd.rpc_cors.as_deref() {
        Some("all") => None,
        Some(list) => Some(list.split(',').map(|s| s.trim().to_string()).collect()),
        None if is_dev => None,
        None => Some(
            ["http://localhost", "http://127.0.0.1", "https://localhost", "https://127.0.0.1"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
    };
    let rpc = RpcConfig {
        addr: SocketAddr::new(rpc_ip, cmd.rpc_port),
        max_request_bytes: cmd.rpc_max_request_size.saturating_mul(1024 * 1024),
        max_response_bytes: cmd.rpc_max_response_size.saturating_mul(1024 * 1024),
        max_connections: cmd.rpc_max_connections,
        max_subscriptions_per_connection: cmd.rpc_max_subscriptions_per_connection,
        max_batch_len: cmd.rpc_max_batch_request_len,
        rate_limit: cmd.rpc_rate_limit,
        cors,
        methods: match (cmd.rpc_methods, cmd.unsafe_rpc_external) {
            (crate::cli::RpcMethodsArg::Safe, _) => RpcMethods::Safe,
            (crate::cli::RpcMethodsArg::Unsafe, _) | (_, true) => RpcMethods::Unsafe,
            (crate::cli::RpcMethodsArg::Auto, false) => RpcMethods::Auto,
        },
        ..Default::default()
    };
    let prometheus = (!cmd.no_prometheus).then(|| PrometheusConfig {
        addr: SocketAddr::new(
            if cmd.prometheus_external {
                Ipv4Addr::UNSPECIFIED.into()
            } else {
                Ipv4Addr::LOCALHOST.into()
            },
            cmd.prometheus_port,
        ),
    });
    let wants_network =
        cmd.port.is_some() || !cmd.listen_addr.is_empty() || !cmd.bootnodes.is_empty();
    let network = if is_dev && !wants_network {
        None
    } else {
        let parse = |what: &str, text: &str| {
            text.parse::<lux_network::Multiaddr>()
                .map_err(|e| format!("invalid {what} address {text:?}: {e}"))
        };
        let listen_addresses = if cmd.listen_addr.is_empty() {
            vec![parse("listen", &format!("/ip4/0.0.0.0/tcp/{}", cmd.port.unwrap_or(30333)))?]
        } else {
            cmd.listen_addr.iter().map(|a| parse("listen", a)).collect::<Result<_, _>>()?
        };
        let bootnodes = cmd
            .bootnodes
            .iter()
            .map(|a| {
                let address = parse("bootnode", a)?;
                lux_network::peer_of(&address)
                    .map(|_| address)
                    .ok_or_else(|| format!("bootnode {a:?} lacks its /p2p/<peer id>"))
            })
            .collect::<Result<_, _>>()?;
        Some(NetworkSettings {
            listen_addresses,
            bootnodes,
            node_key_file: cmd.node_key_file.clone(),
            mdns: !cmd.no_mdns,
        })
    };
    let config = NodeConfig {
        network,
        chain_spec,
        executor,
        base_path,
        name: cmd.name.clone().or(default_name).unwrap_or_else(|| "luxtensor-node".into()),
        rpc: Some(rpc),
        prometheus,
        validator,
        keystore,
        slot_duration_override: cmd.dev_block_time.map(Duration::from_millis),
        pool: PoolConfig {
            max_ready: cmd.pool_limit,
            max_ready_bytes: cmd.pool_kbytes.saturating_mul(1024),
            max_future: cmd.pool_future_limit,
            max_future_per_sender: cmd.pool_future_limit.div_ceil(8).max(1),
            validation_threads: cmd
                .pool_validation_threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            ..Default::default()
        },
        database: lux_db::DatabaseConfig {
            cache_bytes: cmd.db_cache.saturating_mul(1024 * 1024),
            node_cache_bytes: cmd.trie_cache_size / 3 * 2,
            value_cache_bytes: cmd.trie_cache_size / 3,
            state_pruning: cmd.state_pruning,
            blocks_pruning: cmd.blocks_pruning,
        },
        status_interval: Duration::from_secs(5),
    };
    let node = lux_service::start(config).await?;
    let failure = tokio::select! {
        _ = wait_for_signal() => None,
        failure = node.failed() => Some(failure),
    };
    tracing::info!(target: "luxtensor", "Shutting down");
    drop(node);
    match failure {
        None => Ok(()),
        // Nothing is lost: every block and finality step written before is whole. The node
        // stops rather than run on without storage; it resumes from there once restarted.
        Some(failure) if failure.contains("corrupt") => Err(format!(
            "{failure}. The node stopped rather than use corrupt data. Restore the database \
             from a backup, or delete it (luxtensor purge-chain) and sync again"
        )
        .into()),
        Some(failure) => Err(format!(
            "{failure}. The node stopped; the database holds everything written before the \
             failure. Free disk space (or fix the disk) and start the node again"
        )
        .into()),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
