//! The libp2p swarm, run as one task; the rest of the node talks to it through a
//! [`NetworkHandle`] and a stream of [`NetworkEvent`]s.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    allow_block_list, gossipsub, identify, identity, kad, mdns, noise, ping, tcp, yamux, Multiaddr,
    PeerId, Swarm,
};
use lux_primitives::H256;
use parking_lot::RwLock;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{
    BlockRequest, BlockResponse, SyncCodec, Topic, MAX_GOSSIP_BYTES, SYNC_PROTOCOLS,
};
use crate::reputation::{Misbehaviour, Reputation};
use crate::NetworkError;

/// How the network starts.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Addresses to listen on, e.g. `/ip4/0.0.0.0/tcp/30333`.
    pub listen_addresses: Vec<Multiaddr>,
    /// Peers to dial at start, `/ip4/.../tcp/.../p2p/<peer id>`.
    pub bootnodes: Vec<Multiaddr>,
    /// The node's identity.
    pub node_key: identity::Keypair,
    /// The chain: gossip topics are per genesis hash.
    pub genesis_hash: H256,
    /// Find peers on the local network with mDNS.
    pub mdns: bool,
    /// How long a banned peer stays banned.
    pub ban_duration: Duration,
    /// How long to wait for a block-range response.
    pub request_timeout: Duration,
}

/// What the network hands the node.
#[derive(Debug)]
pub enum NetworkEvent {
    /// A gossip message on one of our topics. It is forwarded to other peers only once the
    /// node reports it valid with [`NetworkHandle::validated`], so honest nodes never relay
    /// garbage and the peer that sent an invalid message is the one to blame.
    Gossip {
        /// The peer that forwarded it.
        peer: PeerId,
        /// Its topic.
        topic: Topic,
        /// Its payload.
        data: Vec<u8>,
        /// Its id, for the validation result.
        id: GossipId,
    },
    /// A peer asks for blocks; answer through `respond` (dropping it answers nothing).
    Request {
        /// Who asks.
        peer: PeerId,
        /// What for.
        request: BlockRequest,
        /// Where the answer goes.
        respond: oneshot::Sender<BlockResponse>,
    },
    /// A peer connected.
    PeerConnected(PeerId),
    /// A peer's last connection closed.
    PeerDisconnected(PeerId),
}

/// Identifies a received gossip message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GossipId(gossipsub::MessageId);

/// What the node found of a gossip message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validation {
    /// Valid: forward it.
    Accept,
    /// Invalid: drop it (the sender is reported separately).
    Reject,
    /// Neither (e.g. a block whose parent we lack): drop it without blame.
    Ignore,
}

/// A connected peer, for `system_peers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its id.
    pub peer_id: PeerId,
    /// Its best block, as far as we know.
    pub best: Option<(H256, u32)>,
}

enum Command {
    Publish(Topic, Vec<u8>),
    Request {
        peer: PeerId,
        request: BlockRequest,
        reply: oneshot::Sender<Result<BlockResponse, NetworkError>>,
    },
    Report(PeerId, Misbehaviour),
    Dial(Multiaddr),
    Validated(GossipId, PeerId, Validation),
    AddReserved(PeerId, Multiaddr),
    RemoveReserved(PeerId),
}

#[derive(Default)]
struct Shared {
    peers: BTreeMap<PeerId, PeerInfo>,
    listen_addresses: Vec<Multiaddr>,
    /// Reserved peers and where to reach them: dialled again whenever disconnected.
    reserved: BTreeMap<PeerId, Multiaddr>,
    /// Whether a connected peer hears transactions only on [`Topic::LegacyTransactions`].
    legacy_transaction_peers: bool,
}

/// Talks to the network task. Cheap to clone.
#[derive(Clone)]
pub struct NetworkHandle {
    commands: mpsc::UnboundedSender<Command>,
    local_peer_id: PeerId,
    shared: Arc<RwLock<Shared>>,
}

impl NetworkHandle {
    /// Our peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// Where we listen.
    pub fn listen_addresses(&self) -> Vec<Multiaddr> {
        self.shared.read().listen_addresses.clone()
    }

