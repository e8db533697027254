//! Many nodes, one chain: real `luxtensor` processes on loopback, talking libp2p.
//!
//! - four validators of the local chain finalize across epoch changes, keep finalizing with one
//!   stopped, and a full node started late catches up (checking every block's slot claim
//!   against the epoch randomness) and agrees on the finalized hash;
//! - with two of four paused nothing new is final, and after they resume all four converge and
//!   finalize again;
//! - a peer that sends garbage is banned while the others keep working;
//! - a full node syncs more than 1,000 blocks from a dev chain;
//! - a node and a peer of the gossip format from before transaction batches hear each
//!   other's transactions.

use std::time::Duration;

use lux_network::{Keypair, Multiaddr, NetworkConfig, Topic};
use lux_primitives::consensus::EpochDescriptor;
use lux_primitives::H256;
use luxtensor_tests::{local_testnet, wait_for, TestNode};

/// The tests here run one at a time: each starts several nodes, and on a 2-core machine
/// parallel testnets would starve each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until every node in `nodes` has finalized at least `number`.
async fn wait_finalized(nodes: &[&TestNode], number: u32, timeout: Duration) {
    for node in nodes {
        wait_for(&format!("finality of #{number}"), timeout, || async {
            (node.finalized().await.0 >= number).then_some(())
        })
        .await;
    }
}

/// Every node has the same block at the lowest finalized height among them.
async fn assert_same_finalized(nodes: &[&TestNode]) {
    let mut lowest = u32::MAX;
    for node in nodes {
        lowest = lowest.min(node.finalized().await.0);
    }
    let first = nodes[0].block_hash(lowest).await;
    assert!(first.is_some());
    for node in &nodes[1..] {
        assert_eq!(node.block_hash(lowest).await, first, "nodes disagree on #{lowest}");
    }
}

/// The epoch of block `at`, as `node`'s runtime reports it.
async fn epoch(node: &TestNode, at: H256) -> EpochDescriptor {
    let client = node.client().await;
    client.runtime_call("LuxConsensusApi_current_epoch", &[], Some(at)).await.expect("epoch")
}

