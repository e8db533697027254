//! JSON types of the RPC: hex bytes, block numbers.

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

/// Bytes as `0x`-prefixed hex.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(&self.0)))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits =
            s.strip_prefix("0x").ok_or_else(|| D::Error::custom("expected 0x-prefixed hex"))?;
        hex::decode(digits).map(Bytes).map_err(|e| D::Error::custom(format!("invalid hex: {e}")))
    }
}

/// A block number as clients send it: a JSON number or a `0x` hex string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockNumberParam(pub u32);

impl<'de> Deserialize<'de> for BlockNumberParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        let n = match Raw::deserialize(d)? {
            Raw::Number(n) => n,
            Raw::Text(s) => match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).map_err(D::Error::custom)?,
                None => s.parse().map_err(D::Error::custom)?,
            },
        };
        u32::try_from(n)
            .map(BlockNumberParam)
            .map_err(|_| D::Error::custom("block number too large"))
    }
}

/// One block number, or a list of them (`chain_getBlockHash` accepts both).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum NumberOrList {
    /// One.
    One(BlockNumberParam),
    /// Several.
    List(Vec<BlockNumberParam>),
}
