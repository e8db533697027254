//! Two or three networks on loopback: discovery through a bootnode, gossip, block-range
//! requests, a misbehaving peer banned, and block-range requests with a node of the previous
//! protocol version.

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

/// What the previous version's node saw.
#[derive(Debug)]
enum Seen {
    Connected(libp2p::PeerId),
    Request(BlockRequest),
    Response(BlockResponse),
}

/// Tells the previous version's node to dial an address, or to send it a request.
type OldNodeCommands = tokio::sync::mpsc::UnboundedSender<(Multiaddr, Option<BlockRequest>)>;

/// A node of the previous version, reduced to what matters here: it speaks version 1 of the
/// block-range protocol and nothing newer. It dials and requests as told, answers every
/// request with no blocks, and reports what it sees.
fn old_node() -> (libp2p::PeerId, OldNodeCommands, Receiver<Seen>) {
    use futures::StreamExt;
    use libp2p::request_response::{self, Event, Message, ProtocolSupport};
    use libp2p::swarm::SwarmEvent;
    use lux_network::protocol::{SyncCodec, SYNC_PROTOCOL_V1};

    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(Default::default(), libp2p::noise::Config::new, libp2p::yamux::Config::default)
        .expect("transport")
        .with_behaviour(|_| {
            request_response::Behaviour::with_codec(
                SyncCodec,
                [(SYNC_PROTOCOL_V1, ProtocolSupport::Full)],
                request_response::Config::default(),
            )
        })
        .expect("behaviour")
        .build();
    let id = *swarm.local_peer_id();
    let (commands, mut command_rx) = tokio::sync::mpsc::unbounded_channel();
    let (seen_tx, seen) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                command = command_rx.recv() => match command {
                    Some((address, None)) => swarm.dial(address).expect("dial"),
                    Some((address, Some(request))) => {
                        let peer = lux_network::peer_of(&address).expect("peer id");
                        swarm.behaviour_mut().send_request(&peer, request);
                    }
                    None => return,
                },
                event = swarm.select_next_some() => {
                    let seen = match event {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } => Seen::Connected(peer_id),
                        SwarmEvent::Behaviour(Event::Message { message, .. }) => match message {
                            Message::Request { request, channel, .. } => {
                                let _ = swarm.behaviour_mut().send_response(channel, BlockResponse::default());
                                Seen::Request(request)
                            }
                            Message::Response { response, .. } => Seen::Response(response),
                        },
                        SwarmEvent::Behaviour(
                            failure @ (Event::OutboundFailure { .. } | Event::InboundFailure { .. }),
                        ) => panic!("request-response failed: {failure:?}"),
                        _ => continue,
                    };
                    let _ = seen_tx.send(seen).await;
                }
            }
        }
    });
    (id, commands, seen)
}

async fn next_seen(seen: &mut Receiver<Seen>) -> Seen {
    timeout(Duration::from_secs(20), seen.recv()).await.expect("in time").expect("old node runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_of_the_previous_protocol_version_syncs_both_ways() {
    let (new, mut new_events) = start(config(vec![])).expect("new node starts");
    let new_address = address_of(&new).await;
    let (asked_tx, mut asked) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Some(event) = new_events.recv().await {
            if let NetworkEvent::Request { request, respond, .. } = event {
                let _ = respond.send(BlockResponse::default());
                let _ = asked_tx.send(request).await;
            }
        }
    });
    let (old_id, old, mut seen) = old_node();
    old.send((new_address.clone(), None)).expect("old node runs");
    assert!(matches!(next_seen(&mut seen).await, Seen::Connected(p) if p == new.local_peer_id()));
    wait_for(|| new.peers().iter().any(|p| p.peer_id == old_id), "the new node to see the old")
        .await;

    // The old node asks in version 1, which has no way to decline bodies: the new node serves
    // the request as one that wants them.
    let request = BlockRequest {
        from: FromBlock::Number(1),
        direction: Direction::Ascending,
        max: 7,
        body: false,
    };
    old.send((new_address, Some(request))).expect("old node runs");
    let served = timeout(Duration::from_secs(20), asked.recv()).await.expect("in time");
    assert_eq!(served, Some(BlockRequest { body: true, ..request }));
    assert!(matches!(next_seen(&mut seen).await, Seen::Response(r) if r.blocks.is_empty()));

    // The new node asks the old one, which knows only version 1, and gets its answer.
    let status = BlockRequest { from: FromBlock::Best, max: 1, ..request };
    let answer = new.request(old_id, status).await.expect("the old node answers");
    assert!(answer.blocks.is_empty());
    assert!(
        matches!(next_seen(&mut seen).await, Seen::Request(r) if r == BlockRequest { body: true, ..status })
    );
}
