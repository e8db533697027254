//! The block header and its digest, encoded exactly as Substrate encodes them.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::{BlockNumber, H256};

/// Four bytes naming a consensus engine in digest items.
pub type ConsensusEngineId = [u8; 4];

/// An item of the header digest. Variant indices are Substrate's.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub enum DigestItem {
    /// Any data, for no engine in particular.
    #[codec(index = 0)]
    Other(Vec<u8>),
    /// A message from the runtime to a consensus engine (e.g. an authority-set change).
    #[codec(index = 4)]
    Consensus(ConsensusEngineId, Vec<u8>),
    /// The block author's seal; always the last item, stripped before the runtime sees the header.
    #[codec(index = 5)]
    Seal(ConsensusEngineId, Vec<u8>),
    /// Data from the author to the runtime, set before the block is built (the slot claim).
    #[codec(index = 6)]
    PreRuntime(ConsensusEngineId, Vec<u8>),
    /// The runtime code or heap pages changed in this block.
    #[codec(index = 8)]
    RuntimeEnvironmentUpdated,
}

impl DigestItem {
    /// The pre-runtime payload for `engine`, if this item is one.
    pub fn as_pre_runtime(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            Self::PreRuntime(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }

    /// The seal payload for `engine`, if this item is one.
    pub fn as_seal(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            Self::Seal(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }
}

/// The header digest: a list of items.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub struct Digest {
    /// The items, in order.
    pub logs: Vec<DigestItem>,
}

impl Digest {
    /// Append an item.
    pub fn push(&mut self, item: DigestItem) {
        self.logs.push(item);
    }
}

/// A block header. Its hash is blake2_256 of its SCALE encoding.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub struct Header {
    /// Hash of the parent block's header.
    pub parent_hash: H256,
    /// Height of the block (genesis is 0).
    #[codec(compact)]
    pub number: BlockNumber,
    /// Root of the state trie after executing the block.
    pub state_root: H256,
    /// Root of the ordered trie of the block's extrinsics.
    pub extrinsics_root: H256,
    /// Consensus and runtime data.
    pub digest: Digest,
}

impl Header {
    /// The block hash: blake2_256 of the SCALE-encoded header.
    #[cfg(feature = "std")]
    pub fn hash(&self) -> H256 {
        H256(crate::hashing::blake2_256(&self.encode()))
    }

    /// The seal (last digest item) removed from the header, if there is one.
    pub fn take_seal(&mut self) -> Option<DigestItem> {
        match self.digest.logs.last() {
            Some(DigestItem::Seal(..)) => self.digest.logs.pop(),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
mod json {
    //! The JSON shape of headers in Substrate's RPC: camelCase, number as `0x` hex, digest items
    //! as `0x` hex of their SCALE encoding.

    use super::*;
    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct HeaderJson {
        parent_hash: H256,
        number: String,
        state_root: H256,
        extrinsics_root: H256,
        digest: DigestJson,
    }

    #[derive(Serialize, Deserialize)]
    struct DigestJson {
        logs: Vec<String>,
    }

    impl Serialize for Header {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            HeaderJson {
                parent_hash: self.parent_hash,
                number: format!("0x{:x}", self.number),
                state_root: self.state_root,
                extrinsics_root: self.extrinsics_root,
                digest: DigestJson {
                    logs: self
                        .digest
                        .logs
                        .iter()
                        .map(|l| format!("0x{}", hex::encode(l.encode())))
                        .collect(),
                },
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Header {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let j = HeaderJson::deserialize(d)?;
            let number = parse_hex_number(&j.number).map_err(D::Error::custom)?;
            let logs = j
                .digest
                .logs
                .iter()
                .map(|l| {
                    let bytes = decode_hex(l).map_err(D::Error::custom)?;
                    DigestItem::decode(&mut &bytes[..]).map_err(D::Error::custom)
                })
                .collect::<Result<_, _>>()?;
            Ok(Header {
                parent_hash: j.parent_hash,
                number,
                state_root: j.state_root,
                extrinsics_root: j.extrinsics_root,
                digest: Digest { logs },
            })
        }
    }

    fn parse_hex_number(s: &str) -> Result<u32, String> {
        let digits = s.strip_prefix("0x").ok_or_else(|| format!("expected 0x-hex number: {s}"))?;
        u32::from_str_radix(digits, 16).map_err(|e| format!("bad block number {s}: {e}"))
    }

    fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
        let digits = s.strip_prefix("0x").ok_or_else(|| format!("expected 0x-hex: {s}"))?;
        hex::decode(digits).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            parent_hash: H256::repeat_byte(1),
            number: 300,
            state_root: H256::repeat_byte(2),
            extrinsics_root: H256::repeat_byte(3),
            digest: Digest {
                logs: vec![
                    DigestItem::PreRuntime(*b"LUXT", vec![1, 2]),
                    DigestItem::RuntimeEnvironmentUpdated,
                    DigestItem::Seal(*b"LUXT", vec![9]),
                ],
            },
        }
    }

    #[test]
    fn golden_encoding() {
        let encoded = sample().encode();
        let expected = concat!(
            "0101010101010101010101010101010101010101010101010101010101010101",
            "b104", // Compact(300)
            "0202020202020202020202020202020202020202020202020202020202020202",
            "0303030303030303030303030303030303030303030303030303030303030303",
            "0c",         // three digest items
            "064c555854", // PreRuntime "LUXT"
            "080102",     // vec [1, 2]
            "08",         // RuntimeEnvironmentUpdated
            "054c555854", // Seal "LUXT"
            "0409",
        );
        assert_eq!(hex::encode(&encoded), expected);
        assert_eq!(Header::decode(&mut &encoded[..]).expect("decodes"), sample());
    }

    #[test]
    fn json_shape() {
        let json = serde_json::to_value(sample()).expect("serializes");
        assert_eq!(json["number"], "0x12c");
        assert_eq!(json["digest"]["logs"][1], "0x08");
        assert!(json["parentHash"].as_str().expect("string").starts_with("0x0101"));
        let back: Header = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, sample());
    }

    #[test]
    fn take_seal_only_removes_a_trailing_seal() {
        let mut h = sample();
        assert!(matches!(h.take_seal(), Some(DigestItem::Seal(..))));
        assert_eq!(h.take_seal(), None);
        assert_eq!(h.digest.logs.len(), 2);
    }
}
