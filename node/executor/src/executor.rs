//! The executor: compiles runtimes (cached by code hash) and runs runtime API calls.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use codec::Decode;
use lux_io::{Ext, OverlayedChanges, RuntimeVersionFetcher, StateBackend};
use lux_primitives::RuntimeVersion;
use parking_lot::Mutex;
use schnellru::{ByLength, LruMap};
use wasmtime::{Engine, InstancePre, Linker, Module, Store, StoreLimitsBuilder};

use crate::allocator::FreeingBumpAllocator;
use crate::host::{self, HostState};
use crate::{ExecutorError, RuntimeCode};

/// A state the runtime reads, shared between threads.
pub type SharedBackend = Arc<dyn StateBackend>;

/// Executor settings.
#[derive(Clone, Debug)]
pub struct ExecutorConfig {
    /// Where compiled modules are kept between runs (`None`: memory only).
    pub cache_dir: Option<PathBuf>,
    /// Heap pages when `:heappages` is not set: how far the runtime's memory may grow
    /// beyond its initial size, in 64 KiB pages.
    pub default_heap_pages: u64,
    /// How many compiled runtimes to keep in memory.
    pub max_cached_runtimes: u32,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self { cache_dir: None, default_heap_pages: 4096, max_cached_runtimes: 4 }
    }
}

/// A compiled runtime, ready to instantiate.
struct CompiledRuntime {
    pre: InstancePre<HostState>,
}

/// Runs runtime calls. Cheap to share (`Arc`); calls may run on several threads at once.
pub struct WasmExecutor {
    engine: Engine,
    linker: Linker<HostState>,
    runtimes: Mutex<LruMap<[u8; 32], Arc<CompiledRuntime>>>,
    config: ExecutorConfig,
    this: Weak<WasmExecutor>,
}

/// An empty state, for calls that must not touch storage (`Core_version` of new code).
struct NoState;

