//! A runtime with only the system pallet, for its unit tests.

use crate::{self as system, Config, GenesisConfig};
use alloc::borrow::Cow;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::any::TypeId;
use lux_io::TestExternalities;
use lux_primitives::{RuntimeVersion, H256};
use lux_support::{PalletInfo, Weight};
use scale_info::TypeInfo;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    #[codec(index = 0)]
    System(system::Event),
}

impl From<system::Event> for RuntimeEvent {
    fn from(e: system::Event) -> Self {
        Self::System(e)
    }
}

pub struct TestPalletInfo;

impl PalletInfo for TestPalletInfo {
    fn index<P: 'static>() -> Option<usize> {
        (TypeId::of::<P>() == TypeId::of::<system::Pallet<Test>>()).then_some(0)
    }
    fn name<P: 'static>() -> Option<&'static str> {
        (TypeId::of::<P>() == TypeId::of::<system::Pallet<Test>>()).then_some("System")
    }
}

pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("test"),
    impl_name: Cow::Borrowed("test"),
    authoring_version: 1,
    spec_version: 10,
    impl_version: 1,
    apis: Cow::Borrowed(&[]),
    transaction_version: 1,
    system_version: 1,
};

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type PalletInfo = TestPalletInfo;
    const VERSION: RuntimeVersion = VERSION;
    const BLOCK_HASH_COUNT: u32 = 10;
    const BLOCK_WEIGHTS: system::BlockWeights = system::BlockWeights {
        base_block: Weight::from_parts(1_000, 0),
        max_block: Weight::from_parts(1_000_000, u64::MAX),
        base_extrinsic: Weight::from_parts(100, 0),
        normal_ratio_percent: 75,
    };
    const BLOCK_LENGTH: system::BlockLength =
        system::BlockLength { max: 1_000, normal_ratio_percent: 75 };
}

pub type System = system::Pallet<Test>;

/// A state after genesis, with block 1 initialized on top of a genesis hash of 0x01...
pub fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        GenesisConfig::default().build::<Test>().expect("system genesis");
        System::initialize(1, H256::repeat_byte(1), &Default::default());
    });
    ext
}

pub fn events() -> Vec<system::Event> {
    System::events()
        .into_iter()
        .map(|r| match r.event {
            RuntimeEvent::System(e) => e,
        })
        .collect()
}
