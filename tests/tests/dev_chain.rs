//! A single dev node, driven over RPC only: transfers, restarts, `kill -9`, bad extrinsics.

use std::time::Duration;

use codec::Encode;
use lux_primitives::{AccountId20, LUX};
use lux_rpc_client::{sign_extrinsic, TxOutcome};
use luxtensor_runtime::{RuntimeCall, RuntimeEvent};
use luxtensor_tests::{NodeOptions, TestNode};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

fn alice() -> lux_keys::EthereumPair {
    lux_keys::dev_account("alice").expect("alice")
}

fn fresh_account(seed: u8) -> AccountId20 {
    AccountId20([seed; 20])
}

fn rpc_error_code(e: &lux_rpc_client::ClientError) -> Option<i32> {
    match e {
        lux_rpc_client::ClientError::Rpc(jsonrpsee::core::ClientError::Call(obj)) => {
            Some(obj.code())
        }
        _ => None,
    }
}

fn rpc_error_text(e: &lux_rpc_client::ClientError) -> String {
    match e {
        lux_rpc_client::ClientError::Rpc(jsonrpsee::core::ClientError::Call(obj)) => {
            format!("{} {}", obj.message(), obj.data().map(|d| d.get()).unwrap_or_default())
        }
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_transfer_moves_balance_and_emits_transfer_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let client = node.ws_client().await;
    let alice = alice();
    let alice_id = AccountId20(alice.address());
    let to = fresh_account(0x11);
    let before = client.free_balance(&alice_id).await.expect("balance");

    let inclusion = client.transfer(&alice, to, 10 * LUX, true, TIMEOUT).await.expect("included");
    assert_eq!(inclusion.outcome, TxOutcome::Success);
    let transfer = RuntimeEvent::Balances(pallet_balances::Event::Transfer {
        from: alice_id,
        to,
        amount: 10 * LUX,
    });
    assert!(inclusion.events.contains(&transfer), "events: {:?}", inclusion.events);

    let at_block = |who: AccountId20| {
        let client = &client;
        let block = inclusion.block_hash;
        async move {
            let key = format!("0x{}", hex::encode(lux_rpc_client::account_storage_key(&who)));
            let value: Option<String> = client
                .request("state_getStorage", jsonrpsee::rpc_params![key, block])
                .await
                .expect("storage");
            let bytes =
                hex::decode(value.expect("account exists").trim_start_matches("0x")).expect("hex");
            <pallet_system::AccountInfo as codec::Decode>::decode(&mut &bytes[..])
                .expect("decodes")
                .data
                .free
        }
    };
    assert_eq!(at_block(to).await, 10 * LUX);
    let after = at_block(alice_id).await;
    let fee = inclusion
        .events
        .iter()
        .find_map(|e| match e {
            RuntimeEvent::TransactionPayment(
                pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee, tip: 0 },
            ) if *who == alice_id => Some(*actual_fee),
            _ => None,
        })
        .expect("fee event");
    assert!(fee > 0 && fee < LUX / 100, "fee {fee}");
    // Alice also authored the block: she gets the author's share of her own fee back.
    let share = luxtensor_runtime::configs::AUTHOR_FEE_SHARE.mul_floor(fee);
    assert_eq!(after, before - 10 * LUX - fee + share);
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_keeps_height_state_root_and_balances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let to = fresh_account(0x22);
    let (number, hash, state_root) = {
        let mut node = TestNode::dev(dir.path(), NodeOptions::default()).await;
        let client = node.ws_client().await;
        client.transfer(&alice(), to, 3 * LUX, true, TIMEOUT).await.expect("included");
        let header = client.header(None).await.expect("rpc").expect("header");
        // A child process compiled the runtime into the cache under the base path.
        let log = node.log();
        assert!(log.contains("compiled runtime") && log.contains("in a child process"), "{log}");
        node.stop();
        (header.number, header.hash(), header.state_root)
    };
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    // The restarted node loads it from there.
    assert!(!node.log().contains("compiled runtime"), "{}", node.log());
    let client = node.client().await;
    assert!(node.best_number().await >= number, "height kept");
    let same: Option<lux_primitives::H256> =
        client.request("chain_getBlockHash", jsonrpsee::rpc_params![number]).await.expect("rpc");
    assert_eq!(same, Some(hash));
    let header = client.header(Some(hash)).await.expect("rpc").expect("header");
    assert_eq!(header.state_root, state_root);
    assert_eq!(client.free_balance(&to).await.expect("balance"), 3 * LUX);
    node.wait_for_block(number + 3, TIMEOUT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_block_production_reopens_and_continues() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = NodeOptions { block_time_ms: 100, ..Default::default() };
    let mut last = 0;
    for round in 0..4u32 {
        let mut node = TestNode::dev(dir.path(), options.clone()).await;
        let best = node.best_number().await;
        assert!(best >= last, "round {round}: best #{best} went back from #{last}");
        // Keep a transfer in flight so the kill can land in the middle of a block with work.
        let client = node.client().await;
        let alice = alice();
        let context = client.signing_context().await.expect("context");
        let nonce = client.next_index(&AccountId20(alice.address())).await.expect("nonce");
        let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
            dest: fresh_account(0x33),
            value: LUX,
        });
        client.submit(&sign_extrinsic(&alice, call, nonce, 0, &context)).await.expect("submitted");
        node.wait_for_block(best + 2 + round, TIMEOUT).await;
        last = node.best_number().await;
        node.kill();
    }
    let node = TestNode::dev(dir.path(), options).await;
    let best = node.best_number().await;
    assert!(best >= last);
    node.wait_for_block(best + 5, TIMEOUT).await;
    let balance = node.client().await.free_balance(&fresh_account(0x33)).await.expect("balance");
    assert!(balance >= LUX, "transfers survived the kills");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_extrinsics_get_clear_errors_and_the_chain_keeps_going() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = NodeOptions {
        args: vec!["--rpc-max-request-size".into(), "1".into()],
        ..Default::default()
    };
    let node = TestNode::dev(dir.path(), options).await;
    let client = node.client().await;
    let alice = alice();
    let context = client.signing_context().await.expect("context");
    let submit_hex = |hex: String| {
        let client = &client;
        async move {
            client.request::<Value>("author_submitExtrinsic", jsonrpsee::rpc_params![hex]).await
        }
    };

    // Not even a length-prefixed byte string.
    let err = submit_hex("0x1234".into()).await.expect_err("malformed");
    assert_eq!(rpc_error_code(&err), Some(1001), "{err}");
    let err = submit_hex("nonsense".into()).await.expect_err("not hex");
    assert!(rpc_error_code(&err).is_some(), "{err}");
    // Length-prefixed, but not an extrinsic of this runtime.
    let garbage = vec![0x84u8, 0xff, 0xff, 0xff].encode();
    let err = submit_hex(format!("0x{}", hex::encode(garbage))).await.expect_err("undecodable");
    assert_eq!(rpc_error_code(&err), Some(1002), "{err}");

    let transfer = |dest: u8, nonce| {
        RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
            dest: fresh_account(dest),
            value: LUX,
        })
        .then_sign(&alice, nonce, &context)
    };
    // A bad signature.
    let mut bad = transfer(0x44, 0);
    if let Some((_, sig, _)) = bad.signature.as_mut() {
        sig.0[5] ^= 0x01;
    }
    let err = client.submit(&bad).await.expect_err("bad signature");
    assert_eq!(rpc_error_code(&err), Some(1010));
    assert!(rpc_error_text(&err).contains("bad signature"), "{}", rpc_error_text(&err));

    // A stale nonce, once nonce 0 is used.
    let first = client.submit_and_wait(&transfer(0x44, 0), TIMEOUT).await.expect("included");
    assert_eq!(first.outcome, TxOutcome::Success);
    let err = client.submit(&transfer(0x45, 0)).await.expect_err("stale");
    assert_eq!(rpc_error_code(&err), Some(1010));
    assert!(rpc_error_text(&err).contains("outdated"), "{}", rpc_error_text(&err));

    // A sender that cannot pay the fee.
    let poor = lux_keys::EthereumPair::from_secret_key(&[7; 32]).expect("key");
    let broke = RuntimeCall::System(pallet_system::Call::remark { remark: vec![1] })
        .then_sign(&poor, 0, &context);
    let err = client.submit(&broke).await.expect_err("cannot pay");
    assert_eq!(rpc_error_code(&err), Some(1010));
    assert!(rpc_error_text(&err).contains("pay"), "{}", rpc_error_text(&err));

    // A request over the 1 MiB limit is refused; the node keeps serving.
    let huge = format!("0x{}", "00".repeat(2 * 1024 * 1024));
    let err = client
        .request::<Value>("state_call", jsonrpsee::rpc_params!["Core_version", huge])
        .await
        .expect_err("too large");
    assert!(!err.to_string().is_empty());

    let best = node.best_number().await;
    node.wait_for_block(best + 3, TIMEOUT).await;
}

