//! Weights of the preimage pallet's calls: estimates from their storage access (a read or
//! write costs about 25 µs on the build machine's RocksDB) and hashing, to be replaced by
//! measured figures.

use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_support::Weight;

/// `unnote_preimage`: the status, the deposit and the bytes.
pub const UNNOTE: Weight = Weight::from_micros(100);
/// `request_preimage`, `unrequest_preimage`.
pub const REQUEST: Weight = Weight::from_micros(60);

/// `note_preimage` of `len` bytes: hashing and writing them (about 2 ns per byte).
pub const fn note_preimage(len: usize) -> Weight {
    Weight::from_parts(100 * WEIGHT_REF_TIME_PER_MICROS + 2_000 * len as u64, 0)
}
