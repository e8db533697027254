//! The referenda pallet: proposals the token holders decide by vote, on tracks with their own
//! deposits, periods and passing thresholds (OpenGov).
//!
//! Semantics, names, call indices and encodings follow Substrate's pallet-referenda, so
//! polkadot.js and people who know Polkadot's OpenGov find what they expect. The voting itself
//! is another pallet's (conviction voting), which reaches the tallies through this pallet's
//! [`Polling`] implementation.
//!
//! - **Tracks.** Each track has a decision deposit, a preparation, decision and confirmation
//!   period, a minimum enactment delay, the most referenda it decides at once, and two curves:
//!   the approval (`ayes / (ayes + nays)`, conviction-weighted) and the support (aye balance
//!   without conviction over the total issuance) needed as the decision period elapses. Tracks
//!   come from the chain spec ([`GenesisConfig::tracks`]) and are stored in [`Tracks`]; the
//!   metadata constant `Tracks` is read from there. Only the root origin has a track: the one
//!   named `root` (or else the one with id 0); other proposal origins fail with `NoTrack`.
//! - **Lifecycle.** `submit` reserves [`Config::SUBMISSION_DEPOSIT`] and starts *preparing*.
//!   Once someone placed the track's decision deposit and the preparation period has passed,
//!   the referendum starts *deciding* if the track has a free decision slot, else it waits in
//!   [`TrackQueue`] (highest conviction-weighted ayes first, as in Substrate). While deciding,
//!   passing both curves starts *confirming*; staying passing for the confirmation period
//!   *approves* it (the proposal is scheduled with the root origin, at the requested moment but
//!   no sooner than the track's minimum enactment period); falling short while confirming aborts
//!   the confirmation; reaching the end of the decision period without passing *rejects* it. A
//!   referendum not deciding (nor queued) [`Config::UNDECIDING_TIMEOUT`] blocks after its
//!   submission *times out*. Root may `cancel` (deposits refundable) or `kill` (deposits
//!   slashed) an ongoing referendum.
//! - **Deposits** (Substrate's rules). The decision deposit comes back after any end but a kill;
//!   the submission deposit only after approval or cancellation (it stays reserved after a
//!   rejection or a time-out, which is what deters spam).
//! - **Alarms.** Every state change records the earliest block at which the referendum's state
//!   could change next (end of preparation, of confirmation, of the decision period, the block
//!   at which the decreasing curves meet the current tally, or the next block after a vote) in
//!   [`Alarms`]; [`Hooks::on_initialize`] services the referenda due at that block. Substrate
//!   sets these alarms as scheduler tasks dispatching `nudge_referendum`; keeping our own agenda
//!   means the pallet's bookkeeping does not depend on the scheduler (which only enacts approved
//!   proposals), costs no scheduler entry or call encoding per referendum, and is bounded per
//!   block: at most [`Config::MAX_ALARMS_PER_BLOCK`] referenda are serviced in a block, the rest
//!   move to the next one.
//!
//! For reference, Polkadot's root track: one referendum decided at a time, a decision deposit
//! of 100,000 DOT, 2 hours of preparation, a 28-day decision period, a 1-day confirmation period
//! and a 1-day minimum enactment period; approval from 100% falling along a reciprocal curve to
//! 80% after 4 days and 50% at the end; support falling linearly from 50% to 0% over the 28
//! days. Polkadot's submission deposit is 1 DOT, its undeciding time-out 14 days and its queue
//! holds 100 referenda per track.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_primitives::{AccountId20, Balance, BlockNumber, Perbill, H256};
use lux_support::governance::{
    Bounded, DispatchTime, OriginCaller, PollIndex, PollStatus, Polling, QueryPreimage,
    ScheduleNamed, Tally, TaskName, TrackId,
};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::{Currency, ReservableCurrency};
use lux_support::{
    ensure, ensure_root, ensure_signed, pallet_error, storage, Blake2_128Concat, DispatchClass,
    DispatchError, DispatchInfo, DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays,
    RawOrigin, Twox64Concat, ValueQuery, Weight,
};
use scale_info::TypeInfo;

/// The priority of enactment tasks in the scheduler (Substrate's).
pub const ENACTMENT_PRIORITY: u8 = 63;

/// Configuration of the referenda pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The currency deposits are reserved in, and whose total issuance support is measured
    /// against.
    type Currency: ReservableCurrency;
    /// Where approved proposals are scheduled for enactment.
    type Scheduler: ScheduleNamed;
    /// The preimages of proposals held by hash.
    type Preimages: QueryPreimage;
    /// The deposit reserved by `submit`.
    const SUBMISSION_DEPOSIT: Balance;
    /// Most referenda waiting in one track's queue for a decision slot.
    const MAX_QUEUED: u32;
    /// Blocks after submission within which a referendum must start deciding (or be queued),
    /// or it times out.
    const UNDECIDING_TIMEOUT: BlockNumber;
    /// Most referenda the block hook services in one block; the others wait for the next.
    const MAX_ALARMS_PER_BLOCK: u32 = 64;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Fixed-point numbers, as Substrate's `sp_arithmetic::fixed_point` names them.
pub mod fixed_point {
    use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
    use scale_info::TypeInfo;

    /// A fixed-point number with 9 decimals (`1_000_000_000` is one), encoded as Substrate's
    /// `FixedI64`: the parameters of a reciprocal curve.
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
        serde::Serialize,
        serde::Deserialize,
    )]
    #[scale_info(replace_segment("pallet_referenda", "sp_arithmetic"))]
    pub struct FixedI64(pub i64);

    impl FixedI64 {
        /// One, in parts.
        pub const ACCURACY: i64 = 1_000_000_000;
    }
}

pub use fixed_point::FixedI64;

