//! A runtime with system, balances and referenda, a recording scheduler and an in-memory
//! preimage store, for the referenda tests.

use crate::{self as referenda, Config, Curve, GenesisConfig, TrackInfo};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, BlockNumber, Perbill, H256};
use lux_support::governance::{
    Bounded, DispatchTime, QueryPreimage, ScheduleNamed, TaskName, TrackId,
};
use lux_support::{DispatchError, Hooks, RawOrigin};
use scale_info::TypeInfo;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Referenda(referenda::Event),
}

pallet_system::impl_test_event_from!(
    RuntimeEvent:
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Referenda(referenda::Event),
);

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [
        pallet_system::Pallet<Test> => 0,
        pallet_balances::Pallet<Test> => 3,
        referenda::Pallet<Test> => 21,
    ],
);

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = 1;
}

/// The submission deposit in the tests.
pub const SUBMISSION_DEPOSIT: Balance = 10;
/// The queue bound in the tests.
pub const MAX_QUEUED: u32 = 3;
/// The undeciding time-out in the tests.
pub const UNDECIDING_TIMEOUT: BlockNumber = 30;
/// Referenda serviced per block in the tests.
pub const MAX_ALARMS_PER_BLOCK: u32 = 2;

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Scheduler = MockScheduler;
    type Preimages = MockPreimages;
    const SUBMISSION_DEPOSIT: Balance = SUBMISSION_DEPOSIT;
    const MAX_QUEUED: u32 = MAX_QUEUED;
    const UNDECIDING_TIMEOUT: BlockNumber = UNDECIDING_TIMEOUT;
    const MAX_ALARMS_PER_BLOCK: u32 = MAX_ALARMS_PER_BLOCK;
}

pub type System = pallet_system::Pallet<Test>;
pub type Balances = pallet_balances::Pallet<Test>;
pub type Referenda = referenda::Pallet<Test>;

/// A task the referenda pallet scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub id: TaskName,
    pub when: DispatchTime,
    pub priority: u8,
    pub origin: RawOrigin,
    pub call: Bounded,
}

std::thread_local! {
    static SCHEDULED: RefCell<Vec<Scheduled>> = const { RefCell::new(Vec::new()) };
    static SCHEDULER_FAILS: Cell<bool> = const { Cell::new(false) };
    static NOTED: RefCell<BTreeMap<H256, Vec<u8>>> = const { RefCell::new(BTreeMap::new()) };
    static REQUESTS: RefCell<BTreeMap<H256, u32>> = const { RefCell::new(BTreeMap::new()) };
    static EVENTS: RefCell<Vec<referenda::Event>> = const { RefCell::new(Vec::new()) };
}

/// Records `schedule_named` calls (or fails them all, see [`scheduler_fails`]).
pub struct MockScheduler;

impl ScheduleNamed for MockScheduler {
    fn schedule_named(
        id: TaskName,
        when: DispatchTime,
        priority: u8,
        origin: RawOrigin,
        call: Bounded,
    ) -> Result<(), DispatchError> {
        if SCHEDULER_FAILS.with(|f| f.get()) {
            return Err(DispatchError::Exhausted);
        }
        SCHEDULED.with(|s| s.borrow_mut().push(Scheduled { id, when, priority, origin, call }));
        Ok(())
    }

    fn cancel_named(id: TaskName) -> Result<(), DispatchError> {
        SCHEDULED.with(|s| s.borrow_mut().retain(|t| t.id != id));
        Ok(())
    }

    fn next_dispatch_time(id: TaskName) -> Option<BlockNumber> {
        SCHEDULED.with(|s| {
            s.borrow().iter().find(|t| t.id == id).map(|t| match t.when {
                DispatchTime::At(n) => n,
                DispatchTime::After(n) => n,
            })
        })
    }
}

/// The tasks scheduled so far.
pub fn scheduled() -> Vec<Scheduled> {
    SCHEDULED.with(|s| s.borrow().clone())
}

/// Makes every `schedule_named` fail.
pub fn scheduler_fails() {
    SCHEDULER_FAILS.with(|f| f.set(true));
}

/// Preimages noted by the tests, and the requests counted per hash.
pub struct MockPreimages;

impl QueryPreimage for MockPreimages {
    fn len(hash: &H256) -> Option<u32> {
        NOTED.with(|n| n.borrow().get(hash).map(|b| b.len() as u32))
    }
    fn fetch(hash: &H256, _: Option<u32>) -> Option<Vec<u8>> {
        NOTED.with(|n| n.borrow().get(hash).cloned())
    }
    fn is_requested(hash: &H256) -> bool {
        requests(hash) > 0
    }
    fn request(hash: &H256) {
        REQUESTS.with(|r| *r.borrow_mut().entry(*hash).or_insert(0) += 1);
    }
    fn unrequest(hash: &H256) {
        REQUESTS.with(|r| {
            let mut r = r.borrow_mut();
            let count = r.get(hash).copied().unwrap_or(0);
            assert!(count > 0, "unrequested more often than requested");
            if count == 1 {
                r.remove(hash);
            } else {
                r.insert(*hash, count - 1);
            }
        });
    }
}

