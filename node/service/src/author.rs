//! Block authoring: in every slot this node may author, build a block from the pool, seal it
//! and import it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lux_chain::{BlockOrigin, BuildLimits, Chain, ChainError};
use lux_consensus::{seal_header, slot_at, slot_start, PreDigest, Slot};
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::Digest;
use lux_txpool::Pool;

use crate::consensus::now_ms;
use crate::MemoryKeystore;

/// Settings of the author.
pub(crate) struct Author {
    pub chain: Arc<Chain>,
    pub pool: Arc<Pool>,
    pub keystore: Arc<MemoryKeystore>,
    pub slot_duration_override: Option<Duration>,
    /// One more than the highest epoch index authoring has worked in (0: none yet): the first
    /// slot considered in a new epoch is logged.
    pub epoch_seen: AtomicU64,
    /// Where block building times are recorded.
    pub metrics: crate::metrics::NodeMetrics,
}

impl Author {
    /// The slot length: the override, or the runtime's.
    fn slot_duration(&self) -> u64 {
        crate::consensus::slot_duration(&self.chain, self.slot_duration_override)
    }

    /// Waits for each slot and authors in it when it is ours.
    pub(crate) async fn run(self: Arc<Self>) {
        let mut last = None;
        loop {
            let duration = self.slot_duration();
            let now = now_ms();
            let slot = next_slot(now, duration, last);
            tokio::time::sleep(Duration::from_millis(
                slot_start(slot, duration).saturating_sub(now),
            ))
            .await;
            last = Some(slot);
            let this = self.clone();
            match tokio::task::spawn_blocking(move || this.author_slot(slot, duration)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(target: "author", "could not author in slot {slot}: {e}")
                }
                Err(e) => tracing::error!(target: "author", "authoring task failed: {e}"),
            }
        }
    }

    /// Authors a block in `slot` if one of our keys is its author and the best block is from
    /// an earlier slot.
    fn author_slot(&self, slot: Slot, slot_duration: u64) -> Result<(), ChainError> {
        let started = Instant::now();
        // A block of the previous slot still being imported is the parent this block should
        // have: building on the block before it would fork the chain and cost one of the two
        // its slot. Wait for it, up to half the slot.
        self.chain.wait_for_imports(Duration::from_millis(slot_duration / 2));
        let mut parent = self.chain.info().best_hash;
        loop {
            match self.author_on(parent, slot, slot_duration, started) {
                Ok(()) => return Ok(()),
                // Finality may prune the parent's fork while the block is built on it (a sibling
                // was finalized): nobody has seen that block and the slot is still ours, so
                // build again on the new best block, while a block made now (empty, past the
                // slot's middle) can still reach the next author.
                Err(e) => {
                    let best = self.chain.info().best_hash;
                    let elapsed = now_ms().saturating_sub(slot_start(slot, slot_duration));
                    if best == parent || elapsed >= slot_duration * 3 / 4 {
                        return Err(e);
                    }
                    tracing::info!(
                        target: "author",
                        "building again in slot {slot} on the new best block {best:?}: {e}"
                    );
                    parent = best;
                }
            }
        }
    }

    /// Authors a block in `slot` on `parent` if one of our keys is the slot's author and
    /// `parent` is from an earlier slot.
    fn author_on(
        &self,
        parent: lux_primitives::H256,
        slot: Slot,
        slot_duration: u64,
        started: Instant,
    ) -> Result<(), ChainError> {
        let parent_header = self.chain.header(&parent)?.ok_or(ChainError::UnknownBlock(parent))?;
        if PreDigest::find(&parent_header).is_some_and(|p| p.slot() >= slot) {
            return Ok(());
        }
        let epoch = crate::consensus::epoch_at(&self.chain, &parent, slot)?;
        let seen = self.epoch_seen.fetch_max(epoch.index + 1, Ordering::Relaxed);
        if seen < epoch.index + 1 {
            tracing::info!(
                target: "author",
                "🎲 Epoch #{} from slot {} ({} slots), randomness 0x{}…",
                epoch.index,
                epoch.start_slot,
                epoch.length,
                hex::encode(&epoch.randomness[..4])
            );
        }
        let Some((pre_digest, author)) =
            epoch.claim_slot(slot, &*self.keystore, |k| self.keystore.has(k))
        else {
            return Ok(());
        };
        // A single authority is the whole validator set: its vote finalizes. It votes for the
        // best block when the next slot begins, so finality follows inclusion by one slot,
        // as clients expect (polkadot.js misses `InBlock` if `Finalized` comes in the same
        // instant).
        if epoch.authorities.len() == 1 && parent != self.chain.info().finalized_hash {
            self.chain.finalize(&parent, None)?;
        }
        let mut digest = Digest::default();
        digest.push(pre_digest.to_digest_item());
        let mut inherent_data = InherentData::new();
        inherent_data.put(TIMESTAMP_INHERENT_ID, &slot_start(slot, slot_duration));
        // A lone authority may build for two thirds of the slot. With other validators, the
        // block must also reach them and be imported before the next slot: build for at most a
        // third of the slot, and not past its middle (importing takes a little longer than
        // building).
        let slot_elapsed =
            Duration::from_millis(now_ms().saturating_sub(slot_start(slot, slot_duration)));
        let deadline = if epoch.authorities.len() == 1 {
            let two_thirds = Duration::from_millis(slot_duration * 2 / 3);
            Instant::now() + two_thirds.saturating_sub(slot_elapsed)
        } else {
            let middle = Duration::from_millis(slot_duration / 2).saturating_sub(slot_elapsed);
            Instant::now() + middle.min(Duration::from_millis(slot_duration / 3))
        };
        let limits = BuildLimits { deadline, max_transactions: usize::MAX };
        let mut ready = self.pool.best();
        let building = Instant::now();
        let built = self.chain.build_block(&parent, digest, &inherent_data, &mut ready, limits)?;
        self.metrics.proposer_time.observe(building.elapsed().as_secs_f64());
        self.metrics
            .proposer_transactions
            .set(i64::try_from(built.included.len()).unwrap_or(i64::MAX));
        if !built.invalid.is_empty() {
            self.pool.remove_invalid(&built.invalid);
        }
        let header = seal_header(built.header, &author, &*self.keystore)
            .ok_or_else(|| ChainError::BuildFailed("the session key is gone".into()))?;
        let transactions = built.included.len();
        let imported = self.chain.import(
            header,
            built.body,
            None,
            Some(built.changes),
            BlockOrigin::Own,
            false,
        )?;
        tracing::info!(
            target: "author",
            "🎁 Authored block #{} ({:?}) in slot {slot} with {transactions} transactions in {:?}",
            imported.header.number,
            imported.hash,
            started.elapsed()
        );
        Ok(())
    }
}

