//! [`Ext`]: externalities made of a state backend and an overlay of changes.

use alloc::sync::Arc;
use alloc::vec::Vec;
use lux_trie::{Hash, StateVersion, TrieUpdate};

use crate::{
    BackendError, Externalities, KillStorageResult, NoOpenTransaction, OverlayedChanges,
    StateBackend, StorageChanges,
};

/// Reads the version of a runtime's code; the executor provides it.
pub trait RuntimeVersionFetcher: Send + Sync {
    /// The SCALE-encoded `RuntimeVersion` of `code`, if it can be run.
    fn runtime_version(&self, code: &[u8]) -> Option<Vec<u8>>;
}

/// A computed root with the trie nodes it adds and drops, valid while the overlay generation
/// is unchanged.
struct RootCache {
    generation: u64,
    version: StateVersion,
    update: TrieUpdate,
}

/// The state of a block being executed: a read-only backend and the changes made so far.
pub struct Ext<B> {
    backend: B,
    overlay: OverlayedChanges,
    root_cache: Option<RootCache>,
    version_fetcher: Option<Arc<dyn RuntimeVersionFetcher>>,
    /// Transaction depth when the current runtime call started: the runtime may only commit
    /// or roll back the transactions it opened itself.
    runtime_base: Option<usize>,
}

/// A runtime call ended with storage transactions still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the runtime left {0} storage transaction(s) open")]
pub struct UnbalancedTransactions(pub usize);

impl<B: StateBackend> Ext<B> {
    /// Externalities over `backend` with the changes in `overlay`.
    pub fn new(backend: B, overlay: OverlayedChanges) -> Self {
        Self { backend, overlay, root_cache: None, version_fetcher: None, runtime_base: None }
    }

    /// Lets the runtime read the version of other code (needed by `set_code`).
    pub fn with_version_fetcher(mut self, fetcher: Arc<dyn RuntimeVersionFetcher>) -> Self {
        self.version_fetcher = Some(fetcher);
        self
    }

    /// Sets how the runtime reads the version of other code.
    pub fn set_version_fetcher(&mut self, fetcher: Arc<dyn RuntimeVersionFetcher>) {
        self.version_fetcher = Some(fetcher);
    }

    /// A runtime call starts: from now on the runtime can close only the transactions it opens.
    pub fn enter_runtime(&mut self) {
        self.runtime_base = Some(self.overlay.transaction_depth());
    }

    /// The runtime call ended: every transaction it opened must be closed. If some are not, they
    /// are rolled back and the call is an error.
    pub fn exit_runtime(&mut self) -> Result<(), UnbalancedTransactions> {
        let base = self.runtime_base.take().unwrap_or(0);
        let open = self.overlay.transaction_depth().saturating_sub(base);
        if open > 0 {
            self.overlay.rollback_to_depth(base);
            return Err(UnbalancedTransactions(open));
        }
        Ok(())
    }

