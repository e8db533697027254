//! End-to-end throughput, as a user sees it: starts a dev node or the 4-validator local
//! testnet, funds M accounts, pre-signs N transfers, submits them over several WebSocket
//! connections at a target rate, and measures what comes out: transactions accepted,
//! included and finalized per second, the latency from submission to inclusion and to
//! finality, slots without a block, the nodes' memory and the database size.
//!
//! `scripts/bench-e2e.sh` builds the release binary, runs this and plots the result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use codec::Encode;
use futures::stream::{FuturesUnordered, StreamExt};
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use lux_keys::EthereumPair;
use lux_primitives::consensus::PreDigest;
use lux_primitives::{AccountId20, Header, H256, LUX};
use lux_rpc_client::{sign_extrinsic, SigningContext};
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{local_testnet, wait_for, TestNode};
use parking_lot::Mutex;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Network {
    /// One dev node (`--dev`, 1 s blocks).
    Dev,
    /// The four validators of `--chain local` (500 ms slots); transactions go to alice.
    Local,
}

#[derive(Debug, Parser)]
#[command(about = "End-to-end transfer throughput of real luxtensor nodes")]
struct Args {
    /// Which network to start.
    #[arg(long, value_enum, default_value_t = Network::Dev)]
    network: Network,
    /// Funded accounts sending transfers.
    #[arg(long, default_value_t = 2_000)]
    accounts: usize,
    /// Submission rate, transfers per second.
    #[arg(long, default_value_t = 6_000)]
    rate: u64,
    /// Seconds of submission (N = rate × duration transfers).
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// WebSocket connections submitting.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Most unanswered submissions per connection.
    #[arg(long, default_value_t = 512)]
    window: usize,
    /// Extra arguments for every node (for example `--state-pruning archive`).
    #[arg(long, allow_hyphen_values = true, value_delimiter = ' ')]
    node_args: Vec<String>,
    /// Where to write blocks.csv and summary.txt.
    #[arg(long, default_value = "bench-e2e")]
    out: PathBuf,
    /// Keep the nodes' directories (databases and logs) after the run.
    #[arg(long)]
    keep: bool,
    /// Seconds between the rows of samples.csv (each node's memory, file descriptors and
    /// database size, and the first node's finality lag, over time).
    #[arg(long, default_value_t = 5)]
    sample_every: u64,
}

/// One row of samples.csv.
struct Sample {
    seconds: f64,
    node: usize,
    rss_kib: u64,
    fds: usize,
    db_bytes: u64,
    best: u32,
    finalized: u32,
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// Deterministic bench accounts.
fn account(i: usize) -> EthereumPair {
    let mut secret = [0x42u8; 32];
    secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    EthereumPair::from_secret_key(&secret).expect("valid key")
}

fn dev_account(name: &str) -> EthereumPair {
    lux_keys::dev_account(name).expect("dev account")
}

fn transfer(dest: AccountId20, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death { dest, value })
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

async fn ws(url: &str, window: usize) -> WsClient {
    WsClientBuilder::default()
        .max_concurrent_requests(window.max(16))
        .max_buffer_capacity_per_subscription(65_536)
        .request_timeout(Duration::from_secs(120))
        .build(url)
        .await
        .expect("websocket connection")
}

/// Signs `per_sender` transfers for each of `senders`, nonces from `first_nonce`, round-robin
/// across senders (sender-major order within each round), on all cores.
fn presign(
    senders: &[(EthereumPair, u32)],
    per_sender: u32,
    dest: impl Fn(usize, u32) -> AccountId20 + Sync,
    value: u128,
    context: &SigningContext,
) -> Vec<(usize, Vec<u8>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunks: Vec<Vec<(usize, Vec<u8>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let dest = &dest;
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for round in 0..per_sender {
                        for (i, (pair, first)) in senders.iter().enumerate() {
                            if i % threads != t {
                                continue;
                            }
                            let call = transfer(dest(i, round), value);
                            let xt = sign_extrinsic(pair, call, first + round, 0, context);
                            out.push((i, xt.encode()));
                        }
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("signer")).collect()
    });
    // Interleave back into round-major order.
    let mut by_sender: Vec<std::collections::VecDeque<Vec<u8>>> =
        vec![Default::default(); senders.len()];
    for chunk in chunks {
        for (i, xt) in chunk {
            by_sender[i].push_back(xt);
        }
    }
    let mut out = Vec::with_capacity(senders.len() * per_sender as usize);
    for _ in 0..per_sender {
        for (i, queue) in by_sender.iter_mut().enumerate() {
            if let Some(xt) = queue.pop_front() {
                out.push((i, xt));
            }
        }
    }
    out
}

