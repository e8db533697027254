//! Consensus data carried in headers: the author's slot claim (pre-runtime digest) and seal.

use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::header::{ConsensusEngineId, DigestItem, Header};

/// LuxTensor's consensus engine identifier in digest items.
pub const ENGINE_ID: ConsensusEngineId = *b"LUXT";

/// A slot number: `timestamp / slot_duration`.
pub type Slot = u64;

/// The author's claim to a slot, put in the header as a pre-runtime digest before the block is
/// built: a primary claim won by the author's VRF, or the slot's deterministic secondary
/// author. The variant indices are BABE's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum PreDigest {
    /// The author's VRF output on (epoch randomness, slot, epoch) is below its stake-weighted
    /// threshold.
    #[codec(index = 1)]
    Primary {
        /// Index of the author in the authority set.
        authority_index: u32,
        /// The slot.
        slot: Slot,
        /// The VRF pre-output.
        vrf_output: [u8; 32],
        /// The VRF proof.
        vrf_proof: [u8; 64],
    },
    /// The deterministic (round-robin) author of the slot.
    #[codec(index = 2)]
    Secondary {
        /// Index of the author in the authority set.
        authority_index: u32,
        /// The slot.
        slot: Slot,
    },
}

impl PreDigest {
    /// The claimed slot.
    pub fn slot(&self) -> Slot {
        match self {
            Self::Primary { slot, .. } | Self::Secondary { slot, .. } => *slot,
        }
    }

    /// The claiming authority's index.
    pub fn authority_index(&self) -> u32 {
        match self {
            Self::Primary { authority_index, .. } | Self::Secondary { authority_index, .. } => {
                *authority_index
            }
        }
    }

    /// Whether this is a primary (VRF) claim; primary blocks weigh more in fork choice.
    pub fn is_primary(&self) -> bool {
        matches!(self, Self::Primary { .. })
    }

    /// As a header digest item.
    pub fn to_digest_item(&self) -> DigestItem {
        DigestItem::PreRuntime(ENGINE_ID, self.encode())
    }

    /// Finds and decodes the pre-digest in `header`. Exactly one is allowed.
    pub fn find(header: &Header) -> Option<Self> {
        let mut found = None;
        for item in &header.digest.logs {
            if let Some(mut data) = item.as_pre_runtime(ENGINE_ID) {
                if found.is_some() {
                    return None;
                }
                found = Some(Self::decode(&mut data).ok()?);
            }
        }
        found
    }
}
