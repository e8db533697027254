//! A Rust client for a LuxTensor node, over its JSON-RPC (HTTP or WebSocket).
//!
//! It reads chain and account state, builds and signs extrinsics exactly as wallets do
//! (extrinsic format v4, the eight signed extensions, a secp256k1 signature over keccak256 of
//! the signing payload), submits them, and waits for their inclusion. The `luxtensor tx` and
//! `luxtensor account` commands and the end-to-end tests use it.

mod client;
mod error;
mod extrinsic;
mod units;

pub use client::{Inclusion, LuxClient, TxOutcome};
pub use error::ClientError;
pub use extrinsic::{account_storage_key, sign_extrinsic, SigningContext};
/// Positional JSON-RPC parameters for [`LuxClient::request`], and the macro that builds them.
pub use jsonrpsee::core::params::ArrayParams;
pub use jsonrpsee::rpc_params;
pub use units::{format_lux, parse_lux};
