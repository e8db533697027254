//! Pool behaviour against a mock chain of per-sender nonces.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use codec::{Decode, Encode};
use lux_primitives::transaction::{
    InvalidTransaction, TransactionSource, TransactionValidity, ValidTransaction,
};
use lux_primitives::{AccountId20, OpaqueExtrinsic, H256};
use parking_lot::Mutex;

use crate::*;

/// A chain with per-sender nonces; a transaction is `(sender, nonce, tip, padding)` and
/// provides `(AccountId20([sender; 20]), nonce)` as the runtime does.
#[derive(Default)]
struct Chain {
    nonces: Mutex<HashMap<u8, u32>>,
    validations: AtomicUsize,
    /// Makes each validation take this long.
    delay: Mutex<Option<Duration>>,
    /// The best block (zero at number 0 by default).
    best: Mutex<(H256, u32)>,
    /// A block whose state is gone: validating on it fails, and the chain has moved on to
    /// the second block by then (a reorg, then finality, during the validation).
    discarded: Mutex<Option<(H256, (H256, u32))>>,
}

fn account(sender: u8) -> AccountId20 {
    AccountId20([sender; 20])
}

fn xt(sender: u8, nonce: u32, tip: u64) -> OpaqueExtrinsic {
    OpaqueExtrinsic((sender, nonce, tip, 0u8).encode())
}

fn tag(sender: u8, nonce: u32) -> Vec<u8> {
    (account(sender), nonce).encode()
}

impl TxValidator for Arc<Chain> {
    fn best_block(&self) -> (H256, u32) {
        *self.best.lock()
    }

    fn validate(
        &self,
        at: H256,
        _source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError> {
        self.validations.fetch_add(1, Ordering::Relaxed);
        if let Some((discarded, moved_to)) = *self.discarded.lock() {
            if at == discarded {
                *self.best.lock() = moved_to;
                return Err(ValidatorError::StateUnavailable(format!("{at:?} discarded")));
            }
        }
        if let Some(delay) = *self.delay.lock() {
            std::thread::sleep(delay);
        }
        let (sender, nonce, tip, _) = <(u8, u32, u64, u8)>::decode(&mut &xt.0[..])
            .map_err(|e| ValidatorError::Failed(format!("cannot decode: {e}")))?;
        let current = self.nonces.lock().get(&sender).copied().unwrap_or(0);
        if nonce < current {
            return Ok(Err(InvalidTransaction::Stale.into()));
        }
        let requires = if nonce > current { vec![tag(sender, nonce - 1)] } else { vec![] };
        Ok(Ok(ValidTransaction {
            priority: tip,
            requires,
            provides: vec![tag(sender, nonce)],
            ..Default::default()
        }))
    }
}

fn pool(config: PoolConfig) -> (Arc<Pool>, Arc<Chain>) {
    let chain = Arc::new(Chain::default());
    (Pool::new(Arc::new(chain.clone()), config), chain)
}

fn submit(pool: &Pool, xt: OpaqueExtrinsic) -> Result<TxHash, PoolError> {
    pool.submit(TransactionSource::External, xt)
}

fn order(pool: &Pool) -> Vec<OpaqueExtrinsic> {
    pool.ready().into_iter().map(|t| (*t.data).clone()).collect()
}

fn included(pool: &Arc<Pool>, number: u32, hashes: Vec<TxHash>, changed: &[u8]) {
    pool.on_new_best_block(BlockUpdate {
        hash: H256::repeat_byte(number as u8),
        number,
        included: hashes,
        changed_accounts: changed.iter().map(|s| account(*s)).collect(),
        ..Default::default()
    });
}

fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<TxStatus>) -> Vec<TxStatus> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[test]
fn nonce_gaps_wait_in_the_future_queue() {
    let (pool, _) = pool(PoolConfig::default());
    submit(&pool, xt(1, 2, 0)).expect("future");
    submit(&pool, xt(1, 1, 0)).expect("future");
    assert_eq!(pool.status().future, 2);
    assert!(pool.ready().is_empty());
    submit(&pool, xt(1, 0, 0)).expect("ready");
    assert_eq!(pool.status().ready, 3);
    assert_eq!(pool.status().future, 0);
    assert_eq!(order(&pool), vec![xt(1, 0, 0), xt(1, 1, 0), xt(1, 2, 0)]);
}

