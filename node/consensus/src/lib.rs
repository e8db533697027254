//! LuxTensor's consensus rules as plain functions, with no I/O, so the node drives them and
//! tests can run them in a deterministic simulation.
//!
//! - Time is divided into slots of `slot_duration` ms: `slot = timestamp / slot_duration`.
//! - Each slot has a deterministic author, `authorities[slot % n]` (the "secondary" claim; the
//!   VRF-based primary claim comes with the multi-validator network).
//! - The author puts a [`PreDigest`] in the header before building, and after building seals
//!   the header: an sr25519 signature over the hash of the header without the seal, in a
//!   `Seal` digest item that is always last.
//! - An importing node checks the claim (right author for the slot, slot after the parent's
//!   and not in the future) and the seal, then strips the seal before executing the block.
//! - Fork choice: the chain with more blocks wins; ties keep the current best.

mod error;
mod slots;
mod verify;

pub use error::ConsensusError;
pub use slots::{claim_slot, secondary_author, slot_at, slot_start};
pub use verify::{check_header, seal_header, CheckedHeader, SessionSigner};

pub use lux_primitives::consensus::{PreDigest, Slot, ENGINE_ID};

/// Whether a block at `number` should replace the current best block at `best_number`.
pub fn is_new_best(number: u32, best_number: u32) -> bool {
    number > best_number
}
