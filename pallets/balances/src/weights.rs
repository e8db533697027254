//! Weights of the balances pallet's calls, measured with `scripts/bench-import.sh` on the 2-core
//! build machine (signature checks and fee handling are in the per-extrinsic base weight).

use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_support::Weight;

/// `transfer_allow_death`: two account reads and writes, an event.
pub const TRANSFER_ALLOW_DEATH: Weight = Weight::from_parts(30 * WEIGHT_REF_TIME_PER_MICROS, 0);
/// `transfer_keep_alive`.
pub const TRANSFER_KEEP_ALIVE: Weight = Weight::from_parts(30 * WEIGHT_REF_TIME_PER_MICROS, 0);
/// `force_transfer`.
pub const FORCE_TRANSFER: Weight = Weight::from_parts(32 * WEIGHT_REF_TIME_PER_MICROS, 0);
/// `transfer_all`.
pub const TRANSFER_ALL: Weight = Weight::from_parts(32 * WEIGHT_REF_TIME_PER_MICROS, 0);
/// `force_set_balance`.
pub const FORCE_SET_BALANCE: Weight = Weight::from_parts(20 * WEIGHT_REF_TIME_PER_MICROS, 0);