/// Notes `bytes` as a preimage; returns its hash.
pub fn note_preimage(bytes: &[u8]) -> H256 {
    let hash = H256(lux_io::hashing::blake2_256(bytes));
    NOTED.with(|n| n.borrow_mut().insert(hash, bytes.to_vec()));
    hash
}

/// How many requests `hash` has.
pub fn requests(hash: &H256) -> u32 {
    REQUESTS.with(|r| r.borrow().get(hash).copied().unwrap_or(0))
}

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

/// Each of accounts 1..=10 holds this at genesis.
pub const ENDOWMENT: Balance = 1_000;
/// The total issuance at genesis.
pub const ISSUANCE: Balance = 10 * ENDOWMENT;
/// The root track's decision deposit.
pub const DECISION_DEPOSIT: Balance = 100;
/// The root track's periods.
pub const PREPARE_PERIOD: BlockNumber = 2;
pub const DECISION_PERIOD: BlockNumber = 20;
pub const CONFIRM_PERIOD: BlockNumber = 4;
pub const MIN_ENACTMENT_PERIOD: BlockNumber = 3;

/// Approval from 100% at the start down to 50% at the end, linearly.
pub fn approval_curve() -> Curve {
    Curve::LinearDecreasing {
        length: Perbill::one(),
        floor: Perbill::from_percent(50),
        ceil: Perbill::one(),
    }
}

/// Support from 50% at the start down to 0% at the end, linearly.
pub fn support_curve() -> Curve {
    Curve::LinearDecreasing {
        length: Perbill::one(),
        floor: Perbill::zero(),
        ceil: Perbill::from_percent(50),
    }
}

/// The root track of the tests.
pub fn root_track() -> TrackInfo {
    TrackInfo {
        name: "root".into(),
        max_deciding: 1,
        decision_deposit: DECISION_DEPOSIT,
        prepare_period: PREPARE_PERIOD,
        decision_period: DECISION_PERIOD,
        confirm_period: CONFIRM_PERIOD,
        min_enactment_period: MIN_ENACTMENT_PERIOD,
        min_approval: approval_curve(),
        min_support: support_curve(),
    }
}

/// Builds a test state at block 1: accounts 1..=10 with [`ENDOWMENT`] each, and the tracks
/// (by default the root track as 0 and a second track, `other`, as 1).
pub struct ExtBuilder {
    tracks: Vec<(TrackId, TrackInfo)>,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        let mut other = root_track();
        other.name = "other".into();
        other.max_deciding = 5;
        Self { tracks: vec![(0, root_track()), (1, other)] }
    }
}

impl ExtBuilder {
    pub fn root_track(mut self, f: impl FnOnce(&mut TrackInfo)) -> Self {
        f(&mut self.tracks[0].1);
        self
    }

    pub fn build(self) -> TestExternalities {
        SCHEDULED.with(|s| s.borrow_mut().clear());
        SCHEDULER_FAILS.with(|f| f.set(false));
        NOTED.with(|n| n.borrow_mut().clear());
        REQUESTS.with(|r| r.borrow_mut().clear());
        EVENTS.with(|e| e.borrow_mut().clear());
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            pallet_system::GenesisConfig::default().build::<Test>().expect("system genesis");
            let balances = (1..=10).map(|n| (account(n), ENDOWMENT)).collect();
            pallet_balances::GenesisConfig { balances }.build::<Test>().expect("balances");
            GenesisConfig { tracks: self.tracks }.build::<Test>().expect("referenda genesis");
            System::initialize(1, H256::zero(), &Default::default());
        });
        ext
    }
}

/// Runs blocks until block `n` has started: each block starts with system's initialization
/// and referenda's hook. The referenda events of every block are kept for [`take_events`].
pub fn run_to_block(n: BlockNumber) {
    while System::block_number() < n {
        keep_events();
        let next = System::block_number() + 1;
        System::initialize(next, H256::zero(), &Default::default());
        Referenda::on_initialize(next);
    }
}

/// Runs the next block's start.
pub fn next_block() {
    run_to_block(System::block_number() + 1);
}

/// Moves this block's referenda events to the kept ones.
fn keep_events() {
    let events: Vec<referenda::Event> = System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Referenda(e) => Some(e),
            _ => None,
        })
        .collect();
    pallet_system::Events::<Test>::kill();
    pallet_system::EventCount::kill();
    EVENTS.with(|e| e.borrow_mut().extend(events));
}

/// The referenda events since the last call, in order.
pub fn take_events() -> Vec<referenda::Event> {
    keep_events();
    EVENTS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}
