//! Harness for end-to-end tests: starts real `luxtensor` processes on loopback, each on ports
//! the system picks (`--rpc-port 0`, `/tcp/0`: the node logs the addresses it bound, so no two
//! processes can race for one port), waits for conditions with deadlines (never fixed sleeps),
//! and kills the processes when the test ends, whatever happens.
//!
//! The binary is the one built next to the test executable (`target/<profile>/luxtensor`,
//! built by `cargo build -p luxtensor`), or `$LUXTENSOR_BIN`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use lux_rpc_client::LuxClient;
use serde_json::Value;

/// The `luxtensor` binary under test.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("LUXTENSOR_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/luxtensor
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = profile_dir.join("luxtensor");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p luxtensor` first (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// What the node logs once its RPC server listens, before the address.
const RPC_LISTENING: &str = "Running JSON-RPC server: addr=";

/// What the node logs once it serves metrics, before the address.
const PROMETHEUS_LISTENING: &str = "Prometheus metrics on http://";

/// Sends one HTTP/1.0 request (so the answer is neither chunked nor kept alive) to `addr`
/// (`host:port`) and returns the status code and body. `head` is the request line and headers
/// without the final blank line; a `Content-Length` is added for `body`.
pub fn http_request(addr: &str, head: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let head = format!("{head}\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes())?;
    // A server may answer (413) and close before reading all of an oversized body.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (status_line, rest) = text.split_once("\r\n").unwrap_or((&text, ""));
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = rest.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// Whether the tests run as root (needed to mount a tmpfs or make network namespaces; CI
/// runs as root).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs `luxtensor` with `args` to completion.
pub fn run_cli(args: &[&str]) -> Output {
    Command::new(binary()).args(args).output().expect("luxtensor runs")
}

/// Polls `condition` until it returns `Some`, or panics after `timeout` with `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = condition().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running node. Killed (SIGKILL) when dropped.
pub struct TestNode {
    child: Option<Child>,
    /// RPC port.
    pub rpc_port: u16,
    /// The address RPC is reached at (loopback, or the node's management address in its
    /// namespace).
    pub rpc_host: String,
    /// The address it talks to peers on.
    pub p2p_host: String,
    /// Base path (kept across restarts).
    pub base_path: PathBuf,
    log_path: PathBuf,
}

/// How to start a node.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    /// Extra arguments.
    pub args: Vec<String>,
    /// Block time in ms (`--dev-block-time`).
    pub block_time_ms: u64,
}

impl Default for NodeOptions {
    fn default() -> Self {
        Self { args: Vec::new(), block_time_ms: 250 }
    }
}

impl TestNode {
    /// Starts `luxtensor --dev` on `base_path` with free ports.
    pub async fn dev(base_path: &Path, options: NodeOptions) -> Self {
        let mut args =
            vec!["--dev".to_string(), "--dev-block-time".into(), options.block_time_ms.to_string()];
        args.extend(options.args);
        Self::start(base_path, &args).await
    }

    /// Starts `luxtensor <args>` on `base_path` with an RPC port the system picks (the caller
    /// gives the chain, keys and network flags).
    pub async fn start(base_path: &Path, args: &[String]) -> Self {
        static STARTS: AtomicU32 = AtomicU32::new(0);
        let log_path =
            base_path.join(format!("node-{}.log", STARTS.fetch_add(1, Ordering::Relaxed)));
        Self::start_logging_to(base_path, args, log_path).await
    }

    /// [`TestNode::start`] with the node's log at `log_path` (outside the base path when the
    /// test fills that disk).
    pub async fn start_logging_to(base_path: &Path, args: &[String], log_path: PathBuf) -> Self {
        Self::spawn(Command::new(binary()), "127.0.0.1", base_path, args, log_path).await
    }

