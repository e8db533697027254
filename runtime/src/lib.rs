//! The LuxTensor runtime: the chain's state transition function.
//!
//! This file holds only the runtime's types, its version and the one declaration of its
//! pallets with their explicit indices (never reused), from which `construct_runtime!`
//! generates the outer call, event and error enums, the pallet aliases and indices, the hooks
//! of all pallets, their metadata and the genesis config. Pallet configuration is in
//! [`configs`], block execution in [`executive`], the runtime APIs the node calls in [`apis`],
//! and the genesis presets in [`genesis_config_presets`]. `build.rs` compiles the crate to wasm; the node runs that wasm
//! from the chain state (`:code`), and embeds it as [`WASM_BINARY`] for its built-in chain
//! specs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod apis;
pub mod configs;
pub mod ethereum;
pub mod executive;
pub mod genesis_config_presets;
#[cfg(test)]
mod governance_tests;
pub mod metadata;
#[cfg(test)]
mod tests;

use alloc::borrow::Cow;
use lux_primitives::version::api_ids;
use lux_primitives::RuntimeVersion;

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The runtime's version. Raise `spec_version` with every change of the chain's logic and
/// `transaction_version` with every change of call indices or argument encodings.
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("luxtensor"),
    impl_name: Cow::Borrowed("luxtensor"),
    authoring_version: 1,
    spec_version: SPEC_VERSION,
    impl_version: 2,
    apis: Cow::Borrowed(RUNTIME_API_VERSIONS),
    transaction_version: 1,
    system_version: 1,
};

/// The encoded [`VERSION`] as the wasm's `runtime_version` custom section, so a node reads the
/// version of new code (for `set_code`'s checks) without compiling it.
#[cfg(not(feature = "std"))]
#[link_section = "runtime_version"]
#[used]
static VERSION_SECTION: [u8; VERSION.encoded_len()] = VERSION.encode_const();

/// The chain logic's version.
#[cfg(not(any(feature = "upgrade-test", feature = "upgrade-trap")))]
pub const SPEC_VERSION: u32 = 109;
/// The test runtimes (see `build.rs`) are one version ahead, so they can be installed.
#[cfg(any(feature = "upgrade-test", feature = "upgrade-trap"))]
pub const SPEC_VERSION: u32 = 110;

/// The runtime APIs this runtime implements, with their versions (see [`apis`]).
pub const RUNTIME_API_VERSIONS: &[([u8; 8], u32)] = &[
    (api_ids::CORE, 4),
    (api_ids::METADATA, 2),
    (api_ids::BLOCK_BUILDER, 6),
    (api_ids::TAGGED_TRANSACTION_QUEUE, 3),
    (api_ids::ACCOUNT_NONCE, 1),
    (api_ids::TRANSACTION_PAYMENT, 4),
    (api_ids::GENESIS_BUILDER, 2),
    (api_ids::LUX_CONSENSUS, 3),
    (api_ids::LUX_BLOCK, 2),
    (api_ids::TRY_RUNTIME, 1),
    (api_ids::ETHEREUM, 2),
];

lux_support::construct_runtime! {
    /// The runtime: implements every pallet's `Config`.
    pub struct Runtime;

    System: pallet_system = 0 { Call, Event, Error<Runtime>, Config },
    Timestamp: pallet_timestamp = 1 { #[doc = "Timestamp calls (the inherent)."] Call, Error<Runtime> },
    // Balances before Session and Staking: genesis builds (and hooks run) in this order, and
    // session keys and bonds need the accounts' balances.
    Balances: pallet_balances = 3 { Call, Event, Error<Runtime>, Config },
    Session: pallet_session = 2 { Call, Event, Error<Runtime>, Config },
    TransactionPayment: pallet_transaction_payment = 4 { #[doc = "Transaction-payment events."] Event },
    Sudo: pallet_sudo = 5 { Call<RuntimeCall>, Event, Error<Runtime>, Config },
    Staking: pallet_staking = 6 { Call, Event, Error<Runtime>, Config },
    Scheduler: pallet_scheduler = 7 { Call<RuntimeCall>, Event, Error<Runtime> },
    Preimage: pallet_preimage = 8 { Call, Event, Error<Runtime> },
    ConvictionVoting: pallet_conviction_voting = 9 { Call, Event, Error<Runtime> },
    Referenda: pallet_referenda = 10 { Call, Event, Error<Runtime>, Config },
    EVM: pallet_evm = 20 { Call, Event, Error<Runtime>, Config },
    // Its index is fixed in `lux_primitives::ethereum::ETHEREUM_PALLET_INDEX` (the node finds
    // Ethereum transactions in blocks by it).
    Ethereum: pallet_ethereum = 21 { Call, Event, Error<Runtime>, Config },
}

/// An extrinsic with the runtime's calls.
pub type UncheckedExtrinsic = lux_primitives::UncheckedExtrinsic<RuntimeCall>;
/// A block with the runtime's extrinsics.
pub type Block = lux_primitives::Block<UncheckedExtrinsic>;
/// The block header.
pub type Header = lux_primitives::Header;
/// An event with its phase, as stored in `System::Events`.
pub type EventRecord = pallet_system::EventRecord<RuntimeEvent>;
