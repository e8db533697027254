//! [`TestExternalities`]: an in-memory state for unit tests of runtime code.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use lux_trie::StateVersion;

use crate::{
    set_and_run_with_externalities, Ext, InMemoryBackend, OverlayedChanges, RuntimeVersionFetcher,
};

/// An in-memory state; `execute_with` runs runtime code against it.
pub struct TestExternalities {
    ext: Ext<InMemoryBackend>,
}

impl Default for TestExternalities {
    fn default() -> Self {
        Self::new(BTreeMap::new())
    }
}

impl TestExternalities {
    /// A state holding `storage`.
    pub fn new(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        Self { ext: Ext::new(InMemoryBackend::new(storage), OverlayedChanges::new()) }
    }

    /// Sets how `misc::runtime_version` answers (tests of `set_code`).
    pub fn with_version_fetcher(self, fetcher: Arc<dyn RuntimeVersionFetcher>) -> Self {
        Self { ext: self.ext.with_version_fetcher(fetcher) }
    }

    /// Runs `f` with this state installed as the externalities.
    pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
        set_and_run_with_externalities(&mut self.ext, f)
    }

    /// Moves the overlay's changes into the backend, as committing a block would.
    pub fn commit_all(&mut self) {
        let overlay = self.ext.take_overlay();
        self.ext.backend_mut().apply(overlay.changes());
    }

    /// Drops the changes made since the last commit, as the host does after a runtime call
    /// whose effects are not kept (transaction validation, a query).
    pub fn discard_changes(&mut self) {
        drop(self.ext.take_overlay());
    }

    /// The root of the state with all changes applied.
    pub fn storage_root(&mut self) -> [u8; 32] {
        use crate::Externalities;
        self.ext.storage_root(StateVersion::V1).unwrap_or_else(|e| panic!("in-memory backend: {e}"))
    }

    /// All key-value pairs, changes applied.
    pub fn storage(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        let mut backend = self.ext.backend().clone();
        backend.apply(self.ext.overlay().changes());
        backend.into_storage()
    }

    /// The underlying externalities.
    pub fn ext(&mut self) -> &mut Ext<InMemoryBackend> {
        &mut self.ext
    }
}
