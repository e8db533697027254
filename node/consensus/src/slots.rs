//! Slots and who may author them.

use lux_primitives::consensus::{PreDigest, Slot};
use lux_primitives::Sr25519Public;

/// The slot containing `timestamp_ms`.
pub fn slot_at(timestamp_ms: u64, slot_duration_ms: u64) -> Slot {
    timestamp_ms / slot_duration_ms.max(1)
}

/// When `slot` starts, in ms since the epoch.
pub fn slot_start(slot: Slot, slot_duration_ms: u64) -> u64 {
    slot.saturating_mul(slot_duration_ms)
}

/// The index of the slot's deterministic author.
pub fn secondary_author(slot: Slot, authorities: usize) -> Option<u32> {
    (authorities > 0).then(|| (slot % authorities as u64) as u32)
}

/// Our claim to `slot`, if one of our keys (`is_ours`) is the slot's author.
pub fn claim_slot(
    slot: Slot,
    authorities: &[Sr25519Public],
    is_ours: impl Fn(&Sr25519Public) -> bool,
) -> Option<(PreDigest, Sr25519Public)> {
    let index = secondary_author(slot, authorities.len())?;
    let key = authorities[index as usize];
    is_ours(&key).then_some((PreDigest::Secondary { authority_index: index, slot }, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_round_robin() {
        assert_eq!(slot_at(10_999, 1_000), 10);
        assert_eq!(slot_start(11, 1_000), 11_000);
        let keys = [Sr25519Public([1; 32]), Sr25519Public([2; 32]), Sr25519Public([3; 32])];
        assert_eq!(secondary_author(7, 3), Some(1));
        assert_eq!(secondary_author(7, 0), None);
        let claim = claim_slot(7, &keys, |k| *k == keys[1]);
        assert_eq!(claim, Some((PreDigest::Secondary { authority_index: 1, slot: 7 }, keys[1])));
        assert_eq!(claim_slot(8, &keys, |k| *k == keys[1]), None);
    }
}
