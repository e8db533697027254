//! Service errors.

/// Why the node cannot start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The chain spec cannot be used.
    #[error(transparent)]
    ChainSpec(#[from] lux_chain_spec::ChainSpecError),
    /// The database cannot be opened.
    #[error("database: {0}")]
    Db(#[from] lux_db::DbError),
    /// The chain cannot be opened.
    #[error(transparent)]
    Chain(#[from] lux_chain::ChainError),
    /// The executor cannot start.
    #[error(transparent)]
    Executor(#[from] lux_executor::ExecutorError),
    /// The RPC server cannot start.
    #[error(transparent)]
    Rpc(#[from] lux_rpc::RpcServerError),
    /// A file or directory problem.
    #[error("{0}")]
    Io(String),
    /// The configuration is inconsistent.
    #[error("{0}")]
    Config(String),
}
