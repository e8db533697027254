//! The types and traits the governance pallets share, so that each depends on this crate and
//! not on the others: the preimage pallet stores calls by hash ([`QueryPreimage`],
//! [`StorePreimage`]), the scheduler dispatches calls later ([`ScheduleNamed`]), referenda run
//! polls ([`Polling`]) whose [`Tally`] conviction voting keeps.
//!
//! Encodings and names follow Substrate's (`Bounded`, `DispatchTime`, `Tally`, `OriginCaller`
//! with `{ system: Root }`), so polkadot.js users build the same arguments as on Polkadot.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use lux_primitives::{Balance, BlockNumber, H256};
use scale_info::TypeInfo;

use crate::{DispatchError, RawOrigin};

/// The index of a poll (a referendum).
pub type PollIndex = u32;
/// A track (a class of referenda with its own periods and thresholds).
pub type TrackId = u16;
/// A scheduled task's name.
pub type TaskName = [u8; 32];

/// The longest call kept inline in a [`Bounded`] (longer calls go through the preimage pallet).
pub const MAX_INLINE_CALL_LEN: usize = 128;

/// A call held either inline (short calls) or by the hash and length of its preimage.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("lux_support", "frame_support"))]
pub enum Bounded {
    /// The encoded call itself, at most [`MAX_INLINE_CALL_LEN`] bytes.
    #[codec(index = 1)]
    Inline(Vec<u8>),
    /// The blake2_256 hash of the encoded call, noted with the preimage pallet, and its length.
    #[codec(index = 2)]
    Lookup {
        /// blake2_256 of the encoded call.
        hash: H256,
        /// Its length in bytes.
        len: u32,
    },
}

impl Bounded {
    /// The hash of the call (of the inline bytes, or the referenced preimage's).
    pub fn hash(&self) -> H256 {
        match self {
            Self::Inline(bytes) => H256(lux_io::hashing::blake2_256(bytes)),
            Self::Lookup { hash, .. } => *hash,
        }
    }

    /// The length of the encoded call.
    pub fn len(&self) -> u32 {
        match self {
            Self::Inline(bytes) => bytes.len() as u32,
            Self::Lookup { len, .. } => *len,
        }
    }

    /// Whether the encoded call is empty (no call decodes from it).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the call is held by hash (a preimage must be noted to run it).
    pub fn lookup_needed(&self) -> bool {
        matches!(self, Self::Lookup { .. })
    }
}

/// When a scheduled call runs.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
)]
#[scale_info(replace_segment("lux_support", "frame_support"))]
pub enum DispatchTime {
    /// At this block.
    At(BlockNumber),
    /// This many blocks after the current one.
    After(BlockNumber),
}

impl DispatchTime {
    /// The block number this time names, seen from block `now`.
    pub fn evaluate(&self, now: BlockNumber) -> BlockNumber {
        match self {
            Self::At(n) => *n,
            Self::After(n) => now.saturating_add(*n),
        }
    }
}

/// The origin a referendum's proposal is dispatched with, in Substrate's outer-origin shape:
/// polkadot.js writes `{ system: 'Root' }`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum OriginCaller {
    /// A system origin (only `Root` is accepted by referenda).
    #[codec(index = 0)]
    system(RawOrigin),
}

/// A poll's tally: the conviction-weighted ayes and nays, and the support (the aye balance
/// without conviction), as conviction voting keeps it.
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
    TypeInfo,
    MaxEncodedLen,
)]
#[scale_info(replace_segment("lux_support", "pallet_conviction_voting"))]
pub struct Tally {
    /// Aye votes, weighted by conviction.
    pub ayes: Balance,
    /// Nay votes, weighted by conviction.
    pub nays: Balance,
    /// The aye votes' balance without conviction: the turnout in favour.
    pub support: Balance,
}

/// A poll as a voting pallet sees it.
pub enum PollStatus<'a> {
    /// No such poll.
    None,
    /// Open: its tally (the voting pallet updates it) and its track.
    Ongoing(&'a mut Tally, TrackId),
    /// Ended at this block, approved (`true`) or not.
    Completed(BlockNumber, bool),
}

/// What a voting pallet may do with polls (implemented by referenda).
pub trait Polling {
    /// Gives `f` the status of poll `index`; changes `f` makes to an ongoing poll's tally are
    /// kept (and the poll is checked again at the next block), and kept only if `f` succeeds.
    fn try_access_poll<R>(
        index: PollIndex,
        f: impl FnOnce(PollStatus<'_>) -> Result<R, DispatchError>,
    ) -> Result<R, DispatchError>;

    /// The tally and track of poll `index`, if it is ongoing.
    fn as_ongoing(index: PollIndex) -> Option<(Tally, TrackId)>;

    /// The tracks polls can be in.
    fn classes() -> Vec<TrackId>;
}

/// Reading preimages (implemented by the preimage pallet).
pub trait QueryPreimage {
    /// The length of the noted preimage of `hash`, if it is noted.
    fn len(hash: &H256) -> Option<u32>;

    /// The preimage of `hash`, if it is noted (and has length `len`, when given).
    fn fetch(hash: &H256, len: Option<u32>) -> Option<Vec<u8>>;

    /// Whether the preimage of `hash` is requested (kept without a deposit while in use).
    fn is_requested(hash: &H256) -> bool;

    /// Asks for the preimage of `hash` to be kept while it is in use (by a referendum or the
    /// scheduler); a deposit already paid for it becomes refundable. Requests are counted.
    fn request(hash: &H256);

    /// Withdraws one request; the preimage is removed when no request and no deposit keep it.
    fn unrequest(hash: &H256);
}

/// Storing preimages from other pallets.
pub trait StorePreimage: QueryPreimage {
    /// Notes `bytes` as a requested preimage (no deposit) and returns its hash.
    fn note(bytes: Vec<u8>) -> Result<H256, DispatchError>;

    /// Holds `call` inline when short enough, else notes it; the result refers to it.
    fn bound(call: Vec<u8>) -> Result<Bounded, DispatchError> {
        if call.len() <= MAX_INLINE_CALL_LEN {
            return Ok(Bounded::Inline(call));
        }
        let len = call.len() as u32;
        let hash = Self::note(call)?;
        Ok(Bounded::Lookup { hash, len })
    }
}

/// No preimages: only inline calls can be resolved.
impl QueryPreimage for () {
    fn len(_: &H256) -> Option<u32> {
        None
    }
    fn fetch(_: &H256, _: Option<u32>) -> Option<Vec<u8>> {
        None
    }
    fn is_requested(_: &H256) -> bool {
        false
    }
    fn request(_: &H256) {}
    fn unrequest(_: &H256) {}
}

/// Scheduling named calls from other pallets (implemented by the scheduler).
pub trait ScheduleNamed {
    /// Schedules `call` to be dispatched as `origin` at `when` under `id`; a `Lookup` call's
    /// preimage is requested until it runs or is cancelled.
    fn schedule_named(
        id: TaskName,
        when: DispatchTime,
        priority: u8,
        origin: RawOrigin,
        call: Bounded,
    ) -> Result<(), DispatchError>;

    /// Cancels the task `id`.
    fn cancel_named(id: TaskName) -> Result<(), DispatchError>;

    /// The block at which task `id` runs, if it is scheduled.
    fn next_dispatch_time(id: TaskName) -> Option<BlockNumber>;
}
