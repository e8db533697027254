//! Wires a LuxTensor node together and runs it.
//!
//! [`start`] opens (or creates) the chain from the chain spec under the base path, starts the
//! transaction pool and keeps it in step with the chain, authors blocks in the slots of the
//! node's session keys, joins the peer-to-peer network (block and transaction gossip, sync,
//! finality votes), serves JSON-RPC, exposes Prometheus metrics and logs a one-line status
//! every few seconds. The subsystems talk through the chain's event stream and small traits.

mod author;
mod config;
mod consensus;
mod error;
mod finality;
mod keystore;
mod metrics;
mod network;
mod node;
mod pool;
mod status;
#[cfg(test)]
mod testing;

pub use config::{BasePath, NetworkSettings, NodeConfig, PrometheusConfig};
pub use consensus::FINALITY_ENGINE_ID;
pub use error::ServiceError;
pub use keystore::{insert_key, MemoryKeystore};
pub use node::{start, Node};