/// A threshold (the `y`, approval or support, needed) as a function of the fraction `x` of the
/// decision period elapsed, both in `[0, 1]`. Substrate's variants and indices.
#[derive(
    Clone,
    Debug,
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
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum Curve {
    /// `ceil` at `x = 0`, falling linearly to `floor` at `x = length`, then `floor`.
    #[codec(index = 0)]
    LinearDecreasing {
        /// Where the curve reaches `floor`.
        length: Perbill,
        /// The lowest value.
        floor: Perbill,
        /// The value at the start.
        ceil: Perbill,
    },
    /// `begin` at `x = 0`, then `step` lower after every `period`, never below `end`.
    #[codec(index = 1)]
    SteppedDecreasing {
        /// The value at the start.
        begin: Perbill,
        /// The lowest value.
        end: Perbill,
        /// How much each step lowers it.
        step: Perbill,
        /// The length of a step.
        period: Perbill,
    },
    /// `factor / (x + x_offset) + y_offset`, clamped to `[0, 1]`.
    #[codec(index = 2)]
    Reciprocal {
        /// The numerator.
        factor: FixedI64,
        /// Added to `x`.
        x_offset: FixedI64,
        /// Added to the quotient.
        y_offset: FixedI64,
    },
}

const ONE: u64 = Perbill::ACCURACY as u64;

fn parts(p: Perbill) -> u64 {
    u64::from(p.deconstruct())
}

fn perbill(parts: u64) -> Perbill {
    Perbill::from_parts(parts.min(ONE) as u32)
}

impl Curve {
    /// The threshold at `x`.
    pub fn threshold(&self, x: Perbill) -> Perbill {
        let x = parts(x);
        match *self {
            Self::LinearDecreasing { length, floor, ceil } => {
                let (length, floor, ceil) = (parts(length), parts(floor), parts(ceil));
                if length == 0 {
                    return perbill(floor.min(ceil));
                }
                // The drop so far, rounded down: the threshold errs high, never low.
                let drop = x.min(length) * ceil.saturating_sub(floor) / length;
                perbill(ceil - drop)
            }
            Self::SteppedDecreasing { begin, end, step, period } => {
                let (begin, end, step, period) =
                    (parts(begin), parts(end), parts(step), parts(period));
                let steps = x.checked_div(period).unwrap_or(0);
                perbill(begin.saturating_sub(steps.saturating_mul(step)).max(end))
            }
            Self::Reciprocal { factor, x_offset, y_offset } => {
                let denominator = i128::from(x as i64) + i128::from(x_offset.0);
                if denominator <= 0 {
                    return Perbill::one();
                }
                let quotient =
                    (i128::from(factor.0) * i128::from(FixedI64::ACCURACY)).div_euclid(denominator);
                let y = quotient + i128::from(y_offset.0);
                perbill(y.clamp(0, i128::from(ONE)) as u64)
            }
        }
    }

    /// Whether `y` meets the threshold at `x`.
    pub fn passing(&self, x: Perbill, y: Perbill) -> bool {
        y >= self.threshold(x)
    }

    /// The least `x` at which `y` passes (one if it never does before the end).
    pub fn delay(&self, y: Perbill) -> Perbill {
        let y = parts(y);
        match *self {
            Self::LinearDecreasing { length, floor, ceil } => {
                let (length, floor, ceil) = (parts(length), parts(floor), parts(ceil));
                if y >= ceil {
                    Perbill::zero()
                } else if y < floor || length == 0 {
                    Perbill::one()
                } else {
                    // The least x with x * (ceil - floor) >= (ceil - y) * length.
                    let span = ceil - floor;
                    perbill(((ceil - y) * length).div_ceil(span))
                }
            }
            Self::SteppedDecreasing { begin, end, step, period } => {
                let (begin, end, step, period) =
                    (parts(begin), parts(end), parts(step), parts(period));
                if y >= begin {
                    Perbill::zero()
                } else if y < end || step == 0 || period == 0 {
                    Perbill::one()
                } else {
                    perbill((begin - y).div_ceil(step).saturating_mul(period))
                }
            }
            Self::Reciprocal { factor, x_offset, y_offset } => {
                let above = i128::from(y as i64) - i128::from(y_offset.0);
                if above <= 0 {
                    return Perbill::one();
                }
                // x + x_offset <= factor / (y - y_offset), rounded up.
                let numerator = i128::from(factor.0) * i128::from(FixedI64::ACCURACY);
                let term =
                    numerator.div_euclid(above) + i128::from(numerator.rem_euclid(above) != 0);
                let x = term - i128::from(x_offset.0);
                if x > i128::from(ONE) {
                    Perbill::one()
                } else {
                    perbill(x.max(0) as u64)
                }
            }
        }
    }

    /// Why the curve is not a sane decreasing threshold, if it is not.
    fn check(&self) -> Result<(), &'static str> {
        let valid = |p: &Perbill| p.deconstruct() <= Perbill::ACCURACY;
        match self {
            Self::LinearDecreasing { length, floor, ceil } => {
                if ![length, floor, ceil].into_iter().all(valid) {
                    return Err("a Perbill above one billion");
                }
                if length.deconstruct() == 0 {
                    return Err("linearDecreasing.length must be positive");
                }
                if floor > ceil {
                    return Err("linearDecreasing.floor must not exceed its ceil");
                }
            }
            Self::SteppedDecreasing { begin, end, step, period } => {
                if ![begin, end, step, period].into_iter().all(valid) {
                    return Err("a Perbill above one billion");
                }
                if end > begin {
                    return Err("steppedDecreasing.end must not exceed its begin");
                }
                if step.deconstruct() == 0 || period.deconstruct() == 0 {
                    return Err("steppedDecreasing.step and period must be positive");
                }
            }
            Self::Reciprocal { factor, x_offset, .. } => {
                if factor.0 <= 0 || x_offset.0 <= 0 {
                    return Err("reciprocal.factor and xOffset must be positive");
                }
            }
        }
        Ok(())
    }
}

/// A track's parameters (Substrate's fields and encoding; the name is a string).
#[derive(
    Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackInfo {
    /// The track's name (`root` for the root track).
    pub name: String,
    /// Most referenda deciding at once on the track.
    pub max_deciding: u32,
    /// The deposit needed before a referendum is decided.
    pub decision_deposit: Balance,
    /// Blocks after submission before a decision may start.
    pub prepare_period: BlockNumber,
    /// Blocks a decision may take.
    pub decision_period: BlockNumber,
    /// Blocks a referendum must keep passing to be approved.
    pub confirm_period: BlockNumber,
    /// Least blocks between approval and enactment.
    pub min_enactment_period: BlockNumber,
    /// The approval needed, over the decision period.
    pub min_approval: Curve,
    /// The support needed, over the decision period.
    pub min_support: Curve,
}

