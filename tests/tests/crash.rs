//! Crash safety: nodes killed with SIGKILL at random moments while transactions stream in.
//!
//! After every restart the database must open, the finalized block must not go back (nor
//! change), the chain must go on, and the ledger must add up: the balances of all accounts sum
//! to `Balances.TotalIssuance` at the best and at the finalized block.
//!
//! The moments are drawn from a seeded generator: `LUX_CRASH_SEED` replays a run, and
//! `LUX_CRASH_ROUNDS` sets how many kills each test makes (CI runs a few; a campaign runs
//! dozens, see RELIABILITY.md).

use std::path::Path;
use std::time::Duration;

use lux_primitives::{AccountId20, H256, LUX};
use lux_rpc_client::{sign_extrinsic, LuxClient};
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{is_root, local_testnet, wait_for, NodeOptions, TestNode};

const TIMEOUT: Duration = Duration::from_secs(90);

/// The tests here run one at a time: each loads the whole machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A small deterministic generator (xorshift64*), seeded from `LUX_CRASH_SEED` or `default`.
struct Moments(u64);

impl Moments {
    fn new(default: u64) -> Self {
        let seed = std::env::var("LUX_CRASH_SEED").ok().and_then(|s| s.parse().ok());
        let seed = seed.unwrap_or(default);
        eprintln!("crash moments: LUX_CRASH_SEED={seed}");
        Self(seed.max(1))
    }

    /// A duration in `[low, high)` milliseconds.
    fn between(&mut self, low: u64, high: u64) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Duration::from_millis(low + value % (high - low))
    }
}

fn rounds(default: usize) -> usize {
    std::env::var("LUX_CRASH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Submits transfers from dev account `sender` to fresh accounts, one after another, until
/// the node goes away. Returns how many the node accepted.
async fn stream_transfers(url: String, sender: &'static str, tag: u8) -> usize {
    let Ok(client) = LuxClient::connect(&url).await else { return 0 };
    let Ok(context) = client.signing_context().await else { return 0 };
    let pair = lux_keys::dev_account(sender).expect("dev account");
    let Ok(mut nonce) = client.next_index(&AccountId20(pair.address())).await else { return 0 };
    let mut accepted = 0;
    loop {
        let mut dest = [tag; 20];
        dest[..4].copy_from_slice(&nonce.to_le_bytes());
        let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
            dest: AccountId20(dest),
            value: LUX,
        });
        let xt = sign_extrinsic(&pair, call, nonce, 0, &context);
        match client.submit(&xt).await {
            Ok(_) => {
                accepted += 1;
                nonce += 1;
            }
            Err(_) => return accepted,
        }
    }
}

