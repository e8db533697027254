//! Chain specs: what a node needs to start a chain, in Substrate's JSON format.
//!
//! A spec names the chain and carries its genesis either as runtime code plus a config patch
//! (`genesis.runtimeGenesis`), or raw (`genesis.raw.top`: every storage key and value,
//! `:code` included), so that anyone with the file computes the same genesis hash. The
//! built-in `dev` and `local` specs come from the runtime's genesis presets; `build-spec`
//! prints them, raw or not.
//!
//! Reading and checking a spec needs nothing else; building its genesis runs the runtime
//! (the `executor` feature, on by default), which the chain-spec fuzz target leaves out.

#[cfg(feature = "executor")]
mod build;
mod error;
mod spec;

pub use error::ChainSpecError;
pub use spec::{ChainSpec, ChainType, Genesis, RawGenesis, RuntimeGenesis};
