//! The preimage pallet: stores the bytes behind a hash, so a referendum or a scheduled task
//! can refer to a call by `(hash, len)` and the call is stored once.
//!
//! Anyone may note a preimage by paying a deposit (a base plus a fee per byte, reserved and
//! given back on `unnote_preimage`). A preimage that is *requested* (by root, or by the
//! scheduler and referenda while a proposal needs it) is kept without a deposit: noting it is
//! free, and its noter may take the deposit back while the request keeps the bytes. Requests
//! are counted; when the last one goes and no deposit holds the bytes, they are removed.
//! Names, indices and the storage layout are Substrate's (`RequestStatusFor`, `PreimageFor`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_primitives::{AccountId20, Balance, H256};
use lux_support::governance::{QueryPreimage, StorePreimage};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::ReservableCurrency;
use lux_support::{
    ensure, pallet_error, storage, DispatchClass, DispatchError, DispatchInfo, DispatchResult,
    DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Identity, Pays, PostDispatchInfo,
    RawOrigin,
};
use scale_info::TypeInfo;

/// Configuration of the preimage pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// Holds the deposits.
    type Currency: ReservableCurrency;
    /// Deposit for any preimage.
    const BASE_DEPOSIT: Balance;
    /// Deposit per byte of a preimage.
    const BYTE_DEPOSIT: Balance;
}

/// The largest preimage: 4 MiB, room for a runtime.
pub const MAX_SIZE: u32 = 4 * 1024 * 1024;

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the preimage pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A preimage was noted.
    Noted {
        /// Its hash.
        hash: H256,
    },
    /// A preimage was requested.
    Requested {
        /// Its hash.
        hash: H256,
    },
    /// A preimage was removed.
    Cleared {
        /// Its hash.
        hash: H256,
    },
}

pallet_error! {
    /// Errors of the preimage pallet.
    pub enum Error<T: Config> {
        /// The preimage is larger than `MAX_SIZE`.
        TooBig,
        /// The preimage is already noted.
        AlreadyNoted,
        /// Only the noter (or root) may do this.
        NotAuthorized,
        /// The preimage is not noted.
        NotNoted,
        /// The preimage is requested, so it cannot be removed.
        Requested,
        /// The preimage is not requested.
        NotRequested,
        /// Too many hashes in one call (kept for Substrate's error indices).
        TooMany,
        /// Too few hashes in one call (kept for Substrate's error indices).
        TooFew,
    }
}

/// Who paid the deposit for a preimage, and how much.
pub type Ticket = (AccountId20, Balance);

/// Why a preimage is kept.
#[derive(
    Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum RequestStatus {
    /// Noted with a deposit, not requested.
    Unrequested {
        /// The deposit.
        ticket: Ticket,
        /// The preimage's length.
        len: u32,
    },
    /// Requested `count` times; noted if `maybe_len` is set.
    Requested {
        /// The deposit, if one was paid before the request.
        maybe_ticket: Option<Ticket>,
        /// How many requests hold it.
        count: u32,
        /// The preimage's length, once noted.
        maybe_len: Option<u32>,
    },
}

storage! {
    pallet = "Preimage", config = Config;
    /// Why each preimage is kept.
    pub type RequestStatusFor = StorageMap<Identity, H256, RequestStatus>;
    /// The preimages, by hash and length.
    pub type PreimageFor = StorageMap<Identity, (H256, u32), Vec<u8>>;
}

