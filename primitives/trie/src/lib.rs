//! LuxTensor's state trie: a radix-16 Patricia-Merkle trie hashed with blake2b-256.
//!
//! Roots, node encodings and read proofs are byte for byte those of Substrate's `sp-trie` with
//! `LayoutV1` (values of 33 bytes or more are stored as separate, hashed value nodes) or
//! `LayoutV0` (every value inline), as described in the Polkadot specification, chapter
//! "State", section "State Storage Trie". The state root in every header is such a root.
//!
//! The crate is `no_std` + `alloc`, so the runtime can compute `ext_trie_*` roots with it, and
//! it has no idea of a database: nodes are read through the [`NodeStore`] trait (keyed by the
//! blake2-256 hash of their encoding) and updates hand back the nodes to persist.
//!
//! - Building: [`trie_root`], [`trie_root_with_nodes`], [`ordered_trie_root`].
//! - Reading: [`get`], [`get_value_hash`], [`next_key`].
//! - Updating: [`apply_changes`] loads only the paths it touches.
//! - Proofs: [`prove`] and [`verify_proof`] (Substrate's `StorageProof` node set).

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod build;
mod error;
mod lookup;
mod nibbles;
mod node;
mod proof;
mod store;
mod update;

pub use build::{ordered_trie_root, trie_root, trie_root_with_nodes};
pub use error::{Error, Result, StoreError, UnknownStateVersion};
pub use lookup::{get, get_value_hash, next_key};
pub use proof::{prove, verify_proof};
pub use store::{MemoryStore, NodeStore};
pub use update::{apply_changes, apply_changes_counted, TrieUpdate};

/// A blake2b-256 hash: a trie root, or the key under which a node or value is stored.
pub type Hash = [u8; 32];

/// Nodes and hashed values to persist, as `(blake2_256(bytes), bytes)`.
pub type NewNodes = alloc::vec::Vec<(Hash, alloc::vec::Vec<u8>)>;

/// Keys with their proven values, `None` for a key proven to have none.
pub type ProvenValues = alloc::vec::Vec<(alloc::vec::Vec<u8>, Option<alloc::vec::Vec<u8>>)>;

/// Root of the empty trie: `blake2_256([0x00])`, the hash of the empty node.
///
/// It never needs to be stored: every function here knows it without asking the store.
pub const EMPTY_ROOT: Hash = [
    0x03, 0x17, 0x0a, 0x2e, 0x75, 0x97, 0xb7, 0xb7, 0xe3, 0xd8, 0x4c, 0x05, 0x39, 0x1d, 0x13, 0x9a,
    0x62, 0xb1, 0x57, 0xe7, 0x87, 0x86, 0xd8, 0xc0, 0x82, 0xf2, 0x9d, 0xcf, 0x4c, 0x11, 0x13, 0x14,
];

/// With [`StateVersion::V1`], values at least this long are stored as hashed value nodes
/// (Substrate's `TRIE_VALUE_NODE_THRESHOLD`).
pub const VALUE_NODE_THRESHOLD: usize = 33;

/// blake2b with a 32-byte output, the trie's hash function.
pub fn blake2_256(data: &[u8]) -> Hash {
    let digest = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_bytes());
    out
}

/// How values are laid out in the trie (Substrate's `StateVersion`, `LayoutV0`/`LayoutV1`).
///
/// The version only decides how a value that is written now is encoded: nodes that an update
/// does not touch keep the layout they were written with, exactly as in Substrate.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, codec::Encode, codec::Decode,
)]
pub enum StateVersion {
    /// Every value is stored inline in its node.
    V0,
    /// Values of [`VALUE_NODE_THRESHOLD`] bytes or more are stored as separate value nodes and
    /// referenced by their hash.
    #[default]
    V1,
}

impl StateVersion {
    /// Whether a value of `len` bytes written under this version goes into a value node.
    pub const fn hashes_value(self, len: usize) -> bool {
        matches!(self, StateVersion::V1) && len >= VALUE_NODE_THRESHOLD
    }
}

impl TryFrom<u8> for StateVersion {
    type Error = UnknownStateVersion;

    fn try_from(value: u8) -> core::result::Result<Self, UnknownStateVersion> {
        match value {
            0 => Ok(StateVersion::V0),
            1 => Ok(StateVersion::V1),
            other => Err(UnknownStateVersion(other)),
        }
    }
}

impl From<StateVersion> for u8 {
    fn from(version: StateVersion) -> u8 {
        match version {
            StateVersion::V0 => 0,
            StateVersion::V1 => 1,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_hash_of_empty_node() {
        assert_eq!(blake2_256(&[0]), EMPTY_ROOT);
    }

    #[test]
    fn state_version_from_u8() {
        assert_eq!(StateVersion::try_from(0), Ok(StateVersion::V0));
        assert_eq!(StateVersion::try_from(1), Ok(StateVersion::V1));
        assert_eq!(StateVersion::try_from(2), Err(UnknownStateVersion(2)));
        assert_eq!(u8::from(StateVersion::V1), 1);
    }

    #[test]
    fn value_threshold() {
        assert!(!StateVersion::V1.hashes_value(32));
        assert!(StateVersion::V1.hashes_value(33));
        assert!(!StateVersion::V0.hashes_value(1 << 20));
    }
}
