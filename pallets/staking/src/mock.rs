//! A runtime with system, timestamp, balances, session and staking, for the staking tests.

use crate::{self as staking, Config, GenesisConfig, StakerStatus};
use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_io::TestExternalities;
use lux_primitives::consensus::PreDigest;
use lux_primitives::{AccountId20, Balance, Perbill, H256};
use lux_support::Hooks;
use pallet_session::SessionKeys;
use scale_info::TypeInfo;

pub struct Test;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Session(pallet_session::Event),
    Staking(staking::Event),
}

pallet_system::impl_test_event_from!(
    RuntimeEvent:
    System(pallet_system::Event),
    Balances(pallet_balances::Event),
    Session(pallet_session::Event),
    Staking(staking::Event),
);

pallet_system::impl_test_config!(
    Test,
    event = RuntimeEvent,
    info = TestPalletInfo,
    pallets = [
        pallet_system::Pallet<Test> => 0,
        pallet_balances::Pallet<Test> => 3,
        pallet_session::Pallet<Test> => 2,
        staking::Pallet<Test> => 6,
    ],
);

pub const ED: Balance = 10;

impl pallet_balances::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = ED;
}

impl pallet_timestamp::Config for Test {
    const MINIMUM_PERIOD: u64 = 1;
    const MAX_DRIFT: u64 = 1_000_000;
}

impl pallet_session::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type SessionManager = Staking;
    type ReportOffence = Staking;
}

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
}

pub type Balances = pallet_balances::Pallet<Test>;
pub type Session = pallet_session::Pallet<Test>;
pub type Staking = staking::Pallet<Test>;

/// Slots per session in the tests.
pub const EPOCH_LENGTH: u64 = 10;
/// Sessions per era in the tests.
pub const SESSIONS_PER_ERA: u32 = 3;
/// Bonding duration in the tests.
pub const BONDING_DURATION: u32 = 3;
/// Slash deferral in the tests.
pub const SLASH_DEFER_DURATION: u32 = 2;
/// Payout per era in the tests.
pub const ERA_PAYOUT: Balance = 1_000_000;

pub fn account(n: u8) -> AccountId20 {
    AccountId20([n; 20])
}

pub fn key_pair(n: u8) -> lux_keys::Sr25519Pair {
    lux_keys::Sr25519Pair::from_seed(&[n; 32])
}

pub fn keys(n: u8) -> SessionKeys {
    SessionKeys { lux: lux_primitives::Sr25519Public(key_pair(n).public()) }
}

/// Registers `n`'s session keys (with a proof) as `n` would.
pub fn set_keys(n: u8) {
    let proof = key_pair(n).sign(&pallet_session::ownership_payload(&account(n))).to_vec();
    pallet_session::Call::set_keys { keys: keys(n), proof }
        .dispatch::<Test>(lux_support::RawOrigin::Signed(account(n)))
        .expect("keys set");
}

/// Builds a test state: accounts 1..=20 with balances, validators 1..=`validators` bonded with
/// `1_000 * n` each and their keys registered, and the given extra stakers.
pub struct ExtBuilder {
    validators: u8,
    validator_count: u32,
    minimum_validator_count: u32,
    stakers: Vec<(AccountId20, Balance, StakerStatus)>,
    slash_defer_duration: u32,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        Self {
            validators: 3,
            validator_count: 3,
            minimum_validator_count: 1,
            stakers: Vec::new(),
            slash_defer_duration: SLASH_DEFER_DURATION,
        }
    }
}

impl ExtBuilder {
    pub fn validators(mut self, n: u8) -> Self {
        self.validators = n;
        self
    }
    pub fn validator_count(mut self, n: u32) -> Self {
        self.validator_count = n;
        self
    }
    pub fn minimum_validator_count(mut self, n: u32) -> Self {
        self.minimum_validator_count = n;
        self
    }
    pub fn nominator(mut self, n: u8, value: Balance, targets: &[u8]) -> Self {
        let targets = targets.iter().map(|t| account(*t)).collect();
        self.stakers.push((account(n), value, StakerStatus::Nominator(targets)));
        self
    }
    pub fn slash_defer_duration(mut self, n: u32) -> Self {
        self.slash_defer_duration = n;
        self
    }

    pub fn build(self) -> TestExternalities {
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            pallet_system::GenesisConfig::default().build::<Test>().expect("system genesis");
            let balances = (1..=20).map(|n| (account(n), 1_000_000)).collect();
            pallet_balances::GenesisConfig { balances }.build::<Test>().expect("balances");
            let session_keys = (1..=self.validators).map(|n| (account(n), keys(n))).collect();
            pallet_session::GenesisConfig {
                slot_duration: 1_000,
                epoch_length: EPOCH_LENGTH,
                keys: session_keys,
            }
            .build::<Test>()
            .expect("session genesis");
            let mut stakers: Vec<_> = (1..=self.validators)
                .map(|n| (account(n), 1_000 * Balance::from(n), StakerStatus::Validator))
                .collect();
            stakers.extend(self.stakers);
            GenesisConfig {
                validator_count: self.validator_count,
                minimum_validator_count: self.minimum_validator_count,
                stakers,
                min_validator_bond: 100,
                min_nominator_bond: 10,
                slash_reward_fraction: Perbill::from_percent(10),
                sessions_per_era: SESSIONS_PER_ERA,
                bonding_duration: BONDING_DURATION,
                slash_defer_duration: self.slash_defer_duration,
                history_depth: 4,
                era_payout: ERA_PAYOUT,
                ..Default::default()
            }
            .build::<Test>()
            .expect("staking genesis");
            BLOCK.with(|b| b.set((0, 0)));
        });
        ext
    }
}

std::thread_local! {
    /// The last block's number and slot.
    static BLOCK: std::cell::Cell<(u32, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// Runs one block in `slot` authored by the validator at `author_index`, as the executive
/// would: system, session and staking hooks, the timestamp, then the finalize hooks.
pub fn run_block(slot: u64, author_index: u32) {
    let (number, _) = BLOCK.with(|b| b.get());
    let number = number + 1;
    BLOCK.with(|b| b.set((number, slot)));
    let mut digest = lux_primitives::Digest::default();
    digest.push(PreDigest::Secondary { authority_index: author_index, slot }.to_digest_item());
    pallet_system::Pallet::<Test>::initialize(number, H256::zero(), &digest);
    pallet_session::Pallet::<Test>::on_initialize(number);
    Staking::on_initialize(number);
    pallet_timestamp::Call::set { now: slot * 1_000 }
        .dispatch::<Test>(lux_support::RawOrigin::None)
        .expect("timestamp");
    pallet_timestamp::Pallet::<Test>::on_finalize(number);
    Staking::on_finalize(number);
}

/// The slot of the last block.
pub fn last_slot() -> u64 {
    BLOCK.with(|b| b.get()).1
}

/// Runs blocks (one per session, authored by index 0) until session `index` has started.
pub fn start_session(index: u32) {
    if BLOCK.with(|b| b.get()).0 == 0 {
        run_block(EPOCH_LENGTH, 0);
    }
    while Session::current_index() < index {
        let (_, slot) = BLOCK.with(|b| b.get());
        run_block((slot / EPOCH_LENGTH + 1) * EPOCH_LENGTH, 0);
    }
}

/// Runs blocks until era `era` is active.
pub fn start_era(era: u32) {
    while Staking::active_era().unwrap_or(0) < era {
        start_session(Session::current_index() + 1);
    }
}

/// Staking events so far in this block.
pub fn staking_events() -> Vec<staking::Event> {
    pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Staking(e) => Some(e),
            _ => None,
        })
        .collect()
}
