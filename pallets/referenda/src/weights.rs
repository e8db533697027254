//! Weights of the referenda pallet's calls and hook: estimates from their storage access (a read
//! or write costs about 25 µs on the build machine's RocksDB), not measurements; to be replaced
//! by benchmarked figures.
//!
//! Servicing a referendum (the hook, `nudge_referendum`, `place_decision_deposit`) reads and
//! writes its record, reads the tracks, may touch `DecidingCount`, `TrackQueue` (at most
//! `MAX_QUEUED` entries) and two `Alarms` entries, may call the scheduler once (approval) and,
//! when a decision slot frees, starts the next queued referendum (one more record and alarm).

use lux_support::Weight;

/// Servicing one referendum: about a dozen reads and writes, plus a scheduler call.
pub const SERVICE: Weight = Weight::from_micros(400);
/// `submit`: the reserve, the counter, the record, one alarm and a preimage request.
pub const SUBMIT: Weight = Weight::from_micros(200);
/// `place_decision_deposit`: the reserve, then servicing the referendum.
pub const PLACE_DECISION_DEPOSIT: Weight = Weight::from_micros(100 + 400);
/// `refund_decision_deposit`, `refund_submission_deposit`: a record and an unreserve.
pub const REFUND: Weight = Weight::from_micros(100);
/// `cancel`, `kill`: the record, its alarm, deposits, and maybe starting the next queued one.
pub const END: Weight = Weight::from_micros(300 + 200);
/// `nudge_referendum`: servicing the referendum.
pub const NUDGE: Weight = SERVICE;
/// `one_fewer_deciding`: the queue, and starting its head.
pub const ONE_FEWER_DECIDING: Weight = Weight::from_micros(250);
/// `set_metadata`: the record, the preimage length and the metadata entry.
pub const SET_METADATA: Weight = Weight::from_micros(100);

/// The per-block hook: reading the block's alarms, and servicing `serviced` referenda.
pub const fn on_initialize(serviced: u32) -> Weight {
    Weight::from_micros(25 + 400 * serviced as u64)
}