    /// Connected peers.
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.shared.read().peers.values().cloned().collect()
    }

    /// Records what we learnt of a peer's best block.
    pub fn note_best(&self, peer: PeerId, hash: H256, number: u32) {
        if let Some(info) = self.shared.write().peers.get_mut(&peer) {
            if info.best.is_none_or(|(_, n)| number >= n) {
                info.best = Some((hash, number));
            }
        }
    }

    /// Whether a connected peer gossips transactions only in the format from before batches
    /// (it subscribes to [`Topic::LegacyTransactions`] and not to [`Topic::Transactions`]):
    /// then the node publishes transactions in that format too, and otherwise not at all.
    pub fn has_legacy_transaction_peers(&self) -> bool {
        self.shared.read().legacy_transaction_peers
    }

    /// Gossips `data` on `topic`. Messages on [`Topic::LegacyTransactions`] are sent only
    /// while [`has_legacy_transaction_peers`](Self::has_legacy_transaction_peers).
    pub fn publish(&self, topic: Topic, data: Vec<u8>) {
        let _ = self.commands.send(Command::Publish(topic, data));
    }

    /// Asks `peer` for blocks.
    pub async fn request(
        &self,
        peer: PeerId,
        request: BlockRequest,
    ) -> Result<BlockResponse, NetworkError> {
        let (reply, response) = oneshot::channel();
        self.commands
            .send(Command::Request { peer, request, reply })
            .map_err(|_| NetworkError::Stopped)?;
        response.await.map_err(|_| NetworkError::Stopped)?
    }

    /// Reports a peer's misbehaviour; enough of it gets the peer banned.
    pub fn report(&self, peer: PeerId, what: Misbehaviour) {
        let _ = self.commands.send(Command::Report(peer, what));
    }

    /// Reports what the node found of a gossip message: only accepted ones are forwarded.
    pub fn validated(&self, id: GossipId, peer: PeerId, validation: Validation) {
        let _ = self.commands.send(Command::Validated(id, peer, validation));
    }

    /// Dials an address.
    pub fn dial(&self, address: Multiaddr) {
        let _ = self.commands.send(Command::Dial(address));
    }

    /// Adds a reserved peer, `address` ending in `/p2p/<peer id>`: it is dialled now and again
    /// whenever it is disconnected, until it is removed.
    pub fn add_reserved_peer(&self, address: Multiaddr) -> Result<PeerId, NetworkError> {
        let peer = peer_of(&address).ok_or_else(|| NetworkError::NoPeerId(address.to_string()))?;
        if peer == self.local_peer_id {
            return Err(NetworkError::SelfReserved);
        }
        self.shared.write().reserved.insert(peer, address.clone());
        self.commands
            .send(Command::AddReserved(peer, address))
            .map_err(|_| NetworkError::Stopped)?;
        Ok(peer)
    }

    /// Removes a reserved peer and disconnects from it.
    pub fn remove_reserved_peer(&self, peer: PeerId) {
        self.shared.write().reserved.remove(&peer);
        let _ = self.commands.send(Command::RemoveReserved(peer));
    }

    /// The reserved peers.
    pub fn reserved_peers(&self) -> Vec<PeerId> {
        self.shared.read().reserved.keys().copied().collect()
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    block_list: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kademlia: kad::Behaviour<kad::store::MemoryStore>,
    mdns: libp2p::swarm::behaviour::toggle::Toggle<mdns::tokio::Behaviour>,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
}

/// Peers found by discovery are dialled until we have this many.
const MAX_DIALED_PEERS: usize = 25;

type PendingResponse = BoxFuture<'static, (ResponseChannel<BlockResponse>, Option<BlockResponse>)>;

struct Worker {
    swarm: Swarm<Behaviour>,
    events: mpsc::Sender<NetworkEvent>,
    shared: Arc<RwLock<Shared>>,
    /// Each topic's gossipsub hash (names include the genesis hash).
    topics: [(gossipsub::TopicHash, Topic); 4],
    reputation: Reputation,
    requests: HashMap<OutboundRequestId, oneshot::Sender<Result<BlockResponse, NetworkError>>>,
    responses: FuturesUnordered<PendingResponse>,
    bootnodes: Vec<Multiaddr>,
}

