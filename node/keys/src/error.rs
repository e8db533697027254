//! The one error type of this crate.
//!
//! Messages never contain secret material (phrases, seeds, passwords or private keys), so they
//! are safe to print and log.

/// Everything that can go wrong while parsing a secret URI or deriving a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The secret URI was empty (or only whitespace).
    #[error("the secret URI is empty")]
    EmptyUri,
    /// The secret URI has no phrase or key where one is required.
    #[error("the secret URI has no phrase or private key")]
    MissingPhrase,
    /// The phrase is not a valid English BIP39 mnemonic.
    #[error("invalid BIP39 phrase: {0}")]
    InvalidPhrase(String),
    /// A `0x`-prefixed value was not valid hexadecimal.
    #[error("invalid hex: {0}")]
    InvalidHex(String),
    /// A decoded value had the wrong number of bytes.
    #[error("wrong length: expected {expected} bytes, got {got}")]
    InvalidLength {
        /// The number of bytes required.
        expected: usize,
        /// The number of bytes given.
        got: usize,
    },
    /// The derivation path is malformed or not allowed for the key scheme.
    #[error("invalid derivation path: {0}")]
    InvalidPath(String),
    /// A password was given together with a raw seed or private key, which it cannot apply to.
    #[error("a password cannot be used with a raw seed or private key")]
    PasswordWithRawSeed,
    /// The bytes are not a valid secret key for the scheme (e.g. zero or above the curve order).
    #[error("invalid secret key")]
    InvalidSecretKey,
    /// A BIP32 child derivation produced an invalid key (probability below 2^-127).
    #[error("BIP32 derivation produced an invalid key at index {0}; use another index")]
    InvalidChildKey(u32),
    /// A word count other than the supported ones was requested.
    #[error("unsupported word count {0}: use 12 or 24")]
    InvalidWordCount(usize),
    /// No dev account or dev session key has this name.
    #[error("unknown dev account {0:?}: use alice, bob, charlie, dave, eve or ferdie")]
    UnknownDevAccount(String),
    /// An address string is malformed or its EIP-55 checksum is wrong.
    #[error("invalid address: {0}")]
    InvalidAddress(String),
}

/// Result with [`KeyError`].
pub type Result<T> = core::result::Result<T, KeyError>;
