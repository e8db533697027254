//! What a runtime upgrade costs, as a user sees it, on a dev node (1 s blocks): the dry run
//! (`luxtensor try-runtime` against the live node), then a real upgrade to the
//! `spec_version + 1` test runtime through sudo, timed from the block that installs it (the
//! enactment) to the first block on the new code, whose node compiles the new runtime and runs
//! its migration first. Prints the figures; `scripts/bench-upgrade.sh` builds the release
//! binaries and runs it.

use std::time::{Duration, Instant};

use lux_primitives::Header;
use lux_rpc_client::TxOutcome;
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{run_cli, wait_for, NodeOptions, TestNode};

const TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() {
    let wasm_path = luxtensor_runtime::UPGRADE_TEST_WASM_PATH.expect("runtime/build.rs built it");
    let code = std::fs::read(wasm_path).expect("the v+1 runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let options = NodeOptions { block_time_ms: 1_000, ..Default::default() };
    let node = TestNode::dev(dir.path(), options).await;
    node.wait_for_block(3, TIMEOUT).await;
    let client = node.ws_client().await;

    let started = Instant::now();
    let dry_run = run_cli(&["try-runtime", "--code", wasm_path, "--rpc-url", &node.http_url()]);
    let dry_run_time = started.elapsed();
    assert!(dry_run.status.success(), "{}", String::from_utf8_lossy(&dry_run.stderr));
    println!("{}", String::from_utf8_lossy(&dry_run.stdout).trim_end());
    println!(
        "dry run: {:.2} s in all (a fresh process: state copy and compilations included)",
        dry_run_time.as_secs_f64()
    );

    let alice = lux_keys::dev_account("alice").expect("dev account");
    let set_code = RuntimeCall::System(pallet_system::Call::set_code { code: code.clone() });
    let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(set_code) });
    let xt = client.sign(&alice, sudo, 0).await.expect("signed");
    let included = client.submit_and_wait(&xt, TIMEOUT).await.expect("included");
    assert_eq!(included.outcome, TxOutcome::Success);
    let seen_upgrade = Instant::now();
    let upgrade: Header =
        client.header(Some(included.block_hash)).await.expect("rpc").expect("known");
    let next: Header = wait_for("the first block on the new code", TIMEOUT, || async {
        let best = client.header(None).await.ok()??;
        (best.number > upgrade.number).then_some(best)
    })
    .await;
    let seen_next = seen_upgrade.elapsed();
    let version = client.runtime_version_at(next.hash()).await.expect("version");
    assert_eq!(version.spec_version, luxtensor_runtime::SPEC_VERSION + 1);
    let slot = |h: &Header| lux_primitives::consensus::PreDigest::find(h).map_or(0, |p| p.slot());
    let log = node.log();
    let compiled: Vec<&str> = log.lines().filter(|l| l.contains("compiled runtime")).collect();
    println!(
        "upgrade: block #{} installs {} KiB of code; block #{} runs it {} slot(s) later, seen {:.0} ms after the upgrade block",
        upgrade.number,
        code.len() / 1024,
        next.number,
        slot(&next) - slot(&upgrade),
        seen_next.as_secs_f64() * 1000.0
    );
    for line in compiled {
        println!("node: {}", line.split("executor: ").last().unwrap_or(line).trim());
    }
}
