//! Chain spec errors.

/// Why a chain spec cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The file cannot be read.
    #[error("cannot read chain spec {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// The JSON is not a valid chain spec.
    #[error("invalid chain spec: {0}")]
    Json(#[from] serde_json::Error),
    /// A hex value in the spec is malformed.
    #[error("invalid chain spec: {what} is not valid 0x-prefixed hex")]
    Hex {
        /// What was being parsed.
        what: String,
    },
    /// The spec has no runtime code.
    #[error("invalid chain spec: the genesis has no runtime code (:code)")]
    NoCode,
    /// The runtime refused the genesis config.
    #[error("the runtime rejected the genesis config: {0}")]
    Genesis(String),
    /// No such built-in chain.
    #[error("unknown chain `{0}`: use dev, local or the path of a chain spec file")]
    UnknownChain(String),
    /// This node was built without the runtime wasm.
    #[error("this node was built without the runtime wasm (SKIP_WASM_BUILD)")]
    NoWasm,
    /// Running the runtime failed.
    #[cfg(feature = "executor")]
    #[error("runtime: {0}")]
    Executor(#[from] lux_executor::ExecutorError),
}
