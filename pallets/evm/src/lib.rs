//! The EVM pallet: contracts' code and storage, and the Ethereum Virtual Machine (revm, run
//! inside the wasm runtime) over the chain's own accounts.
//!
//! There is one account model. An address's balance and nonce are its `System.Account`
//! entry: the EVM sees the *spendable* part of the free balance (free minus what locks
//! freeze, so bonded or vote-locked LUX cannot be spent by a contract) in wei, and 1 wei is
//! the native unit (10⁻¹⁸ LUX). Contract code is in `EVM.AccountCodes`, its size and keccak
//! hash in `EVM.AccountCodesMetadata`, and contract storage in `EVM.AccountStorages`
//! (Frontier's names and layout, so tools that read them find them).
//!
//! [`Pallet::execute`] runs one message (a transaction of the Ethereum pallet, a native
//! `call`/`create`, or an `eth_call`) and, when asked, writes its state changes: balances
//! (the difference goes to or from the total issuance: the burned base fee leaves it), nonces,
//! code and storage; an account left empty (EIP-161: no balance, nonce or code) is removed.
//! Logs are deposited as `EVM.Log` events as well.
//!
//! The fork is Osaka (revm's newest), so code compiled by solc with its default `evmVersion`
//! runs: PUSH0, MCOPY, TSTORE/TLOAD, CLZ. The standard precompiles are revm's; `ecrecover`
//! goes to the host's secp256k1 recovery, sha256 (0x02) to the host's SHA-256, and BN254
//! (0x06-0x08) and modexp (0x05) run natively on the host as well (revm's own code): in wasm
//! they took up to three times longer per gas than the weight a gas buys.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod db;
// In every std build, not behind a feature of its own: a feature that only the Ethereum
// pallet's tests turned on gave the node's build and the test build different features of this
// pallet, so the test build compiled it and everything above it a second time.
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod mock;
#[cfg(test)]
mod state_tests;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_primitives::ethereum::{AccessList, EthAccount, EthCallStatus, EthLog};
use lux_primitives::{AccountId20, Balance, H256, U256};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::FindAuthor;
use lux_support::{
    pallet_error, storage, Blake2_128Concat, DispatchClass, DispatchError, DispatchInfo,
    DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays, PostDispatchInfo, RawOrigin,
    ValueQuery, Weight,
};
use revm::context::ContextSetters;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::result::{ExecResultAndState, ExecutionResult, HaltReason};
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EvmTr, EvmTrError, FrameResult, FrameTr, Handler, MainnetHandler};
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{CreateScheme, FrameInput, GasTracker};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, B256, U256 as EvmU256};
use revm::state::EvmState;
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};
use scale_info::TypeInfo;

pub use db::RuntimeDb;
pub use revm::primitives::TxKind;

/// The EVM fork the chain runs.
pub const SPEC: SpecId = SpecId::OSAKA;

/// The most gas one transaction may use (EIP-7825, from Osaka on: 2²⁴).
pub const TX_GAS_LIMIT_CAP: u64 = lux_primitives::ethereum::MAX_TX_GAS;

/// Configuration of the EVM pallet.
pub trait Config: pallet_balances::Config + pallet_timestamp::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The block author, whose account is the EVM's `COINBASE` and receives the tips.
    type FindAuthor: FindAuthor;
    /// The base fee per gas of the current block (the Ethereum pallet's fee market).
    type FeeMarket: FeeMarket;
    /// A block's gas limit (at most the normal dispatch weight divided by [`WEIGHT_PER_GAS`]).
    const BLOCK_GAS_LIMIT: u64;
}

