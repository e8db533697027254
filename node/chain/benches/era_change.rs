//! The cost of staking's election and era change as a node sees it: importing (executing in
//! wasm, with the state trie and the RocksDB commit) the block that runs the election of 100
//! validator candidates backed by 1,000 nominators of 16 targets each, the block that starts
//! the new era, and an ordinary block for comparison; and building the election block as its
//! author does.
//!
//! The chain is the local testnet's with one session per era and sessions of 10 slots: block
//! 1 (slot 1) is ordinary, block 2 (slot 11) rotates the session and elects era 1, block 3
//! (slot 21) rotates again, starts era 1 (and elects era 2). Run with
//! `cargo bench -p lux-chain --bench era_change`; under `cargo test` it runs once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lux_chain::{BlockOrigin, BuildLimits, Chain, ListFeed};
use lux_chain_spec::{ChainSpec, Genesis};
use lux_consensus::{seal_header, PreDigest};
use lux_db::{Database, DatabaseConfig};
use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_keys::{EthereumPair, Sr25519Pair};
use lux_primitives::consensus::EpochDescriptor;
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::{Digest, Header, OpaqueExtrinsic, Sr25519Public, LUX};

const CANDIDATES: usize = 100;
const NOMINATORS: usize = 1_000;
const TARGETS: usize = 16;

fn account(kind: u8, i: usize) -> EthereumPair {
    let mut secret = [kind; 32];
    secret[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    EthereumPair::from_secret_key(&secret).expect("valid key")
}

fn session_key(i: usize) -> Sr25519Pair {
    let mut seed = [0x55u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
    Sr25519Pair::from_seed(&seed)
}

/// The local testnet's genesis with 100 more candidates (stakes 10,000 to 109,000 LUX) and
/// 1,000 nominators (1,000 to 1,999 LUX, 16 pseudo-random targets each).
fn genesis(executor: &WasmExecutor) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut spec = ChainSpec::builtin("local", executor).expect("local spec");
    let Genesis::RuntimeGenesis(genesis) = &mut spec.genesis else { panic!("runtime genesis") };
    let patch = &mut genesis.patch;
    patch["session"]["epochLength"] = serde_json::json!(10);
    patch["staking"]["sessionsPerEra"] = serde_json::json!(1);
    patch["staking"]["validatorCount"] = serde_json::json!(CANDIDATES);
    let mut balances = Vec::new();
    let mut keys = Vec::new();
    let mut stakers = Vec::new();
    for i in 0..CANDIDATES {
        let address = account(0x21, i).address_checksummed();
        balances.push(serde_json::json!([address, 200_000 * LUX]));
        keys.push(serde_json::json!([address, { "lux": format!("0x{}", hex::encode(session_key(i).public())) }]));
        let stake = (10_000 + 1_000 * i as u128) * LUX;
        stakers.push(serde_json::json!([address, stake, "validator"]));
    }
    for n in 0..NOMINATORS {
        let address = account(0x31, n).address_checksummed();
        balances.push(serde_json::json!([address, 10_000 * LUX]));
        let targets: Vec<String> = (0..TARGETS)
            .map(|t| account(0x21, (n * 7 + t * 13) % CANDIDATES).address_checksummed())
            .collect();
        let stake = (1_000 + n as u128) * LUX;
        stakers.push(serde_json::json!([address, stake, { "nominator": targets }]));
    }
    // The genesis validators are these candidates (the dev accounts' keys are not needed).
    patch["session"]["keys"] = serde_json::json!(keys);
    patch["staking"]["stakers"] = serde_json::json!(stakers);
    patch["balances"]["balances"].as_array_mut().expect("balances").extend(balances);
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

/// Builds and seals the empty block in `slot` on the best block, authored by authority 0 of
/// its epoch; returns it with the time the build took.
fn build(chain: &Chain, slot: u64) -> ((Header, Vec<OpaqueExtrinsic>), Duration) {
    let parent = chain.info().best_hash;
    let epoch: EpochDescriptor = chain
        .call_decode(&parent, "LuxConsensusApi_epoch", &codec::Encode::encode(&slot))
        .expect("epoch");
    let author = (0..CANDIDATES)
        .map(session_key)
        .find(|k| Sr25519Public(k.public()) == epoch.authorities[0].0)
        .expect("a candidate authors");
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot }.to_digest_item());
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &(slot * 500));
    let limits = BuildLimits {
        deadline: Instant::now() + Duration::from_secs(600),
        max_transactions: usize::MAX,
    };
    let started = Instant::now();
    let built = chain
        .build_block(&parent, digest, &data, &mut ListFeed::new(Vec::new()), limits)
        .expect("builds");
    let took = started.elapsed();
    let header =
        seal_header(built.header, &Sr25519Public(author.public()), &author).expect("sealed");
    chain
        .import(
            header.clone(),
            built.body.clone(),
            None,
            Some(built.changes),
            BlockOrigin::Own,
            true,
        )
        .expect("imports its own block");
    ((header, built.body), took)
}

fn import_all(chain: &Chain, blocks: &[(Header, Vec<OpaqueExtrinsic>)]) {
    for (header, body) in blocks {
        chain
            .import(header.clone(), body.clone(), None, None, BlockOrigin::External, true)
            .expect("imports");
    }
}

fn era_change(c: &mut Criterion) {
    let executor = WasmExecutor::new(ExecutorConfig::default()).expect("executor");
    let genesis = genesis(&executor);
    let (_dir, author) = open_chain(&executor, &genesis);
    let (ordinary, ordinary_build) = build(&author, 1);
    let (election, election_build) = build(&author, 11);
    let (era_start, era_start_build) = build(&author, 21);
    eprintln!(
        "built: ordinary block {ordinary_build:?}, election block {election_build:?}, era-start block {era_start_build:?}"
    );
    let blocks = [ordinary, election, era_start];

    let mut group = c.benchmark_group("era change");
    group.sample_size(10);
    let names = [
        "import an ordinary block",
        "import the block electing 100 of 100 candidates with 1,000 nominators",
        "import the block starting the era (and electing the next)",
    ];
    for (i, name) in names.iter().enumerate() {
        group.bench_function(*name, |b| {
            b.iter_batched(
                || {
                    let (dir, chain) = open_chain(&executor, &genesis);
                    import_all(&chain, &blocks[..i]);
                    (dir, chain)
                },
                |(dir, chain)| {
                    import_all(&chain, &blocks[i..=i]);
                    (dir, chain)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, era_change);
criterion_main!(benches);
