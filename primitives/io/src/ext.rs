//! The externalities a native execution runs against, installed per thread.

use alloc::vec::Vec;
use core::cell::Cell;
use lux_trie::StateVersion;

use crate::{BackendError, KillStorageResult, NoOpenTransaction};

/// Everything the Host API's storage and misc functions need from the node: the state of the
/// block being executed (a backend plus the changes made so far) and a way to read the version
/// of another runtime's code.
pub trait Externalities {
    /// The value at `key`.
    fn storage(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;
    /// Whether `key` has a value.
    fn exists(&mut self, key: &[u8]) -> Result<bool, BackendError>;
    /// Sets (`Some`) or removes (`None`) `key`.
    fn set_storage(&mut self, key: &[u8], value: Option<Vec<u8>>);
    /// Appends an encoded item to the SCALE `Vec` at `key`.
    fn append_storage(&mut self, key: &[u8], item: &[u8]) -> Result<(), BackendError>;
    /// Removes keys under `prefix`, at most `limit` of them from the backend.
    fn clear_prefix(
        &mut self,
        prefix: &[u8],
        limit: Option<u32>,
    ) -> Result<KillStorageResult, BackendError>;
    /// The smallest key strictly greater than `key`.
    fn next_storage_key(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, BackendError>;
    /// The state root with the changes so far applied.
    fn storage_root(&mut self, version: StateVersion) -> Result<[u8; 32], BackendError>;
    /// Opens a nested transaction.
    fn start_transaction(&mut self);
    /// Discards the innermost transaction's changes.
    fn rollback_transaction(&mut self) -> Result<(), NoOpenTransaction>;
    /// Keeps the innermost transaction's changes.
    fn commit_transaction(&mut self) -> Result<(), NoOpenTransaction>;
    /// The encoded `RuntimeVersion` of `code`, if it can be obtained.
    fn runtime_version(&mut self, code: &[u8]) -> Option<Vec<u8>>;
}

type ExtPtr = *mut (dyn Externalities + 'static);

std::thread_local! {
    static CURRENT: Cell<Option<ExtPtr>> = const { Cell::new(None) };
}

/// Restores the previous thread-local value when dropped (also on panic).
struct Restore(Option<ExtPtr>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Runs `f` with `ext` installed as the current thread's externalities.
pub fn set_and_run_with_externalities<R>(ext: &mut dyn Externalities, f: impl FnOnce() -> R) -> R {
    let ptr: *mut (dyn Externalities + '_) = ext;
    // SAFETY: only the lifetime is erased. The pointer is reachable through `CURRENT` only until
    // `_restore` runs at the end of this function (also when `f` panics), while `ext` is still
    // mutably borrowed by this function, so it is never used after the borrow ends.
    let ptr: ExtPtr = unsafe { core::mem::transmute(ptr) };
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(ptr))));
    f()
}

/// Runs `f` with the current thread's externalities. Panics if there are none: runtime code
/// that touches storage must run inside [`set_and_run_with_externalities`] (or
/// `TestExternalities::execute_with`).
pub fn with_externalities<R>(f: impl FnOnce(&mut dyn Externalities) -> R) -> R {
    let ptr = CURRENT.with(|c| c.take()).unwrap_or_else(|| {
        panic!("storage accessed without externalities: run inside TestExternalities::execute_with")
    });
    // The slot stays empty while `f` runs, so a nested call cannot alias the reference.
    let _restore = Restore(Some(ptr));
    // SAFETY: `ptr` was installed by `set_and_run_with_externalities`, whose borrow is live for
    // as long as it is installed, and it is taken out of the slot while we use it.
    f(unsafe { &mut *ptr })
}