/// The slot to author next at `now_ms`, `last` being the last slot tried. Normally the next
/// one; but when trying `last` ran into the slot after it (a busy machine: a long wait for
/// imports, a slow import of the block), that slot is still tried while in its first half, late
/// rather than not at all: its author may be this node.
fn next_slot(now_ms: u64, slot_duration: u64, last: Option<Slot>) -> Slot {
    let current = slot_at(now_ms, slot_duration);
    let into_current = now_ms.saturating_sub(slot_start(current, slot_duration));
    match last {
        Some(last) if last < current && into_current < slot_duration / 2 => current,
        _ => current + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::next_slot;

    #[test]
    fn a_slot_reached_late_is_still_tried_in_its_first_half() {
        // 500 ms slots; slot 10 is 5,000..5,500 ms.
        assert_eq!(next_slot(4_990, 500, Some(9)), 10, "on time: the next slot");
        assert_eq!(next_slot(5_120, 500, Some(9)), 10, "slot 9 overran into 10: try 10 now");
        assert_eq!(next_slot(5_260, 500, Some(9)), 11, "past the middle of 10: too late");
        assert_eq!(next_slot(5_120, 500, Some(10)), 11, "10 was tried already");
        assert_eq!(next_slot(5_120, 500, None), 11, "at start, the next whole slot");
    }
}
