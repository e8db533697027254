//! Ethereum JSON-RPC encodings: quantities (`0x`-prefixed hex without leading zeros, `"0x0"`
//! for zero), addresses (lowercase hex, as geth writes them), block tags and numbers, and the
//! lenient parsing of what clients send (hex or decimal quantities, any address case,
//! EIP-1898 block objects).

use lux_primitives::{AccountId20, H256, U256};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A quantity: `0x`-prefixed hex without leading zeros.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quantity(pub U256);

impl From<u64> for Quantity {
    fn from(n: u64) -> Self {
        Self(U256::from(n))
    }
}

impl From<u32> for Quantity {
    fn from(n: u32) -> Self {
        Self(U256::from(n))
    }
}

impl From<U256> for Quantity {
    fn from(n: U256) -> Self {
        Self(n)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => parse_u256(&s).map(Self).map_err(D::Error::custom),
            Value::Number(n) => n
                .as_u64()
                .map(Self::from)
                .ok_or_else(|| D::Error::custom("a quantity is a non-negative integer")),
            other => Err(D::Error::custom(format!("expected a quantity, got {other}"))),
        }
    }
}

impl Quantity {
    /// The value as a `u64`, or an error naming `what` if it does not fit.
    pub fn to_u64(self, what: &str) -> Result<u64, String> {
        if self.0 > U256::from(u64::MAX) {
            return Err(format!("{what} does not fit in 64 bits"));
        }
        Ok(self.0.low_u64())
    }
}

/// Parses a quantity as geth does, leniently: `0x`-prefixed hex (leading zeros allowed, `0x`
/// alone is zero) or decimal digits.
pub(crate) fn parse_u256(s: &str) -> Result<U256, String> {
    let s = s.trim();
    if let Some(digits) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if digits.is_empty() {
            return Ok(U256::zero());
        }
        if digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("invalid hex quantity {s:?}"));
        }
        return U256::from_str_radix(digits, 16)
            .map_err(|e| format!("invalid quantity {s:?}: {e}"));
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid quantity {s:?}: expected 0x-prefixed hex"));
    }
    U256::from_dec_str(s).map_err(|e| format!("invalid quantity {s:?}: {e:?}"))
}

/// Hex data with `0x`, even length.
pub(crate) fn hex_data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Parses `0x`-prefixed hex data (an odd number of digits gets a leading zero, as geth's
/// `hexutil.Bytes` does not, but many clients send).
pub(crate) fn parse_data(s: &str) -> Result<Vec<u8>, String> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| format!("hex data must start with 0x: {s:?}"))?;
    let padded;
    let digits = if digits.len() % 2 == 1 {
        padded = format!("0{digits}");
        &padded
    } else {
        digits
    };
    hex::decode(digits).map_err(|e| format!("invalid hex data: {e}"))
}

/// Bytes in and out as `0x` hex (lenient on input).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Data(pub Vec<u8>);

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex_data(&self.0))
    }
}

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_data(&s).map(Data).map_err(D::Error::custom)
    }
}

/// A 20-byte address: lowercase hex out; any case in (geth does not check EIP-55 checksums).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Address(pub AccountId20);

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex_data(&self.0 .0))
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(&s);
        let mut out = [0u8; 20];
        if digits.len() != 40 {
            return Err(D::Error::custom(format!("invalid address {s:?}: expected 20 bytes")));
        }
        hex::decode_to_slice(digits, &mut out)
            .map_err(|e| D::Error::custom(format!("invalid address {s:?}: {e}")))?;
        Ok(Self(AccountId20(out)))
    }
}

/// A 32-byte hash in (`0x` and 64 hex digits, any case).
pub(crate) fn parse_hash(s: &str) -> Result<H256, String> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let mut out = [0u8; 32];
    if digits.len() != 64 {
        return Err(format!("invalid hash {s:?}: expected 32 bytes"));
    }
    hex::decode_to_slice(digits, &mut out).map_err(|e| format!("invalid hash {s:?}: {e}"))?;
    Ok(H256(out))
}

/// A hash parameter, parsed leniently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct HashParam(pub H256);

