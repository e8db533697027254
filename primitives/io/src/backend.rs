//! The state a block executes against, and what executing it changed.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use lux_trie::{Hash, StateVersion, TrieUpdate};

/// A storage backend failed (database error, missing trie node).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("state backend: {0}")]
pub struct BackendError(pub String);

impl From<lux_trie::Error> for BackendError {
    fn from(e: lux_trie::Error) -> Self {
        Self(e.to_string())
    }
}

/// Read access to the state of one block, and computation of the root after changes.
pub trait StateBackend: Send + Sync {
    /// The value at `key`.
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;
    /// The smallest key strictly greater than `key`.
    fn next_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;
    /// blake2_256 of the value at `key` (for large values a trie can answer without loading
    /// the value: that is how the executor finds the code hash of `:code`).
    fn storage_hash(&self, key: &[u8]) -> Result<Option<Hash>, BackendError> {
        Ok(self.storage(key)?.map(|v| lux_trie::blake2_256(&v)))
    }
    /// The root after applying `changes` (sorted by key, unique), the trie nodes that must be
    /// stored for that root to be readable, and those the new root no longer uses (see
    /// [`TrieUpdate`]: what a reference-counting store needs).
    fn storage_root(
        &self,
        changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<TrieUpdate, BackendError>;
}

impl<T: StateBackend + ?Sized> StateBackend for Arc<T> {
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).storage(key)
    }
    fn next_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).next_key(key)
    }
    fn storage_hash(&self, key: &[u8]) -> Result<Option<Hash>, BackendError> {
        (**self).storage_hash(key)
    }
    fn storage_root(
        &self,
        changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<TrieUpdate, BackendError> {
        (**self).storage_root(changes, version)
    }
}

impl<T: StateBackend + ?Sized> StateBackend for &T {
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).storage(key)
    }
    fn next_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        (**self).next_key(key)
    }
    fn storage_hash(&self, key: &[u8]) -> Result<Option<Hash>, BackendError> {
        (**self).storage_hash(key)
    }
    fn storage_root(
        &self,
        changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<TrieUpdate, BackendError> {
        (**self).storage_root(changes, version)
    }
}

/// Storage changes, sorted by key; `None` means deleted.
pub type KeyChanges = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// What executing a block changed, ready to be committed: the key changes, the new root and
/// the trie nodes it adds and drops.
#[derive(Clone, Debug, Default)]
pub struct StorageChanges {
    /// Changed keys, sorted; `None` means deleted.
    pub changes: KeyChanges,
    /// The state root after the changes.
    pub root: Hash,
    /// New trie nodes and hashed values, once per place they hold in the new trie.
    pub nodes: Vec<(Hash, Vec<u8>)>,
    /// Stored nodes and hashed values the new trie no longer uses, once per place they held.
    pub removed: Vec<Hash>,
}

/// A state held in a sorted map: genesis construction and tests. Roots are computed from
/// scratch, which is fine for the sizes it is used with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryBackend {
    storage: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl InMemoryBackend {
    /// A backend holding `storage`.
    pub fn new(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        Self { storage }
    }

    /// The key-value pairs.
    pub fn storage_map(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.storage
    }

    /// Consumes the backend into its key-value pairs.
    pub fn into_storage(self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.storage
    }

    /// Applies changes in place.
    pub fn apply<'a>(&mut self, changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>) {
        for (key, value) in changes {
            match value {
                Some(v) => {
                    self.storage.insert(key.to_vec(), v.to_vec());
                }
                None => {
                    self.storage.remove(key);
                }
            }
        }
    }

    /// The root of the state.
    pub fn root(&self, version: StateVersion) -> Hash {
        lux_trie::trie_root(version, self.storage.iter())
    }
}

impl StateBackend for InMemoryBackend {
    fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.storage.get(key).cloned())
    }

    fn next_key(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        use core::ops::Bound::{Excluded, Unbounded};
        Ok(self.storage.range::<[u8], _>((Excluded(key), Unbounded)).next().map(|(k, _)| k.clone()))
    }

    fn storage_root(
        &self,
        changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> Result<TrieUpdate, BackendError> {
        let mut merged: BTreeMap<&[u8], &[u8]> =
            self.storage.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        for (key, value) in changes {
            match value {
                Some(v) => {
                    merged.insert(key, v);
                }
                None => {
                    merged.remove(key);
                }
            }
        }
        // Built from scratch: every node is new, and nothing stored is known to be dropped.
        let mut inserted = Vec::new();
        let root = lux_trie::trie_root_with_nodes(version, merged, |hash, node| {
            inserted.push((hash, node));
        });
        Ok(TrieUpdate { root, inserted, removed: Vec::new() })
    }
}