#[test]
fn a_shuffled_stream_of_one_sender_becomes_ready_in_order() {
    let (pool, _) = pool(PoolConfig::default());
    // Reversed in blocks of 50, as concurrent submissions arrive.
    let mut nonces: Vec<u32> = (0..500).collect();
    for chunk in nonces.chunks_mut(50) {
        chunk.reverse();
    }
    for nonce in nonces {
        submit(&pool, xt(7, nonce, 0)).expect("accepted");
    }
    assert_eq!(pool.status().ready, 500);
    assert_eq!(pool.status().future, 0);
    let expected: Vec<_> = (0..500).map(|n| xt(7, n, 0)).collect();
    assert_eq!(order(&pool), expected);
}

#[test]
fn higher_tips_go_first_but_dependencies_are_respected() {
    let (pool, _) = pool(PoolConfig::default());
    submit(&pool, xt(1, 0, 5)).expect("ok");
    submit(&pool, xt(1, 1, 100)).expect("ok");
    submit(&pool, xt(2, 0, 50)).expect("ok");
    assert_eq!(order(&pool), vec![xt(2, 0, 50), xt(1, 0, 5), xt(1, 1, 100)]);
}

#[test]
fn rejections_have_reasons() {
    let (pool, chain) = pool(PoolConfig { max_tx_bytes: 20, ..Default::default() });
    chain.nonces.lock().insert(1, 5);
    assert_eq!(submit(&pool, xt(1, 4, 0)), Err(PoolError::Invalid(InvalidTransaction::Stale)));
    assert_eq!(submit(&pool, xt(1, 4, 0)), Err(PoolError::TemporarilyBanned));
    let hash = submit(&pool, xt(1, 5, 0)).expect("ok");
    assert_eq!(submit(&pool, xt(1, 5, 0)), Err(PoolError::AlreadyImported(hash)));
    assert!(matches!(submit(&pool, OpaqueExtrinsic(vec![1])), Err(PoolError::Validation(_))));
    assert_eq!(submit(&pool, OpaqueExtrinsic(vec![0; 21])), Err(PoolError::TooLarge(21)));
}

#[test]
fn replacement_needs_a_higher_tip() {
    let (pool, _) = pool(PoolConfig::default());
    let (first, mut status) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 10)).expect("ok");
    // Same sender, nonce and tip, different content.
    let mut same_tip = xt(1, 0, 10);
    same_tip.0.push(1);
    assert_eq!(submit(&pool, same_tip), Err(PoolError::TooLowPriority { old: 10, new: 10 }));
    let second = submit(&pool, xt(1, 0, 11)).expect("replaces");
    assert!(!pool.contains(&first));
    assert_eq!(drain(&mut status), vec![TxStatus::Ready, TxStatus::Usurped(second)]);
}

#[test]
fn replacing_a_transaction_keeps_its_dependents() {
    let (pool, _) = pool(PoolConfig::default());
    submit(&pool, xt(1, 0, 1)).expect("ok");
    submit(&pool, xt(1, 1, 1)).expect("ok");
    submit(&pool, xt(1, 0, 2)).expect("replaces nonce 0");
    assert_eq!(order(&pool), vec![xt(1, 0, 2), xt(1, 1, 1)]);
    assert_eq!(pool.status().future, 0);
}

#[test]
fn full_pool_drops_the_lowest_priority() {
    let (pool, _) = pool(PoolConfig { max_ready: 2, ..Default::default() });
    submit(&pool, xt(1, 0, 5)).expect("ok");
    submit(&pool, xt(2, 0, 6)).expect("ok");
    assert_eq!(submit(&pool, xt(3, 0, 1)), Err(PoolError::ImmediatelyDropped));
    submit(&pool, xt(4, 0, 9)).expect("evicts the tip-5 one");
    assert_eq!(order(&pool), vec![xt(4, 0, 9), xt(2, 0, 6)]);
}

#[test]
fn a_full_ready_queue_drops_from_the_end_of_a_chain() {
    let (pool, _) = pool(PoolConfig { max_ready: 3, ..Default::default() });
    let (_, mut head) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 0)).expect("ok");
    submit(&pool, xt(1, 1, 0)).expect("ok");
    submit(&pool, xt(1, 2, 0)).expect("ok");
    // Higher priority: evicts a tip-0 one, and it must be the last of sender 1's chain.
    submit(&pool, xt(2, 0, 5)).expect("ok");
    assert_eq!(order(&pool), vec![xt(2, 0, 5), xt(1, 0, 0), xt(1, 1, 0)]);
    assert_eq!(pool.status().future, 0);
    assert_eq!(drain(&mut head), vec![TxStatus::Ready]);
}