impl<'de> Deserialize<'de> for HashParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_hash(&s).map(HashParam).map_err(D::Error::custom)
    }
}

/// A block named by number or tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockTag {
    /// The newest indexed best block.
    Latest,
    /// The same as `Latest`: blocks are built by their authors, there is no pending block.
    Pending,
    /// Genesis.
    Earliest,
    /// The last finalized block (finality is the only safety this chain has).
    Safe,
    /// The last finalized block.
    Finalized,
    /// A canonical block by number.
    Number(u64),
}

impl BlockTag {
    fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "latest" => Self::Latest,
            "pending" => Self::Pending,
            "earliest" => Self::Earliest,
            "safe" => Self::Safe,
            "finalized" => Self::Finalized,
            number => {
                let n = parse_u256(number).map_err(|_| {
                    format!("invalid block number or tag {number:?}: expected a hex number, latest, pending, earliest, safe or finalized")
                })?;
                Self::Number(Quantity(n).to_u64("block number")?)
            }
        })
    }
}

impl<'de> Deserialize<'de> for BlockTag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Self::parse(&s).map_err(D::Error::custom),
            Value::Number(n) => {
                n.as_u64().map(Self::Number).ok_or_else(|| D::Error::custom("invalid block number"))
            }
            other => Err(D::Error::custom(format!("expected a block number or tag, got {other}"))),
        }
    }
}

/// A block for state queries: a number or tag, or a hash (EIP-1898), optionally required to be
/// canonical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockId {
    /// By number or tag.
    Tag(BlockTag),
    /// By hash.
    Hash {
        /// The block hash.
        hash: H256,
        /// Whether a block off the canonical chain is refused.
        require_canonical: bool,
    },
}

impl Default for BlockId {
    fn default() -> Self {
        Self::Tag(BlockTag::Latest)
    }
}

impl<'de> Deserialize<'de> for BlockId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Object {
            block_hash: Option<HashParam>,
            block_number: Option<BlockTag>,
            #[serde(default)]
            require_canonical: bool,
        }
        match Value::deserialize(d)? {
            // A bare 32-byte hash is a block hash (geth accepts it too).
            Value::String(s) if s.len() == 66 => parse_hash(&s)
                .map(|hash| Self::Hash { hash, require_canonical: false })
                .map_err(D::Error::custom),
            Value::Object(map) => {
                let object: Object = serde_json::from_value(Value::Object(map))
                    .map_err(|e| D::Error::custom(format!("invalid block object: {e}")))?;
                match (object.block_hash, object.block_number) {
                    (Some(hash), None) => {
                        Ok(Self::Hash { hash: hash.0, require_canonical: object.require_canonical })
                    }
                    (None, Some(tag)) => Ok(Self::Tag(tag)),
                    _ => Err(D::Error::custom(
                        "a block object has exactly one of blockHash and blockNumber",
                    )),
                }
            }
            other => BlockTag::deserialize(other).map(Self::Tag).map_err(D::Error::custom),
        }
    }
}

