//! The Ethereum pallet's test runtime: the EVM pallet's (system, timestamp, balances and the
//! EVM, with a fixed block author) with the Ethereum pallet as the fee market, and Ethereum
//! transactions signed by the dev accounts.

use crate::{self as ethereum, Config};
use alloy_consensus::{SignableTransaction, TxEnvelope, TypedTransaction};
use alloy_eips::eip2718::Encodable2718;
use lux_io::TestExternalities;
use lux_primitives::{AccountId20, Balance};

pub use pallet_evm::mock::{
    init_code, word, AUTHOR, BLOCK_GAS_LIMIT, CHAIN_ID, LUX, NOW, STORE_AND_LOG,
};

pallet_evm::impl_test_runtime!(
    Test,
    event = RuntimeEvent,
    fee_market = Ethereum,
    pallets = [Ethereum(ethereum::Event) => ethereum::Pallet<Test> => 21],
);

impl Config for Test {
    type RuntimeEvent = RuntimeEvent;
}

pub type Ethereum = ethereum::Pallet<Test>;
pub type Evm = pallet_evm::Pallet<Test>;
pub type Balances = pallet_balances::Pallet<Test>;

/// The base fee's floor, and its value at genesis: 1 gwei.
pub const MIN_BASE_FEE: Balance = 1_000_000_000;
/// What each of Alice and Bob holds at genesis.
pub const ENDOWMENT: Balance = 100 * LUX;

/// The account of dev account `name` (`alice`, `bob`, ...).
pub fn dev(name: &str) -> AccountId20 {
    AccountId20(lux_keys::dev_account(name).expect("dev account").address())
}

/// Builds the genesis state: Alice and Bob endowed, the base fee at [`MIN_BASE_FEE`].
pub struct ExtBuilder {
    evm: pallet_evm::mock::ExtBuilder,
    min_base_fee: Balance,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        Self {
            evm: pallet_evm::mock::ExtBuilder::default()
                .balance(dev("alice"), ENDOWMENT)
                .balance(dev("bob"), ENDOWMENT),
            min_base_fee: MIN_BASE_FEE,
        }
    }
}

impl ExtBuilder {
    /// Gives `who` a free balance of `amount` at genesis.
    pub fn balance(mut self, who: AccountId20, amount: Balance) -> Self {
        self.evm = self.evm.balance(who, amount);
        self
    }

    /// Sets the base fee's floor (and its genesis value).
    pub fn min_base_fee(mut self, fee: Balance) -> Self {
        self.min_base_fee = fee;
        self
    }

    /// The state, with block 1 begun.
    pub fn build(self) -> TestExternalities {
        let mut ext = self.evm.build::<Test>();
        ext.execute_with(|| {
            ethereum::GenesisConfig { min_base_fee_per_gas: self.min_base_fee }
                .build::<Test>()
                .expect("Ethereum genesis");
        });
        ext
    }
}

/// `tx` signed by dev account `signer`, as its EIP-2718 bytes.
pub fn sign(signer: &str, tx: TypedTransaction) -> Vec<u8> {
    let pair = lux_keys::dev_account(signer).expect("dev account");
    let signature = pair.sign_prehashed(&tx.signature_hash().0);
    let signature =
        alloy_primitives::Signature::from_bytes_and_parity(&signature[..64], signature[64] == 1);
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

/// The Ethereum pallet's events of the current block.
pub fn ethereum_events() -> Vec<ethereum::Event> {
    events()
        .into_iter()
        .filter_map(|event| match event {
            RuntimeEvent::Ethereum(event) => Some(event),
            _ => None,
        })
        .collect()
}
