//! Parts per billion: commissions and slash fractions.

use codec::{CompactAs, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::U256;

/// A fraction in parts per billion, `0..=1_000_000_000`; encoded as Substrate's `Perbill` (a
/// `u32`, compact where the field is), so clients show it as a percentage.
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
#[scale_info(replace_segment("lux_primitives", "sp_arithmetic"))]
pub struct Perbill(u32);

impl Perbill {
    /// One billion parts: the whole.
    pub const ACCURACY: u32 = 1_000_000_000;

    /// Nothing.
    pub const fn zero() -> Self {
        Self(0)
    }

    /// The whole.
    pub const fn one() -> Self {
        Self(Self::ACCURACY)
    }

    /// `parts` billionths, at most the whole.
    pub const fn from_parts(parts: u32) -> Self {
        Self(if parts > Self::ACCURACY { Self::ACCURACY } else { parts })
    }

    /// `percent`%, at most the whole.
    pub const fn from_percent(percent: u32) -> Self {
        Self::from_parts(if percent > 100 { Self::ACCURACY } else { percent * 10_000_000 })
    }

    /// `n / d`, rounded down, at most the whole (zero for `d == 0`).
    pub fn from_rational(n: u128, d: u128) -> Self {
        if d == 0 {
            return Self::zero();
        }
        Self::from_parts(mul_div(u128::from(Self::ACCURACY), n.min(d), d) as u32)
    }

    /// The parts.
    pub const fn deconstruct(self) -> u32 {
        self.0
    }

    /// `self * x`, rounded down.
    pub fn mul_floor(self, x: u128) -> u128 {
        mul_div(x, u128::from(self.0), u128::from(Self::ACCURACY))
    }

    /// `self * x`, rounded up.
    pub fn mul_ceil(self, x: u128) -> u128 {
        let floor = self.mul_floor(x);
        let exact = U256::from(x) * U256::from(self.0) % U256::from(Self::ACCURACY);
        if exact.is_zero() {
            floor
        } else {
            floor.saturating_add(1)
        }
    }

    /// `self * self`, rounded down.
    pub fn square(self) -> Self {
        Self::from_parts(self.mul_floor(u128::from(self.0)) as u32)
    }
}

impl CompactAs for Perbill {
    type As = u32;
    fn encode_as(&self) -> &u32 {
        &self.0
    }
    fn decode_from(parts: u32) -> Result<Self, codec::Error> {
        if parts > Self::ACCURACY {
            return Err("Perbill above one".into());
        }
        Ok(Self(parts))
    }
}

impl From<codec::Compact<Perbill>> for Perbill {
    fn from(compact: codec::Compact<Perbill>) -> Self {
        compact.0
    }
}

/// `a * b / c` rounded down, exact for any `u128` inputs whose result fits (saturates
/// otherwise); zero when `c` is zero.
pub fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    if c == 0 {
        return 0;
    }
    let result = U256::from(a) * U256::from(b) / U256::from(c);
    if result > U256::from(u128::MAX) {
        u128::MAX
    } else {
        result.low_u128()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        assert_eq!(Perbill::from_percent(10).mul_floor(1_000), 100);
        assert_eq!(Perbill::from_parts(1).mul_floor(999_999_999), 0);
        assert_eq!(Perbill::from_parts(1).mul_ceil(999_999_999), 1);
        assert_eq!(Perbill::from_rational(1, 3).deconstruct(), 333_333_333);
        assert_eq!(Perbill::from_rational(5, 3), Perbill::one());
        assert_eq!(Perbill::from_percent(75).square(), Perbill::from_parts(562_500_000));
        assert_eq!(Perbill::from_parts(u32::MAX), Perbill::one());
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX), u128::MAX);
        assert_eq!(mul_div(u128::MAX, 2, 1), u128::MAX);
        assert_eq!(mul_div(1, 1, 0), 0);
        // Compact encoding is the u32's, and above-one is refused.
        let encoded = codec::Compact(Perbill::from_percent(50)).encode();
        assert_eq!(encoded, codec::Compact(500_000_000u32).encode());
        let too_big = codec::Compact(Perbill::ACCURACY + 1).encode();
        assert!(<codec::Compact<Perbill>>::decode(&mut &too_big[..]).is_err());
    }
}
