//! Helper types: delegated amounts, and who may remove a vote.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use lux_primitives::Balance;
use scale_info::TypeInfo;

/// Votes and capital: what a balance with a conviction adds to a tally, or what others
/// delegate to an account (always zero here: this version has no delegation, the field keeps
/// Substrate's layout of `Casting`).
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
pub struct Delegations {
    /// Votes, after conviction.
    pub votes: Balance,
    /// The balance behind them, before conviction (what counts as support).
    pub capital: Balance,
}

/// Which removals of a vote are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnvoteScope {
    /// Anything: the voter removes its own vote.
    Any,
    /// Only a vote that no longer needs a lock (someone else removes it).
    OnlyExpired,
}
