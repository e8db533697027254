//! The chain's consensus parameters as the node reads them from the runtime.

use codec::{Decode, Encode};
use lux_chain::{Chain, ChainError};
use lux_consensus::{Authority, Epoch, Justification, SignedVote, VoterSet};
use lux_primitives::consensus::{EpochDescriptor, EquivocationProof, FinalitySet, Slot};
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

/// The finality voters that finalize the children of `at`, from `at`'s state (the session
/// pallet's `FinalitySet`: its id grows by one at each change). `None` if the set is empty.
pub fn voter_set_at(chain: &Chain, at: &H256) -> Result<Option<VoterSet>, ChainError> {
    let set: FinalitySet = chain.call_decode(at, "LuxConsensusApi_finality_set", &[])?;
    let voters = set.authorities.into_iter().map(|(key, weight)| Authority { key, weight });
    Ok(VoterSet::new(set.set_id, voters.collect()).ok())
}

/// Reports an equivocation to the runtime: asks it for the unsigned report extrinsic and
/// submits that to our pool, which gossips it (first in line, free). A report the runtime
/// refuses (stale, already reported) is only logged.
pub async fn report_equivocation(chain: &Chain, pool: &lux_txpool::Pool, proof: EquivocationProof) {
    let best = chain.info().best_hash;
    let xt: lux_primitives::OpaqueExtrinsic =
        match chain.call_decode(&best, "LuxConsensusApi_report_equivocation", &proof.encode()) {
            Ok(xt) => xt,
            Err(e) => {
                tracing::warn!(target: "consensus", "cannot build an equivocation report: {e}");
                return;
            }
        };
    let submitted = pool
        .submit_async(
            lux_primitives::transaction::TransactionSource::Local,
            xt,
            false,
            lux_txpool::Origin::Local,
        )
        .await;
    match submitted {
        Ok(s) => tracing::warn!(target: "consensus", "⚖️  Reported an equivocation ({:?})", s.hash),
        Err(e) => tracing::debug!(target: "consensus", "equivocation report not submitted: {e}"),
    }
}
