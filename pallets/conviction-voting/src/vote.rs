//! Votes and each account's voting record in a class.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, EncodeLike, Input, MaxEncodedLen, Output};
use lux_primitives::{Balance, BlockNumber};
use lux_support::governance::{PollIndex, Tally};
use scale_info::build::Fields;
use scale_info::{Path, Type, TypeInfo};

use crate::conviction::Conviction;
use crate::types::Delegations;

/// A vote for (`aye`) or against a poll, with a conviction. Encoded as Substrate encodes it,
/// in one byte: bit 7 is `aye`, the low bits the conviction's index (`0x81`: aye, `Locked1x`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vote {
    /// For the proposal (`true`) or for the status quo.
    pub aye: bool,
    /// How much each unit of balance counts, and how long it stays locked.
    pub conviction: Conviction,
}

const AYE_BIT: u8 = 0b1000_0000;

impl Encode for Vote {
    fn size_hint(&self) -> usize {
        1
    }

    fn encode_to<O: Output + ?Sized>(&self, output: &mut O) {
        output.push_byte(u8::from(self.conviction) | if self.aye { AYE_BIT } else { 0 });
    }
}

impl EncodeLike for Vote {}

impl Decode for Vote {
    fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
        let byte = input.read_byte()?;
        let conviction = Conviction::try_from(byte & !AYE_BIT)
            .map_err(|()| codec::Error::from("invalid conviction"))?;
        Ok(Self { aye: byte & AYE_BIT != 0, conviction })
    }
}

impl DecodeWithMemTracking for Vote {}

impl MaxEncodedLen for Vote {
    fn max_encoded_len() -> usize {
        1
    }
}

/// Described as Substrate describes it (`pallet_conviction_voting::vote::Vote`, a composite of
/// one `u8`), which polkadot.js recognises and lets users write as `{ aye, conviction }`.
impl TypeInfo for Vote {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("Vote", module_path!()))
            .docs(&["A vote: bit 7 is aye, the low bits the conviction."])
            .composite(
                Fields::unnamed()
                    .field(|f| f.ty::<u8>().docs(&["Raw vote byte, encodes aye + conviction"])),
            )
    }
}

/// An account's vote on one poll (Substrate's variants and indices).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub enum AccountVote {
    /// Aye or nay with a conviction, backed by `balance`.
    #[codec(index = 0)]
    Standard {
        /// The vote.
        vote: Vote,
        /// The balance behind it (locked while the vote stands).
        balance: Balance,
    },
    /// Part aye, part nay, without conviction (each counts 0.1x; no lock after the poll).
    #[codec(index = 1)]
    Split {
        /// The aye part.
        aye: Balance,
        /// The nay part.
        nay: Balance,
    },
    /// Part aye, part nay, part abstaining, without conviction (0.1x; the aye and abstain
    /// parts count as support).
    #[codec(index = 2)]
    SplitAbstain {
        /// The aye part.
        aye: Balance,
        /// The nay part.
        nay: Balance,
        /// The abstaining part.
        abstain: Balance,
    },
}

impl AccountVote {
    /// The whole balance behind the vote (locked while the vote stands).
    pub fn balance(self) -> Balance {
        match self {
            Self::Standard { balance, .. } => balance,
            Self::Split { aye, nay } => aye.saturating_add(nay),
            Self::SplitAbstain { aye, nay, abstain } => {
                aye.saturating_add(nay).saturating_add(abstain)
            }
        }
    }

    /// Whether a standard vote is aye (`None` for split votes).
    pub fn as_standard(self) -> Option<bool> {
        match self {
            Self::Standard { vote, .. } => Some(vote.aye),
            _ => None,
        }
    }

    /// The lock periods and balance that stay locked after the poll ended `approved` (or
    /// not): a standard vote on the winning side with conviction; `None` otherwise.
    pub fn locked_if(self, approved: bool) -> Option<(u32, Balance)> {
        match self {
            Self::Standard { vote, balance } if vote.aye == approved => {
                Some((vote.conviction.lock_periods(), balance))
            }
            _ => None,
        }
    }

