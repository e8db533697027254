//! The rollback rule end to end (README, "A runtime that cannot run a block does not halt the
//! chain"), on the local testnet with real processes: sudo installs a `spec_version + 1`
//! runtime that panics in every block's initialization; the next block is built with the
//! previous runtime and claims the rollback, every validator verifies the claim by running the
//! failed code itself, the old runtime is back in `:code` with a `System.CodeRolledBack`
//! event, and the chain goes on producing and finalizing blocks on the old version. Then
//! `try-runtime` refuses the same code against the live chain, and passes the good v+1
//! runtime (its migration, run twice, changes nothing the second time). Last, the same is
//! done with a runtime that initializes blocks but panics creating their inherents (the check
//! runs the new code's inherent creation with the claimed inherent data, which the old
//! runtime verifies is the block's own).

use std::time::Duration;

use codec::Decode;
use lux_primitives::hashing::blake2_256;
use lux_primitives::twox::storage_prefix;
use lux_primitives::upgrade::CodeRollback;
use lux_primitives::{Header, H256};
use lux_rpc_client::{rpc_params, LuxClient, TxOutcome};
use luxtensor_runtime::{RuntimeCall, RuntimeEvent};
use luxtensor_tests::{local_testnet, run_cli, wait_for, NodeOptions, TestNode, UPGRADE_TIMEOUT};

const TIMEOUT: Duration = Duration::from_secs(60);
/// The running runtime's `spec_version`, and the test runtimes' (one ahead).
const CURRENT: u32 = luxtensor_runtime::SPEC_VERSION;
const NEXT: u32 = CURRENT + 1;

async fn version_at(client: &LuxClient, hash: H256) -> u32 {
    client.runtime_version_at(hash).await.expect("version").spec_version
}

async fn header_at(client: &LuxClient, number: u32) -> Header {
    let hash: H256 = client.request("chain_getBlockHash", rpc_params![number]).await.expect("hash");
    client.header(Some(hash)).await.expect("header").expect("known")
}

/// Sudo (alice, at `nonce`) installs `code`; returns the finalized block that claims the
/// rollback after every validator has imported it and finalized three blocks past it, on
/// version `CURRENT`.
async fn upgrade_is_rolled_back(
    nodes: &[luxtensor_tests::TestNode],
    client: &LuxClient,
    code: &[u8],
    nonce: u128,
) -> Header {
    // The trapping runtime passes set_code's checks (wasm, version `NEXT`).
    let set_code = RuntimeCall::System(pallet_system::Call::set_code { code: code.to_vec() });
    let included = sudo(client, set_code, nonce).await;
    assert!(included.events.contains(&RuntimeEvent::System(pallet_system::Event::CodeUpdated)));

    // The next block is the new code's probation: built with the old code, claiming it. The
    // block the transaction was first seen in may lose a fork race on 4 validators, so the
    // upgrade and the rollback are looked for on the finalized chain.
    let from = client.header(Some(included.block_hash)).await.expect("header").expect("known");
    let next = wait_for("a finalized block claiming the rollback", UPGRADE_TIMEOUT, || async {
        let (finalized, _) = nodes[0].finalized().await;
        for number in from.number..=finalized {
            let header = header_at(client, number).await;
            if CodeRollback::find(&header.digest).is_some() {
                return Some(header);
            }
        }
        None
    })
    .await;
    let upgrade = client.header(Some(next.parent_hash)).await.expect("header").expect("known");
    let upgrade_events = client.events(next.parent_hash).await.expect("events");
    assert!(upgrade_events
        .iter()
        .any(|r| r.event == RuntimeEvent::System(pallet_system::Event::CodeUpdated)));
    assert_eq!(version_at(client, next.parent_hash).await, NEXT);
    let events = client.events(next.hash()).await.expect("events");
    let failed_code_hash = H256(blake2_256(code));
    assert!(events.iter().any(|r| r.event
        == RuntimeEvent::System(pallet_system::Event::CodeRolledBack { failed_code_hash })));
    assert_eq!(version_at(client, next.hash()).await, CURRENT);

    // Every validator imported the claim (each verified it) and the chain goes on, on `CURRENT`,
    // producing and finalizing blocks.
    for node in nodes {
        let c = node.client().await;
        wait_for("finality past the rollback", TIMEOUT, || async {
            let (number, _) = node.finalized().await;
            (number > upgrade.number + 3).then_some(())
        })
        .await;
        assert_eq!(header_at(&c, upgrade.number + 1).await.hash(), next.hash());
        let best = c.header(None).await.expect("best").expect("known");
        assert_eq!(version_at(&c, best.hash()).await, CURRENT);
    }
    next
}

