//! A runtime with system, balances and preimage, for the preimage tests.

use crate::{self as preimage, Config};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance};
use scale_info::TypeInfo;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Preimage(preimage::Event),
}

pallet_system::impl_test_event_from!(
    RuntimeEvent:
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Preimage(preimage::Event),
);

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [
        pallet_system::Pallet<Test> => 0,
        pallet_balances::Pallet<Test> => 3,
        preimage::Pallet<Test> => 8,
    ],
);

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = 1;
}

/// Deposit of a preimage in the tests.
pub const BASE: Balance = 2;
/// Deposit per byte in the tests.
pub const PER_BYTE: Balance = 1;

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    const BASE_DEPOSIT: Balance = BASE;
    const BYTE_DEPOSIT: Balance = PER_BYTE;
}

pub type Balances = pallet_balances::Pallet<Test>;
pub type Preimage = preimage::Pallet<Test>;

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

/// Accounts 1 and 2 hold 100 each; block 1 has begun (so events are kept).
pub fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        pallet_balances::GenesisConfig { balances: vec![(account(1), 100), (account(2), 100)] }
            .build::<Test>()
            .expect("genesis");
        pallet_system::Pallet::<Test>::initialize(1, Default::default(), &Default::default());
    });
    ext
}

/// The preimage events of the current block.
pub fn events() -> Vec<preimage::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Preimage(e) => Some(e),
            _ => None,
        })
        .collect()
}