/// The EIP-1559 base fee the EVM charges (implemented by the Ethereum pallet).
pub trait FeeMarket {
    /// The base fee per gas of the block being built or executed.
    fn base_fee() -> U256;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Size and keccak256 hash of a contract's code.
#[derive(
    Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct CodeMetadata {
    /// Length of the code in bytes.
    pub size: u64,
    /// keccak256 of the code.
    pub hash: H256,
}

storage! {
    pallet = "EVM", config = Config;
    /// Contract code, by address.
    pub type AccountCodes = StorageMap<Blake2_128Concat, AccountId20, Vec<u8>, ValueQuery>;
    /// Size and hash of each contract's code.
    pub type AccountCodesMetadata = StorageMap<Blake2_128Concat, AccountId20, CodeMetadata>;
    /// Contract storage: slot values by address and slot (zero values are not stored).
    pub type AccountStorages =
        StorageDoubleMap<Blake2_128Concat, AccountId20, Blake2_128Concat, H256, H256, ValueQuery>;
    /// The chain id of Ethereum transactions (EIP-155), from the chain spec.
    pub type ChainId = StorageValue<u64, ValueQuery>;
}

/// Events of the EVM pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A contract emitted a log.
    Log {
        /// The log.
        log: EthLog,
    },
    /// A contract was created.
    Created {
        /// Its address.
        address: AccountId20,
    },
    /// A contract creation failed (reverted or halted).
    CreatedFailed {
        /// The address it would have had.
        address: AccountId20,
    },
    /// A contract was called and returned.
    Executed {
        /// The contract.
        address: AccountId20,
    },
    /// A contract call reverted or halted.
    ExecutedFailed {
        /// The contract.
        address: AccountId20,
    },
}

pallet_error! {
    /// Errors of the EVM pallet (Frontier's names and order).
    pub enum Error<T: Config> {
        /// The sender cannot pay the value and the gas.
        BalanceLow,
        /// A fee calculation overflowed.
        FeeOverflow,
        /// A payment calculation overflowed.
        PaymentOverflow,
        /// Withdrawing the fee failed.
        WithdrawFailed,
        /// The gas price is below the base fee.
        GasPriceTooLow,
        /// The nonce is not the sender's.
        InvalidNonce,
        /// The gas limit is below the intrinsic gas.
        GasLimitTooLow,
        /// The gas limit is above the block's.
        GasLimitTooHigh,
        /// The chain id is another chain's.
        InvalidChainId,
        /// The signature is invalid.
        InvalidSignature,
        /// The EVM was entered again while running.
        Reentrancy,
        /// Only an externally owned account can send a transaction.
        TransactionMustComeFromEOA,
        /// The EVM refused the message for another reason.
        Undefined,
    }
}

/// Calls of the EVM pallet (Frontier's indices): contract calls and creations from native
/// signed origins. They pay native fees for the weight of their gas limit (corrected to the
/// gas used); the EVM charges no gas price.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Calls `target` with `input`, sending `value` wei.
    #[codec(index = 1)]
    call {
        /// The contract (or account) called.
        target: AccountId20,
        /// Call data.
        input: Vec<u8>,
        /// Value in wei.
        value: U256,
        /// Gas limit.
        gas_limit: u64,
    },
    /// Creates a contract from `init` code at the address `CREATE` derives from the sender and
    /// its nonce, endowed with `value` wei.
    #[codec(index = 2)]
    create {
        /// Init code.
        init: Vec<u8>,
        /// Value in wei.
        value: U256,
        /// Gas limit.
        gas_limit: u64,
    },
    /// Creates a contract from `init` code at the address `CREATE2` derives from the sender,
    /// `salt` and the code's hash (the same on every chain, whatever the sender's nonce),
    /// endowed with `value` wei. The gas pays for hashing the code as the opcode does.
    #[codec(index = 3)]
    create2 {
        /// Init code.
        init: Vec<u8>,
        /// Salt.
        salt: H256,
        /// Value in wei.
        value: U256,
        /// Gas limit.
        gas_limit: u64,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let gas_limit = match self {
            Self::call { gas_limit, .. }
            | Self::create { gas_limit, .. }
            | Self::create2 { gas_limit, .. } => *gas_limit,
        };
        DispatchInfo {
            weight: gas_to_weight(gas_limit),
            class: DispatchClass::Normal,
            pays_fee: Pays::Yes,
        }
    }
}

