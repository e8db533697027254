//! Traits pallets use to talk to each other without depending on each other's crates.

use codec::{Codec, EncodeLike};
use core::fmt::Debug;
use lux_primitives::{AccountId20, Balance};
use scale_info::TypeInfo;

use crate::DispatchError;

/// A type that can be a call argument, event field or stored value.
pub trait Parameter: Codec + EncodeLike + Clone + Eq + Debug + TypeInfo + 'static {}

impl<T: Codec + EncodeLike + Clone + Eq + Debug + TypeInfo + 'static> Parameter for T {}

/// Whether an operation may remove an account by taking it below the existential deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existence {
    /// The account must stay alive.
    KeepAlive,
    /// The account may be removed (its dust is burned).
    AllowDeath,
}

/// The native currency, as other pallets see it (implemented by the balances pallet).
pub trait Currency {
    /// The free balance of `who`.
    fn free_balance(who: &AccountId20) -> Balance;

    /// The total amount in existence.
    fn total_issuance() -> Balance;

    /// Removes `amount` from `who` and from the total issuance (fees are burned this way).
    fn withdraw(
        who: &AccountId20,
        amount: Balance,
        existence: Existence,
    ) -> Result<(), DispatchError>;

    /// Adds `amount` to an existing `who` and to the total issuance (fee refunds); creating an
    /// account requires at least the existential deposit.
    fn deposit(who: &AccountId20, amount: Balance) -> Result<(), DispatchError>;
}
