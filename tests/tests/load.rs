//! Under a flood of valid transactions the chain keeps its slots and its finality.
//!
//! Several WebSocket connections submit thousands of pre-signed transfers as fast as they can,
//! without waiting for answers, one sender's nonces spread over all connections (so they
//! arrive out of order). Every slot must still get its block, finality must keep up, and
//! every accepted transfer must be included and finalized.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use codec::Encode;
use futures::stream::{FuturesUnordered, StreamExt};
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use lux_primitives::consensus::PreDigest;
use lux_primitives::{AccountId20, Header, H256, LUX};
use lux_rpc_client::sign_extrinsic;
use luxtensor_runtime::RuntimeCall;
use luxtensor_tests::{local_testnet, wait_for, TestNode};

const SENDERS: [&str; 6] = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];

/// The tests here run one at a time: each loads the whole machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `per_sender` transfers from each dev account, nonce order, interleaved across senders.
async fn presigned(node: &TestNode, per_sender: u32) -> Vec<Vec<u8>> {
    let client = node.client().await;
    let context = client.signing_context().await.expect("context");
    let mut senders = Vec::new();
    for name in SENDERS {
        let pair = lux_keys::dev_account(name).expect("dev account");
        let nonce = client.next_index(&AccountId20(pair.address())).await.expect("nonce");
        senders.push((pair, nonce));
    }
    let mut out = Vec::new();
    for round in 0..per_sender {
        for (i, (pair, nonce)) in senders.iter().enumerate() {
            let mut dest = [0x77u8; 20];
            dest[0] = i as u8;
            dest[1..5].copy_from_slice(&round.to_le_bytes());
            let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
                dest: AccountId20(dest),
                value: LUX,
            });
            out.push(sign_extrinsic(pair, call, nonce + round, 0, &context).encode());
        }
    }
    out
}

/// Sends `txs` over `connections` WebSocket connections per URL, round-robin (so each
/// sender's nonces are spread over all of them), each with up to 256 unanswered requests.
/// Returns the hashes the node accepted.
async fn flood(urls: &[String], connections: usize, txs: Vec<Vec<u8>>) -> Vec<H256> {
    let mut streams: Vec<Vec<Vec<u8>>> = vec![Vec::new(); urls.len() * connections];
    let count = streams.len();
    for (i, xt) in txs.into_iter().enumerate() {
        streams[i % count].push(xt);
    }
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| {
            let url = urls[i % urls.len()].clone();
            tokio::spawn(async move {
                let client = WsClientBuilder::default()
                    .max_concurrent_requests(512)
                    .request_timeout(Duration::from_secs(120))
                    .build(&url)
                    .await
                    .expect("ws");
                let mut pending = FuturesUnordered::new();
                let mut accepted = Vec::new();
                for xt in stream {
                    while pending.len() >= 256 {
                        if let Some(Ok(hash)) = pending.next().await {
                            accepted.push(hash);
                        }
                    }
                    let client = &client;
                    pending.push(async move {
                        let param = format!("0x{}", hex::encode(&xt));
                        client
                            .request::<H256, _>("author_submitExtrinsic", rpc_params![param])
                            .await
                    });
                }
                while let Some(result) = pending.next().await {
                    match result {
                        Ok(hash) => accepted.push(hash),
                        Err(e) => panic!("a valid transfer was refused: {e}"),
                    }
                }
                accepted
            })
        })
        .collect();
    let mut accepted = Vec::new();
    for task in tasks {
        accepted.extend(task.await.expect("submitter"));
    }
    accepted
}

