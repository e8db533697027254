//! Weights of the staking pallet's calls and hooks: estimates from their storage access (a
//! read or write costs about 25 µs on the build machine's RocksDB), to be replaced by measured
//! figures (`BENCHMARKS.md` measures the election).

use lux_support::Weight;

/// `bond`, `bond_extra`, `rebond`: ledger, lock and account reads and writes.
pub const BOND: Weight = Weight::from_micros(150);
/// `unbond`, `withdraw_unbonded`.
pub const UNBOND: Weight = Weight::from_micros(200);
/// `validate`, `chill`, `set_payee`.
pub const INTENTION: Weight = Weight::from_micros(120);
/// Root calls.
pub const ROOT: Weight = Weight::from_micros(100);
/// `payout_stakers`: up to a few hundred nominators paid.
pub const PAYOUT_STAKERS: Weight = Weight::from_micros(20_000);
/// The per-block hook: one points update.
pub const ON_INITIALIZE: Weight = Weight::from_micros(30);

/// `nominate` with `targets` targets: a read per target.
pub const fn nominate(targets: usize) -> Weight {
    Weight::from_micros(120 + 25 * targets as u64)
}
