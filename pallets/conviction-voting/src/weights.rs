//! Weights of the conviction voting pallet's calls: estimates from their storage access (a
//! read or write costs about 25 µs on the build machine's RocksDB, and a voting record of up to
//! `MaxVotes` votes is decoded and re-encoded), to be replaced by measured figures.

use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_support::Weight;

const fn micros(n: u64) -> Weight {
    Weight::from_parts(n * WEIGHT_REF_TIME_PER_MICROS, 0)
}

/// `vote`: the poll, the voting record, the class locks, the balance locks and the account,
/// read and written, and an event.
pub const VOTE: Weight = micros(300);
/// `remove_vote`, `remove_other_vote`: the voting record and the poll, read and written.
pub const REMOVE_VOTE: Weight = micros(200);
/// `unlock`: the voting record, the class locks, the balance locks and the account, read and
/// written.
pub const UNLOCK: Weight = micros(250);
