//! The conviction voting pallet: accounts vote on polls (referenda) with their balance, weighted
//! by how long they accept to keep it locked.
//!
//! Semantics, names, call indices and encodings follow Substrate's pallet-conviction-voting
//! (without delegation), so polkadot.js and people who know Polkadot's OpenGov find what they
//! expect:
//! - **Voting.** `vote(poll_index, vote)` records an [`AccountVote`] on an ongoing poll of the
//!   [`Config::Polls`] provider (the referenda pallet) and adds it to the poll's [`Tally`]: a
//!   `Standard` vote with conviction `c` and balance `b` adds `b × c` (`b / 10` without
//!   conviction) to the ayes or nays, and an aye adds `b` to the support; `Split` and
//!   `SplitAbstain` votes count 0.1x, their aye (and abstaining) balance as support. Voting
//!   again on the same poll replaces the vote. The balance must be at most the voter's free
//!   balance, and an account has at most [`Config::MAX_VOTES`] votes per class (track).
//! - **Locks.** While a vote is recorded its balance is locked (lock `pyconvot`, so it stays in
//!   the account but can be neither transferred nor spent). Each class's requirement is kept
//!   in `ClassLocksFor`; the account's lock is the largest. Locks overlap with other locks (a
//!   balance bonded for staking can also vote): the frozen balance is the largest lock.
//! - **Removing votes.** `remove_vote` takes a vote out of an ongoing poll's tally. A vote
//!   removed after its poll ended on the winning side with conviction leaves a *prior lock* of
//!   its balance until `end + VoteLockingPeriod × 2^(conviction - 1)`; other votes (losing,
//!   without conviction, split, on a cancelled poll) leave nothing. `remove_other_vote`
//!   removes someone else's vote once it no longer needs a lock.
//! - **Unlocking.** Locks only shrink when `unlock(class, target)` (anyone may call it)
//!   recomputes the class's requirement from the remaining votes and an unexpired prior lock,
//!   as in Substrate: wallets send `remove_vote` and `unlock` together.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod conviction;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod vote;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::dispatch::ArithmeticError;
use lux_primitives::{AccountId20, Balance, BlockNumber};
use lux_support::governance::{PollIndex, PollStatus, Polling, TrackId};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::{Currency, LockIdentifier, LockableCurrency};
use lux_support::{
    ensure, ensure_signed, pallet_error, storage, DispatchClass, DispatchInfo, DispatchResult,
    DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays, RawOrigin, Twox64Concat, ValueQuery,
};
use scale_info::TypeInfo;

pub use conviction::Conviction;
pub use lux_support::governance::Tally;
pub use types::{Delegations, UnvoteScope};
pub use vote::{AccountVote, Casting, PriorLock, Vote, Voting};

/// The lock on balances backing votes (Substrate's identifier).
pub const CONVICTION_VOTING_ID: LockIdentifier = *b"pyconvot";

/// Configuration of the conviction voting pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The currency votes are cast and locked with.
    type Currency: LockableCurrency;
    /// The polls voted on, with their tallies and classes (the referenda pallet).
    type Polls: Polling;
    /// Blocks a 1x conviction vote stays locked after the poll ends (Polkadot: 28 days); each
    /// conviction step above doubles it.
    const VOTE_LOCKING_PERIOD: BlockNumber;
    /// Most votes one account may have in one class at once.
    const MAX_VOTES: u32;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the conviction voting pallet. Indices 0 and 1 are Substrate's `Delegated` and
/// `Undelegated`, left free with delegation.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// An account voted (or changed its vote).
    #[codec(index = 2)]
    Voted {
        /// The voter.
        who: AccountId20,
        /// The vote.
        vote: AccountVote,
    },
    /// A vote was removed.
    #[codec(index = 3)]
    VoteRemoved {
        /// The voter.
        who: AccountId20,
        /// The vote.
        vote: AccountVote,
    },
    /// An account's lock in a class was recomputed: what expired is unlocked.
    #[codec(index = 4)]
    VoteUnlocked {
        /// The account.
        who: AccountId20,
        /// The class.
        class: TrackId,
    },
}

pallet_error! {
    /// Errors of the conviction voting pallet (Substrate's names and order; those about
    /// delegation are never returned here and keep the others' indices).
    pub enum Error<T: Config> {
        /// The poll is not ongoing.
        NotOngoing,
        /// The account did not vote on the poll.
        NotVoter,
        /// Only the voter may remove a vote on an ongoing poll.
        NoPermission,
        /// Only the voter may remove the vote before its lock expires.
        NoPermissionYet,
        /// The account is already delegating (unused: no delegation).
        AlreadyDelegating,
        /// The account has votes that must be removed first (unused: no delegation).
        AlreadyVoting,
        /// The vote's balance is more than the account's free balance.
        InsufficientFunds,
        /// The account is not delegating (unused: no delegation).
        NotDelegating,
        /// Delegating to oneself (unused: no delegation).
        Nonsense,
        /// The account already has `MaxVotes` votes in this class.
        MaxVotesReached,
        /// The class must be given: the poll is not ongoing.
        ClassNeeded,
        /// No such class (unused: only delegation checks it).
        BadClass,
    }
}

