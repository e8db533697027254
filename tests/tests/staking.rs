//! Proof of stake on the local testnet, with real processes:
//!
//! - a fifth node with fresh session keys (`author_rotateKeysWithOwner`) whose account
//!   (Ferdie, until then a nominator) sets them with their proof and declares itself a
//!   validator is elected at the next era, authors blocks, and its precommits appear in
//!   justifications under the new finality set id;
//! - at the same era change a validator that chilled (Dave) leaves the set, and finality
//!   never stalls through the hand-over;
//! - bonded funds cannot be transferred;
//! - a full node started afterwards syncs from genesis across the set change and agrees on
//!   the finalized chain.

use std::time::Duration;

use codec::Decode;
use lux_consensus::Justification;
use lux_primitives::consensus::FinalitySet;
use lux_primitives::{AccountId20, Sr25519Public, H256, LUX};
use lux_rpc_client::TxOutcome;
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{local_testnet, wait_for, TestNode};

const TIMEOUT: Duration = Duration::from_secs(60);

/// The finality set that finalizes the children of `at`.
async fn finality_set(node: &TestNode, at: H256) -> FinalitySet {
    let client = node.client().await;
    client.runtime_call("LuxConsensusApi_finality_set", &[], Some(at)).await.expect("set")
}

/// The justification stored with block `hash`, if any.
async fn justification(node: &TestNode, hash: H256) -> Option<Justification> {
    let block: serde_json::Value = node
        .client()
        .await
        .request("chain_getBlock", jsonrpsee::rpc_params![hash])
        .await
        .expect("block");
    let data = block["justifications"].as_array()?.first()?[1].as_str()?.to_string();
    let bytes = hex::decode(data.trim_start_matches("0x")).expect("hex");
    Some(Justification::decode(&mut &bytes[..]).expect("justification decodes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_validator_joins_a_chilled_one_leaves_and_finality_follows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let alice_node = &nodes[0];
    let client = alice_node.ws_client().await;
    let genesis = alice_node.block_hash(0).await.expect("genesis");
    assert_eq!(finality_set(alice_node, genesis).await.set_id, 0);

    // A fifth node, with no keys yet.
    let bootnode = alice_node.p2p_address().await;
    let args: Vec<String> = [
        "--chain",
        "local",
        "--validator",
        "--listen-addr",
        "/ip4/127.0.0.1/tcp/0",
        "--bootnodes",
        &bootnode,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ferdie_node = TestNode::start(&dir.path().join("ferdie"), &args).await;
    let ferdie = lux_keys::dev_account("ferdie").expect("dev account");
    let ferdie_id = AccountId20(ferdie.address());
    let generated: serde_json::Value = ferdie_node
        .client()
        .await
        .request("author_rotateKeysWithOwner", jsonrpsee::rpc_params![ferdie_id])
        .await
        .expect("keys generated");
    let decode =
        |v: &serde_json::Value| hex::decode(v.as_str().expect("hex").trim_start_matches("0x"));
    let keys: [u8; 32] = decode(&generated["keys"]).expect("hex").try_into().expect("32 bytes");
    let proof = decode(&generated["proof"]).expect("hex");
    let has: bool = ferdie_node
        .client()
        .await
        .request("author_hasSessionKeys", jsonrpsee::rpc_params![generated["keys"].clone()])
        .await
        .expect("hasSessionKeys");
    assert!(has);

    // Ferdie registers the keys and turns from nominator into validator; Dave chills.
    let set_keys = RuntimeCall::Session(pallet_session::Call::set_keys {
        keys: pallet_session::SessionKeys { lux: Sr25519Public(keys) },
        proof,
    });
    let xt = client.sign(&ferdie, set_keys, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("set_keys included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "set_keys: {outcome:?}");
    let validate = RuntimeCall::Staking(pallet_staking::Call::validate {
        prefs: pallet_staking::ValidatorPrefs::default(),
    });
    let xt = client.sign(&ferdie, validate, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("validate included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "validate: {outcome:?}");
    let dave = lux_keys::dev_account("dave").expect("dev account");
    let chill = RuntimeCall::Staking(pallet_staking::Call::chill);
    let xt = client.sign(&dave, chill, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("chill included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "chill: {outcome:?}");

    // Bonded funds cannot leave: Dave's 100,000 LUX bond stays however much he sends.
    let free = client.free_balance(&AccountId20(dave.address())).await.expect("balance");
    let too_much = free - 50_000 * LUX;
    let transfer = client
        .transfer(&dave, AccountId20([0x77; 20]), too_much, true, TIMEOUT)
        .await
        .expect("included");
    match transfer.outcome {
        TxOutcome::Failed(reason) => assert!(reason.contains("LiquidityRestrictions"), "{reason}"),
        TxOutcome::Success => panic!("a transfer of bonded funds succeeded"),
    }

    // The next era's set is announced one session ahead and takes over at the era change.
    let handed_over = wait_for("the new finality set", Duration::from_secs(120), || async {
        let (_, hash) = alice_node.finalized().await;
        let set = finality_set(alice_node, hash).await;
        (set.set_id >= 1).then_some(set)
    })
    .await;
    let new_keys: Vec<Sr25519Public> = handed_over.authorities.iter().map(|(k, _)| *k).collect();
    assert!(new_keys.contains(&Sr25519Public(keys)), "Ferdie's key is a voter");
    let dave_key = Sr25519Public(lux_keys::dev_session_key("dave").expect("key").public());
    assert!(!new_keys.contains(&dave_key), "Dave left");
    assert_eq!(new_keys.len(), 4);

    // Ferdie's node authors, and its precommits finalize blocks under the new set id.
    wait_for("Ferdie's node to author", TIMEOUT, || async {
        ferdie_node.log().contains("Authored block").then_some(())
    })
    .await;
    let signed =
        wait_for("a justification with Ferdie's precommit", Duration::from_secs(90), || async {
            let (number, _) = alice_node.finalized().await;
            for n in (number.saturating_sub(20)..=number).rev() {
                let hash = alice_node.block_hash(n).await?;
                if let Some(j) = justification(alice_node, hash).await {
                    if j.set_id >= 1 && j.precommits.iter().any(|p| p.voter == Sr25519Public(keys))
                    {
                        return Some(j);
                    }
                }
            }
            None
        })
        .await;
    assert_eq!(signed.set_id, handed_over.set_id);

    // A full node syncing from genesis verifies the justifications of both sets (each against
    // the set of its block's parent state) and agrees on the finalized chain.
    let sync_args: Vec<String> =
        ["--chain", "local", "--listen-addr", "/ip4/127.0.0.1/tcp/0", "--bootnodes", &bootnode]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let full = TestNode::start(&dir.path().join("full"), &sync_args).await;

    // Finality keeps going, and all nodes agree.
    let (target, _) = alice_node.finalized().await;
    for node in nodes.iter().chain([&ferdie_node, &full]) {
        wait_for("finality on every node", TIMEOUT, || async {
            (node.finalized().await.0 >= target + 2).then_some(())
        })
        .await;
        assert_eq!(node.block_hash(target).await, alice_node.block_hash(target).await);
    }
}
