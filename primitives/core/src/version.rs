//! The runtime's version: which code a chain runs and which runtime APIs it offers.

use alloc::borrow::Cow;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// Identifier of a runtime API: blake2_64 of its trait name.
pub type ApiId = [u8; 8];

/// Runtime API identifiers (blake2_64 of the trait name; checked by a test).
pub mod api_ids {
    use super::ApiId;
    /// `Core`.
    pub const CORE: ApiId = [0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b];
    /// `Metadata`.
    pub const METADATA: ApiId = [0x37, 0xe3, 0x97, 0xfc, 0x7c, 0x91, 0xf5, 0xe4];
    /// `BlockBuilder`.
    pub const BLOCK_BUILDER: ApiId = [0x40, 0xfe, 0x3a, 0xd4, 0x01, 0xf8, 0x95, 0x9a];
    /// `TaggedTransactionQueue`.
    pub const TAGGED_TRANSACTION_QUEUE: ApiId = [0xd2, 0xbc, 0x98, 0x97, 0xee, 0xd0, 0x8f, 0x15];
    /// `AccountNonceApi`.
    pub const ACCOUNT_NONCE: ApiId = [0xbc, 0x9d, 0x89, 0x90, 0x4f, 0x5b, 0x92, 0x3f];
    /// `TransactionPaymentApi`.
    pub const TRANSACTION_PAYMENT: ApiId = [0x37, 0xc8, 0xbb, 0x13, 0x50, 0xa9, 0xa2, 0xa8];
    /// `GenesisBuilder`.
    pub const GENESIS_BUILDER: ApiId = [0xfb, 0xc5, 0x77, 0xb9, 0xd7, 0x47, 0xef, 0xd6];
    /// `LuxConsensusApi`: slot duration and authorities.
    pub const LUX_CONSENSUS: ApiId = [0x75, 0x79, 0xe8, 0xc7, 0xa0, 0xdf, 0xeb, 0xf3];
    /// `LuxBlockApi`: what the host may prepare before executing a block.
    pub const LUX_BLOCK: ApiId = [0x2c, 0xdf, 0x66, 0x0e, 0x38, 0xf6, 0xc6, 0x70];
    /// `TryRuntime`: running migrations on demand, for dry runs of an upgrade.
    pub const TRY_RUNTIME: ApiId = [0xe0, 0x83, 0x7f, 0xce, 0x09, 0xf4, 0x82, 0x9a];
    /// `EthereumApi`: the Ethereum view of the chain, for the Ethereum JSON-RPC.
    pub const ETHEREUM: ApiId = [0xe3, 0x7a, 0xfd, 0x58, 0xc2, 0x6d, 0x58, 0x38];
}

/// The version of a runtime. Encoded like Substrate's `RuntimeVersion` (Core API v4+).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("lux_primitives", "sp_version"))]
pub struct RuntimeVersion {
    /// Identifies the chain logic; an upgrade must keep it.
    pub spec_name: Cow<'static, str>,
    /// Identifies the implementation.
    pub impl_name: Cow<'static, str>,
    /// Version of the authorship interface.
    pub authoring_version: u32,
    /// Version of the chain logic; an upgrade must raise it.
    pub spec_version: u32,
    /// Version of the implementation of the same logic.
    pub impl_version: u32,
    /// Runtime APIs offered, with their versions.
    pub apis: Cow<'static, [(ApiId, u32)]>,
    /// Version of the transaction format; signed into every extrinsic.
    pub transaction_version: u32,
    /// State trie version (1: values of 33 bytes or more are hashed).
    pub system_version: u8,
}

impl RuntimeVersion {
    /// The version of API `id`, if offered.
    pub fn api_version(&self, id: &ApiId) -> Option<u32> {
        self.apis.iter().find(|(i, _)| i == id).map(|(_, v)| *v)
    }

