//! What dispatching a call costs and how it can fail; shared by the runtime, the node and
//! clients (events carry these types).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::weight::Weight;

/// The class of a dispatch: which share of the block it may use.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
#[scale_info(replace_segment("lux_primitives", "frame_support"))]
#[serde(rename_all = "camelCase")]
pub enum DispatchClass {
    /// Ordinary transactions.
    #[default]
    Normal,
    /// Operational transactions (may use the reserved part of the block).
    Operational,
    /// Inherents: always included, whatever their weight.
    Mandatory,
}

/// Whether a dispatch pays a fee.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
#[scale_info(replace_segment("lux_primitives", "frame_support"))]
pub enum Pays {
    /// The sender pays.
    #[default]
    Yes,
    /// Free.
    No,
}

/// Weight, class and fee obligation of a call, known before it runs.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "frame_support"))]
pub struct DispatchInfo {
    /// The weight charged up front.
    pub weight: Weight,
    /// The class.
    pub class: DispatchClass,
    /// Whether a fee is paid.
    pub pays_fee: Pays,
}

/// What a dispatch reports after running: the weight it really used, if less than declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct PostDispatchInfo {
    /// Weight actually consumed; `None` means the declared weight.
    pub actual_weight: Option<Weight>,
    /// Whether a fee is paid after all.
    pub pays_fee: Pays,
}

impl PostDispatchInfo {
    /// The weight to charge: the actual weight, capped at the declared one.
    pub fn calc_actual_weight(&self, info: &DispatchInfo) -> Weight {
        match self.actual_weight {
            Some(w) => w.min(info.weight),
            None => info.weight,
        }
    }

    /// The fee obligation: free if either the declaration or the result says so.
    pub fn pays_fee(&self, info: &DispatchInfo) -> Pays {
        if info.pays_fee == Pays::No || self.pays_fee == Pays::No {
            Pays::No
        } else {
            Pays::Yes
        }
    }
}

/// An error of a specific pallet: its index in the runtime and the error's index in the
/// pallet's error enum (first byte; the others are reserved for nested errors).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub struct ModuleError {
    /// Pallet index.
    pub index: u8,
    /// Error index and reserved bytes.
    pub error: [u8; 4],
    /// The error's name, for logs (not encoded).
    #[codec(skip)]
    pub message: Option<&'static str>,
}

/// Failures of a token operation.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub enum TokenError {
    /// The balance is too low.
    FundsUnavailable,
    /// The account would be left with too little to exist, and may not be removed.
    OnlyProvider,
    /// The amount would create an account below the existential deposit.
    BelowMinimum,
    /// The account cannot be created.
    CannotCreate,
    /// Unknown asset.
    UnknownAsset,
    /// The funds are frozen.
    Frozen,
    /// Operation not supported.
    Unsupported,
    /// A hold cannot be created.
    CannotCreateHold,
    /// Withdrawal would kill an account that must stay alive.
    NotExpendable,
    /// The account is blocked.
    Blocked,
}

/// Arithmetic failures.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub enum ArithmeticError {
    /// Result below zero.
    Underflow,
    /// Result above the maximum.
    Overflow,
    /// Division by zero.
    DivisionByZero,
}

/// Storage-transaction failures.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub enum TransactionalError {
    /// Too many nested transactional layers.
    LimitReached,
    /// No transactional layer open.
    NoLayer,
}

/// Why a dispatch failed. Variants and indices are Substrate's, so clients decode it as usual.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("lux_primitives", "sp_runtime"))]
pub enum DispatchError {
    /// Some other error, described in logs only.
    Other(#[codec(skip)] &'static str),
    /// A lookup failed.
    CannotLookup,
    /// The origin may not make this call.
    BadOrigin,
    /// A pallet's own error.
    Module(ModuleError),
    /// The account still has consumers.
    ConsumerRemaining,
    /// The account has no providers.
    NoProviders,
    /// Too many consumers.
    TooManyConsumers,
    /// A token operation failed.
    Token(TokenError),
    /// Arithmetic failed.
    Arithmetic(ArithmeticError),
    /// A storage transaction failed.
    Transactional(TransactionalError),
    /// Resources exhausted.
    Exhausted,
    /// State is corrupt.
    Corruption,
    /// A resource is unavailable.
    Unavailable,
    /// Root may not make this call.
    RootNotAllowed,
}

impl From<TokenError> for DispatchError {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

impl From<ArithmeticError> for DispatchError {
    fn from(e: ArithmeticError) -> Self {
        Self::Arithmetic(e)
    }
}

impl From<&'static str> for DispatchError {
    fn from(e: &'static str) -> Self {
        Self::Other(e)
    }
}

/// A dispatch's result.
pub type DispatchResult = Result<(), DispatchError>;

/// A dispatch error together with the weight it consumed before failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DispatchErrorWithPostInfo {
    /// What the failed dispatch consumed.
    pub post_info: PostDispatchInfo,
    /// Why it failed.
    pub error: DispatchError,
}

impl<E: Into<DispatchError>> From<E> for DispatchErrorWithPostInfo {
    fn from(e: E) -> Self {
        Self { post_info: PostDispatchInfo::default(), error: e.into() }
    }
}

/// A dispatch's result with its post-dispatch information.
pub type DispatchResultWithPostInfo = Result<PostDispatchInfo, DispatchErrorWithPostInfo>;

/// Fee information of an extrinsic (TransactionPaymentApi `query_info`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct RuntimeDispatchInfo<Balance> {
    /// Its weight.
    pub weight: Weight,
    /// Its class.
    pub class: DispatchClass,
    /// The fee without the tip.
    pub partial_fee: Balance,
}

/// The parts of the fee of an extrinsic (TransactionPaymentApi `query_fee_details`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct FeeDetails<Balance> {
    /// The fee for inclusion, if the extrinsic pays one.
    pub inclusion_fee: Option<InclusionFee<Balance>>,
    /// The tip.
    pub tip: Balance,
}

/// The parts of the inclusion fee.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct InclusionFee<Balance> {
    /// Fixed part charged per extrinsic.
    pub base_fee: Balance,
    /// Part proportional to the encoded length.
    pub len_fee: Balance,
    /// Part proportional to the weight.
    pub adjusted_weight_fee: Balance,
}
