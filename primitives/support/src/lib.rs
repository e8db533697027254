//! The LuxTensor pallet toolkit.
//!
//! Pallets are plain Rust modules that share one shape (see `STYLE.md`): a `Config` trait, an
//! `Event` enum, an `Error<T>` enum declared with [`pallet_error!`], storage declared with
//! [`storage!`], genesis config, [`Hooks`], a `Call` enum with explicit indices and its
//! dispatch, then helpers. This crate provides the pieces:
//!
//! - [`storage`]: typed storage values, maps and double maps over the Host API, keyed as
//!   Substrate keys them (`twox128(pallet) ++ twox128(item) ++ hasher(key)...`), each able to
//!   describe itself for metadata;
//! - [`dispatch`]: origins, the `Dispatchable` and `GetDispatchInfo` traits;
//! - [`error`]: pallet errors that become `DispatchError::Module` with the pallet's index;
//! - [`transactional`]: storage layers that roll back a failed dispatch;
//! - [`Hooks`]: block initialization and finalization.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod dispatch;
pub mod error;
pub mod hash;
pub mod metadata;
pub mod storage;
pub mod traits;
pub mod transactional;

pub use codec;
pub use lux_io as io;
pub use lux_primitives as primitives;
pub use scale_info;

pub use dispatch::{
    ensure_none, ensure_root, ensure_signed, Dispatchable, GetDispatchInfo, RawOrigin,
};
pub use error::PalletInfo;
pub use hash::{Blake2_128Concat, HasherKind, Identity, StorageHasher, Twox64Concat};
pub use lux_primitives::dispatch::{
    DispatchClass, DispatchError, DispatchErrorWithPostInfo, DispatchInfo, DispatchResult,
    DispatchResultWithPostInfo, Pays, PostDispatchInfo,
};
pub use lux_primitives::weight::Weight;
pub use storage::{OptionQuery, StorageDoubleMap, StorageMap, StorageValue, ValueQuery};
pub use traits::Parameter;
pub use transactional::{with_storage_layer, with_transaction, TransactionOutcome};

use lux_primitives::BlockNumber;

/// What a pallet does at the start and end of every block.
pub trait Hooks {
    /// Called before any extrinsic of block `n`; returns the weight it used.
    fn on_initialize(_n: BlockNumber) -> Weight {
        Weight::ZERO
    }

    /// Called after the last extrinsic of block `n`.
    fn on_finalize(_n: BlockNumber) {}

    /// Called once, in the first block executed by a new runtime version, before
    /// `on_initialize`; runs storage migrations and returns the weight used.
    fn on_runtime_upgrade() -> Weight {
        Weight::ZERO
    }
}

/// Returns `Err(e.into())` from the enclosing function unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $e:expr $(,)?) => {
        if !$cond {
            return Err($e.into());
        }
    };
}

/// Logs from runtime code through the host (`ext_logging_log`), formatted only if the host
/// keeps messages at that level.
#[macro_export]
macro_rules! runtime_log {
    ($level:ident, $target:expr, $($arg:tt)+) => {{
        let level = $crate::io::LogLevel::$level;
        if $crate::io::logging::enabled(level) {
            let message = ::alloc::format!($($arg)+);
            $crate::io::logging::log(level, $target, message.as_bytes());
        }
    }};
}
