//! A runtime with system and balances, for the balances pallet's tests.

use crate::{self as balances, Config, GenesisConfig};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, H256};
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

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [pallet_system::Pallet<Test> => 0, balances::Pallet<Test> => 3],
);

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
            pallet_system::GenesisConfig::default().build::<Test>().expect("system genesis");
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