/// The weight of one unit of gas: 25 ns, so a second of block weight runs 40 Mgas. Measured
/// (`scripts/bench-gas.sh`, BENCHMARKS.md): no workload takes longer per gas in the runtime's
/// EVM; the slowest are the BN254 pairing (about 23 ns a gas, on the host) and ecrecover and
/// keccak256 (12-15 ns); storage-bound code takes 0.2-2.5 ns.
pub const WEIGHT_PER_GAS: Weight = Weight::from_parts(25_000, 0);

/// The weight of `gas`.
pub const fn gas_to_weight(gas: u64) -> Weight {
    Weight::from_parts(gas.saturating_mul(WEIGHT_PER_GAS.ref_time), 0)
}

/// The gas that `weight` pays for.
pub const fn weight_to_gas(weight: Weight) -> u64 {
    weight.ref_time / WEIGHT_PER_GAS.ref_time
}

impl Call {
    /// Runs the call as `origin` (signed).
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        let RawOrigin::Signed(who) = origin else {
            return Err(DispatchError::BadOrigin.into());
        };
        let (kind, data, value, gas_limit, salt) = match self {
            Self::call { target, input, value, gas_limit } => {
                (TxKind::Call(address(&target)), input, value, gas_limit, None)
            }
            Self::create { init, value, gas_limit } => {
                (TxKind::Create, init, value, gas_limit, None)
            }
            Self::create2 { init, salt, value, gas_limit } => {
                (TxKind::Create, init, value, gas_limit, Some(salt))
            }
        };
        if gas_limit > T::BLOCK_GAS_LIMIT.min(TX_GAS_LIMIT_CAP) {
            return Err(Error::<T>::GasLimitTooHigh.into());
        }
        let is_call = matches!(kind, TxKind::Call(_));
        // The extrinsic already used the nonce it carried; a call leaves the nonce as it is,
        // a creation uses the next one (its address is derived from it).
        let nonce_before = pallet_system::Pallet::<T>::account_nonce(&who);
        let message = Message {
            caller: who,
            kind,
            value,
            data,
            gas_limit,
            fees: None,
            nonce: None,
            access_list: Vec::new(),
            tx_type: 0,
        };
        let outcome = match salt {
            None => Pallet::<T>::execute(message, true),
            Some(salt) => Pallet::<T>::execute_in(
                SPEC,
                Pallet::<T>::block_env(),
                message,
                Some(salt),
                true,
                None,
            ),
        }
        .map_err(|e| e.into_dispatch::<T>())?;
        if is_call {
            pallet_system::Account::mutate(who, |a| a.nonce = nonce_before);
        }
        // A revert or halt is the contract's answer, not the extrinsic's failure: the
        // `ExecutedFailed`/`CreatedFailed` event tells it, as in Frontier.
        Ok(PostDispatchInfo {
            actual_weight: Some(gas_to_weight(outcome.gas_used)),
            pays_fee: Pays::Yes,
        })
    }
}

/// The fees of a message: what it pays per gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fees {
    /// The legacy gas price, or EIP-1559's fee cap.
    pub max_fee_per_gas: u128,
    /// EIP-1559's tip cap (`None` for legacy and EIP-2930 transactions).
    pub max_priority_fee_per_gas: Option<u128>,
}

/// A message for the EVM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The sender.
    pub caller: AccountId20,
    /// Call or create.
    pub kind: TxKind,
    /// Value in wei.
    pub value: U256,
    /// Call data or init code.
    pub data: Vec<u8>,
    /// Gas limit.
    pub gas_limit: u64,
    /// Fees to charge; `None` charges none (native calls, and `eth_call` without a price).
    pub fees: Option<Fees>,
    /// The nonce to check; `None` uses the sender's.
    pub nonce: Option<u64>,
    /// EIP-2930 access list.
    pub access_list: AccessList,
    /// EIP-2718 type.
    pub tx_type: u8,
}

