//! Weights of the staking pallet's calls and hooks: estimates from their storage access (a
//! read or write costs about 25 µs on the build machine's RocksDB), to be replaced by measured
//! figures (`BENCHMARKS.md` measures the election).

use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_support::Weight;

const fn micros(n: u64) -> Weight {
    Weight::from_parts(n * WEIGHT_REF_TIME_PER_MICROS, 0)
}

/// `bond`, `bond_extra`, `rebond`: ledger, lock and account reads and writes.
pub const BOND: Weight = micros(150);
/// `unbond`, `withdraw_unbonded`.
pub const UNBOND: Weight = micros(200);
/// `validate`, `chill`, `set_payee`.
pub const INTENTION: Weight = micros(120);
/// Root calls.
pub const ROOT: Weight = micros(100);
/// `payout_stakers`: up to a few hundred nominators paid.
pub const PAYOUT_STAKERS: Weight = micros(20_000);
/// The per-block hook: one points update.
pub const ON_INITIALIZE: Weight = micros(30);

/// `nominate` with `targets` targets: a read per target.
pub const fn nominate(targets: usize) -> Weight {
    micros(120 + 25 * targets as u64)
}
