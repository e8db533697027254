//! The host-function interface of the LuxTensor runtime.
//!
//! The runtime reaches storage, hashing, signature checks, tries, logging and the heap only
//! through the functions of this crate. Compiled to wasm (`std` off), each one is an import
//! from module `env` with the name and signature of the Polkadot Host API
//! (`ext_storage_get_version_1`, ...), implemented by the node's executor. Compiled natively
//! (`std` on), each one runs against the [`Externalities`] installed for the current thread,
//! so pallets are unit-tested and the runtime can execute natively against the same state.
//!
//! With `std`, the crate also provides what both the executor and the native path share: the
//! storage overlay with nested transactions ([`OverlayedChanges`]), the state-backend trait
//! ([`StateBackend`]) with an in-memory implementation, [`Ext`] (overlay + backend =
//! externalities) and [`TestExternalities`] for tests.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};

pub use lux_trie::StateVersion;

#[cfg(not(feature = "std"))]
mod wasm;
#[cfg(not(feature = "std"))]
use wasm as imp;

#[cfg(feature = "std")]
mod backend;
#[cfg(feature = "std")]
pub mod crypto_native;
#[cfg(feature = "std")]
mod ext;
#[cfg(feature = "std")]
mod ext_impl;
#[cfg(feature = "std")]
mod native;
#[cfg(feature = "std")]
mod overlay;
#[cfg(feature = "std")]
mod test_ext;
#[cfg(feature = "std")]
use native as imp;

#[cfg(feature = "std")]
pub use backend::{BackendError, InMemoryBackend, KeyChanges, StateBackend, StorageChanges};
#[cfg(feature = "std")]
pub use ext::{set_and_run_with_externalities, with_externalities, Externalities};
#[cfg(feature = "std")]
pub use ext_impl::{Ext, RuntimeVersionFetcher, UnbalancedTransactions};
#[cfg(feature = "std")]
pub use overlay::{NoOpenTransaction, OverlayedChanges};
#[cfg(feature = "std")]
pub use test_ext::TestExternalities;

/// Result of `ext_storage_clear_prefix_version_2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum KillStorageResult {
    /// Every key under the prefix was removed; how many were removed from the backend.
    AllRemoved(u32),
    /// The limit was reached and keys remain; how many were removed from the backend.
    SomeRemaining(u32),
}

/// Why `ext_crypto_secp256k1_ecdsa_recover` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum EcdsaVerifyError {
    /// `r` or `s` is out of range.
    BadRS,
    /// `v` is not 0, 1, 27 or 28.
    BadV,
    /// No public key could be recovered.
    BadSignature,
}

/// Why a BN254 (alt_bn128) operation refused its input (EIP-196/197; the EVM precompiles
/// 0x06–0x08 halt with the matching reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Bn254Error {
    /// A coordinate is not an element of the base field.
    NotAFieldElement,
    /// A point is not on the curve (or, for G2, not in the subgroup).
    NotOnCurve,
    /// The pairing input is not a whole number of (G1, G2) pairs.
    PairLength,
}

/// The BLS12-381 operations of the EVM's precompiles 0x0b-0x11 (EIP-2537), as
/// `ext_crypto_bls12_381_version_1` numbers them. Points are unpadded: a G1 point is x ++ y
/// (48 bytes each), a G2 point x.c0 ++ x.c1 ++ y.c0 ++ y.c1; scalars are 32 bytes.
pub mod bls12_381_op {
    /// Two G1 points; their sum.
    pub const G1_ADD: u32 = 0;
    /// (G1 point, scalar) pairs; the sum of the products.
    pub const G1_MSM: u32 = 1;
    /// Two G2 points; their sum.
    pub const G2_ADD: u32 = 2;
    /// (G2 point, scalar) pairs; the sum of the products.
    pub const G2_MSM: u32 = 3;
    /// (G1, G2) pairs; one byte, 1 if the product of their pairings is one.
    pub const PAIRING_CHECK: u32 = 4;
    /// A base field element (48 bytes); its G1 point.
    pub const MAP_FP_TO_G1: u32 = 5;
    /// An element of the quadratic extension (c0 ++ c1); its G2 point.
    pub const MAP_FP2_TO_G2: u32 = 6;
}

