//! Errors of the Ethereum methods, with geth's codes and messages: -32000 for a request the
//! node cannot serve, 3 for a reverted call (with the revert data), -32602 for bad
//! parameters, -32005 for a query over its limits.

use jsonrpsee::types::ErrorObjectOwned;
use lux_chain::ChainError;

use super::types::hex_data;

/// geth's generic server error code.
pub(crate) const SERVER_ERROR: i32 = -32000;
/// A reverted call (`eth_call`, `eth_estimateGas`).
pub(crate) const EXECUTION_REVERTED: i32 = 3;
/// Invalid parameters.
pub(crate) const INVALID_PARAMS: i32 = -32602;
/// A query over the node's limits (the code other Ethereum nodes answer `eth_getLogs` with).
pub(crate) const LIMIT_EXCEEDED: i32 = -32005;

/// Why an Ethereum method failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EthError {
    /// The parameters do not parse or make no sense together.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The block the request names is not known (geth's words).
    #[error("header not found")]
    HeaderNotFound,
    /// A block by hash that is not on the canonical chain, with `requireCanonical`.
    #[error("hash {0:?} is not currently canonical")]
    NotCanonical(lux_primitives::H256),
    /// The call reverted; `reason` is the decoded `Error(string)` or `Panic(uint256)`.
    #[error("execution reverted{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted {
        /// The decoded reason, if any.
        reason: Option<String>,
        /// The revert data.
        data: Vec<u8>,
    },
    /// A query over the node's limits.
    #[error("{0}")]
    LimitExceeded(String),
    /// The chain or the runtime failed (a pruned state, a runtime error).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Any other failure, with geth's message where it has one.
    #[error("{0}")]
    Server(String),
}

/// Result of an Ethereum method.
pub(crate) type EthResult<T> = Result<T, EthError>;

impl EthError {
    /// A server error with `message`.
    pub fn server(message: impl Into<String>) -> Self {
        Self::Server(message.into())
    }

    /// Invalid parameters.
    pub fn params(message: impl std::fmt::Display) -> Self {
        Self::InvalidParams(message.to_string())
    }
}

impl From<EthError> for ErrorObjectOwned {
    fn from(error: EthError) -> Self {
        let message = error.to_string();
        match error {
            EthError::InvalidParams(_) => {
                ErrorObjectOwned::owned(INVALID_PARAMS, message, None::<()>)
            }
            EthError::Reverted { data, .. } => {
                ErrorObjectOwned::owned(EXECUTION_REVERTED, message, Some(hex_data(&data)))
            }
            EthError::LimitExceeded(_) => {
                ErrorObjectOwned::owned(LIMIT_EXCEEDED, message, None::<()>)
            }
            EthError::HeaderNotFound
            | EthError::NotCanonical(_)
            | EthError::Chain(_)
            | EthError::Server(_) => ErrorObjectOwned::owned(SERVER_ERROR, message, None::<()>),
        }
    }
}

impl From<lux_db::DbError> for EthError {
    fn from(error: lux_db::DbError) -> Self {
        Self::Chain(ChainError::Db(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverts_are_code_3_with_their_data() {
        let error: ErrorObjectOwned = EthError::Reverted {
            reason: Some("not enough".into()),
            data: vec![0x08, 0xc3, 0x79, 0xa0],
        }
        .into();
        assert_eq!(error.code(), 3);
        assert_eq!(error.message(), "execution reverted: not enough");
        assert_eq!(error.data().map(|d| d.get()), Some("\"0x08c379a0\""));
        let bare: ErrorObjectOwned = EthError::Reverted { reason: None, data: vec![] }.into();
        assert_eq!(bare.message(), "execution reverted");
    }

    #[test]
    fn codes_follow_geth() {
        let code = |e: EthError| ErrorObjectOwned::from(e).code();
        assert_eq!(code(EthError::HeaderNotFound), -32000);
        assert_eq!(code(EthError::params("x")), -32602);
        assert_eq!(code(EthError::LimitExceeded("x".into())), -32005);
        assert_eq!(ErrorObjectOwned::from(EthError::HeaderNotFound).message(), "header not found");
    }
}
