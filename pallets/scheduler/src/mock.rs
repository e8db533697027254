//! A runtime with system, balances, preimage and the scheduler, plus a `Logger` call that
//! records what ran, for the scheduler tests.

use crate::{self as scheduler, Config};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, BlockNumber};
use lux_support::{
    DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Dispatchable, GetDispatchInfo, Hooks,
    Pays, PostDispatchInfo, RawOrigin, ValueQuery, Weight,
};
use scale_info::TypeInfo;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Preimage(pallet_preimage::Event),
    Scheduler(scheduler::Event),
}

pallet_system::impl_test_event_from!(
    RuntimeEvent:
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Preimage(pallet_preimage::Event),
    Scheduler(scheduler::Event),
);

/// A test call: `log` records `(origin is root, i)` in `Logged` and declares `weight`
/// (micro-units); `fail` always fails; `padded` is a long call (held as a preimage).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum LoggerCall {
    log { i: u32, weight: u64 },
    fail,
    padded { i: u32, padding: Vec<u8> },
}

lux_support::storage! {
    pallet = "Logger", config = Config;
    /// What ran, in order.
    pub type Logged = StorageValue<Vec<(bool, u32)>, ValueQuery>;
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeCall {
    #[codec(index = 0)]
    System(pallet_system::Call),
    #[codec(index = 7)]
    Scheduler(scheduler::Call<RuntimeCall>),
    #[codec(index = 99)]
    Logger(LoggerCall),
}

impl GetDispatchInfo for RuntimeCall {
    fn get_dispatch_info(&self) -> DispatchInfo {
        match self {
            Self::System(c) => c.get_dispatch_info(),
            Self::Scheduler(c) => c.get_dispatch_info(),
            Self::Logger(LoggerCall::log { weight, .. }) => DispatchInfo {
                weight: Weight::from_parts(*weight, 0),
                class: DispatchClass::Normal,
                pays_fee: Pays::Yes,
            },
            Self::Logger(_) => DispatchInfo::default(),
        }
    }
}

impl Dispatchable for RuntimeCall {
    fn dispatch(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::System(c) => c.dispatch::<Test>(origin),
            Self::Scheduler(c) => c.dispatch::<Test>(origin),
            Self::Logger(LoggerCall::log { i, .. } | LoggerCall::padded { i, .. }) => {
                Logged::mutate(|l| l.push((origin == RawOrigin::Root, i)));
                Ok(PostDispatchInfo::default())
            }
            Self::Logger(LoggerCall::fail) => {
                Logged::mutate(|l| l.push((false, u32::MAX)));
                Err(lux_support::DispatchError::Other("logger failed").into())
            }
        }
    }
}

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [
        pallet_system::Pallet<Test> => 0,
        pallet_balances::Pallet<Test> => 3,
        scheduler::Pallet<Test> => 7,
        pallet_preimage::Pallet<Test> => 8,
    ],
);

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = 1;
}

impl pallet_preimage::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    const BASE_DEPOSIT: Balance = 2;
    const BYTE_DEPOSIT: Balance = 1;
}

/// The scheduler's weight per block in the tests.
pub const MAX_WEIGHT: u64 = 1_000_000_000;

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type Preimages = Preimage;
    const MAXIMUM_WEIGHT: Weight = Weight::from_parts(MAX_WEIGHT, u64::MAX);
    const MAX_SCHEDULED_PER_BLOCK: u32 = 10;
}

pub type Balances = pallet_balances::Pallet<Test>;
pub type Preimage = pallet_preimage::Pallet<Test>;
pub type Scheduler = scheduler::Pallet<Test>;

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

pub fn log(i: u32, weight: u64) -> RuntimeCall {
    RuntimeCall::Logger(LoggerCall::log { i, weight })
}

/// State at block 1 (whose agenda has run), with account 1 holding 1000.
pub fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        pallet_balances::GenesisConfig { balances: vec![(account(1), 1_000)] }
            .build::<Test>()
            .expect("genesis");
        run_to_block(1);
    });
    ext
}

/// Runs blocks up to `n`: each starts, runs the scheduler's hook, and ends.
pub fn run_to_block(n: BlockNumber) {
    let mut now = pallet_system::Pallet::<Test>::block_number();
    while now < n {
        now += 1;
        pallet_system::Pallet::<Test>::initialize(now, Default::default(), &Default::default());
        Scheduler::on_initialize(now);
    }
}

/// What the logger recorded: `(dispatched as root, i)`.
pub fn logged() -> Vec<(bool, u32)> {
    Logged::get()
}

/// The scheduler events of the current block.
pub fn events() -> Vec<scheduler::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Scheduler(e) => Some(e),
            _ => None,
        })
        .collect()
}
