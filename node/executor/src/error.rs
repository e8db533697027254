//! Executor errors.

/// Why a runtime call failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// The state has no `:code`.
    #[error("the state has no runtime code (:code)")]
    NoCode,
    /// The code is not a valid runtime for this host.
    #[error("invalid runtime code: {0}")]
    InvalidCode(String),
    /// The runtime does not export the called function.
    #[error("the runtime has no function `{0}`")]
    MethodNotFound(String),
    /// The runtime panicked.
    #[error("runtime panicked: {0}")]
    Panicked(String),
    /// The runtime trapped (out of bounds access, stack overflow, `unreachable`...).
    #[error("runtime trapped: {0}")]
    Trap(String),
    /// The runtime used up the instruction budget of a metered session.
    #[error("runtime exceeded its instruction budget: {0}")]
    OutOfFuel(String),
    /// The runtime ran out of heap.
    #[error("runtime heap exhausted: {0}")]
    OutOfMemory(String),
    /// Reading the state failed.
    #[error(transparent)]
    Backend(#[from] lux_io::BackendError),
    /// The runtime's answer could not be decoded.
    #[error("cannot decode the result of `{method}`: {error}")]
    BadResult {
        /// The called function.
        method: String,
        /// The decoding error.
        error: codec::Error,
    },
    /// Something else in the execution environment failed.
    #[error("executor: {0}")]
    Other(String),
}