/// When each sender's transfers were submitted, included and finalized, relative to the start
/// of submission. A sender's transfers go in nonce order, so its account nonce in a block
/// says exactly which of them the chain has: the observer reads the senders' nonces at each
/// new best and finalized block (one `state_queryStorageAt`) instead of downloading every
/// block body, which would cost the node more than the transfers themselves.
struct Times {
    /// Per sender: submission time of each nonce.
    submitted: Vec<Vec<f64>>,
    /// Per sender: inclusion time of each nonce (NaN until included).
    included: Vec<Vec<f64>>,
    /// Per sender: finality time of each nonce (NaN until final).
    finalized: Vec<Vec<f64>>,
}

impl Times {
    fn new(senders: usize, per_sender: usize) -> Self {
        let empty = vec![vec![f64::NAN; per_sender]; senders];
        Self { submitted: empty.clone(), included: empty.clone(), finalized: empty }
    }

    fn count(times: &[Vec<f64>]) -> usize {
        times.iter().flatten().filter(|t| !t.is_nan()).count()
    }

    fn last(times: &[Vec<f64>]) -> f64 {
        times.iter().flatten().copied().filter(|t| !t.is_nan()).fold(0.0, f64::max)
    }

    /// Sorted latencies from submission to `times`.
    fn latencies(&self, times: &[Vec<f64>]) -> Vec<f64> {
        let mut out: Vec<f64> = times
            .iter()
            .zip(&self.submitted)
            .flat_map(|(t, s)| t.iter().zip(s).map(|(t, s)| t - s))
            .filter(|l| !l.is_nan())
            .collect();
        out.sort_by(f64::total_cmp);
        out
    }
}

/// What the watcher saw of a block.
#[derive(Clone, Debug, Default)]
struct BlockSeen {
    number: u32,
    slot: u64,
    transfers: usize,
    seen: f64,
    finalized: Option<f64>,
}

struct Counters {
    accepted: AtomicU64,
    retries: AtomicU64,
    refused: AtomicU64,
}

/// Submits one connection's transfers (`(sender, nonce, encoded)`, each sender's in nonce
/// order) at `rate` per second, with at most `window` unanswered requests; retries what the
/// node pushes back on (busy, or pool full).
async fn submit_stream(
    client: WsClient,
    txs: Vec<(usize, u32, Vec<u8>)>,
    rate: f64,
    window: usize,
    start: Instant,
    times: Option<Arc<Mutex<Times>>>,
    counters: Arc<Counters>,
) {
    let client = Arc::new(client);
    let mut in_flight = FuturesUnordered::new();
    for (i, (sender, nonce, xt)) in txs.into_iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        while in_flight.len() >= window {
            in_flight.next().await;
        }
        if let Some(times) = &times {
            times.lock().submitted[sender][nonce as usize] = start.elapsed().as_secs_f64();
        }
        let client = client.clone();
        let counters = counters.clone();
        in_flight.push(async move {
            let param = hex(&xt);
            loop {
                match client
                    .request::<Value, _>("author_submitExtrinsic", rpc_params![&param])
                    .await
                {
                    Ok(_) => {
                        counters.accepted.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(jsonrpsee::core::ClientError::Call(e))
                        if e.code() == -32009 || e.code() == 1016 =>
                    {
                        counters.retries.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => {
                        counters.refused.fetch_add(1, Ordering::Relaxed);
                        eprintln!("transfer refused: {e}");
                        return;
                    }
                }
            }
        });
    }
    while in_flight.next().await.is_some() {}
}

/// The senders' account nonces at block `at`; an error if the node no longer has its state (a
/// block of a fork the node discarded once another was finalized).
async fn nonces_at(
    client: &WsClient,
    keys: &[String],
    at: H256,
) -> Result<Vec<u32>, jsonrpsee::core::ClientError> {
    // The node answers at most 1,000 keys per query.
    let answers = futures::future::try_join_all(keys.chunks(1000).map(|chunk| async move {
        client.request::<Vec<Value>, _>("state_queryStorageAt", rpc_params![chunk, at]).await
    }))
    .await?;
    let mut by_key: HashMap<String, u32> = HashMap::new();
    let changes = answers.iter().flat_map(|result| {
        result.first().and_then(|r| r["changes"].as_array()).into_iter().flatten()
    });
    for change in changes {
        let (Some(key), Some(value)) = (change[0].as_str(), change[1].as_str()) else { continue };
        let Ok(bytes) = ::hex::decode(value.trim_start_matches("0x")) else { continue };
        // AccountInfo starts with the nonce (u32, little endian).
        if let Some(nonce) = bytes.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()) {
            by_key.insert(key.to_string(), u32::from_le_bytes(nonce));
        }
    }
    Ok(keys.iter().map(|k| by_key.get(k).copied().unwrap_or(0)).collect())
}