#[test]
fn one_sender_cannot_fill_the_future_queue() {
    let (pool, _) = pool(PoolConfig { max_future_per_sender: 4, ..Default::default() });
    for nonce in 1..=4 {
        submit(&pool, xt(1, nonce, 0)).expect("future");
    }
    assert_eq!(submit(&pool, xt(1, 9, 0)), Err(PoolError::TooManyFromSender(4)));
    // Nothing accepted is dropped to make room: a nearer nonce waits for its turn too.
    assert_eq!(submit(&pool, xt(1, 5, 0)), Err(PoolError::TooManyFromSender(4)));
    // Others still get in, and the sender's in-order stream is unaffected.
    submit(&pool, xt(2, 1, 0)).expect("another sender");
    submit(&pool, xt(1, 0, 0)).expect("fills the gap");
    assert_eq!(pool.status().ready, 5);
}

#[test]
fn included_transactions_leave_and_their_successors_stay_ready_without_revalidation() {
    let (pool, chain) = pool(PoolConfig::default());
    let (h0, mut watch) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 0)).expect("ok");
    let h1 = submit(&pool, xt(1, 1, 0)).expect("ok");
    submit(&pool, xt(1, 2, 0)).expect("ok");
    chain.nonces.lock().insert(1, 2);
    let before = chain.validations.load(Ordering::Relaxed);
    // The block changed sender 1's account, as including its transactions does.
    included(&pool, 1, vec![h0, h1], &[1]);
    assert_eq!(chain.validations.load(Ordering::Relaxed), before);
    assert_eq!(order(&pool), vec![xt(1, 2, 0)]);
    let block = H256::repeat_byte(1);
    assert_eq!(drain(&mut watch), vec![TxStatus::Ready, TxStatus::InBlock(block)]);
    pool.on_finalized(&[block]);
    assert_eq!(drain(&mut watch), vec![TxStatus::Finalized(block)]);
}

#[test]
fn only_senders_whose_change_the_pool_did_not_expect_are_revalidated() {
    let (pool, chain) = pool(PoolConfig::default());
    let h0 = submit(&pool, xt(1, 0, 0)).expect("ok");
    submit(&pool, xt(1, 1, 0)).expect("ok");
    submit(&pool, xt(2, 0, 0)).expect("ok");
    submit(&pool, xt(2, 1, 0)).expect("ok");
    chain.nonces.lock().insert(1, 1);
    let before = chain.validations.load(Ordering::Relaxed);
    // Sender 1's pooled transaction is in the block; sender 2's account changed without one.
    included(&pool, 1, vec![h0], &[1, 2]);
    assert_eq!(chain.validations.load(Ordering::Relaxed) - before, 1);
    assert_eq!(order(&pool), vec![xt(1, 1, 0), xt(2, 0, 0), xt(2, 1, 0)]);
}

#[test]
fn a_late_validation_of_an_included_transaction_is_stale() {
    let (pool, _) = pool(PoolConfig::default());
    let h0 = submit(&pool, xt(1, 0, 0)).expect("ok");
    included(&pool, 1, vec![h0], &[]);
    // The same nonce again, validated before the block (the mock chain did not move).
    assert_eq!(submit(&pool, xt(1, 0, 1)), Err(PoolError::Invalid(InvalidTransaction::Stale)));
    // Its successor, validated before the block, requires what is now on chain.
    submit(&pool, xt(1, 1, 0)).expect("ok");
    assert_eq!(order(&pool), vec![xt(1, 1, 0)]);
}

#[test]
fn a_block_from_elsewhere_revalidates_only_the_senders_it_touched() {
    let (pool, chain) = pool(PoolConfig::default());
    let (_, mut stale) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 0)).expect("ok");
    submit(&pool, xt(1, 1, 0)).expect("ok");
    submit(&pool, xt(1, 2, 0)).expect("ok");
    for s in 2..50 {
        submit(&pool, xt(s, 0, 0)).expect("ok");
    }
    // Another author's block used sender 1's nonce 0 for something else.
    chain.nonces.lock().insert(1, 1);
    let before = chain.validations.load(Ordering::Relaxed);
    included(&pool, 1, vec![H256::repeat_byte(0xee)], &[1, 200]);
    // Nonce 0 is stale, nonce 1 is valid: two validations, not fifty.
    assert_eq!(chain.validations.load(Ordering::Relaxed) - before, 2);
    assert!(matches!(drain(&mut stale)[..], [TxStatus::Ready, TxStatus::Invalid(_)]));
    let ready = order(&pool);
    assert_eq!(ready.len(), 50);
    assert!(ready.contains(&xt(1, 1, 0)) && ready.contains(&xt(1, 2, 0)));
}

