//! The staking pallet: stake decides who validates, how much each counts, who is paid and who
//! loses stake for misbehaving.
//!
//! Semantics, names and encodings follow Substrate's pallet-staking (without a separate
//! controller: the stash controls itself, as in recent Substrate), so polkadot.js and people
//! who know Substrate find what they expect:
//! - **Bonding.** `bond` locks part of a stash's balance (lock `staking `, so it stays in the
//!   account but can be neither transferred nor spent); `unbond` moves stake into chunks that
//!   mature `BondingDuration` eras later, `withdraw_unbonded` releases matured chunks, and
//!   `rebond` takes unbonding stake back.
//! - **Intentions.** `validate` (with a commission) or `nominate` up to [`Config::MAX_NOMINATIONS`]
//!   validators; `chill` stops either.
//! - **Eras.** An era is `SessionsPerEra` sessions. One session before an era starts, an
//!   election ([`election::seq_phragmen`]) picks up to `ValidatorCount` validators among the
//!   candidates with session keys and computes each one's exposure (own stake plus its
//!   nominators' parts), stored per era in `ErasStakers`. The session pallet queues the
//!   winners, weighted by exposure, for the next session. An election that yields fewer than
//!   `MinimumValidatorCount` validators is discarded and the current set stays.
//! - **Rewards.** Each block gives its author `20` era points. At the end of an era its
//!   payout (`EraPayout`, fixed, minted when claimed) is recorded; `payout_stakers(validator,
//!   era)` (anyone may call it, for the last `HistoryDepth` eras) splits the validator's share,
//!   by points, into commission first and the rest pro rata to the exposure, paid to each
//!   staker's `Payee` (`Staked` re-bonds it).
//! - **Slashing.** [`Pallet::on_offence`] records an offence of a validator with a slash
//!   fraction: the offender is disabled and chilled at once, and a slash of that fraction of
//!   its own and its nominators' exposed stake (unbonding chunks included) is applied
//!   `SlashDeferDuration` eras later, unless root cancels it (`cancel_deferred_slash`).
//!   A share (`SlashRewardFraction`) goes to the reporters.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod election;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_primitives::{AccountId20, Balance, Perbill};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::{Currency, LockIdentifier, LockableCurrency};
use lux_support::{
    ensure, ensure_root, ensure_signed, pallet_error, storage, Blake2_128Concat, DispatchClass,
    DispatchError, DispatchInfo, DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays,
    RawOrigin, Twox64Concat, ValueQuery, Weight,
};
use pallet_session::{SessionIndex, SessionManager};
use scale_info::TypeInfo;

use election::{seq_phragmen, Voter};

/// An era's index.
pub type EraIndex = u32;
/// Era points.
pub type RewardPoint = u32;

/// The lock on bonded funds.
pub const STAKING_ID: LockIdentifier = *b"staking ";

/// Era points for authoring a block (Substrate's convention).
pub const POINTS_PER_BLOCK: RewardPoint = 20;

/// Configuration of the staking pallet.
pub trait Config: pallet_session::Config + pallet_timestamp::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The currency that is bonded, paid and slashed.
    type Currency: LockableCurrency;
    /// Most validators a nominator may nominate.
    const MAX_NOMINATIONS: u32 = 16;
    /// Most unbonding chunks a ledger may hold at once.
    const MAX_UNLOCKING_CHUNKS: u32 = 32;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Where a staker's rewards go (Substrate's variants and indices).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum RewardDestination {
    /// Paid to the stash and bonded with the rest of its stake.
    #[default]
    #[codec(index = 0)]
    Staked,
    /// Paid to the stash, not bonded.
    #[codec(index = 1)]
    Stash,
    /// Paid to this account.
    #[codec(index = 3)]
    Account(AccountId20),
    /// Not paid.
    #[codec(index = 4)]
    None,
}

/// A validator's preferences.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct ValidatorPrefs {
    /// The validator's cut of its reward, before the rest is shared with its nominators.
    #[codec(compact)]
    pub commission: Perbill,
    /// Whether it refuses new nominations.
    pub blocked: bool,
}

/// Stake on its way out: unlocked at the start of era `era`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct UnlockChunk {
    /// The amount.
    #[codec(compact)]
    pub value: Balance,
    /// The era at whose start it can be withdrawn.
    #[codec(compact)]
    pub era: EraIndex,
}

/// A stash's bonded stake.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct StakingLedger {
    /// The stash (it controls itself).
    pub stash: AccountId20,
    /// Everything locked: active stake plus unbonding chunks.
    #[codec(compact)]
    pub total: Balance,
    /// The stake that counts in elections.
    #[codec(compact)]
    pub active: Balance,
    /// Unbonding chunks, oldest first.
    pub unlocking: Vec<UnlockChunk>,
    /// Eras whose rewards were claimed before `ClaimedRewards` existed (always empty here;
    /// kept for Substrate's layout).
    pub legacy_claimed_rewards: Vec<EraIndex>,
}

impl StakingLedger {
    fn new(stash: AccountId20, value: Balance) -> Self {
        Self {
            stash,
            total: value,
            active: value,
            unlocking: Vec::new(),
            legacy_claimed_rewards: Vec::new(),
        }
    }

    /// Removes the chunks matured by `current_era`; returns how much they held.
    fn consolidate_unlocked(&mut self, current_era: EraIndex) -> Balance {
        let mut freed: Balance = 0;
        self.unlocking.retain(|chunk| {
            if chunk.era > current_era {
                true
            } else {
                freed = freed.saturating_add(chunk.value);
                false
            }
        });
        self.total = self.total.saturating_sub(freed);
        freed
    }

    /// Moves up to `value` from the newest unbonding chunks back to active stake; returns the
    /// amount moved.
    fn rebond(&mut self, value: Balance) -> Balance {
        let mut moved: Balance = 0;
        while let Some(last) = self.unlocking.last_mut() {
            let take = last.value.min(value - moved);
            last.value -= take;
            moved += take;
            if last.value == 0 {
                self.unlocking.pop();
            }
            if moved == value {
                break;
            }
        }
        self.active = self.active.saturating_add(moved);
        moved
    }

