//! Weight: the execution time (in picoseconds of reference hardware) and proof size a dispatch
//! may consume. Block limits and fees are expressed in it.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Two-dimensional weight, encoded as two compact integers like Substrate's `Weight`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
#[scale_info(
    replace_segment("lux_primitives", "sp_weights"),
    replace_segment("weight", "weight_v2")
)]
#[serde(rename_all = "camelCase")]
pub struct Weight {
    /// Computation time, in picoseconds on reference hardware.
    #[codec(compact)]
    pub ref_time: u64,
    /// Size of the storage proof a light client would need, in bytes.
    #[codec(compact)]
    pub proof_size: u64,
}

/// Picoseconds of reference time in one second.
pub const WEIGHT_REF_TIME_PER_SECOND: u64 = 1_000_000_000_000;
/// Picoseconds of reference time in one millisecond.
pub const WEIGHT_REF_TIME_PER_MILLIS: u64 = 1_000_000_000;
/// Picoseconds of reference time in one microsecond.
pub const WEIGHT_REF_TIME_PER_MICROS: u64 = 1_000_000;

impl Weight {
    /// No weight.
    pub const ZERO: Self = Self { ref_time: 0, proof_size: 0 };
    /// The largest weight.
    pub const MAX: Self = Self { ref_time: u64::MAX, proof_size: u64::MAX };

    /// A weight from its two components.
    pub const fn from_parts(ref_time: u64, proof_size: u64) -> Self {
        Self { ref_time, proof_size }
    }

    /// `n` microseconds of reference time and no proof size (how the pallets' weight
    /// estimates are written).
    pub const fn from_micros(n: u64) -> Self {
        Self::from_parts(n.saturating_mul(WEIGHT_REF_TIME_PER_MICROS), 0)
    }

    /// Component-wise saturating addition.
    pub const fn saturating_add(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.saturating_add(other.ref_time),
            proof_size: self.proof_size.saturating_add(other.proof_size),
        }
    }

    /// Component-wise saturating subtraction.
    pub const fn saturating_sub(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.saturating_sub(other.ref_time),
            proof_size: self.proof_size.saturating_sub(other.proof_size),
        }
    }

    /// Component-wise saturating multiplication by a scalar.
    pub const fn saturating_mul(self, n: u64) -> Self {
        Self {
            ref_time: self.ref_time.saturating_mul(n),
            proof_size: self.proof_size.saturating_mul(n),
        }
    }

    /// Component-wise minimum.
    pub fn min(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.min(other.ref_time),
            proof_size: self.proof_size.min(other.proof_size),
        }
    }

    /// Whether either component exceeds the other weight's.
    pub const fn any_gt(self, other: Self) -> bool {
        self.ref_time > other.ref_time || self.proof_size > other.proof_size
    }

    /// Whether both components are within the other weight's.
    pub const fn all_lte(self, other: Self) -> bool {
        self.ref_time <= other.ref_time && self.proof_size <= other.proof_size
    }
}
