//! The session pallet: who may author and finalize blocks, how long a slot lasts, and the
//! epochs with their randomness.
//!
//! Holds the validators' sr25519 session keys, which sign slot claims, seals and finality
//! votes, and the slot duration the node's block authoring follows. Both come from the chain
//! spec's genesis; the staking pallet will rotate the validator set.
//!
//! Slots are grouped into epochs of `EpochLength` slots, counted from the slot of block 1.
//! Each block's pre-runtime digest tells the pallet its slot: when the slot is in a later epoch
//! than the previous block's, the epoch changes and its randomness becomes the accumulator of
//! the previous epoch's VRF outputs (the rules are [`EpochState`]'s, shared with the node's
//! consensus simulation).
//! The node asks, through `LuxConsensusApi_epoch`, which epoch a slot after the current state
//! falls in, and checks slot claims against it: so what the node checks and what the runtime
//! records are computed by the same code.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;
use lux_io::hashing::blake2_256;
use lux_primitives::consensus::{find_pre_digest, EpochDescriptor, EpochState, Slot};
use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_primitives::Sr25519Public;
use lux_support::{storage, Hooks, ValueQuery, Weight};

/// Probability that a slot has a primary (VRF) author when all stake is online.
pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);

/// Slots per epoch where the genesis config did not say (see [`Pallet::epoch_length`]).
pub const DEFAULT_EPOCH_LENGTH: u64 = 600;

/// Weight of tracking a block's slot: a few storage reads and writes and a hash.
pub const ON_INITIALIZE_WEIGHT: Weight = Weight::from_parts(20 * WEIGHT_REF_TIME_PER_MICROS, 0);

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
    /// Slots per epoch.
    pub type EpochLength = StorageValue<u64, ValueQuery>;
    /// The slot of this block, the current epoch (index, first slot, randomness) and the next
    /// epoch's randomness so far.
    pub type Epoch = StorageValue<EpochState, ValueQuery>;
}

/// Genesis configuration: the first validator set, the slot duration and the epoch length.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Slot length in milliseconds.
    pub slot_duration: u64,
    /// Slots per epoch.
    pub epoch_length: u64,
    /// The validators' session keys.
    pub validators: Vec<Sr25519Public>,
}