    /// Takes up to `value` for a slash: from active stake first, then from unbonding chunks
    /// (newest first), so unbonding does not escape a slash. Returns the amount taken.
    fn slash(&mut self, value: Balance) -> Balance {
        let from_active = value.min(self.active);
        self.active -= from_active;
        let mut taken = from_active;
        for chunk in self.unlocking.iter_mut().rev() {
            if taken == value {
                break;
            }
            let part = chunk.value.min(value - taken);
            chunk.value -= part;
            taken += part;
        }
        self.unlocking.retain(|c| c.value > 0);
        self.total = self.total.saturating_sub(taken);
        taken
    }
}

/// A nominator's targets.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Nominations {
    /// The validators it backs.
    pub targets: Vec<AccountId20>,
    /// The era in which it nominated them.
    pub submitted_in: EraIndex,
    /// Always false (kept for Substrate's layout).
    pub suppressed: bool,
}

/// The active era: its index and the time its first block was built (ms since Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ActiveEraInfo {
    /// The era.
    pub index: EraIndex,
    /// When its first block was built, once it was.
    pub start: Option<u64>,
}

/// An era's reward points: the total and each validator's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct EraRewardPoints {
    /// The sum of all points.
    pub total: RewardPoint,
    /// Each validator's points.
    pub individual: BTreeMap<AccountId20, RewardPoint>,
}

/// A nominator's part of a validator's exposure.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct IndividualExposure {
    /// The nominator.
    pub who: AccountId20,
    /// Its stake behind the validator.
    #[codec(compact)]
    pub value: Balance,
}

/// The stake behind an elected validator in one era.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Exposure {
    /// Own plus nominators'.
    #[codec(compact)]
    pub total: Balance,
    /// The validator's own.
    #[codec(compact)]
    pub own: Balance,
    /// The nominators' parts.
    pub others: Vec<IndividualExposure>,
}

/// Whether eras follow the schedule.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Forcing {
    /// Eras change every `SessionsPerEra` sessions.
    #[default]
    NotForcing,
    /// The next session change starts a new era (then back to `NotForcing`).
    ForceNew,
    /// No new eras.
    ForceNone,
    /// Every session starts a new era.
    ForceAlways,
}

/// A slash waiting out its deferral.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct UnappliedSlash {
    /// The offending validator.
    pub validator: AccountId20,
    /// Its own slash.
    #[codec(compact)]
    pub own: Balance,
    /// Its nominators' slashes.
    pub others: Vec<(AccountId20, Balance)>,
    /// Who reported the offence.
    pub reporters: Vec<AccountId20>,
    /// The reporters' reward.
    #[codec(compact)]
    pub payout: Balance,
}

/// A change to a configuration value (`set_staking_configs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ConfigOp<T> {
    /// Leave it.
    Noop,
    /// Set it.
    Set(T),
    /// Reset it to its default.
    Remove,
}

/// What a genesis staker does.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StakerStatus {
    /// Only bonded.
    Idle,
    /// Validates (with zero commission).
    Validator,
    /// Nominates these validators.
    Nominator(Vec<AccountId20>),
}