/// Alice submits `call` through sudo at `nonce`; it must succeed.
async fn sudo(client: &LuxClient, call: RuntimeCall, nonce: u128) -> lux_rpc_client::Inclusion {
    let alice = lux_keys::dev_account("alice").expect("dev account");
    let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) });
    let xt = client.sign(&alice, sudo, nonce).await.expect("signed");
    let included = client.submit_and_wait(&xt, TIMEOUT).await.expect("included");
    assert_eq!(included.outcome, TxOutcome::Success);
    assert!(included.events.iter().any(|r| matches!(
        r,
        RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result: Ok(()) })
    )));
    included
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upgrade_that_cannot_run_a_block_is_rolled_back_and_the_chain_goes_on() {
    let trap_path = luxtensor_runtime::UPGRADE_TRAP_WASM_PATH.expect("runtime/build.rs built it");
    let trap = std::fs::read(trap_path).expect("the trapping runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let client = nodes[0].ws_client().await;
    for node in &nodes {
        node.wait_for_block(2, TIMEOUT).await;
    }

    // The trapping runtime panics in every block's initialization.
    upgrade_is_rolled_back(&nodes, &client, &trap, 0).await;
    assert!(nodes.iter().any(|node| node.log().contains("rolls the runtime upgrade back")));

    // A dry run against the live chain refuses the trapping code and passes the good one.
    let url = nodes[0].http_url();
    let refused = run_cli(&["try-runtime", "--code", trap_path, "--rpc-url", &url]);
    assert!(!refused.status.success(), "try-runtime accepts a trapping runtime");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("panics in every block"), "{stderr}");
    let good = luxtensor_runtime::UPGRADE_TEST_WASM_PATH.expect("runtime/build.rs built it");
    let passed = run_cli(&["try-runtime", "--code", good, "--rpc-url", &url]);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(passed.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&passed.stderr));
    assert!(stdout.contains("ok  migrations run again change nothing"), "{stdout}");
    assert!(stdout.contains("on the new code"), "{stdout}");

    // Told so by the state, the same runtime initializes blocks but panics creating their
    // inherents: building a block with it fails just the same, and so does the dry run.
    let items = vec![(b"luxtensor:upgrade-trap".to_vec(), b"inherents".to_vec())];
    sudo(&client, RuntimeCall::System(pallet_system::Call::set_storage { items }), 1).await;
    let refused = run_cli(&["try-runtime", "--code", trap_path, "--rpc-url", &url]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("panics in inherent creation"),
        "{stderr}"
    );
    let next = upgrade_is_rolled_back(&nodes, &client, &trap, 2).await;
    // The claim carries the block's own inherent data: the timestamp it sets.
    let claim = CodeRollback::find(&next.digest).expect("the claim");
    let key = format!("0x{}", hex::encode(storage_prefix(b"Timestamp", b"Now")));
    let now: String =
        client.request("state_getStorage", rpc_params![key, next.hash()]).await.expect("now");
    let now = u64::decode(&mut &hex::decode(&now[2..]).expect("hex")[..]).expect("a time");
    let claimed: Option<u64> =
        claim.inherent_data.get(&lux_primitives::inherent::TIMESTAMP_INHERENT_ID).expect("decodes");
    assert_eq!(claimed, Some(now));
}

#[tokio::test(flavor = "multi_thread")]
async fn try_runtime_reads_a_stopped_nodes_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(3, TIMEOUT).await;
    let base = dir.path().to_str().expect("utf8");
    let good = luxtensor_runtime::UPGRADE_TEST_WASM_PATH.expect("runtime/build.rs built it");
    let trap = luxtensor_runtime::UPGRADE_TRAP_WASM_PATH.expect("runtime/build.rs built it");
    let dry_run = |code: &str| {
        run_cli(&["try-runtime", "--code", code, "--base-path", base, "--chain", "dev"])
    };
    let stderr =
        |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).to_string();

    // A running node holds its database: the dry run says so and changes nothing.
    let busy = dry_run(good);
    assert!(!busy.status.success());
    assert!(stderr(&busy).contains("in use by a running node"), "{}", stderr(&busy));

    node.stop();
    let passed = dry_run(good);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(passed.status.success(), "{stdout}\n{}", stderr(&passed));
    assert!(stdout.contains(&format!("ok  version: luxtensor {CURRENT} -> {NEXT}")), "{stdout}");
    assert!(stdout.contains("ok  migrations run again change nothing"), "{stdout}");
    assert!(stdout.contains("on the new code"), "{stdout}");
    let refused = dry_run(trap);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("panics in every block"), "{}", stderr(&refused));

    // The database is untouched: the node starts again on it and goes on.
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    node.wait_for_block(5, TIMEOUT).await;
    let version = node.client().await.runtime_version().await.expect("version");
    assert_eq!(version.spec_version, CURRENT);
}