/// Checks the epoch the runtime reports at every block from 1 to `head` against one computed
/// here from the headers alone: epochs of 20 slots from block 1's slot, epoch 0 with zero
/// randomness, and each next epoch's randomness the VRF outputs of the previous epoch's primary
/// blocks in its first half hashed into an accumulator. Returns how many primary blocks fed the
/// randomness of the epochs after them.
async fn check_epochs(node: &TestNode, head: H256) -> u32 {
    use lux_primitives::consensus::{accumulate_randomness, randomness_accumulator, PreDigest};
    use lux_primitives::hashing::blake2_256;

    let client = node.client().await;
    let head_number = client.header(Some(head)).await.expect("header").expect("known").number;
    let (mut index, mut randomness, mut accumulator) = (0u64, [0u8; 32], [0u8; 32]);
    let (mut genesis_slot, mut primaries) = (None, 0);
    for number in 1..=head_number {
        let hash = node.block_hash(number).await.expect("canonical block");
        let header = client.header(Some(hash)).await.expect("header").expect("known");
        let claim = PreDigest::find(&header).expect("every block claims a slot");
        let genesis = *genesis_slot.get_or_insert(claim.slot());
        let block_epoch = (claim.slot() - genesis) / 20;
        if block_epoch > index {
            (index, randomness) = (block_epoch, accumulator);
            accumulator = randomness_accumulator(&randomness, index, blake2_256);
        }
        // Only the primaries of an epoch's first ten slots feed the next epoch's randomness.
        let in_window = claim.slot() - (genesis + index * 20) < 10;
        if let (PreDigest::Primary { vrf_output, .. }, true) = (claim, in_window) {
            accumulator = accumulate_randomness(&accumulator, &vrf_output, blake2_256);
            primaries += 1;
        }
        let reported = epoch(node, hash).await;
        assert_eq!(reported.length, 20);
        assert_eq!(
            (reported.index, reported.start_slot, reported.randomness),
            (index, genesis + index * 20, randomness),
            "the epoch of #{number}"
        );
    }
    assert!(index >= 2, "the chain crossed two epoch changes");
    primaries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_finalize_survive_one_stopped_and_a_late_node_syncs() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut nodes = local_testnet(dir.path(), &[]).await;
    let all: Vec<&TestNode> = nodes.iter().collect();
    wait_finalized(&all, 4, Duration::from_secs(120)).await;
    assert_same_finalized(&all).await;
    let peers = nodes[0].peers().await;
    assert_eq!(peers.len(), 3, "alice sees the three others: {peers:?}");

    // One of four stopped: the other three still hold more than 2/3.
    nodes[3].stop();
    let (before, _) = nodes[0].finalized().await;
    let three: Vec<&TestNode> = nodes[..3].iter().collect();
    wait_finalized(&three, before + 3, Duration::from_secs(90)).await;
    assert_same_finalized(&three).await;

    // Let the chain finalize a block of epoch 2 (epochs of 20 slots of 500 ms, from block 1's
    // slot), then recompute every block's epoch from the headers alone, once per epoch until a
    // primary block has fed the randomness (a fifth of the slots of three validators have
    // one, and ten slots of each epoch count).
    let checked = std::cell::Cell::new(1);
    let later =
        wait_for("epoch 2, with randomness fed by a primary", Duration::from_secs(150), || {
            let (node, checked) = (&nodes[0], &checked);
            async move {
                let head = node.finalized().await.1;
                let later = epoch(node, head).await;
                if later.index <= checked.get() {
                    return None;
                }
                checked.set(later.index);
                (check_epochs(node, head).await > 0).then_some((head, later))
            }
        })
        .await;

    // A full node started late downloads the chain with its justifications.
    let bootnode = nodes[0].p2p_address().await;
    let args: Vec<String> =
        ["--chain", "local", "--listen-addr", "/ip4/127.0.0.1/tcp/0", "--bootnodes", &bootnode]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let full = TestNode::start(&dir.path().join("full"), &args).await;
    let (target, _) = nodes[0].finalized().await;
    wait_finalized(&[&full], target, Duration::from_secs(90)).await;
    assert_same_finalized(&[&nodes[0], &full]).await;
    assert_eq!(epoch(&full, later.0).await, later.1, "the synced node's runtime agrees");
    let health: serde_json::Value = full
        .client()
        .await
        .request("system_health", jsonrpsee::rpc_params![])
        .await
        .expect("health");
    assert!(health["peers"].as_u64().unwrap_or(0) >= 1, "{health}");
    let sync: serde_json::Value = full
        .client()
        .await
        .request("system_syncState", jsonrpsee::rpc_params![])
        .await
        .expect("sync state");
    assert!(sync["highestBlock"].as_u64().unwrap_or(0) >= u64::from(target), "{sync}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_two_split_never_finalizes_and_heals() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let all: Vec<&TestNode> = nodes.iter().collect();
    wait_finalized(&all, 3, Duration::from_secs(120)).await;

    // Pause charlie and dave: alice and bob hold only half the stake.
    nodes[2].pause(true);
    nodes[3].pause(true);
    // Votes already in flight may still finalize a block or two.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (frozen, _) = nodes[0].finalized().await;
    let best_before = nodes[0].best_number().await;
    nodes[0].wait_for_block(best_before + 3, Duration::from_secs(60)).await;
    assert_eq!(nodes[0].finalized().await.0, frozen, "half the stake finalized a block");
    assert_eq!(nodes[1].finalized().await.0, frozen);

    // Heal: all four converge and finalize past the split.
    nodes[2].pause(false);
    nodes[3].pause(false);
    let best = nodes[0].best_number().await;
    wait_finalized(&all, best + 1, Duration::from_secs(120)).await;
    assert_same_finalized(&all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_sending_garbage_is_banned() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let all: Vec<&TestNode> = nodes.iter().collect();
    wait_finalized(&all, 2, Duration::from_secs(120)).await;

    // A libp2p peer of our own that only sends garbage on the block topic.
    let genesis = nodes[0].block_hash(0).await.expect("genesis");
    let bootnode: Multiaddr = nodes[0].p2p_address().await.parse().expect("address");
    let key = Keypair::generate_ed25519();
    let garbage_id = key.public().to_peer_id().to_string();
    let (handle, _events) = lux_network::start(NetworkConfig {
        listen_addresses: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("address")],
        bootnodes: vec![bootnode],
        node_key: key,
        genesis_hash: genesis,
        mdns: false,
        ban_duration: Duration::from_secs(60),
        request_timeout: Duration::from_secs(5),
    })
    .expect("garbage peer starts");
    let has_garbage_peer = |peers: &[serde_json::Value]| {
        peers.iter().any(|p| p["peerId"].as_str() == Some(garbage_id.as_str()))
    };
    wait_for("alice to see the garbage peer", Duration::from_secs(30), || async {
        has_garbage_peer(&nodes[0].peers().await).then_some(())
    })
    .await;
    wait_for("alice to ban the garbage peer", Duration::from_secs(60), || async {
        handle.publish(Topic::Blocks, vec![0xde, 0xad, 0xbe, 0xef]);
        (!has_garbage_peer(&nodes[0].peers().await)).then_some(())
    })
    .await;
    assert!(nodes[0].log().contains("banning peer"), "no ban in alice's log");
    // Peers of this version gossip nothing in the old transaction format.
    for node in &nodes {
        assert!(!node.log().contains("format from before batches"), "{}", node.log());
    }
    // The others keep working.
    let (finalized, _) = nodes[0].finalized().await;
    wait_finalized(&all, finalized + 2, Duration::from_secs(60)).await;
    assert!(nodes[0].peers().await.len() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_node_syncs_a_thousand_blocks() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let block_time = ["--dev-block-time".to_string(), "100".to_string()];
    let mut args: Vec<String> =
        ["--chain", "dev", "--alice", "--listen-addr", "/ip4/127.0.0.1/tcp/0"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(block_time.clone());
    let alice = TestNode::start(&dir.path().join("alice"), &args).await;
    alice.wait_for_block(1_050, Duration::from_secs(300)).await;
    let bootnode = alice.p2p_address().await;
    let mut args: Vec<String> =
        ["--chain", "dev", "--listen-addr", "/ip4/127.0.0.1/tcp/0", "--bootnodes", &bootnode]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(block_time);
    let started = std::time::Instant::now();
    let full = TestNode::start(&dir.path().join("full"), &args).await;
    let target = alice.best_number().await;
    full.wait_for_block(target, Duration::from_secs(300)).await;
    let elapsed = started.elapsed();
    eprintln!(
        "synced {target} blocks in {elapsed:?} ({:.0} blocks/s)",
        f64::from(target) / elapsed.as_secs_f64()
    );
    assert_eq!(full.block_hash(target).await, alice.block_hash(target).await);
}

/// Tells a peer of the old gossip format what to publish, and hears whether it went out.
type Publish = (Vec<u8>, tokio::sync::oneshot::Sender<bool>);

/// A node from before transactions were gossiped in batches, reduced to its gossip: it
/// subscribes to the block, finality and version-1 transaction topics of `genesis` (one
/// encoded extrinsic per message), dials `node`, publishes on the transaction topic what it is
/// sent, and hands on every transaction it hears there. Its peer id comes first.
fn old_gossip_node(
    genesis: H256,
    node: Multiaddr,
) -> (
    String,
    tokio::sync::mpsc::UnboundedSender<Publish>,
    tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    use futures::StreamExt;
    use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity};
    use libp2p::swarm::SwarmEvent;

    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(Default::default(), libp2p::noise::Config::new, libp2p::yamux::Config::default)
        .expect("transport")
        .with_behaviour(|key| {
            gossipsub::Behaviour::<gossipsub::IdentityTransform>::new(
                MessageAuthenticity::Signed(key.clone()),
                gossipsub::Config::default(),
            )
            .expect("gossipsub")
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build();
    let prefix = format!("/luxtensor/{}", hex::encode(genesis.as_bytes()));
    let transactions = IdentTopic::new(format!("{prefix}/transactions/1"));
    for kind in ["blocks/1", "finality/1"] {
        let topic = IdentTopic::new(format!("{prefix}/{kind}"));
        swarm.behaviour_mut().subscribe(&topic).expect("subscribes");
    }
    swarm.behaviour_mut().subscribe(&transactions).expect("subscribes");
    swarm.dial(node).expect("dials");
    let peer_id = swarm.local_peer_id().to_string();
    let (publish, mut to_publish) = tokio::sync::mpsc::unbounded_channel::<Publish>();
    let (heard_tx, heard) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                command = to_publish.recv() => match command {
                    Some((data, sent)) => {
                        let published =
                            swarm.behaviour_mut().publish(transactions.clone(), data).is_ok();
                        let _ = sent.send(published);
                    }
                    None => return,
                },
                event = swarm.select_next_some() => {
                    if let SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) = event {
                        if message.topic == transactions.hash() {
                            let _ = heard_tx.send(message.data);
                        }
                    }
                }
            }
        }
    });
    (peer_id, publish, heard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_of_the_gossip_format_before_batches_trades_transactions_both_ways() {
    use codec::Encode;
    use lux_primitives::{AccountId20, LUX};
    use luxtensor_runtime::RuntimeCall;

    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let args: Vec<String> = ["--chain", "dev", "--alice", "--listen-addr", "/ip4/127.0.0.1/tcp/0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let node = TestNode::start(&dir.path().join("alice"), &args).await;
    let genesis = node.block_hash(0).await.expect("genesis");
    let address: Multiaddr = node.p2p_address().await.parse().expect("address");
    let (old_id, old, mut heard) = old_gossip_node(genesis, address);
    wait_for("the node to see the old peer", Duration::from_secs(30), || async {
        node.peers().await.iter().any(|p| p["peerId"].as_str() == Some(&old_id)).then_some(())
    })
    .await;
    let client = node.client().await;
    let transfer = |to: u8| {
        RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
            dest: AccountId20([to; 20]),
            value: LUX,
        })
    };

    // What a client submits to the node reaches the old peer, alone and encoded as before,
    // once the node knows the peer's subscriptions (a new transfer each try until then).
    let alice = lux_keys::dev_account("alice").expect("alice");
    let mut submitted = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    'heard: loop {
        assert!(tokio::time::Instant::now() < deadline, "the old peer heard no transaction");
        let xt = client.sign(&alice, transfer(0x21), 0).await.expect("signed");
        client.submit(&xt).await.expect("submitted");
        submitted.push(xt.encode());
        let wait = tokio::time::sleep(Duration::from_millis(500));
        tokio::pin!(wait);
        loop {
            tokio::select! {
                Some(data) = heard.recv() => {
                    if submitted.contains(&data) {
                        break 'heard;
                    }
                }
                _ = &mut wait => break,
            }
        }
    }
    assert!(node.log().contains("a peer gossips transactions in the format from before batches"));

    // What the old peer gossips is validated and included.
    let bob = lux_keys::dev_account("bob").expect("bob");
    let bob_id = AccountId20(bob.address());
    let xt = client.sign(&bob, transfer(0x22), 0).await.expect("signed");
    wait_for("the old peer to publish", Duration::from_secs(30), || async {
        let (sent, published) = tokio::sync::oneshot::channel();
        old.send((xt.encode(), sent)).expect("the old peer runs");
        published.await.expect("the old peer answers").then_some(())
    })
    .await;
    wait_for("the old peer's transfer to be included", Duration::from_secs(60), || async {
        (client.account(&bob_id).await.ok()?.nonce > 0).then_some(())
    })
    .await;

    // Once it leaves, the node gossips nothing in the old format any more.
    drop(old);
    wait_for("the node to notice", Duration::from_secs(30), || async {
        node.log().contains("no peer gossips transactions in the old format").then_some(())
    })
    .await;
}