/// A reserved deposit.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Deposit {
    /// Who placed it.
    pub who: AccountId20,
    /// How much.
    pub amount: Balance,
}

/// A deciding referendum's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct DecidingStatus {
    /// The block its decision started.
    pub since: BlockNumber,
    /// While confirming: the block at which it is approved if it keeps passing.
    pub confirming: Option<BlockNumber>,
}

/// An ongoing referendum.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ReferendumStatus {
    /// Its track.
    pub track: TrackId,
    /// The origin its proposal is dispatched with.
    pub origin: OriginCaller,
    /// The proposal.
    pub proposal: Bounded,
    /// When the proposal should be enacted once approved.
    pub enactment: DispatchTime,
    /// The block it was submitted.
    pub submitted: BlockNumber,
    /// The submission deposit.
    pub submission_deposit: Deposit,
    /// The decision deposit, once placed.
    pub decision_deposit: Option<Deposit>,
    /// Its decision, once started.
    pub deciding: Option<DecidingStatus>,
    /// The votes.
    pub tally: Tally,
    /// Whether it waits in its track's queue for a decision slot.
    pub in_queue: bool,
    /// The block at which it is next serviced (its entry in `Alarms`), if any.
    pub alarm: Option<BlockNumber>,
}

/// A referendum, ongoing or ended (Substrate's variants and indices). An ended one keeps the
/// block it ended and the deposits not yet refunded.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum ReferendumInfo {
    /// Being prepared, queued or decided.
    #[codec(index = 0)]
    Ongoing(ReferendumStatus),
    /// Approved; its proposal was scheduled.
    #[codec(index = 1)]
    Approved(BlockNumber, Option<Deposit>, Option<Deposit>),
    /// Rejected.
    #[codec(index = 2)]
    Rejected(BlockNumber, Option<Deposit>, Option<Deposit>),
    /// Cancelled by root.
    #[codec(index = 3)]
    Cancelled(BlockNumber, Option<Deposit>, Option<Deposit>),
    /// Never decided in time.
    #[codec(index = 4)]
    TimedOut(BlockNumber, Option<Deposit>, Option<Deposit>),
    /// Killed by root; its deposits were slashed.
    #[codec(index = 5)]
    Killed(BlockNumber),
}

/// Events of the referenda pallet (Substrate's names, fields and order).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A referendum was submitted.
    Submitted {
        /// The referendum.
        index: PollIndex,
        /// Its track.
        track: TrackId,
        /// Its proposal.
        proposal: Bounded,
    },
    /// A decision deposit was placed.
    DecisionDepositPlaced {
        /// The referendum.
        index: PollIndex,
        /// Who placed it.
        who: AccountId20,
        /// How much.
        amount: Balance,
    },
    /// A decision deposit was refunded.
    DecisionDepositRefunded {
        /// The referendum.
        index: PollIndex,
        /// Who placed it.
        who: AccountId20,
        /// How much.
        amount: Balance,
    },
    /// A deposit was slashed.
    DepositSlashed {
        /// Who placed it.
        who: AccountId20,
        /// How much.
        amount: Balance,
    },
    /// A referendum started deciding.
    DecisionStarted {
        /// The referendum.
        index: PollIndex,
        /// Its track.
        track: TrackId,
        /// Its proposal.
        proposal: Bounded,
        /// Its tally.
        tally: Tally,
    },
    /// A referendum started confirming.
    ConfirmStarted {
        /// The referendum.
        index: PollIndex,
    },
    /// A referendum stopped passing while confirming.
    ConfirmAborted {
        /// The referendum.
        index: PollIndex,
    },
    /// A referendum kept passing through its confirmation period.
    Confirmed {
        /// The referendum.
        index: PollIndex,
        /// Its final tally.
        tally: Tally,
    },
    /// A referendum was approved and its proposal scheduled (unless `EnactmentFailed` says
    /// otherwise).
    Approved {
        /// The referendum.
        index: PollIndex,
    },
    /// A referendum was rejected.
    Rejected {
        /// The referendum.
        index: PollIndex,
        /// Its final tally.
        tally: Tally,
    },
    /// A referendum timed out without being decided.
    TimedOut {
        /// The referendum.
        index: PollIndex,
        /// Its final tally.
        tally: Tally,
    },
    /// A referendum was cancelled.
    Cancelled {
        /// The referendum.
        index: PollIndex,
        /// Its final tally.
        tally: Tally,
    },
    /// A referendum was killed.
    Killed {
        /// The referendum.
        index: PollIndex,
        /// Its final tally.
        tally: Tally,
    },
    /// A submission deposit was refunded.
    SubmissionDepositRefunded {
        /// The referendum.
        index: PollIndex,
        /// Who placed it.
        who: AccountId20,
        /// How much.
        amount: Balance,
    },
    /// A referendum's metadata was set.
    MetadataSet {
        /// The referendum.
        index: PollIndex,
        /// The hash of the metadata's preimage.
        hash: H256,
    },
    /// A referendum's metadata was cleared.
    MetadataCleared {
        /// The referendum.
        index: PollIndex,
        /// The hash of the metadata's preimage.
        hash: H256,
    },
    /// An approved referendum's proposal could not be scheduled (LuxTensor's; the referendum
    /// is approved all the same).
    EnactmentFailed {
        /// The referendum.
        index: PollIndex,
        /// The scheduler's error.
        error: DispatchError,
    },
}

pallet_error! {
    /// Errors of the referenda pallet (Substrate's names and order).
    pub enum Error<T: Config> {
        /// The referendum is not ongoing.
        NotOngoing,
        /// The decision deposit is already placed.
        HasDeposit,
        /// No such track.
        BadTrack,
        /// The track already decides as many referenda as it may.
        Full,
        /// The track's queue is empty.
        QueueEmpty,
        /// No such referendum, or not in a state for this.
        BadReferendum,
        /// Nothing to do.
        NothingToDo,
        /// No track for the proposal's origin.
        NoTrack,
        /// The referendum has not ended: its deposit cannot be refunded yet.
        Unfinished,
        /// Only the submitter may do this.
        NoPermission,
        /// No deposit to refund.
        NoDeposit,
        /// The referendum's state does not allow this.
        BadStatus,
        /// The preimage is not noted.
        PreimageNotExist,
    }
}

