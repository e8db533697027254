//! Weights of the conviction voting pallet's calls: estimates from their storage access (a
//! read or write costs about 25 µs on the build machine's RocksDB, and a voting record of up to
//! `MaxVotes` votes is decoded and re-encoded), to be replaced by measured figures.

use lux_support::Weight;

/// `vote`: the poll, the voting record, the class locks, the balance locks and the account,
/// read and written, and an event.
pub const VOTE: Weight = Weight::from_micros(300);
/// `remove_vote`, `remove_other_vote`: the voting record and the poll, read and written.
pub const REMOVE_VOTE: Weight = Weight::from_micros(200);
/// `unlock`: the voting record, the class locks, the balance locks and the account, read and
/// written.
pub const UNLOCK: Weight = Weight::from_micros(250);