/// Log level of a message (`ext_logging_log`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub enum LogLevel {
    /// Errors.
    Error = 0,
    /// Warnings.
    Warn = 1,
    /// Information.
    Info = 2,
    /// Debugging.
    Debug = 3,
    /// Tracing.
    Trace = 4,
}

impl LogLevel {
    /// From the wire value; unknown values are treated as `Trace`.
    pub fn from_u32(v: u32) -> Self {
        match v {
            0 => Self::Error,
            1 => Self::Warn,
            2 => Self::Info,
            3 => Self::Debug,
            _ => Self::Trace,
        }
    }
}

/// Storage of the state being executed on.
pub mod storage {
    use super::*;

    /// The value at `key`.
    pub fn get(key: &[u8]) -> Option<Vec<u8>> {
        imp::storage_get(key)
    }

    /// Copies the value at `key` from `offset` into `out`; returns how many bytes the value has
    /// beyond `offset`, or `None` if it does not exist.
    pub fn read(key: &[u8], out: &mut [u8], offset: u32) -> Option<u32> {
        imp::storage_read(key, out, offset)
    }

    /// Sets `key` to `value`.
    pub fn set(key: &[u8], value: &[u8]) {
        imp::storage_set(key, value)
    }

    /// Removes `key`.
    pub fn clear(key: &[u8]) {
        imp::storage_clear(key)
    }

    /// Whether `key` has a value.
    pub fn exists(key: &[u8]) -> bool {
        imp::storage_exists(key)
    }

    /// Appends an encoded item to the SCALE `Vec` stored at `key` (creating it if absent)
    /// without decoding the existing items.
    pub fn append(key: &[u8], encoded_item: &[u8]) {
        imp::storage_append(key, encoded_item)
    }

    /// Removes keys starting with `prefix`, at most `limit` of them from the backend.
    pub fn clear_prefix(prefix: &[u8], limit: Option<u32>) -> KillStorageResult {
        imp::storage_clear_prefix(prefix, limit)
    }

    /// The smallest key strictly greater than `key`.
    pub fn next_key(key: &[u8]) -> Option<Vec<u8>> {
        imp::storage_next_key(key)
    }

    /// The state root with all changes so far applied.
    pub fn root(version: StateVersion) -> [u8; 32] {
        imp::storage_root(version)
    }

    /// Opens a nested storage transaction.
    pub fn start_transaction() {
        imp::storage_start_transaction()
    }

    /// Discards the changes of the innermost open transaction.
    pub fn rollback_transaction() {
        imp::storage_rollback_transaction()
    }

    /// Keeps the changes of the innermost open transaction.
    pub fn commit_transaction() {
        imp::storage_commit_transaction()
    }
}

/// Hash functions (computed by the host: much faster than in wasm).
pub mod hashing {
    /// blake2b-128.
    pub fn blake2_128(data: &[u8]) -> [u8; 16] {
        super::imp::blake2_128(data)
    }
    /// blake2b-256.
    pub fn blake2_256(data: &[u8]) -> [u8; 32] {
        super::imp::blake2_256(data)
    }
    /// xxHash64.
    pub fn twox_64(data: &[u8]) -> [u8; 8] {
        super::imp::twox_64(data)
    }
    /// xxHash64, seeds 0 and 1.
    pub fn twox_128(data: &[u8]) -> [u8; 16] {
        super::imp::twox_128(data)
    }
    /// Keccak-256.
    pub fn keccak_256(data: &[u8]) -> [u8; 32] {
        super::imp::keccak_256(data)
    }
    /// SHA-256.
    pub fn sha2_256(data: &[u8]) -> [u8; 32] {
        super::imp::sha2_256(data)
    }
}

/// Signature checks.
pub mod crypto {
    use super::{Bn254Error, EcdsaVerifyError};

    /// Recovers the 64-byte uncompressed public key (without `0x04`) that signed the 32-byte
    /// `msg` with `sig` (`r ++ s ++ v`, v in {0, 1, 27, 28}).
    pub fn secp256k1_ecdsa_recover(
        sig: &[u8; 65],
        msg: &[u8; 32],
    ) -> Result<[u8; 64], EcdsaVerifyError> {
        super::imp::secp256k1_ecdsa_recover(sig, msg)
    }

