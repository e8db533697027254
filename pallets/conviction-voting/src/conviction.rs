//! Conviction: how many votes a balance is worth and how long it stays locked after a poll.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use lux_primitives::Balance;
use scale_info::TypeInfo;

use crate::types::Delegations;

/// A voter's conviction: the longer the balance is locked after the poll (when the vote was on
/// the winning side), the more votes it is worth. Encoded as its index `0..=6`, as in Substrate
/// (polkadot.js writes `'Locked1x'`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub enum Conviction {
    /// 0.1 votes per unit; no lock after the poll.
    #[default]
    #[codec(index = 0)]
    None,
    /// 1 vote per unit; locked for 1 vote-locking period.
    #[codec(index = 1)]
    Locked1x,
    /// 2 votes per unit; locked for 2 periods.
    #[codec(index = 2)]
    Locked2x,
    /// 3 votes per unit; locked for 4 periods.
    #[codec(index = 3)]
    Locked3x,
    /// 4 votes per unit; locked for 8 periods.
    #[codec(index = 4)]
    Locked4x,
    /// 5 votes per unit; locked for 16 periods.
    #[codec(index = 5)]
    Locked5x,
    /// 6 votes per unit; locked for 32 periods.
    #[codec(index = 6)]
    Locked6x,
}

impl From<Conviction> for u8 {
    fn from(c: Conviction) -> u8 {
        match c {
            Conviction::None => 0,
            Conviction::Locked1x => 1,
            Conviction::Locked2x => 2,
            Conviction::Locked3x => 3,
            Conviction::Locked4x => 4,
            Conviction::Locked5x => 5,
            Conviction::Locked6x => 6,
        }
    }
}

impl TryFrom<u8> for Conviction {
    type Error = ();

    fn try_from(i: u8) -> Result<Self, ()> {
        Ok(match i {
            0 => Self::None,
            1 => Self::Locked1x,
            2 => Self::Locked2x,
            3 => Self::Locked3x,
            4 => Self::Locked4x,
            5 => Self::Locked5x,
            6 => Self::Locked6x,
            _ => return Err(()),
        })
    }
}

impl Conviction {
    /// Every conviction, weakest first.
    pub const ALL: [Self; 7] = [
        Self::None,
        Self::Locked1x,
        Self::Locked2x,
        Self::Locked3x,
        Self::Locked4x,
        Self::Locked5x,
        Self::Locked6x,
    ];

    /// How many vote-locking periods a winning vote stays locked after its poll ends:
    /// 0, 1, 2, 4, 8, 16 or 32.
    pub fn lock_periods(self) -> u32 {
        match self {
            Self::None => 0,
            Self::Locked1x => 1,
            Self::Locked2x => 2,
            Self::Locked3x => 4,
            Self::Locked4x => 8,
            Self::Locked5x => 16,
            Self::Locked6x => 32,
        }
    }

    /// The votes `capital` is worth with this conviction (a tenth of it without conviction,
    /// rounded down), with the capital itself.
    pub fn votes(self, capital: Balance) -> Delegations {
        let votes = match self {
            Self::None => capital / 10,
            locked => capital.saturating_mul(Balance::from(u8::from(locked))),
        };
        Delegations { votes, capital }
    }
}
