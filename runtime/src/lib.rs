//! The LuxTensor runtime: the chain's state transition function.
//!
//! This file holds only the runtime's types, its version and the list of pallets with their
//! explicit indices (never reused). Pallet configuration is in [`configs`], block execution
//! in [`executive`], the runtime APIs the node calls in [`apis`], and the genesis presets in
//! [`genesis_config_presets`]. `build.rs` compiles the crate to wasm; the node runs that wasm
//! from the chain state (`:code`), and embeds it as [`WASM_BINARY`] for its built-in chain
//! specs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod apis;
pub mod configs;
pub mod executive;
pub mod genesis_config_presets;
pub mod metadata;
#[cfg(test)]
mod tests;

use alloc::borrow::Cow;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::any::TypeId;
use lux_primitives::version::api_ids;
use lux_primitives::RuntimeVersion;
use lux_support::{
    DispatchInfo, DispatchResultWithPostInfo, Dispatchable, GetDispatchInfo, PalletInfo, RawOrigin,
};
use scale_info::TypeInfo;

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The runtime's version. Raise `spec_version` with every change of the chain's logic and
/// `transaction_version` with every change of call indices or argument encodings.
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("luxtensor"),
    impl_name: Cow::Borrowed("luxtensor"),
    authoring_version: 1,
    spec_version: 102,
    impl_version: 1,
    apis: Cow::Borrowed(RUNTIME_API_VERSIONS),
    transaction_version: 1,
    system_version: 1,
};

/// The runtime APIs this runtime implements, with their versions (see [`apis`]).
pub const RUNTIME_API_VERSIONS: &[([u8; 8], u32)] = &[
    (api_ids::CORE, 4),
    (api_ids::METADATA, 2),
    (api_ids::BLOCK_BUILDER, 6),
    (api_ids::TAGGED_TRANSACTION_QUEUE, 3),
    (api_ids::ACCOUNT_NONCE, 1),
    (api_ids::TRANSACTION_PAYMENT, 4),
    (api_ids::GENESIS_BUILDER, 2),
    (api_ids::LUX_CONSENSUS, 2),
    (api_ids::LUX_BLOCK, 1),
];

/// The runtime: implements every pallet's `Config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, TypeInfo)]
pub struct Runtime;

/// The system pallet.
pub type System = pallet_system::Pallet<Runtime>;
/// The timestamp pallet.
pub type Timestamp = pallet_timestamp::Pallet<Runtime>;
/// The session pallet.
pub type Session = pallet_session::Pallet<Runtime>;
/// The balances pallet.
pub type Balances = pallet_balances::Pallet<Runtime>;
/// The transaction-payment pallet.
pub type TransactionPayment = pallet_transaction_payment::Pallet<Runtime>;
/// The sudo pallet.
pub type Sudo = pallet_sudo::Pallet<Runtime>;

/// The pallets and their indices. The indices appear in every call and event encoding and
/// in module errors: they are never changed or reused.
pub const PALLETS: &[(u8, &str)] = &[
    (0, "System"),
    (1, "Timestamp"),
    (2, "Session"),
    (3, "Balances"),
    (4, "TransactionPayment"),
    (5, "Sudo"),
];

/// Maps pallet marker types to their index and name in [`PALLETS`].
pub struct RuntimePalletInfo;

impl RuntimePalletInfo {
    fn lookup<P: 'static>() -> Option<(u8, &'static str)> {
        let p = TypeId::of::<P>();
        let index = if p == TypeId::of::<System>() {
            0
        } else if p == TypeId::of::<Timestamp>() {
            1
        } else if p == TypeId::of::<Session>() {
            2
        } else if p == TypeId::of::<Balances>() {
            3
        } else if p == TypeId::of::<TransactionPayment>() {
            4
        } else if p == TypeId::of::<Sudo>() {
            5
        } else {
            return None;
        };
        PALLETS.iter().find(|(i, _)| *i == index).copied()
    }
}