/// Marks the nonces `from[i]..to[i]` of each sender with `now` in `times`.
fn mark(times: &mut [Vec<f64>], from: &[u32], to: &[u32], now: f64) {
    for (sender, (a, b)) in from.iter().zip(to).enumerate() {
        for nonce in *a..*b {
            if let Some(t) = times[sender].get_mut(nonce as usize) {
                if t.is_nan() {
                    *t = now;
                }
            }
        }
    }
}

/// Follows best and finalized blocks, recording when each transfer was included and
/// finalized, until `stop`.
async fn watch(
    url: String,
    keys: Vec<String>,
    start: Instant,
    times: Arc<Mutex<Times>>,
    blocks: Arc<Mutex<Vec<BlockSeen>>>,
    stop: Arc<tokio::sync::Notify>,
) {
    let client = ws(&url, 64).await;
    let mut best = client
        .subscribe::<Header, _>(
            "chain_subscribeNewHeads",
            rpc_params![],
            "chain_unsubscribeNewHeads",
        )
        .await
        .expect("new heads");
    let mut finalized = client
        .subscribe::<Header, _>(
            "chain_subscribeFinalizedHeads",
            rpc_params![],
            "chain_unsubscribeFinalizedHeads",
        )
        .await
        .expect("finalized heads");
    let mut nonces_by_block: HashMap<H256, Vec<u32>> = HashMap::new();
    let mut final_nonces = vec![0u32; keys.len()];
    let mut by_number: HashMap<u32, usize> = HashMap::new();
    loop {
        tokio::select! {
            _ = stop.notified() => return,
            Some(Ok(header)) = best.next() => {
                let now = start.elapsed().as_secs_f64();
                let hash = header.hash();
                // A head the watcher reads late may be on a fork finality has discarded since:
                // it included nothing that counts.
                let Ok(nonces) = nonces_at(&client, &keys, hash).await else { continue };
                let parent = match nonces_by_block.get(&header.parent_hash) {
                    Some(parent) => parent.clone(),
                    None => match nonces_at(&client, &keys, header.parent_hash).await {
                        Ok(parent) => parent,
                        Err(_) => continue,
                    },
                };
                let transfers =
                    nonces.iter().zip(&parent).map(|(n, p)| n.saturating_sub(*p) as usize).sum();
                mark(&mut times.lock().included, &parent, &nonces, now);
                nonces_by_block.insert(hash, nonces);
                let slot = PreDigest::find(&header).map_or(0, |p| p.slot());
                let seen =
                    BlockSeen { number: header.number, slot, transfers, seen: now, finalized: None };
                let mut blocks = blocks.lock();
                // A reorg replaces the block at this height.
                match by_number.get(&header.number) {
                    Some(&i) => blocks[i] = seen,
                    None => {
                        by_number.insert(header.number, blocks.len());
                        blocks.push(seen);
                    }
                }
            }
            Some(Ok(header)) = finalized.next() => {
                let now = start.elapsed().as_secs_f64();
                let hash = header.hash();
                let nonces = match nonces_by_block.get(&hash) {
                    Some(n) => n.clone(),
                    None => nonces_at(&client, &keys, hash).await.expect("a finalized block's state"),
                };
                {
                    let mut times = times.lock();
                    mark(&mut times.included, &final_nonces, &nonces, now);
                    mark(&mut times.finalized, &final_nonces, &nonces, now);
                }
                final_nonces = nonces;
                for b in blocks.lock().iter_mut() {
                    if b.number <= header.number && b.finalized.is_none() {
                        b.finalized = Some(now);
                    }
                }
                nonces_by_block.retain(|_, n| n.iter().zip(&final_nonces).any(|(a, b)| a > b));
            }
        }
    }
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A process's CPU time so far (user and system), in the kernel's USER_HZ ticks (100 a second
/// on Linux x86 and arm), from `/proc/<pid>/stat`.
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)
}