/// How a message ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: EthCallStatus,
    /// Return data, or revert data.
    pub output: Vec<u8>,
    /// Gas used, after refunds.
    pub gas_used: u64,
    /// Its logs.
    pub logs: Vec<EthLog>,
    /// The created contract (for a successful creation).
    pub contract_address: Option<AccountId20>,
    /// The address a creation targets, successful or not.
    pub create_address: Option<AccountId20>,
}

/// Why the EVM refused a message before running it (its state is unchanged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The nonce is below the sender's.
    NonceTooLow,
    /// The nonce is above the sender's.
    NonceTooHigh,
    /// The sender cannot pay gas * price + value.
    InsufficientFunds,
    /// The gas limit is below the intrinsic gas.
    IntrinsicGasTooLow,
    /// The gas limit is above the block's (or the transaction cap).
    GasLimitTooHigh,
    /// The fee cap is below the base fee.
    FeeCapTooLow,
    /// The sender has code.
    SenderNotEoa,
    /// Another reason, in revm's words.
    Other(String),
}

impl ExecError {
    /// geth's message.
    pub fn message(&self) -> String {
        match self {
            Self::NonceTooLow => "nonce too low".into(),
            Self::NonceTooHigh => "nonce too high".into(),
            Self::InsufficientFunds => "insufficient funds for gas * price + value".into(),
            Self::IntrinsicGasTooLow => "intrinsic gas too low".into(),
            Self::GasLimitTooHigh => "exceeds block gas limit".into(),
            Self::FeeCapTooLow => "max fee per gas less than block base fee".into(),
            Self::SenderNotEoa => "sender not an eoa".into(),
            Self::Other(reason) => reason.clone(),
        }
    }

    fn into_dispatch<T: Config>(self) -> lux_support::DispatchErrorWithPostInfo {
        let error: Error<T> = match self {
            Self::NonceTooLow | Self::NonceTooHigh => Error::InvalidNonce,
            Self::InsufficientFunds => Error::BalanceLow,
            Self::IntrinsicGasTooLow => Error::GasLimitTooLow,
            Self::GasLimitTooHigh => Error::GasLimitTooHigh,
            Self::FeeCapTooLow => Error::GasPriceTooLow,
            Self::SenderNotEoa => Error::TransactionMustComeFromEOA,
            Self::Other(_) => Error::Undefined,
        };
        DispatchError::from(error).into()
    }
}

/// The revm address of an account.
pub fn address(account: &AccountId20) -> Address {
    Address::from(account.0)
}

/// The account of a revm address.
pub fn account(address: &Address) -> AccountId20 {
    AccountId20(address.0 .0)
}

fn to_evm_u256(value: &U256) -> EvmU256 {
    EvmU256::from_be_bytes(value.to_big_endian())
}

fn from_evm_u256(value: &EvmU256) -> U256 {
    U256::from_big_endian(&value.to_be_bytes::<32>())
}

