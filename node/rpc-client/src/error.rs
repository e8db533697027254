//! Client errors.

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node could not be reached or returned an RPC error.
    #[error("RPC: {0}")]
    Rpc(#[from] jsonrpsee::core::ClientError),
    /// The node's answer was not what the client expects.
    #[error("unexpected answer from the node: {0}")]
    Decode(String),
    /// The transaction was rejected or failed.
    #[error("{0}")]
    Rejected(String),
    /// A key or address is invalid.
    #[error("{0}")]
    Key(#[from] lux_keys::KeyError),
    /// The URL is not http(s):// or ws(s)://.
    #[error("unsupported RPC URL `{0}`: use http://, https://, ws:// or wss://")]
    Url(String),
    /// The block is not known, or its state was discarded: it lost a fork.
    #[error("block {0:?} is unknown or its state was discarded")]
    BlockGone(lux_primitives::H256),
    /// Waiting took too long.
    #[error("timed out: {0}")]
    Timeout(String),
}
