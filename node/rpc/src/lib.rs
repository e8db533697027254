//! LuxTensor's JSON-RPC server: one jsonrpsee server serving HTTP and WebSocket on one port,
//! with Substrate's `system_*`, `chain_*`, `state_*`, `author_*` and `rpc_methods`, their
//! aliases (polkadot.js calls `chain_subscribeNewHead`), JSON shapes and error codes, and the
//! new JSON-RPC interface (`chainHead_v1_*`, `chainSpec_v1_*`, `transaction_v1_*`,
//! `transactionWatch_v1_*`, paritytech/json-rpc-interface-spec) that polkadot-api uses, and
//! the Ethereum JSON-RPC (`eth_*`, `net_*`, `web3_*`, see [`eth`]) that Ethereum wallets and
//! libraries use.
//!
//! The session-key methods (`author_rotateKeys`, `author_rotateKeysWithOwner`,
//! `author_hasSessionKeys`, `author_hasKey`, `author_insertKey`) are *unsafe*: served only
//! when the server listens on localhost alone, unless the operator says `--rpc-methods unsafe`.
//!
//! Requests larger than the configured limit are refused with an error; every failure of a
//! method is a JSON-RPC error for that request only.

mod author;
mod chain;
mod chain_head;
mod context;
mod error;
pub mod eth;
mod http_layer;
mod metrics;
mod rate_limit;
mod server;
mod spec_v1;
mod state;
mod system;
mod types;

pub use context::{
    NetworkStatus, NoNetwork, PeerSummary, RpcContext, SessionKeystore, SyncProgress, SystemInfo,
};
pub use error::RpcServerError;
pub use eth::{EthIndex, IndexedBlock};
pub use metrics::RpcMetrics;
pub use rate_limit::{MAX_DELAY as RATE_LIMIT_MAX_DELAY, RATE_LIMITED};
pub use server::{start_server, RpcConfig, RpcMethods, RpcServerHandle};
pub use types::Bytes;