impl<T: Config> Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The chain id of Ethereum transactions.
    pub fn chain_id() -> u64 {
        ChainId::get()
    }

    /// An account's balance (spendable, in wei) and nonce.
    pub fn account_basic(who: &AccountId20) -> EthAccount {
        let info = pallet_system::Account::get(who);
        EthAccount {
            balance: U256::from(info.data.free.saturating_sub(info.data.frozen)),
            nonce: u64::from(info.nonce),
        }
    }

    /// The code at an address (empty for none).
    pub fn code(who: &AccountId20) -> Vec<u8> {
        AccountCodes::get(who)
    }

    /// A contract's storage slot.
    pub fn storage_at(who: &AccountId20, key: &H256) -> H256 {
        AccountStorages::get(who, key)
    }

    /// The EVM environment of the block being built or executed (or, for `eth_call`, of the
    /// block whose state this is).
    fn block_env() -> BlockEnv {
        let number = pallet_system::Pallet::<T>::block_number();
        let author = T::FindAuthor::find_author().unwrap_or_default();
        let base_fee = T::FeeMarket::base_fee();
        let base_fee = if base_fee > U256::from(u64::MAX) { u64::MAX } else { base_fee.as_u64() };
        let mut env = BlockEnv {
            number: EvmU256::from(number),
            beneficiary: address(&author),
            timestamp: EvmU256::from(pallet_timestamp::Pallet::<T>::now() / 1000),
            gas_limit: T::BLOCK_GAS_LIMIT,
            basefee: base_fee,
            difficulty: EvmU256::ZERO,
            // After the merge PREVRANDAO is the beacon chain's randomness; the parent hash is
            // what a contract here can rely on as much (not as a secret).
            prevrandao: Some(B256::from(pallet_system::ParentHash::get().0)),
            ..Default::default()
        };
        env.set_blob_excess_gas_and_price(
            0,
            revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
        );
        env
    }

    /// Runs `message` on the current state; with `commit`, writes its changes and deposits its
    /// events, otherwise leaves the state as it was (`eth_call`, `eth_estimateGas`).
    pub fn execute(message: Message, commit: bool) -> Result<Outcome, ExecError> {
        Self::execute_in(SPEC, Self::block_env(), message, None, commit, None)
    }

    /// Runs `message` on the current state without keeping its changes, and says what its
    /// execution accessed, as an EIP-2930 access list names it: each account it read or
    /// called, and the storage slots it read or wrote, sorted. As geth's access-list tracer
    /// counts them, the sender, the recipient (or the created contract) and the precompiles,
    /// which every transaction has warm anyway, appear only for storage slots of theirs.
    pub fn execute_listing_access(message: Message) -> Result<(Outcome, AccessList), ExecError> {
        let mut accessed = Vec::new();
        let outcome =
            Self::execute_in(SPEC, Self::block_env(), message, None, false, Some(&mut accessed))?;
        Ok((outcome, accessed))
    }

    /// [`Self::execute`] under the rules of fork `spec` in block environment `block` (the
    /// Ethereum state tests run each fixture in the fork and block it was filled for); a
    /// creation with a `salt` is a `CREATE2` (the native `create2` call).
    pub(crate) fn execute_in(
        spec: SpecId,
        block: BlockEnv,
        message: Message,
        salt: Option<H256>,
        commit: bool,
        accessed: Option<&mut AccessList>,
    ) -> Result<Outcome, ExecError> {
        let Message { caller, kind, value, data, gas_limit, fees, nonce, access_list, tx_type } =
            message;
        let sender = Self::account_basic(&caller);
        // With fees, revm checks `gas × price + value`; without (native calls, `eth_call`
        // without a price) it would only halt the transfer: refuse it as geth does.
        if fees.is_none() && value > sender.balance {
            return Err(ExecError::InsufficientFunds);
        }
        let create_nonce = nonce.unwrap_or(sender.nonce);
        let create_address = matches!(kind, TxKind::Create).then(|| {
            account(&match salt {
                None => address(&caller).create(create_nonce),
                Some(salt) => address(&caller).create2_from_code(salt.0, &data),
            })
        });
        let mut cfg = CfgEnv::new_with_spec(spec);
        cfg.chain_id = Self::chain_id();
        cfg.tx_chain_id_check = false;
        cfg.disable_nonce_check = nonce.is_none();
        let mut tx = TxEnv {
            tx_type,
            caller: address(&caller),
            gas_limit,
            kind,
            value: to_evm_u256(&value),
            data: Bytes::from(data),
            nonce: create_nonce,
            chain_id: Some(cfg.chain_id),
            access_list: access_list
                .iter()
                .map(|(a, keys)| revm::context::transaction::AccessListItem {
                    address: address(a),
                    storage_keys: keys.iter().map(|k| B256::from(k.0)).collect(),
                })
                .collect::<Vec<_>>()
                .into(),
            ..Default::default()
        };
        match fees {
            Some(fees) => {
                tx.gas_price = fees.max_fee_per_gas;
                tx.gas_priority_fee = fees.max_priority_fee_per_gas;
            }
            None => {
                cfg.disable_base_fee = true;
                cfg.disable_fee_charge = true;
                tx.gas_price = 0;
            }
        }
        let mut evm = Context::mainnet()
            .with_db(RuntimeDb::<T>::new())
            .with_cfg(cfg)
            .with_block(block)
            .build_mainnet();
        let result = match salt {
            None => evm.transact(tx),
            Some(salt) => {
                evm.ctx.set_tx(tx);
                let result = Create2Handler::new(salt).run(&mut evm);
                let state = evm.finalize();
                result.map(|result| ExecResultAndState::new(result, state))
            }
        }
        .map_err(exec_error)?;
        if let Some(accessed) = accessed {
            let warm = |a: &Address| {
                *a == address(&caller)
                    || matches!(kind, TxKind::Call(to) if to == *a)
                    || evm.precompiles.contains(a)
            };
            for (a, account_state) in &result.state {
                let mut slots: Vec<H256> =
                    account_state.storage.keys().map(|k| H256(k.to_be_bytes())).collect();
                if slots.is_empty() && (warm(a) || account_state.is_created()) {
                    continue;
                }
                slots.sort();
                accessed.push((account(a), slots));
            }
            accessed.sort();
        }
        let contract_address = result.result.created_address().map(|a| account(&a));
        let logs: Vec<EthLog> = result
            .result
            .logs()
            .iter()
            .map(|log| EthLog {
                address: account(&log.address),
                topics: log.topics().iter().map(|t| H256(t.0)).collect(),
                data: log.data.data.to_vec(),
            })
            .collect();
        let gas_used = result.result.tx_gas_used();
        let (status, output) = match result.result {
            ExecutionResult::Success { output, .. } => {
                (EthCallStatus::Success, output.into_data().to_vec())
            }
            ExecutionResult::Revert { output, .. } => (EthCallStatus::Revert, output.to_vec()),
            ExecutionResult::Halt { reason, .. } => {
                (EthCallStatus::Halt(halt_message(&reason)), Vec::new())
            }
        };
        if commit {
            db::commit::<T>(result.state);
            for log in &logs {
                Self::deposit_event(Event::Log { log: log.clone() });
            }
            let success = status == EthCallStatus::Success;
            match (kind, create_address) {
                (TxKind::Call(to), _) => {
                    let address = account(&to);
                    Self::deposit_event(if success {
                        Event::Executed { address }
                    } else {
                        Event::ExecutedFailed { address }
                    });
                }
                (TxKind::Create, Some(address)) => Self::deposit_event(if success {
                    Event::Created { address }
                } else {
                    Event::CreatedFailed { address }
                }),
                (TxKind::Create, None) => {}
            }
        }
        Ok(Outcome { status, output, gas_used, logs, contract_address, create_address })
    }

    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new("BlockGasLimit", &T::BLOCK_GAS_LIMIT, &["A block's gas limit."]),
                ConstantMeta::new(
                    "WeightPerGas",
                    &WEIGHT_PER_GAS,
                    &["The weight of one unit of gas."]
                ),
            ],
            docs: &["The EVM: contract code and storage over the chain's accounts."],
        }
    }
}