impl StateBackend for NoState {
    fn storage(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, lux_io::BackendError> {
        Ok(None)
    }
    fn next_key(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, lux_io::BackendError> {
        Ok(None)
    }
    fn storage_root(
        &self,
        _changes: &mut dyn Iterator<Item = (&[u8], Option<&[u8]>)>,
        _version: lux_io::StateVersion,
    ) -> Result<([u8; 32], lux_trie::NewNodes), lux_io::BackendError> {
        Err(lux_io::BackendError("no state in this call".into()))
    }
}

/// Lets `set_code` read the version of new code through the executor.
struct VersionFetcher(Weak<WasmExecutor>);

impl RuntimeVersionFetcher for VersionFetcher {
    fn runtime_version(&self, code: &[u8]) -> Option<Vec<u8>> {
        let executor = self.0.upgrade()?;
        let code = RuntimeCode::from_bytes(code.to_vec(), None);
        // The version is read without a version reader of its own: code whose `Core_version`
        // asks for the version of more code gets `None` instead of recursing.
        match executor.call_in_empty_state(&code, "Core_version", &[]) {
            Ok(encoded) if RuntimeVersion::decode(&mut &encoded[..]).is_ok() => Some(encoded),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(target: "executor", "reading the version of new code failed: {e}");
                None
            }
        }
    }
}

impl WasmExecutor {
    /// An executor with the given settings.
    pub fn new(config: ExecutorConfig) -> Result<Arc<Self>, ExecutorError> {
        let mut wasm = wasmtime::Config::new();
        wasm.cranelift_opt_level(wasmtime::OptLevel::Speed)
            // Same results on every machine: no NaN bit patterns leak, no threads or SIMD.
            .cranelift_nan_canonicalization(true)
            .wasm_relaxed_simd(false)
            .wasm_simd(false)
            .wasm_multi_memory(false)
            .wasm_memory64(false)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .max_wasm_stack(1024 * 1024)
            .parallel_compilation(true);
        let engine = Engine::new(&wasm).map_err(|e| ExecutorError::Other(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        host::register(&mut linker).map_err(|e| ExecutorError::Other(e.to_string()))?;
        if let Some(dir) = &config.cache_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                ExecutorError::Other(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let capacity = NonZeroU32::new(config.max_cached_runtimes).map_or(1, NonZeroU32::get);
        Ok(Arc::new_cyclic(|this| Self {
            engine,
            linker,
            runtimes: Mutex::new(LruMap::new(ByLength::new(capacity))),
            config,
            this: this.clone(),
        }))
    }

    /// Calls runtime API function `method` with SCALE-encoded `input`, on the state and changes
    /// of `ext`, with `code`. On success `ext` holds the call's changes; on failure its changes
    /// are undefined and should be discarded.
    pub fn call(
        &self,
        ext: &mut Ext<SharedBackend>,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutorError> {
        ext.set_version_fetcher(Arc::new(VersionFetcher(self.this.clone())));
        self.call_inner(ext, code, method, input)
    }

    fn call_inner(
        &self,
        ext: &mut Ext<SharedBackend>,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutorError> {
        let runtime = self.compiled(code)?;
        let empty = Ext::new(Arc::new(NoState) as SharedBackend, OverlayedChanges::new());
        let mut owned = std::mem::replace(ext, empty);
        owned.enter_runtime();
        let (result, mut returned) = self.run(runtime, owned, code, method, input);
        let balanced = returned.exit_runtime();
        *ext = returned;
        let output = result?;
        balanced.map_err(|e| ExecutorError::Trap(format!("`{method}`: {e}")))?;
        Ok(output)
    }

    /// Calls `method` and decodes its result as `R`.
    pub fn call_decode<R: Decode>(
        &self,
        ext: &mut Ext<SharedBackend>,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> Result<R, ExecutorError> {
        let output = self.call(ext, code, method, input)?;
        R::decode(&mut &output[..])
            .map_err(|error| ExecutorError::BadResult { method: method.into(), error })
    }

    /// The version of `code`, from its `Core_version`.
    pub fn runtime_version(&self, code: &RuntimeCode) -> Result<RuntimeVersion, ExecutorError> {
        let output = self.call_in_empty_state(code, "Core_version", &[])?;
        RuntimeVersion::decode(&mut &output[..])
            .map_err(|error| ExecutorError::BadResult { method: "Core_version".into(), error })
    }

    fn call_in_empty_state(
        &self,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutorError> {
        let mut ext = Ext::new(Arc::new(NoState) as SharedBackend, OverlayedChanges::new());
        self.call_inner(&mut ext, code, method, input)
    }

    fn run(
        &self,
        runtime: Arc<CompiledRuntime>,
        ext: Ext<SharedBackend>,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> (Result<Vec<u8>, ExecutorError>, Ext<SharedBackend>) {
        let state = HostState {
            ext,
            memory: None,
            allocator: None,
            panic: None,
            limits: StoreLimitsBuilder::new().build(),
        };
        let mut store = Store::new(&self.engine, state);
        let result = self.run_in_store(&mut store, &runtime, code, method, input);
        if let Some(allocator) = &store.data().allocator {
            tracing::trace!(target: "executor", "{method}: peak heap use {} bytes", allocator.peak());
        }
        let panic = store.data_mut().panic.take();
        let result = result.map_err(|e| match panic {
            Some(message) => ExecutorError::Panicked(message),
            None => e,
        });
        (result, store.into_data().ext)
    }

    fn run_in_store(
        &self,
        store: &mut Store<HostState>,
        runtime: &CompiledRuntime,
        code: &RuntimeCode,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutorError> {
        let instance =
            runtime.pre.instantiate(&mut *store).map_err(|e| ExecutorError::Trap(e.to_string()))?;
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| ExecutorError::InvalidCode("the runtime exports no memory".into()))?;
        let heap_base = instance
            .get_global(&mut *store, "__heap_base")
            .and_then(|g| g.get(&mut *store).i32())
            .ok_or_else(|| {
                ExecutorError::InvalidCode("the runtime exports no __heap_base".into())
            })?;
        let heap_pages = code.heap_pages.unwrap_or(self.config.default_heap_pages);
        let max_bytes = (memory.data_size(&*store) as u64)
            .saturating_add(heap_pages.saturating_mul(65536))
            .min(u32::MAX as u64) as usize;
        {
            let state = store.data_mut();
            state.memory = Some(memory);
            state.allocator = Some(FreeingBumpAllocator::new(heap_base as u32));
            state.limits = StoreLimitsBuilder::new().memory_size(max_bytes).build();
        }
        store.limiter(|state| &mut state.limits);

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
            } else {
                ExecutorError::Trap(message)
            }
        })?;
        let (out_ptr, out_len) = lux_io::unpack_ptr_len(packed as u64);
        let data = memory.data(&*store);
        let start = out_ptr as usize;
        data.get(start..start + out_len as usize).map(<[u8]>::to_vec).ok_or_else(|| {
            ExecutorError::Trap(format!("`{method}` returned an out-of-bounds buffer"))
        })
    }

    /// The compiled runtime for `code`: from memory, from the disk cache, or compiled now.
    fn compiled(&self, code: &RuntimeCode) -> Result<Arc<CompiledRuntime>, ExecutorError> {
        if let Some(runtime) = self.runtimes.lock().get(&code.hash) {
            return Ok(runtime.clone());
        }
        let module = match self.load_cached(&code.hash) {
            Some(module) => module,
            None => {
                let wasm = code.fetch()?;
                let started = std::time::Instant::now();
                let module = Module::new(&self.engine, &wasm)
                    .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
                tracing::info!(
                    target: "executor",
                    "compiled runtime 0x{} ({} KiB) in {:?}",
                    hex_prefix(&code.hash),
                    wasm.len() / 1024,
                    started.elapsed()
                );
                self.store_cached(&code.hash, &module);
                module
            }
        };
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
        let runtime = Arc::new(CompiledRuntime { pre });
        self.runtimes.lock().insert(code.hash, runtime.clone());
        Ok(runtime)
    }

    fn cache_path(&self, hash: &[u8; 32]) -> Option<PathBuf> {
        let dir = self.config.cache_dir.as_ref()?;
        let name: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{name}.cwasm")))
    }

    /// Loads a compiled module written by [`store_cached`](Self::store_cached): a blake2_256
    /// checksum of the serialized module followed by the module.
    fn load_cached(&self, hash: &[u8; 32]) -> Option<Module> {
        let path = self.cache_path(hash)?;
        let bytes = std::fs::read(&path).ok()?;
        let valid = bytes.len() > 32 && bytes[..32] == lux_trie::blake2_256(&bytes[32..]);
        if !valid {
            tracing::warn!(target: "executor", "ignoring corrupt cached runtime {}", path.display());
            let _ = std::fs::remove_file(&path);
            return None;
        }
        // SAFETY: the bytes are exactly what `store_cached` serialized from a module this node
        // compiled (the checksum rules out torn or corrupted files), and wasmtime checks that
        // they come from the same wasmtime version and configuration.
        match unsafe { Module::deserialize(&self.engine, &bytes[32..]) } {
            Ok(module) => Some(module),
            Err(e) => {
                tracing::warn!(target: "executor", "ignoring cached runtime {}: {e}", path.display());
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Writes a compiled module with its checksum, atomically: to a unique temporary file,
    /// flushed to disk, then renamed.
    fn store_cached(&self, hash: &[u8; 32], module: &Module) {
        let Some(path) = self.cache_path(hash) else { return };
        let result = module.serialize().map_err(|e| e.to_string()).and_then(|serialized| {
            use std::io::Write;
            static UNIQUE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = path.with_extension(format!("{}.{n}.tmp", std::process::id()));
            let mut file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
            file.write_all(&lux_trie::blake2_256(&serialized)).map_err(|e| e.to_string())?;
            file.write_all(&serialized).map_err(|e| e.to_string())?;
            file.sync_all().map_err(|e| e.to_string())?;
            std::fs::rename(&tmp, &path).map_err(|e| e.to_string())
        });
        if let Err(e) = result {
            tracing::warn!(target: "executor", "cannot cache compiled runtime: {e}");
        }
    }
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..4].iter().map(|b| format!("{b:02x}")).collect()
}