    /// What the vote adds to a tally: conviction-weighted ayes and nays (split votes count
    /// 0.1x), and as support the aye balance (and the abstaining one) without conviction.
    pub fn tally(self) -> Tally {
        match self {
            Self::Standard { vote, balance } => {
                let Delegations { votes, capital } = vote.conviction.votes(balance);
                if vote.aye {
                    Tally { ayes: votes, nays: 0, support: capital }
                } else {
                    Tally { ayes: 0, nays: votes, support: 0 }
                }
            }
            Self::Split { aye, nay } => {
                let aye = Conviction::None.votes(aye);
                let nay = Conviction::None.votes(nay);
                Tally { ayes: aye.votes, nays: nay.votes, support: aye.capital }
            }
            Self::SplitAbstain { aye, nay, abstain } => {
                let aye = Conviction::None.votes(aye);
                let nay = Conviction::None.votes(nay);
                Tally {
                    ayes: aye.votes,
                    nays: nay.votes,
                    support: aye.capital.saturating_add(abstain),
                }
            }
        }
    }

    /// Adds the vote to `tally`; `None` (and `tally` unchanged) on overflow.
    pub fn add_to(self, tally: &mut Tally) -> Option<()> {
        let part = self.tally();
        *tally = Tally {
            ayes: tally.ayes.checked_add(part.ayes)?,
            nays: tally.nays.checked_add(part.nays)?,
            support: tally.support.checked_add(part.support)?,
        };
        Some(())
    }

    /// Takes the vote out of `tally`; `None` (and `tally` unchanged) if it was not in it.
    pub fn remove_from(self, tally: &mut Tally) -> Option<()> {
        let part = self.tally();
        *tally = Tally {
            ayes: tally.ayes.checked_sub(part.ayes)?,
            nays: tally.nays.checked_sub(part.nays)?,
            support: tally.support.checked_sub(part.support)?,
        };
        Some(())
    }
}

/// A lock left by removed votes: `amount` stays locked until block `until`.
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
)]
pub struct PriorLock(pub BlockNumber, pub Balance);

impl PriorLock {
    /// Merges in a lock of `amount` until `until`: the larger amount, until the later block.
    pub fn accumulate(&mut self, until: BlockNumber, amount: Balance) {
        self.0 = self.0.max(until);
        self.1 = self.1.max(amount);
    }

    /// The amount still locked.
    pub fn locked(&self) -> Balance {
        self.1
    }

    /// Clears the lock if it expired by block `now`.
    pub fn rejig(&mut self, now: BlockNumber) {
        if now >= self.0 {
            *self = Self::default();
        }
    }
}

/// An account voting directly in a class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Casting {
    /// Its votes, sorted by poll index (at most `MaxVotes`).
    pub votes: Vec<(PollIndex, AccountVote)>,
    /// Votes delegated to it (always zero: this version has no delegation).
    pub delegations: Delegations,
    /// What stays locked from votes it removed.
    pub prior: PriorLock,
}

/// An account's voting in one class. Only `Casting` (index 0) exists here; Substrate's
/// `Delegating` (index 1) is left out with delegation.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Voting {
    /// Voting directly.
    #[codec(index = 0)]
    Casting(Casting),
}

impl Default for Voting {
    fn default() -> Self {
        Self::Casting(Casting::default())
    }
}

impl Voting {
    /// The votes, sorted by poll index.
    pub fn votes(&self) -> &[(PollIndex, AccountVote)] {
        let Self::Casting(casting) = self;
        &casting.votes
    }

    /// The lock left by removed votes.
    pub fn prior(&self) -> PriorLock {
        let Self::Casting(casting) = self;
        casting.prior
    }

    /// The balance this record needs locked: the largest vote, or the prior lock if larger.
    pub fn locked_balance(&self) -> Balance {
        let Self::Casting(casting) = self;
        casting.votes.iter().map(|(_, v)| v.balance()).fold(casting.prior.locked(), Balance::max)
    }

    /// Clears the prior lock if it expired by block `now`.
    pub fn rejig(&mut self, now: BlockNumber) {
        let Self::Casting(casting) = self;
        casting.prior.rejig(now);
    }

    /// Whether nothing is recorded (no votes, no lock): the record need not be stored.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