    fn runtime_may_close(&self) -> Result<(), NoOpenTransaction> {
        match self.runtime_base {
            Some(base) if self.overlay.transaction_depth() <= base => Err(NoOpenTransaction),
            _ => Ok(()),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The overlay.
    pub fn overlay(&self) -> &OverlayedChanges {
        &self.overlay
    }

    /// The overlay, mutably (the block builder opens a transaction around each extrinsic).
    pub fn overlay_mut(&mut self) -> &mut OverlayedChanges {
        &mut self.overlay
    }

    /// The backend, mutably. Invalidates the cached root.
    pub fn backend_mut(&mut self) -> &mut B {
        self.root_cache = None;
        &mut self.backend
    }

    /// Takes the overlay out, leaving an empty one. Invalidates the cached root.
    pub fn take_overlay(&mut self) -> OverlayedChanges {
        self.root_cache = None;
        core::mem::take(&mut self.overlay)
    }

    /// Consumes the externalities into the backend and the overlay.
    pub fn into_parts(self) -> (B, OverlayedChanges) {
        (self.backend, self.overlay)
    }

    /// The changes with the resulting root and trie nodes, ready to commit. Reuses the root
    /// computed by the runtime at the end of the block when nothing changed since.
    pub fn into_storage_changes(
        mut self,
        version: StateVersion,
    ) -> Result<StorageChanges, BackendError> {
        self.compute_root(version)?;
        let Some(cache) = self.root_cache.take() else {
            return Err(BackendError("storage root was not computed".into()));
        };
        let TrieUpdate { root, inserted, removed } = cache.update;
        Ok(StorageChanges { changes: self.overlay.into_changes(), root, nodes: inserted, removed })
    }

    fn compute_root(&mut self, version: StateVersion) -> Result<Hash, BackendError> {
        let generation = self.overlay.generation();
        if let Some(c) = &self.root_cache {
            if c.generation == generation && c.version == version {
                return Ok(c.update.root);
            }
        }
        let update = self.backend.storage_root(&mut self.overlay.changes(), version)?;
        let root = update.root;
        self.root_cache = Some(RootCache { generation, version, update });
        Ok(root)
    }
}

impl<B: StateBackend> Externalities for Ext<B> {
    fn storage(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        match self.overlay.get(key) {
            Some(value) => Ok(value.map(|v| v.to_vec())),
            None => self.backend.storage(key),
        }
    }

    fn exists(&mut self, key: &[u8]) -> Result<bool, BackendError> {
        match self.overlay.get(key) {
            Some(value) => Ok(value.is_some()),
            None => Ok(self.backend.storage(key)?.is_some()),
        }
    }

    fn set_storage(&mut self, key: &[u8], value: Option<Vec<u8>>) {
        self.overlay.set(key, value);
    }

    fn append_storage(&mut self, key: &[u8], item: &[u8]) -> Result<(), BackendError> {
        let base = if self.overlay.contains(key) { None } else { self.backend.storage(key)? };
        self.overlay.append(key, item, base);
        Ok(())
    }

    fn clear_prefix(
        &mut self,
        prefix: &[u8],
        limit: Option<u32>,
    ) -> Result<KillStorageResult, BackendError> {
        // The limit bounds the work: every backend key visited counts, whether the overlay had
        // already deleted it or not (as Substrate counts "loops").
        let (mut removed, mut visited) = (0u32, 0u32);
        let mut next = if self.backend.storage(prefix)?.is_some() {
            Some(prefix.to_vec())
        } else {
            self.backend.next_key(prefix)?
        };
        while let Some(key) = next {
            if !key.starts_with(prefix) {
                break;
            }
            if limit.is_some_and(|l| visited >= l) {
                self.overlay.clear_prefix(prefix);
                return Ok(KillStorageResult::SomeRemaining(removed));
            }
            visited += 1;
            if self.overlay.get(&key) != Some(None) {
                self.overlay.set(&key, None);
                removed += 1;
            }
            next = self.backend.next_key(&key)?;
        }
        self.overlay.clear_prefix(prefix);
        Ok(KillStorageResult::AllRemoved(removed))
    }

    fn next_storage_key(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError> {
        // Next backend key that the overlay has not deleted.
        let mut backend_next = self.backend.next_key(key)?;
        while let Some(k) = &backend_next {
            if self.overlay.get(k) == Some(None) {
                backend_next = self.backend.next_key(k)?;
            } else {
                break;
            }
        }
        // Next overlay key that holds a value.
        let mut cursor = key;
        let overlay_next = loop {
            match self.overlay.next_after(cursor) {
                Some((k, Some(_))) => break Some(k),
                Some((k, None)) => cursor = k,
                None => break None,
            }
        };
        Ok(match (overlay_next, backend_next) {
            (Some(o), Some(b)) => Some(if o < &b[..] { o.to_vec() } else { b }),
            (Some(o), None) => Some(o.to_vec()),
            (None, b) => b,
        })
    }

    fn storage_root(&mut self, version: StateVersion) -> Result<[u8; 32], BackendError> {
        self.compute_root(version)
    }

    fn start_transaction(&mut self) {
        self.overlay.start_transaction()
    }

    fn rollback_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.runtime_may_close()?;
        self.overlay.rollback_transaction()
    }

    fn commit_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.runtime_may_close()?;
        self.overlay.commit_transaction()
    }

    fn runtime_version(&mut self, code: &[u8]) -> Option<Vec<u8>> {
        self.version_fetcher.as_ref()?.runtime_version(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InMemoryBackend;
    use alloc::collections::BTreeMap;

    fn ext(keys: &[&[u8]]) -> Ext<InMemoryBackend> {
        let storage: BTreeMap<_, _> = keys.iter().map(|k| (k.to_vec(), vec![1u8])).collect();
        Ext::new(InMemoryBackend::new(storage), OverlayedChanges::new())
    }

    fn walk(e: &mut Ext<InMemoryBackend>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut cursor = Vec::new();
        while let Some(k) = e.next_storage_key(&cursor).expect("in memory") {
            out.push(k.clone());
            cursor = k;
        }
        out
    }

    #[test]
    fn next_key_merges_overlay_and_backend() {
        let mut e = ext(&[b"a", b"c", b"e"]);
        e.set_storage(b"b", Some(vec![2]));
        e.set_storage(b"c", None);
        e.set_storage(b"d", None);
        e.set_storage(b"f", Some(vec![3]));
        assert_eq!(walk(&mut e), vec![b"a".to_vec(), b"b".to_vec(), b"e".to_vec(), b"f".to_vec()]);
    }

    #[test]
    fn clear_prefix_respects_limit_and_overlay() {
        let mut e = ext(&[b"p1", b"p2", b"p3", b"q"]);
        e.set_storage(b"p9", Some(vec![9]));
        assert_eq!(e.clear_prefix(b"p", Some(2)).expect("ok"), KillStorageResult::SomeRemaining(2));
        assert_eq!(walk(&mut e), vec![b"p3".to_vec(), b"q".to_vec()]);
        // Keys already deleted count toward the limit, so a limit always bounds the work.
        assert_eq!(e.clear_prefix(b"p", Some(2)).expect("ok"), KillStorageResult::SomeRemaining(0));
        assert_eq!(e.clear_prefix(b"p", None).expect("ok"), KillStorageResult::AllRemoved(1));
        assert_eq!(walk(&mut e), vec![b"q".to_vec()]);
    }

    #[test]
    fn the_runtime_cannot_close_the_hosts_transactions() {
        let mut e = ext(&[]);
        e.overlay_mut().start_transaction();
        e.enter_runtime();
        assert_eq!(e.commit_transaction(), Err(NoOpenTransaction));
        assert_eq!(e.rollback_transaction(), Err(NoOpenTransaction));
        e.start_transaction();
        e.set_storage(b"k", Some(vec![1]));
        e.start_transaction();
        assert_eq!(e.commit_transaction(), Ok(()));
        assert_eq!(e.exit_runtime(), Err(UnbalancedTransactions(1)));
        assert_eq!(e.overlay().transaction_depth(), 1, "the host's transaction is still open");
        assert_eq!(e.storage(b"k"), Ok(None), "the runtime's open transaction was rolled back");
    }

    #[test]
    fn root_reflects_changes_and_is_cached() {
        let mut e = ext(&[b"a"]);
        let r1 = e.storage_root(StateVersion::V1).expect("root");
        e.set_storage(b"b", Some(vec![5]));
        let r2 = e.storage_root(StateVersion::V1).expect("root");
        assert_ne!(r1, r2);
        let expected = InMemoryBackend::new(
            [(b"a".to_vec(), vec![1u8]), (b"b".to_vec(), vec![5u8])].into_iter().collect(),
        )
        .root(StateVersion::V1);
        assert_eq!(r2, expected);
        let changes = e.into_storage_changes(StateVersion::V1).expect("changes");
        assert_eq!(changes.root, expected);
        assert_eq!(changes.changes, vec![(b"b".to_vec(), Some(vec![5]))]);
    }
}
