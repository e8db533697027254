//! Runs the LuxTensor runtime: wasm code taken from the chain state, executed on wasmtime with
//! the Polkadot Host API (`ext_storage_*`, `ext_hashing_*`, `ext_crypto_*`, `ext_allocator_*`,
//! ...).
//!
//! - The code is always the `:code` of the state the call runs on (the parent block's state
//!   for block execution), identified by its blake2_256 hash; compiled modules are cached by
//!   that hash in memory and, if a cache directory is given, on disk; a node compiles in a
//!   child process ([`CompilerCommand`]), which takes the compiler's memory with it.
//! - A trap or a panic inside the runtime is an [`ExecutorError`] for that call; it never
//!   takes the node down. State changes of a failed call are the caller's to discard.
//! - A [`RuntimeSession`] runs many calls in one instance (a block being built, a batch of
//!   transactions being validated), resetting the heap and the runtime's statics between
//!   calls.
//! - Recovered secp256k1 signatures are cached ([`SignatureCache`]), and a block's signatures
//!   can be recovered on several threads while it executes.
//! - Memory for values passed between host and runtime comes from a host-side allocator over
//!   the runtime's heap (above `__heap_base`), grown on demand up to `:heappages`.
//! - Every limit is deterministic: fuel for metered calls, memory by pages, and the stack by
//!   a logical count the code itself keeps ([`LOGICAL_STACK_MAX`], see `stack_limit`), so a
//!   call runs out of stack at the same point on every machine.

mod allocator;
mod error;
mod executor;
mod host;
mod runtime;
mod session;
mod signatures;
mod stack_limit;

pub use error::ExecutorError;
pub use executor::{
    compile_to_cache, CompilerCommand, ExecutorConfig, SessionFailure, SharedBackend, WasmExecutor,
};
pub use runtime::RuntimeCode;
pub use session::{Between, RuntimeSession};
pub use signatures::{SignatureCache, SignedMessage};
pub use stack_limit::{FRAME_COST, LOGICAL_STACK_MAX};
