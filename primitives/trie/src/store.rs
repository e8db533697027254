//! Where encoded nodes and hashed values live.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::{blake2_256, Hash, Result, StoreError};

#[cfg(feature = "std")]
type Map = std::collections::HashMap<Hash, Arc<[u8]>>;
#[cfg(not(feature = "std"))]
type Map = alloc::collections::BTreeMap<Hash, Arc<[u8]>>;

/// Where encoded nodes and hashed values live, keyed by their `blake2_256` hash.
///
/// The trie trusts a store to return the bytes whose hash was asked for; it checks that they
/// decode, not that they hash right (a proof, in contrast, is checked by hash).
pub trait NodeStore {
    /// The node or value stored under `hash`, `None` if there is none.
    fn get(&self, hash: &Hash) -> Result<Option<Arc<[u8]>>, StoreError>;
}

impl<T: NodeStore + ?Sized> NodeStore for &T {
    fn get(&self, hash: &Hash) -> Result<Option<Arc<[u8]>>, StoreError> {
        (**self).get(hash)
    }
}

/// An in-memory [`NodeStore`], for tests, proofs and building state before it is written out.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    nodes: Map,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Store `data` under `hash`, which should be `blake2_256(data)`.
    pub fn insert(&mut self, hash: Hash, data: impl Into<Arc<[u8]>>) {
        self.nodes.insert(hash, data.into());
    }

    /// Store `data` under its hash and return the hash.
    pub fn insert_node(&mut self, data: impl Into<Arc<[u8]>>) -> Hash {
        let data = data.into();
        let hash = blake2_256(&data);
        self.nodes.insert(hash, data);
        hash
    }

    /// Remove and return what is stored under `hash`.
    pub fn remove(&mut self, hash: &Hash) -> Option<Arc<[u8]>> {
        self.nodes.remove(hash)
    }

    /// Whether something is stored under `hash`.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.nodes.contains_key(hash)
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The stored `(hash, bytes)` entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Hash, &Arc<[u8]>)> {
        self.nodes.iter()
    }
}

impl NodeStore for MemoryStore {
    fn get(&self, hash: &Hash) -> Result<Option<Arc<[u8]>>, StoreError> {
        Ok(self.nodes.get(hash).cloned())
    }
}

impl Extend<(Hash, Vec<u8>)> for MemoryStore {
    fn extend<I: IntoIterator<Item = (Hash, Vec<u8>)>>(&mut self, entries: I) {
        for (hash, data) in entries {
            self.insert(hash, data);
        }
    }
}

impl FromIterator<(Hash, Vec<u8>)> for MemoryStore {
    fn from_iter<I: IntoIterator<Item = (Hash, Vec<u8>)>>(entries: I) -> Self {
        let mut store = Self::new();
        store.extend(entries);
        store
    }
}
