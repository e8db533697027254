//! Weights of the scheduler pallet: estimates from storage access (a read or write costs about
//! 25 µs on the build machine's RocksDB), to be replaced by measured figures.

use lux_support::Weight;

/// `schedule*` calls: the agenda, the lookup and maybe a preimage request.
pub const SCHEDULE: Weight = Weight::from_micros(100);
/// `cancel`, `cancel_named`.
pub const CANCEL: Weight = Weight::from_micros(100);
/// The hook itself: reading `IncompleteSince`.
pub const SERVICE_AGENDAS_BASE: Weight = Weight::from_micros(25);
/// Reading and writing one agenda.
pub const SERVICE_AGENDA: Weight = Weight::from_micros(50);
/// Running one task, on top of its call: the preimage, the event, the lookup.
pub const SERVICE_TASK: Weight = Weight::from_micros(50);
/// The most agendas one block looks at when catching up.
pub const MAX_AGENDAS_PER_BLOCK: u32 = 50;