    /// The length of [`encode_const`](Self::encode_const)'s output.
    pub const fn encoded_len(&self) -> usize {
        let (name, implementation, apis) = self.const_parts();
        compact_len(name.len())
            + name.len()
            + compact_len(implementation.len())
            + implementation.len()
            + 12
            + compact_len(apis.len())
            + apis.len() * 12
            + 5
    }

    /// The SCALE encoding, at compile time: the runtime embeds it in its wasm as the
    /// `runtime_version` custom section (as Substrate runtimes do), so the host reads a new
    /// code's version without compiling it. `N` must be [`encoded_len`](Self::encoded_len).
    pub const fn encode_const<const N: usize>(&self) -> [u8; N] {
        let (name, implementation, apis) = self.const_parts();
        let mut out = [0u8; N];
        let mut at = 0;
        at = put_str(&mut out, at, name);
        at = put_str(&mut out, at, implementation);
        at = put_u32(&mut out, at, self.authoring_version);
        at = put_u32(&mut out, at, self.spec_version);
        at = put_u32(&mut out, at, self.impl_version);
        at = put_compact(&mut out, at, apis.len());
        let mut i = 0;
        while i < apis.len() {
            let mut j = 0;
            while j < 8 {
                out[at] = apis[i].0[j];
                at += 1;
                j += 1;
            }
            at = put_u32(&mut out, at, apis[i].1);
            i += 1;
        }
        at = put_u32(&mut out, at, self.transaction_version);
        out[at] = self.system_version;
        assert!(at + 1 == N, "N must be encoded_len()");
        out
    }

    const fn const_parts(&self) -> (&str, &str, &[(ApiId, u32)]) {
        let Cow::Borrowed(name) = &self.spec_name else { panic!("a borrowed spec_name") };
        let Cow::Borrowed(implementation) = &self.impl_name else { panic!("a borrowed impl_name") };
        let Cow::Borrowed(apis) = &self.apis else { panic!("borrowed apis") };
        (name, implementation, apis)
    }

    /// Whether `other` may replace this runtime: same `spec_name`, higher `spec_version`.
    pub fn can_be_upgraded_to(&self, other: &RuntimeVersion) -> bool {
        self.spec_name == other.spec_name && other.spec_version > self.spec_version
    }
}

#[cfg(feature = "std")]
mod json {
    //! The JSON shape of `state_getRuntimeVersion`.

    use super::*;
    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct VersionJson {
        spec_name: String,
        impl_name: String,
        authoring_version: u32,
        spec_version: u32,
        impl_version: u32,
        apis: Vec<(String, u32)>,
        transaction_version: u32,
        #[serde(default)]
        system_version: Option<u8>,
        /// Older clients (polkadot.js) read the trie version under this name.
        #[serde(default)]
        state_version: Option<u8>,
    }