/// Events of the staking pallet (Substrate's names and fields).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// An era's payout was recorded when it ended.
    EraPaid {
        /// The era.
        era_index: EraIndex,
        /// Its stakers' payout.
        validator_payout: Balance,
        /// The rest (always zero: the payout is fixed).
        remainder: Balance,
    },
    /// A staker was rewarded.
    Rewarded {
        /// The staker.
        stash: AccountId20,
        /// Where the reward went.
        dest: RewardDestination,
        /// The amount.
        amount: Balance,
    },
    /// A staker was slashed.
    Slashed {
        /// The staker.
        staker: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// An offence was reported; its slash is deferred.
    SlashReported {
        /// The offender.
        validator: AccountId20,
        /// The fraction of exposed stake to slash.
        fraction: Perbill,
        /// The era of the offence.
        slash_era: EraIndex,
    },
    /// An old slashing report was discarded.
    OldSlashingReportDiscarded {
        /// The session of the offence.
        session_index: SessionIndex,
    },
    /// An election produced a new set for an era.
    StakersElected,
    /// Stake was bonded.
    Bonded {
        /// The stash.
        stash: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// Stake was unbonded.
    Unbonded {
        /// The stash.
        stash: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// Unbonded stake was withdrawn (unlocked).
    Withdrawn {
        /// The stash.
        stash: AccountId20,
        /// The amount.
        amount: Balance,
    },
    /// A stash stopped validating or nominating.
    Chilled {
        /// The stash.
        stash: AccountId20,
    },
    /// A validator's payout for an era started.
    PayoutStarted {
        /// The era.
        era_index: EraIndex,
        /// The validator.
        validator_stash: AccountId20,
    },
    /// A validator set its preferences.
    ValidatorPrefsSet {
        /// The validator.
        stash: AccountId20,
        /// Its preferences.
        prefs: ValidatorPrefs,
    },
    /// Eras were forced.
    ForceEra {
        /// The new mode.
        mode: Forcing,
    },
    /// A deferred slash was cancelled.
    SlashCancelled {
        /// The era it was due in.
        slash_era: EraIndex,
        /// The offender.
        validator: AccountId20,
    },
    /// An election yielded too few validators; the current set stays.
    StakingElectionFailed,
}

pallet_error! {
    /// Errors of the staking pallet (Substrate's names).
    pub enum Error<T: Config> {
        /// Not a stash with bonded stake.
        NotStash,
        /// The stash is already bonded.
        AlreadyBonded,
        /// Too many unbonding chunks: withdraw first.
        NoMoreChunks,
        /// Nothing is unbonding to rebond.
        NoUnlockChunk,
        /// No nomination targets.
        EmptyTargets,
        /// More targets than `MaxNominations`.
        TooManyTargets,
        /// A target is not a validator, or blocks nominations.
        BadTarget,
        /// Stake below the minimum for this role (or the existential deposit).
        InsufficientBond,
        /// The era is not one whose rewards can be claimed.
        InvalidEraToReward,
        /// The era's rewards were already claimed for this validator.
        AlreadyClaimed,
        /// Commission below the minimum.
        CommissionTooLow,
        /// No deferred slash with such an index.
        InvalidSlashIndex,
        /// Slash indices must be sorted and unique.
        NotSortedAndUnique,
        /// Nothing to withdraw, bond or rebond.
        NoFunds,
    }
}

storage! {
    pallet = "Staking", config = Config;
    /// How many validators each era should have.
    pub type ValidatorCount = StorageValue<u32, ValueQuery>;
    /// Fewer elected than this and the election is discarded.
    pub type MinimumValidatorCount = StorageValue<u32, ValueQuery>;
    /// Validators that are never slashed.
    pub type Invulnerables = StorageValue<Vec<AccountId20>, ValueQuery>;
    /// Each bonded stash's controller: itself.
    pub type Bonded = StorageMap<Twox64Concat, AccountId20, AccountId20>;
    /// The least active stake to nominate.
    pub type MinNominatorBond = StorageValue<Balance, ValueQuery>;
    /// The least active stake to validate.
    pub type MinValidatorBond = StorageValue<Balance, ValueQuery>;
    /// The least commission a validator may set.
    pub type MinCommission = StorageValue<Perbill, ValueQuery>;
    /// Each stash's ledger, by controller (the stash itself).
    pub type Ledger = StorageMap<Blake2_128Concat, AccountId20, StakingLedger>;
    /// Where each stash's rewards go.
    pub type Payee = StorageMap<Twox64Concat, AccountId20, RewardDestination>;
    /// The validator candidates and their preferences.
    pub type Validators = StorageMap<Twox64Concat, AccountId20, ValidatorPrefs, ValueQuery>;
    /// How many validator candidates there are.
    pub type CounterForValidators = StorageValue<u32, ValueQuery>;
    /// The nominators and their targets.
    pub type Nominators = StorageMap<Twox64Concat, AccountId20, Nominations>;
    /// How many nominators there are.
    pub type CounterForNominators = StorageValue<u32, ValueQuery>;
    /// The latest planned era (elected, possibly not yet active).
    pub type CurrentEra = StorageValue<EraIndex>;
    /// The era whose validators are validating.
    pub type ActiveEra = StorageValue<ActiveEraInfo>;
    /// The session each era started (or will start) in.
    pub type ErasStartSessionIndex = StorageMap<Twox64Concat, EraIndex, SessionIndex>;
    /// Each elected validator's exposure in each era.
    pub type ErasStakers =
        StorageDoubleMap<Twox64Concat, EraIndex, Twox64Concat, AccountId20, Exposure, ValueQuery>;
    /// Each elected validator's preferences in each era.
    pub type ErasValidatorPrefs = StorageDoubleMap<
        Twox64Concat,
        EraIndex,
        Twox64Concat,
        AccountId20,
        ValidatorPrefs,
        ValueQuery,
    >;
    /// The payout of each ended era.
    pub type ErasValidatorReward = StorageMap<Twox64Concat, EraIndex, Balance>;
    /// Each era's reward points.
    pub type ErasRewardPoints = StorageMap<Twox64Concat, EraIndex, EraRewardPoints, ValueQuery>;
    /// The total stake exposed in each era.
    pub type ErasTotalStake = StorageMap<Twox64Concat, EraIndex, Balance, ValueQuery>;
    /// The pages of each validator's reward claimed for each era (page 0: all of it).
    pub type ClaimedRewards =
        StorageDoubleMap<Twox64Concat, EraIndex, Twox64Concat, AccountId20, Vec<u32>, ValueQuery>;
    /// Whether eras follow the schedule.
    pub type ForceEra = StorageValue<Forcing, ValueQuery>;
    /// The reporters' share of a slash.
    pub type SlashRewardFraction = StorageValue<Perbill, ValueQuery>;
    /// Slashes waiting for the start of the era they are keyed by.
    pub type UnappliedSlashes = StorageMap<Twox64Concat, EraIndex, Vec<UnappliedSlash>, ValueQuery>;
    /// The eras whose stake is still bonded (may still be slashed), with their first session.
    pub type BondedEras = StorageValue<Vec<(EraIndex, SessionIndex)>, ValueQuery>;
    /// The largest slash fraction and amount of each validator in each era.
    pub type ValidatorSlashInEra =
        StorageDoubleMap<Twox64Concat, EraIndex, Twox64Concat, AccountId20, (Perbill, Balance)>;
    /// The largest slash of each nominator in each era.
    pub type NominatorSlashInEra =
        StorageDoubleMap<Twox64Concat, EraIndex, Twox64Concat, AccountId20, Balance>;
    /// Sessions per era (chain spec).
    pub type SessionsPerEra = StorageValue<SessionIndex, ValueQuery>;
    /// Eras unbonded stake stays locked (chain spec).
    pub type BondingDuration = StorageValue<EraIndex, ValueQuery>;
    /// Eras a slash waits before it is applied, during which root may cancel it (chain spec;
    /// less than `BondingDuration`).
    pub type SlashDeferDuration = StorageValue<EraIndex, ValueQuery>;
    /// Eras whose rewards may still be claimed (chain spec).
    pub type HistoryDepth = StorageValue<u32, ValueQuery>;
    /// The stakers' payout of each era, minted as it is claimed (chain spec).
    pub type EraPayout = StorageValue<Balance, ValueQuery>;
}

/// Genesis configuration: the parameters and the first stakers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct GenesisConfig {
    /// Validators per era.
    pub validator_count: u32,
    /// Fewest validators an election may yield.
    pub minimum_validator_count: u32,
    /// Validators never slashed.
    pub invulnerables: Vec<AccountId20>,
    /// Stakers: stash, bonded amount and role.
    pub stakers: Vec<(AccountId20, Balance, StakerStatus)>,
    /// Least stake to nominate.
    pub min_nominator_bond: Balance,
    /// Least stake to validate.
    pub min_validator_bond: Balance,
    /// Reporters' share of a slash.
    pub slash_reward_fraction: Perbill,
    /// Sessions per era.
    pub sessions_per_era: SessionIndex,
    /// Eras unbonded stake stays locked.
    pub bonding_duration: EraIndex,
    /// Eras a slash waits.
    pub slash_defer_duration: EraIndex,
    /// Eras whose rewards may be claimed.
    pub history_depth: u32,
    /// The stakers' payout per era.
    pub era_payout: Balance,
}

impl Default for GenesisConfig {
    fn default() -> Self {
        Self {
            validator_count: 0,
            minimum_validator_count: 1,
            invulnerables: Vec::new(),
            stakers: Vec::new(),
            min_nominator_bond: 0,
            min_validator_bond: 0,
            slash_reward_fraction: Perbill::from_percent(10),
            sessions_per_era: 6,
            bonding_duration: 28,
            slash_defer_duration: 27,
            history_depth: 84,
            era_payout: 0,
        }
    }
}

impl GenesisConfig {
    /// Checks the parameters, bonds the stakers and elects era 0's validators, which become
    /// the session pallet's first set.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        if self.sessions_per_era == 0 {
            return Err("staking.sessionsPerEra must be positive".into());
        }
        if self.slash_defer_duration >= self.bonding_duration {
            return Err(
                "staking.slashDeferDuration must be less than staking.bondingDuration, or \
                 unbonding would escape slashes"
                    .into(),
            );
        }
        if self.history_depth == 0 {
            return Err("staking.historyDepth must be positive".into());
        }
        ValidatorCount::put(self.validator_count);
        MinimumValidatorCount::put(self.minimum_validator_count.max(1));
        Invulnerables::put(&self.invulnerables);
        MinNominatorBond::put(self.min_nominator_bond);
        MinValidatorBond::put(self.min_validator_bond);
        SlashRewardFraction::put(self.slash_reward_fraction);
        SessionsPerEra::put(self.sessions_per_era);
        BondingDuration::put(self.bonding_duration);
        SlashDeferDuration::put(self.slash_defer_duration);
        HistoryDepth::put(self.history_depth);
        EraPayout::put(self.era_payout);
        CurrentEra::put(0);
        ActiveEra::put(ActiveEraInfo { index: 0, start: None });
        ErasStartSessionIndex::insert(0, 0);
        BondedEras::put(alloc::vec![(0, 0)]);

        for (stash, value, _) in &self.stakers {
            let stash = *stash;
            let ok = Pallet::<T>::do_bond(stash, *value, RewardDestination::Staked);
            ok.map_err(|e| alloc::format!("staking.stakers: cannot bond {stash:?}: {e:?}"))?;
        }
        for (stash, _, status) in &self.stakers {
            let who = RawOrigin::Signed(*stash);
            let result = match status {
                StakerStatus::Idle => Ok(Default::default()),
                StakerStatus::Validator => {
                    Call::validate { prefs: ValidatorPrefs::default() }.dispatch::<T>(who)
                }
                StakerStatus::Nominator(targets) => {
                    Call::nominate { targets: targets.clone() }.dispatch::<T>(who)
                }
            };
            result.map_err(|e| alloc::format!("staking.stakers: {stash:?}: {:?}", e.error))?;
        }
        if !self.stakers.is_empty() {
            let elected = Pallet::<T>::elect(0).ok_or_else(|| {
                String::from(
                    "staking.stakers: the genesis election yields fewer than \
                     minimumValidatorCount validators with session keys",
                )
            })?;
            pallet_session::Pallet::<T>::set_genesis_validators(&elected)?;
        }
        Ok(())
    }
}

