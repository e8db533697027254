//! The chain spec format and genesis construction.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use codec::Encode;
use lux_executor::{RuntimeCode, SharedBackend, WasmExecutor};
use lux_io::{Ext, InMemoryBackend, OverlayedChanges};
use lux_primitives::storage::CODE;
use luxtensor_runtime::genesis_config_presets::{DEV_PRESET, LOCAL_TESTNET_PRESET};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ChainSpecError;

/// What kind of chain it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainType {
    /// A single-node development chain.
    Development,
    /// A multi-node chain on one machine.
    Local,
    /// A public test network.
    Live,
    /// Anything else.
    Custom,
}

/// Genesis as code plus a config patch over the runtime's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeGenesis {
    /// The runtime wasm, 0x-hex.
    pub code: String,
    /// JSON merged over the runtime's default genesis config.
    pub patch: Value,
}

/// Genesis as storage: every key and value, 0x-hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawGenesis {
    /// Top-level storage.
    pub top: BTreeMap<String, String>,
    /// Child tries (unused; always empty).
    #[serde(default)]
    pub children_default: BTreeMap<String, BTreeMap<String, String>>,
}

/// The genesis of a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Genesis {
    /// Code and config patch.
    RuntimeGenesis(RuntimeGenesis),
    /// All storage.
    Raw(RawGenesis),
}

/// A chain spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainSpec {
    /// Human-readable name (`system_chain`).
    pub name: String,
    /// Short identifier, used for the database directory.
    pub id: String,
    /// The kind of chain (`system_chainType`).
    pub chain_type: ChainType,
    /// Addresses of nodes to connect to first.
    #[serde(default)]
    pub boot_nodes: Vec<String>,
    /// Telemetry endpoints (unused).
    #[serde(default)]
    pub telemetry_endpoints: Option<Value>,
    /// Network protocol identifier.
    #[serde(default)]
    pub protocol_id: Option<String>,
    /// Chain properties for clients (`system_properties`): token symbol and decimals.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Code substitutes (unused).
    #[serde(default)]
    pub code_substitutes: BTreeMap<String, String>,
    /// The genesis.
    pub genesis: Genesis,
}

fn hex_encode(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn hex_decode(s: &str, what: impl Fn() -> String) -> Result<Vec<u8>, ChainSpecError> {
    let digits = s.strip_prefix("0x").ok_or_else(|| ChainSpecError::Hex { what: what() })?;
    hex::decode(digits).map_err(|_| ChainSpecError::Hex { what: what() })
}

/// Merges `patch` into `base`: objects key by key, anything else replaced.
fn json_merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                json_merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch,
    }
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

    /// Reads a spec file.
    pub fn from_file(path: &Path) -> Result<Self, ChainSpecError> {
        let bytes = std::fs::read(path)
            .map_err(|error| ChainSpecError::Io { path: path.display().to_string(), error })?;
        Self::from_json(&bytes)
    }

    /// Parses a spec.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ChainSpecError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The spec as pretty JSON.
    pub fn to_json(&self) -> Result<String, ChainSpecError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// The genesis storage: every key and value.
    pub fn genesis_storage(
        &self,
        executor: &WasmExecutor,
    ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, ChainSpecError> {
        match &self.genesis {
            Genesis::Raw(raw) => {
                let storage = raw
                    .top
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            hex_decode(k, || format!("key {k}"))?,
                            hex_decode(v, || format!("value of {k}"))?,
                        ))
                    })
                    .collect::<Result<BTreeMap<_, _>, ChainSpecError>>()?;
                if !storage.contains_key(CODE) {
                    return Err(ChainSpecError::NoCode);
                }
                Ok(storage)
            }
            Genesis::RuntimeGenesis(genesis) => {
                let code = hex_decode(&genesis.code, || "genesis.runtimeGenesis.code".into())?;
                let mut config = Self::preset(executor, &code, None)?;
                json_merge(&mut config, genesis.patch.clone());
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

    /// The token symbol and decimals, for status output.
    pub fn token(&self) -> (String, u8) {
        let symbol = self.properties.get("tokenSymbol").and_then(Value::as_str).unwrap_or("UNIT");
        let decimals = self.properties.get("tokenDecimals").and_then(Value::as_u64).unwrap_or(0);
        (symbol.to_string(), decimals as u8)
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
    fn patches_merge_over_defaults() {
        let mut base = serde_json::json!({"a": {"x": 1, "y": 2}, "b": [1]});
        json_merge(&mut base, serde_json::json!({"a": {"y": 3}, "b": [2, 3]}));
        assert_eq!(base, serde_json::json!({"a": {"x": 1, "y": 3}, "b": [2, 3]}));
    }

    #[test]
    fn bad_specs_give_clear_errors() {
        let executor = executor();
        assert!(matches!(ChainSpec::from_json(b"{"), Err(ChainSpecError::Json(_))));
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
