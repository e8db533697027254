//! The balances pallet: LUX, the native token (18 decimals, smallest unit 10^-18 LUX).
//!
//! Balances live in `System::Account` (`data.free`). An account exists while it holds at least
//! the existential deposit; a transfer that would leave less either fails (`keep_alive`) or
//! removes the account and burns the remainder (`allow_death`). `TotalIssuance` always equals
//! the sum of all balances: transfers move value, fees and dust burn it, `force_set_balance`
//! and fee refunds mint it.
//!
//! Other pallets lock part of a balance through [`LockableCurrency`] (`Locks`, as in
//! Substrate): locked funds stay in `free` but `data.frozen`, the largest lock, can be neither
//! transferred nor spent on fees (`LiquidityRestrictions`), and a locked account stays alive.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::dispatch::ArithmeticError;
use lux_primitives::{AccountId20, Balance};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::{
    Currency, Existence, LockIdentifier, LockableCurrency, ReservableCurrency,
};
use lux_support::{
    ensure, ensure_root, ensure_signed, pallet_error, storage, Blake2_128Concat, DispatchClass,
    DispatchError, DispatchInfo, DispatchResult, DispatchResultWithPostInfo, GetDispatchInfo,
    Hooks, Pays, PostDispatchInfo, RawOrigin, ValueQuery,
};
use pallet_system::{Account, AccountInfo};
use scale_info::TypeInfo;

/// Configuration of the balances pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The least balance an account must hold to exist.
    const EXISTENTIAL_DEPOSIT: Balance;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the balances pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// An account was created with an initial balance.
    Endowed {
        /// The account.
        account: AccountId20,
        /// Its first balance.
        free_balance: Balance,
    },
    /// An account was removed and its remaining balance, below the existential deposit, burned.
    DustLost {
        /// The account.
        account: AccountId20,
        /// The amount burned.
        amount: Balance,
    },
    /// A transfer succeeded.
    Transfer {
        /// Sender.
        from: AccountId20,
        /// Recipient.
        to: AccountId20,
        /// Amount.
        amount: Balance,
    },
    /// A balance was set by root.
    BalanceSet {
        /// The account.
        who: AccountId20,
        /// Its new free balance.
        free: Balance,
    },
    /// An amount was added to an account (fee refunds).
    Deposit {
        /// The account.
        who: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// An amount was taken from an account and burned (fees).
    Withdraw {
        /// The account.
        who: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// An amount was slashed from an account (locked funds included) and burned.
    Slashed {
        /// The account.
        who: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// An amount was moved from free to reserved balance (a deposit).
    Reserved {
        /// The account.
        who: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// An amount was moved from reserved back to free balance (a deposit returned).
    Unreserved {
        /// The account.
        who: AccountId20,
        /// The amount.
        amount: Balance,
    },
}

pallet_error! {
    /// Errors of the balances pallet.
    pub enum Error<T: Config> {
        /// The balance is too low to send this amount.
        InsufficientBalance,
        /// The amount is below the existential deposit, so it cannot create the recipient.
        ExistentialDeposit,
        /// The transfer would take the sender below the existential deposit and remove it.
        Expendability,
        /// Locked funds (staking bonds, votes) cannot be transferred or spent.
        LiquidityRestrictions,
    }
}

/// Which operations a lock restricts. Kept for Substrate's layout of `Locks`; every lock
/// restricts every operation here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Reasons {
    /// Paying fees.
    Fee = 0,
    /// Anything but paying fees.
    Misc = 1,
    /// Everything.
    All = 2,
}

/// A lock on part of an account's balance.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct BalanceLock {
    /// Who holds the lock (`*b"staking "`).
    pub id: LockIdentifier,
    /// The amount locked.
    pub amount: Balance,
    /// What it restricts (always `All`).
    pub reasons: Reasons,
}

storage! {
    pallet = "Balances", config = Config;
    /// The total amount of LUX in existence.
    pub type TotalIssuance = StorageValue<Balance, ValueQuery>;
    /// Locks on each account's balance; the largest is the account's `frozen` balance.
    pub type Locks = StorageMap<Blake2_128Concat, AccountId20, Vec<BalanceLock>, ValueQuery>;
}

/// Genesis configuration: initial balances.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Accounts and their initial free balances (each at least the existential deposit).
    pub balances: Vec<(AccountId20, Balance)>,
}

