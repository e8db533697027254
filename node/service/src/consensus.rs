//! The chain's consensus parameters as the node reads them from the runtime.

use codec::{Decode, Encode};
use lux_chain::{Chain, ChainError};
use lux_consensus::{Authority, Epoch, Justification, SignedVote, VoterSet};
use lux_primitives::{ConsensusEngineId, Sr25519Public, H256};

/// The engine id of finality justifications.
pub const FINALITY_ENGINE_ID: ConsensusEngineId = *b"LUXF";

/// Probability that a slot has a primary (VRF) author.
const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);

/// What travels on the finality gossip topic.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum FinalityMessage {
    /// A prevote or precommit.
    Vote(SignedVote),
    /// A justification: lets peers that missed the votes finalize and catch up.
    Commit(Justification),
}

/// The slot length in ms: `override_` (dev chains), else the runtime's at the best block.
pub fn slot_duration(chain: &Chain, override_: Option<std::time::Duration>) -> u64 {
    if let Some(d) = override_ {
        return d.as_millis().max(1) as u64;
    }
    let best = chain.info().best_hash;
    chain.call_decode::<u64>(&best, "LuxConsensusApi_slot_duration", &[]).unwrap_or(1_000).max(1)
}

/// The authorities in the state of block `at`.
pub fn authorities_at(chain: &Chain, at: &H256) -> Result<Vec<Sr25519Public>, ChainError> {
    chain.call_decode(at, "LuxConsensusApi_authorities", &[])
}

/// The epoch that blocks built on `at` belong to. Until the runtime keeps epochs (they come
/// with staking), the chain is one epoch: the authorities of `at` with equal weight, and the
/// genesis randomness.
pub fn epoch_at(chain: &Chain, at: &H256) -> Result<Epoch, ChainError> {
    Ok(Epoch {
        index: 0,
        start_slot: 0,
        length: u64::MAX,
        randomness: chain.info().genesis_hash.0,
        authorities: authorities_at(chain, at)?
            .into_iter()
            .map(|key| Authority { key, weight: 1 })
            .collect(),
        primary_probability: PRIMARY_PROBABILITY,
    })
}

/// The finality voters of the state of `at` (set 0: validator-set changes come with staking).
pub fn voter_set_at(chain: &Chain, at: &H256) -> Result<Option<VoterSet>, ChainError> {
    let epoch = epoch_at(chain, at)?;
    Ok(VoterSet::new(0, epoch.authorities).ok())
}
