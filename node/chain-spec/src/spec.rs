//! The chain spec format and genesis construction.

use std::collections::BTreeMap;
use std::path::Path;

use lux_primitives::storage::CODE;
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

fn hex_decode(s: &str, what: impl Fn() -> String) -> Result<Vec<u8>, ChainSpecError> {
    let digits = s.strip_prefix("0x").ok_or_else(|| ChainSpecError::Hex { what: what() })?;
    hex::decode(digits).map_err(|_| ChainSpecError::Hex { what: what() })
}

impl RawGenesis {
    /// Every storage key and value, decoded; the runtime code (`:code`) must be among them.
    pub fn storage(&self) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, ChainSpecError> {
        let storage = self
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
}

impl RuntimeGenesis {
    /// The runtime wasm, decoded.
    pub fn code(&self) -> Result<Vec<u8>, ChainSpecError> {
        hex_decode(&self.code, || "genesis.runtimeGenesis.code".into())
    }

    /// The genesis config to build: the runtime's `defaults` with the patch merged over them.
    pub fn config(&self, mut defaults: Value) -> Value {
        json_merge(&mut defaults, self.patch.clone());
        defaults
    }
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

    #[test]
    fn patches_merge_over_defaults() {
        let mut base = serde_json::json!({"a": {"x": 1, "y": 2}, "b": [1]});
        json_merge(&mut base, serde_json::json!({"a": {"y": 3}, "b": [2, 3]}));
        assert_eq!(base, serde_json::json!({"a": {"x": 1, "y": 3}, "b": [2, 3]}));
    }

    #[test]
    fn malformed_specs_give_clear_errors() {
        assert!(matches!(ChainSpec::from_json(b"{"), Err(ChainSpecError::Json(_))));
        let raw = |top: &[(&str, &str)]| RawGenesis {
            top: top.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            children_default: BTreeMap::new(),
        };
        assert!(matches!(raw(&[("0xzz", "0x00")]).storage(), Err(ChainSpecError::Hex { .. })));
        assert!(matches!(
            raw(&[("3a636f6465", "0x00")]).storage(),
            Err(ChainSpecError::Hex { .. })
        ));
        assert!(matches!(raw(&[("0x01", "0x02")]).storage(), Err(ChainSpecError::NoCode)));
        let storage = raw(&[("0x3a636f6465", "0x0061736d")]).storage().expect("valid");
        assert_eq!(storage.get(CODE).map(Vec::as_slice), Some(&b"\0asm"[..]));
    }
}