/// The machine's CPU time so far, all of it and what the hypervisor stole (the `steal` column
/// of `/proc/stat`), in USER_HZ ticks: a virtual machine that shares its host has slow days.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu = stat.lines().next().unwrap_or("");
    let fields: Vec<u64> = cpu.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect();
    (fields.iter().take(8).sum(), fields.get(7).copied().unwrap_or(0))
}

/// Each node's RSS at rest, in KiB: sampled every 2 s until no node's has moved by more than
/// 1 MiB over 10 s (at most 60 s). A node just started holds memory for a few seconds
/// (what starting took) that a node at rest does not.
async fn settled_rss(nodes: &[TestNode]) -> Vec<u64> {
    let sample = || -> Vec<u64> {
        nodes.iter().map(|n| n.pid().map_or(0, |p| rss_kib(p, "VmRSS:"))).collect()
    };
    let mut window = vec![sample()];
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        window.push(sample());
        if window.len() > 6 {
            window.remove(0);
        }
        let settled = window.len() == 6
            && (0..nodes.len()).all(|i| {
                let values = window.iter().map(|w| w[i]);
                values.clone().max().unwrap_or(0) - values.min().unwrap_or(0) <= 1024
            });
        if settled {
            break;
        }
    }
    window.pop().unwrap_or_default()
}

/// Bytes of the node's database (`<base>/chains/<id>/db`), without its log or keystore.
fn db_bytes(base: &Path) -> u64 {
    let Ok(chains) = std::fs::read_dir(base.join("chains")) else { return 0 };
    chains.flatten().map(|chain| dir_bytes(&chain.path().join("db"))).sum()
}