#[test]
fn the_builder_skips_what_depends_on_a_transaction_it_could_not_include() {
    let (pool, _) = pool(PoolConfig::default());
    for nonce in 0..3 {
        submit(&pool, xt(1, nonce, 10)).expect("ok");
    }
    submit(&pool, xt(2, 0, 0)).expect("ok");
    let mut best = pool.best();
    let (first, _) = best.next().expect("one");
    assert_eq!(first, xt(1, 0, 10).hash());
    best.mark_skipped();
    let rest: Vec<TxHash> = best.map(|(h, _)| h).collect();
    assert_eq!(rest, vec![xt(2, 0, 0).hash()]);
}

#[test]
fn invalid_transactions_found_by_the_builder_are_reported() {
    let (pool, _) = pool(PoolConfig::default());
    let (hash, mut watch) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 0)).expect("ok");
    pool.remove_invalid(&[(hash, "Inability to pay some fees".into())]);
    assert_eq!(
        drain(&mut watch),
        vec![TxStatus::Ready, TxStatus::Invalid("Inability to pay some fees".into())]
    );
    assert_eq!(submit(&pool, xt(1, 0, 0)), Err(PoolError::TemporarilyBanned));
}

#[test]
fn a_submission_that_unlocks_a_future_transaction_reports_it_ready() {
    let (pool, _) = pool(PoolConfig::default());
    let (_, mut watch) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 1, 0)).expect("ok");
    assert_eq!(drain(&mut watch), vec![TxStatus::Future]);
    submit(&pool, xt(1, 0, 0)).expect("ok");
    assert_eq!(drain(&mut watch), vec![TxStatus::Ready]);
}

#[test]
fn retracted_blocks_are_reported_and_unfinalized_ones_time_out() {
    let (pool, _) = pool(PoolConfig::default());
    let (h, mut watch) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 0, 0)).expect("ok");
    let a = H256::repeat_byte(0xa);
    pool.on_new_best_block(BlockUpdate {
        hash: a,
        number: 1,
        included: vec![h],
        ..Default::default()
    });
    pool.on_new_best_block(BlockUpdate {
        hash: H256::repeat_byte(0xb),
        number: 2,
        retracted: vec![a],
        ..Default::default()
    });
    assert_eq!(
        drain(&mut watch),
        vec![TxStatus::Ready, TxStatus::InBlock(a), TxStatus::Retracted(a)]
    );
    let c = H256::repeat_byte(0xc);
    pool.on_new_best_block(BlockUpdate {
        hash: c,
        number: 3,
        included: vec![h],
        ..Default::default()
    });
    assert_eq!(drain(&mut watch), vec![TxStatus::InBlock(c)]);
    pool.on_new_best_block(BlockUpdate {
        hash: H256::repeat_byte(0xd),
        number: 3 + 512 + 1,
        ..Default::default()
    });
    assert_eq!(drain(&mut watch), vec![TxStatus::FinalityTimeout(c)]);
}

#[test]
fn future_promoted_after_revalidation_is_reported_ready() {
    let (pool, chain) = pool(PoolConfig::default());
    let (_, mut watch) =
        pool.submit_and_watch(TransactionSource::External, xt(1, 1, 0)).expect("ok");
    assert_eq!(drain(&mut watch), vec![TxStatus::Future]);
    chain.nonces.lock().insert(1, 1);
    included(&pool, 1, vec![], &[1]);
    assert_eq!(drain(&mut watch), vec![TxStatus::Ready]);
}

#[test]
fn local_transactions_are_offered_for_gossip_once_ready() {
    let (pool, _) = pool(PoolConfig::default());
    submit(&pool, xt(1, 1, 0)).expect("future");
    assert!(pool.take_to_propagate().is_empty());
    submit(&pool, xt(1, 0, 0)).expect("ready");
    let hashes: Vec<_> = pool.take_to_propagate().into_iter().map(|t| t.hash).collect();
    assert_eq!(hashes, vec![xt(1, 0, 0).hash(), xt(1, 1, 0).hash()]);
    assert!(pool.take_to_propagate().is_empty());
}