/// Calls of the preimage pallet (indices are Substrate's).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Stores `bytes`: free when requested, otherwise for a deposit.
    #[codec(index = 0)]
    note_preimage {
        /// The preimage.
        bytes: Vec<u8>,
    },
    /// Removes a preimage noted with a deposit and returns the deposit (its noter, or root).
    #[codec(index = 1)]
    unnote_preimage {
        /// The preimage's hash.
        hash: H256,
    },
    /// Requests a preimage, so it is kept without a deposit (root).
    #[codec(index = 2)]
    request_preimage {
        /// The preimage's hash.
        hash: H256,
    },
    /// Withdraws a request (root).
    #[codec(index = 3)]
    unrequest_preimage {
        /// The preimage's hash.
        hash: H256,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let weight = match self {
            Self::note_preimage { bytes } => weights::note_preimage(bytes.len()),
            Self::unnote_preimage { .. } => weights::UNNOTE,
            Self::request_preimage { .. } | Self::unrequest_preimage { .. } => weights::REQUEST,
        };
        DispatchInfo { weight, class: DispatchClass::Normal, pays_fee: Pays::Yes }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::note_preimage { bytes } => {
                let depositor = match origin {
                    RawOrigin::Root => None,
                    RawOrigin::Signed(who) => Some(who),
                    RawOrigin::None => return Err(DispatchError::BadOrigin.into()),
                };
                let paid = Pallet::<T>::note_bytes(bytes, depositor.as_ref())?;
                // Noting a requested preimage is free: someone needs it.
                let pays_fee = if paid { Pays::Yes } else { Pays::No };
                return Ok(PostDispatchInfo { actual_weight: None, pays_fee });
            }
            Self::unnote_preimage { hash } => {
                let who = match origin {
                    RawOrigin::Root => None,
                    RawOrigin::Signed(who) => Some(who),
                    RawOrigin::None => return Err(DispatchError::BadOrigin.into()),
                };
                Pallet::<T>::do_unnote(&hash, who.as_ref())?;
            }
            Self::request_preimage { hash } => {
                lux_support::ensure_root(origin)?;
                Pallet::<T>::do_request(&hash);
            }
            Self::unrequest_preimage { hash } => {
                lux_support::ensure_root(origin)?;
                Pallet::<T>::do_unrequest(&hash)?;
            }
        }
        Ok(PostDispatchInfo::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The deposit for a preimage of `len` bytes.
    pub fn deposit_for(len: u32) -> Balance {
        T::BASE_DEPOSIT.saturating_add(T::BYTE_DEPOSIT.saturating_mul(len as Balance))
    }

    /// Stores `bytes`, charging `depositor` unless the preimage is requested (or `None`, root).
    /// Returns whether a deposit was taken.
    fn note_bytes(bytes: Vec<u8>, depositor: Option<&AccountId20>) -> Result<bool, DispatchError> {
        let len = u32::try_from(bytes.len()).map_err(|_| Error::<T>::TooBig)?;
        ensure!(len <= MAX_SIZE, Error::<T>::TooBig);
        let hash = H256(lux_io::hashing::blake2_256(&bytes));
        let (status, paid) = match RequestStatusFor::get(hash) {
            Some(RequestStatus::Requested { maybe_ticket, count, maybe_len: None }) => {
                (RequestStatus::Requested { maybe_ticket, count, maybe_len: Some(len) }, false)
            }
            Some(_) => return Err(Error::<T>::AlreadyNoted.into()),
            None => match depositor {
                Some(who) => {
                    let amount = Self::deposit_for(len);
                    T::Currency::reserve(who, amount)?;
                    (RequestStatus::Unrequested { ticket: (*who, amount), len }, true)
                }
                // Root notes without a deposit: the preimage is kept as requested once.
                None => (
                    RequestStatus::Requested { maybe_ticket: None, count: 1, maybe_len: Some(len) },
                    false,
                ),
            },
        };
        RequestStatusFor::insert(hash, status);
        PreimageFor::insert((hash, len), bytes);
        Self::deposit_event(Event::Noted { hash });
        Ok(paid)
    }

    /// Removes a deposit-held preimage (`who` must be its noter; `None` is root) and returns
    /// the deposit. A requested preimage keeps its bytes and only gives the deposit back.
    fn do_unnote(hash: &H256, who: Option<&AccountId20>) -> DispatchResult {
        let authorized = |ticket: &Ticket| who.is_none_or(|w| *w == ticket.0);
        match RequestStatusFor::get(hash).ok_or(Error::<T>::NotNoted)? {
            RequestStatus::Unrequested { ticket, len } => {
                ensure!(authorized(&ticket), Error::<T>::NotAuthorized);
                T::Currency::unreserve(&ticket.0, ticket.1);
                RequestStatusFor::remove(hash);
                PreimageFor::remove((*hash, len));
                Self::deposit_event(Event::Cleared { hash: *hash });
            }
            RequestStatus::Requested { maybe_ticket: Some(ticket), count, maybe_len } => {
                ensure!(authorized(&ticket), Error::<T>::NotAuthorized);
                T::Currency::unreserve(&ticket.0, ticket.1);
                RequestStatusFor::insert(
                    hash,
                    RequestStatus::Requested { maybe_ticket: None, count, maybe_len },
                );
            }
            RequestStatus::Requested { maybe_ticket: None, .. } => {
                ensure!(who.is_none(), Error::<T>::NotAuthorized);
                return Err(Error::<T>::Requested.into());
            }
        }
        Ok(())
    }

    /// Adds a request for `hash` (the preimage may not be noted yet).
    fn do_request(hash: &H256) {
        let status = match RequestStatusFor::get(hash) {
            Some(RequestStatus::Unrequested { ticket, len }) => RequestStatus::Requested {
                maybe_ticket: Some(ticket),
                count: 1,
                maybe_len: Some(len),
            },
            Some(RequestStatus::Requested { maybe_ticket, count, maybe_len }) => {
                RequestStatus::Requested { maybe_ticket, count: count.saturating_add(1), maybe_len }
            }
            None => RequestStatus::Requested { maybe_ticket: None, count: 1, maybe_len: None },
        };
        let first = !matches!(&status, RequestStatus::Requested { count, .. } if *count > 1);
        RequestStatusFor::insert(hash, status);
        if first {
            Self::deposit_event(Event::Requested { hash: *hash });
        }
    }

    /// Withdraws a request for `hash`; the last one removes the preimage unless a deposit
    /// holds it.
    fn do_unrequest(hash: &H256) -> DispatchResult {
        let RequestStatus::Requested { maybe_ticket, count, maybe_len } =
            RequestStatusFor::get(hash).ok_or(Error::<T>::NotRequested)?
        else {
            return Err(Error::<T>::NotRequested.into());
        };
        if count > 1 {
            RequestStatusFor::insert(
                hash,
                RequestStatus::Requested { maybe_ticket, count: count - 1, maybe_len },
            );
            return Ok(());
        }
        match (maybe_ticket, maybe_len) {
            (Some(ticket), Some(len)) => {
                RequestStatusFor::insert(hash, RequestStatus::Unrequested { ticket, len });
            }
            (maybe_ticket, maybe_len) => {
                if let Some(ticket) = maybe_ticket {
                    T::Currency::unreserve(&ticket.0, ticket.1);
                }
                RequestStatusFor::remove(hash);
                if let Some(len) = maybe_len {
                    PreimageFor::remove((*hash, len));
                }
                Self::deposit_event(Event::Cleared { hash: *hash });
            }
        }
        Ok(())
    }
}