    /// Starts `luxtensor <args>` on host `host` of `scripts/netns-testnet.sh` (namespace
    /// `lux-<host>`: peers at 10.77.0.<host>, which `args` should listen on, and RPC at
    /// 10.78.0.<host>).
    pub async fn start_in_netns(host: u32, base_path: &Path, args: &[String]) -> Self {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &format!("lux-{host}")]).arg(binary());
        let mut args = args.to_vec();
        args.extend(["--rpc-external".into(), "--rpc-methods".into(), "unsafe".into()]);
        let log_path = base_path.join("node.log");
        let mut node =
            Self::spawn(command, &format!("10.78.0.{host}"), base_path, &args, log_path).await;
        node.p2p_host = format!("10.77.0.{host}");
        node
    }

    async fn spawn(
        mut command: Command,
        rpc_host: &str,
        base_path: &Path,
        args: &[String],
        log_path: PathBuf,
    ) -> Self {
        std::fs::create_dir_all(base_path).expect("base path");
        let log = std::fs::File::create(&log_path).expect("log file");
        command.arg("--base-path").arg(base_path).args(["--rpc-port", "0", "--no-mdns"]);
        // Metrics only when the test asks for them (`--prometheus-port 0`).
        if !args.iter().any(|a| a == "--prometheus-port") {
            command.arg("--no-prometheus");
        }
        command.args(args).env("RUST_LOG", "info").stdout(Stdio::null()).stderr(log);
        let child = command.spawn().expect("luxtensor starts");
        let mut node = Self {
            child: Some(child),
            rpc_port: 0,
            rpc_host: rpc_host.to_string(),
            p2p_host: "127.0.0.1".into(),
            base_path: base_path.to_path_buf(),
            log_path,
        };
        node.wait_ready().await;
        node
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Pauses (SIGSTOP) or resumes (SIGCONT) the process.
    pub fn pause(&self, paused: bool) {
        if let Some(child) = &self.child {
            let signal = if paused { "-STOP" } else { "-CONT" };
            let _ = Command::new("kill").arg(signal).arg(child.id().to_string()).status();
        }
    }

    /// The node's peer-to-peer address, with its peer id.
    pub async fn p2p_address(&self) -> String {
        let client = self.client().await;
        wait_for("a listen address", Duration::from_secs(30), || async {
            let addresses: Vec<String> = client
                .request("system_localListenAddresses", jsonrpsee::rpc_params![])
                .await
                .ok()?;
            let prefix = format!("/ip4/{}/", self.p2p_host);
            addresses.into_iter().find(|a| a.starts_with(&prefix))
        })
        .await
    }

    /// The last finalized block's number and hash.
    pub async fn finalized(&self) -> (u32, lux_primitives::H256) {
        let client = self.client().await;
        let hash: lux_primitives::H256 =
            client.request("chain_getFinalizedHead", jsonrpsee::rpc_params![]).await.expect("head");
        let header = client.header(Some(hash)).await.expect("header").expect("known");
        (header.number, hash)
    }

    /// The canonical hash at `number`.
    pub async fn block_hash(&self, number: u32) -> Option<lux_primitives::H256> {
        let client = self.client().await;
        client.request("chain_getBlockHash", jsonrpsee::rpc_params![number]).await.ok().flatten()
    }

    /// The number of connected peers.
    pub async fn peers(&self) -> Vec<Value> {
        let client = self.client().await;
        client.request("system_peers", jsonrpsee::rpc_params![]).await.unwrap_or_default()
    }

    /// The HTTP RPC URL.
    pub fn http_url(&self) -> String {
        format!("http://{}:{}", self.rpc_host, self.rpc_port)
    }

    /// The WebSocket RPC URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}:{}", self.rpc_host, self.rpc_port)
    }

    /// A client over HTTP.
    pub async fn client(&self) -> LuxClient {
        LuxClient::connect(&self.http_url()).await.expect("client")
    }

    /// A client over WebSocket.
    pub async fn ws_client(&self) -> LuxClient {
        LuxClient::connect(&self.ws_url()).await.expect("ws client")
    }

    /// The node's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The metrics address (`127.0.0.1:port`) the node logged, if it serves metrics.
    pub fn prometheus_addr(&self) -> Option<String> {
        let log = self.log();
        let line = log.lines().find_map(|line| line.split_once(PROMETHEUS_LISTENING))?.1;
        Some(line.trim().strip_suffix("/metrics")?.to_string())
    }

    /// The RPC port the node logged, once it has.
    fn logged_rpc_port(&self) -> Option<u16> {
        let log = self.log();
        let line = log.lines().find_map(|line| line.split_once(RPC_LISTENING))?.1;
        line.trim().rsplit_once(':')?.1.parse().ok()
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("luxtensor exited with {status} before serving RPC:\n{}", self.log());
                }
            }
            if self.rpc_port == 0 {
                self.rpc_port = self.logged_rpc_port().unwrap_or(0);
            }
            if self.rpc_port == 0 {
                assert!(
                    Instant::now() < deadline,
                    "the node logged no RPC address:\n{}",
                    self.log()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            if let Ok(client) = LuxClient::connect(&self.http_url()).await {
                if client.request::<Value>("system_health", jsonrpsee::rpc_params![]).await.is_ok()
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the node did not serve RPC within 120 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The best block number.
    pub async fn best_number(&self) -> u32 {
        self.client().await.header(None).await.expect("header").expect("best header").number
    }

    /// Waits until the best block number reaches `number`.
    pub async fn wait_for_block(&self, number: u32, timeout: Duration) {
        let client = self.client().await;
        wait_for(&format!("block #{number}"), timeout, || async {
            let best = client.header(None).await.ok().flatten()?.number;
            (best >= number).then_some(())
        })
        .await
    }

    /// The ledger at block `at`: the sum of every account's free and reserved balance
    /// (`System.Account`, read page by page), and `Balances.TotalIssuance`. They are equal on
    /// a sound chain. Panics if the state cannot be read (see [`TestNode::try_ledger`]).
    pub async fn ledger(&self, at: lux_primitives::H256) -> (u128, u128) {
        self.try_ledger(at).await.unwrap_or_else(|e| panic!("ledger at {at:?}: {e}"))
    }

    /// [`TestNode::ledger`], or why the state could not be read (a block on a fork that
    /// finality discards loses its state, even while it is being read).
    pub async fn try_ledger(&self, at: lux_primitives::H256) -> Result<(u128, u128), String> {
        use codec::Decode;
        let client = self.client().await;
        let hex = |bytes: &[u8]| format!("0x{}", hex::encode(bytes));
        let unhex = |value: &Value| {
            hex::decode(value.as_str().unwrap_or_default().trim_start_matches("0x"))
                .map_err(|e| e.to_string())
        };
        let prefix = lux_primitives::twox::storage_prefix(b"System", b"Account");
        let mut sum = 0u128;
        let mut start: Option<String> = None;
        loop {
            let keys: Vec<String> = client
                .request(
                    "state_getKeysPaged",
                    jsonrpsee::rpc_params![hex(&prefix), 500, start.clone(), at],
                )
                .await
                .map_err(|e| format!("keys: {e}"))?;
            if keys.is_empty() {
                break;
            }
            let changes: Vec<Value> = client
                .request("state_queryStorageAt", jsonrpsee::rpc_params![keys.clone(), at])
                .await
                .map_err(|e| format!("values: {e}"))?;
            for change in changes[0]["changes"].as_array().ok_or("no changes")? {
                let account = pallet_system::AccountInfo::decode(&mut &unhex(&change[1])?[..])
                    .map_err(|e| format!("an account: {e}"))?;
                sum += account.data.free + account.data.reserved;
            }
            start = keys.last().cloned();
        }
        let issuance_key = lux_primitives::twox::storage_prefix(b"Balances", b"TotalIssuance");
        let issuance: Option<String> = client
            .request("state_getStorage", jsonrpsee::rpc_params![hex(&issuance_key), at])
            .await
            .map_err(|e| format!("issuance: {e}"))?;
        let issuance = u128::decode(&mut &unhex(&Value::from(issuance.ok_or("no issuance")?))?[..])
            .map_err(|e| format!("issuance: {e}"))?;
        Ok((sum, issuance))
    }

    /// The ledger at the best block, and that block's number. A best block that finality
    /// discards while it is read (a node restarted on its own fork) is replaced by the new
    /// best; a best block that stays canonical must be readable.
    pub async fn ledger_at_best(&self) -> (u32, u128, u128) {
        let client = self.client().await;
        for _ in 0..10 {
            let best = client.header(None).await.expect("header").expect("best");
            match self.try_ledger(best.hash()).await {
                Ok((sum, issuance)) => return (best.number, sum, issuance),
                Err(error) if self.block_hash(best.number).await != Some(best.hash()) => {
                    eprintln!("best #{} left the canonical chain while read: {error}", best.number);
                }
                Err(error) => {
                    panic!("the state of canonical best #{} is unreadable: {error}", best.number)
                }
            }
        }
        panic!("the best block kept changing forks");
    }

    /// Waits up to `timeout` for the process to exit by itself, and returns how it ended.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    /// Kills the process with SIGKILL (no cleanup) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the process with SIGTERM and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The validators of the local chain spec.
pub const LOCAL_VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Starts the local chain's four validators on loopback, bob..dave bootstrapping from alice,
/// each under `dir/<name>` with `extra` arguments.
pub async fn local_testnet(dir: &Path, extra: &[String]) -> Vec<TestNode> {
    local_testnet_groups(dir, &[&LOCAL_VALIDATORS], extra).await
}

/// The local testnet's validators started as separate groups (names from
/// [`LOCAL_VALIDATORS`]): each group's nodes find each other through the group's first node,
/// and no group knows another, so each builds its own fork until they are connected (with
/// `system_addReservedPeer`). Nodes are returned in the order of the groups.
pub async fn local_testnet_groups(
    dir: &Path,
    groups: &[&[&str]],
    extra: &[String],
) -> Vec<TestNode> {
    let mut nodes = Vec::new();
    for group in groups {
        nodes.extend(local_testnet_group(dir, group, extra).await);
    }
    nodes
}

/// The arguments of local-testnet validator `name` (from [`LOCAL_VALIDATORS`]) on loopback,
/// bootstrapping from `bootnode` if given.
pub fn local_validator_args(name: &str, bootnode: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> =
        ["--chain", "local", &format!("--{name}")].iter().map(|s| s.to_string()).collect();
    args.extend(["--listen-addr".into(), "/ip4/127.0.0.1/tcp/0".into()]);
    if let Some(address) = bootnode {
        args.extend(["--bootnodes".into(), address.to_string()]);
    }
    args
}

async fn local_testnet_group(dir: &Path, names: &[&str], extra: &[String]) -> Vec<TestNode> {
    let mut nodes = Vec::new();
    let mut bootnode: Option<String> = None;
    for &name in names {
        let mut args = local_validator_args(name, bootnode.as_deref());
        args.extend(extra.iter().cloned());
        let node = TestNode::start(&dir.join(name), &args).await;
        if bootnode.is_none() {
            bootnode = Some(node.p2p_address().await);
        }
        nodes.push(node);
    }
    nodes
}

/// How long a wait that spans a runtime upgrade on the local testnet may take. Before the
/// first block on new code, each of the four validators compiles it twice (plain and
/// fuel-metered) in a child process; on 2 cores shared by the four nodes and another test,
/// that took 32 s and 36 s per node on a slow hour of 2026-12-04, and more than 60 s on a
/// slower one. A validator on its own cores takes a few seconds.
pub const UPGRADE_TIMEOUT: Duration = Duration::from_secs(240);

/// Lines of a node's log a failing test prints.
const LOG_TAIL_ON_FAILURE: usize = 40;

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill();
        // A test that fails deletes its nodes' directories, logs included: print what each
        // node was doing last, so a failure on CI can be read without running it again.
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_ON_FAILURE)..];
            eprintln!(
                "--- last {} lines of {} ---\n{}",
                tail.len(),
                self.log_path.display(),
                tail.join("\n")
            );
        }
    }
}
