//! Importing a block of N signed transfers: wasm execution (signature checks, fees, balances,
//! events), the state trie and the RocksDB commit, as a node importing a peer's block does.
//!
//! Also measured: building that block as its author (whose pool validated the transfers, so
//! their signatures are cached), and validating the transfers as the pool's threads do.
//!
//! Every transfer has its own sender and a new recipient, so a block of N transfers touches
//! 2N accounts. Run with `cargo bench -p lux-chain --bench import` (or
//! `scripts/bench-import.sh`); under `cargo test` it runs once, as a test.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lux_chain::{BlockOrigin, BuildLimits, BuiltBlock, Chain, ListFeed};
use lux_chain_spec::{ChainSpec, Genesis};
use lux_consensus::{seal_header, PreDigest};
use lux_db::{Database, DatabaseConfig};
use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_keys::EthereumPair;
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::transaction::TransactionSource;
use lux_primitives::{AccountId20, Digest, Header, OpaqueExtrinsic, Sr25519Public, LUX};
use lux_rpc_client::{sign_extrinsic, SigningContext};
use luxtensor_runtime::{RuntimeCall, VERSION};

const TRANSFERS: usize = 2_000;

fn sender(i: usize) -> EthereumPair {
    let mut secret = [0x11u8; 32];
    secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    EthereumPair::from_secret_key(&secret).expect("valid key")
}

/// Dev genesis plus `TRANSFERS` funded senders.
fn genesis(executor: &WasmExecutor, senders: &[EthereumPair]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut spec = ChainSpec::builtin("dev", executor).expect("dev spec");
    if let Genesis::RuntimeGenesis(genesis) = &mut spec.genesis {
        let balances = genesis.patch["balances"]["balances"].as_array_mut().expect("balances");
        for pair in senders {
            balances.push(serde_json::json!([pair.address_checksummed(), 1_000 * LUX]));
        }
    }
    spec.genesis_storage(executor).expect("genesis storage")
}

fn open_chain(
    executor: &Arc<WasmExecutor>,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> (tempfile::TempDir, Chain) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path(), &DatabaseConfig::default()).expect("db");
    let chain = Chain::open(db, executor.clone(), genesis).expect("chain");
    (dir, chain)
}

/// A fresh chain whose pool validated `transactions` (their signatures are in the host's
/// cache, and only theirs).
fn validated_by_pool(
    executor: &Arc<WasmExecutor>,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    transactions: &[OpaqueExtrinsic],
) -> (tempfile::TempDir, Chain) {
    let (dir, chain) = open_chain(executor, genesis);
    let genesis_hash = chain.info().genesis_hash;
    let txs: Vec<_> = transactions.iter().map(|xt| (TransactionSource::External, xt)).collect();
    executor.signatures().clear();
    for result in chain.validate_transactions(&genesis_hash, &txs) {
        assert!(matches!(result, Ok(Ok(_))));
    }
    (dir, chain)
}

/// Builds block 1 with `transactions` on `chain`.
fn build_on(chain: &Chain, transactions: Vec<OpaqueExtrinsic>) -> BuiltBlock {
    let slot = 1;
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot }.to_digest_item());
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &1_000u64);
    let limits = BuildLimits {
        deadline: Instant::now() + Duration::from_secs(600),
        max_transactions: usize::MAX,
    };
    let genesis = chain.info().genesis_hash;
    chain
        .build_block(&genesis, digest, &data, &mut ListFeed::new(transactions), limits)
        .expect("builds")
}

