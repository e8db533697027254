//! Slots: fixed-length spans of time, each with at most a few authors.

use lux_primitives::consensus::Slot;

/// The slot containing `timestamp_ms`.
pub fn slot_at(timestamp_ms: u64, slot_duration_ms: u64) -> Slot {
    timestamp_ms / slot_duration_ms.max(1)
}

/// When `slot` starts, in ms since the epoch.
pub fn slot_start(slot: Slot, slot_duration_ms: u64) -> u64 {
    slot.saturating_mul(slot_duration_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_their_start() {
        assert_eq!(slot_at(10_999, 1_000), 10);
        assert_eq!(slot_start(11, 1_000), 11_000);
        assert_eq!(slot_at(5, 0), 5, "a zero duration is treated as 1 ms");
    }
}
