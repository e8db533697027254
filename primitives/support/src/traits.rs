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

/// The identifier of a lock on balance: 8 bytes, as in Substrate (`*b"staking "`).
pub type LockIdentifier = [u8; 8];

/// The native currency, as other pallets see it (implemented by the balances pallet).
pub trait Currency {
    /// The free balance of `who`.
    fn free_balance(who: &AccountId20) -> Balance;

    /// The total amount in existence.
    fn total_issuance() -> Balance;

    /// Removes `amount` from `who` and from the total issuance (fees are burned this way); locked
    /// funds cannot be withdrawn.
    fn withdraw(
        who: &AccountId20,
        amount: Balance,
        existence: Existence,
    ) -> Result<(), DispatchError>;

    /// Adds `amount` to an existing `who` and to the total issuance (fee refunds); creating an
    /// account requires at least the existential deposit.
    fn deposit(who: &AccountId20, amount: Balance) -> Result<(), DispatchError>;

    /// The least balance an account must hold to exist (the existential deposit).
    fn minimum_balance() -> Balance;

    /// Removes up to `amount` of `who`'s free balance, locked funds included, and burns it
    /// (slashing); returns the amount removed.
    fn slash(who: &AccountId20, amount: Balance) -> Balance;
}

/// Locking part of an account's balance (implemented by the balances pallet). Locked funds stay
/// in the account and count in its balance, but can neither be transferred nor pay fees. Locks
/// overlap: the account's frozen balance is its largest lock, not their sum, so a balance
/// bonded for staking can also back a vote. An account with a lock cannot be removed.
pub trait LockableCurrency: Currency {
    /// Sets lock `id` on `who` to `amount`, replacing its previous amount; zero removes it. No
    /// effect on an account that does not exist.
    fn set_lock(id: LockIdentifier, who: &AccountId20, amount: Balance);

    /// Raises lock `id` on `who` to at least `amount`, creating it if needed.
    fn extend_lock(id: LockIdentifier, who: &AccountId20, amount: Balance);

    /// Removes lock `id` from `who`.
    fn remove_lock(id: LockIdentifier, who: &AccountId20);

    /// The amount of lock `id` on `who` (zero if none).
    fn lock(id: LockIdentifier, who: &AccountId20) -> Balance;
}

/// Who authored the block being built or executed (implemented by the session pallet, from the
/// block's slot claim).
pub trait FindAuthor {
    /// The author's account, if the block names one.
    fn find_author() -> Option<AccountId20>;
}

/// No author is ever known.
impl FindAuthor for () {
    fn find_author() -> Option<AccountId20> {
        None
    }
}

/// Setting part of an account's balance aside (implemented by the balances pallet): deposits
/// for preimages and referenda. Reserved funds leave `free`, still belong to the account and
/// keep it alive, and come back with [`unreserve`](Self::unreserve) or are burned with
/// [`slash_reserved`](Self::slash_reserved).
pub trait ReservableCurrency: Currency {
    /// Moves `amount` of `who`'s free balance to its reserved balance; fails if that would
    /// touch locked funds or leave less than the existential deposit free.
    fn reserve(who: &AccountId20, amount: Balance) -> Result<(), DispatchError>;

    /// Moves up to `amount` of `who`'s reserved balance back to free; returns what was not
    /// reserved (zero when all of `amount` came back).
    fn unreserve(who: &AccountId20, amount: Balance) -> Balance;

    /// Burns up to `amount` of `who`'s reserved balance; returns the amount burned.
    fn slash_reserved(who: &AccountId20, amount: Balance) -> Balance;

    /// The reserved balance of `who`.
    fn reserved_balance(who: &AccountId20) -> Balance;
}