impl GenesisConfig {
    /// Writes the genesis balances and total issuance.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        let mut total: Balance = 0;
        for (who, amount) in &self.balances {
            if *amount < T::EXISTENTIAL_DEPOSIT {
                return Err(alloc::format!(
                    "genesis balance of {who} is below the existential deposit"
                ));
            }
            if Account::contains_key(who) {
                return Err(alloc::format!("duplicate genesis balance for {who}"));
            }
            total = total.checked_add(*amount).ok_or("genesis total issuance overflows")?;
            Account::insert(
                who,
                AccountInfo {
                    providers: 1,
                    data: pallet_system::AccountData { free: *amount, ..Default::default() },
                    ..Default::default()
                },
            );
        }
        TotalIssuance::put(total);
        Ok(())
    }
}

/// Calls of the balances pallet. Indices and argument names are Substrate's, so wallets that
/// know `balances.transferKeepAlive(dest, value)` work unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Transfers `value` to `dest`; the sender may be removed if left below the existential
    /// deposit (the remainder is burned).
    #[codec(index = 0)]
    transfer_allow_death {
        /// Recipient.
        dest: AccountId20,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers from any account (root only).
    #[codec(index = 2)]
    force_transfer {
        /// Sender.
        source: AccountId20,
        /// Recipient.
        dest: AccountId20,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers `value` to `dest`, failing if the sender would be left below the
    /// existential deposit.
    #[codec(index = 3)]
    transfer_keep_alive {
        /// Recipient.
        dest: AccountId20,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers the whole free balance (less the existential deposit if `keep_alive`).
    #[codec(index = 4)]
    transfer_all {
        /// Recipient.
        dest: AccountId20,
        /// Whether the sender must stay alive.
        keep_alive: bool,
    },
    /// Sets an account's free balance (root only); below the existential deposit removes it.
    #[codec(index = 8)]
    force_set_balance {
        /// The account.
        who: AccountId20,
        /// Its new free balance.
        #[codec(compact)]
        new_free: Balance,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let (weight, class) = match self {
            Self::transfer_allow_death { .. } => {
                (weights::TRANSFER_ALLOW_DEATH, DispatchClass::Normal)
            }
            Self::force_transfer { .. } => (weights::FORCE_TRANSFER, DispatchClass::Normal),
            Self::transfer_keep_alive { .. } => {
                (weights::TRANSFER_KEEP_ALIVE, DispatchClass::Normal)
            }
            Self::transfer_all { .. } => (weights::TRANSFER_ALL, DispatchClass::Normal),
            Self::force_set_balance { .. } => (weights::FORCE_SET_BALANCE, DispatchClass::Normal),
        };
        DispatchInfo { weight, class, pays_fee: Pays::Yes }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::transfer_allow_death { dest, value } => {
                let from = ensure_signed(origin)?;
                Pallet::<T>::transfer(&from, &dest, value, Existence::AllowDeath)?;
            }
            Self::force_transfer { source, dest, value } => {
                ensure_root(origin)?;
                Pallet::<T>::transfer(&source, &dest, value, Existence::AllowDeath)?;
            }
            Self::transfer_keep_alive { dest, value } => {
                let from = ensure_signed(origin)?;
                Pallet::<T>::transfer(&from, &dest, value, Existence::KeepAlive)?;
            }
            Self::transfer_all { dest, keep_alive } => {
                let from = ensure_signed(origin)?;
                let existence =
                    if keep_alive { Existence::KeepAlive } else { Existence::AllowDeath };
                let value = Pallet::<T>::reducible_balance(&from, existence);
                Pallet::<T>::transfer(&from, &dest, value, existence)?;
            }
            Self::force_set_balance { who, new_free } => {
                ensure_root(origin)?;
                Pallet::<T>::force_set_balance(&who, new_free)?;
            }
        }
        Ok(PostDispatchInfo::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The free balance of `who`.
    pub fn free_balance(who: &AccountId20) -> Balance {
        Account::get(who).data.free
    }

    /// The part of `who`'s balance locked by other pallets.
    pub fn frozen_balance(who: &AccountId20) -> Balance {
        Account::get(who).data.frozen
    }

    /// What `who` can transfer or spend: its free balance above its locks and, if it must stay
    /// alive (asked, or because it has locks), above the existential deposit.
    pub fn reducible_balance(who: &AccountId20, existence: Existence) -> Balance {
        let data = Account::get(who).data;
        let keep = if existence == Existence::KeepAlive || data.frozen > 0 {
            data.frozen.max(T::EXISTENTIAL_DEPOSIT)
        } else {
            0
        };
        data.free.saturating_sub(keep)
    }

    /// The balance `who` keeps after giving up `amount`, if its locks and `existence` allow it.
    fn remaining_after(
        who: &AccountId20,
        amount: Balance,
        existence: Existence,
    ) -> Result<Balance, DispatchError> {
        let data = Account::get(who).data;
        let remaining = data.free.checked_sub(amount).ok_or(Error::<T>::InsufficientBalance)?;
        ensure!(remaining >= data.frozen, Error::<T>::LiquidityRestrictions);
        if existence == Existence::KeepAlive || data.frozen > 0 {
            ensure!(remaining >= T::EXISTENTIAL_DEPOSIT, Error::<T>::Expendability);
        }
        Ok(remaining)
    }

    /// Moves `value` from `from` to `to`.
    pub fn transfer(
        from: &AccountId20,
        to: &AccountId20,
        value: Balance,
        existence: Existence,
    ) -> DispatchResult {
        if value == 0 || from == to {
            return Ok(());
        }
        let remaining = Self::remaining_after(from, value, existence)?;
        let to_info = Account::get(to);
        let to_free = to_info.data.free.checked_add(value).ok_or(ArithmeticError::Overflow)?;
        if to_info.providers == 0 {
            ensure!(value >= T::EXISTENTIAL_DEPOSIT, Error::<T>::ExistentialDeposit);
        }
        Self::set_free(from, remaining);
        Self::set_free(to, to_free);
        Self::deposit_event(Event::Transfer { from: *from, to: *to, amount: value });
        Ok(())
    }

    /// Sets `who`'s free balance, creating or removing the account as needed. A balance below
    /// the existential deposit removes the account and burns it (`DustLost`).
    fn set_free(who: &AccountId20, free: Balance) {
        let mut info = Account::get(who);
        let existed = info.providers > 0;
        if free < T::EXISTENTIAL_DEPOSIT && info.data.reserved == 0 && info.consumers == 0 {
            if !existed {
                return;
            }
            Account::remove(who);
            if free > 0 {
                TotalIssuance::mutate(|t| *t = t.saturating_sub(free));
                Self::deposit_event(Event::DustLost { account: *who, amount: free });
            }
            pallet_system::Pallet::<T>::on_killed_account(*who);
            return;
        }
        info.data.free = free;
        if !existed {
            info.providers = 1;
            Account::insert(who, info);
            pallet_system::Pallet::<T>::on_created_account(*who);
            Self::deposit_event(Event::Endowed { account: *who, free_balance: free });
        } else {
            Account::insert(who, info);
        }
    }

    fn force_set_balance(who: &AccountId20, new_free: Balance) -> DispatchResult {
        let info = Account::get(who);
        let old = info.data.free;
        let new_free = if new_free < T::EXISTENTIAL_DEPOSIT { 0 } else { new_free };
        // Other pallets' locks (consumer references) keep the account: removing it would
        // leave them holding a claim on nothing.
        ensure!(new_free > 0 || info.consumers == 0, DispatchError::ConsumerRemaining);
        if new_free > old {
            let minted = new_free - old;
            TotalIssuance::try_mutate(|t| {
                *t = t.checked_add(minted).ok_or(ArithmeticError::Overflow)?;
                Ok::<_, DispatchError>(())
            })?;
        } else {
            TotalIssuance::mutate(|t| *t = t.saturating_sub(old - new_free));
        }
        Self::set_free(who, new_free);
        Self::deposit_event(Event::BalanceSet { who: *who, free: new_free });
        Ok(())
    }
}

impl<T: Config> Currency for Pallet<T> {
    fn free_balance(who: &AccountId20) -> Balance {
        Self::free_balance(who)
    }

    fn total_issuance() -> Balance {
        TotalIssuance::get()
    }

    fn withdraw(who: &AccountId20, amount: Balance, existence: Existence) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let remaining = Self::remaining_after(who, amount, existence)?;
        // Dust burned by `set_free` leaves the issuance there; `amount` leaves it here.
        Self::set_free(who, remaining);
        TotalIssuance::mutate(|t| *t = t.saturating_sub(amount));
        Self::deposit_event(Event::Withdraw { who: *who, amount });
        Ok(())
    }

    fn deposit(who: &AccountId20, amount: Balance) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let info = Account::get(who);
        if info.providers == 0 {
            ensure!(amount >= T::EXISTENTIAL_DEPOSIT, Error::<T>::ExistentialDeposit);
        }
        let new_free = info.data.free.checked_add(amount).ok_or(ArithmeticError::Overflow)?;
        TotalIssuance::try_mutate(|t| {
            *t = t.checked_add(amount).ok_or(ArithmeticError::Overflow)?;
            Ok::<_, DispatchError>(())
        })?;
        Self::set_free(who, new_free);
        Self::deposit_event(Event::Deposit { who: *who, amount });
        Ok(())
    }

    fn minimum_balance() -> Balance {
        T::EXISTENTIAL_DEPOSIT
    }

    fn slash(who: &AccountId20, amount: Balance) -> Balance {
        let taken = amount.min(Self::free_balance(who));
        if taken == 0 {
            return 0;
        }
        Self::set_free(who, Self::free_balance(who) - taken);
        TotalIssuance::mutate(|t| *t = t.saturating_sub(taken));
        Self::deposit_event(Event::Slashed { who: *who, amount: taken });
        taken
    }
}

impl<T: Config> Pallet<T> {
    /// Stores `locks` of `who` and sets its frozen balance to the largest. Having locks is a
    /// consumer reference on the account (as in Substrate), so it cannot be removed.
    fn update_locks(who: &AccountId20, locks: Vec<BalanceLock>) {
        if !Account::contains_key(who) {
            return;
        }
        let had_locks = Locks::contains_key(who);
        let frozen = locks.iter().map(|l| l.amount).max().unwrap_or(0);
        let has_locks = !locks.is_empty();
        if has_locks {
            Locks::insert(who, locks);
        } else {
            Locks::remove(who);
        }
        Account::mutate(who, |info| {
            info.data.frozen = frozen;
            match (had_locks, has_locks) {
                (false, true) => info.consumers = info.consumers.saturating_add(1),
                (true, false) => info.consumers = info.consumers.saturating_sub(1),
                _ => {}
            }
        });
    }
}

impl<T: Config> LockableCurrency for Pallet<T> {
    fn set_lock(id: LockIdentifier, who: &AccountId20, amount: Balance) {
        if amount == 0 {
            return Self::remove_lock(id, who);
        }
        if !Account::contains_key(who) {
            return;
        }
        let mut locks = Locks::get(who);
        match locks.iter_mut().find(|l| l.id == id) {
            Some(lock) => lock.amount = amount,
            None => locks.push(BalanceLock { id, amount, reasons: Reasons::All }),
        }
        Self::update_locks(who, locks);
    }

    fn extend_lock(id: LockIdentifier, who: &AccountId20, amount: Balance) {
        let current = Self::lock(id, who);
        if amount > current {
            Self::set_lock(id, who, amount);
        }
    }

    fn remove_lock(id: LockIdentifier, who: &AccountId20) {
        let mut locks = Locks::get(who);
        let before = locks.len();
        locks.retain(|l| l.id != id);
        if locks.len() != before {
            Self::update_locks(who, locks);
        }
    }

    fn lock(id: LockIdentifier, who: &AccountId20) -> Balance {
        Locks::get(who).iter().find(|l| l.id == id).map_or(0, |l| l.amount)
    }
}

impl<T: Config> ReservableCurrency for Pallet<T> {
    fn reserve(who: &AccountId20, amount: Balance) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let remaining = Self::remaining_after(who, amount, Existence::KeepAlive)?;
        Account::mutate(who, |info| {
            info.data.free = remaining;
            info.data.reserved = info.data.reserved.saturating_add(amount);
        });
        Self::deposit_event(Event::Reserved { who: *who, amount });
        Ok(())
    }

    fn unreserve(who: &AccountId20, amount: Balance) -> Balance {
        let info = Account::get(who);
        let moved = amount.min(info.data.reserved);
        if moved == 0 {
            return amount;
        }
        Account::mutate(who, |info| {
            info.data.reserved -= moved;
            info.data.free = info.data.free.saturating_add(moved);
        });
        Self::deposit_event(Event::Unreserved { who: *who, amount: moved });
        amount - moved
    }

    fn slash_reserved(who: &AccountId20, amount: Balance) -> Balance {
        let taken = amount.min(Account::get(who).data.reserved);
        if taken == 0 {
            return 0;
        }
        Account::mutate(who, |info| info.data.reserved -= taken);
        TotalIssuance::mutate(|t| *t = t.saturating_sub(taken));
        Self::deposit_event(Event::Slashed { who: *who, amount: taken });
        // The account may now be below the existential deposit with nothing reserved.
        Self::set_free(who, Self::free_balance(who));
        taken
    }

    fn reserved_balance(who: &AccountId20) -> Balance {
        Account::get(who).data.reserved
    }
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![ConstantMeta::new(
                "ExistentialDeposit",
                &T::EXISTENTIAL_DEPOSIT,
                &["The least balance an account must hold to exist."],
            )],
            docs: &["LUX, the native token (18 decimals)."],
        }
    }
}
