//! Types and encodings that the LuxTensor node, runtime and clients must agree on byte for byte.
//!
//! Everything here is fixed by `DESIGN.md`: the block header and digest, the block and its
//! justifications, extrinsic format v4 with LuxTensor's eight signed extensions, 20-byte
//! Ethereum-style accounts with 65-byte secp256k1 signatures, the runtime version, the
//! dispatch and transaction-validity results the runtime returns to the node, and inherent data.
//! All of it is SCALE-encoded and described with `scale-info` so that metadata can describe it.
//!
//! The crate is `no_std` so the runtime can use it; hashing helpers exist only with `std`
//! (inside the runtime, hashing goes through the host).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod account;
pub mod block;
pub mod consensus;
pub mod crypto;
pub mod dispatch;
pub mod era;
pub mod ethereum;
pub mod extrinsic;
#[cfg(feature = "std")]
pub mod hashing;
pub mod header;
pub mod inherent;
pub mod opaque_metadata;
pub mod per_things;
pub mod storage;
pub mod transaction;
pub mod twox;
pub mod upgrade;
pub mod version;
pub mod weight;

pub use account::AccountId20;
pub use block::{Block, Justifications, OpaqueExtrinsic, SignedBlock};
pub use crypto::{EthereumSignature, Sr25519Public, Sr25519Signature};
pub use era::Era;
pub use extrinsic::{SignedExtra, UncheckedExtrinsic};
pub use header::{ConsensusEngineId, Digest, DigestItem, Header};
pub use opaque_metadata::OpaqueMetadata;
pub use per_things::Perbill;
pub use primitive_types::{H160, H256, U256};
pub use version::RuntimeVersion;
pub use weight::Weight;

/// Block height.
pub type BlockNumber = u32;
/// Per-account transaction counter, shared by native and Ethereum transactions.
pub type Nonce = u32;
/// Amounts of LUX in its smallest unit (18 decimals).
pub type Balance = u128;
/// Milliseconds since the Unix epoch.
pub type Moment = u64;
/// Hash of a block, a state root or an extrinsic: blake2_256.
pub type Hash = H256;

/// Number of decimals of the native token.
pub const TOKEN_DECIMALS: u8 = 18;
/// Symbol of the native token.
pub const TOKEN_SYMBOL: &str = "LUX";
/// One LUX in its smallest unit.
pub const LUX: Balance = 1_000_000_000_000_000_000;