    /// Verifies an sr25519 signature (signing context `substrate`).
    pub fn sr25519_verify(sig: &[u8; 64], msg: &[u8], public: &[u8; 32]) -> bool {
        super::imp::sr25519_verify(sig, msg, public)
    }

    /// BN254 point addition (EIP-196): two G1 points of 64 bytes each (x, y big-endian; the
    /// point at infinity is zeros), their sum.
    pub fn bn254_g1_add(input: &[u8; 128]) -> Result<[u8; 64], Bn254Error> {
        super::imp::bn254_g1_add(input)
    }

    /// BN254 scalar multiplication (EIP-196): a G1 point (64 bytes) and a 32-byte scalar.
    pub fn bn254_g1_mul(input: &[u8; 96]) -> Result<[u8; 64], Bn254Error> {
        super::imp::bn254_g1_mul(input)
    }

    /// BN254 pairing check (EIP-197): pairs of a G1 point (64 bytes) and a G2 point (128
    /// bytes, imaginary parts first); whether the product of their pairings is one.
    pub fn bn254_pairing_check(input: &[u8]) -> Result<bool, Bn254Error> {
        super::imp::bn254_pairing_check(input)
    }

    /// `base ^ exponent mod modulus` of big-endian numbers (EIP-198), as long as `modulus`
    /// (zeros for a zero modulus).
    pub fn modexp(base: &[u8], exponent: &[u8], modulus: &[u8]) -> alloc::vec::Vec<u8> {
        super::imp::modexp(base, exponent, modulus)
    }

    /// Verifies a secp256r1 (P-256) signature `r ++ s` of the 32-byte `msg` by the public key
    /// `x ++ y` (EIP-7951).
    pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], public: &[u8; 64]) -> bool {
        super::imp::secp256r1_verify(msg, sig, public)
    }

    /// Verifies a KZG proof (EIP-4844's point evaluation): `z ++ y ++ commitment ++ proof`
    /// (32, 32, 48 and 48 bytes); why it failed otherwise (the precompile's halt reason).
    pub fn kzg_verify_proof(input: &[u8; 160]) -> Result<(), alloc::string::String> {
        super::imp::kzg_verify_proof(input)
    }

    /// A BLS12-381 operation (`op`, one of [`bls12_381_op`](crate::bls12_381_op)) on
    /// `input`; its unpadded output, or why it refused the input (the precompile's halt
    /// reason).
    pub fn bls12_381(op: u32, input: &[u8]) -> Result<alloc::vec::Vec<u8>, alloc::string::String> {
        super::imp::bls12_381(op, input)
    }
}

/// Trie roots of in-memory data.
pub mod trie {
    use super::*;

    /// Root of the trie whose keys are `Compact(index)` and whose values are `values`, in order
    /// (the extrinsics root).
    pub fn blake2_256_ordered_root(values: &[Vec<u8>], version: StateVersion) -> [u8; 32] {
        imp::ordered_root(values, version)
    }
}

/// Miscellaneous host services.
pub mod misc {
    use super::*;

    /// The SCALE-encoded `RuntimeVersion` of `code`, obtained by the host running its
    /// `Core_version`; `None` if that fails.
    pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
        imp::runtime_version(code)
    }
}

/// Logging to the host.
pub mod logging {
    use super::LogLevel;

    /// Logs `message` under `target` at `level`, if the host's log filter lets it through.
    pub fn log(level: LogLevel, target: &str, message: &[u8]) {
        super::imp::log(level, target, message)
    }

    /// Whether the host would keep a message at `level`.
    pub fn enabled(level: LogLevel) -> bool {
        super::imp::max_level() > level as u32
    }
}

/// Packs a pointer and a length into the Host API's pointer-size (`len << 32 | ptr`).
pub const fn pack_ptr_len(ptr: u32, len: u32) -> u64 {
    ((len as u64) << 32) | ptr as u64
}

/// Splits a pointer-size into pointer and length.
pub const fn unpack_ptr_len(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}