/// Starts the network task. Events arrive on the returned receiver; the task ends when the
/// handle and all its clones are dropped.
pub fn start(
    config: NetworkConfig,
) -> Result<(NetworkHandle, mpsc::Receiver<NetworkEvent>), NetworkError> {
    let local_peer_id = config.node_key.public().to_peer_id();
    let swarm = build_swarm(&config)?;
    let (command_tx, command_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::channel(4096);
    let shared = Arc::new(RwLock::new(Shared::default()));
    let idents = Topic::ALL.map(|t| (gossipsub::IdentTopic::new(t.name(&config.genesis_hash)), t));
    let topics = idents.clone().map(|(ident, topic)| (ident.hash(), topic));
    let mut worker = Worker {
        swarm,
        events: event_tx,
        shared: shared.clone(),
        topics,
        reputation: Reputation::new(config.ban_duration),
        requests: HashMap::new(),
        responses: FuturesUnordered::new(),
        bootnodes: config.bootnodes.clone(),
    };
    for address in &config.listen_addresses {
        worker
            .swarm
            .listen_on(address.clone())
            .map_err(|e| NetworkError::Listen(address.to_string(), e.to_string()))?;
    }
    for (topic, _) in &idents {
        worker
            .swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(topic)
            .map_err(|e| NetworkError::Setup(e.to_string()))?;
    }
    worker.dial_bootnodes();
    tokio::spawn(worker.run(command_rx));
    Ok((NetworkHandle { commands: command_tx, local_peer_id, shared }, event_rx))
}

/// Gossip message ids. Transactions are content-addressed: the same batch (or, in the legacy
/// format, the same transaction) is one message whoever publishes it, so nothing crosses a
/// link twice. Blocks and finality messages keep
/// gossipsub's (publisher, sequence number) ids: the finality voter republishes its votes
/// every round for peers that missed them (connected late, lost a message), and a
/// content-addressed id would make gossipsub refuse each republication as a duplicate for
/// as long as it remembers the first (a minute), stalling finality that long.
fn message_id(message: &gossipsub::Message) -> gossipsub::MessageId {
    let topic = message.topic.as_str();
    if topic.ends_with(Topic::Transactions.suffix())
        || topic.ends_with(Topic::LegacyTransactions.suffix())
    {
        return gossipsub::MessageId::from(
            &lux_primitives::hashing::blake2_256(&message.data)[..20],
        );
    }
    let mut id = message.source.map(|p| p.to_bytes()).unwrap_or_default();
    id.extend_from_slice(&message.sequence_number.unwrap_or_default().to_be_bytes());
    gossipsub::MessageId::from(id)
}

fn build_swarm(config: &NetworkConfig) -> Result<Swarm<Behaviour>, NetworkError> {
    let setup = |e: &dyn std::fmt::Display| NetworkError::Setup(e.to_string());
    let mdns_enabled = config.mdns;
    let request_timeout = config.request_timeout;
    let swarm = libp2p::SwarmBuilder::with_existing_identity(config.node_key.clone())
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| setup(&e))?
        .with_behaviour(|key| {
            let peer_id = key.public().to_peer_id();
            let gossip_config = gossipsub::ConfigBuilder::default()
                .heartbeat_interval(Duration::from_millis(500))
                .max_transmit_size(MAX_GOSSIP_BYTES)
                .validation_mode(gossipsub::ValidationMode::Strict)
                .validate_messages()
                .message_id_fn(message_id)
                .build()?;
            let gossipsub = gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                gossip_config,
            )?;
            let mut kad_config = kad::Config::new(libp2p::StreamProtocol::new("/luxtensor/kad/1"));
            kad_config.set_query_timeout(Duration::from_secs(30));
            let mut kademlia = kad::Behaviour::with_config(
                peer_id,
                kad::store::MemoryStore::new(peer_id),
                kad_config,
            );
            // Answer queries from the start: nodes on private networks never learn a
            // confirmed external address.
            kademlia.set_mode(Some(kad::Mode::Server));
            let mdns = if mdns_enabled {
                Some(mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)?)
            } else {
                None
            };
            Ok(Behaviour {
                block_list: Default::default(),
                identify: identify::Behaviour::new(identify::Config::new(
                    "/luxtensor/1".into(),
                    key.public(),
                )),
                ping: ping::Behaviour::default(),
                kademlia,
                mdns: mdns.into(),
                gossipsub,
                sync: request_response::Behaviour::with_codec(
                    SyncCodec,
                    SYNC_PROTOCOLS.map(|protocol| (protocol, ProtocolSupport::Full)),
                    request_response::Config::default().with_request_timeout(request_timeout),
                ),
            })
        })
        .map_err(|e| setup(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    Ok(swarm)
}

impl Worker {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut housekeeping = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    None => return,
                },
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                Some((channel, response)) = self.responses.next(), if !self.responses.is_empty() => {
                    if let Some(response) = response {
                        let _ = self.swarm.behaviour_mut().sync.send_response(channel, response);
                    }
                }
                _ = housekeeping.tick() => self.housekeeping(),
            }
        }
    }

    fn dial_bootnodes(&mut self) {
        for address in self.bootnodes.clone() {
            if let Some(peer) = peer_of(&address) {
                if self.swarm.is_connected(&peer) {
                    continue;
                }
                self.swarm.behaviour_mut().kademlia.add_address(&peer, address.clone());
            }
            if let Err(e) = self.swarm.dial(address.clone()) {
                tracing::debug!(target: "network", "cannot dial {address}: {e}");
            }
        }
    }

    fn housekeeping(&mut self) {
        let now = Instant::now();
        for peer in self.reputation.expired_bans(now) {
            tracing::info!(target: "network", "ban of {peer} ended");
            self.swarm.behaviour_mut().block_list.unblock_peer(peer);
            self.swarm.behaviour_mut().gossipsub.remove_blacklisted_peer(&peer);
        }
        if self.shared.read().peers.is_empty() {
            self.dial_bootnodes();
        } else {
            let _ = self.swarm.behaviour_mut().kademlia.bootstrap();
        }
        let reserved: Vec<(PeerId, Multiaddr)> =
            self.shared.read().reserved.iter().map(|(p, a)| (*p, a.clone())).collect();
        for (peer, address) in reserved {
            if !self.swarm.is_connected(&peer) {
                self.dial_reserved(peer, address);
            }
        }
    }

    fn dial_reserved(&mut self, peer: PeerId, address: Multiaddr) {
        self.swarm.behaviour_mut().kademlia.add_address(&peer, address.clone());
        if let Err(e) = self.swarm.dial(address.clone()) {
            tracing::debug!(target: "network", "cannot dial reserved peer {address}: {e}");
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish(topic, data) => {
                let Some(hash) = self.topic_hash(topic).cloned() else { return };
                if topic == Topic::LegacyTransactions
                    && !self.shared.read().legacy_transaction_peers
                {
                    return;
                }
                if let Err(e) = self.swarm.behaviour_mut().gossipsub.publish(hash, data) {
                    // No peers yet, or a duplicate: nothing to do.
                    tracing::debug!(target: "network", "gossip not sent: {e}");
                }
            }
            Command::Request { peer, request, reply } => {
                if !self.swarm.is_connected(&peer) {
                    let _ = reply.send(Err(NetworkError::NotConnected(peer)));
                    return;
                }
                let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
                self.requests.insert(id, reply);
            }
            Command::Report(peer, what) => self.report(peer, what),
            Command::Validated(GossipId(id), peer, validation) => {
                let acceptance = match validation {
                    Validation::Accept => gossipsub::MessageAcceptance::Accept,
                    Validation::Reject => gossipsub::MessageAcceptance::Reject,
                    Validation::Ignore => gossipsub::MessageAcceptance::Ignore,
                };
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&id, &peer, acceptance);
            }
            Command::Dial(address) => {
                if let Err(e) = self.swarm.dial(address.clone()) {
                    tracing::debug!(target: "network", "cannot dial {address}: {e}");
                }
            }
            Command::AddReserved(peer, address) => {
                tracing::info!(target: "network", "reserved peer {address}");
                if !self.swarm.is_connected(&peer) {
                    self.dial_reserved(peer, address);
                }
            }
            Command::RemoveReserved(peer) => {
                tracing::info!(target: "network", "no longer a reserved peer: {peer}");
                let _ = self.swarm.disconnect_peer_id(peer);
            }
        }
    }

    fn report(&mut self, peer: PeerId, what: Misbehaviour) {
        let now = Instant::now();
        tracing::debug!(target: "network", "peer {peer}: {what:?}");
        if self.reputation.report(peer, what, now) {
            tracing::warn!(target: "network", "banning peer {peer} for misbehaviour ({what:?})");
            self.swarm.behaviour_mut().gossipsub.blacklist_peer(&peer);
            self.swarm.behaviour_mut().block_list.block_peer(peer);
        }
    }

    /// `topic`'s gossipsub hash (every topic has one).
    fn topic_hash(&self, topic: Topic) -> Option<&gossipsub::TopicHash> {
        self.topics.iter().find(|(_, t)| *t == topic).map(|(hash, _)| hash)
    }

    /// Notes whether a connected peer hears transactions only in the legacy format.
    fn note_subscriptions(&mut self) {
        let (Some(current), Some(legacy)) =
            (self.topic_hash(Topic::Transactions), self.topic_hash(Topic::LegacyTransactions))
        else {
            return;
        };
        let any = self
            .swarm
            .behaviour()
            .gossipsub
            .all_peers()
            .any(|(_, topics)| topics.contains(&legacy) && !topics.contains(&current));
        let mut shared = self.shared.write();
        if shared.legacy_transaction_peers != any {
            if any {
                tracing::info!(target: "network", "a peer gossips transactions in the format from before batches: publishing them in that format too");
            } else {
                tracing::info!(target: "network", "no peer gossips transactions in the old format any more");
            }
            shared.legacy_transaction_peers = any;
        }
    }

    fn emit(&mut self, event: NetworkEvent) {
        if let Err(e) = self.events.try_send(event) {
            tracing::warn!(target: "network", "node is not keeping up with the network: {e}");
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                let with_id = address
                    .clone()
                    .with(libp2p::multiaddr::Protocol::P2p(*self.swarm.local_peer_id()));
                tracing::info!(target: "network", "🔍 Listening on {with_id}");
                self.shared.write().listen_addresses.push(address);
            }
            SwarmEvent::ConnectionEstablished { peer_id, endpoint, num_established, .. } => {
                if self.reputation.is_banned(&peer_id, Instant::now()) {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return;
                }
                if endpoint.is_dialer() {
                    let address = endpoint.get_remote_address().clone();
                    self.swarm.behaviour_mut().kademlia.add_address(&peer_id, address);
                }
                if num_established.get() == 1 {
                    self.shared.write().peers.insert(peer_id, PeerInfo { peer_id, best: None });
                    tracing::debug!(target: "network", "connected to {peer_id}");
                    self.emit(NetworkEvent::PeerConnected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                self.shared.write().peers.remove(&peer_id);
                self.note_subscriptions();
                tracing::debug!(target: "network", "disconnected from {peer_id}");
                self.emit(NetworkEvent::PeerDisconnected(peer_id));
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            }) => {
                let topic =
                    self.topics.iter().find(|(hash, _)| *hash == message.topic).map(|(_, t)| *t);
                let oversized = message.data.len() > MAX_GOSSIP_BYTES;
                let Some(topic) = topic.filter(|_| !oversized) else {
                    self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        gossipsub::MessageAcceptance::Reject,
                    );
                    if oversized {
                        self.report(propagation_source, Misbehaviour::Oversized);
                    }
                    return;
                };
                self.emit(NetworkEvent::Gossip {
                    peer: propagation_source,
                    topic,
                    data: message.data,
                    id: GossipId(message_id),
                });
            }
            BehaviourEvent::Gossipsub(
                gossipsub::Event::Subscribed { .. } | gossipsub::Event::Unsubscribed { .. },
            ) => self.note_subscriptions(),
            BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
                for address in info.listen_addrs {
                    self.swarm.behaviour_mut().kademlia.add_address(&peer_id, address);
                }
            }
            BehaviourEvent::Kademlia(kad::Event::RoutingUpdated { peer, addresses, .. }) => {
                let connected = self.shared.read().peers.len();
                if connected < MAX_DIALED_PEERS
                    && !self.swarm.is_connected(&peer)
                    && !self.reputation.is_banned(&peer, Instant::now())
                {
                    let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
                        .addresses(addresses.into_vec())
                        .build();
                    let _ = self.swarm.dial(opts);
                }
            }
            BehaviourEvent::Mdns(mdns::Event::Discovered(found)) => {
                for (peer, address) in found {
                    if !self.swarm.is_connected(&peer) && peer != *self.swarm.local_peer_id() {
                        self.swarm.behaviour_mut().kademlia.add_address(&peer, address.clone());
                        let _ = self.swarm.dial(address);
                    }
                }
            }
            BehaviourEvent::Sync(request_response::Event::Message { peer, message, .. }) => {
                match message {
                    request_response::Message::Request { request, channel, .. } => {
                        let (respond, answer) = oneshot::channel();
                        self.emit(NetworkEvent::Request { peer, request, respond });
                        self.responses.push(async move { (channel, answer.await.ok()) }.boxed());
                    }
                    request_response::Message::Response { request_id, response } => {
                        if let Some(reply) = self.requests.remove(&request_id) {
                            let _ = reply.send(Ok(response));
                        }
                    }
                }
            }
            BehaviourEvent::Sync(request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            }) => {
                if let Some(reply) = self.requests.remove(&request_id) {
                    let _ = reply.send(Err(NetworkError::RequestFailed(peer, error.to_string())));
                }
            }
            BehaviourEvent::Sync(request_response::Event::InboundFailure {
                peer, error, ..
            }) => {
                if matches!(error, request_response::InboundFailure::Io(_)) {
                    // Undecodable or oversized requests.
                    self.report(peer, Misbehaviour::Undecodable);
                }
            }
            _ => {}
        }
    }
}

/// The peer id at the end of a `/p2p/<id>` address.
pub fn peer_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}