/// Follows `node`'s best and finalized heads until every hash in `wanted` is in a finalized
/// block; returns the best headers seen (by number, the last one seen at each height) and the
/// largest distance between best and finalized at any new best block.
async fn follow_until_final(
    node: &TestNode,
    wanted: &[H256],
    timeout: Duration,
) -> (HashMap<u32, Header>, u32) {
    let client = WsClientBuilder::default().build(node.ws_url()).await.expect("ws");
    let mut heads = client
        .subscribe::<Header, _>(
            "chain_subscribeNewHeads",
            rpc_params![],
            "chain_unsubscribeNewHeads",
        )
        .await
        .expect("heads");
    let mut remaining: std::collections::HashSet<H256> = wanted.iter().copied().collect();
    let mut seen = HashMap::new();
    let mut finalized_number = 0u32;
    let mut worst_lag = 0u32;
    let deadline = Instant::now() + timeout;
    while !remaining.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} transfers not finalized in {timeout:?}",
            remaining.len()
        );
        let header = tokio::time::timeout(Duration::from_secs(30), heads.next())
            .await
            .expect("a new block within 30 s")
            .expect("subscription open")
            .expect("header");
        let finalized: H256 =
            client.request("chain_getFinalizedHead", rpc_params![]).await.expect("finalized");
        let final_header: Header =
            client.request("chain_getHeader", rpc_params![finalized]).await.expect("header");
        // Everything up to the finalized block is settled.
        for number in finalized_number + 1..=final_header.number {
            let hash: H256 =
                client.request("chain_getBlockHash", rpc_params![number]).await.expect("hash");
            let block: serde_json::Value =
                client.request("chain_getBlock", rpc_params![hash]).await.expect("block");
            for xt in block["block"]["extrinsics"].as_array().into_iter().flatten() {
                let bytes =
                    hex::decode(xt.as_str().unwrap_or("").trim_start_matches("0x")).expect("hex");
                remaining.remove(&H256(lux_primitives::hashing::blake2_256(&bytes)));
            }
        }
        finalized_number = finalized_number.max(final_header.number);
        worst_lag = worst_lag.max(header.number.saturating_sub(final_header.number));
        seen.insert(header.number, header);
    }
    (seen, worst_lag)
}

/// The canonical chain from `from` to `to` has a block in every slot.
async fn assert_no_missed_slot(node: &TestNode, from: u32, to: u32) {
    let client = node.client().await;
    let mut previous: Option<u64> = None;
    for number in from..=to {
        let hash = node.block_hash(number).await.expect("canonical block");
        let header = client.header(Some(hash)).await.expect("header").expect("known");
        let slot = PreDigest::find(&header).expect("pre-digest").slot();
        if let Some(previous) = previous {
            assert_eq!(slot, previous + 1, "no block in slot {} (before #{number})", previous + 1);
        }
        previous = Some(slot);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_transfers_costs_the_dev_chain_no_slot() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::start(&dir.path().join("dev"), &["--dev".into()]).await;
    node.wait_for_block(2, Duration::from_secs(60)).await;
    let txs = presigned(&node, 500).await;
    let start = node.best_number().await;
    let accepted = flood(&[node.ws_url()], 4, txs).await;
    assert_eq!(accepted.len(), 3_000, "every transfer accepted");
    let (_, _) = follow_until_final(&node, &accepted, Duration::from_secs(240)).await;
    let end = node.finalized().await.0;
    assert_no_missed_slot(&node, start, end).await;
    // Each sender's nonces all went through, out of order as they arrived.
    let client = node.client().await;
    for name in SENDERS {
        let who = AccountId20(lux_keys::dev_account(name).expect("dev").address());
        assert!(client.next_index(&who).await.expect("nonce") >= 500);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_on_the_testnet_keeps_slots_and_finality() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let nodes = local_testnet(dir.path(), &[]).await;
    // The nodes start one after another and find each other through the bootnode; until
    // every one sees the three others, a block can miss the next author for want of a
    // connection, not because of load. The flood starts on a connected, finalizing testnet.
    wait_for("a fully connected testnet", Duration::from_secs(120), || async {
        for node in &nodes {
            if node.peers().await.len() < nodes.len() - 1 {
                return None;
            }
        }
        Some(())
    })
    .await;
    let connected_at = nodes[3].best_number().await;
    wait_for("finality on the connected testnet", Duration::from_secs(120), || async {
        (nodes[3].finalized().await.0 > connected_at).then_some(())
    })
    .await;
    let txs = presigned(&nodes[0], 300).await;
    let start = nodes[3].finalized().await.0;
    // Two nodes take submissions; the others learn the transactions by gossip.
    let urls = [nodes[0].ws_url(), nodes[1].ws_url()];
    let accepted = flood(&urls, 2, txs).await;
    assert_eq!(accepted.len(), 1_800, "every transfer accepted");
    let (_, worst_lag) = follow_until_final(&nodes[2], &accepted, Duration::from_secs(240)).await;
    // 500 ms slots: finality stays within a few seconds of the best block.
    assert!(worst_lag <= 12, "finality fell {worst_lag} blocks behind");
    let end = nodes[2].finalized().await.0;
    assert_no_missed_slot(&nodes[2], start, end).await;
}
