//! The EVM pallet's test runtime, and what the Ethereum pallet's test runtime shares with it
//! (in std builds, hidden from the docs): the runtime's configuration as a macro, the genesis
//! builder, the block author, and small contracts.

use crate::Config;
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance, H256};
use lux_support::traits::FindAuthor;

#[doc(hidden)]
pub use {
    alloc::vec::Vec, codec, lux_primitives, pallet_balances, pallet_system, pallet_timestamp,
    scale_info,
};

/// The chain id of the test runtimes.
pub const CHAIN_ID: u64 = 42;
/// A block's gas limit in the test runtimes (below EIP-7825's transaction cap, so the block's
/// limit is the one a transaction meets).
pub const BLOCK_GAS_LIMIT: u64 = 10_000_000;
/// The author of every block (the EVM's `COINBASE`).
pub const AUTHOR: AccountId20 = AccountId20([0xaa; 20]);
/// The time of block 1, in milliseconds.
pub const NOW: u64 = 1_700_000_000_000;
/// One LUX in wei.
pub const LUX: Balance = 1_000_000_000_000_000_000;

/// Finds [`AUTHOR`] as the author of every block.
pub struct Author;

impl FindAuthor for Author {
    fn find_author() -> Option<AccountId20> {
        Some(AUTHOR)
    }
}

/// Declares the test runtime `$runtime` with system (0), timestamp (1), balances (3, existential
/// deposit 1) and the EVM (20, [`Author`] and [`BLOCK_GAS_LIMIT`]), its event type `$event`
/// with the events of these and of the further `pallets`, and `events()`, the current block's
/// events.
#[doc(hidden)]
#[macro_export]
macro_rules! impl_test_runtime {
    (
        $runtime:ident, event = $event:ident, fee_market = $fee_market:ty
        $(, pallets = [$($variant:ident($inner:ty) => $pallet:ty => $index:expr),* $(,)?])? $(,)?
    ) => {
        pub struct $runtime;

        #[derive(
            Clone,
            Debug,
            PartialEq,
            Eq,
            $crate::mock::codec::Encode,
            $crate::mock::codec::Decode,
            $crate::mock::codec::DecodeWithMemTracking,
            $crate::mock::scale_info::TypeInfo,
        )]
        pub enum $event {
            System($crate::mock::pallet_system::Event),
            Balances($crate::mock::pallet_balances::Event),
            EVM($crate::Event),
            $($($variant($inner),)*)?
        }

        $crate::mock::pallet_system::impl_test_event_from!(
            $event:
            System($crate::mock::pallet_system::Event),
            Balances($crate::mock::pallet_balances::Event),
            EVM($crate::Event),
            $($($variant($inner),)*)?
        );

        $crate::mock::pallet_system::impl_test_config!(
            $runtime,
            event = $event,
            info = TestPalletInfo,
            pallets = [
                $crate::mock::pallet_system::Pallet<$runtime> => 0,
                $crate::mock::pallet_timestamp::Pallet<$runtime> => 1,
                $crate::mock::pallet_balances::Pallet<$runtime> => 3,
                $crate::Pallet<$runtime> => 20,
                $($($pallet => $index,)*)?
            ],
        );

        impl $crate::mock::pallet_balances::Config for $runtime {
            type RuntimeEvent = $event;
            const EXISTENTIAL_DEPOSIT: $crate::mock::lux_primitives::Balance = 1;
        }

        impl $crate::mock::pallet_timestamp::Config for $runtime {
            const MINIMUM_PERIOD: u64 = 50;
            const MAX_DRIFT: u64 = 30_000;
        }

        impl $crate::Config for $runtime {
            type RuntimeEvent = $event;
            type FindAuthor = $crate::mock::Author;
            type FeeMarket = $fee_market;
            const BLOCK_GAS_LIMIT: u64 = $crate::mock::BLOCK_GAS_LIMIT;
        }

        /// The events of the current block, in order.
        pub fn events() -> $crate::mock::Vec<$event> {
            $crate::mock::pallet_system::Pallet::<$runtime>::events()
                .into_iter()
                .map(|record| record.event)
                .collect()
        }
    };
}

/// Builds the genesis state of a test runtime and begins block 1 (so events are kept).
#[derive(Default)]
pub struct ExtBuilder {
    balances: Vec<(AccountId20, Balance)>,
}

impl ExtBuilder {
    /// Gives `who` a free balance of `amount` at genesis.
    pub fn balance(mut self, who: AccountId20, amount: Balance) -> Self {
        self.balances.push((who, amount));
        self
    }

    /// The state: the balances, [`CHAIN_ID`], and block 1 begun at [`NOW`].
    pub fn build<T: Config>(self) -> TestExternalities {
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            pallet_balances::GenesisConfig { balances: self.balances }
                .build::<T>()
                .expect("balances genesis");
            crate::GenesisConfig { chain_id: CHAIN_ID }.build::<T>().expect("EVM genesis");
            pallet_system::Pallet::<T>::initialize(1, H256::repeat_byte(1), &Default::default());
            pallet_timestamp::Now::put(NOW);
        });
        ext
    }
}

/// Init code that deploys `runtime` (`PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0
/// RETURN`, then the code).
pub fn init_code(runtime: &[u8]) -> Vec<u8> {
    let len = u8::try_from(runtime.len()).expect("short runtime code");
    let mut code = alloc::vec![0x60, len, 0x60, 12, 0x60, 0, 0x39, 0x60, len, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// Runtime code that stores its call's first word in slot 0 and logs it with topic 1:
/// `PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE PUSH1 0 MSTORE PUSH1 1 PUSH1 32 PUSH1 0 LOG1 STOP`.
pub const STORE_AND_LOG: [u8; 18] = [
    0x60, 0x00, 0x35, 0x80, 0x60, 0x00, 0x55, 0x60, 0x00, 0x52, 0x60, 0x01, 0x60, 0x20, 0x60, 0x00,
    0xa1, 0x00,
];

/// The 32-byte word of `value` (a call's argument, a storage slot's value).
pub fn word(value: u64) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&value.to_be_bytes());
    word
}

#[cfg(test)]
pub use runtime::*;

/// The EVM pallet's test runtime, with a base fee the tests set.
#[cfg(test)]
mod runtime {
    use crate::FeeMarket;
    use core::cell::Cell;
    use lux_primitives::U256;

    std::thread_local! {
        static BASE_FEE: Cell<u128> = const { Cell::new(0) };
    }

    /// The base fee the EVM charges: [`set_base_fee`]'s (each test runs on its own thread).
    pub struct TestFeeMarket;

    impl FeeMarket for TestFeeMarket {
        fn base_fee() -> U256 {
            U256::from(BASE_FEE.with(Cell::get))
        }
    }

    /// Sets the base fee per gas of the current block.
    pub fn set_base_fee(fee: u128) {
        BASE_FEE.with(|base| base.set(fee));
    }

    crate::impl_test_runtime!(Test, event = RuntimeEvent, fee_market = TestFeeMarket);

    pub type Evm = crate::Pallet<Test>;
    pub type Balances = crate::mock::pallet_balances::Pallet<Test>;
}
