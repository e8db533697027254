//! The status line logged every few seconds, and the counters behind it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lux_chain::{Chain, ChainEvent};
use lux_primitives::H256;
use lux_rpc::NetworkStatus;
use lux_txpool::Pool;

use crate::network::SyncState;

/// Counters shared by the status line and the metrics endpoint.
#[derive(Default)]
pub(crate) struct Counters {
    /// Transactions (non-inherent extrinsics) in imported best blocks.
    pub transactions: AtomicU64,
    /// Imported blocks.
    pub blocks: AtomicU64,
}

/// Counts transactions of new best blocks (every extrinsic but the timestamp inherent).
pub(crate) async fn count(chain: Arc<Chain>, counters: Arc<Counters>) {
    let mut events = chain.subscribe();
    loop {
        match events.recv().await {
            Ok(ChainEvent::Imported(block)) => {
                counters.blocks.fetch_add(1, Ordering::Relaxed);
                if block.is_new_best {
                    let transactions = block.extrinsic_hashes.len().saturating_sub(1) as u64;
                    counters.transactions.fetch_add(transactions, Ordering::Relaxed);
                }
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(_) => return,
        }
    }
}

/// Per-second rate of a growing counter between samples.
struct Rate {
    last: (Instant, u64),
}

impl Rate {
    fn new(counter: &AtomicU64) -> Self {
        Self { last: (Instant::now(), counter.load(Ordering::Relaxed)) }
    }

    fn sample(&mut self, counter: &AtomicU64) -> f64 {
        let now = counter.load(Ordering::Relaxed);
        let elapsed = self.last.0.elapsed().as_secs_f64().max(0.001);
        let rate = now.saturating_sub(self.last.1) as f64 / elapsed;
        self.last = (Instant::now(), now);
        rate
    }
}

fn short(hash: &H256) -> String {
    let hex = format!("{hash:x}");
    format!("0x{}…{}", &hex[..4], &hex[hex.len() - 4..])
}

/// Logs `Idle (0 peers), best: #12 (0x…), finalized #12 (0x…), txpool: 0 ready, 0 future, 0.0 tx/s`,
/// or `Syncing, target=#1200 (3 peers), 85.2 bps, best: ...` while catching up.
pub(crate) async fn log(
    chain: Arc<Chain>,
    pool: Arc<Pool>,
    counters: Arc<Counters>,
    interval: Duration,
    network: Arc<dyn NetworkStatus>,
    sync: Option<Arc<SyncState>>,
) {
    let mut tps = Rate::new(&counters.transactions);
    let mut bps = sync.as_deref().map(|s| Rate::new(&s.imported));
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let info = chain.info();
        let status = pool.status();
        let tps = tps.sample(&counters.transactions);
        // Trimming walks the heap under the allocator's locks: only when nothing is going on.
        if status.ready + status.future == 0 && tps == 0.0 {
            release_free_memory();
        }
        let peers = network.peers();
        let bps = match (&mut bps, &sync) {
            (Some(rate), Some(sync)) => rate.sample(&sync.imported),
            _ => 0.0,
        };
        let head = match (&sync, network.sync_progress()) {
            (Some(_), Some(progress)) if network.is_syncing() => format!(
                "⚙️  Syncing, target=#{} ({peers} peers), {bps:.1} bps",
                progress.highest_block
            ),
            _ => format!("💤 Idle ({peers} peers)"),
        };
        tracing::info!(
            target: "luxtensor",
            "{head}, best: #{} ({}), finalized #{} ({}), txpool: {} ready, {} future, {} queued, {:.1} tx/s",
            info.best_number,
            short(&info.best_hash),
            info.finalized_number,
            short(&info.finalized_hash),
            status.ready,
            status.future,
            status.queued,
            tps
        );
    }
}

/// Hands memory that was freed back to the system: glibc keeps freed heap pages mapped (after
/// start-up, or a burst of transactions, that is tens of megabytes the node no longer uses).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages of the allocator's arenas to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
