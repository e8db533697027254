//! The network layer's error type.

use libp2p::PeerId;

/// What can go wrong in the network layer.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// Building the swarm failed.
    #[error("network setup failed: {0}")]
    Setup(String),
    /// Cannot listen on an address.
    #[error("cannot listen on {0}: {1}")]
    Listen(String, String),
    /// The node key file is unreadable or malformed.
    #[error("node key {0}: {1}")]
    NodeKey(String, String),
    /// The network task has stopped.
    #[error("the network has stopped")]
    Stopped,
    /// The peer is not connected.
    #[error("not connected to {0}")]
    NotConnected(PeerId),
    /// A request failed (timeout, refused, bad response).
    #[error("request to {0} failed: {1}")]
    RequestFailed(PeerId, String),
    /// A peer address without the peer's id.
    #[error("{0} does not end in /p2p/<peer id>")]
    NoPeerId(String),
    /// The node's own address given as a reserved peer.
    #[error("a node cannot reserve itself")]
    SelfReserved,
}
