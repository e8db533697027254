//! What the targets share: the dev chain's genesis state, and a runner that installs it and
//! discards each input's changes (as the node does after validating a transaction).

#![allow(dead_code)]

use std::cell::RefCell;

use lux_io::TestExternalities;
use lux_primitives::H256;
use luxtensor_runtime::genesis_config_presets::{build_state, get_preset, DEV_PRESET};

/// The hash the targets validate transactions at.
pub const BLOCK_HASH: H256 = H256([0x69; 32]);

fn genesis() -> TestExternalities {
    let json = get_preset(Some(DEV_PRESET)).expect("the dev preset exists");
    let mut ext = TestExternalities::default();
    ext.execute_with(|| build_state(&json)).expect("the dev genesis builds");
    ext.commit_all();
    ext
}

thread_local! {
    static GENESIS: RefCell<TestExternalities> = RefCell::new(genesis());
}

/// Runs `f` on the dev genesis state; its changes are dropped after.
pub fn on_genesis<R>(f: impl FnOnce() -> R) -> R {
    GENESIS.with(|ext| {
        let mut ext = ext.borrow_mut();
        let result = ext.execute_with(f);
        ext.discard_changes();
        result
    })
}

/// The four validators of the local chain, with equal weight (derived once: deriving a key
/// from its secret URI takes milliseconds).
pub fn local_authorities() -> Vec<lux_consensus::Authority> {
    static AUTHORITIES: std::sync::OnceLock<Vec<lux_consensus::Authority>> =
        std::sync::OnceLock::new();
    AUTHORITIES.get_or_init(derive_local_authorities).clone()
}

fn derive_local_authorities() -> Vec<lux_consensus::Authority> {
    ["alice", "bob", "charlie", "dave"]
        .iter()
        .map(|name| lux_consensus::Authority {
            key: lux_primitives::Sr25519Public(
                lux_keys::dev_session_key(name).expect("dev key").public(),
            ),
            weight: 1,
        })
        .collect()
}