fn dir_bytes(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::Builder::new().prefix("lux-bench-").tempdir().expect("tempdir");
    let mut node_args = args.node_args.clone();
    node_args.retain(|a| !a.is_empty());
    eprintln!("starting {:?} network in {}", args.network, dir.path().display());
    let mut nodes: Vec<TestNode> = match args.network {
        Network::Dev => {
            let mut a = vec!["--dev".to_string()];
            a.extend(node_args.clone());
            vec![TestNode::start(&dir.path().join("dev"), &a).await]
        }
        Network::Local => local_testnet(dir.path(), &node_args).await,
    };
    let entry = &nodes[0];
    let url = entry.ws_url();
    let client = entry.ws_client().await;
    // Wait for the chain to run (and, on the testnet, for finality to start).
    wait_for("block #2", Duration::from_secs(120), || async {
        (entry.best_number().await >= 2).then_some(())
    })
    .await;
    let idle_rss = settled_rss(&nodes).await;
    let context = client.signing_context().await.expect("signing context");

    // Fund the bench accounts from the six dev accounts.
    let pairs: Vec<EthereumPair> = (0..args.accounts).map(account).collect();
    let addresses: Vec<AccountId20> = pairs.iter().map(|p| AccountId20(p.address())).collect();
    let funders = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];
    let mut funder_pairs = Vec::new();
    for name in funders {
        let pair = dev_account(name);
        let nonce = client.next_index(&AccountId20(pair.address())).await.expect("nonce");
        funder_pairs.push((pair, nonce));
    }
    let per_funder = args.accounts.div_ceil(funders.len()) as u32;
    let funding = presign(
        &funder_pairs,
        per_funder,
        |f, round| addresses[(round as usize * funders.len() + f) % addresses.len()],
        1_000 * LUX,
        &context,
    );
    eprintln!("funding {} accounts", args.accounts);
    let fund_counters = Arc::new(Counters {
        accepted: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    submit_stream(
        ws(&url, args.window).await,
        funding.into_iter().map(|(f, xt)| (f, 0, xt)).collect(),
        f64::from(u32::MAX),
        args.window,
        Instant::now(),
        None,
        fund_counters,
    )
    .await;
    let last = addresses[addresses.len() - 1];
    wait_for("funded accounts", Duration::from_secs(300), || async {
        let balance = client.free_balance(&last).await.ok()?;
        (balance > 0).then_some(())
    })
    .await;
    for (pair, _) in &funder_pairs {
        let who = AccountId20(pair.address());
        wait_for("funding transfers included", Duration::from_secs(300), || async {
            let nonce = client.next_index(&who).await.ok()?;
            let pool: Vec<Value> =
                client.request("author_pendingExtrinsics", rpc_params![]).await.ok()?;
            (nonce > 0 && pool.is_empty()).then_some(())
        })
        .await;
    }

    // Pre-sign the load.
    let total = args.rate * args.duration;
    let per_sender = total.div_ceil(args.accounts as u64) as u32;
    let senders: Vec<(EthereumPair, u32)> = pairs.into_iter().map(|p| (p, 0)).collect();
    eprintln!("signing {} transfers", per_sender as u64 * senders.len() as u64);
    let signed_at = Instant::now();
    let n = addresses.len();
    let load = presign(
        &senders,
        per_sender,
        |i, round| addresses[(i + 1 + round as usize) % n],
        LUX / 1000,
        &context,
    );
    eprintln!("signed in {:.1} s", signed_at.elapsed().as_secs_f64());
    let total = load.len();
    let db_before: u64 = nodes.iter().map(|n| db_bytes(&n.base_path)).max().unwrap_or(0);

    // Split by sender across connections, keeping each sender's order.
    let mut streams: Vec<Vec<(usize, u32, Vec<u8>)>> = vec![Vec::new(); args.connections];
    let mut next_nonce = vec![0u32; senders.len()];
    for (sender, xt) in load {
        streams[sender % args.connections].push((sender, next_nonce[sender], xt));
        next_nonce[sender] += 1;
    }
    let keys: Vec<String> =
        addresses.iter().map(|a| hex(&lux_rpc_client::account_storage_key(a))).collect();
    let times = Arc::new(Mutex::new(Times::new(senders.len(), per_sender as usize)));
    let blocks = Arc::new(Mutex::new(Vec::<BlockSeen>::new()));
    let counters = Arc::new(Counters {
        accepted: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let stop = Arc::new(tokio::sync::Notify::new());
    let cpu_before: Vec<u64> = nodes.iter().map(|n| n.pid().map_or(0, cpu_ticks)).collect();
    let machine_before = machine_ticks();
    let start = Instant::now();
    let watcher =
        tokio::spawn(watch(url.clone(), keys, start, times.clone(), blocks.clone(), stop.clone()));
    let peak = Arc::new(Mutex::new(vec![0u64; nodes.len()]));
    let pids: Vec<u32> = nodes.iter().filter_map(TestNode::pid).collect();
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let sampler = {
        let peak = peak.clone();
        let samples = samples.clone();
        let bases: Vec<PathBuf> = nodes.iter().map(|n| n.base_path.clone()).collect();
        let client = nodes[0].client().await;
        let every = Duration::from_secs(args.sample_every.max(1));
        tokio::spawn(async move {
            let mut next_sample = Instant::now();
            loop {
                for (i, pid) in pids.iter().enumerate() {
                    let rss = rss_kib(*pid, "VmRSS:");
                    let mut peak = peak.lock();
                    peak[i] = peak[i].max(rss);
                }
                if Instant::now() >= next_sample {
                    next_sample += every;
                    let best = client.header(None).await.ok().flatten().map_or(0, |h| h.number);
                    let head: Option<lux_primitives::H256> =
                        client.request("chain_getFinalizedHead", rpc_params![]).await.ok();
                    let finalized = match head {
                        Some(head) => {
                            client.header(Some(head)).await.ok().flatten().map_or(0, |h| h.number)
                        }
                        None => 0,
                    };
                    let seconds = start.elapsed().as_secs_f64();
                    let mut samples = samples.lock();
                    for (node, (pid, base)) in pids.iter().zip(&bases).enumerate() {
                        samples.push(Sample {
                            seconds,
                            node,
                            rss_kib: rss_kib(*pid, "VmRSS:"),
                            fds: open_fds(*pid),
                            db_bytes: db_bytes(base),
                            best,
                            finalized,
                        });
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let per_connection_rate = args.rate as f64 / args.connections as f64;
    let mut submitters = Vec::new();
    for stream in streams {
        let client = ws(&url, args.window).await;
        submitters.push(tokio::spawn(submit_stream(
            client,
            stream,
            per_connection_rate,
            args.window,
            start,
            Some(times.clone()),
            counters.clone(),
        )));
    }
    for s in submitters {
        let _ = s.await;
    }
    let submitted_in = start.elapsed().as_secs_f64();
    eprintln!("submitted {total} in {submitted_in:.1} s; waiting for finality");
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (included, finalized) = {
            let t = times.lock();
            (Times::count(&t.included), Times::count(&t.finalized))
        };
        let accepted = counters.accepted.load(Ordering::Relaxed) as usize;
        if finalized >= accepted || Instant::now() > deadline {
            eprintln!("included {included}, finalized {finalized} of {accepted} accepted");
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let cpu: Vec<f64> = nodes
        .iter()
        .zip(&cpu_before)
        .map(|(n, before)| n.pid().map_or(0, cpu_ticks).saturating_sub(*before) as f64 / 100.0)
        .collect();
    let machine_after = machine_ticks();
    let steal = (machine_after.1.saturating_sub(machine_before.1)) as f64
        / (machine_after.0.saturating_sub(machine_before.0)).max(1) as f64;
    stop.notify_one();
    let _ = watcher.await;
    sampler.abort();
    let hwm: Vec<u64> = nodes.iter().map(|n| n.pid().map_or(0, |p| rss_kib(p, "VmHWM:"))).collect();
    let peak = peak.lock().clone();
    // Left to run a few more slots (the pruner works behind finality), then stopped cleanly, so
    // the database is measured as it stays on disk.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for node in nodes.iter_mut() {
        node.stop();
    }
    let db_after: u64 = nodes.iter().map(|n| db_bytes(&n.base_path)).max().unwrap_or(0);

    // Report.
    let times = times.lock();
    let blocks = blocks.lock().clone();
    let accepted = counters.accepted.load(Ordering::Relaxed);
    let inclusion = times.latencies(&times.included);
    let finality = times.latencies(&times.finalized);
    let (included, finalized) = (Times::count(&times.included), Times::count(&times.finalized));
    let last_included = Times::last(&times.included);
    let last_finalized = Times::last(&times.finalized);
    let in_run: Vec<&BlockSeen> = blocks.iter().filter(|b| b.transfers > 0).collect();
    let (first_slot, last_slot) = (
        in_run.iter().map(|b| b.slot).min().unwrap_or(0),
        in_run.iter().map(|b| b.slot).max().unwrap_or(0),
    );
    let canonical: std::collections::HashSet<u64> = blocks.iter().map(|b| b.slot).collect();
    let missed_slots: Vec<u64> =
        (first_slot..=last_slot).filter(|s| !in_run.is_empty() && !canonical.contains(s)).collect();
    let missed = missed_slots.len();
    let max_lag = blocks.iter().filter_map(|b| b.finalized.map(|f| f - b.seen)).fold(0.0, f64::max);
    let summary = format!(
        "network: {:?} ({} node{})\n\
         accounts: {}, transfers: {total}, target rate: {}/s over {} connections\n\
         accepted: {accepted} in {submitted_in:.1} s = {:.0}/s (retries after busy/full: {}, refused: {})\n\
         included: {} = {:.0}/s (first submission to last inclusion, {last_included:.1} s)\n\
         finalized: {} = {:.0}/s (first submission to last finality, {last_finalized:.1} s)\n\
         latency submission -> inclusion: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms\n\
         latency submission -> finality: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms\n\
         blocks with transfers: {}, largest {}, slots {first_slot}..={last_slot}, missed slots: {missed} {missed_slots:?}\n\
         finality after a block was seen: max {:.0} ms\n\
         CPU of the nodes (s): {:?} = {:.0} µs per transfer; time stolen by the hypervisor: {:.1}%\n\
         RSS idle (MiB): {:?}\n\
         RSS peak (MiB): {:?} (VmHWM {:?})\n\
         database: {:.1} MiB before, {:.1} MiB after a clean stop = {:.0} MiB per million transfers\n",
        args.network,
        nodes.len(),
        if nodes.len() > 1 { "s" } else { "" },
        args.accounts,
        args.rate,
        args.connections,
        accepted as f64 / submitted_in,
        counters.retries.load(Ordering::Relaxed),
        counters.refused.load(Ordering::Relaxed),
        included,
        included as f64 / last_included.max(0.001),
        finalized,
        finalized as f64 / last_finalized.max(0.001),
        percentile(&inclusion, 0.5) * 1e3,
        percentile(&inclusion, 0.99) * 1e3,
        inclusion.last().copied().unwrap_or(f64::NAN) * 1e3,
        percentile(&finality, 0.5) * 1e3,
        percentile(&finality, 0.99) * 1e3,
        finality.last().copied().unwrap_or(f64::NAN) * 1e3,
        in_run.len(),
        in_run.iter().map(|b| b.transfers).max().unwrap_or(0),
        max_lag * 1e3,
        cpu.iter().map(|c| (c * 10.0).round() / 10.0).collect::<Vec<_>>(),
        cpu.iter().sum::<f64>() * 1e6 / finalized.max(1) as f64,
        steal * 100.0,
        idle_rss.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        peak.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        hwm.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        db_before as f64 / 1048576.0,
        db_after as f64 / 1048576.0,
        (db_after.saturating_sub(db_before)) as f64 / 1048576.0 / (finalized.max(1) as f64 / 1e6),
    );
    print!("{summary}");
    std::fs::create_dir_all(&args.out).expect("output directory");
    std::fs::write(args.out.join("summary.txt"), &summary).expect("summary");
    let mut csv = String::from("number,seconds,transfers,finality_lag_ms\n");
    for b in &blocks {
        let lag = b.finalized.map_or(String::new(), |f| format!("{:.0}", (f - b.seen) * 1e3));
        csv.push_str(&format!("{},{:.3},{},{lag}\n", b.number, b.seen, b.transfers));
    }
    std::fs::write(args.out.join("blocks.csv"), csv).expect("blocks.csv");
    let mut csv = String::from("seconds,node,rss_mib,fds,db_mib,best,finalized,lag_blocks\n");
    for s in samples.lock().iter() {
        csv.push_str(&format!(
            "{:.1},{},{:.1},{},{:.2},{},{},{}\n",
            s.seconds,
            s.node,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.db_bytes as f64 / 1048576.0,
            s.best,
            s.finalized,
            s.best.saturating_sub(s.finalized)
        ));
    }
    std::fs::write(args.out.join("samples.csv"), csv).expect("samples.csv");
    eprintln!("wrote {}", args.out.display());
    if args.keep {
        eprintln!("kept the nodes' directories in {}", dir.keep().display());
    }
}
