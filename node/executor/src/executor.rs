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

use crate::host::{self, HostState};
use crate::{ExecutorError, RuntimeCode, RuntimeSession, SignatureCache};

/// A state the runtime reads, shared between threads.
pub type SharedBackend = Arc<dyn StateBackend>;

/// Why a runtime session could not start, with the externalities handed back.
pub type SessionFailure = Box<(ExecutorError, Ext<SharedBackend>)>;

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
    /// How many recovered secp256k1 signatures to keep (see
    /// [`ExecutorConfig::signature_cache_for_pool`]).
    pub signature_cache_entries: u32,
    /// Compiles runtimes in a child process into `cache_dir` (see [`compile_to_cache`]);
    /// `None`, or no `cache_dir`: in this process.
    pub compiler: Option<CompilerCommand>,
}

/// A program that runs [`compile_to_cache`]: it is started with `args`, then
/// `--cache-dir <dir>` and `--metered` for the metered flavor, and reads the wasm from stdin.
///
/// A node compiles its runtime (at its first start, and after each upgrade) in a child, as
/// Polkadot compiles parachain code in worker processes: cranelift's working memory (a peak
/// of about 50 MiB, a few MiB of it fragmented for good) and the pages of its code are the
/// child's, and go with it, instead of staying in the node for its whole life.
#[derive(Clone, Debug)]
pub struct CompilerCommand {
    /// The program.
    pub program: PathBuf,
    /// Its first arguments (the subcommand).
    pub args: Vec<String>,
}

/// What a [`CompilerCommand`] does: compiles `wasm` into the disk cache at `cache_dir`, for the
/// normal or the `metered` engine, exactly as a node with that cache directory would.
pub fn compile_to_cache(
    cache_dir: PathBuf,
    metered: bool,
    wasm: Vec<u8>,
) -> Result<(), ExecutorError> {
    let executor = WasmExecutor::new(ExecutorConfig {
        cache_dir: Some(cache_dir),
        max_cached_runtimes: 1,
        ..Default::default()
    })?;
    let flavor = if metered { executor.metered()? } else { &executor.normal };
    let hash = lux_trie::blake2_256(&wasm);
    let serialized = flavor.compile(&crate::stack_limit::instrument(&wasm)?)?;
    let path = executor
        .cache_path(flavor, &hash)
        .ok_or_else(|| ExecutorError::Other("no cache directory".into()))?;
    write_cached(&path, &serialized, data_start(&wasm))
        .map_err(|e| ExecutorError::Other(format!("cannot write {}: {e}", path.display())))
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            cache_dir: None,
            default_heap_pages: 4096,
            max_cached_runtimes: 4,
            signature_cache_entries: Self::signature_cache_for_pool(16_384),
            compiler: None,
        }
    }
}

impl ExecutorConfig {
    /// Signatures to keep for a pool of `pool_transactions` (ready and future): each one's,
    /// recovered when the pool validated it and needed again when a block includes it, and
    /// room for a block's beyond them (a full block holds about 8,300 transfers: 750 ms of
    /// normal-class weight at 90 µs each). For the default pool (8,192 + 8,192) that is
    /// 28,672 entries in a table of 7 MiB.
    pub fn signature_cache_for_pool(pool_transactions: usize) -> u32 {
        const BLOCK_ROOM: usize = 12_288;
        u32::try_from(pool_transactions.saturating_add(BLOCK_ROOM)).unwrap_or(u32::MAX)
    }
}

/// A compiled runtime, ready to instantiate.
pub(crate) struct CompiledRuntime {
    pub(crate) pre: InstancePre<HostState>,
    /// Where the runtime's static data starts in its memory (its lowest data segment), so a
    /// reused instance can have it restored between calls.
    pub(crate) data_start: Option<u32>,
}

/// One way of compiling runtimes: its engine, host functions and compiled modules.
struct Flavor {
    engine: Engine,
    linker: Linker<HostState>,
    runtimes: Mutex<LruMap<[u8; 32], Arc<CompiledRuntime>>>,
    /// Held while compiling, so a runtime wanted by several threads at once (the author and
    /// an import, or a precompilation) is compiled once and the others wait for it.
    compiling: Mutex<()>,
    /// Added to the names of its modules in the disk cache (empty for the normal flavor).
    cache_tag: &'static str,
}