/// Starts one streaming task per sender against `url`.
fn start_streams(url: &str, senders: &[&'static str]) -> Vec<tokio::task::JoinHandle<usize>> {
    senders
        .iter()
        .enumerate()
        .map(|(i, sender)| tokio::spawn(stream_transfers(url.to_string(), sender, 0x60 + i as u8)))
        .collect()
}

/// Checks a node that just (re)started: the last finalized block it had before (`previous`)
/// is still final and still the same block, and the ledger adds up at its best and finalized
/// blocks. Returns its finalized block.
async fn check_after_restart(node: &TestNode, previous: Option<(u32, H256)>) -> (u32, H256) {
    let (number, hash) = node.finalized().await;
    if let Some((old_number, old_hash)) = previous {
        assert!(number >= old_number, "finality went back: #{number} after #{old_number}");
        assert_eq!(
            node.block_hash(old_number).await,
            Some(old_hash),
            "finalized block #{old_number} changed"
        );
    }
    let (best, sum, issuance) = node.ledger_at_best().await;
    assert_eq!(sum, issuance, "at best #{best} the balances sum to {sum}, issuance {issuance}");
    let (sum, issuance) = node.ledger(hash).await;
    assert_eq!(
        sum, issuance,
        "at finalized #{number} the balances sum to {sum}, issuance {issuance}"
    );
    (number, hash)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dev_node_killed_at_random_moments_under_load_recovers_every_time() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let base: &Path = &dir.path().join("node");
    let mut moments = Moments::new(0x5eed_0001);
    let mut finalized = None;
    let mut accepted = 0;
    for round in 0..rounds(8) {
        let mut node = TestNode::dev(base, NodeOptions::default()).await;
        let (number, hash) = check_after_restart(&node, finalized).await;
        // The chain goes on: a new block is finalized after the restart.
        let client = node.client().await;
        wait_for("finality to go on after the restart", TIMEOUT, || async {
            let head: H256 =
                client.request("chain_getFinalizedHead", jsonrpsee::rpc_params![]).await.ok()?;
            let header = client.header(Some(head)).await.ok()??;
            (header.number > number).then_some(())
        })
        .await;
        let streams = start_streams(&node.ws_url(), &["alice", "bob", "charlie"]);
        tokio::time::sleep(moments.between(300, 2_500)).await;
        // Whatever the node finalized by now it must still have after the kill.
        finalized = Some(node.finalized().await.max((number, hash)));
        node.kill();
        for stream in streams {
            accepted += stream.await.expect("stream task");
        }
        eprintln!("round {round}: killed with #{} final", finalized.map(|f| f.0).unwrap_or(0));
    }
    let mut node = TestNode::dev(base, NodeOptions::default()).await;
    let (number, _) = check_after_restart(&node, finalized).await;
    node.wait_for_block(number + 2, TIMEOUT).await;
    assert!(accepted > 0, "no transfer was accepted: the load never ran");
    node.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_testnet_validator_killed_mid_round_rejoins_and_finality_goes_on() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut nodes = local_testnet(dir.path(), &[]).await;
    let mut moments = Moments::new(0x5eed_0002);
    // Transactions enter through alice, whom the kills spare; they reach the others by gossip.
    let streams = start_streams(&nodes[0].ws_url(), &["alice", "bob"]);
    for round in 0..rounds(3) {
        // Kill a validator other than alice (each in turn), mid-round: at a random moment
        // within a few slots.
        let victim = 1 + round % 3;
        nodes[victim].wait_for_block(1, TIMEOUT).await;
        tokio::time::sleep(moments.between(200, 3_000)).await;
        let before = nodes[victim].finalized().await;
        let base = nodes[victim].base_path.clone();
        nodes[victim].kill();
        let name = luxtensor_tests::LOCAL_VALIDATORS[victim];
        let bootnode = nodes[0].p2p_address().await;
        let args = luxtensor_tests::local_validator_args(name, Some(&bootnode));
        nodes[victim] = TestNode::start(&base, &args).await;
        let (number, _) = check_after_restart(&nodes[victim], Some(before)).await;
        // It rejoins: it follows the network's finality past where it was killed, and the
        // network finalizes on.
        let network_final = nodes[0].finalized().await.0;
        let target = number.max(network_final) + 2;
        wait_for(&format!("{name} to finalize #{target} after its restart"), TIMEOUT, || async {
            (nodes[victim].finalized().await.0 >= target).then_some(())
        })
        .await;
        eprintln!("round {round}: {name} killed at #{} final, rejoined", before.0);
    }
    for stream in streams {
        stream.abort();
    }
    // All four agree on the finalized chain, and the ledger adds up on each.
    let (number, hash) = nodes[0].finalized().await;
    for node in &nodes {
        assert_eq!(node.block_hash(number).await, Some(hash));
        let (sum, issuance) = node.ledger(hash).await;
        assert_eq!(sum, issuance);
    }
}

/// A tmpfs of `megabytes` mounted on `path` for the test's life (root only).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(path: &Path, megabytes: u32) -> Self {
        std::fs::create_dir_all(path).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "cannot mount a tmpfs on {}", path.display());
        Self(path.to_path_buf())
    }

    /// Fills the disk: writes a file until the disk refuses more.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0xa5u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_stops_the_node_with_a_clear_error_and_no_corruption() {
    if !is_root() {
        // CI runs as root; elsewhere, mounting a tmpfs is not allowed.
        eprintln!("SKIPPED: mounting a small tmpfs needs root");
        return;
    }
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let disk = SmallDisk::mount(&dir.path().join("disk"), 160);
    let base = disk.0.join("node");
    // The log lives on the big disk, so the node's last words are kept.
    let log = |n: u32| dir.path().join(format!("node-{n}.log"));
    let args: Vec<String> = ["--dev", "--dev-block-time", "250"].map(String::from).to_vec();
    let mut node = TestNode::start_logging_to(&base, &args, log(0)).await;
    node.wait_for_block(3, TIMEOUT).await;
    let before = node.finalized().await;

    let filler = disk.fill();
    let streams = start_streams(&node.ws_url(), &["alice", "bob", "charlie"]);
    let status = node.wait_exit(TIMEOUT).await;
    for stream in streams {
        stream.abort();
    }
    let last_words = node.log();
    let status =
        status.unwrap_or_else(|| panic!("the node kept running on a full disk:\n{last_words}"));
    let tail: Vec<&str> = last_words.lines().rev().take(3).collect();
    eprintln!("the node's last words ({status}):\n{}", tail.join("\n"));
    assert!(!status.success(), "it exits with an error: {status}");
    assert!(last_words.contains("No space left on device"), "{last_words}");
    assert!(last_words.contains("The node stopped"), "{last_words}");

    // With space again, the database opens with everything it had, and the chain goes on.
    std::fs::remove_file(filler).expect("free the disk");
    let mut node = TestNode::start_logging_to(&base, &args, log(1)).await;
    let (number, _) = check_after_restart(&node, Some(before)).await;
    node.wait_for_block(number + 3, TIMEOUT).await;
    node.stop();
}

