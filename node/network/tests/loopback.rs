//! Two or three networks on loopback: discovery through a bootnode, gossip, block-range
//! requests, and a misbehaving peer banned.

use std::time::Duration;

use lux_network::{
    start, AddressProtocol, BlockRequest, BlockResponse, Direction, FromBlock, Keypair,
    Misbehaviour, Multiaddr, NetworkConfig, NetworkEvent, NetworkHandle, Topic, Validation,
};
use lux_primitives::H256;
use tokio::sync::mpsc::Receiver;
use tokio::time::{timeout, Instant};

fn config(bootnodes: Vec<Multiaddr>) -> NetworkConfig {
    NetworkConfig {
        listen_addresses: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("address")],
        bootnodes,
        node_key: Keypair::generate_ed25519(),
        genesis_hash: H256::repeat_byte(1),
        mdns: false,
        ban_duration: Duration::from_secs(60),
        request_timeout: Duration::from_secs(5),
    }
}

async fn address_of(handle: &NetworkHandle) -> Multiaddr {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(address) = handle.listen_addresses().first() {
            return address.clone().with(AddressProtocol::P2p(handle.local_peer_id()));
        }
        assert!(Instant::now() < deadline, "no listen address");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_for(mut condition: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Answers block requests with an empty response, accepts and hands on gossip.
fn serve(handle: NetworkHandle, mut events: Receiver<NetworkEvent>) -> Receiver<(Topic, Vec<u8>)> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                NetworkEvent::Gossip { topic, data, id, peer } => {
                    handle.validated(id, peer, Validation::Accept);
                    let _ = tx.send((topic, data)).await;
                }
                NetworkEvent::Request { request, respond, .. } => {
                    assert_eq!(request.max, 7);
                    let _ = respond.send(BlockResponse::default());
                }
                _ => {}
            }
        }
    });
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_connect_gossip_request_and_ban() {
    let (a, a_events) = start(config(vec![])).expect("a starts");
    let a_address = address_of(&a).await;
    let (b, b_events) = start(config(vec![a_address.clone()])).expect("b starts");
    let (_a_gossip, mut b_gossip) = (serve(a.clone(), a_events), serve(b.clone(), b_events));
    wait_for(|| a.peers().len() == 1 && b.peers().len() == 1, "a and b to connect").await;

    // Gossip: publish until b's subscription reached a and the message arrives.
    let deadline = Instant::now() + Duration::from_secs(20);
    let received = loop {
        a.publish(Topic::Blocks, b"block".to_vec());
        if let Ok(Some(message)) = timeout(Duration::from_millis(300), b_gossip.recv()).await {
            break message;
        }
        assert!(Instant::now() < deadline, "gossip never arrived");
    };
    assert_eq!(received, (Topic::Blocks, b"block".to_vec()));

    // Requests: a answers b.
    let request = BlockRequest {
        from: FromBlock::Number(1),
        direction: Direction::Ascending,
        max: 7,
        body: true,
    };
    let response = b.request(a.local_peer_id(), request).await.expect("a answers");
    assert!(response.blocks.is_empty());

    // A third node finds b through a (Kademlia) without knowing it.
    let (c, c_events) = start(config(vec![a_address])).expect("c starts");
    let _c_gossip = serve(c.clone(), c_events);
    wait_for(|| c.peers().len() == 2, "c to discover b").await;

    // Misbehaviour: a bans b after enough garbage; b stays cut off from a.
    for _ in 0..4 {
        a.report(b.local_peer_id(), Misbehaviour::Undecodable);
    }
    let b_id = b.local_peer_id();
    wait_for(|| a.peers().iter().all(|p| p.peer_id != b_id), "a to drop b").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(a.peers().iter().all(|p| p.peer_id != b_id), "b reconnected while banned");
    assert!(b.request(a.local_peer_id(), request).await.is_err());
    // c is unaffected.
    assert!(a.peers().iter().any(|p| p.peer_id == c.local_peer_id()));
}
