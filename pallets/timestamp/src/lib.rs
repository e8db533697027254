//! The timestamp pallet: the time of the current block, in milliseconds since the epoch.
//!
//! The block author puts the time in an inherent (`timestamp.set`, the first extrinsic of every
//! block); it must exceed the previous block's time by at least `MINIMUM_PERIOD`, and a block
//! whose time is more than `MAX_DRIFT` ahead of the importing node's clock is rejected by
//! `check_inherents`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::inherent::{InherentData, InherentIdentifier, TIMESTAMP_INHERENT_ID};
use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_primitives::{BlockNumber, Moment};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::{
    ensure, ensure_none, pallet_error, storage, DispatchClass, DispatchInfo,
    DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays, PostDispatchInfo, RawOrigin,
    ValueQuery, Weight,
};
use scale_info::TypeInfo;

/// Configuration of the timestamp pallet.
pub trait Config: pallet_system::Config {
    /// Least time between two blocks, in milliseconds.
    const MINIMUM_PERIOD: Moment;
    /// How far ahead of the local clock a block's time may be, in milliseconds.
    const MAX_DRIFT: Moment;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

pallet_error! {
    /// Errors of the timestamp pallet.
    pub enum Error<T: Config> {
        /// The time was already set in this block.
        AlreadySet,
        /// The time is less than the previous block's plus the minimum period.
        TooEarly,
    }
}

storage! {
    pallet = "Timestamp", config = Config;
    /// The current block's time (ms since the Unix epoch).
    pub type Now = StorageValue<Moment, ValueQuery>;
    /// Whether the time was set in this block (must be, exactly once).
    pub type DidUpdate = StorageValue<bool, ValueQuery>;
}

/// Why a block's timestamp inherent is not acceptable (encoded into `check_inherents` errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum InherentError {
    /// The time is further ahead of the local clock than `MAX_DRIFT` allows.
    TooFarInFuture,
    /// The inherent data has no time.
    Missing,
}

/// Weight of `set`.
pub const SET_WEIGHT: Weight = Weight::from_parts(5 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// Calls of the timestamp pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Sets the block's time. Inherent: unsigned, first in the block, exactly once.
    #[codec(index = 0)]
    set {
        /// Milliseconds since the Unix epoch.
        #[codec(compact)]
        now: Moment,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        DispatchInfo { weight: SET_WEIGHT, class: DispatchClass::Mandatory, pays_fee: Pays::No }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::set { now } => {
                ensure_none(origin)?;
                Pallet::<T>::set(now)?;
            }
        }
        Ok(PostDispatchInfo::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_finalize(_n: BlockNumber) {
        // A block without its timestamp inherent is invalid; panicking here aborts its execution.
        assert!(DidUpdate::take(), "Timestamp must be updated once in the block");
    }
}

impl<T: Config> Pallet<T> {
    /// The current block's time.
    pub fn now() -> Moment {
        Now::get()
    }

    fn set(now: Moment) -> Result<(), lux_support::DispatchError> {
        ensure!(!DidUpdate::get(), Error::<T>::AlreadySet);
        let previous = Now::get();
        ensure!(
            previous == 0 || now >= previous.saturating_add(T::MINIMUM_PERIOD),
            Error::<T>::TooEarly
        );
        Now::put(now);
        DidUpdate::put(true);
        Ok(())
    }

    /// The inherent for the author's clock: at least the previous time plus the minimum period.
    pub fn create_inherent(data: &InherentData) -> Option<Call> {
        let now: Moment = data.get(&TIMESTAMP_INHERENT_ID).ok().flatten()?;
        let previous = Now::get();
        let next = if previous == 0 { now } else { now.max(previous + T::MINIMUM_PERIOD) };
        Some(Call::set { now: next })
    }

    /// Checks a block's inherent against the importing node's clock.
    pub fn check_inherent(call: &Call, data: &InherentData) -> Result<(), InherentError> {
        let Call::set { now } = call;
        let local: Moment =
            data.get(&TIMESTAMP_INHERENT_ID).ok().flatten().ok_or(InherentError::Missing)?;
        if *now > local.saturating_add(T::MAX_DRIFT) {
            return Err(InherentError::TooFarInFuture);
        }
        Ok(())
    }

    /// The identifier under which inherent errors are reported.
    pub const INHERENT_IDENTIFIER: InherentIdentifier = TIMESTAMP_INHERENT_ID;
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: None,
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![ConstantMeta::new(
                "MinimumPeriod",
                &T::MINIMUM_PERIOD,
                &["Least time between two blocks, in milliseconds."],
            )],
            docs: &["The time of the current block, set by an inherent."],
        }
    }
}
