//! Runtime code: where it comes from and its identity.

use std::sync::Arc;

use codec::Decode;
use lux_primitives::storage::{CODE, HEAP_PAGES};

use crate::{ExecutorError, SharedBackend};

enum Source {
    Bytes(Arc<[u8]>),
    State(SharedBackend),
}

/// The code to run, identified by its blake2_256 hash, plus its heap size. Code from a state is
/// only loaded if no compiled module with that hash is cached.
pub struct RuntimeCode {
    /// blake2_256 of the wasm.
    pub hash: [u8; 32],
    /// `:heappages`, if set.
    pub heap_pages: Option<u64>,
    source: Source,
}

impl RuntimeCode {
    /// Code given as bytes.
    pub fn from_bytes(code: impl Into<Arc<[u8]>>, heap_pages: Option<u64>) -> Self {
        let code = code.into();
        Self { hash: lux_trie::blake2_256(&code), heap_pages, source: Source::Bytes(code) }
    }

    /// The `:code` and `:heappages` of a state.
    pub fn from_state(state: &SharedBackend) -> Result<Self, ExecutorError> {
        let hash = state.storage_hash(CODE)?.ok_or(ExecutorError::NoCode)?;
        let heap_pages = state.storage(HEAP_PAGES)?.and_then(|v| u64::decode(&mut &v[..]).ok());
        Ok(Self { hash, heap_pages, source: Source::State(state.clone()) })
    }

    /// The wasm bytes.
    pub(crate) fn fetch(&self) -> Result<Arc<[u8]>, ExecutorError> {
        match &self.source {
            Source::Bytes(code) => Ok(code.clone()),
            Source::State(state) => Ok(state.storage(CODE)?.ok_or(ExecutorError::NoCode)?.into()),
        }
    }
}
