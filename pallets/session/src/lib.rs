//! The session pallet: who may author and finalize blocks, and how long a slot lasts.
//!
//! Holds the validators' sr25519 session keys, which sign slot claims, seals and finality
//! votes, and the slot duration the node's block authoring follows. Both come from the chain
//! spec's genesis; the staking pallet will rotate the validator set.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;
use lux_primitives::Sr25519Public;
use lux_support::{storage, Hooks, ValueQuery};

/// Configuration of the session pallet.
pub trait Config: pallet_system::Config {}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

storage! {
    pallet = "Session", config = Config;
    /// The current validators' session keys, in authority-index order.
    pub type Validators = StorageValue<Vec<Sr25519Public>, ValueQuery>;
    /// Length of a slot in milliseconds.
    pub type SlotDuration = StorageValue<u64, ValueQuery>;
}

/// Genesis configuration: the first validator set and the slot duration.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Slot length in milliseconds.
    pub slot_duration: u64,
    /// The validators' session keys.
    pub validators: Vec<Sr25519Public>,
}

impl GenesisConfig {
    /// Writes the validator set and slot duration.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        if self.slot_duration == 0 {
            return Err("session.slotDuration must be positive".into());
        }
        if self.validators.is_empty() {
            return Err("session.validators must not be empty".into());
        }
        let mut sorted = self.validators.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.validators.len() {
            return Err("session.validators has duplicates".into());
        }
        Validators::put(&self.validators);
        SlotDuration::put(self.slot_duration);
        Ok(())
    }
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> lux_support::metadata::PalletMeta {
        lux_support::metadata::PalletMeta {
            storage: storage_metadata::<T>(),
            calls: None,
            event: None,
            error: None,
            constants: Vec::new(),
            docs: &["The validator set (sr25519 session keys) and the slot duration."],
        }
    }

    /// The validators' session keys.
    pub fn validators() -> Vec<Sr25519Public> {
        Validators::get()
    }

    /// The slot duration in milliseconds.
    pub fn slot_duration() -> u64 {
        SlotDuration::get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_validation() {
        let key = Sr25519Public([1; 32]);
        let ok = GenesisConfig { slot_duration: 1000, validators: vec![key] };
        let mut ext = lux_io::TestExternalities::default();
        ext.execute_with(|| {
            assert!(GenesisConfig { slot_duration: 0, ..ok.clone() }.build::<NoRuntime>().is_err());
            assert!(GenesisConfig { validators: vec![], ..ok.clone() }
                .build::<NoRuntime>()
                .is_err());
            assert!(GenesisConfig { validators: vec![key, key], ..ok.clone() }
                .build::<NoRuntime>()
                .is_err());
            ok.build::<NoRuntime>().expect("valid");
            assert_eq!(Pallet::<NoRuntime>::validators(), vec![key]);
            assert_eq!(Pallet::<NoRuntime>::slot_duration(), 1000);
        });
    }

    /// The pallet needs nothing from the runtime, so tests use a stub config.
    struct NoRuntime;

    #[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
    enum Ev {
        S(pallet_system::Event),
    }

    impl From<pallet_system::Event> for Ev {
        fn from(e: pallet_system::Event) -> Self {
            Self::S(e)
        }
    }

    pallet_system::impl_test_config!(NoRuntime, event = Ev, info = Info, pallets = []);

    impl Config for NoRuntime {}
}
