//! Command-line interface, in the forms Substrate users know.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The LuxTensor node.
#[derive(Debug, Parser)]
#[command(
    name = "luxtensor",
    version,
    about = "LuxTensor: a proof-of-stake Layer 1 with a wasm runtime"
)]
pub struct Cli {
    /// A tool to run instead of the node.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Node options.
    #[command(flatten)]
    pub run: RunCmd,
}

/// Options of the node.
#[derive(Debug, Args)]
pub struct RunCmd {
    /// Run a development chain: validator alice, a temporary database unless --base-path is
    /// given, blocks final one slot after they are authored.
    #[arg(long)]
    pub dev: bool,
    /// The chain: `dev`, `local`, or the path of a chain spec file.
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<String>,
    /// Where to keep the database and compiled runtimes.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub base_path: Option<PathBuf>,
    /// Author blocks with this node's session keys.
    #[arg(long)]
    pub validator: bool,
    /// Shortcut for `--name Alice --validator` with `//Alice`'s session key.
    #[arg(long)]
    pub alice: bool,
    /// Shortcut for `--name Bob --validator` with `//Bob`'s session key.
    #[arg(long)]
    pub bob: bool,
    /// Shortcut for `--name Charlie --validator` with `//Charlie`'s session key.
    #[arg(long)]
    pub charlie: bool,
    /// Shortcut for `--name Dave --validator` with `//Dave`'s session key.
    #[arg(long)]
    pub dave: bool,
    /// Shortcut for `--name Eve --validator` with `//Eve`'s session key.
    #[arg(long)]
    pub eve: bool,
    /// Shortcut for `--name Ferdie --validator` with `//Ferdie`'s session key.
    #[arg(long)]
    pub ferdie: bool,
    /// The node's name in logs.
    #[arg(long)]
    pub name: Option<String>,
    /// Peer-to-peer port (default 30333). Dev chains join a network only when --port,
    /// --listen-addr or --bootnodes is given.
    #[arg(long)]
    pub port: Option<u16>,
    /// Peer-to-peer addresses to listen on (multiaddrs, e.g. /ip4/127.0.0.1/tcp/30333);
    /// overrides --port.
    #[arg(long, value_name = "MULTIADDR")]
    pub listen_addr: Vec<String>,
    /// Nodes to connect to first: /ip4/<ip>/tcp/<port>/p2p/<peer id>, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub bootnodes: Vec<String>,
    /// The node's network key (ed25519 secret, 32 raw bytes or 64 hex digits); created if
    /// missing. Default: <base path>/chains/<chain>/network/secret_ed25519.
    #[arg(long, value_name = "PATH")]
    pub node_key_file: Option<PathBuf>,
    /// Do not look for peers on the local network with mDNS.
    #[arg(long)]
    pub no_mdns: bool,
    /// JSON-RPC port, HTTP and WebSocket.
    #[arg(long, default_value_t = 9944)]
    pub rpc_port: u16,
    /// Listen for RPC on all interfaces, not only localhost.
    #[arg(long)]
    pub rpc_external: bool,
    /// Like --rpc-external, with unsafe methods served too (as `--rpc-methods unsafe`).
    #[arg(long)]
    pub unsafe_rpc_external: bool,
    /// Which RPC methods to serve: `auto` serves the unsafe ones (the session-key methods
    /// author_rotateKeys, author_insertKey, ...) only when listening on localhost alone,
    /// `safe` never, `unsafe` always.
    #[arg(long, value_enum, default_value_t = RpcMethodsArg::Auto)]
    pub rpc_methods: RpcMethodsArg,
    /// Browser origins allowed to call the RPC: `all`, or a comma-separated list.
    /// Default: any origin on dev chains, localhost origins otherwise.
    #[arg(long, value_name = "ORIGINS")]
    pub rpc_cors: Option<String>,
    /// Largest RPC request, in MiB.
    #[arg(long, default_value_t = 15)]
    pub rpc_max_request_size: u32,
    /// Largest RPC response, in MiB.
    #[arg(long, default_value_t = 15)]
    pub rpc_max_response_size: u32,
    /// Most simultaneous RPC connections.
    #[arg(long, default_value_t = 100)]
    pub rpc_max_connections: u32,
    /// Most subscriptions one RPC connection may hold.
    #[arg(long, default_value_t = 1024)]
    pub rpc_max_subscriptions_per_connection: u32,
    /// Most calls in one batch request; a larger batch is refused as a whole.
    #[arg(long, default_value_t = 256)]
    pub rpc_max_batch_request_len: u32,
    /// Most RPC calls per minute per connection (a WebSocket session or an HTTP keep-alive
    /// connection). A call over the limit waits up to a second for its turn, then is refused
    /// with error -32999 "RPC rate limit exceeded". Default: no limit.
    #[arg(long, value_name = "CALLS_PER_MINUTE")]
    pub rpc_rate_limit: Option<std::num::NonZeroU32>,
    /// Prometheus metrics port.
    #[arg(long, default_value_t = 9615)]
    pub prometheus_port: u16,
    /// Serve metrics on all interfaces.
    #[arg(long)]
    pub prometheus_external: bool,
    /// Do not serve metrics.
    #[arg(long)]
    pub no_prometheus: bool,
    /// Dev chains: author a block every this many milliseconds (at least 100) instead of the
    /// chain's slot duration.
    #[arg(long, value_name = "MS")]
    pub dev_block_time: Option<u64>,
    /// Most transactions in the pool's ready queue.
    #[arg(long, default_value_t = 8192)]
    pub pool_limit: usize,
    /// Most kilobytes of ready transactions in the pool.
    #[arg(long, default_value_t = 20480)]
    pub pool_kbytes: usize,
    /// Which states to keep: `archive` (all), `archive-canonical` (every finalized block's),
    /// or a number N (those of the last N finalized blocks, and of blocks not final yet).
    #[arg(long, value_name = "MODE", default_value = "256")]
    pub state_pruning: lux_db::StatePruning,
    /// Which block bodies to keep: `archive`, `archive-canonical` (every finalized block's)
    /// or a number N (those of the last N finalized blocks).
    #[arg(long, value_name = "MODE", default_value = "archive-canonical")]
    pub blocks_pruning: lux_db::BlocksPruning,
    /// Memory for RocksDB's block cache (blocks of the database read from disk), in MiB.
    #[arg(long, value_name = "MiB", default_value_t = 32)]
    pub db_cache: usize,
    /// Memory for the state caches, in bytes: two thirds for trie nodes, a third for the
    /// storage values of the best state. 0 turns them off (every read goes to the database).
    #[arg(long, value_name = "BYTES", default_value_t = 96 * 1024 * 1024)]
    pub trie_cache_size: usize,
    /// Most transactions waiting for an earlier nonce (future queue); one sender may hold an
    /// eighth of them.
    #[arg(long, default_value_t = 8192)]
    pub pool_future_limit: usize,
    /// Threads validating submitted transactions (default: one per CPU core). They run at a
    /// lower priority than block authoring and import.
    #[arg(long, value_name = "N")]
    pub pool_validation_threads: Option<usize>,
    /// Log filter directives (`target=level`), added to RUST_LOG.
    #[arg(long, short = 'l', value_delimiter = ',')]
    pub log: Vec<String>,
}

