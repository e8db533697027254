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

pub mod protocol;
pub mod reputation;
mod service;

use std::path::Path;

pub use libp2p::{identity::Keypair, multiaddr::Protocol as AddressProtocol, Multiaddr, PeerId};
pub use protocol::{BlockData, BlockRequest, BlockResponse, Direction, FromBlock, Topic};
pub use reputation::Misbehaviour;
pub use service::{
    peer_of, start, GossipId, NetworkConfig, NetworkEvent, NetworkHandle, PeerInfo, Validation,
};

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

/// Loads the ed25519 node key from `path` (32 raw secret bytes, as Substrate stores
/// `secret_ed25519`), creating it with a fresh key if the file does not exist.
pub fn load_or_generate_node_key(path: &Path) -> Result<Keypair, NetworkError> {
    let err = |e: &dyn std::fmt::Display| {
        NetworkError::NodeKey(path.display().to_string(), e.to_string())
    };
    match std::fs::read(path) {
        Ok(mut bytes) => {
            // Also accept a hex-encoded key (as `subkey generate-node-key` prints).
            if bytes.len() != 32 {
                let text =
                    String::from_utf8_lossy(&bytes).trim().trim_start_matches("0x").to_string();
                bytes = hex::decode(&text)
                    .ok()
                    .filter(|b| b.len() == 32)
                    .ok_or_else(|| err(&"expected 32 bytes or 64 hex digits"))?;
            }
            Keypair::ed25519_from_bytes(bytes).map_err(|e| err(&e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let keypair = libp2p::identity::ed25519::Keypair::generate();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
            }
            write_secret(path, keypair.secret().as_ref()).map_err(|e| err(&e))?;
            Ok(keypair.into())
        }
        Err(e) => Err(err(&e)),
    }
}

#[cfg(unix)]
fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_key_is_created_once_then_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("network").join("secret_ed25519");
        let first = load_or_generate_node_key(&path).expect("created");
        let again = load_or_generate_node_key(&path).expect("loaded");
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        assert_eq!(std::fs::read(&path).expect("file").len(), 32);
        std::fs::write(&path, b"not a key").expect("write");
        assert!(matches!(load_or_generate_node_key(&path), Err(NetworkError::NodeKey(..))));
        std::fs::write(&path, hex::encode([7u8; 32])).expect("write");
        load_or_generate_node_key(&path).expect("hex key");
    }
}
