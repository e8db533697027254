//! A runtime instance kept across several calls.
//!
//! Instantiating the runtime (mapping its memory, copying its data segments) costs more than
//! a small call such as validating a transfer, so a block builder applying thousands of
//! extrinsics, or a validation thread checking a batch of transactions, runs all its calls in
//! one instance. Between calls the host resets what a fresh instance would have fresh: the
//! heap allocator starts over at `__heap_base`, and the runtime's static data (its data
//! segments up to `__data_end`) is restored from a copy taken at instantiation, so no call
//! can see what an earlier one left behind. The stack pointer is restored by the runtime
//! itself when a call returns; after a trap the instance is discarded and the next call gets
//! a new one.
//!
//! A session can instead carry on between calls ([`Between::Continue`]): nothing is reset,
//! and the host frees each call's input and output buffers, so the instance lives as one long
//! call does. Block import runs a whole block (initialization, every extrinsic, finalization)
//! in one such long call, so a block builder that carries on sees its instance evolve exactly
//! as the importers' will, minus the extrinsics it rolled back; and the pool's validations
//! decide nothing on chain. Both run thousands of calls a second, and restoring the statics
//! (157 KiB in today's runtime) was the largest single copy a validator made.

use std::sync::Arc;

use lux_io::Ext;
use wasmtime::{Instance, Memory, Store, StoreLimitsBuilder};

use crate::allocator::FreeingBumpAllocator;
use crate::executor::CompiledRuntime;
use crate::host::{self, HostState};
use crate::{ExecutorError, SharedBackend};

/// What a session's instance gets back between two calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Between {
    /// Its statics and an empty heap, as a new instance would have them.
    #[default]
    Reset,
    /// Nothing: the next call carries on in the memory the last one left (see the module
    /// docs). Only the call's input and output buffers are freed.
    Continue,
}

/// An instance ready for its next call.
pub(crate) struct Live {
    instance: Instance,
    memory: Memory,
    heap_base: u32,
    /// The runtime's static data as instantiation left it (offset and bytes), taken only by
    /// a session that resets between calls.
    statics: Option<(usize, Vec<u8>)>,
}

/// Calls into one runtime instance on one state and overlay (see the module docs). Made by
/// [`WasmExecutor::session`](crate::WasmExecutor::session).
pub struct RuntimeSession {
    pub(crate) store: Store<HostState>,
    pub(crate) runtime: Arc<CompiledRuntime>,
    pub(crate) heap_pages: u64,
    pub(crate) live: Option<Live>,
    /// Instances created so far.
    pub(crate) instances: u64,
    pub(crate) between: Between,
}

impl RuntimeSession {
    /// Calls runtime API function `method` with SCALE-encoded `input`. On success the
    /// session's overlay holds the call's changes; on failure they are undefined and should be
    /// rolled back (with storage transactions) or discarded.
    pub fn call(&mut self, method: &str, input: &[u8]) -> Result<Vec<u8>, ExecutorError> {
        self.store.data_mut().ext.enter_runtime();
        let result = self.call_in_instance(method, input);
        let balanced = self.store.data_mut().ext.exit_runtime();
        if result.is_err() {
            // A trap can leave the stack pointer and statics anywhere: start afresh.
            self.live = None;
        }
        if let Some(allocator) = &self.store.data().allocator {
            tracing::trace!(target: "executor", "{method}: peak heap use {} bytes", allocator.peak());
        }
        let panic = self.store.data_mut().panic.take();
        let output = result.map_err(|e| match panic {
            Some(message) => ExecutorError::Panicked(message),
            None => e,
        })?;
        balanced.map_err(|e| ExecutorError::Trap(format!("`{method}`: {e}")))?;
        Ok(output)
    }

    /// The state and changes the calls work on.
    pub fn ext(&self) -> &Ext<SharedBackend> {
        &self.store.data().ext
    }

    /// The state and changes the calls work on, to start, commit or roll back storage
    /// transactions between calls.
    pub fn ext_mut(&mut self) -> &mut Ext<SharedBackend> {
        &mut self.store.data_mut().ext
    }

    /// Ends the session, returning the state and changes.
    pub fn into_ext(self) -> Ext<SharedBackend> {
        self.store.into_data().ext
    }

    /// Sets what the instance gets back between calls (by default [`Between::Reset`]).
    pub fn set_between(&mut self, between: Between) {
        self.between = between;
    }

    /// Instances created so far (1 when every call reused the first).
    pub fn instances(&self) -> u64 {
        self.instances
    }

