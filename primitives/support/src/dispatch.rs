//! Origins and dispatch: who is calling, and how a call runs.

use codec::{Decode, DecodeWithMemTracking, Encode};
use lux_primitives::dispatch::{DispatchError, DispatchInfo, DispatchResultWithPostInfo};
use lux_primitives::AccountId20;
use scale_info::TypeInfo;

/// Who dispatches a call.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RawOrigin {
    /// The chain itself (governance, or sudo on dev chains).
    Root,
    /// A signed transaction's sender.
    Signed(AccountId20),
    /// Nobody: inherents and unsigned transactions.
    None,
}

/// The sender, if `origin` is signed.
pub fn ensure_signed(origin: RawOrigin) -> Result<AccountId20, DispatchError> {
    match origin {
        RawOrigin::Signed(who) => Ok(who),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// Succeeds if `origin` is root.
pub fn ensure_root(origin: RawOrigin) -> Result<(), DispatchError> {
    match origin {
        RawOrigin::Root => Ok(()),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// Succeeds if `origin` is none (inherents).
pub fn ensure_none(origin: RawOrigin) -> Result<(), DispatchError> {
    match origin {
        RawOrigin::None => Ok(()),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// A call that can run.
pub trait Dispatchable {
    /// Runs the call as `origin`.
    fn dispatch(self, origin: RawOrigin) -> DispatchResultWithPostInfo;
}

/// A call whose weight, class and fee obligation are known before it runs.
pub trait GetDispatchInfo {
    /// The call's dispatch information.
    fn get_dispatch_info(&self) -> DispatchInfo;
}