storage! {
    pallet = "ConvictionVoting", config = Config;
    /// Each account's voting in each class: its votes, and the lock left by removed votes.
    pub type VotingFor =
        StorageDoubleMap<Twox64Concat, AccountId20, Twox64Concat, TrackId, Voting, ValueQuery>;
    /// The classes in which each account needs a lock, with the amounts; the account's
    /// `pyconvot` lock is the largest.
    pub type ClassLocksFor =
        StorageMap<Twox64Concat, AccountId20, Vec<(TrackId, Balance)>, ValueQuery>;
}

/// Calls of the conviction voting pallet (Substrate's indices and argument names; `delegate`
/// and `undelegate`, 1 and 2, are not provided).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Votes on an ongoing poll, or replaces the sender's vote on it. The vote's balance
    /// (at most the sender's free balance) is locked until it is removed and unlocked.
    #[codec(index = 0)]
    vote {
        /// The poll.
        #[codec(compact)]
        poll_index: PollIndex,
        /// The vote.
        vote: AccountVote,
    },
    /// Recomputes `target`'s lock in `class`: what no vote or unexpired prior lock needs is
    /// unlocked (anyone may call it).
    #[codec(index = 3)]
    unlock {
        /// The class.
        class: TrackId,
        /// The account.
        target: AccountId20,
    },
    /// Removes the sender's vote on poll `index`: from the tally if the poll is ongoing; a
    /// winning vote with conviction on an ended poll leaves its lock until it expires.
    /// `class` may be omitted while the poll is ongoing.
    #[codec(index = 4)]
    remove_vote {
        /// The poll's class.
        class: Option<TrackId>,
        /// The poll.
        index: PollIndex,
    },
    /// Removes `target`'s vote on poll `index` in `class`, if it no longer needs a lock (the
    /// poll ended and the vote lost, had no conviction, or its lock expired; or the poll is
    /// gone). The same as `remove_vote` if `target` is the sender.
    #[codec(index = 5)]
    remove_other_vote {
        /// The voter.
        target: AccountId20,
        /// The poll's class.
        class: TrackId,
        /// The poll.
        index: PollIndex,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let weight = match self {
            Self::vote { .. } => weights::VOTE,
            Self::unlock { .. } => weights::UNLOCK,
            Self::remove_vote { .. } | Self::remove_other_vote { .. } => weights::REMOVE_VOTE,
        };
        DispatchInfo { weight, class: DispatchClass::Normal, pays_fee: Pays::Yes }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::vote { poll_index, vote } => {
                Pallet::<T>::try_vote(ensure_signed(origin)?, poll_index, vote)?;
            }
            Self::unlock { class, target } => {
                ensure_signed(origin)?;
                Pallet::<T>::update_lock(class, &target);
                Pallet::<T>::deposit_event(Event::VoteUnlocked { who: target, class });
            }
            Self::remove_vote { class, index } => {
                let who = ensure_signed(origin)?;
                Pallet::<T>::try_remove_vote(who, index, class, UnvoteScope::Any)?;
            }
            Self::remove_other_vote { target, class, index } => {
                let who = ensure_signed(origin)?;
                let scope = if target == who { UnvoteScope::Any } else { UnvoteScope::OnlyExpired };
                Pallet::<T>::try_remove_vote(target, index, Some(class), scope)?;
            }
        }
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// `who`'s voting in `class`.
    pub fn voting_for(who: &AccountId20, class: TrackId) -> Voting {
        VotingFor::get(who, class)
    }

    /// The classes in which `who` needs a lock, with the amounts.
    pub fn class_locks_for(who: &AccountId20) -> Vec<(TrackId, Balance)> {
        ClassLocksFor::get(who)
    }

    /// Stores `voting`, or removes the record when it holds nothing.
    fn put_voting(who: &AccountId20, class: TrackId, voting: &Voting) {
        if voting.is_empty() {
            VotingFor::remove(who, class);
        } else {
            VotingFor::insert(who, class, voting);
        }
    }

    /// Records `vote` of `who` on the ongoing poll `poll_index`, replacing a previous one, in
    /// the poll's tally too, and locks its balance.
    fn try_vote(who: AccountId20, poll_index: PollIndex, vote: AccountVote) -> DispatchResult {
        ensure!(vote.balance() <= T::Currency::free_balance(&who), Error::<T>::InsufficientFunds);
        T::Polls::try_access_poll(poll_index, |status| {
            let PollStatus::Ongoing(tally, class) = status else {
                return Err(Error::<T>::NotOngoing.into());
            };
            let mut voting = VotingFor::get(who, class);
            let Voting::Casting(casting) = &mut voting;
            match casting.votes.binary_search_by_key(&poll_index, |(index, _)| *index) {
                Ok(i) => {
                    casting.votes[i].1.remove_from(tally).ok_or(ArithmeticError::Underflow)?;
                    casting.votes[i].1 = vote;
                }
                Err(i) => {
                    ensure!(
                        (casting.votes.len() as u32) < T::MAX_VOTES,
                        Error::<T>::MaxVotesReached
                    );
                    casting.votes.insert(i, (poll_index, vote));
                }
            }
            vote.add_to(tally).ok_or(ArithmeticError::Overflow)?;
            Self::put_voting(&who, class, &voting);
            Self::extend_lock(&who, class, vote.balance());
            Self::deposit_event(Event::Voted { who, vote });
            Ok(())
        })
    }

    /// Removes `who`'s vote on poll `poll_index` if `scope` allows it: from the tally of an
    /// ongoing poll (only the voter may); from an ended poll, keeping a prior lock while a
    /// winning vote's conviction needs it (only the voter may remove it before then); from a
    /// poll that no longer exists. Locks are not touched: `unlock` releases them.
    fn try_remove_vote(
        who: AccountId20,
        poll_index: PollIndex,
        class: Option<TrackId>,
        scope: UnvoteScope,
    ) -> DispatchResult {
        let class = class
            .or_else(|| T::Polls::as_ongoing(poll_index).map(|(_, class)| class))
            .ok_or(Error::<T>::ClassNeeded)?;
        let mut voting = VotingFor::get(who, class);
        let Voting::Casting(casting) = &mut voting;
        let i = casting
            .votes
            .binary_search_by_key(&poll_index, |(index, _)| *index)
            .map_err(|_| Error::<T>::NotVoter)?;
        let (_, vote) = casting.votes.remove(i);
        let now = pallet_system::Pallet::<T>::block_number();
        T::Polls::try_access_poll(poll_index, |status| -> DispatchResult {
            match status {
                PollStatus::Ongoing(tally, _) => {
                    ensure!(scope == UnvoteScope::Any, Error::<T>::NoPermission);
                    vote.remove_from(tally).ok_or(ArithmeticError::Underflow)?;
                }
                PollStatus::Completed(end, approved) => {
                    if let Some((periods, balance)) = vote.locked_if(approved) {
                        let unlock_at =
                            end.saturating_add(T::VOTE_LOCKING_PERIOD.saturating_mul(periods));
                        if now < unlock_at {
                            ensure!(scope == UnvoteScope::Any, Error::<T>::NoPermissionYet);
                            casting.prior.accumulate(unlock_at, balance);
                        }
                    }
                }
                // The poll was cancelled or removed: the vote needs nothing.
                PollStatus::None => {}
            }
            Ok(())
        })?;
        Self::put_voting(&who, class, &voting);
        Self::deposit_event(Event::VoteRemoved { who, vote });
        Ok(())
    }

    /// Raises `who`'s lock requirement in `class`, and its account lock, to at least `amount`.
    fn extend_lock(who: &AccountId20, class: TrackId, amount: Balance) {
        ClassLocksFor::mutate(who, |locks| match locks.iter_mut().find(|(c, _)| *c == class) {
            Some((_, locked)) => *locked = (*locked).max(amount),
            None => locks.push((class, amount)),
        });
        T::Currency::extend_lock(CONVICTION_VOTING_ID, who, amount);
    }

    /// Recomputes `who`'s lock requirement in `class` from its votes and unexpired prior
    /// lock, and sets its account lock to the largest requirement over all classes (removing
    /// it when none is left).
    fn update_lock(class: TrackId, who: &AccountId20) {
        let mut voting = VotingFor::get(who, class);
        voting.rejig(pallet_system::Pallet::<T>::block_number());
        let class_needs = voting.locked_balance();
        Self::put_voting(who, class, &voting);
        let mut locks = ClassLocksFor::get(who);
        locks.retain(|(c, _)| *c != class);
        if class_needs > 0 {
            locks.push((class, class_needs));
        }
        let needed = locks.iter().map(|(_, amount)| *amount).max().unwrap_or(0);
        if locks.is_empty() {
            ClassLocksFor::remove(who);
        } else {
            ClassLocksFor::insert(who, locks);
        }
        if needed == 0 {
            T::Currency::remove_lock(CONVICTION_VOTING_ID, who);
        } else {
            T::Currency::set_lock(CONVICTION_VOTING_ID, who, needed);
        }
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
                    "VoteLockingPeriod",
                    &T::VOTE_LOCKING_PERIOD,
                    &["Blocks a 1x conviction vote stays locked after its poll ends."],
                ),
                ConstantMeta::new(
                    "MaxVotes",
                    &T::MAX_VOTES,
                    &["Most votes one account may have in one class at once."],
                ),
            ],
            docs: &["Votes on referenda, weighted and locked by conviction."],
        }
    }
}
