//! A runtime with system and balances, for the balances pallet's tests.

use crate::{self as balances, Config, GenesisConfig};
use alloc::borrow::Cow;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::any::TypeId;
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, RuntimeVersion, H256};
use lux_support::{PalletInfo, Weight};
use scale_info::TypeInfo;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    #[codec(index = 0)]
    System(pallet_system::Event),
    #[codec(index = 3)]
    Balances(balances::Event),
}

impl From<pallet_system::Event> for RuntimeEvent {
    fn from(e: pallet_system::Event) -> Self {
        Self::System(e)
    }
}

impl From<balances::Event> for RuntimeEvent {
    fn from(e: balances::Event) -> Self {
        Self::Balances(e)
    }
}

pub struct TestPalletInfo;

impl PalletInfo for TestPalletInfo {
    fn index<P: 'static>() -> Option<usize> {
        let p = TypeId::of::<P>();
        if p == TypeId::of::<pallet_system::Pallet<Test>>() {
            Some(0)
        } else if p == TypeId::of::<balances::Pallet<Test>>() {
            Some(3)
        } else {
            None
        }
    }
    fn name<P: 'static>() -> Option<&'static str> {
        None
    }
}

impl pallet_system::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type PalletInfo = TestPalletInfo;
    const VERSION: RuntimeVersion = RuntimeVersion {
        spec_name: Cow::Borrowed("test"),
        impl_name: Cow::Borrowed("test"),
        authoring_version: 1,
        spec_version: 1,
        impl_version: 1,
        apis: Cow::Borrowed(&[]),
        transaction_version: 1,
        system_version: 1,
    };
    const BLOCK_HASH_COUNT: u32 = 10;
    const BLOCK_WEIGHTS: pallet_system::BlockWeights = pallet_system::BlockWeights {
        base_block: Weight::ZERO,
        max_block: Weight::MAX,
        base_extrinsic: Weight::ZERO,
        normal_ratio_percent: 75,
    };
    const BLOCK_LENGTH: pallet_system::BlockLength =
        pallet_system::BlockLength { max: 1 << 20, normal_ratio_percent: 75 };
}

pub const ED: Balance = 10;

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = ED;
}

pub type Balances = balances::Pallet<Test>;

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

/// Builds a test state with initial balances.
#[derive(Default)]
pub struct ExtBuilder {
    balances: Vec<(AccountId20, Balance)>,
}

impl ExtBuilder {
    pub fn balances(mut self, balances: &[(u8, Balance)]) -> Self {
        self.balances = balances.iter().map(|(n, b)| (account(*n), *b)).collect();
        self
    }

    pub fn build(self) -> TestExternalities {
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            pallet_system::GenesisConfig::default().build::<Test>();
            GenesisConfig { balances: self.balances }.build::<Test>().expect("valid genesis");
            pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
        });
        ext
    }
}

/// Balances events of the current block.
pub fn balance_events() -> Vec<balances::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Balances(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// System events of the current block.
pub fn system_events() -> Vec<pallet_system::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::System(e) => Some(e),
            _ => None,
        })
        .collect()
}