/// Tools.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a chain spec.
    BuildSpec(BuildSpecCmd),
    /// Delete a chain's database.
    PurgeChain(PurgeChainCmd),
    /// Generate and inspect keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Send transactions.
    #[command(subcommand)]
    Tx(TxCmd),
    /// Query accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Dry-run a runtime upgrade on a copy of a live chain's state: version checks, the
    /// migrations (twice: the second run must change nothing), and the next block with the
    /// pool's transactions. Exits with an error if anything fails.
    TryRuntime(TryRuntimeCmd),
    /// Compile a runtime (wasm on stdin) into a node's cache of compiled runtimes: what a
    /// node runs in a child process (see `lux_executor::CompilerCommand`).
    #[command(hide = true)]
    CompileRuntime(CompileRuntimeCmd),
}

/// `compile-runtime`.
#[derive(Debug, Args)]
pub struct CompileRuntimeCmd {
    /// The cache directory.
    #[arg(long, value_name = "PATH")]
    pub cache_dir: PathBuf,
    /// For the metered engine (an upgrade's probation check).
    #[arg(long)]
    pub metered: bool,
}

/// `try-runtime`.
#[derive(Debug, Args)]
pub struct TryRuntimeCmd {
    /// The candidate runtime (a wasm file).
    #[arg(long, value_name = "PATH")]
    pub code: PathBuf,
    /// The node whose state to copy (`http://` or `ws://`).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:9944")]
    pub rpc_url: String,
    /// Read the state from the database of a stopped node under this base path instead of
    /// over RPC (no pool there: the next block has no transactions).
    #[arg(long, short = 'd', value_name = "PATH", conflicts_with = "rpc_url", requires = "chain")]
    pub base_path: Option<PathBuf>,
    /// With `--base-path`: `dev`, `local` or a chain spec file (which chain's database).
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<String>,
    /// The block whose state to copy (the best block if not given).
    #[arg(long, value_name = "HASH")]
    pub at: Option<String>,
}