    impl Serialize for RuntimeVersion {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            VersionJson {
                spec_name: self.spec_name.to_string(),
                impl_name: self.impl_name.to_string(),
                authoring_version: self.authoring_version,
                spec_version: self.spec_version,
                impl_version: self.impl_version,
                apis: self
                    .apis
                    .iter()
                    .map(|(id, v)| (format!("0x{}", hex::encode(id)), *v))
                    .collect(),
                transaction_version: self.transaction_version,
                system_version: Some(self.system_version),
                state_version: Some(self.system_version),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for RuntimeVersion {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let j = VersionJson::deserialize(d)?;
            let apis = j
                .apis
                .iter()
                .map(|(id, v)| {
                    let digits = id.strip_prefix("0x").unwrap_or(id);
                    let mut out = [0u8; 8];
                    hex::decode_to_slice(digits, &mut out).map_err(D::Error::custom)?;
                    Ok((out, *v))
                })
                .collect::<Result<Vec<_>, D::Error>>()?;
            Ok(RuntimeVersion {
                spec_name: j.spec_name.into(),
                impl_name: j.impl_name.into(),
                authoring_version: j.authoring_version,
                spec_version: j.spec_version,
                impl_version: j.impl_version,
                apis: apis.into(),
                transaction_version: j.transaction_version,
                system_version: j.system_version.or(j.state_version).unwrap_or(0),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::blake2_64;

    #[test]
    fn api_ids_are_blake2_64_of_trait_names() {
        for (name, id) in [
            ("Core", api_ids::CORE),
            ("Metadata", api_ids::METADATA),
            ("BlockBuilder", api_ids::BLOCK_BUILDER),
            ("TaggedTransactionQueue", api_ids::TAGGED_TRANSACTION_QUEUE),
            ("AccountNonceApi", api_ids::ACCOUNT_NONCE),
            ("TransactionPaymentApi", api_ids::TRANSACTION_PAYMENT),
            ("GenesisBuilder", api_ids::GENESIS_BUILDER),
            ("LuxConsensusApi", api_ids::LUX_CONSENSUS),
            ("LuxBlockApi", api_ids::LUX_BLOCK),
            ("EthereumApi", api_ids::ETHEREUM),
        ] {
            assert_eq!(blake2_64(name.as_bytes()), id, "{name}");
        }
    }

    #[test]
    fn json_round_trip() {
        let v = RuntimeVersion {
            spec_name: "luxtensor".into(),
            impl_name: "luxtensor-node".into(),
            authoring_version: 1,
            spec_version: 100,
            impl_version: 1,
            apis: vec![(api_ids::CORE, 4)].into(),
            transaction_version: 1,
            system_version: 1,
        };
        let json = serde_json::to_value(&v).expect("serializes");
        assert_eq!(json["apis"][0][0], "0xdf6acb689907609b");
        assert_eq!(json["specName"], "luxtensor");
        assert_eq!(json["stateVersion"], 1);
        let back: RuntimeVersion = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, v);
    }
}

/// The name of the wasm custom section holding a runtime's encoded version.
pub const VERSION_SECTION: &str = "runtime_version";

const fn compact_len(n: usize) -> usize {
    if n < 1 << 6 {
        1
    } else if n < 1 << 14 {
        2
    } else {
        4
    }
}

const fn put_compact(out: &mut [u8], at: usize, n: usize) -> usize {
    assert!(n < 1 << 30, "too long for this encoder");
    let bytes = match compact_len(n) {
        1 => (n as u32) << 2,
        2 => ((n as u32) << 2) | 1,
        _ => ((n as u32) << 2) | 2,
    }
    .to_le_bytes();
    let mut i = 0;
    while i < compact_len(n) {
        out[at + i] = bytes[i];
        i += 1;
    }
    at + compact_len(n)
}

const fn put_u32(out: &mut [u8], at: usize, v: u32) -> usize {
    let bytes = v.to_le_bytes();
    let mut i = 0;
    while i < 4 {
        out[at + i] = bytes[i];
        i += 1;
    }
    at + 4
}

const fn put_str(out: &mut [u8], at: usize, s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut at = put_compact(out, at, bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        out[at] = bytes[i];
        at += 1;
        i += 1;
    }
    at
}

#[cfg(test)]
mod const_encoding_tests {
    use super::*;

    #[test]
    fn the_const_encoding_is_the_scale_encoding() {
        let apis: &'static [(ApiId, u32)] = &[([1; 8], 2), ([3; 8], 4)];
        let long: &'static str =
            "a name longer than sixty-three bytes, to need a two-byte length prefix";
        for name in ["luxtensor", long] {
            let version = RuntimeVersion {
                spec_name: Cow::Borrowed(name),
                impl_name: Cow::Borrowed("impl"),
                authoring_version: 1,
                spec_version: 105,
                impl_version: 7,
                apis: Cow::Borrowed(apis),
                transaction_version: 3,
                system_version: 1,
            };
            assert_eq!(version.encoded_len(), version.encode().len());
            match name.len() {
                9 => assert_eq!(version.encode_const::<57>().to_vec(), version.encode()),
                _ => assert_eq!(version.encode_const::<119>().to_vec(), version.encode()),
            }
        }
    }
}
