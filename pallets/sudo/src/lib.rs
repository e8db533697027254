//! The sudo pallet: a single key that may dispatch calls as root.
//!
//! Only the dev and local chain presets set a key; without one (any other chain) every call
//! fails with `RequireSudo`, so the pallet is inert. Root calls made through sudo are free.

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

storage! {
    pallet = "Sudo", config = Config;
    /// The account allowed to use sudo.
    pub type Key = StorageValue<AccountId20>;
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
            Key::put(key);
        }
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
        let sender = ensure_signed(origin)?;
        if Key::get() != Some(sender) {
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
                Key::put(new);
                Pallet::<T>::deposit_event(Event::KeyChanged { old: Some(sender), new });
            }
            Self::remove_key => {
                Key::kill();
                Pallet::<T>::deposit_event(Event::KeyRemoved);
            }
        }
        // The sudo key does not pay for root calls.
        Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::No })
    }
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The sudo key.
    pub fn key() -> Option<AccountId20> {
        Key::get()
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
