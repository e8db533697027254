//! Why a header is refused.

use lux_primitives::H256;

/// A header that does not follow the consensus rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsensusError {
    /// No seal, or more than one, or not last.
    #[error("header {0:?} has no seal as its last digest item")]
    MissingSeal(H256),
    /// The seal is not a valid signature.
    #[error("header {0:?} has a malformed seal")]
    MalformedSeal(H256),
    /// No pre-runtime digest, or more than one, or undecodable.
    #[error("header {0:?} has no valid slot claim")]
    MissingPreDigest(H256),
    /// The claimed author index is outside the authority set.
    #[error("authority index {index} out of range ({count} authorities)")]
    UnknownAuthority {
        /// Claimed index.
        index: u32,
        /// Authorities in the set.
        count: usize,
    },
    /// The claimed author is not the slot's author.
    #[error("authority {index} may not author slot {slot}")]
    NotSlotAuthor {
        /// Claimed index.
        index: u32,
        /// Claimed slot.
        slot: u64,
    },
    /// The seal's signature does not verify against the author's key.
    #[error("bad seal signature on header {0:?}")]
    BadSeal(H256),
    /// The slot is not after the parent's.
    #[error("slot {slot} is not after the parent's slot {parent_slot}")]
    SlotNotIncreasing {
        /// Claimed slot.
        slot: u64,
        /// The parent's slot.
        parent_slot: u64,
    },
    /// The slot is in the future.
    #[error("slot {slot} is in the future (now: slot {now})")]
    FutureSlot {
        /// Claimed slot.
        slot: u64,
        /// The current slot.
        now: u64,
    },
    /// There are no authorities.
    #[error("the runtime has no authorities")]
    NoAuthorities,
    /// The slot is not in the epoch the claim was checked against.
    #[error("slot {slot} is outside epoch {epoch}")]
    SlotOutsideEpoch {
        /// Claimed slot.
        slot: u64,
        /// The epoch's index.
        epoch: u64,
    },
    /// A primary claim's VRF proof does not verify.
    #[error("authority {index} has a bad VRF proof for slot {slot}")]
    BadVrfProof {
        /// Claimed index.
        index: u32,
        /// Claimed slot.
        slot: u64,
    },
    /// A primary claim's VRF output is not below the authority's threshold.
    #[error("authority {index}'s VRF output does not win slot {slot}")]
    VrfAboveThreshold {
        /// Claimed index.
        index: u32,
        /// Claimed slot.
        slot: u64,
    },
    /// Two headers offered as an equivocation are not one.
    #[error("the headers are not two claims of one slot by one author")]
    NotEquivocation,
}