impl PalletInfo for RuntimePalletInfo {
    fn index<P: 'static>() -> Option<usize> {
        Self::lookup::<P>().map(|(i, _)| i as usize)
    }
    fn name<P: 'static>() -> Option<&'static str> {
        Self::lookup::<P>().map(|(_, n)| n)
    }
}

/// Every call the runtime accepts, by pallet index.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeCall {
    /// System calls.
    #[codec(index = 0)]
    System(pallet_system::Call),
    /// Timestamp calls (the inherent).
    #[codec(index = 1)]
    Timestamp(pallet_timestamp::Call),
    /// Balances calls.
    #[codec(index = 3)]
    Balances(pallet_balances::Call),
    /// Sudo calls.
    #[codec(index = 5)]
    Sudo(pallet_sudo::Call<RuntimeCall>),
}

impl Dispatchable for RuntimeCall {
    fn dispatch(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::System(call) => call.dispatch::<Runtime>(origin),
            Self::Timestamp(call) => call.dispatch::<Runtime>(origin),
            Self::Balances(call) => call.dispatch::<Runtime>(origin),
            Self::Sudo(call) => call.dispatch::<Runtime>(origin),
        }
    }
}

impl GetDispatchInfo for RuntimeCall {
    fn get_dispatch_info(&self) -> DispatchInfo {
        match self {
            Self::System(call) => call.get_dispatch_info(),
            Self::Timestamp(call) => call.get_dispatch_info(),
            Self::Balances(call) => call.get_dispatch_info(),
            Self::Sudo(call) => call.get_dispatch_info(),
        }
    }
}

/// Every event the runtime emits, by pallet index.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum RuntimeEvent {
    /// System events.
    #[codec(index = 0)]
    System(pallet_system::Event),
    /// Balances events.
    #[codec(index = 3)]
    Balances(pallet_balances::Event),
    /// Transaction-payment events.
    #[codec(index = 4)]
    TransactionPayment(pallet_transaction_payment::Event),
    /// Sudo events.
    #[codec(index = 5)]
    Sudo(pallet_sudo::Event),
}

/// Every pallet error, by pallet index: how V15 metadata tells clients to read the error bytes
/// of `DispatchError::Module`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum RuntimeError {
    /// System errors.
    #[codec(index = 0)]
    System(pallet_system::Error<Runtime>),
    /// Timestamp errors.
    #[codec(index = 1)]
    Timestamp(pallet_timestamp::Error<Runtime>),
    /// Balances errors.
    #[codec(index = 3)]
    Balances(pallet_balances::Error<Runtime>),
    /// Sudo errors.
    #[codec(index = 5)]
    Sudo(pallet_sudo::Error<Runtime>),
}

macro_rules! impl_from {
    ($($outer:ident :: $variant:ident ( $inner:ty );)*) => {
        $(impl From<$inner> for $outer {
            fn from(x: $inner) -> Self {
                Self::$variant(x)
            }
        })*
    };
}

impl_from! {
    RuntimeCall::System(pallet_system::Call);
    RuntimeCall::Timestamp(pallet_timestamp::Call);
    RuntimeCall::Balances(pallet_balances::Call);
    RuntimeCall::Sudo(pallet_sudo::Call<RuntimeCall>);
    RuntimeEvent::System(pallet_system::Event);
    RuntimeEvent::Balances(pallet_balances::Event);
    RuntimeEvent::TransactionPayment(pallet_transaction_payment::Event);
    RuntimeEvent::Sudo(pallet_sudo::Event);
}

/// An extrinsic with the runtime's calls.
pub type UncheckedExtrinsic = lux_primitives::UncheckedExtrinsic<RuntimeCall>;
/// A block with the runtime's extrinsics.
pub type Block = lux_primitives::Block<UncheckedExtrinsic>;
/// The block header.
pub type Header = lux_primitives::Header;
/// An event with its phase, as stored in `System::Events`.
pub type EventRecord = pallet_system::EventRecord<RuntimeEvent>;
