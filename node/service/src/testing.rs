//! Chains for the crate's tests: a dev chain in a directory, and sealed blocks on it.

use std::time::{Duration, Instant};

use lux_chain::{BlockOrigin, BuildLimits, Chain, ListFeed};
use lux_chain_spec::ChainSpec;
use lux_consensus::{seal_header, PreDigest};
use lux_db::{Database, DatabaseConfig};
use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_primitives::inherent::{InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::{Digest, Header, OpaqueExtrinsic, Sr25519Public, H256};

/// The dev chain's genesis in a new database at `dir`.
pub(crate) fn dev_chain(dir: &std::path::Path) -> Chain {
    let executor = WasmExecutor::new(ExecutorConfig::default()).expect("executor");
    let genesis = ChainSpec::builtin("dev", &executor)
        .expect("spec")
        .genesis_storage(&executor)
        .expect("storage");
    let db = Database::open(dir, &DatabaseConfig::default()).expect("db");
    Chain::open(db, executor, &genesis).expect("chain")
}

/// Builds, seals (as alice) and imports a block at `slot` on `parent`; its timestamp
/// inherent is its body.
pub(crate) fn add_block(chain: &Chain, parent: H256, slot: u64) -> (Header, Vec<OpaqueExtrinsic>) {
    let mut digest = Digest::default();
    digest.push(PreDigest::Secondary { authority_index: 0, slot }.to_digest_item());
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &(slot * 1_000));
    let limits =
        BuildLimits { deadline: Instant::now() + Duration::from_secs(10), max_transactions: 0 };
    let built = chain
        .build_block(&parent, digest, &data, &mut ListFeed::new(Vec::new()), limits)
        .expect("builds");
    let alice = lux_keys::dev_session_key("alice").expect("alice");
    let header = seal_header(built.header, &Sr25519Public(alice.public()), &alice).expect("seal");
    chain
        .import(
            header.clone(),
            built.body.clone(),
            None,
            Some(built.changes),
            BlockOrigin::Own,
            false,
        )
        .expect("imports");
    (header, built.body)
}