/// One value or a list of them (log filter addresses and topic alternatives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Self(Vec::new())),
            Value::Array(items) => items
                .into_iter()
                .map(|item| serde_json::from_value(item).map_err(D::Error::custom))
                .collect::<Result<_, _>>()
                .map(Self),
            one => serde_json::from_value(one).map(|v| Self(vec![v])).map_err(D::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_have_no_leading_zeros() {
        let q = |n: u64| serde_json::to_value(Quantity::from(n)).expect("serializes");
        assert_eq!(q(0), json!("0x0"));
        assert_eq!(q(1), json!("0x1"));
        assert_eq!(q(0x5208), json!("0x5208"));
        assert_eq!(q(u64::MAX), json!("0xffffffffffffffff"));
        let max = serde_json::to_value(Quantity(U256::MAX)).expect("serializes");
        assert_eq!(max, json!(format!("0x{}", "f".repeat(64))));
    }

    #[test]
    fn quantities_parse_leniently() {
        let p = |v: Value| serde_json::from_value::<Quantity>(v).map(|q| q.0);
        assert_eq!(p(json!("0x0")).ok(), Some(U256::zero()));
        assert_eq!(p(json!("0x")).ok(), Some(U256::zero()));
        assert_eq!(p(json!("0x00ff")).ok(), Some(U256::from(255)));
        assert_eq!(p(json!("0XFF")).ok(), Some(U256::from(255)));
        assert_eq!(p(json!("1000")).ok(), Some(U256::from(1000)));
        assert_eq!(p(json!(21000)).ok(), Some(U256::from(21000)));
        assert!(p(json!("0xg1")).is_err());
        assert!(p(json!("-1")).is_err());
        assert!(p(json!(-1)).is_err());
        assert!(p(json!(format!("0x1{}", "0".repeat(64)))).is_err(), "more than 256 bits");
        assert!(Quantity(U256::from(u64::MAX) + 1).to_u64("gas").is_err());
    }

    #[test]
    fn data_is_even_length_hex() {
        assert_eq!(serde_json::to_value(Data(vec![])).ok(), Some(json!("0x")));
        assert_eq!(serde_json::to_value(Data(vec![0, 0xab])).ok(), Some(json!("0x00ab")));
        assert_eq!(parse_data("0xabc").ok(), Some(vec![0x0a, 0xbc]));
        assert!(parse_data("abcd").is_err());
    }

    #[test]
    fn addresses_are_lowercase_out_and_any_case_in() {
        let alith: Address =
            serde_json::from_value(json!("0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac"))
                .expect("mixed case");
        let upper: Address =
            serde_json::from_value(json!("0xF24FF3A9CF04C71DBC94D0B566F7A27B94566CAC"))
                .expect("upper case");
        assert_eq!(alith, upper);
        assert_eq!(
            serde_json::to_value(alith).ok(),
            Some(json!("0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac"))
        );
        assert!(serde_json::from_value::<Address>(json!("0x1234")).is_err());
    }

    #[test]
    fn block_tags_and_ids_parse_like_geth() {
        let tag = |v: Value| serde_json::from_value::<BlockTag>(v).ok();
        assert_eq!(tag(json!("latest")), Some(BlockTag::Latest));
        assert_eq!(tag(json!("pending")), Some(BlockTag::Pending));
        assert_eq!(tag(json!("earliest")), Some(BlockTag::Earliest));
        assert_eq!(tag(json!("safe")), Some(BlockTag::Safe));
        assert_eq!(tag(json!("finalized")), Some(BlockTag::Finalized));
        assert_eq!(tag(json!("0x10")), Some(BlockTag::Number(16)));
        assert_eq!(tag(json!(7)), Some(BlockTag::Number(7)));
        assert_eq!(tag(json!("newest")), None);

        let id = |v: Value| serde_json::from_value::<BlockId>(v).ok();
        let hash = H256::repeat_byte(0xab);
        let hash_hex = format!("{hash:?}");
        assert_eq!(id(json!("0x1")), Some(BlockId::Tag(BlockTag::Number(1))));
        assert_eq!(id(json!(hash_hex)), Some(BlockId::Hash { hash, require_canonical: false }));
        assert_eq!(
            id(json!({ "blockHash": hash_hex, "requireCanonical": true })),
            Some(BlockId::Hash { hash, require_canonical: true })
        );
        assert_eq!(id(json!({ "blockNumber": "0x2" })), Some(BlockId::Tag(BlockTag::Number(2))));
        assert_eq!(id(json!({ "blockNumber": "0x2", "blockHash": hash_hex })), None);
        assert_eq!(id(json!({})), None);
    }

    #[test]
    fn one_or_many_accepts_both() {
        let one: OneOrMany<Address> =
            serde_json::from_value(json!("0x0000000000000000000000000000000000000001"))
                .expect("one");
        assert_eq!(one.0.len(), 1);
        let many: OneOrMany<Address> = serde_json::from_value(json!([
            "0x0000000000000000000000000000000000000001",
            "0x0000000000000000000000000000000000000002"
        ]))
        .expect("many");
        assert_eq!(many.0.len(), 2);
        let none: OneOrMany<Address> = serde_json::from_value(Value::Null).expect("null");
        assert!(none.0.is_empty());
    }
}
