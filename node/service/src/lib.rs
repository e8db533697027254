//! Wires a LuxTensor node together and runs it.
//!
//! [`start`] opens (or creates) the chain from the chain spec under the base path, starts the
//! transaction pool and keeps it in step with the chain, authors blocks in the slots of the
//! node's session keys, serves JSON-RPC, exposes Prometheus metrics and logs a one-line status
//! every few seconds. The subsystems talk through the chain's event stream and small traits.

mod author;
mod config;
mod error;
mod keystore;
mod metrics;
mod node;
mod pool;
mod status;

pub use config::{BasePath, NodeConfig, PrometheusConfig};
pub use error::ServiceError;
pub use keystore::MemoryKeystore;
pub use node::{start, Node};
