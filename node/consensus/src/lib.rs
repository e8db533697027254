//! LuxTensor's consensus rules as plain code with no I/O: the node drives them with what it
//! receives and the time, and tests run them in a seeded, deterministic simulation
//! (`tests/simulation.rs`).
//!
//! - [`slots`]: time is divided into slots of `slot_duration` ms.
//! - [`epoch`]: who may author a slot: a primary author by sr25519 VRF against a stake-weighted
//!   threshold, and a deterministic, stake-weighted secondary author so no slot stays empty;
//!   epoch randomness from the previous epochs' VRF outputs.
//! - [`verify`]: the author puts a [`PreDigest`] in the header before building and seals the
//!   built header (an sr25519 signature over the hash of the header without the seal, in a
//!   `Seal` digest item that is always last); importers check both, and catch authors that
//!   seal two headers for one slot.
//! - [`fork_choice`]: the heaviest chain (most primary blocks, then longest) that contains the
//!   last finalized block.
//! - [`finality`]: a GRANDPA-like two-phase vote (prevote, precommit); a block is final with
//!   precommits of more than 2/3 of the stake, kept as its justification; double votes are
//!   caught with a verifiable proof.
//! - [`handover`]: when the validator set changes, the old voter set finalizes the block that
//!   changes it and the new set takes over from there.

pub mod epoch;
mod error;
pub mod finality;
pub mod fork_choice;
pub mod handover;
pub mod slots;
pub mod verify;

pub use epoch::{Authority, Epoch, VrfSigner};
pub use error::ConsensusError;
pub use finality::{
    is_descendant_or_equal, settled_target, sign_vote, verify_vote, ChainView, FinalityError,
    Justification, SignedVote, Vote, VoteEquivocation, VoteKind, Voter, VoterConfig, VoterOutput,
    VoterSet,
};
pub use fork_choice::{BlockTree, ChainWeight, ForkChoiceError, TreeRoute};
pub use handover::{changes_finality_set, first_set_change, set_changed_between, vote_limit};
pub use slots::{slot_at, slot_start};
pub use verify::{
    check_header, seal_header, BlockEquivocation, CheckedHeader, EquivocationDetector,
    SessionSigner,
};

pub use lux_primitives::consensus::{PreDigest, Slot, ENGINE_ID};