#[test]
fn gossiped_transactions_are_not_published_again() {
    let (pool, _) = pool(PoolConfig { validation_threads: 1, ..Default::default() });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime
        .block_on(pool.submit_async(
            TransactionSource::External,
            xt(1, 0, 0),
            false,
            Origin::Network,
        ))
        .expect("accepted");
    assert!(pool.contains(&xt(1, 0, 0).hash()));
    assert!(pool.take_to_propagate().is_empty());
}

#[test]
fn the_validation_queue_accepts_concurrent_submissions_and_pushes_back_when_full() {
    let (pool, chain) =
        pool(PoolConfig { validation_threads: 2, max_queued: 8, ..Default::default() });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("rt");
    let results = runtime.block_on(async {
        let tasks: Vec<_> = (0..200u32)
            .map(|i| {
                let pool = pool.clone();
                // Three senders, nonces in any order.
                let (sender, nonce) = ((i % 3) as u8, i / 3);
                tokio::spawn(async move {
                    pool.submit_async(
                        TransactionSource::External,
                        xt(sender, nonce, 0),
                        true,
                        Origin::Local,
                    )
                    .await
                    .map(|s| s.hash)
                })
            })
            .collect();
        futures_join(tasks).await
    });
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(pool.status().ready, 200);
    assert_eq!(chain.validations.load(Ordering::Relaxed), 200);

    // Slow validation: once the wait for room times out, submitters hear `Busy`.
    let (pool, chain) = self::pool(PoolConfig {
        validation_threads: 1,
        max_queued: 2,
        queue_timeout: Duration::from_millis(20),
        ..Default::default()
    });
    *chain.delay.lock() = Some(Duration::from_millis(50));
    let results = runtime.block_on(async {
        let tasks: Vec<_> = (0..40u32)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.submit_async(
                        TransactionSource::External,
                        xt(9, i, 0),
                        false,
                        Origin::Network,
                    )
                    .await
                    .map(|s| s.hash)
                })
            })
            .collect();
        futures_join(tasks).await
    });
    assert!(results.contains(&Err(PoolError::Busy)));
    assert!(results.iter().any(Result::is_ok));
}

async fn futures_join<T: std::fmt::Debug>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("task"));
    }
    out
}

/// A client streaming nonces faster than blocks include them, retrying whatever the full pool
/// refuses, while blocks take what is ready: every transaction gets in and the pool never
/// ends up holding only transactions that wait for refused ones.
#[test]
fn a_full_pool_never_wedges_a_sender_that_retries() {
    let (pool, chain) = pool(PoolConfig {
        max_ready: 60,
        max_future: 40,
        max_future_per_sender: 10,
        ..Default::default()
    });
    let senders = 8u8;
    let per_sender = 100u32;
    let mut next: Vec<u32> = vec![0; senders as usize];
    let mut retry: Vec<(u8, u32)> = Vec::new();
    let mut included = 0;
    for round in 0..2_000u32 {
        // The client: retries first, then up to 30 new transactions per round.
        let mut batch: Vec<(u8, u32)> = std::mem::take(&mut retry);
        for _ in 0..30 {
            let s = (round as usize + batch.len()) % senders as usize;
            if next[s] < per_sender {
                batch.push((s as u8, next[s]));
                next[s] += 1;
            }
        }
        for (s, n) in batch {
            match submit(&pool, xt(s, n, 0)) {
                Ok(_) | Err(PoolError::AlreadyImported(_)) => {}
                Err(PoolError::ImmediatelyDropped | PoolError::TooManyFromSender(_)) => {
                    retry.push((s, n))
                }
                Err(e) => panic!("({s}, {n}) refused: {e}"),
            }
        }
        // A block: the first 20 ready transactions.
        let block: Vec<TxHash> = pool.best().take(20).map(|(h, _)| h).collect();
        for h in &block {
            let xt = pool.pending().into_iter().find(|x| x.hash() == *h).expect("in pool");
            let (s, n, _, _) = <(u8, u32, u64, u8)>::decode(&mut &xt.0[..]).expect("decodes");
            chain.nonces.lock().insert(s, n + 1);
        }
        included += block.len();
        pool.on_new_best_block(BlockUpdate {
            hash: H256::repeat_byte(1),
            number: round + 1,
            included: block,
            ..Default::default()
        });
        if included == senders as usize * per_sender as usize {
            return;
        }
    }
    panic!("wedged: {included} included, pool {:?}, {} to retry", pool.status(), retry.len());
}

