//! What peers send each other: gossip payloads and the block-range request protocol.
//! The messages and their limits are here; their framing on libp2p streams is [`SyncCodec`]
//! (feature `p2p`).

use codec::{Decode, DecodeAll, Encode};
use lux_primitives::{Header, OpaqueExtrinsic, H256};

#[cfg(feature = "p2p")]
mod sync_codec;
#[cfg(feature = "p2p")]
pub use sync_codec::{SyncCodec, SYNC_PROTOCOL, SYNC_PROTOCOLS, SYNC_PROTOCOL_V1};

/// Largest request on the wire.
pub const MAX_REQUEST_BYTES: usize = 1024;
/// Largest response on the wire.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Most blocks in one response.
pub const MAX_BLOCKS_PER_RESPONSE: u32 = 128;
/// Largest gossip message (a full block and its justification).
pub const MAX_GOSSIP_BYTES: usize = 8 * 1024 * 1024;

/// A block as peers exchange it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockData {
    /// The sealed header.
    pub header: Header,
    /// The extrinsics.
    pub body: Vec<OpaqueExtrinsic>,
    /// The encoded finality justification, if the block has one.
    pub justification: Option<Vec<u8>>,
}

/// Where a range starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum FromBlock {
    /// The block with this hash.
    Hash(H256),
    /// The canonical block at this height.
    Number(u32),
    /// The responder's best block (`max: 1` without body asks a peer where it stands).
    Best,
}

/// Which way a range goes from its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Direction {
    /// Towards the best block (children on the canonical chain).
    Ascending,
    /// Towards genesis (parents).
    Descending,
}

/// A request for up to `max` blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockRequest {
    /// The first block.
    pub from: FromBlock,
    /// Which way.
    pub direction: Direction,
    /// Most blocks wanted (the responder caps it at [`MAX_BLOCKS_PER_RESPONSE`]).
    pub max: u32,
    /// Whether the blocks' extrinsics are wanted; without them each [`BlockData`] has an empty
    /// body (headers and justifications only, as for a status request).
    pub body: bool,
}

/// The blocks found, in the requested order; empty if the start is unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockResponse {
    /// The blocks.
    pub blocks: Vec<BlockData>,
}

/// The gossip topics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// New blocks (encoded [`BlockData`]).
    Blocks,
    /// Transactions: a batch (SCALE `Vec` of encoded extrinsics).
    Transactions,
    /// Finality votes and commits (encoded by the consensus layer).
    Finality,
    /// Transactions as nodes from before batches gossip them: one encoded extrinsic per
    /// message. Heard from such nodes, and published only while one of them is connected
    /// (see [`NetworkHandle::has_legacy_transaction_peers`](crate::NetworkHandle)), so a
    /// network upgrading one node at a time keeps trading transactions and a network of
    /// current nodes sends nothing on it.
    LegacyTransactions,
}

impl Topic {
    /// All topics.
    pub const ALL: [Topic; 4] =
        [Topic::Blocks, Topic::Transactions, Topic::Finality, Topic::LegacyTransactions];

    /// The topic's name for the chain with genesis `genesis`, so different chains never mix.
    pub fn name(&self, genesis: &H256) -> String {
        format!("/luxtensor/{}{}", hex::encode(genesis.as_bytes()), self.suffix())
    }

    /// The end of the topic's name: its kind and the version of its payload.
    pub fn suffix(&self) -> &'static str {
        match self {
            Topic::Blocks => "/blocks/1",
            // Version 2: batches of transactions (version 1 carried one each).
            Topic::Transactions => "/transactions/2",
            Topic::Finality => "/finality/1",
            Topic::LegacyTransactions => "/transactions/1",
        }
    }
}

/// Decodes `data` as exactly one `D`: trailing bytes are an error too.
pub fn decode_all<D: Decode>(data: &[u8]) -> std::io::Result<D> {
    D::decode_all(&mut &data[..])
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "undecodable message"))
}