/// Signing helper for the tests above.
trait ThenSign {
    fn then_sign(
        self,
        pair: &lux_keys::EthereumPair,
        nonce: u32,
        context: &lux_rpc_client::SigningContext,
    ) -> luxtensor_runtime::UncheckedExtrinsic;
}

impl ThenSign for RuntimeCall {
    fn then_sign(
        self,
        pair: &lux_keys::EthereumPair,
        nonce: u32,
        context: &lux_rpc_client::SigningContext,
    ) -> luxtensor_runtime::UncheckedExtrinsic {
        sign_extrinsic(pair, self, nonce, 0, context)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_transfer_is_included_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let client = node.ws_client().await;
    let inclusion = client
        .transfer(&alice(), fresh_account(0x55), 10_000_000 * LUX, true, TIMEOUT)
        .await
        .expect("included even though it fails");
    assert_eq!(inclusion.outcome, TxOutcome::Failed("Balances.InsufficientBalance".into()));
    let failed = inclusion
        .events
        .iter()
        .any(|e| matches!(e, RuntimeEvent::System(pallet_system::Event::ExtrinsicFailed { .. })));
    assert!(failed);
}

#[tokio::test(flavor = "multi_thread")]
async fn pruned_state_is_refused_with_a_clear_error_and_recent_state_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(
        dir.path(),
        NodeOptions { args: vec!["--state-pruning".into(), "4".into()], ..Default::default() },
    )
    .await;
    let client = node.client().await;
    let key = format!(
        "0x{}",
        hex::encode(lux_rpc_client::account_storage_key(&AccountId20(alice().address())))
    );
    node.wait_for_block(1, TIMEOUT).await;
    let one = node.block_hash(1).await.expect("block 1");
    // Block 1's state goes once a block 4 above it is final (a pruning pass follows finality).
    let error = luxtensor_tests::wait_for("block 1's state to be pruned", TIMEOUT, || async {
        let result: Result<Option<String>, _> =
            client.request("state_getStorage", jsonrpsee::rpc_params![key.clone(), one]).await;
        result.err().map(|e| rpc_error_text(&e))
    })
    .await;
    assert!(error.contains("State already discarded"), "{error}");
    // The best block's state is served.
    let value: Option<String> =
        client.request("state_getStorage", jsonrpsee::rpc_params![key]).await.expect("storage");
    assert!(value.is_some());
    // A bad mode is refused with a clear error.
    let output = luxtensor_tests::run_cli(&["--dev", "--state-pruning", "some"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid pruning mode"), "{stderr}");
}