impl Flavor {
    fn new(
        wasm: &wasmtime::Config,
        capacity: u32,
        cache_tag: &'static str,
    ) -> Result<Self, ExecutorError> {
        let engine = Engine::new(wasm).map_err(|e| ExecutorError::Other(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        host::register(&mut linker).map_err(|e| ExecutorError::Other(e.to_string()))?;
        Ok(Self {
            engine,
            linker,
            runtimes: Mutex::new(LruMap::new(ByLength::new(capacity))),
            compiling: Mutex::new(()),
            cache_tag,
        })
    }

    /// Whether it counts fuel.
    fn metered(&self) -> bool {
        !self.cache_tag.is_empty()
    }

    /// Compiles (instrumented) `wasm` for this flavor's engine; returns the module serialized.
    ///
    /// The compiler runs in an engine of its own settings, dropped with its scratch memory
    /// once done: cranelift keeps its working buffers for the life of the engine that
    /// compiled, about 20 MiB after a runtime, which a node would otherwise hold for good.
    fn compile(&self, wasm: &[u8]) -> Result<Vec<u8>, ExecutorError> {
        let compiler =
            Engine::new(self.engine.config()).map_err(|e| ExecutorError::Other(e.to_string()))?;
        let module = Module::new(&compiler, wasm)
            .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
        module.serialize().map_err(|e| ExecutorError::Other(e.to_string()))
    }
}

/// Runs runtime calls. Cheap to share (`Arc`); calls may run on several threads at once.
pub struct WasmExecutor {
    /// Runs every block and call.
    normal: Flavor,
    /// Counts instructions (wasmtime fuel), for the deterministic budget of an upgrade's
    /// probation check (`lux_primitives::upgrade`); made on first use (after an upgrade).
    metered: std::sync::OnceLock<Result<Flavor, String>>,
    /// The engine settings `metered` is made with.
    metered_config: wasmtime::Config,
    config: ExecutorConfig,
    signatures: Arc<SignatureCache>,
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
    ) -> Result<lux_trie::TrieUpdate, lux_io::BackendError> {
        Err(lux_io::BackendError("no state in this call".into()))
    }
}

/// Lets `set_code` read the version of new code through the executor.
struct VersionFetcher(Weak<WasmExecutor>);

impl RuntimeVersionFetcher for VersionFetcher {
    fn runtime_version(&self, code: &[u8]) -> Option<Vec<u8>> {
        // The version the runtime embeds, read without compiling it.
        if let Some(encoded) = version_section(code) {
            return Some(encoded);
        }
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

/// The native stack a wasm call may use. The logical limit ([`LOGICAL_STACK_MAX`]) is always
/// reached first (the stack limiter's tests check it), so this one never decides.
///
/// [`LOGICAL_STACK_MAX`]: crate::LOGICAL_STACK_MAX
pub(crate) const NATIVE_STACK_MAX: usize = 1024 * 1024;

/// wasmtime's settings for the runtime (without fuel).
pub(crate) fn wasm_config() -> wasmtime::Config {
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
        .max_wasm_stack(NATIVE_STACK_MAX)
        .parallel_compilation(true);
    if perf_map() {
        wasm.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    wasm
}

/// Whether `LUX_WASM_PERFMAP` asks for a perf map of the compiled runtimes (for developers:
/// `perf` then names the runtime's functions, from `/tmp/perf-<pid>.map`).
fn perf_map() -> bool {
    std::env::var_os("LUX_WASM_PERFMAP").is_some()
}

impl WasmExecutor {
    /// An executor with the given settings.
    pub fn new(config: ExecutorConfig) -> Result<Arc<Self>, ExecutorError> {
        let mut wasm = wasm_config();
        let capacity = NonZeroU32::new(config.max_cached_runtimes).map_or(1, NonZeroU32::get);
        let normal = Flavor::new(&wasm, capacity, "")?;
        wasm.consume_fuel(true);
        if let Some(dir) = &config.cache_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                ExecutorError::Other(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        Ok(Arc::new_cyclic(|this| Self {
            normal,
            metered: std::sync::OnceLock::new(),
            metered_config: wasm,
            signatures: Arc::new(SignatureCache::new(config.signature_cache_entries)),
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
        let empty = Ext::new(Arc::new(NoState) as SharedBackend, OverlayedChanges::new());
        let owned = std::mem::replace(ext, empty);
        let mut session = match self.session(owned, code) {
            Ok(session) => session,
            Err(failure) => {
                let (e, owned) = *failure;
                *ext = owned;
                return Err(e);
            }
        };
        let result = session.call(method, input);
        *ext = session.into_ext();
        result
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

    /// A session of calls to `code` on the state and changes of `ext`, all in one runtime
    /// instance (see [`RuntimeSession`]). On failure `ext` is handed back.
    pub fn session(
        &self,
        mut ext: Ext<SharedBackend>,
        code: &RuntimeCode,
    ) -> Result<RuntimeSession, SessionFailure> {
        ext.set_version_fetcher(Arc::new(VersionFetcher(self.this.clone())));
        self.session_inner(ext, code)
    }

    /// A session like [`session`](Self::session) whose calls together may execute at most
    /// `fuel` wasm instructions (deterministically: running out traps with
    /// [`ExecutorError::OutOfFuel`] at the same instruction on every machine).
    pub fn metered_session(
        &self,
        mut ext: Ext<SharedBackend>,
        code: &RuntimeCode,
        fuel: u64,
    ) -> Result<RuntimeSession, SessionFailure> {
        ext.set_version_fetcher(Arc::new(VersionFetcher(self.this.clone())));
        let metered = match self.metered() {
            Ok(metered) => metered,
            Err(e) => return Err(Box::new((e, ext))),
        };
        let mut session = self.session_in(metered, ext, code)?;
        if let Err(e) = session.store.set_fuel(fuel) {
            return Err(Box::new((ExecutorError::Other(e.to_string()), session.into_ext())));
        }
        Ok(session)
    }

    fn session_inner(
        &self,
        ext: Ext<SharedBackend>,
        code: &RuntimeCode,
    ) -> Result<RuntimeSession, SessionFailure> {
        self.session_in(&self.normal, ext, code)
    }

    fn session_in(
        &self,
        flavor: &Flavor,
        ext: Ext<SharedBackend>,
        code: &RuntimeCode,
    ) -> Result<RuntimeSession, SessionFailure> {
        let runtime = match self.compiled(flavor, code) {
            Ok(runtime) => runtime,
            Err(e) => return Err(Box::new((e, ext))),
        };
        let state = HostState {
            ext,
            memory: None,
            allocator: None,
            panic: None,
            limits: StoreLimitsBuilder::new().build(),
            signatures: self.signatures.clone(),
        };
        Ok(RuntimeSession {
            store: Store::new(&flavor.engine, state),
            runtime,
            heap_pages: code.heap_pages.unwrap_or(self.config.default_heap_pages),
            live: None,
            instances: 0,
            between: crate::Between::default(),
        })
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
        let ext = Ext::new(Arc::new(NoState) as SharedBackend, OverlayedChanges::new());
        let mut session = self.session_inner(ext, code).map_err(|failure| failure.0)?;
        session.call(method, input)
    }

    /// The metered flavor, made on first use.
    fn metered(&self) -> Result<&Flavor, ExecutorError> {
        self.metered
            .get_or_init(|| {
                Flavor::new(&self.metered_config, 2, ".metered").map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| ExecutorError::Other(e.clone()))
    }

    /// Compiles `code` ahead of its first use (normally or `metered`, as for an upgrade's
    /// probation check), unless it is compiled already.
    pub fn prepare(&self, code: &RuntimeCode, metered: bool) -> Result<(), ExecutorError> {
        let flavor = if metered { self.metered()? } else { &self.normal };
        self.compiled(flavor, code).map(|_| ())
    }

    /// The host's cache of recovered secp256k1 signatures.
    pub fn signatures(&self) -> &Arc<SignatureCache> {
        &self.signatures
    }

    /// The compiled runtime for `code`: from memory, from the disk cache, or compiled now.
    fn compiled(
        &self,
        flavor: &Flavor,
        code: &RuntimeCode,
    ) -> Result<Arc<CompiledRuntime>, ExecutorError> {
        if let Some(runtime) = flavor.runtimes.lock().get(&code.hash) {
            return Ok(runtime.clone());
        }
        let _compiling = flavor.compiling.lock();
        if let Some(runtime) = flavor.runtimes.lock().get(&code.hash) {
            return Ok(runtime.clone());
        }
        let (module, data_start) = match self.load_cached(flavor, &code.hash) {
            Some(cached) => cached,
            None => {
                let wasm = code.fetch()?;
                let from_child = self
                    .compile_in_child(flavor, &code.hash, &wasm)
                    .then(|| self.load_cached(flavor, &code.hash))
                    .flatten();
                match from_child {
                    Some(cached) => cached,
                    // No child, or it failed: compiled here (which reports why the code is
                    // invalid).
                    None => self.compile_here(flavor, &code.hash, &wasm)?,
                }
            }
        };
        let pre = flavor
            .linker
            .instantiate_pre(&module)
            .map_err(|e| ExecutorError::InvalidCode(format!("{e:#}")))?;
        let runtime = Arc::new(CompiledRuntime { pre, data_start });
        flavor.runtimes.lock().insert(code.hash, runtime.clone());
        Ok(runtime)
    }

    /// Compiles `wasm` in this process, and caches it on disk.
    fn compile_here(
        &self,
        flavor: &Flavor,
        hash: &[u8; 32],
        wasm: &[u8],
    ) -> Result<(Module, Option<u32>), ExecutorError> {
        let started = std::time::Instant::now();
        let serialized = flavor.compile(&crate::stack_limit::instrument(wasm)?)?;
        let data_start = data_start(wasm);
        tracing::info!(
            target: "executor",
            "compiled runtime 0x{}{} ({} KiB) in {:?}",
            hex_prefix(hash),
            flavor.cache_tag,
            wasm.len() / 1024,
            started.elapsed()
        );
        self.store_cached(flavor, hash, &serialized, data_start);
        // SAFETY: wasmtime of this very build serialized these bytes a moment ago, from an
        // engine of the same configuration (which `deserialize` checks again).
        let module = unsafe { Module::deserialize(&flavor.engine, &serialized) }
            .map_err(|e| ExecutorError::Other(format!("loading the compiled runtime: {e:#}")))?;
        Ok((module, data_start))
    }

    /// Has the configured [`CompilerCommand`] compile `wasm` into the disk cache; returns
    /// whether it says it did.
    fn compile_in_child(&self, flavor: &Flavor, hash: &[u8; 32], wasm: &[u8]) -> bool {
        let (Some(command), Some(dir)) = (&self.config.compiler, &self.config.cache_dir) else {
            return false;
        };
        let started = std::time::Instant::now();
        match run_compiler(command, dir, flavor.metered(), wasm) {
            Ok(()) => {
                tracing::info!(
                    target: "executor",
                    "compiled runtime 0x{}{} ({} KiB) in a child process in {:?}",
                    hex_prefix(hash),
                    flavor.cache_tag,
                    wasm.len() / 1024,
                    started.elapsed()
                );
                true
            }
            // Invalid code fails here too; compiled here, it gets its precise error.
            Err(e) => {
                tracing::warn!(target: "executor", "the runtime compiler process failed, compiling here: {e}");
                false
            }
        }
    }

    fn cache_path(&self, flavor: &Flavor, hash: &[u8; 32]) -> Option<PathBuf> {
        let dir = self.config.cache_dir.as_ref()?;
        let name: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        // The instrumentation's version is part of the name: a module compiled from code
        // instrumented differently is not used.
        let version = crate::stack_limit::VERSION;
        Some(dir.join(format!("{name}{}.s{version}.cwasm", flavor.cache_tag)))
    }

    /// Loads a compiled module written by [`store_cached`](Self::store_cached): the module as
    /// wasmtime serialized it, mapped from its file (its code pages are the page cache's,
    /// shared by every node of the machine, and resident only where they run), and beside it
    /// a `.meta` file: the module's blake2_256, then the data start (u32 little endian,
    /// `u32::MAX` for none).
    fn load_cached(&self, flavor: &Flavor, hash: &[u8; 32]) -> Option<(Module, Option<u32>)> {
        let path = self.cache_path(flavor, hash)?;
        let meta_path = path.with_extension("meta");
        // No metadata: not cached (or cached by an older node, whose file is replaced).
        let meta = std::fs::read(&meta_path).ok()?;
        let valid = meta.len() == 36 && file_checksum(&path).is_ok_and(|sum| sum == meta[..32]);
        let discard = |why: &dyn std::fmt::Display| {
            tracing::warn!(target: "executor", "ignoring cached runtime {}: {why}", path.display());
            let _ = std::fs::remove_file(&meta_path);
            let _ = std::fs::remove_file(&path);
        };
        if !valid {
            discard(&"corrupt or incomplete");
            return None;
        }
        let data_start = u32::from_le_bytes([meta[32], meta[33], meta[34], meta[35]]);
        // SAFETY: the file is exactly what `store_cached` wrote from a module this node
        // compiled (the checksum rules out torn or corrupted files); wasmtime checks that it
        // comes from the same wasmtime version and configuration. Cache files are never
        // modified in place (they are written whole and renamed), so the mapping stays valid.
        // With LUX_WASM_PERFMAP the code goes to anonymous memory instead of a mapping of the
        // file: `perf` names code in anonymous memory from the perf map, and code in a file's
        // mapping from that file, which names no functions.
        let module = if perf_map() {
            std::fs::read(&path)
                .map_err(wasmtime::Error::from)
                .and_then(|bytes| unsafe { Module::deserialize(&flavor.engine, &bytes) })
        } else {
            unsafe { Module::deserialize_file(&flavor.engine, &path) }
        };
        match module {
            Ok(module) => Some((module, (data_start != u32::MAX).then_some(data_start))),
            Err(e) => {
                discard(&e);
                None
            }
        }
    }

    /// Writes a compiled module and its metadata (see [`load_cached`](Self::load_cached)).
    fn store_cached(
        &self,
        flavor: &Flavor,
        hash: &[u8; 32],
        serialized: &[u8],
        data_start: Option<u32>,
    ) {
        let Some(path) = self.cache_path(flavor, hash) else { return };
        let result = write_cached(&path, serialized, data_start);
        if let Err(e) = result {
            tracing::warn!(target: "executor", "cannot cache compiled runtime: {e}");
        }
    }
}

/// Runs `command` on `wasm` (see [`CompilerCommand`]) and waits for it.
fn run_compiler(
    command: &CompilerCommand,
    dir: &std::path::Path,
    metered: bool,
    wasm: &[u8],
) -> Result<(), String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(&command.program)
        .args(&command.args)
        .arg("--cache-dir")
        .arg(dir)
        .args(metered.then_some("--metered"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command.program.display()))?;
    // The child reads all of its input before it writes anything, so writing first cannot
    // deadlock; if it exits early the write fails and its status says why.
    let written = child.stdin.take().map(|mut stdin| stdin.write_all(wasm));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    match written {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(format!("writing the code to the compiler: {e}")),
        None => Err("no stdin".into()),
    }
}

/// Writes the cache files of [`WasmExecutor::store_cached`]: the module, then its metadata
/// (which is what makes it count).
fn write_cached(
    path: &std::path::Path,
    serialized: &[u8],
    data_start: Option<u32>,
) -> std::io::Result<()> {
    let mut meta = lux_trie::blake2_256(serialized).to_vec();
    meta.extend_from_slice(&data_start.unwrap_or(u32::MAX).to_le_bytes());
    write_atomically(path, serialized)?;
    write_atomically(&path.with_extension("meta"), &meta)
}

/// Writes `path` whole: to a unique temporary file, flushed to disk, then renamed over it.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static UNIQUE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}.{n}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// blake2_256 of a file's contents, read in pieces.
fn file_checksum(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => {
                state.update(&buffer[..n]);
            }
        }
    }
    let mut sum = [0u8; 32];
    sum.copy_from_slice(state.finalize().as_bytes());
    Ok(sum)
}

/// The runtime's version from the wasm's `runtime_version` custom section, if it has one that
/// decodes.
fn version_section(wasm: &[u8]) -> Option<Vec<u8>> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let wasmparser::Payload::CustomSection(section) = payload.ok()? else { continue };
        if section.name() == lux_primitives::version::VERSION_SECTION {
            let data = section.data();
            let valid = RuntimeVersion::decode(&mut &data[..]).is_ok();
            return valid.then(|| data.to_vec());
        }
    }
    None
}

/// The lowest offset of the wasm's active data segments in memory 0, if every one has a
/// constant offset (what compilers emit).
fn data_start(wasm: &[u8]) -> Option<u32> {
    let mut start: Option<u32> = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let wasmparser::Payload::DataSection(reader) = payload.ok()? else { continue };
        for data in reader {
            let data = data.ok()?;
            let wasmparser::DataKind::Active { memory_index: 0, offset_expr } = data.kind else {
                continue;
            };
            let mut ops = offset_expr.get_operators_reader();
            let wasmparser::Operator::I32Const { value } = ops.read().ok()? else { return None };
            let offset = u32::try_from(value).ok()?;
            start = Some(start.map_or(offset, |s| s.min(offset)));
        }
    }
    start
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..4].iter().map(|b| format!("{b:02x}")).collect()
}