/// Genesis configuration: the chain id of Ethereum transactions.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
}

impl GenesisConfig {
    /// Writes the chain id.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        ChainId::put(self.chain_id);
        Ok(())
    }
}

/// revm's handler of a transaction, with the first frame a `CREATE2` instead of a `CREATE`
/// (an Ethereum transaction cannot create with a salt; the native `create2` call can).
struct Create2Handler<EVM, ERROR, FRAME> {
    salt: H256,
    _types: PhantomData<(EVM, ERROR, FRAME)>,
}

impl<EVM, ERROR, FRAME> Create2Handler<EVM, ERROR, FRAME> {
    fn new(salt: H256) -> Self {
        Self { salt, _types: PhantomData }
    }
}

impl<EVM, ERROR, FRAME> Handler for Create2Handler<EVM, ERROR, FRAME>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = FRAME>,
    ERROR: EvmTrError<EVM>,
    FRAME: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn first_frame_input(
        &mut self,
        evm: &mut Self::Evm,
        gas: &mut GasTracker,
    ) -> Result<Option<FrameInit>, Self::Error> {
        let mut init =
            MainnetHandler::<EVM, ERROR, FRAME>::default().first_frame_input(evm, gas)?;
        if let Some(FrameInit { frame_input: FrameInput::Create(inputs), .. }) = init.as_mut() {
            inputs.set_scheme(CreateScheme::Create2 { salt: EvmU256::from_be_bytes(self.salt.0) });
            // What the CREATE2 opcode pays to hash the init code (6 gas a word), out of what
            // the creation's frame gets.
            let words = (inputs.init_code().len() as u64).div_ceil(32);
            inputs.set_gas_limit(inputs.gas_limit().saturating_sub(words.saturating_mul(6)));
        }
        Ok(init)
    }
}