storage! {
    pallet = "Referenda", config = Config;
    /// The number of referenda submitted so far: the next referendum's index.
    pub type ReferendumCount = StorageValue<PollIndex, ValueQuery>;
    /// Every referendum, ongoing or ended.
    pub type ReferendumInfoFor = StorageMap<Blake2_128Concat, PollIndex, ReferendumInfo>;
    /// Each track's referenda waiting for a decision slot, with their conviction-weighted ayes,
    /// fewest ayes first (the last is decided next).
    pub type TrackQueue =
        StorageMap<Twox64Concat, TrackId, Vec<(PollIndex, Balance)>, ValueQuery>;
    /// How many referenda each track is deciding.
    pub type DecidingCount = StorageMap<Twox64Concat, TrackId, u32, ValueQuery>;
    /// The hash of each referendum's metadata preimage, set by its submitter.
    pub type MetadataOf = StorageMap<Blake2_128Concat, PollIndex, H256>;
    /// The referenda to service at each block (LuxTensor's agenda, instead of scheduler tasks).
    pub type Alarms = StorageMap<Twox64Concat, BlockNumber, Vec<PollIndex>, ValueQuery>;
    /// The tracks, by id (chain spec).
    pub type Tracks = StorageValue<Vec<(TrackId, TrackInfo)>, ValueQuery>;
}

/// Genesis configuration: the tracks.
///
/// In a chain spec (`decisionDeposit` in the smallest unit, periods in blocks, `Perbill`s in
/// parts per billion):
///
/// ```text
/// "referenda": { "tracks": [[0, {
///     "name": "root", "maxDeciding": 1, "decisionDeposit": 1000000000000000000000,
///     "preparePeriod": 1200, "decisionPeriod": 403200, "confirmPeriod": 14400,
///     "minEnactmentPeriod": 14400,
///     "minApproval": { "reciprocal": { "factor": 222222224, "xOffset": 333333335,
///                                      "yOffset": 333333332 } },
///     "minSupport": { "linearDecreasing": { "length": 1000000000, "floor": 0,
///                                           "ceil": 500000000 } } }]] }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct GenesisConfig {
    /// The tracks: unique ids, unique non-empty names, sane curves.
    pub tracks: Vec<(TrackId, TrackInfo)>,
}

impl GenesisConfig {
    /// Checks and stores the tracks (sorted by id).
    pub fn build<T: Config>(&self) -> Result<(), String> {
        let mut tracks = self.tracks.clone();
        tracks.sort_by_key(|(id, _)| *id);
        for (i, (id, track)) in tracks.iter().enumerate() {
            let fail = |why: &str| Err(alloc::format!("referenda.tracks: track {id}: {why}"));
            if tracks[..i].iter().any(|(other, _)| other == id) {
                return fail("duplicate id");
            }
            if track.name.is_empty() {
                return fail("empty name");
            }
            if tracks[..i].iter().any(|(_, other)| other.name == track.name) {
                return fail("duplicate name");
            }
            if track.max_deciding == 0 {
                return fail("maxDeciding must be positive");
            }
            if track.decision_period == 0 {
                return fail("decisionPeriod must be positive");
            }
            if let Err(why) = track.min_approval.check() {
                return fail(&alloc::format!("minApproval: {why}"));
            }
            if let Err(why) = track.min_support.check() {
                return fail(&alloc::format!("minSupport: {why}"));
            }
        }
        Tracks::put(tracks);
        Ok(())
    }
}

/// Calls of the referenda pallet (Substrate's indices and argument names).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Submits a referendum on `proposal`, to be dispatched as `proposal_origin` (only root has
    /// a track) at `enactment_moment` if approved; reserves the submission deposit.
    #[codec(index = 0)]
    submit {
        /// The origin the proposal is dispatched with.
        proposal_origin: Box<OriginCaller>,
        /// The proposal (a `Lookup` proposal's preimage is requested while it is ongoing).
        proposal: Bounded,
        /// When to enact it once approved.
        enactment_moment: DispatchTime,
    },
    /// Places the decision deposit of referendum `index` (anyone may).
    #[codec(index = 1)]
    place_decision_deposit {
        /// The referendum.
        index: PollIndex,
    },
    /// Refunds the decision deposit of ended referendum `index` (signed or root; not after a
    /// kill).
    #[codec(index = 2)]
    refund_decision_deposit {
        /// The referendum.
        index: PollIndex,
    },
    /// Cancels ongoing referendum `index` (root); its deposits become refundable.
    #[codec(index = 3)]
    cancel {
        /// The referendum.
        index: PollIndex,
    },
    /// Kills ongoing referendum `index` (root); its deposits are slashed.
    #[codec(index = 4)]
    kill {
        /// The referendum.
        index: PollIndex,
    },
    /// Services referendum `index` now (root).
    #[codec(index = 5)]
    nudge_referendum {
        /// The referendum.
        index: PollIndex,
    },
    /// Treats one of `track`'s decision slots as freed: its queue's head starts deciding, or
    /// the deciding count drops (root; slots are freed automatically, this is a repair tool).
    #[codec(index = 6)]
    one_fewer_deciding {
        /// The track.
        track: TrackId,
    },
    /// Refunds the submission deposit of approved or cancelled referendum `index` (signed or
    /// root).
    #[codec(index = 7)]
    refund_submission_deposit {
        /// The referendum.
        index: PollIndex,
    },
    /// Sets (the submitter, while ongoing) or clears (the submitter, or anyone once ended) the
    /// hash of referendum `index`'s metadata preimage.
    #[codec(index = 8)]
    set_metadata {
        /// The referendum.
        index: PollIndex,
        /// The noted preimage's hash, or `None` to clear.
        maybe_hash: Option<H256>,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let weight = match self {
            Self::submit { .. } => weights::SUBMIT,
            Self::place_decision_deposit { .. } => weights::PLACE_DECISION_DEPOSIT,
            Self::refund_decision_deposit { .. } | Self::refund_submission_deposit { .. } => {
                weights::REFUND
            }
            Self::cancel { .. } | Self::kill { .. } => weights::END,
            Self::nudge_referendum { .. } => weights::NUDGE,
            Self::one_fewer_deciding { .. } => weights::ONE_FEWER_DECIDING,
            Self::set_metadata { .. } => weights::SET_METADATA,
        };
        DispatchInfo { weight, class: DispatchClass::Normal, pays_fee: Pays::Yes }
    }
}