#[test]
fn interleaved_senders_reversed_in_groups_all_become_ready() {
    let (pool, _) =
        pool(PoolConfig { max_ready: 100_000, max_future: 100_000, ..Default::default() });
    for group in 0..4u32 {
        for sender in 0..5u8 {
            for i in (0..16).rev() {
                submit(&pool, xt(sender, group * 16 + i, 0)).expect("accepted");
            }
        }
    }
    assert_eq!(
        pool.status(),
        PoolStatus { ready: 320, ready_bytes: 320 * 14, ..Default::default() }
    );
}

#[test]
fn transactions_are_announced_when_they_become_ready_whatever_their_source() {
    let (pool, _) = pool(PoolConfig::default());
    let mut ready = pool.import_notification_stream();
    let mut announced = || {
        std::iter::from_fn(|| ready.try_recv().ok()).map(|t| (*t.data).clone()).collect::<Vec<_>>()
    };
    // A transaction waiting for an earlier nonce is announced when that one arrives.
    submit(&pool, xt(1, 1, 0)).expect("future");
    assert!(announced().is_empty());
    submit(&pool, xt(1, 0, 0)).expect("ready");
    assert_eq!(announced(), vec![xt(1, 0, 0), xt(1, 1, 0)]);
    // One from a peer, which this node does not gossip again, is announced too.
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let from_peer =
        pool.submit_async(TransactionSource::External, xt(2, 0, 0), false, Origin::Network);
    runtime.block_on(from_peer).expect("accepted");
    assert_eq!(announced(), vec![xt(2, 0, 0)]);
    assert_eq!(pool.take_to_propagate().len(), 2, "only the local ones are gossiped");
    // Refused and duplicate submissions are not.
    assert!(submit(&pool, xt(1, 0, 0)).is_err());
    assert!(announced().is_empty());
}

/// A submission validated while its block loses its state (a reorg, then finality) is
/// validated again on the block that is best by then, on the calling thread and on the
/// validation threads alike.
#[test]
fn a_submission_whose_block_lost_its_state_is_validated_on_the_new_best_block() {
    for threads in [0, 1] {
        let (pool, chain) = pool(PoolConfig { validation_threads: threads, ..Default::default() });
        let moved_to = (H256::repeat_byte(7), 7);
        *chain.discarded.lock() = Some((H256::zero(), moved_to));
        let submitted = if threads == 0 {
            submit(&pool, xt(1, 0, 0))
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(pool.submit_async(
                    TransactionSource::External,
                    xt(1, 0, 0),
                    false,
                    Origin::Local,
                ))
                .map(|s| s.hash)
        };
        assert_eq!(submitted, Ok(xt(1, 0, 0).hash()), "{threads} threads");
        assert_eq!(chain.validations.load(Ordering::Relaxed), 2);
        assert_eq!(pool.status().ready, 1);
        assert_eq!(chain.best_block(), moved_to);

        // Once the best block itself is gone too, the submission is refused with the reason.
        *chain.discarded.lock() = Some((moved_to.0, moved_to));
        let refused = submit(&pool, xt(2, 0, 0));
        assert!(matches!(&refused, Err(PoolError::Validation(e)) if e.contains("discarded")));
    }
}

/// The transactions of a block that a reorg retracted come back to the pool.
#[test]
fn a_retracted_blocks_transactions_come_back() {
    let (pool, chain) = pool(PoolConfig::default());
    let hash = submit(&pool, xt(1, 0, 0)).expect("ready");
    chain.nonces.lock().insert(1, 1);
    included(&pool, 1, vec![hash], &[1]);
    assert_eq!(pool.status().ready, 0);
    // A fork without that block wins: the sender's nonce is back at 0.
    chain.nonces.lock().insert(1, 0);
    pool.on_new_best_block(BlockUpdate {
        hash: H256::repeat_byte(0xf1),
        number: 1,
        retracted: vec![H256::repeat_byte(1)],
        retracted_extrinsics: vec![xt(1, 0, 0), xt(2, 0, 0)],
        ..Default::default()
    });
    assert_eq!(order(&pool), vec![xt(1, 0, 0), xt(2, 0, 0)]);
}
