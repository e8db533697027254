//! Transaction validity: what the runtime tells the pool about a transaction, and why it
//! rejects one. Variants and indices are Substrate's.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::dispatch::DispatchError;

/// Where a transaction comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(
    replace_segment("lux_primitives", "sp_runtime"),
    replace_segment("transaction", "transaction_validity")
)]
pub enum TransactionSource {
    /// Already in a block being imported.
    InBlock,
    /// Submitted by this node's operator or its RPC.
    Local,
    /// Received from the network or an external RPC user.
    External,
}

/// Why a transaction is invalid (it will never be valid in this form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(
    replace_segment("lux_primitives", "sp_runtime"),
    replace_segment("transaction", "transaction_validity")
)]
pub enum InvalidTransaction {
    /// The call cannot be dispatched (for example, not allowed unsigned).
    Call,
    /// The sender cannot pay the fee.
    Payment,
    /// The nonce is in the future: valid later.
    Future,
    /// The nonce was already used.
    Stale,
    /// The signature does not match the sender.
    BadProof,
    /// The mortal era's birth block is unknown or too old.
    AncientBirthBlock,
    /// The transaction does not fit in a block.
    ExhaustsResources,
    /// A pallet-specific reason.
    Custom(u8),
    /// An inherent failed in a way that makes the block invalid.
    BadMandatory,
    /// A mandatory dispatch was submitted as a transaction.
    MandatoryValidation,
    /// The signer is not allowed (for example the zero address).
    BadSigner,
    /// Implicit data could not be computed.
    IndeterminateImplicit,
    /// The origin is unknown.
    UnknownOrigin,
}

impl InvalidTransaction {
    /// The message Substrate's RPC puts in an error's `data` for this reason.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Call => "Transaction call is not expected",
            Self::Payment => "Inability to pay some fees (e.g. account balance too low)",
            Self::Future => "Transaction will be valid in the future",
            Self::Stale => "Transaction is outdated",
            Self::BadProof => "Transaction has a bad signature",
            Self::AncientBirthBlock => "Transaction has an ancient birth block",
            Self::ExhaustsResources => "Transaction would exhaust the block limits",
            Self::Custom(_) => "InvalidTransaction custom error",
            Self::BadMandatory => "A call was labelled as mandatory, but resulted in an Error.",
            Self::MandatoryValidation => {
                "Transaction dispatch is mandatory; transactions must not be validated."
            }
            Self::BadSigner => "Invalid signing address",
            Self::IndeterminateImplicit => "The implicit data was unable to be calculated",
            Self::UnknownOrigin => "The origin is unknown",
        }
    }
}

/// Why a transaction's validity cannot be determined (it may become valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(
    replace_segment("lux_primitives", "sp_runtime"),
    replace_segment("transaction", "transaction_validity")
)]
pub enum UnknownTransaction {
    /// A lookup failed.
    CannotLookup,
    /// No unsigned validator for this call.
    NoUnsignedValidator,
    /// A pallet-specific reason.
    Custom(u8),
}

impl UnknownTransaction {
    /// The message Substrate's RPC puts in an error's `data` for this reason.
    pub fn message(&self) -> &'static str {
        match self {
            Self::CannotLookup => {
                "Could not lookup information required to validate the transaction"
            }
            Self::NoUnsignedValidator => {
                "Could not find an unsigned validator for the unsigned transaction"
            }
            Self::Custom(_) => "UnknownTransaction custom error",
        }
    }
}

/// A transaction the runtime refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(
    replace_segment("lux_primitives", "sp_runtime"),
    replace_segment("transaction", "transaction_validity")
)]
pub enum TransactionValidityError {
    /// Invalid, never to be valid.
    Invalid(InvalidTransaction),
    /// Validity unknown.
    Unknown(UnknownTransaction),
}

impl TransactionValidityError {
    /// A human-readable reason.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Invalid(i) => i.message(),
            Self::Unknown(u) => u.message(),
        }
    }
}

impl From<InvalidTransaction> for TransactionValidityError {
    fn from(e: InvalidTransaction) -> Self {
        Self::Invalid(e)
    }
}

impl From<UnknownTransaction> for TransactionValidityError {
    fn from(e: UnknownTransaction) -> Self {
        Self::Unknown(e)
    }
}

/// Opaque tag linking transactions: a transaction `requires` tags other transactions `provide`
/// (for example `(sender, nonce)`).
pub type TransactionTag = Vec<u8>;

/// How the pool should treat a valid transaction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(
    replace_segment("lux_primitives", "sp_runtime"),
    replace_segment("transaction", "transaction_validity")
)]
pub struct ValidTransaction {
    /// Higher goes first.
    pub priority: u64,
    /// Tags that must be provided by earlier transactions before this one can be included.
    pub requires: Vec<TransactionTag>,
    /// Tags this transaction provides.
    pub provides: Vec<TransactionTag>,
    /// Blocks for which this validity holds before it must be rechecked.
    pub longevity: u64,
    /// Whether to gossip it.
    pub propagate: bool,
}

impl Default for ValidTransaction {
    fn default() -> Self {
        Self {
            priority: 0,
            requires: Vec::new(),
            provides: Vec::new(),
            longevity: u64::MAX,
            propagate: true,
        }
    }
}

/// What `TaggedTransactionQueue_validate_transaction` returns.
pub type TransactionValidity = Result<ValidTransaction, TransactionValidityError>;

/// What `BlockBuilder_apply_extrinsic` returns: the outer error means the extrinsic may not be
/// included at all; the inner result is the dispatch outcome of an included extrinsic.
pub type ApplyExtrinsicResult = Result<Result<(), DispatchError>, TransactionValidityError>;
