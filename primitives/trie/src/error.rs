//! Errors of trie reads, updates and proof checks.

use alloc::string::String;
use core::fmt;

use crate::Hash;

/// Result of the trie's fallible operations.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why a trie operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A node or hashed value that the trie refers to is not in the store.
    MissingNode(Hash),
    /// Bytes that should be a node encoding are malformed; the reason says how.
    InvalidNode(&'static str),
    /// The store failed to answer.
    Store(StoreError),
    /// A read proof lacks a node (or hashed value) needed to answer for a key.
    IncompleteProof(Hash),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingNode(hash) => write!(f, "trie node 0x{} is missing", Hex(hash)),
            Error::InvalidNode(reason) => write!(f, "invalid trie node: {reason}"),
            Error::Store(err) => write!(f, "trie node store failed: {err}"),
            Error::IncompleteProof(hash) => {
                write!(f, "incomplete proof: trie node 0x{} is missing", Hex(hash))
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Store(err) => Some(err),
            _ => None,
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        Error::Store(err)
    }
}

/// A failure of a [`NodeStore`](crate::NodeStore), described by its implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for StoreError {}

/// A state version byte other than 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownStateVersion(pub u8);

impl fmt::Display for UnknownStateVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown state version {}", self.0)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownStateVersion {}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display() {
        let err = Error::MissingNode([0xab; 32]);
        assert_eq!(err.to_string(), alloc::format!("trie node 0x{} is missing", "ab".repeat(32)));
        assert_eq!(
            Error::InvalidNode("trailing bytes").to_string(),
            "invalid trie node: trailing bytes"
        );
        assert_eq!(
            Error::Store(StoreError("disk on fire".into())).to_string(),
            "trie node store failed: disk on fire"
        );
    }
}
