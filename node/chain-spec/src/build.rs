//! Genesis construction with the runtime: the built-in specs from its presets, and a spec's
//! genesis storage (its config patch built by `GenesisBuilder_build_state`).

use std::collections::BTreeMap;
use std::sync::Arc;

use codec::Encode;
use lux_executor::{RuntimeCode, SharedBackend, WasmExecutor};
use lux_io::{Ext, InMemoryBackend, OverlayedChanges};
use lux_primitives::storage::CODE;
use luxtensor_runtime::genesis_config_presets::{DEV_PRESET, LOCAL_TESTNET_PRESET};
use serde_json::{Map, Value};

use crate::{ChainSpec, ChainSpecError, ChainType, Genesis, RawGenesis, RuntimeGenesis};

fn hex_encode(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

impl ChainSpec {
    /// A built-in chain: `dev` or `local`.
    pub fn builtin(name: &str, executor: &WasmExecutor) -> Result<Self, ChainSpecError> {
        let (preset, spec_name, id, chain_type) = match name {
            "dev" => (DEV_PRESET, "LuxTensor Development", "luxtensor_dev", ChainType::Development),
            "local" => (
                LOCAL_TESTNET_PRESET,
                "LuxTensor Local Testnet",
                "luxtensor_local",
                ChainType::Local,
            ),
            other => return Err(ChainSpecError::UnknownChain(other.into())),
        };
        let code = luxtensor_runtime::WASM_BINARY.ok_or(ChainSpecError::NoWasm)?;
        let patch = Self::preset(executor, code, Some(preset))?;
        let mut properties = Map::new();
        properties.insert("tokenDecimals".into(), lux_primitives::TOKEN_DECIMALS.into());
        properties.insert("tokenSymbol".into(), lux_primitives::TOKEN_SYMBOL.into());
        properties.insert("isEthereum".into(), true.into());
        Ok(Self {
            name: spec_name.into(),
            id: id.into(),
            chain_type,
            boot_nodes: Vec::new(),
            telemetry_endpoints: None,
            protocol_id: Some("lux".into()),
            properties,
            code_substitutes: BTreeMap::new(),
            genesis: Genesis::RuntimeGenesis(RuntimeGenesis { code: hex_encode(code), patch }),
        })
    }

    /// A `GenesisBuilder_get_preset` result, parsed.
    fn preset(
        executor: &WasmExecutor,
        code: &[u8],
        name: Option<&str>,
    ) -> Result<Value, ChainSpecError> {
        let mut ext = Ext::new(
            Arc::new(InMemoryBackend::default()) as SharedBackend,
            OverlayedChanges::new(),
        );
        let json: Option<Vec<u8>> = executor.call_decode(
            &mut ext,
            &RuntimeCode::from_bytes(code.to_vec(), None),
            "GenesisBuilder_get_preset",
            &name.map(str::to_string).encode(),
        )?;
        let json = json.ok_or_else(|| ChainSpecError::Genesis(format!("no preset {name:?}")))?;
        Ok(serde_json::from_slice(&json)?)
    }

    /// The genesis storage: every key and value.
    pub fn genesis_storage(
        &self,
        executor: &WasmExecutor,
    ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, ChainSpecError> {
        match &self.genesis {
            Genesis::Raw(raw) => raw.storage(),
            Genesis::RuntimeGenesis(genesis) => {
                let code = genesis.code()?;
                let config = genesis.config(Self::preset(executor, &code, None)?);
                let mut storage = BTreeMap::new();
                storage.insert(CODE.to_vec(), code.clone());
                let mut ext = Ext::new(
                    Arc::new(InMemoryBackend::new(storage.clone())) as SharedBackend,
                    OverlayedChanges::new(),
                );
                let result: Result<(), String> = executor.call_decode(
                    &mut ext,
                    &RuntimeCode::from_bytes(code, None),
                    "GenesisBuilder_build_state",
                    &serde_json::to_vec(&config)?.encode(),
                )?;
                result.map_err(ChainSpecError::Genesis)?;
                let (_, overlay) = ext.into_parts();
                for (key, value) in overlay.into_changes() {
                    match value {
                        Some(v) => storage.insert(key, v),
                        None => storage.remove(&key),
                    };
                }
                Ok(storage)
            }
        }
    }

    /// The same spec with its genesis as raw storage.
    pub fn into_raw(mut self, executor: &WasmExecutor) -> Result<Self, ChainSpecError> {
        let storage = self.genesis_storage(executor)?;
        self.genesis = Genesis::Raw(RawGenesis {
            top: storage.iter().map(|(k, v)| (hex_encode(k), hex_encode(v))).collect(),
            children_default: BTreeMap::new(),
        });
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executor() -> Arc<WasmExecutor> {
        WasmExecutor::new(Default::default()).expect("executor")
    }

    #[test]
    fn builtin_specs_build_and_raw_gives_the_same_storage() {
        let executor = executor();
        for name in ["dev", "local"] {
            let spec = ChainSpec::builtin(name, &executor).expect("builtin");
            let storage = spec.genesis_storage(&executor).expect("storage");
            assert!(storage.contains_key(CODE));
            let raw = spec.clone().into_raw(&executor).expect("raw");
            let reparsed =
                ChainSpec::from_json(raw.to_json().expect("json").as_bytes()).expect("parses");
            assert_eq!(reparsed.genesis_storage(&executor).expect("raw storage"), storage);
            assert_eq!(reparsed.token(), ("LUX".to_string(), 18));
        }
        assert!(matches!(
            ChainSpec::builtin("main", &executor),
            Err(ChainSpecError::UnknownChain(_))
        ));
    }

    #[test]
    fn bad_genesis_gives_clear_errors() {
        let executor = executor();
        let mut spec = ChainSpec::builtin("dev", &executor).expect("builtin");
        if let Genesis::RuntimeGenesis(g) = &mut spec.genesis {
            g.patch["balances"] = serde_json::json!({"balances": [["0x0000000000000000000000000000000000000001", 1]]});
        }
        let err = spec.genesis_storage(&executor).expect_err("below existential deposit");
        assert!(err.to_string().contains("existential deposit"), "{err}");
        let mut raw = ChainSpec::builtin("dev", &executor)
            .expect("builtin")
            .into_raw(&executor)
            .expect("raw");
        if let Genesis::Raw(r) = &mut raw.genesis {
            r.top.insert("0xzz".into(), "0x00".into());
        }
        assert!(matches!(raw.genesis_storage(&executor), Err(ChainSpecError::Hex { .. })));
        if let Genesis::Raw(r) = &mut raw.genesis {
            r.top.clear();
        }
        assert!(matches!(raw.genesis_storage(&executor), Err(ChainSpecError::NoCode)));
    }
}
