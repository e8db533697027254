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
        loop {
            let duration = self.slot_duration();
            let now = now_ms();
            let slot = slot_at(now, duration) + 1;
            tokio::time::sleep(Duration::from_millis(
                slot_start(slot, duration).saturating_sub(now),
            ))
            .await;
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
        let parent = self.chain.info().best_hash;
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
            started + Duration::from_millis(slot_duration * 2 / 3)
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
