//! JSON-RPC error objects with Substrate's codes.

use jsonrpsee::types::ErrorObjectOwned;
use lux_txpool::PoolError;

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum RpcServerError {
    /// The address cannot be bound.
    #[error("cannot start the RPC server on {addr}: {error}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// A method was registered twice (a bug).
    #[error("RPC method registration: {0}")]
    Register(String),
}

/// Substrate's `author_*` error codes.
pub mod codes {
    /// The extrinsic cannot be decoded.
    pub const BAD_FORMAT: i32 = 1001;
    /// Validation could not run.
    pub const VERIFICATION_ERROR: i32 = 1002;
    /// Invalid transaction.
    pub const POOL_INVALID_TX: i32 = 1010;
    /// Unknown validity.
    pub const POOL_UNKNOWN_VALIDITY: i32 = 1011;
    /// Temporarily banned.
    pub const POOL_TEMPORARILY_BANNED: i32 = 1012;
    /// Already imported.
    pub const POOL_ALREADY_IMPORTED: i32 = 1013;
    /// Priority too low to replace.
    pub const POOL_TOO_LOW_PRIORITY: i32 = 1014;
    /// Dropped: pool full.
    pub const POOL_IMMEDIATELY_DROPPED: i32 = 1016;
    /// The pool is validating as fast as it can: retry later (jsonrpsee's "server is busy").
    pub const POOL_BUSY: i32 = -32009;
    /// Client (chain or state) error.
    pub const CLIENT_ERROR: i32 = 4003;
    /// Invalid parameters.
    pub const INVALID_PARAMS: i32 = -32602;
    /// An unsafe method called on a server that serves safe ones only.
    pub const UNSAFE: i32 = -32601;
    /// The key type is not LuxTensor's session key type.
    pub const UNSUPPORTED_KEY_TYPE: i32 = 1005;
    /// The node has no keystore, or it failed.
    pub const KEYSTORE_UNAVAILABLE: i32 = 1006;
    /// Session keys that cannot be decoded.
    pub const INVALID_SESSION_KEYS: i32 = 1007;
}

/// An unsafe method refused.
pub fn unsafe_denied() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(codes::UNSAFE, "RPC call is unsafe to be called externally", None::<()>)
}

/// A keystore failure.
pub fn keystore_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(codes::KEYSTORE_UNAVAILABLE, format!("Keystore error: {e}"), None::<()>)
}

/// A chain or state failure.
pub fn client_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(codes::CLIENT_ERROR, format!("Client error: {e}"), None::<()>)
}

/// Bad parameters.
pub fn invalid_params(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(codes::INVALID_PARAMS, format!("Invalid params: {e}"), None::<()>)
}

/// An extrinsic that cannot be decoded.
pub fn bad_format(e: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        codes::BAD_FORMAT,
        format!("Extrinsic has invalid format: {e}"),
        None::<()>,
    )
}

/// A pool rejection, as Substrate reports it: the code and message name the category, the
/// data says why.
pub fn pool_error(e: &PoolError) -> ErrorObjectOwned {
    let (code, message, data) = match e {
        PoolError::Invalid(i) => (codes::POOL_INVALID_TX, "Invalid Transaction".to_string(), i.message().to_string()),
        PoolError::Unknown(u) => {
            (codes::POOL_UNKNOWN_VALIDITY, "Unknown Transaction Validity".to_string(), u.message().to_string())
        }
        PoolError::TemporarilyBanned => (
            codes::POOL_TEMPORARILY_BANNED,
            "Transaction is temporarily banned".to_string(),
            "The transaction was recently found invalid".to_string(),
        ),
        PoolError::AlreadyImported(h) => {
            (codes::POOL_ALREADY_IMPORTED, "Transaction Already Imported".to_string(), format!("{h:?}"))
        }
        PoolError::TooLowPriority { old, new } => (
            codes::POOL_TOO_LOW_PRIORITY,
            format!("Priority is too low: ({old} vs {new})"),
            "The transaction has too low priority to replace another transaction already in the pool."
                .to_string(),
        ),
        PoolError::ImmediatelyDropped => (
            codes::POOL_IMMEDIATELY_DROPPED,
            "Immediately Dropped".to_string(),
            "The transaction couldn't enter the pool because of the limit".to_string(),
        ),
        PoolError::TooManyFromSender(limit) => (
            codes::POOL_IMMEDIATELY_DROPPED,
            "Immediately Dropped".to_string(),
            format!("The sender already has {limit} transactions waiting for earlier nonces"),
        ),
        PoolError::Busy => (
            codes::POOL_BUSY,
            "Server is busy, try again later".to_string(),
            "The transaction pool is validating as fast as it can; retry later".to_string(),
        ),
        PoolError::TooLarge(size) => (
            codes::POOL_IMMEDIATELY_DROPPED,
            "Immediately Dropped".to_string(),
            format!("The transaction is too large ({size} bytes)"),
        ),
        PoolError::Validation(msg) => {
            (codes::VERIFICATION_ERROR, format!("Verification Error: {msg}"), msg.clone())
        }
    };
    ErrorObjectOwned::owned(code, message, Some(data))
}
