//! The sudo pallet: a single key that may dispatch calls as root.
//!
//! Only the dev and local chain presets set a key; without one (any other chain) every call
//! fails with `RequireSudo`, so the pallet is inert. Root calls made through sudo are free.
//!
//! The `next-version` feature builds the pallet as the `spec_version + 1` test runtime has it
//! (`luxtensor-runtime`'s `upgrade-test` feature), to prove a live upgrade with a migration:
//! storage version 1 keeps the key with the block it was set at (`KeyInfo`), a migration
//! rewrites version 0's bare account into it exactly once, and a new root call
//! `force_remove_key` lets governance end sudo.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

use alloc::boxed::Box;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_primitives::AccountId20;
use lux_support::metadata::PalletMeta;
use lux_support::{
    ensure_signed, pallet_error, storage, with_storage_layer, DispatchInfo, DispatchResult,
    DispatchResultWithPostInfo, Dispatchable, GetDispatchInfo, Hooks, Parameter, Pays,
    PostDispatchInfo, RawOrigin, Weight,
};
use scale_info::TypeInfo;

/// Configuration of the sudo pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The runtime's call type.
    type RuntimeCall: Parameter + Dispatchable + GetDispatchInfo;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the sudo pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A root call was dispatched.
    Sudid {
        /// Its result.
        sudo_result: DispatchResult,
    },
    /// The sudo key changed.
    KeyChanged {
        /// The previous key.
        old: Option<AccountId20>,
        /// The new key.
        new: AccountId20,
    },
    /// The sudo key was removed; sudo is disabled for good.
    KeyRemoved,
    /// A call was dispatched as another account.
    SudoAsDone {
        /// Its result.
        sudo_result: DispatchResult,
    },
}

pallet_error! {
    /// Errors of the sudo pallet.
    pub enum Error<T: Config> {
        /// The sender is not the sudo key.
        RequireSudo,
    }
}

/// The layout of the pallet's storage (see the `next-version` feature).
#[cfg(not(feature = "next-version"))]
pub const STORAGE_VERSION: u16 = 0;
/// The layout of the pallet's storage (see the `next-version` feature).
#[cfg(feature = "next-version")]
pub const STORAGE_VERSION: u16 = 1;

#[cfg(not(feature = "next-version"))]
storage! {
    pallet = "Sudo", config = Config;
    /// The account allowed to use sudo.
    pub type Key = StorageValue<AccountId20>;
}

#[cfg(feature = "next-version")]
storage! {
    pallet = "Sudo", config = Config;
    /// The account allowed to use sudo, and since when.
    pub type Key = StorageValue<KeyInfo>;
}

/// The sudo key and the block it was set at (storage version 1).
#[cfg(feature = "next-version")]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct KeyInfo {
    /// The account allowed to use sudo.
    pub account: AccountId20,
    /// The block it became the key (the upgrade's block for a key older than version 1).
    pub since: lux_primitives::BlockNumber,
}

/// Genesis configuration: the sudo key, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// The sudo key; `None` disables sudo.
    pub key: Option<AccountId20>,
}

impl GenesisConfig {
    /// Writes the key (nothing here can fail; the signature is every pallet's).
    pub fn build<T: Config>(&self) -> Result<(), alloc::string::String> {
        if let Some(key) = self.key {
            Pallet::<T>::put_key(key);
        }
        lux_support::storage::StorageVersion::put("Sudo", STORAGE_VERSION);
        Ok(())
    }
}

/// Weight of sudo's own work, added to the inner call's.
const SUDO_WEIGHT: Weight = Weight::from_parts(5 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// Calls of the sudo pallet (indices are Substrate's).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call<RuntimeCall> {
    /// Dispatches `call` as root.
    #[codec(index = 0)]
    sudo {
        /// The call.
        call: Box<RuntimeCall>,
    },
    /// Dispatches `call` as root, charging `weight` instead of its declared weight.
    #[codec(index = 1)]
    sudo_unchecked_weight {
        /// The call.
        call: Box<RuntimeCall>,
        /// The weight to charge.
        weight: Weight,
    },
    /// Makes `new` the sudo key.
    #[codec(index = 2)]
    set_key {
        /// The new key.
        new: AccountId20,
    },
    /// Dispatches `call` signed by `who`.
    #[codec(index = 3)]
    sudo_as {
        /// The account to act as.
        who: AccountId20,
        /// The call.
        call: Box<RuntimeCall>,
    },
    /// Removes the key, disabling sudo for good.
    #[codec(index = 4)]
    remove_key,
    /// Removes the key, disabling sudo for good (root: governance ends sudo).
    #[cfg(feature = "next-version")]
    #[codec(index = 5)]
    force_remove_key,
}

