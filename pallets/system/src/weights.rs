//! Weights of the system pallet's calls (reference hardware: the 2-core build machine).

use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_support::Weight;

/// Per byte of a remark (hashing and storing it in the block).
const PER_BYTE: u64 = 1_000;

/// `remark` of `len` bytes.
pub fn remark(len: u32) -> Weight {
    Weight::from_parts(2 * WEIGHT_REF_TIME_PER_MICROS + PER_BYTE * len as u64, 0)
}

/// `remark_with_event` of `len` bytes.
pub fn remark_with_event(len: u32) -> Weight {
    Weight::from_parts(5 * WEIGHT_REF_TIME_PER_MICROS + 2 * PER_BYTE * len as u64, 100)
}

/// `set_code`: reading the new code's version compiles it; charged as a whole block's worth
/// of operational weight is not needed since it is root-only and free.
pub const SET_CODE: Weight = Weight::from_parts(200_000 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// `authorize_upgrade`: one write and an event.
pub const AUTHORIZE_UPGRADE: Weight = Weight::from_micros(50);

/// `set_storage` or `kill_storage` of `items` keys: a write each.
pub fn set_storage(items: u32) -> Weight {
    Weight::from_parts((5 + 25 * items as u64) * WEIGHT_REF_TIME_PER_MICROS, 0)
}
