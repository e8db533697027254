//! Chain spec files: whatever bytes `--chain <file>` reads. A spec that parses serializes to
//! JSON that parses to the same spec; raw storage decodes or gives a clear error; a runtime
//! genesis's config patch, merged over the runtime's defaults, is built (natively) or refused
//! with an error, never a panic.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lux_chain_spec::{ChainSpec, Genesis};
use lux_io::TestExternalities;
use luxtensor_runtime::genesis_config_presets::{build_state, get_preset};
use serde_json::Value;

/// The runtime's default genesis config, as the node merges a patch over it.
fn defaults() -> Value {
    static DEFAULTS: OnceLock<Value> = OnceLock::new();
    DEFAULTS
        .get_or_init(|| {
            let json = get_preset(None).expect("the runtime has a default preset");
            serde_json::from_slice(&json).expect("the default preset is JSON")
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = ChainSpec::from_json(data) else { return };
    let json = spec.to_json().expect("a parsed spec serializes");
    let reparsed = ChainSpec::from_json(json.as_bytes()).expect("a serialized spec parses");
    assert_eq!(reparsed, spec, "the spec changed on its way through JSON");
    let _ = spec.token();
    match &spec.genesis {
        Genesis::Raw(raw) => {
            let _ = raw.storage();
        }
        Genesis::RuntimeGenesis(genesis) => {
            let _ = genesis.code();
            let config = serde_json::to_vec(&genesis.config(defaults())).expect("JSON");
            let _ = TestExternalities::default().execute_with(|| build_state(&config));
        }
    }
});
