//! Finality-set hand-overs: when the validator set changes, the runtime marks the block that
//! enacts the change with a [`ConsensusLog::FinalitySetChange`] digest. The current voter set
//! must finalize that block itself (its justification is the proof of the hand-over that
//! syncing nodes check), so its voters never vote past it; once it is final, the next set
//! votes from it on. The node and the seeded simulation both use these rules.

use lux_primitives::consensus::ConsensusLog;
use lux_primitives::Header;

use crate::finality::{BlockId, ChainView};

/// Whether `header` changes the finality voter set.
pub fn changes_finality_set(header: &Header) -> bool {
    ConsensusLog::find_all(header)
        .iter()
        .any(|log| matches!(log, ConsensusLog::FinalitySetChange { .. }))
}

/// The first block after #`finalized` on the way to `block` that changes the finality set,
/// if any (`None` too if a header on the way is unknown).
pub fn first_set_change(chain: &dyn ChainView, finalized: u32, block: BlockId) -> Option<BlockId> {
    let mut first = None;
    let (mut hash, mut number) = block;
    while number > finalized {
        let header = chain.header(&hash)?;
        if changes_finality_set(&header) {
            first = Some((hash, number));
        }
        hash = header.parent_hash;
        number -= 1;
    }
    first
}

/// What the current set may vote for on the way to `best`: `best`, or the first set-change
/// block after #`finalized` before it (unless that is below `base`, the block the vote must
/// contain).
pub fn vote_limit(chain: &dyn ChainView, finalized: u32, base: u32, best: BlockId) -> BlockId {
    match first_set_change(chain, finalized, best) {
        Some(change) if change.1 >= base => change,
        _ => best,
    }
}

/// Whether a block after #`after` up to `to` changes the finality set (a node that finalized
/// from #`after` to `to` must then switch to the set of `to`'s state). Unknown headers count as
/// a change, so the caller looks the set up rather than keep a stale one.
pub fn set_changed_between(chain: &dyn ChainView, after: u32, to: BlockId) -> bool {
    let (mut hash, mut number) = to;
    while number > after {
        let Some(header) = chain.header(&hash) else { return true };
        if changes_finality_set(&header) {
            return true;
        }
        hash = header.parent_hash;
        number -= 1;
    }
    false
}
