//! A runtime with system, balances and conviction voting, and a small poll store standing in
//! for the referenda pallet, for the conviction voting tests.

use crate::{self as conviction_voting, Config};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, BlockNumber, H256};
use lux_support::governance::{PollIndex, PollStatus, Polling, Tally, TrackId};
use lux_support::DispatchError;
use scale_info::TypeInfo;
use std::cell::RefCell;
use std::collections::BTreeMap;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    ConvictionVoting(conviction_voting::Event),
}

pallet_system::impl_test_event_from!(
    RuntimeEvent:
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    ConvictionVoting(conviction_voting::Event),
);

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [
        pallet_system::Pallet<Test> => 0,
        pallet_balances::Pallet<Test> => 3,
        conviction_voting::Pallet<Test> => 20,
    ],
);

pub const ED: Balance = 1;
/// The vote-locking period in the tests.
pub const PERIOD: BlockNumber = 10;
/// Most votes per class in the tests.
pub const MAX_VOTES: u32 = 3;

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = ED;
}

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Polls = TestPolls;
    const VOTE_LOCKING_PERIOD: BlockNumber = PERIOD;
    const MAX_VOTES: u32 = MAX_VOTES;
}

pub type Balances = pallet_balances::Pallet<Test>;
pub type ConvictionVoting = conviction_voting::Pallet<Test>;

/// A poll in the test store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestPoll {
    /// Open, with its tally, in this class.
    Ongoing(Tally, TrackId),
    /// Ended at this block, approved or not.
    Completed(BlockNumber, bool),
}

std::thread_local! {
    static POLLS: RefCell<BTreeMap<PollIndex, TestPoll>> = const { RefCell::new(BTreeMap::new()) };
}

/// The classes test polls can be in.
pub const CLASSES: [TrackId; 2] = [0, 1];

/// Polls kept in a thread-local map, standing in for the referenda pallet.
pub struct TestPolls;

impl Polling for TestPolls {
    fn try_access_poll<R>(
        index: PollIndex,
        f: impl FnOnce(PollStatus<'_>) -> Result<R, DispatchError>,
    ) -> Result<R, DispatchError> {
        match POLLS.with(|p| p.borrow().get(&index).copied()) {
            Some(TestPoll::Ongoing(mut tally, class)) => {
                let result = f(PollStatus::Ongoing(&mut tally, class))?;
                set_poll(index, TestPoll::Ongoing(tally, class));
                Ok(result)
            }
            Some(TestPoll::Completed(end, approved)) => f(PollStatus::Completed(end, approved)),
            None => f(PollStatus::None),
        }
    }

    fn as_ongoing(index: PollIndex) -> Option<(Tally, TrackId)> {
        match POLLS.with(|p| p.borrow().get(&index).copied()) {
            Some(TestPoll::Ongoing(tally, class)) => Some((tally, class)),
            _ => None,
        }
    }

    fn classes() -> Vec<TrackId> {
        CLASSES.to_vec()
    }
}

fn set_poll(index: PollIndex, poll: TestPoll) {
    POLLS.with(|p| p.borrow_mut().insert(index, poll));
}

/// Opens poll `index` in `class` with an empty tally.
pub fn open_poll(index: PollIndex, class: TrackId) {
    set_poll(index, TestPoll::Ongoing(Tally::default(), class));
}

/// Ends poll `index` at the current block, approved or not.
pub fn close_poll(index: PollIndex, approved: bool) {
    set_poll(index, TestPoll::Completed(block_number(), approved));
}

/// Removes poll `index` (a cancelled or killed referendum).
pub fn kill_poll(index: PollIndex) {
    POLLS.with(|p| p.borrow_mut().remove(&index));
}

/// The tally of ongoing poll `index`.
pub fn tally(index: PollIndex) -> Tally {
    TestPolls::as_ongoing(index).expect("ongoing poll").0
}

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

pub fn block_number() -> BlockNumber {
    pallet_system::Pallet::<Test>::block_number()
}

/// Starts block `n` (its events start empty).
pub fn run_to_block(n: BlockNumber) {
    pallet_system::Pallet::<Test>::initialize(n, H256::zero(), &Default::default());
}

/// Builds a test state: accounts 1..=10 with `100 * n` each (account 1: 100, account 2: 200,
/// ...) unless set otherwise, no polls, at block 1.
pub struct ExtBuilder {
    balances: Vec<(AccountId20, Balance)>,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        Self { balances: (1..=10).map(|n| (account(n), 100 * Balance::from(n))).collect() }
    }
}

impl ExtBuilder {
    /// Gives account `n` a balance of `free` instead.
    pub fn balance(mut self, n: u8, free: Balance) -> Self {
        self.balances.retain(|(who, _)| *who != account(n));
        self.balances.push((account(n), free));
        self
    }

    pub fn build(self) -> TestExternalities {
        POLLS.with(|p| p.borrow_mut().clear());
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            pallet_system::GenesisConfig::default().build::<Test>().expect("system genesis");
            pallet_balances::GenesisConfig { balances: self.balances }
                .build::<Test>()
                .expect("balances");
            run_to_block(1);
        });
        ext
    }
}

/// Conviction voting events of the current block.
pub fn voting_events() -> Vec<conviction_voting::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::ConvictionVoting(e) => Some(e),
            _ => None,
        })
        .collect()
}