/// Builds and seals the block of transfers on one chain.
fn build_block(
    executor: &Arc<WasmExecutor>,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    senders: &[EthereumPair],
) -> (Header, Vec<OpaqueExtrinsic>) {
    let (_dir, chain) = open_chain(executor, genesis);
    let info = chain.info();
    let context = SigningContext {
        genesis_hash: info.genesis_hash,
        spec_version: VERSION.spec_version,
        transaction_version: VERSION.transaction_version,
    };
    let transactions: Vec<_> = senders
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let mut dest = [0xeeu8; 20];
            dest[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
                dest: AccountId20(dest),
                value: LUX,
            });
            OpaqueExtrinsic::from_encoded(&codec::Encode::encode(&sign_extrinsic(
                pair, call, 0, 0, &context,
            )))
            .expect("encoded extrinsic")
        })
        .collect();
    let started = Instant::now();
    let built = build_on(&chain, transactions);
    eprintln!("built a block of {} transfers in {:?}", built.included.len(), started.elapsed());
    assert_eq!(built.included.len(), senders.len(), "every transfer fits in the block");
    let alice = lux_keys::dev_session_key("alice").expect("alice");
    let header = seal_header(built.header, &Sr25519Public(alice.public()), &alice).expect("sealed");
    (header, built.body)
}

fn import(c: &mut Criterion) {
    let executor = WasmExecutor::new(ExecutorConfig::default()).expect("executor");
    let senders: Vec<EthereumPair> = (0..TRANSFERS).map(sender).collect();
    let genesis = genesis(&executor, &senders);
    let (header, body) = build_block(&executor, &genesis, &senders);
    let transfers: Vec<OpaqueExtrinsic> = body[1..].to_vec();

    let mut group = c.benchmark_group("import");
    group.sample_size(10).throughput(Throughput::Elements(TRANSFERS as u64));
    // A block from another node whose transactions this node never saw: every signature is
    // recovered during the import (in parallel with execution).
    group.bench_function(format!("block of {TRANSFERS} transfers, signatures not seen"), |b| {
        b.iter_batched(
            || {
                executor.signatures().clear();
                open_chain(&executor, &genesis)
            },
            |(dir, chain)| {
                let imported = chain
                    .import(header.clone(), body.clone(), None, None, BlockOrigin::External, true)
                    .expect("imports");
                assert_eq!(imported.extrinsic_hashes.len(), TRANSFERS + 1);
                (dir, chain)
            },
            BatchSize::PerIteration,
        )
    });
    // The usual case on a network: the transactions were gossiped and validated by this
    // node's pool before the block arrived, so their signatures are cached.
    group.bench_function(format!("block of {TRANSFERS} transfers, signatures seen"), |b| {
        b.iter_batched(
            || validated_by_pool(&executor, &genesis, &transfers),
            |(dir, chain)| {
                chain
                    .import(header.clone(), body.clone(), None, None, BlockOrigin::External, true)
                    .expect("imports");
                (dir, chain)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("author");
    group.sample_size(10).throughput(Throughput::Elements(TRANSFERS as u64));
    // The author's block: its pool validated every transaction (signatures cached).
    group.bench_function(format!("build a block of {TRANSFERS} transfers"), |b| {
        b.iter_batched(
            || validated_by_pool(&executor, &genesis, &transfers),
            |(dir, chain)| {
                let built = build_on(&chain, transfers.clone());
                assert_eq!(built.included.len(), TRANSFERS);
                (dir, chain)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("pool");
    group.sample_size(10).throughput(Throughput::Elements(TRANSFERS as u64));
    // What the pool's validation threads do: batches of 64 on every core, signatures not
    // seen before.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    group.bench_function(format!("validate {TRANSFERS} transfers on {threads} threads"), |b| {
        let (_dir, chain) = open_chain(&executor, &genesis);
        let genesis_hash = chain.info().genesis_hash;
        b.iter_batched(
            || executor.signatures().clear(),
            |()| {
                let next = std::sync::atomic::AtomicUsize::new(0);
                std::thread::scope(|scope| {
                    for _ in 0..threads {
                        scope.spawn(|| loop {
                            let start = next.fetch_add(64, std::sync::atomic::Ordering::Relaxed);
                            if start >= transfers.len() {
                                break;
                            }
                            let end = (start + 64).min(transfers.len());
                            let txs: Vec<_> = transfers[start..end]
                                .iter()
                                .map(|xt| (TransactionSource::External, xt))
                                .collect();
                            for result in chain.validate_transactions(&genesis_hash, &txs) {
                                assert!(matches!(result, Ok(Ok(_))));
                            }
                        });
                    }
                });
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