/// Calls of the staking pallet (Substrate's indices and argument names).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Bonds `value` of the sender's free balance (at most all of it), rewards going to
    /// `payee`.
    #[codec(index = 0)]
    bond {
        /// The amount.
        #[codec(compact)]
        value: Balance,
        /// Where rewards go.
        payee: RewardDestination,
    },
    /// Bonds up to `max_additional` more of the sender's free balance.
    #[codec(index = 1)]
    bond_extra {
        /// The most to add.
        #[codec(compact)]
        max_additional: Balance,
    },
    /// Starts unbonding `value` of active stake (all of it if less is left than the
    /// existential deposit); it can be withdrawn `BondingDuration` eras later.
    #[codec(index = 2)]
    unbond {
        /// The amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Unlocks the unbonding chunks that have matured; removes the stash's staking state
    /// when nothing is left bonded.
    #[codec(index = 3)]
    withdraw_unbonded {
        /// Unused (Substrate's slashing-span count).
        num_slashing_spans: u32,
    },
    /// Declares the intention to validate.
    #[codec(index = 4)]
    validate {
        /// Commission and whether nominations are blocked.
        prefs: ValidatorPrefs,
    },
    /// Declares the intention to nominate `targets`.
    #[codec(index = 5)]
    nominate {
        /// The validators (at most `MaxNominations`).
        targets: Vec<AccountId20>,
    },
    /// Stops validating or nominating (effective from the next election).
    #[codec(index = 6)]
    chill,
    /// Sets where rewards go.
    #[codec(index = 7)]
    set_payee {
        /// The destination.
        payee: RewardDestination,
    },
    /// Sets the number of validators per era (root).
    #[codec(index = 9)]
    set_validator_count {
        /// The number.
        #[codec(compact)]
        new: u32,
    },
    /// Stops new eras (root).
    #[codec(index = 12)]
    force_no_eras,
    /// Starts a new era at the next session change (root).
    #[codec(index = 13)]
    force_new_era,
    /// Sets the validators that are never slashed (root).
    #[codec(index = 14)]
    set_invulnerables {
        /// The validators.
        invulnerables: Vec<AccountId20>,
    },
    /// Starts a new era at every session change (root).
    #[codec(index = 16)]
    force_new_era_always,
    /// Cancels deferred slashes due in `era` (root).
    #[codec(index = 17)]
    cancel_deferred_slash {
        /// The era they are due in.
        era: EraIndex,
        /// Their indices in `UnappliedSlashes[era]`, sorted.
        slash_indices: Vec<u32>,
    },
    /// Pays `validator_stash` and its nominators their rewards for `era` (anyone may call).
    #[codec(index = 18)]
    payout_stakers {
        /// The validator.
        validator_stash: AccountId20,
        /// The era.
        era: EraIndex,
    },
    /// Moves up to `value` of unbonding stake back to active stake.
    #[codec(index = 19)]
    rebond {
        /// The amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Sets the minimum bonds and commission (root).
    #[codec(index = 22)]
    set_staking_configs {
        /// Least stake to nominate.
        min_nominator_bond: ConfigOp<Balance>,
        /// Least stake to validate.
        min_validator_bond: ConfigOp<Balance>,
        /// Least commission.
        min_commission: ConfigOp<Perbill>,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let weight = match self {
            Self::bond { .. } | Self::bond_extra { .. } | Self::rebond { .. } => weights::BOND,
            Self::unbond { .. } | Self::withdraw_unbonded { .. } => weights::UNBOND,
            Self::validate { .. } | Self::chill | Self::set_payee { .. } => weights::INTENTION,
            Self::nominate { targets } => weights::nominate(targets.len()),
            Self::payout_stakers { .. } => weights::PAYOUT_STAKERS,
            Self::cancel_deferred_slash { .. }
            | Self::set_validator_count { .. }
            | Self::force_no_eras
            | Self::force_new_era
            | Self::force_new_era_always
            | Self::set_invulnerables { .. }
            | Self::set_staking_configs { .. } => weights::ROOT,
        };
        DispatchInfo { weight, class: DispatchClass::Normal, pays_fee: Pays::Yes }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::bond { value, payee } => {
                Pallet::<T>::do_bond(ensure_signed(origin)?, value, payee)?;
            }
            Self::bond_extra { max_additional } => {
                let stash = ensure_signed(origin)?;
                let mut ledger = Pallet::<T>::ledger(&stash)?;
                let free = T::Currency::free_balance(&stash);
                let extra = max_additional.min(free.saturating_sub(ledger.total));
                ensure!(extra > 0, Error::<T>::NoFunds);
                ledger.total += extra;
                ledger.active += extra;
                Pallet::<T>::update_ledger(&ledger);
                Pallet::<T>::deposit_event(Event::Bonded { stash, amount: extra });
            }
            Self::unbond { value } => {
                let stash = ensure_signed(origin)?;
                let mut ledger = Pallet::<T>::ledger(&stash)?;
                ensure!(
                    (ledger.unlocking.len() as u32) < T::MAX_UNLOCKING_CHUNKS,
                    Error::<T>::NoMoreChunks
                );
                let mut value = value.min(ledger.active);
                ensure!(value > 0, Error::<T>::NoFunds);
                let mut active = ledger.active - value;
                // Dust left bonded is unbonded with the rest.
                if active < T::Currency::minimum_balance() {
                    value += active;
                    active = 0;
                }
                let min = if Validators::contains_key(stash) {
                    MinValidatorBond::get()
                } else if Nominators::contains_key(stash) {
                    MinNominatorBond::get()
                } else {
                    0
                };
                ensure!(active >= min, Error::<T>::InsufficientBond);
                ledger.active = active;
                let era = CurrentEra::get().unwrap_or(0).saturating_add(BondingDuration::get());
                match ledger.unlocking.last_mut() {
                    Some(chunk) if chunk.era == era => chunk.value += value,
                    _ => ledger.unlocking.push(UnlockChunk { value, era }),
                }
                Pallet::<T>::update_ledger(&ledger);
                Pallet::<T>::deposit_event(Event::Unbonded { stash, amount: value });
            }
            Self::withdraw_unbonded { .. } => {
                let stash = ensure_signed(origin)?;
                let mut ledger = Pallet::<T>::ledger(&stash)?;
                let freed = ledger.consolidate_unlocked(CurrentEra::get().unwrap_or(0));
                if ledger.unlocking.is_empty() && ledger.active < T::Currency::minimum_balance() {
                    // Nothing meaningful left: the stash leaves staking altogether.
                    let amount = ledger.total.saturating_add(freed);
                    Pallet::<T>::kill_stash(&stash);
                    Pallet::<T>::deposit_event(Event::Withdrawn { stash, amount });
                } else if freed > 0 {
                    Pallet::<T>::update_ledger(&ledger);
                    Pallet::<T>::deposit_event(Event::Withdrawn { stash, amount: freed });
                }
            }
            Self::validate { prefs } => {
                let stash = ensure_signed(origin)?;
                let ledger = Pallet::<T>::ledger(&stash)?;
                ensure!(ledger.active >= MinValidatorBond::get(), Error::<T>::InsufficientBond);
                ensure!(prefs.commission >= MinCommission::get(), Error::<T>::CommissionTooLow);
                Pallet::<T>::remove_nominator(&stash);
                if !Validators::contains_key(stash) {
                    CounterForValidators::mutate(|c| *c = c.saturating_add(1));
                }
                Validators::insert(stash, prefs);
                Pallet::<T>::deposit_event(Event::ValidatorPrefsSet { stash, prefs });
            }
            Self::nominate { targets } => {
                let stash = ensure_signed(origin)?;
                let ledger = Pallet::<T>::ledger(&stash)?;
                ensure!(ledger.active >= MinNominatorBond::get(), Error::<T>::InsufficientBond);
                ensure!(!targets.is_empty(), Error::<T>::EmptyTargets);
                ensure!(targets.len() as u32 <= T::MAX_NOMINATIONS, Error::<T>::TooManyTargets);
                let old = Nominators::get(stash).map(|n| n.targets).unwrap_or_default();
                let mut checked = Vec::with_capacity(targets.len());
                for target in targets {
                    let prefs = Validators::try_get(target).ok_or(Error::<T>::BadTarget)?;
                    ensure!(!prefs.blocked || old.contains(&target), Error::<T>::BadTarget);
                    if !checked.contains(&target) {
                        checked.push(target);
                    }
                }
                Pallet::<T>::remove_validator(&stash);
                if !Nominators::contains_key(stash) {
                    CounterForNominators::mutate(|c| *c = c.saturating_add(1));
                }
                let submitted_in = CurrentEra::get().unwrap_or(0);
                Nominators::insert(
                    stash,
                    Nominations { targets: checked, submitted_in, suppressed: false },
                );
            }
            Self::chill => {
                let stash = ensure_signed(origin)?;
                Pallet::<T>::ledger(&stash)?;
                Pallet::<T>::chill_stash(&stash);
            }
            Self::set_payee { payee } => {
                let stash = ensure_signed(origin)?;
                Pallet::<T>::ledger(&stash)?;
                Payee::insert(stash, payee);
            }
            Self::set_validator_count { new } => {
                ensure_root(origin)?;
                ValidatorCount::put(new);
            }
            Self::force_no_eras => {
                ensure_root(origin)?;
                Pallet::<T>::set_force_era(Forcing::ForceNone);
            }
            Self::force_new_era => {
                ensure_root(origin)?;
                Pallet::<T>::set_force_era(Forcing::ForceNew);
            }
            Self::force_new_era_always => {
                ensure_root(origin)?;
                Pallet::<T>::set_force_era(Forcing::ForceAlways);
            }
            Self::set_invulnerables { invulnerables } => {
                ensure_root(origin)?;
                Invulnerables::put(invulnerables);
            }
            Self::cancel_deferred_slash { era, slash_indices } => {
                ensure_root(origin)?;
                ensure!(!slash_indices.is_empty(), Error::<T>::EmptyTargets);
                ensure!(
                    slash_indices.windows(2).all(|w| w[0] < w[1]),
                    Error::<T>::NotSortedAndUnique
                );
                let mut slashes = UnappliedSlashes::get(era);
                let last = *slash_indices.last().unwrap_or(&0);
                ensure!((last as usize) < slashes.len(), Error::<T>::InvalidSlashIndex);
                for index in slash_indices.iter().rev() {
                    let slash = slashes.remove(*index as usize);
                    Pallet::<T>::deposit_event(Event::SlashCancelled {
                        slash_era: era,
                        validator: slash.validator,
                    });
                }
                UnappliedSlashes::insert(era, slashes);
            }
            Self::payout_stakers { validator_stash, era } => {
                ensure_signed(origin)?;
                Pallet::<T>::do_payout_stakers(validator_stash, era)?;
            }
            Self::rebond { value } => {
                let stash = ensure_signed(origin)?;
                let mut ledger = Pallet::<T>::ledger(&stash)?;
                ensure!(!ledger.unlocking.is_empty(), Error::<T>::NoUnlockChunk);
                let moved = ledger.rebond(value);
                ensure!(moved > 0, Error::<T>::NoFunds);
                Pallet::<T>::update_ledger(&ledger);
                Pallet::<T>::deposit_event(Event::Bonded { stash, amount: moved });
            }
            Self::set_staking_configs {
                min_nominator_bond,
                min_validator_bond,
                min_commission,
            } => {
                ensure_root(origin)?;
                macro_rules! apply {
                    ($item:ty, $op:expr) => {
                        match $op {
                            ConfigOp::Noop => {}
                            ConfigOp::Set(value) => <$item>::put(value),
                            ConfigOp::Remove => <$item>::kill(),
                        }
                    };
                }
                apply!(MinNominatorBond, min_nominator_bond);
                apply!(MinValidatorBond, min_validator_bond);
                apply!(MinCommission, min_commission);
            }
        }
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    /// Gives the block's author its era points. Runs after the session pallet's hook (which
    /// may have rotated the session, and so changed who the author index names).
    fn on_initialize(_n: lux_primitives::BlockNumber) -> Weight {
        let Some(active) = ActiveEra::get() else { return Weight::ZERO };
        if let Some(author) = pallet_session::Pallet::<T>::block_author() {
            ErasRewardPoints::mutate(active.index, |points| {
                points.total = points.total.saturating_add(POINTS_PER_BLOCK);
                let mine = points.individual.entry(author).or_insert(0);
                *mine = mine.saturating_add(POINTS_PER_BLOCK);
            });
        }
        weights::ON_INITIALIZE
    }

    /// Notes the time of the active era's first block (the block's timestamp is set by then).
    fn on_finalize(_n: lux_primitives::BlockNumber) {
        if let Some(mut active) = ActiveEra::get() {
            if active.start.is_none() {
                active.start = Some(pallet_timestamp::Pallet::<T>::now());
                ActiveEra::put(active);
            }
        }
    }
}

impl<T: Config> SessionManager for Pallet<T> {
    fn new_session(new_index: SessionIndex) -> Option<Vec<(AccountId20, u128)>> {
        let current_era = CurrentEra::get()?;
        let start = ErasStartSessionIndex::get(current_era).unwrap_or(0);
        let due = match ForceEra::get() {
            Forcing::ForceNew | Forcing::ForceAlways => true,
            Forcing::ForceNone => false,
            Forcing::NotForcing => new_index.saturating_sub(start) >= SessionsPerEra::get(),
        };
        if !due {
            return None;
        }
        let era = current_era.saturating_add(1);
        let elected = Self::elect(era)?;
        CurrentEra::put(era);
        ErasStartSessionIndex::insert(era, new_index);
        if ForceEra::get() == Forcing::ForceNew {
            ForceEra::put(Forcing::NotForcing);
        }
        Some(elected)
    }

    fn end_session(index: SessionIndex) {
        let Some(active) = ActiveEra::get() else { return };
        let next_start = ErasStartSessionIndex::get(active.index.saturating_add(1));
        if next_start == Some(index.saturating_add(1)) {
            Self::end_era(active.index);
        }
    }

    fn start_session(index: SessionIndex) {
        let Some(active) = ActiveEra::get() else { return };
        let next = active.index.saturating_add(1);
        if ErasStartSessionIndex::get(next) == Some(index) {
            Self::start_era(next, index);
        }
    }
}

impl<T: Config> pallet_session::ReportOffence for Pallet<T> {
    fn report_offence(offenders: &[AccountId20], session: SessionIndex, fraction: Perbill) {
        // Unsigned reports carry no reporter to reward.
        Self::on_offence(offenders, session, fraction, &[]);
    }
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    fn ledger(stash: &AccountId20) -> Result<StakingLedger, DispatchError> {
        Ok(Ledger::get(stash).ok_or(Error::<T>::NotStash)?)
    }

    /// Stores `ledger` and locks its total.
    fn update_ledger(ledger: &StakingLedger) {
        T::Currency::set_lock(STAKING_ID, &ledger.stash, ledger.total);
        Ledger::insert(ledger.stash, ledger);
    }

    fn do_bond(
        stash: AccountId20,
        value: Balance,
        payee: RewardDestination,
    ) -> Result<(), DispatchError> {
        ensure!(!Bonded::contains_key(stash), Error::<T>::AlreadyBonded);
        let value = value.min(T::Currency::free_balance(&stash));
        ensure!(value >= T::Currency::minimum_balance(), Error::<T>::InsufficientBond);
        pallet_system::Pallet::<T>::inc_consumers(&stash)?;
        Bonded::insert(stash, stash);
        Payee::insert(stash, payee);
        Self::update_ledger(&StakingLedger::new(stash, value));
        Self::deposit_event(Event::Bonded { stash, amount: value });
        Ok(())
    }

    fn remove_validator(stash: &AccountId20) -> bool {
        if Validators::contains_key(stash) {
            Validators::remove(stash);
            CounterForValidators::mutate(|c| *c = c.saturating_sub(1));
            true
        } else {
            false
        }
    }

    fn remove_nominator(stash: &AccountId20) -> bool {
        if Nominators::take(stash).is_some() {
            CounterForNominators::mutate(|c| *c = c.saturating_sub(1));
            true
        } else {
            false
        }
    }

    /// Stops `stash` validating or nominating.
    fn chill_stash(stash: &AccountId20) {
        let validator = Self::remove_validator(stash);
        let nominator = Self::remove_nominator(stash);
        if validator || nominator {
            Self::deposit_event(Event::Chilled { stash: *stash });
        }
    }

    /// Removes all of `stash`'s staking state and its lock.
    fn kill_stash(stash: &AccountId20) {
        Self::chill_stash(stash);
        Bonded::remove(stash);
        Ledger::remove(stash);
        Payee::remove(stash);
        T::Currency::remove_lock(STAKING_ID, stash);
        pallet_system::Pallet::<T>::dec_consumers(stash);
    }

    fn set_force_era(mode: Forcing) {
        ForceEra::put(mode);
        Self::deposit_event(Event::ForceEra { mode });
    }

    /// Runs the election for `era`: candidates are validators with session keys and enough
    /// active stake; voters are the candidates (backing themselves) and the nominators. Stores
    /// the era's exposures, preferences and total stake and returns the winners with their
    /// backing, or `None` (storing nothing) if fewer than `MinimumValidatorCount` are elected.
    pub fn elect(era: EraIndex) -> Option<Vec<(AccountId20, u128)>> {
        let min_bond = MinValidatorBond::get();
        let active_of = |stash: &AccountId20| Ledger::get(stash).map_or(0, |l| l.active);
        // Candidates with their preferences and active stake (each ledger read once).
        let mut candidates: Vec<(AccountId20, ValidatorPrefs, Balance)> = Validators::iter()
            .filter(|(stash, _)| pallet_session::Pallet::<T>::has_keys(stash))
            .map(|(stash, prefs)| (stash, prefs, active_of(&stash)))
            .filter(|(_, _, active)| *active >= min_bond)
            .collect();
        candidates.sort_by_key(|(stash, _, _)| *stash);
        let ids: Vec<AccountId20> = candidates.iter().map(|(s, _, _)| *s).collect();
        let mut voters: Vec<Voter<AccountId20>> = candidates
            .iter()
            .map(|(stash, _, active)| Voter {
                who: *stash,
                stake: *active,
                targets: alloc::vec![*stash],
            })
            .collect();
        let mut nominators: Vec<(AccountId20, Nominations)> = Nominators::iter().collect();
        nominators.sort_by_key(|(stash, _)| *stash);
        for (stash, nominations) in nominators {
            let stake = active_of(&stash);
            if stake > 0 {
                voters.push(Voter { who: stash, stake, targets: nominations.targets });
            }
        }
        let result = seq_phragmen(ValidatorCount::get() as usize, &ids, &voters);
        if result.winners.is_empty() || (result.winners.len() as u32) < MinimumValidatorCount::get()
        {
            Self::deposit_event(Event::StakingElectionFailed);
            return None;
        }
        let mut exposures: BTreeMap<AccountId20, Exposure> =
            result.winners.iter().map(|(w, _)| (*w, Exposure::default())).collect();
        for (voter, parts) in &result.assignments {
            for (winner, value) in parts {
                let Some(exposure) = exposures.get_mut(winner) else { continue };
                if *value == 0 {
                    continue;
                }
                exposure.total = exposure.total.saturating_add(*value);
                if voter == winner {
                    exposure.own = exposure.own.saturating_add(*value);
                } else {
                    exposure.others.push(IndividualExposure { who: *voter, value: *value });
                }
            }
        }
        let mut total_stake: Balance = 0;
        for (stash, exposure) in &exposures {
            total_stake = total_stake.saturating_add(exposure.total);
            ErasStakers::insert(era, stash, exposure);
            let prefs = candidates.iter().find(|(s, _, _)| s == stash).map(|(_, p, _)| *p);
            ErasValidatorPrefs::insert(era, stash, prefs.unwrap_or_default());
        }
        ErasTotalStake::insert(era, total_stake);
        Self::deposit_event(Event::StakersElected);
        Some(result.winners.iter().map(|(w, _)| (*w, exposures[w].total)).collect())
    }

    /// The active era ended: records its payout.
    fn end_era(era: EraIndex) {
        let payout = EraPayout::get();
        ErasValidatorReward::insert(era, payout);
        Self::deposit_event(Event::EraPaid {
            era_index: era,
            validator_payout: payout,
            remainder: 0,
        });
    }

    /// Era `era` becomes active at session `session`: its slashes fall due and history
    /// older than `HistoryDepth` (and bonded eras older than `BondingDuration`) is pruned.
    fn start_era(era: EraIndex, session: SessionIndex) {
        ActiveEra::put(ActiveEraInfo { index: era, start: None });
        let mut bonded = BondedEras::get();
        bonded.push((era, session));
        let first_kept = era.saturating_sub(BondingDuration::get());
        bonded.retain(|(e, _)| *e >= first_kept);
        BondedEras::put(bonded);
        for slash in UnappliedSlashes::take(era) {
            Self::apply_slash(&slash);
        }
        if let Some(old) = era.checked_sub(HistoryDepth::get().saturating_add(1)) {
            ErasStakers::clear_prefix(old, None);
            ErasValidatorPrefs::clear_prefix(old, None);
            ClaimedRewards::clear_prefix(old, None);
            ErasValidatorReward::remove(old);
            ErasRewardPoints::remove(old);
            ErasTotalStake::remove(old);
            ErasStartSessionIndex::remove(old);
        }
        if let Some(old) = era.checked_sub(BondingDuration::get().saturating_add(1)) {
            ValidatorSlashInEra::clear_prefix(old, None);
            NominatorSlashInEra::clear_prefix(old, None);
        }
    }

    fn do_payout_stakers(validator: AccountId20, era: EraIndex) -> Result<(), DispatchError> {
        let active = ActiveEra::get().map_or(0, |a| a.index);
        ensure!(era < active, Error::<T>::InvalidEraToReward);
        ensure!(era.saturating_add(HistoryDepth::get()) >= active, Error::<T>::InvalidEraToReward);
        let payout = ErasValidatorReward::get(era).ok_or(Error::<T>::InvalidEraToReward)?;
        ensure!(Ledger::contains_key(validator), Error::<T>::NotStash);
        let exposure = ErasStakers::get(era, validator);
        ensure!(exposure.total > 0, Error::<T>::NotStash);
        ensure!(!ClaimedRewards::get(era, validator).contains(&0), Error::<T>::AlreadyClaimed);
        ClaimedRewards::mutate(era, validator, |pages| pages.push(0));
        Self::deposit_event(Event::PayoutStarted { era_index: era, validator_stash: validator });

        let points = ErasRewardPoints::get(era);
        let mine = points.individual.get(&validator).copied().unwrap_or(0);
        let share =
            lux_primitives::per_things::mul_div(payout, u128::from(mine), u128::from(points.total));
        if share == 0 {
            return Ok(());
        }
        let commission = ErasValidatorPrefs::get(era, validator).commission.mul_floor(share);
        let rest = share - commission;
        let part =
            |value: Balance| lux_primitives::per_things::mul_div(rest, value, exposure.total);
        Self::make_payout(&validator, commission.saturating_add(part(exposure.own)));
        for nominator in &exposure.others {
            Self::make_payout(&nominator.who, part(nominator.value));
        }
        Ok(())
    }

    /// Mints `amount` to `stash`'s reward destination.
    fn make_payout(stash: &AccountId20, amount: Balance) {
        if amount == 0 {
            return;
        }
        let dest = Payee::get(stash).unwrap_or_default();
        let paid = match dest {
            RewardDestination::Staked => {
                T::Currency::deposit(stash, amount).is_ok()
                    && match Ledger::get(stash) {
                        Some(mut ledger) => {
                            ledger.total = ledger.total.saturating_add(amount);
                            ledger.active = ledger.active.saturating_add(amount);
                            Self::update_ledger(&ledger);
                            true
                        }
                        None => true,
                    }
            }
            RewardDestination::Stash => T::Currency::deposit(stash, amount).is_ok(),
            RewardDestination::Account(to) => T::Currency::deposit(&to, amount).is_ok(),
            RewardDestination::None => false,
        };
        if paid {
            Self::deposit_event(Event::Rewarded { stash: *stash, dest, amount });
        }
    }

    /// The era whose validators were active in `session`, if its stake is still bonded.
    pub fn era_of_session(session: SessionIndex) -> Option<EraIndex> {
        let bonded = BondedEras::get();
        let earliest = bonded.first()?;
        if session < earliest.1 {
            return None;
        }
        bonded.iter().rev().find(|(_, start)| *start <= session).map(|(era, _)| *era)
    }

    /// Records an offence by the validators `offenders` in session `session`: each is disabled
    /// and chilled at once, and a slash of `fraction` of its own and its nominators' exposure
    /// in that era is scheduled `SlashDeferDuration` eras ahead (applied now if zero). A
    /// validator already slashed as much or more in that era is not slashed again.
    /// Returns the offenders a slash was scheduled for; offences older than the bonded eras
    /// are discarded.
    pub fn on_offence(
        offenders: &[AccountId20],
        session: SessionIndex,
        fraction: Perbill,
        reporters: &[AccountId20],
    ) -> Vec<AccountId20> {
        let Some(slash_era) = Self::era_of_session(session) else {
            Self::deposit_event(Event::OldSlashingReportDiscarded { session_index: session });
            return Vec::new();
        };
        let active = ActiveEra::get().map_or(0, |a| a.index);
        let invulnerables = Invulnerables::get();
        let mut slashed = Vec::new();
        for offender in offenders {
            let exposure = ErasStakers::get(slash_era, offender);
            if exposure.total == 0 {
                continue;
            }
            // Disabled for the rest of the session (if it is in the current set) and chilled,
            // so it is not elected again until it declares itself again.
            pallet_session::Pallet::<T>::disable(offender);
            Self::chill_stash(offender);
            if invulnerables.contains(offender) {
                continue;
            }
            let previous = ValidatorSlashInEra::get(slash_era, offender);
            if previous.is_some_and(|(prior, _)| prior >= fraction) {
                continue;
            }
            let own = fraction.mul_ceil(exposure.own);
            ValidatorSlashInEra::insert(slash_era, offender, (fraction, own));
            let prior_own = previous.map_or(0, |(_, amount)| amount);
            let mut others = Vec::new();
            for nominator in &exposure.others {
                let amount = fraction.mul_ceil(nominator.value);
                let prior = NominatorSlashInEra::get(slash_era, nominator.who).unwrap_or(0);
                if amount > prior {
                    NominatorSlashInEra::insert(slash_era, nominator.who, amount);
                    others.push((nominator.who, amount - prior));
                }
            }
            let own = own.saturating_sub(prior_own);
            let total = others.iter().fold(own, |sum, (_, v)| sum.saturating_add(*v));
            let slash = UnappliedSlash {
                validator: *offender,
                own,
                others,
                reporters: reporters.to_vec(),
                payout: SlashRewardFraction::get().mul_floor(total),
            };
            Self::deposit_event(Event::SlashReported { validator: *offender, fraction, slash_era });
            let defer = SlashDeferDuration::get();
            if defer == 0 {
                Self::apply_slash(&slash);
            } else {
                UnappliedSlashes::mutate(active.saturating_add(defer), |s| s.push(slash));
            }
            slashed.push(*offender);
        }
        slashed
    }

    /// Slashes the validator and nominators of `slash` (bonded stake, unbonding included) and
    /// rewards the reporters.
    fn apply_slash(slash: &UnappliedSlash) {
        let mut total: Balance = 0;
        total = total.saturating_add(Self::slash_staker(&slash.validator, slash.own));
        for (nominator, amount) in &slash.others {
            total = total.saturating_add(Self::slash_staker(nominator, *amount));
        }
        let payout = slash.payout.min(total);
        if !slash.reporters.is_empty() && payout > 0 {
            let each = payout / slash.reporters.len() as u128;
            for reporter in &slash.reporters {
                // A reporter without an account and less than the deposit gets nothing.
                let _ = T::Currency::deposit(reporter, each);
            }
        }
    }

    /// Slashes up to `amount` of `stash`'s bonded stake; returns the amount slashed.
    fn slash_staker(stash: &AccountId20, amount: Balance) -> Balance {
        let Some(mut ledger) = Ledger::get(stash) else { return 0 };
        let taken = ledger.slash(amount);
        if taken == 0 {
            return 0;
        }
        let burned = T::Currency::slash(stash, taken);
        Self::update_ledger(&ledger);
        Self::deposit_event(Event::Slashed { staker: *stash, amount: burned });
        burned
    }

    /// The active era's index.
    pub fn active_era() -> Option<EraIndex> {
        ActiveEra::get().map(|a| a.index)
    }

    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new(
                    "MaxNominations",
                    &T::MAX_NOMINATIONS,
                    &["Most validators a nominator may nominate."],
                ),
                ConstantMeta::new(
                    "MaxUnlockingChunks",
                    &T::MAX_UNLOCKING_CHUNKS,
                    &["Most unbonding chunks a ledger may hold at once."],
                ),
            ],
            docs: &["Bonds, nominations, eras, the election of validators, rewards and slashing."],
        }
    }
}