/// Succeeds if `origin` is signed or root.
fn ensure_signed_or_root(origin: RawOrigin) -> Result<(), DispatchError> {
    match origin {
        RawOrigin::Signed(_) | RawOrigin::Root => Ok(()),
        RawOrigin::None => Err(DispatchError::BadOrigin),
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        let now = pallet_system::Pallet::<T>::block_number();
        match self {
            Self::submit { proposal_origin, proposal, enactment_moment } => {
                let who = ensure_signed(origin)?;
                Pallet::<T>::do_submit(who, *proposal_origin, proposal, enactment_moment)?;
            }
            Self::place_decision_deposit { index } => {
                let who = ensure_signed(origin)?;
                let mut status = Pallet::<T>::ensure_ongoing(index)?;
                ensure!(status.decision_deposit.is_none(), Error::<T>::HasDeposit);
                let track = Pallet::<T>::track(status.track).ok_or(Error::<T>::NoTrack)?;
                let amount = track.decision_deposit;
                status.decision_deposit = Some(Pallet::<T>::take_deposit(who, amount)?);
                Pallet::<T>::deposit_event(Event::DecisionDepositPlaced { index, who, amount });
                let info = Pallet::<T>::service(now, index, status);
                ReferendumInfoFor::insert(index, info);
            }
            Self::refund_decision_deposit { index } => {
                ensure_signed_or_root(origin)?;
                let mut info = ReferendumInfoFor::get(index).ok_or(Error::<T>::BadReferendum)?;
                let slot = match &mut info {
                    ReferendumInfo::Ongoing(status) if status.decision_deposit.is_some() => {
                        return Err(Error::<T>::Unfinished.into());
                    }
                    ReferendumInfo::Ongoing(_) | ReferendumInfo::Killed(_) => None,
                    ReferendumInfo::Approved(_, _, d)
                    | ReferendumInfo::Rejected(_, _, d)
                    | ReferendumInfo::Cancelled(_, _, d)
                    | ReferendumInfo::TimedOut(_, _, d) => d.take(),
                };
                let deposit = slot.ok_or(Error::<T>::NoDeposit)?;
                T::Currency::unreserve(&deposit.who, deposit.amount);
                ReferendumInfoFor::insert(index, info);
                Pallet::<T>::deposit_event(Event::DecisionDepositRefunded {
                    index,
                    who: deposit.who,
                    amount: deposit.amount,
                });
            }
            Self::cancel { index } => {
                ensure_root(origin)?;
                let mut status = Pallet::<T>::ensure_ongoing(index)?;
                Pallet::<T>::leave(index, &mut status);
                Pallet::<T>::deposit_event(Event::Cancelled { index, tally: status.tally });
                let info = ReferendumInfo::Cancelled(
                    now,
                    Some(status.submission_deposit),
                    status.decision_deposit,
                );
                ReferendumInfoFor::insert(index, info);
                if status.deciding.is_some() {
                    Pallet::<T>::note_one_fewer_deciding(now, status.track);
                }
            }
            Self::kill { index } => {
                ensure_root(origin)?;
                let mut status = Pallet::<T>::ensure_ongoing(index)?;
                Pallet::<T>::leave(index, &mut status);
                Pallet::<T>::deposit_event(Event::Killed { index, tally: status.tally });
                Pallet::<T>::slash_deposit(Some(status.submission_deposit));
                Pallet::<T>::slash_deposit(status.decision_deposit);
                Pallet::<T>::clear_metadata(index);
                ReferendumInfoFor::insert(index, ReferendumInfo::Killed(now));
                if status.deciding.is_some() {
                    Pallet::<T>::note_one_fewer_deciding(now, status.track);
                }
            }
            Self::nudge_referendum { index } => {
                ensure_root(origin)?;
                let status = Pallet::<T>::ensure_ongoing(index)?;
                let info = Pallet::<T>::service(now, index, status);
                ReferendumInfoFor::insert(index, info);
            }
            Self::one_fewer_deciding { track } => {
                ensure_root(origin)?;
                ensure!(Pallet::<T>::track(track).is_some(), Error::<T>::BadTrack);
                Pallet::<T>::note_one_fewer_deciding(now, track);
            }
            Self::refund_submission_deposit { index } => {
                ensure_signed_or_root(origin)?;
                let mut info = ReferendumInfoFor::get(index).ok_or(Error::<T>::BadReferendum)?;
                let slot = match &mut info {
                    ReferendumInfo::Approved(_, s, _) | ReferendumInfo::Cancelled(_, s, _) => {
                        s.take()
                    }
                    _ => return Err(Error::<T>::BadStatus.into()),
                };
                let deposit = slot.ok_or(Error::<T>::NoDeposit)?;
                T::Currency::unreserve(&deposit.who, deposit.amount);
                ReferendumInfoFor::insert(index, info);
                Pallet::<T>::deposit_event(Event::SubmissionDepositRefunded {
                    index,
                    who: deposit.who,
                    amount: deposit.amount,
                });
            }
            Self::set_metadata { index, maybe_hash } => {
                let who = ensure_signed(origin)?;
                let ongoing = Pallet::<T>::ensure_ongoing(index);
                match maybe_hash {
                    Some(hash) => {
                        let status = ongoing?;
                        ensure!(status.submission_deposit.who == who, Error::<T>::NoPermission);
                        ensure!(T::Preimages::len(&hash).is_some(), Error::<T>::PreimageNotExist);
                        MetadataOf::insert(index, hash);
                        Pallet::<T>::deposit_event(Event::MetadataSet { index, hash });
                    }
                    None => {
                        if let Ok(status) = ongoing {
                            ensure!(status.submission_deposit.who == who, Error::<T>::NoPermission);
                        }
                        Pallet::<T>::clear_metadata(index);
                    }
                }
            }
        }
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    /// Services the referenda whose alarm is due at `n` (at most `MAX_ALARMS_PER_BLOCK`; the
    /// others move to the next block).
    fn on_initialize(n: BlockNumber) -> Weight {
        let mut due = Alarms::take(n);
        let max = T::MAX_ALARMS_PER_BLOCK.max(1) as usize;
        if due.len() > max {
            let mut later = due.split_off(max);
            Alarms::mutate(n.saturating_add(1), |next| {
                for index in next.drain(..) {
                    if !later.contains(&index) {
                        later.push(index);
                    }
                }
                *next = later;
            });
        }
        let mut serviced = 0;
        for index in due {
            let Some(ReferendumInfo::Ongoing(status)) = ReferendumInfoFor::get(index) else {
                continue;
            };
            // An entry left behind by an alarm that moved later is not due.
            if status.alarm.is_none_or(|alarm| alarm > n) {
                continue;
            }
            serviced += 1;
            let info = Self::service(n, index, status);
            ReferendumInfoFor::insert(index, info);
        }
        weights::on_initialize(serviced)
    }
}

impl<T: Config> Polling for Pallet<T> {
    fn try_access_poll<R>(
        index: PollIndex,
        f: impl FnOnce(PollStatus<'_>) -> Result<R, DispatchError>,
    ) -> Result<R, DispatchError> {
        match ReferendumInfoFor::get(index) {
            Some(ReferendumInfo::Ongoing(mut status)) => {
                let result = f(PollStatus::Ongoing(&mut status.tally, status.track))?;
                // The new tally is looked at in the next block.
                let now = pallet_system::Pallet::<T>::block_number();
                Self::set_alarm(index, &mut status, now, now.saturating_add(1));
                ReferendumInfoFor::insert(index, ReferendumInfo::Ongoing(status));
                Ok(result)
            }
            Some(ReferendumInfo::Approved(end, ..)) => f(PollStatus::Completed(end, true)),
            Some(ReferendumInfo::Rejected(end, ..)) => f(PollStatus::Completed(end, false)),
            _ => f(PollStatus::None),
        }
    }

    fn as_ongoing(index: PollIndex) -> Option<(Tally, TrackId)> {
        Self::ensure_ongoing(index).ok().map(|status| (status.tally, status.track))
    }

    fn classes() -> Vec<TrackId> {
        Tracks::get().into_iter().map(|(id, _)| id).collect()
    }
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The referendum `index`, ongoing or ended.
    pub fn referendum_info(index: PollIndex) -> Option<ReferendumInfo> {
        ReferendumInfoFor::get(index)
    }

    /// The tracks, by id.
    pub fn tracks() -> Vec<(TrackId, TrackInfo)> {
        Tracks::get()
    }

    /// Track `id`.
    pub fn track(id: TrackId) -> Option<TrackInfo> {
        Tracks::get().into_iter().find(|(track, _)| *track == id).map(|(_, info)| info)
    }

    /// The track of proposals dispatched as `origin`: root's is the track named `root`, or
    /// else track 0; no other origin has one.
    pub fn track_for(origin: &OriginCaller) -> Option<TrackId> {
        match origin {
            OriginCaller::system(RawOrigin::Root) => {
                let tracks = Tracks::get();
                let root = tracks.iter().find(|(_, info)| info.name == "root");
                root.or_else(|| tracks.iter().find(|(id, _)| *id == 0)).map(|(id, _)| *id)
            }
            OriginCaller::system(_) => None,
        }
    }

    /// The scheduler task name of referendum `index`'s enactment (Substrate's:
    /// `blake2_256((*b"assembly", "enactment", index))`).
    pub fn enactment_task_name(index: PollIndex) -> TaskName {
        (*b"assembly", "enactment", index).using_encoded(lux_io::hashing::blake2_256)
    }

    /// Referendum `index`'s status, if it is ongoing.
    pub fn ensure_ongoing(index: PollIndex) -> Result<ReferendumStatus, DispatchError> {
        match ReferendumInfoFor::get(index) {
            Some(ReferendumInfo::Ongoing(status)) => Ok(status),
            _ => Err(Error::<T>::NotOngoing.into()),
        }
    }

    /// Whether ongoing referendum `index` passes both curves now (at the start of the decision
    /// period if it is not deciding).
    pub fn is_referendum_passing(index: PollIndex) -> Result<bool, DispatchError> {
        let status = Self::ensure_ongoing(index)?;
        let track = Self::track(status.track).ok_or(Error::<T>::NoTrack)?;
        let now = pallet_system::Pallet::<T>::block_number();
        let elapsed = status.deciding.map_or(0, |d| now.saturating_sub(d.since));
        Ok(Self::is_passing(&status.tally, elapsed, &track))
    }

    fn do_submit(
        who: AccountId20,
        origin: OriginCaller,
        proposal: Bounded,
        enactment: DispatchTime,
    ) -> Result<(), DispatchError> {
        let track = Self::track_for(&origin).ok_or(Error::<T>::NoTrack)?;
        let submission_deposit = Self::take_deposit(who, T::SUBMISSION_DEPOSIT)?;
        let index = ReferendumCount::mutate(|count| {
            let index = *count;
            *count = count.saturating_add(1);
            index
        });
        if proposal.lookup_needed() {
            T::Preimages::request(&proposal.hash());
        }
        let now = pallet_system::Pallet::<T>::block_number();
        let mut status = ReferendumStatus {
            track,
            origin,
            proposal: proposal.clone(),
            enactment,
            submitted: now,
            submission_deposit,
            decision_deposit: None,
            deciding: None,
            tally: Tally::default(),
            in_queue: false,
            alarm: None,
        };
        Self::set_alarm(index, &mut status, now, now.saturating_add(T::UNDECIDING_TIMEOUT));
        ReferendumInfoFor::insert(index, ReferendumInfo::Ongoing(status));
        Self::deposit_event(Event::Submitted { index, track, proposal });
        Ok(())
    }

    /// Advances ongoing referendum `index` as far as its state allows at block `now` and sets
    /// its next alarm; returns what to store.
    fn service(now: BlockNumber, index: PollIndex, mut status: ReferendumStatus) -> ReferendumInfo {
        let Some(track) = Self::track(status.track) else {
            return ReferendumInfo::Ongoing(status);
        };
        let alarm = match status.deciding {
            None => {
                let timeout = status.submitted.saturating_add(T::UNDECIDING_TIMEOUT);
                let alarm = if status.in_queue {
                    Self::requeue(index, &status);
                    None
                } else if status.decision_deposit.is_some() {
                    let prepare_end = status.submitted.saturating_add(track.prepare_period);
                    if now >= prepare_end {
                        Self::ready_for_deciding(now, &track, index, &mut status)
                    } else {
                        Some(prepare_end)
                    }
                } else {
                    Some(timeout)
                };
                if status.deciding.is_none() && !status.in_queue && now >= timeout {
                    Self::leave(index, &mut status);
                    Self::deposit_event(Event::TimedOut { index, tally: status.tally });
                    return ReferendumInfo::TimedOut(
                        now,
                        Some(status.submission_deposit),
                        status.decision_deposit,
                    );
                }
                alarm
            }
            Some(mut deciding) => {
                let elapsed = now.saturating_sub(deciding.since);
                if Self::is_passing(&status.tally, elapsed, &track) {
                    match deciding.confirming {
                        Some(end) if now >= end => {
                            return Self::approve(now, index, status, &track);
                        }
                        Some(_) => {}
                        None => {
                            deciding.confirming = Some(now.saturating_add(track.confirm_period));
                            Self::deposit_event(Event::ConfirmStarted { index });
                        }
                    }
                } else {
                    if now >= deciding.since.saturating_add(track.decision_period) {
                        Self::leave(index, &mut status);
                        Self::deposit_event(Event::Rejected { index, tally: status.tally });
                        Self::note_one_fewer_deciding(now, status.track);
                        return ReferendumInfo::Rejected(
                            now,
                            Some(status.submission_deposit),
                            status.decision_deposit,
                        );
                    }
                    if deciding.confirming.take().is_some() {
                        Self::deposit_event(Event::ConfirmAborted { index });
                    }
                }
                status.deciding = Some(deciding);
                Some(Self::decision_time(&deciding, &status.tally, &track))
            }
        };
        match alarm {
            Some(when) => Self::set_alarm(index, &mut status, now, when),
            None => Self::clear_alarm(index, &mut status),
        }
        ReferendumInfo::Ongoing(status)
    }

    /// Ends deciding referendum `index` with approval: schedules its proposal and frees its
    /// decision slot.
    fn approve(
        now: BlockNumber,
        index: PollIndex,
        mut status: ReferendumStatus,
        track: &TrackInfo,
    ) -> ReferendumInfo {
        // The scheduler runs tasks of later blocks only, so enactment is at least a block
        // away.
        let earliest = now.saturating_add(track.min_enactment_period.max(1));
        let when = status.enactment.evaluate(now).max(earliest);
        let OriginCaller::system(origin) = status.origin.clone();
        let scheduled = T::Scheduler::schedule_named(
            Self::enactment_task_name(index),
            DispatchTime::At(when),
            ENACTMENT_PRIORITY,
            origin,
            status.proposal.clone(),
        );
        // The scheduler holds its own request for the preimage until the task runs.
        Self::leave(index, &mut status);
        Self::deposit_event(Event::Confirmed { index, tally: status.tally });
        if let Err(error) = scheduled {
            Self::deposit_event(Event::EnactmentFailed { index, error });
        }
        Self::deposit_event(Event::Approved { index });
        Self::note_one_fewer_deciding(now, status.track);
        ReferendumInfo::Approved(now, Some(status.submission_deposit), status.decision_deposit)
    }

    /// An ongoing referendum ends: drops its alarm, its place in the queue and its request for
    /// the proposal's preimage.
    fn leave(index: PollIndex, status: &mut ReferendumStatus) {
        Self::clear_alarm(index, status);
        if status.in_queue {
            status.in_queue = false;
            let mut queue = TrackQueue::get(status.track);
            queue.retain(|(queued, _)| *queued != index);
            Self::put_queue(status.track, queue);
        }
        if status.proposal.lookup_needed() {
            T::Preimages::unrequest(&status.proposal.hash());
        }
    }

    /// Starts deciding `status` if its track has a free slot (returning the alarm), else queues
    /// it.
    fn ready_for_deciding(
        now: BlockNumber,
        track: &TrackInfo,
        index: PollIndex,
        status: &mut ReferendumStatus,
    ) -> Option<BlockNumber> {
        let deciding = DecidingCount::get(status.track);
        if deciding < track.max_deciding {
            DecidingCount::insert(status.track, deciding.saturating_add(1));
            Some(Self::begin_deciding(status, index, now, track))
        } else {
            status.in_queue = true;
            let mut queue = TrackQueue::get(status.track);
            Self::insert_sorted(&mut queue, (index, status.tally.ayes));
            Self::put_queue(status.track, queue);
            None
        }
    }

    /// Starts deciding `status` (its slot is counted already); returns its alarm.
    fn begin_deciding(
        status: &mut ReferendumStatus,
        index: PollIndex,
        now: BlockNumber,
        track: &TrackInfo,
    ) -> BlockNumber {
        status.in_queue = false;
        Self::deposit_event(Event::DecisionStarted {
            index,
            track: status.track,
            proposal: status.proposal.clone(),
            tally: status.tally,
        });
        let confirming = if Self::is_passing(&status.tally, 0, track) {
            Self::deposit_event(Event::ConfirmStarted { index });
            Some(now.saturating_add(track.confirm_period))
        } else {
            None
        };
        let deciding = DecidingStatus { since: now, confirming };
        status.deciding = Some(deciding);
        Self::decision_time(&deciding, &status.tally, track)
    }

    /// A decision slot of `track_id` freed at `now`: the queue's best starts deciding in it,
    /// or the count drops.
    fn note_one_fewer_deciding(now: BlockNumber, track_id: TrackId) {
        let mut queue = TrackQueue::get(track_id);
        let track = Self::track(track_id);
        while let Some((index, _)) = queue.pop() {
            let (Some(track), Some(ReferendumInfo::Ongoing(mut status))) =
                (&track, ReferendumInfoFor::get(index))
            else {
                continue;
            };
            Self::put_queue(track_id, queue);
            let alarm = Self::begin_deciding(&mut status, index, now, track);
            Self::set_alarm(index, &mut status, now, alarm);
            ReferendumInfoFor::insert(index, ReferendumInfo::Ongoing(status));
            return;
        }
        Self::put_queue(track_id, queue);
        DecidingCount::mutate(track_id, |count| *count = count.saturating_sub(1));
    }

    /// Moves queued referendum `index` to its place for its current ayes (back into the queue
    /// if it had been pushed out).
    fn requeue(index: PollIndex, status: &ReferendumStatus) {
        let mut queue = TrackQueue::get(status.track);
        queue.retain(|(queued, _)| *queued != index);
        Self::insert_sorted(&mut queue, (index, status.tally.ayes));
        Self::put_queue(status.track, queue);
    }

    /// Inserts `item` by ayes, after equal ones (so among equals the earliest is decided
    /// first); a full queue drops its lowest entry, unless `item` is lower still.
    fn insert_sorted(queue: &mut Vec<(PollIndex, Balance)>, item: (PollIndex, Balance)) {
        let position = queue.partition_point(|(_, ayes)| *ayes < item.1);
        if queue.len() < T::MAX_QUEUED as usize {
            queue.insert(position, item);
        } else if position > 0 {
            queue.remove(0);
            queue.insert(position - 1, item);
        }
    }

    fn put_queue(track: TrackId, queue: Vec<(PollIndex, Balance)>) {
        if queue.is_empty() {
            TrackQueue::remove(track);
        } else {
            TrackQueue::insert(track, queue);
        }
    }

    /// Whether `tally` passes both of `track`'s curves `elapsed` blocks into the decision.
    fn is_passing(tally: &Tally, elapsed: BlockNumber, track: &TrackInfo) -> bool {
        let period = track.decision_period;
        let x = Perbill::from_rational(u128::from(elapsed.min(period)), u128::from(period));
        let (approval, support) = Self::approval_and_support(tally);
        track.min_approval.passing(x, approval) && track.min_support.passing(x, support)
    }

    /// The approval (`ayes / (ayes + nays)`, zero without votes) and the support (`support /
    /// total issuance`).
    fn approval_and_support(tally: &Tally) -> (Perbill, Perbill) {
        let approval = Perbill::from_rational(tally.ayes, tally.ayes.saturating_add(tally.nays));
        let support = Perbill::from_rational(tally.support, T::Currency::total_issuance());
        (approval, support)
    }

    /// When a deciding referendum's state changes next without new votes: the end of its
    /// confirmation, or the block at which its tally meets both curves (at the latest the end
    /// of the decision period).
    fn decision_time(deciding: &DecidingStatus, tally: &Tally, track: &TrackInfo) -> BlockNumber {
        deciding.confirming.unwrap_or_else(|| {
            let (approval, support) = Self::approval_and_support(tally);
            let x = track.min_approval.delay(approval).max(track.min_support.delay(support));
            let offset = x.mul_ceil(u128::from(track.decision_period));
            deciding.since.saturating_add(BlockNumber::try_from(offset).unwrap_or(BlockNumber::MAX))
        })
    }

    /// Sets referendum `index`'s alarm at `when` (at least the next block).
    fn set_alarm(
        index: PollIndex,
        status: &mut ReferendumStatus,
        now: BlockNumber,
        when: BlockNumber,
    ) {
        let when = when.max(now.saturating_add(1));
        if status.alarm == Some(when) {
            return;
        }
        Self::clear_alarm(index, status);
        Alarms::mutate(when, |due| {
            if !due.contains(&index) {
                due.push(index);
            }
        });
        status.alarm = Some(when);
    }

    fn clear_alarm(index: PollIndex, status: &mut ReferendumStatus) {
        if let Some(old) = status.alarm.take() {
            Alarms::mutate_exists(old, |due| {
                if let Some(list) = due {
                    list.retain(|i| *i != index);
                    if list.is_empty() {
                        *due = None;
                    }
                }
            });
        }
    }

    fn take_deposit(who: AccountId20, amount: Balance) -> Result<Deposit, DispatchError> {
        T::Currency::reserve(&who, amount)?;
        Ok(Deposit { who, amount })
    }

    fn slash_deposit(deposit: Option<Deposit>) {
        if let Some(Deposit { who, amount }) = deposit {
            T::Currency::slash_reserved(&who, amount);
            Self::deposit_event(Event::DepositSlashed { who, amount });
        }
    }

    fn clear_metadata(index: PollIndex) {
        if let Some(hash) = MetadataOf::take(index) {
            Self::deposit_event(Event::MetadataCleared { index, hash });
        }
    }

    /// Describes the pallet for metadata. The `Tracks` constant is read from storage (the
    /// tracks are set at genesis and never change), so this must run with the chain's state,
    /// as the runtime's `Metadata_metadata` does.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new(
                    "SubmissionDeposit",
                    &T::SUBMISSION_DEPOSIT,
                    &["The deposit reserved by `submit`."],
                ),
                ConstantMeta::new(
                    "MaxQueued",
                    &T::MAX_QUEUED,
                    &["Most referenda waiting in one track's queue."],
                ),
                ConstantMeta::new(
                    "UndecidingTimeout",
                    &T::UNDECIDING_TIMEOUT,
                    &["Blocks after submission within which a referendum must start deciding."],
                ),
                ConstantMeta::new(
                    "AlarmInterval",
                    &1u32,
                    &["Referenda are serviced at the exact block their state may change."],
                ),
                ConstantMeta::new(
                    "Tracks",
                    &Tracks::get(),
                    &["The tracks (from the chain spec's genesis), by id."],
                ),
            ],
            docs: &["Referenda on tracks: deposits, preparation, decision and confirmation."],
        }
    }
}