impl GenesisConfig {
    /// Writes the validator set, slot duration and epoch length.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        if self.slot_duration == 0 {
            return Err("session.slotDuration must be positive".into());
        }
        if self.epoch_length == 0 {
            return Err("session.epochLength must be positive".into());
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
        EpochLength::put(self.epoch_length);
        Ok(())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    /// Records the block's slot from its pre-runtime digest, changes the epoch when the slot is
    /// in a later one, and absorbs a primary block's VRF output into the next randomness.
    fn on_initialize(_n: lux_primitives::BlockNumber) -> Weight {
        let Some(pre_digest) = find_pre_digest(&pallet_system::Digest::get()) else {
            return Weight::ZERO;
        };
        let mut epoch = Epoch::get();
        if let Err(current) = epoch.enter(&pre_digest, Self::epoch_length(), blake2_256) {
            panic!("slots must increase: slot {} after {current}", pre_digest.slot());
        }
        Epoch::put(epoch);
        ON_INITIALIZE_WEIGHT
    }
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> lux_support::metadata::PalletMeta {
        lux_support::metadata::PalletMeta {
            storage: storage_metadata::<T>(),
            calls: None,
            event: None,
            error: None,
            constants: Vec::new(),
            docs: &["The validator set (sr25519 session keys), the slot duration and epochs."],
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

    /// Slots per epoch. States written before epochs existed have no `EpochLength`: they get
    /// [`DEFAULT_EPOCH_LENGTH`], so a runtime upgrade needs no migration.
    pub fn epoch_length() -> u64 {
        match EpochLength::get() {
            0 => DEFAULT_EPOCH_LENGTH,
            length => length,
        }
    }

    /// The epoch a block in `slot`, built on the current state, belongs to.
    pub fn epoch_for_slot(slot: Slot) -> EpochDescriptor {
        let length = Self::epoch_length();
        let (index, start_slot, randomness) = Epoch::get().epoch_of(slot, length);
        EpochDescriptor {
            index,
            start_slot,
            length,
            randomness,
            authorities: Validators::get().into_iter().map(|key| (key, 1)).collect(),
            primary_probability: PRIMARY_PROBABILITY,
        }
    }

    /// The current epoch (epoch 0, starting at slot 0, before block 1).
    pub fn current_epoch() -> EpochDescriptor {
        Self::epoch_for_slot(Epoch::get().start_slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::consensus::PreDigest;

    #[test]
    fn genesis_validation() {
        let key = Sr25519Public([1; 32]);
        let ok = GenesisConfig { slot_duration: 1000, epoch_length: 10, validators: vec![key] };
        let mut ext = lux_io::TestExternalities::default();
        ext.execute_with(|| {
            assert!(GenesisConfig { slot_duration: 0, ..ok.clone() }.build::<NoRuntime>().is_err());
            assert!(GenesisConfig { epoch_length: 0, ..ok.clone() }.build::<NoRuntime>().is_err());
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

    type Session = Pallet<NoRuntime>;

    fn primary(slot: Slot, output: u8) -> PreDigest {
        PreDigest::Primary {
            authority_index: 0,
            slot,
            vrf_output: [output; 32],
            vrf_proof: [0; 64],
        }
    }

    fn secondary(slot: Slot) -> PreDigest {
        PreDigest::Secondary { authority_index: 0, slot }
    }

    /// Starts block `n` with `pre_digest` in its digest, as the executive does.
    fn enter(n: u32, pre_digest: &PreDigest) {
        let mut digest = lux_primitives::Digest::default();
        digest.push(pre_digest.to_digest_item());
        pallet_system::Pallet::<NoRuntime>::initialize(n, Default::default(), &digest);
        Session::on_initialize(n);
    }

    fn with_genesis(test: impl FnOnce()) {
        let config = GenesisConfig {
            slot_duration: 1000,
            epoch_length: 10,
            validators: vec![Sr25519Public([1; 32]), Sr25519Public([2; 32])],
        };
        lux_io::TestExternalities::default().execute_with(|| {
            config.build::<NoRuntime>().expect("valid");
            test();
        });
    }

    /// The accumulator `start` after absorbing `outputs`.
    fn absorb(start: [u8; 32], outputs: &[[u8; 32]]) -> [u8; 32] {
        use lux_primitives::consensus::accumulate_randomness;
        outputs.iter().fold(start, |acc, o| accumulate_randomness(&acc, o, blake2_256))
    }

    #[test]
    fn epochs_start_at_the_first_block_and_rotate_randomness() {
        with_genesis(|| {
            // Before block 1, any slot starts epoch 0 with zero randomness.
            let epoch = Session::epoch_for_slot(1_000);
            assert_eq!((epoch.index, epoch.start_slot, epoch.length), (0, 1_000, 10));
            assert_eq!(epoch.randomness, [0; 32]);
            assert_eq!(
                epoch.authorities,
                vec![(Sr25519Public([1; 32]), 1), (Sr25519Public([2; 32]), 1)]
            );
            assert_eq!(epoch.primary_probability, PRIMARY_PROBABILITY);

            enter(1, &primary(1_000, 7));
            enter(2, &secondary(1_004));
            enter(3, &primary(1_009, 8));
            let state = Epoch::get();
            assert_eq!(state.genesis_slot, Some(1_000));
            assert_eq!((state.index, state.start_slot, state.current_slot), (0, 1_000, 1_009));
            // Slots in this epoch get it; the next epoch's randomness absorbs both primaries.
            assert_eq!(Session::epoch_for_slot(1_009).randomness, [0; 32]);
            let epoch1 = Session::epoch_for_slot(1_010);
            assert_eq!((epoch1.index, epoch1.start_slot), (1, 1_010));
            // Epoch 0's accumulator starts at zero.
            assert_eq!(epoch1.randomness, absorb([0; 32], &[[7; 32], [8; 32]]));

            // What the node was told is what the runtime records when the block arrives.
            enter(4, &secondary(1_012));
            assert_eq!(Session::current_epoch(), epoch1);
            // A slot in epoch 4 after an empty epoch 2 and 3: the randomness is epoch 1's
            // accumulator (no outputs), the index counts the skipped epochs.
            let epoch4 = Session::epoch_for_slot(1_045);
            assert_eq!((epoch4.index, epoch4.start_slot), (4, 1_040));
            let start = lux_primitives::consensus::randomness_accumulator(
                &epoch1.randomness,
                1,
                blake2_256,
            );
            assert_eq!(epoch4.randomness, absorb(start, &[]));
            enter(5, &primary(1_045, 9));
            assert_eq!(Session::current_epoch(), epoch4);
            // Earlier slots get the current epoch, which does not contain them.
            assert_eq!(Session::epoch_for_slot(1_020), epoch4);
        });
    }

    #[test]
    fn randomness_depends_on_the_outputs() {
        let run = |outputs: [u8; 2]| {
            let mut result = [0; 32];
            with_genesis(|| {
                enter(1, &primary(100, outputs[0]));
                enter(2, &primary(101, outputs[1]));
                result = Session::epoch_for_slot(110).randomness;
            });
            result
        };
        assert_eq!(run([1, 2]), run([1, 2]));
        assert_ne!(run([1, 2]), run([2, 1]));
        assert_ne!(run([1, 2]), run([1, 3]));
    }

    #[test]
    fn the_first_block_may_claim_any_slot() {
        with_genesis(|| {
            enter(1, &secondary(0));
            assert_eq!(Epoch::get().genesis_slot, Some(0));
            enter(2, &secondary(1));
        });
    }

    #[test]
    #[should_panic(expected = "slots must increase")]
    fn a_block_may_not_repeat_a_slot() {
        with_genesis(|| {
            enter(1, &secondary(100));
            enter(2, &secondary(100));
        });
    }

    #[test]
    fn blocks_without_a_claim_change_nothing() {
        with_genesis(|| {
            pallet_system::Pallet::<NoRuntime>::initialize(
                1,
                Default::default(),
                &Default::default(),
            );
            assert_eq!(Session::on_initialize(1), Weight::ZERO);
            assert_eq!(Epoch::get(), EpochState::default());
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
