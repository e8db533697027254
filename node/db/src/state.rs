//! The state of one block: a trie root over the database's nodes.

use std::sync::Arc;

use lux_io::{BackendError, StateBackend, StateVersion};
use lux_trie::{Hash, TrieUpdate};

use crate::{Database, Result, StateCache};

/// The state with root `root`, readable and provable; implements the executor's
/// [`StateBackend`]. Reads go through the database's value cache when it holds this state.
#[derive(Clone)]
pub struct TrieState {
    db: Arc<Database>,
    root: Hash,
    cache: Arc<StateCache>,
}

impl TrieState {
    pub(crate) fn new(db: Arc<Database>, root: Hash, cache: Arc<StateCache>) -> Self {
        Self { db, root, cache }
    }

    /// The state root.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// A read proof for `keys`: the trie nodes on their paths.
    pub fn prove(&self, keys: &[Vec<u8>]) -> Result<Vec<Vec<u8>>> {
        Ok(lux_trie::prove(&*self.db, &self.root, keys)?)
    }

    /// Up to `count` keys starting with `prefix`, after `start_after` if given.
    pub fn keys_paged(
        &self,
        prefix: &[u8],
        count: usize,
        start_after: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        let mut cursor = match start_after {
            Some(start) if start >= prefix => start.to_vec(),
            _ => {
                if lux_trie::get(&*self.db, &self.root, prefix)?.is_some() && count > 0 {
                    keys.push(prefix.to_vec());
                }
                prefix.to_vec()
            }
        };
        while keys.len() < count {
            match lux_trie::next_key(&*self.db, &self.root, &cursor)? {
                Some(key) if key.starts_with(prefix) => {
                    keys.push(key.clone());
                    cursor = key;
                }
                _ => break,
            }
        }
        Ok(keys)
    }
}

fn backend(e: lux_trie::Error) -> BackendError {
    BackendError(e.to_string())
}

impl StateBackend for TrieState {
    fn storage(&self, key: &[u8]) -> std::result::Result<Option<Vec<u8>>, BackendError> {
        if let Some(value) = self.cache.get(&self.root, key) {
            return Ok(value);
        }
        let value = lux_trie::get(&*self.db, &self.root, key).map_err(backend)?;
        self.cache.insert(&self.root, key, value.as_deref());
        Ok(value)
    }

    fn next_key(&self, key: &[u8]) -> std::result::Result<Option<Vec<u8>>, BackendError> {
        lux_trie::next_key(&*self.db, &self.root, key).map_err(backend)
    }

    fn storage_hash(&self, key: &[u8]) -> std::result::Result<Option<Hash>, BackendError> {
        match lux_trie::get_value_hash(&*self.db, &self.root, key).map_err(backend)? {
            Some(hash) => Ok(Some(hash)),
            None => Ok(self.storage(key)?.map(|v| lux_trie::blake2_256(&v))),
        }
    }

    fn storage_root(
        &self,
        changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        version: StateVersion,
    ) -> std::result::Result<TrieUpdate, BackendError> {
        lux_trie::apply_changes_counted(&*self.db, &self.root, version, changes).map_err(backend)
    }
}