/// Maps revm's refusal of a transaction to geth's reasons.
fn exec_error<DbError: core::fmt::Debug>(
    error: revm::context_interface::result::EVMError<
        DbError,
        revm::context_interface::result::InvalidTransaction,
    >,
) -> ExecError {
    use revm::context_interface::result::{EVMError, InvalidTransaction as Invalid};
    match error {
        EVMError::Transaction(invalid) => match invalid {
            Invalid::NonceTooLow { .. } => ExecError::NonceTooLow,
            Invalid::NonceTooHigh { .. } => ExecError::NonceTooHigh,
            Invalid::LackOfFundForMaxFee { .. } | Invalid::OverflowPaymentInTransaction => {
                ExecError::InsufficientFunds
            }
            Invalid::CallGasCostMoreThanGasLimit { .. }
            | Invalid::GasFloorMoreThanGasLimit { .. } => ExecError::IntrinsicGasTooLow,
            Invalid::CallerGasLimitMoreThanBlock | Invalid::TxGasLimitGreaterThanCap { .. } => {
                ExecError::GasLimitTooHigh
            }
            Invalid::GasPriceLessThanBasefee => ExecError::FeeCapTooLow,
            Invalid::RejectCallerWithCode => ExecError::SenderNotEoa,
            other => ExecError::Other(alloc::format!("{other}")),
        },
        other => ExecError::Other(alloc::format!("{other:?}")),
    }
}

/// A halt's reason in words.
fn halt_message(reason: &HaltReason) -> String {
    match reason {
        HaltReason::OutOfGas(_) => "out of gas".into(),
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode => "invalid opcode".into(),
        HaltReason::StackOverflow => "stack overflow".into(),
        HaltReason::StackUnderflow => "stack underflow".into(),
        HaltReason::InvalidJump => "invalid jump destination".into(),
        HaltReason::CallTooDeep => "max call depth exceeded".into(),
        HaltReason::OutOfFunds => "insufficient balance for transfer".into(),
        HaltReason::CreateCollision => "contract address collision".into(),
        HaltReason::CreateContractSizeLimit => "max code size exceeded".into(),
        HaltReason::CreateContractStartingWithEF => "invalid code: must not begin with 0xef".into(),
        HaltReason::StateChangeDuringStaticCall => "write protection".into(),
        other => alloc::format!("{other:?}"),
    }
}

/// Balance as the EVM sees it, in the native type (values above `u128` cannot exist).
pub(crate) fn balance_of(value: &EvmU256) -> Balance {
    u128::try_from(*value).unwrap_or(Balance::MAX)
}

/// Converts an EVM word to the native one.
pub fn u256_of(value: &EvmU256) -> U256 {
    from_evm_u256(value)
}