impl<C: GetDispatchInfo> GetDispatchInfo for Call<C> {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let (weight, class) = match self {
            Self::sudo { call } | Self::sudo_as { call, .. } => {
                let inner = call.get_dispatch_info();
                (inner.weight.saturating_add(SUDO_WEIGHT), inner.class)
            }
            Self::sudo_unchecked_weight { call, weight } => {
                (weight.saturating_add(SUDO_WEIGHT), call.get_dispatch_info().class)
            }
            Self::set_key { .. } | Self::remove_key => {
                (SUDO_WEIGHT, lux_support::DispatchClass::Normal)
            }
            #[cfg(feature = "next-version")]
            Self::force_remove_key => (SUDO_WEIGHT, lux_support::DispatchClass::Operational),
        };
        DispatchInfo { weight, class, pays_fee: Pays::Yes }
    }
}

impl<C: Dispatchable> Call<C> {
    /// Runs the call as `origin`, which must be signed by the sudo key.
    pub fn dispatch<T: Config<RuntimeCall = C>>(
        self,
        origin: RawOrigin,
    ) -> DispatchResultWithPostInfo {
        #[cfg(feature = "next-version")]
        if let Self::force_remove_key = self {
            lux_support::ensure_root(origin)?;
            Key::kill();
            Pallet::<T>::deposit_event(Event::KeyRemoved);
            return Ok(PostDispatchInfo::default());
        }
        let sender = ensure_signed(origin)?;
        if Pallet::<T>::key() != Some(sender) {
            return Err(Error::<T>::RequireSudo.into());
        }
        match self {
            // The inner call runs in its own storage layer: if it fails, its changes are
            // discarded while sudo itself succeeds and reports the failure.
            Self::sudo { call } | Self::sudo_unchecked_weight { call, .. } => {
                let sudo_result = with_storage_layer(|| call.dispatch(RawOrigin::Root))
                    .map(|_| ())
                    .map_err(|e| e.error);
                Pallet::<T>::deposit_event(Event::Sudid { sudo_result });
            }
            Self::sudo_as { who, call } => {
                let sudo_result = with_storage_layer(|| call.dispatch(RawOrigin::Signed(who)))
                    .map(|_| ())
                    .map_err(|e| e.error);
                Pallet::<T>::deposit_event(Event::SudoAsDone { sudo_result });
            }
            Self::set_key { new } => {
                Pallet::<T>::put_key(new);
                Pallet::<T>::deposit_event(Event::KeyChanged { old: Some(sender), new });
            }
            Self::remove_key => {
                Key::kill();
                Pallet::<T>::deposit_event(Event::KeyRemoved);
            }
            #[cfg(feature = "next-version")]
            Self::force_remove_key => {}
        }
        // The sudo key does not pay for root calls.
        Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::No })
    }
}

#[cfg(not(feature = "next-version"))]
impl<T: Config> Hooks for Pallet<T> {}

#[cfg(feature = "next-version")]
impl<T: Config> Hooks for Pallet<T> {
    /// Migrates storage version 0 (`Key` is a bare account) to 1 (`KeyInfo`), once: a state
    /// already at version 1 is left as it is.
    fn on_runtime_upgrade() -> lux_support::Weight {
        use lux_support::storage::{unhashed, StorageVersion};
        // One storage access is about 25 µs.
        if StorageVersion::get("Sudo") >= 1 {
            return lux_support::Weight::from_micros(25);
        }
        let key = Key::hashed_key();
        if let Some(account) = unhashed::get::<AccountId20>(&key) {
            let since = pallet_system::Pallet::<T>::block_number();
            Key::put(KeyInfo { account, since });
        }
        StorageVersion::put("Sudo", 1);
        lux_support::runtime_log!(Info, "sudo", "migrated sudo storage to version 1");
        lux_support::Weight::from_micros(4 * 25)
    }
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The sudo key.
    #[cfg(not(feature = "next-version"))]
    pub fn key() -> Option<AccountId20> {
        Key::get()
    }

    /// The sudo key.
    #[cfg(feature = "next-version")]
    pub fn key() -> Option<AccountId20> {
        Key::get().map(|info| info.account)
    }

    #[cfg(not(feature = "next-version"))]
    fn put_key(account: AccountId20) {
        Key::put(account);
    }

    #[cfg(feature = "next-version")]
    fn put_key(account: AccountId20) {
        let since = pallet_system::Pallet::<T>::block_number();
        Key::put(KeyInfo { account, since });
    }
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call<<T as Config>::RuntimeCall>>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec::Vec::new(),
            docs: &["A single key that may dispatch calls as root (dev and local chains only)."],
        }
    }
}
