//! The pool's own cost, without the runtime: inserting 20,000 transactions of 125 senders that
//! arrive out of order, taking them for a block, and pruning a block of 5,000. Run with
//! `cargo bench -p lux-txpool`; under `cargo test` it runs once, as a test.

use std::sync::Arc;

use codec::{Decode, Encode};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lux_primitives::transaction::{TransactionSource, TransactionValidity, ValidTransaction};
use lux_primitives::{AccountId20, OpaqueExtrinsic, H256};
use lux_txpool::{BlockUpdate, Pool, PoolConfig, TxValidator, ValidatorError};

const SENDERS: u32 = 125;
const PER_SENDER: u32 = 160;

/// Every sender starts at nonce 0; a transaction is `(sender, nonce)`.
struct Validator;

impl TxValidator for Validator {
    fn best_block(&self) -> (H256, u32) {
        (H256::zero(), 0)
    }

    fn validate(
        &self,
        _at: H256,
        _source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, ValidatorError> {
        let (sender, nonce) = <(u32, u32)>::decode(&mut &xt.0[..])
            .map_err(|e| ValidatorError::Failed(e.to_string()))?;
        let mut who = [0u8; 20];
        who[..4].copy_from_slice(&sender.to_le_bytes());
        let who = AccountId20(who);
        Ok(Ok(ValidTransaction {
            requires: if nonce > 0 { vec![(who, nonce - 1).encode()] } else { vec![] },
            provides: vec![(who, nonce).encode()],
            ..Default::default()
        }))
    }
}

fn transactions() -> Vec<OpaqueExtrinsic> {
    // Each sender's nonces reversed in groups of 16, senders interleaved.
    let mut out = Vec::new();
    for group in 0..PER_SENDER / 16 {
        for sender in 0..SENDERS {
            for i in (0..16).rev() {
                out.push(OpaqueExtrinsic((sender, group * 16 + i).encode()));
            }
        }
    }
    out
}

fn config() -> PoolConfig {
    PoolConfig { max_ready: 100_000, max_future: 100_000, ..Default::default() }
}

fn filled() -> Arc<Pool> {
    let pool = Pool::new(Arc::new(Validator), config());
    for xt in transactions() {
        pool.submit(TransactionSource::External, xt).expect("accepted");
    }
    pool
}

fn bench(c: &mut Criterion) {
    let count = u64::from(SENDERS * PER_SENDER);
    let mut group = c.benchmark_group("pool");
    group.sample_size(10).throughput(Throughput::Elements(count));
    group.bench_function("insert 20,000 out of order", |b| {
        b.iter_batched(
            transactions,
            |txs| {
                let pool = Pool::new(Arc::new(Validator), config());
                for xt in txs {
                    pool.submit(TransactionSource::External, xt).expect("accepted");
                }
                assert_eq!(pool.status().ready, count as usize);
                pool
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("take 20,000 for a block", |b| {
        let pool = filled();
        b.iter(|| assert_eq!(pool.best().count(), count as usize))
    });
    group.throughput(Throughput::Elements(5_000));
    group.bench_function("prune a block of 5,000", |b| {
        b.iter_batched(
            || {
                let pool = filled();
                let included: Vec<H256> = pool.best().take(5_000).map(|(h, _)| h).collect();
                (pool, included)
            },
            |(pool, included)| {
                pool.on_new_best_block(BlockUpdate { number: 1, included, ..Default::default() });
                assert_eq!(pool.status().ready, count as usize - 5_000);
                pool
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
