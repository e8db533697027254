//! LuxTensor's peer-to-peer network, on libp2p.
//!
//! - Transport: TCP with noise encryption and yamux multiplexing.
//! - Peers: identify and ping on every connection; Kademlia and mDNS find more; `--bootnodes`
//!   are dialled at start and whenever the node has no peers.
//! - Gossip (gossipsub, signed messages): one topic each for blocks, transactions and
//!   finality messages, named after the genesis hash so chains never mix ([`Topic`]).
//! - Requests: block ranges by number or hash, either direction ([`BlockRequest`]), SCALE
//!   in length-prefixed frames with size limits ([`protocol`]).
//! - Reputation: the node reports misbehaving peers; enough of it disconnects and bans them
//!   for a while ([`reputation`]).
//!
//! The swarm runs as one task; the node holds a [`NetworkHandle`] and reads
//! [`NetworkEvent`]s. What the payloads mean is the node's business, not this crate's.
//!
//! Without the default `p2p` feature the crate is only the wire format ([`protocol`]: the
//! messages and their decoding, without libp2p), which is what the fuzz targets build.

pub mod protocol;
pub use protocol::{BlockData, BlockRequest, BlockResponse, Direction, FromBlock, Topic};

#[cfg(feature = "p2p")]
mod error;
#[cfg(feature = "p2p")]
mod node_key;
#[cfg(feature = "p2p")]
pub mod reputation;
#[cfg(feature = "p2p")]
mod service;

#[cfg(feature = "p2p")]
pub use {
    error::NetworkError,
    libp2p::{identity::Keypair, multiaddr::Protocol as AddressProtocol, Multiaddr, PeerId},
    node_key::load_or_generate_node_key,
    reputation::Misbehaviour,
    service::{
        peer_of, start, GossipId, NetworkConfig, NetworkEvent, NetworkHandle, PeerInfo, Validation,
    },
};