impl<T: Config> QueryPreimage for Pallet<T> {
    fn len(hash: &H256) -> Option<u32> {
        match RequestStatusFor::get(hash)? {
            RequestStatus::Unrequested { len, .. } => Some(len),
            RequestStatus::Requested { maybe_len, .. } => maybe_len,
        }
    }

    fn fetch(hash: &H256, len: Option<u32>) -> Option<Vec<u8>> {
        let len = match len {
            Some(len) => len,
            None => Self::len(hash)?,
        };
        PreimageFor::get((*hash, len))
    }

    fn is_requested(hash: &H256) -> bool {
        matches!(RequestStatusFor::get(hash), Some(RequestStatus::Requested { .. }))
    }

    fn request(hash: &H256) {
        Self::do_request(hash)
    }

    fn unrequest(hash: &H256) {
        // Only a request this pallet never saw can fail; there is nothing to undo then.
        let _ = Self::do_unrequest(hash);
    }
}

impl<T: Config> StorePreimage for Pallet<T> {
    fn note(bytes: Vec<u8>) -> Result<H256, DispatchError> {
        let hash = H256(lux_io::hashing::blake2_256(&bytes));
        Self::do_request(&hash);
        if Self::len(&hash).is_none() {
            Self::note_bytes(bytes, None)?;
        }
        Ok(hash)
    }
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new("BaseDeposit", &T::BASE_DEPOSIT, &["Deposit for any preimage."]),
                ConstantMeta::new(
                    "ByteDeposit",
                    &T::BYTE_DEPOSIT,
                    &["Deposit per byte of a preimage."]
                ),
                ConstantMeta::new("MaxSize", &MAX_SIZE, &["The largest preimage, in bytes."]),
            ],
            docs: &["Preimages of calls, stored by hash for referenda and the scheduler."],
        }
    }
}
