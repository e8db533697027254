//! The chain's consensus parameters as the node reads them from the runtime.

use codec::{Decode, Encode};
use lux_chain::{Chain, ChainError};
use lux_consensus::{Epoch, Justification, SignedVote, VoterSet};
use lux_primitives::consensus::{EpochDescriptor, Slot};
use lux_primitives::{ConsensusEngineId, H256};

/// The engine id of finality justifications.
pub const FINALITY_ENGINE_ID: ConsensusEngineId = *b"LUXF";

/// What travels on the finality gossip topic.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum FinalityMessage {
    /// A prevote or precommit.
    Vote(SignedVote),
    /// A justification: lets peers that missed the votes finalize and catch up.
    Commit(Justification),
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The slot length in ms: `override_` (dev chains), else the runtime's at the best block.
pub fn slot_duration(chain: &Chain, override_: Option<std::time::Duration>) -> u64 {
    if let Some(d) = override_ {
        return d.as_millis().max(1) as u64;
    }
    let best = chain.info().best_hash;
    chain.call_decode::<u64>(&best, "LuxConsensusApi_slot_duration", &[]).unwrap_or(1_000).max(1)
}

/// The epoch a block in `slot` built on `at` belongs to, as the runtime in `at`'s state
/// computes it (the epoch changes, with new randomness, at the first block past its end).
pub fn epoch_at(chain: &Chain, at: &H256, slot: Slot) -> Result<Epoch, ChainError> {
    let descriptor: EpochDescriptor =
        chain.call_decode(at, "LuxConsensusApi_epoch", &slot.encode())?;
    Ok(descriptor.into())
}

/// The finality voters of the state of `at`: the current epoch's authorities (set 0:
/// validator-set changes come with staking).
pub fn voter_set_at(chain: &Chain, at: &H256) -> Result<Option<VoterSet>, ChainError> {
    let descriptor: EpochDescriptor =
        chain.call_decode(at, "LuxConsensusApi_current_epoch", &[])?;
    Ok(VoterSet::new(0, Epoch::from(descriptor).authorities).ok())
}