/// `build-spec`.
#[derive(Debug, Args)]
pub struct BuildSpecCmd {
    /// `dev`, `local`, or a chain spec file.
    #[arg(long, default_value = "local")]
    pub chain: String,
    /// Print the genesis as raw storage (what a node needs; same genesis hash for everyone).
    #[arg(long)]
    pub raw: bool,
}

/// `purge-chain`.
#[derive(Debug, Args)]
pub struct PurgeChainCmd {
    /// `dev`, `local`, or a chain spec file (default: every chain under the base path).
    #[arg(long)]
    pub chain: Option<String>,
    /// The node's base path.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub base_path: PathBuf,
    /// Do not ask for confirmation.
    #[arg(short = 'y')]
    pub yes: bool,
}

/// Key schemes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SchemeArg {
    /// secp256k1 accounts (addresses like Ethereum's).
    Ethereum,
    /// sr25519 validator session keys.
    Sr25519,
}

/// `key`.
#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Generate a new BIP39 phrase and show its key.
    Generate {
        /// Key scheme.
        #[arg(long, value_enum, default_value = "ethereum")]
        scheme: SchemeArg,
        /// Number of words: 12 or 24.
        #[arg(long, default_value_t = 12)]
        words: usize,
    },
    /// Show the keys of a secret URI: a phrase (with an optional derivation path, e.g.
    /// `<phrase>/m/44'/60'/0'/0/0` or `<phrase>//Alice`), a 0x-hex secret, or `//Alice`.
    Inspect {
        /// The secret URI.
        uri: String,
        /// Key scheme.
        #[arg(long, value_enum, default_value = "ethereum")]
        scheme: SchemeArg,
    },
    /// Store a validator session key (sr25519) in the node's keystore, under
    /// <base path>/chains/<chain>/keystore.
    Insert {
        /// The node's base path.
        #[arg(long, short = 'd', value_name = "PATH")]
        base_path: PathBuf,
        /// `dev`, `local`, or a chain spec file.
        #[arg(long, default_value = "local")]
        chain: String,
        /// The key's secret URI (a phrase, `//Alice`, or a 0x-hex seed).
        #[arg(long)]
        suri: String,
        /// Key scheme: session keys are sr25519.
        #[arg(long, value_enum, default_value = "sr25519")]
        scheme: SchemeArg,
    },
}

/// `tx`.
#[derive(Debug, Subcommand)]
pub enum TxCmd {
    /// Transfer LUX, wait for inclusion, print the extrinsic and block hashes.
    Transfer {
        /// The node's RPC URL (ws:// or http://).
        #[arg(long, default_value = "ws://127.0.0.1:9944")]
        rpc_url: String,
        /// Sender: a dev name (alice, bob, ...), a secret URI or a 0x-hex private key.
        #[arg(long)]
        from: String,
        /// Recipient address (0x + 40 hex digits).
        #[arg(long)]
        to: String,
        /// Amount in LUX (decimals allowed, e.g. 1.5).
        #[arg(long)]
        amount: String,
        /// Fail rather than leave the sender below the existential deposit.
        #[arg(long)]
        keep_alive: bool,
        /// Seconds to wait for inclusion.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
}

/// `account`.
#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Show an account's balance.
    Balance {
        /// The account (0x + 40 hex digits).
        address: String,
        /// The node's RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:9944")]
        rpc_url: String,
    },
    /// Show an account's next nonce (counting its pending transactions).
    Nonce {
        /// The account (0x + 40 hex digits).
        address: String,
        /// The node's RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:9944")]
        rpc_url: String,
    },
}

/// `--rpc-methods`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RpcMethodsArg {
    /// Unsafe methods only on localhost.
    Auto,
    /// Safe methods only.
    Safe,
    /// Every method.
    Unsafe,
}