/// Runs `luxtensor` with `args` until it exits, or kills it after `timeout`. Returns its exit
/// status (`None` if it had to be killed) and what it wrote to stderr.
fn run_until_exit(
    args: &[String],
    timeout: Duration,
) -> (Option<std::process::ExitStatus>, String) {
    let stderr = tempfile::NamedTempFile::new().expect("stderr file");
    let mut child = std::process::Command::new(luxtensor_tests::binary())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(stderr.reopen().expect("stderr"))
        .spawn()
        .expect("luxtensor starts");
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (status, std::fs::read_to_string(stderr.path()).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_database_is_reported_and_not_used() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("node");
    let mut node = TestNode::dev(&base, NodeOptions::default()).await;
    node.wait_for_block(5, TIMEOUT).await;
    // A clean stop writes everything to table files.
    node.stop();

    // Damage every table file in its first data block (where its entries are; the checksums
    // RocksDB keeps per block catch it).
    let db = base.join("chains/luxtensor_dev/db");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&db).expect("db dir").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "sst") {
            let mut bytes = std::fs::read(&path).expect("table");
            for byte in bytes.iter_mut().skip(16).take(64) {
                *byte ^= 0x5a;
            }
            std::fs::write(&path, bytes).expect("damage");
            damaged += 1;
        }
    }
    assert!(damaged > 0, "no table file in {}", db.display());

    let args: Vec<String> = ["--dev", "--rpc-port", "0", "--no-prometheus", "--base-path"]
        .iter()
        .map(|s| s.to_string())
        .chain([base.display().to_string()])
        .collect();
    let (status, stderr) = run_until_exit(&args, TIMEOUT);
    let status = status.unwrap_or_else(|| panic!("the node ran on a corrupt database:\n{stderr}"));
    assert!(!status.success());
    assert!(stderr.contains("is corrupt") && stderr.contains("Corruption"), "{stderr}");
    assert!(stderr.contains("purge-chain"), "the error says what to do: {stderr}");
}