    fn prepare(&mut self) -> Result<(Instance, Memory), ExecutorError> {
        if let Some(live) = &self.live {
            match (self.between, &live.statics) {
                (Between::Continue, _) => return Ok((live.instance, live.memory)),
                (Between::Reset, Some((offset, bytes))) => {
                    let data = live.memory.data_mut(&mut self.store);
                    data.get_mut(*offset..*offset + bytes.len())
                        .ok_or_else(|| ExecutorError::Trap("runtime memory shrank".into()))?
                        .copy_from_slice(bytes);
                    self.store.data_mut().allocator =
                        Some(FreeingBumpAllocator::new(live.heap_base));
                    return Ok((live.instance, live.memory));
                }
                // Nothing to restore the statics from: a new instance.
                (Between::Reset, None) => self.live = None,
            }
        }
        let instance = self
            .runtime
            .pre
            .instantiate(&mut self.store)
            .map_err(|e| ExecutorError::Trap(e.to_string()))?;
        let memory = instance
            .get_memory(&mut self.store, "memory")
            .ok_or_else(|| ExecutorError::InvalidCode("the runtime exports no memory".into()))?;
        let global = |store: &mut Store<HostState>, name: &str| {
            instance.get_global(&mut *store, name).and_then(|g| g.get(&mut *store).i32())
        };
        let heap_base = global(&mut self.store, "__heap_base").ok_or_else(|| {
            ExecutorError::InvalidCode("the runtime exports no __heap_base".into())
        })? as u32;
        let data_end = global(&mut self.store, "__data_end");
        let statics = match (self.between, self.runtime.data_start, data_end) {
            (Between::Reset, Some(start), Some(end)) if (start as i64) < i64::from(end) => {
                let data = memory.data(&self.store);
                data.get(start as usize..end as usize).map(|b| (start as usize, b.to_vec()))
            }
            _ => None,
        };
        let max_bytes = (memory.data_size(&self.store) as u64)
            .saturating_add(self.heap_pages.saturating_mul(65536))
            .min(u32::MAX as u64) as usize;
        {
            let state = self.store.data_mut();
            state.memory = Some(memory);
            state.allocator = Some(FreeingBumpAllocator::new(heap_base));
            state.limits = StoreLimitsBuilder::new().memory_size(max_bytes).build();
        }
        self.store.limiter(|state| &mut state.limits);
        self.instances += 1;
        self.live = Some(Live { instance, memory, heap_base, statics });
        Ok((instance, memory))
    }

    fn call_in_instance(&mut self, method: &str, input: &[u8]) -> Result<Vec<u8>, ExecutorError> {
        let (instance, memory) = self.prepare()?;
        let store = &mut self.store;
        let func = instance
            .get_typed_func::<(i32, i32), i64>(&mut *store, method)
            .map_err(|_| ExecutorError::MethodNotFound(method.into()))?;
        let len = u32::try_from(input.len())
            .map_err(|_| ExecutorError::Other("input larger than 4 GiB".into()))?;
        let ptr = host::alloc_in(store, memory, len)
            .map_err(|e| ExecutorError::OutOfMemory(e.to_string()))?;
        memory
            .write(&mut *store, ptr as usize, input)
            .map_err(|e| ExecutorError::OutOfMemory(e.to_string()))?;
        let packed = func.call(&mut *store, (ptr as i32, len as i32)).map_err(|e| {
            let message = format!("{e:#}");
            if message.contains("heap limit") || message.contains("exceeds the 64 MiB") {
                ExecutorError::OutOfMemory(message)
            } else if e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::OutOfFuel) {
                ExecutorError::OutOfFuel(message)
            } else {
                ExecutorError::Trap(message)
            }
        })?;
        let (out_ptr, out_len) = lux_io::unpack_ptr_len(packed as u64);
        let data = memory.data(&*store);
        let start = out_ptr as usize;
        let output =
            data.get(start..start + out_len as usize).map(<[u8]>::to_vec).ok_or_else(|| {
                ExecutorError::Trap(format!("`{method}` returned an out-of-bounds buffer"))
            })?;
        if self.between == Between::Continue {
            // The input is the host's allocation and the output the runtime's (a `Vec` it
            // forgot; an empty one owns nothing). A buffer the allocator does not know ends
            // the instance rather than the call.
            let freed = host::free_in(store, memory, ptr).and_then(|()| {
                if out_len > 0 {
                    host::free_in(store, memory, out_ptr)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = freed {
                tracing::debug!(target: "executor", "`{method}`: {e}; the next call gets a new instance");
                self.live = None;
            }
        }
        Ok(output)
    }
}
