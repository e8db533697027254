//! The Ethereum pallet: Ethereum transactions on the chain, their receipts, and the EIP-1559
//! fee market.
//!
//! An Ethereum transaction (legacy with EIP-155, EIP-2930 or EIP-1559; blob and set-code
//! transactions are refused) enters as the unsigned extrinsic `Ethereum.transact`, carrying
//! the transaction's EIP-2718 bytes. Its sender is recovered by the host from the Ethereum
//! signature, and it uses the sender's one nonce, shared with native extrinsics: the pool
//! orders both kinds with the same `(sender, nonce)` tags. The EVM pallet runs it; the sender
//! pays `gas used × effective gas price`, the base fee is burned and the tip goes to the block
//! author, as on Ethereum.
//!
//! At the end of each block the pallet keeps the block's [`EthBlockInfo`] and receipts in
//! `CurrentBlock` and `CurrentReceipts` (the node indexes them on import) and moves the base
//! fee toward the block's fullness: up to 12.5% up for a full block, down for an empty one,
//! never below the floor set by the chain spec.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::ethereum::{invalid, Bloom, EthBlockInfo, EthCallStatus, EthReceipt};
use lux_primitives::transaction::{
    InvalidTransaction, TransactionValidity, TransactionValidityError,
};
use lux_primitives::{AccountId20, H256, U256};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::traits::FindAuthor;
use lux_support::{
    pallet_error, storage, DispatchClass, DispatchError, DispatchInfo, DispatchResultWithPostInfo,
    GetDispatchInfo, Hooks, OptionQuery, Pays, PostDispatchInfo, RawOrigin, ValueQuery, Weight,
};
use pallet_evm::{Fees, Message};
use revm::primitives::TxKind;
use scale_info::TypeInfo;

/// Configuration of the Ethereum pallet.
pub trait Config: pallet_evm::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
}

/// The base fee moves by at most 1/8 per block (EIP-1559's `BASE_FEE_MAX_CHANGE_DENOMINATOR`).
pub const BASE_FEE_MAX_CHANGE_DENOMINATOR: u64 = 8;
/// A block's gas target is its limit divided by this (EIP-1559's elasticity multiplier).
pub const ELASTICITY_MULTIPLIER: u64 = 2;

/// The weight the system adds to every extrinsic for its inclusion (the runtime's
/// `base_extrinsic`: decoding, the signature check, fee handling). An Ethereum transaction
/// pays for the same work with its 21,000 intrinsic gas, so its weight leaves this part out:
/// a transaction weighs exactly its gas once included, and a block holds its full gas limit
/// (30 million gas of 21,000-gas transfers is 1,428 of them, not 1,282). The runtime checks
/// at compile time that this equals its `base_extrinsic`.
pub const INCLUSION_WEIGHT: Weight =
    Weight::from_parts(60 * lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS, 0);

/// The dispatch weight of an Ethereum transaction that may use (or used) `gas`: the gas's
/// weight less what the system adds for inclusion ([`INCLUSION_WEIGHT`]).
pub const fn transaction_weight(gas: u64) -> Weight {
    let weight = pallet_evm::gas_to_weight(gas);
    Weight::from_parts(weight.ref_time.saturating_sub(INCLUSION_WEIGHT.ref_time), 0)
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

storage! {
    pallet = "Ethereum", config = Config;
    /// Receipts of the Ethereum transactions applied so far in the current block.
    pub type Pending = StorageValue<Vec<EthReceipt>, ValueQuery>;
    /// Gas used so far by the current block's Ethereum transactions.
    pub type PendingGasUsed = StorageValue<u64, ValueQuery>;
    /// The Ethereum facts of the last finished block.
    pub type CurrentBlock = StorageValue<EthBlockInfo, OptionQuery>;
    /// The receipts of the last finished block's Ethereum transactions.
    pub type CurrentReceipts = StorageValue<Vec<EthReceipt>, ValueQuery>;
    /// The base fee per gas of the current block (Frontier keeps it in `BaseFee`).
    pub type BaseFeePerGas = StorageValue<U256, ValueQuery>;
    /// The lowest base fee, from the chain spec.
    pub type MinBaseFeePerGas = StorageValue<U256, ValueQuery>;
}

/// Events of the Ethereum pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// An Ethereum transaction was executed (Frontier's event, with the gas used).
    Executed {
        /// The sender.
        from: AccountId20,
        /// The recipient, or the created contract's address.
        to: AccountId20,
        /// keccak256 of its EIP-2718 bytes.
        transaction_hash: H256,
        /// How it ended.
        exit_reason: EthCallStatus,
        /// Gas used, after refunds.
        gas_used: u64,
    },
}

pallet_error! {
    /// Errors of the Ethereum pallet.
    pub enum Error<T: Config> {
        /// The transaction cannot be applied: its validity changed since the pool saw it.
        InvalidTransaction,
        /// The EVM refused the transaction.
        Undefined,
    }
}

/// Calls of the Ethereum pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Executes a signed Ethereum transaction (unsigned extrinsic; the signature is the
    /// transaction's).
    #[codec(index = 0)]
    transact {
        /// The transaction's EIP-2718 bytes.
        transaction: Vec<u8>,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let Self::transact { transaction } = self;
        // The gas limit, read without checking anything else; a transaction that cannot be
        // decoded is refused by validation and never dispatched.
        let gas_limit =
            TxEnvelope::decode_2718(&mut &transaction[..]).map(|tx| tx.gas_limit()).unwrap_or(0);
        DispatchInfo {
            weight: transaction_weight(gas_limit),
            class: DispatchClass::Normal,
            // The sender pays for gas in the EVM, not by native fees.
            pays_fee: Pays::No,
        }
    }
}

/// A decoded and checked Ethereum transaction.
#[derive(Clone, Debug)]
pub struct CheckedTransaction {
    /// The sender, recovered from the signature.
    pub from: AccountId20,
    /// keccak256 of the EIP-2718 bytes.
    pub hash: H256,
    /// The EIP-2718 type.
    pub tx_type: u8,
    /// The nonce.
    pub nonce: u64,
    /// The gas limit.
    pub gas_limit: u64,
    /// The fee cap (the legacy gas price).
    pub max_fee_per_gas: u128,
    /// The tip cap (`None` for legacy and EIP-2930).
    pub max_priority_fee_per_gas: Option<u128>,
    /// The message it sends.
    pub message: Message,
}

impl CheckedTransaction {
    /// The price per gas it pays at `base_fee`: the base fee plus the tip, at most the cap.
    pub fn effective_gas_price(&self, base_fee: u128) -> u128 {
        match self.max_priority_fee_per_gas {
            Some(tip) => self.max_fee_per_gas.min(base_fee.saturating_add(tip)),
            None => self.max_fee_per_gas,
        }
    }
}

impl Call {
    /// Runs the call: only unsigned, as its signature is the transaction's.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        if origin != RawOrigin::None {
            return Err(DispatchError::BadOrigin.into());
        }
        let Self::transact { transaction } = self;
        let checked =
            Pallet::<T>::check(&transaction).map_err(|_| Error::<T>::InvalidTransaction)?;
        Pallet::<T>::apply(checked)
    }
}

fn custom(code: u8) -> TransactionValidityError {
    InvalidTransaction::Custom(code).into()
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The base fee per gas of the current block.
    pub fn base_fee() -> U256 {
        BaseFeePerGas::get()
    }

    /// Decodes `bytes` and checks what does not depend on the state: the type, the chain id,
    /// the signature (the host recovers the sender), the fee fields and the intrinsic gas.
    pub fn check(bytes: &[u8]) -> Result<CheckedTransaction, TransactionValidityError> {
        let mut input = bytes;
        let envelope =
            TxEnvelope::decode_2718(&mut input).map_err(|_| custom(invalid::MALFORMED))?;
        if !input.is_empty() {
            return Err(custom(invalid::MALFORMED));
        }
        if matches!(envelope, TxEnvelope::Eip4844(_) | TxEnvelope::Eip7702(_)) {
            return Err(custom(invalid::UNSUPPORTED_TYPE));
        }
        if envelope.chain_id() != Some(pallet_evm::Pallet::<T>::chain_id()) {
            return Err(custom(invalid::INVALID_CHAIN_ID));
        }
        let from = recover_sender(&envelope)?;
        let max_fee_per_gas = envelope.max_fee_per_gas();
        let max_priority_fee_per_gas = envelope
            .max_priority_fee_per_gas()
            .filter(|_| matches!(envelope, TxEnvelope::Eip1559(_)));
        if max_priority_fee_per_gas.is_some_and(|tip| tip > max_fee_per_gas) {
            return Err(custom(invalid::TIP_ABOVE_FEE_CAP));
        }
        let value = envelope.value();
        let value = U256::from_big_endian(&value.to_be_bytes::<32>());
        if value > U256::from(u128::MAX) {
            return Err(custom(invalid::VALUE_TOO_LARGE));
        }
        let kind = envelope.kind();
        let input_data = envelope.input().to_vec();
        if kind.is_create() && input_data.len() > revm::primitives::eip3860::MAX_INITCODE_SIZE {
            return Err(custom(invalid::INIT_CODE_TOO_LARGE));
        }
        let access_list: Vec<(AccountId20, Vec<H256>)> = envelope
            .access_list()
            .map(|list| {
                list.iter()
                    .map(|item| {
                        (
                            AccountId20(item.address.0 .0),
                            item.storage_keys.iter().map(|k| H256(k.0)).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let gas_limit = envelope.gas_limit();
        let storage_keys = access_list.iter().map(|(_, keys)| keys.len() as u64).sum();
        let intrinsic = revm::context_interface::cfg::gas::calculate_initial_tx_gas(
            pallet_evm::SPEC,
            &input_data,
            kind.is_create(),
            access_list.len() as u64,
            storage_keys,
            0,
            None,
        );
        if gas_limit < intrinsic.initial_total_gas().max(intrinsic.floor_gas()) {
            return Err(custom(invalid::INTRINSIC_GAS_TOO_LOW));
        }
        // geth's order: what no block could hold first, then the per-transaction cap.
        if gas_limit > T::BLOCK_GAS_LIMIT {
            return Err(InvalidTransaction::ExhaustsResources.into());
        }
        if gas_limit > pallet_evm::TX_GAS_LIMIT_CAP {
            return Err(custom(invalid::GAS_LIMIT_TOO_HIGH));
        }
        let nonce = envelope.nonce();
        let tx_type = envelope.tx_type() as u8;
        let message = Message {
            caller: from,
            kind: match kind {
                alloy_primitives::TxKind::Call(to) => TxKind::Call(to),
                alloy_primitives::TxKind::Create => TxKind::Create,
            },
            value,
            data: input_data,
            gas_limit,
            fees: Some(Fees { max_fee_per_gas, max_priority_fee_per_gas }),
            nonce: Some(nonce),
            access_list,
            tx_type,
        };
        Ok(CheckedTransaction {
            from,
            hash: H256(lux_io::hashing::keccak_256(bytes)),
            tx_type,
            nonce,
            gas_limit,
            max_fee_per_gas,
            max_priority_fee_per_gas,
            message,
        })
    }

    /// Checks what depends on the state: the fee cap against the base fee, the nonce (a used
    /// one is stale), and that the sender can pay `gas × fee cap + value`. Returns the nonce
    /// as the pool's tags see it.
    fn check_state(tx: &CheckedTransaction) -> Result<u32, TransactionValidityError> {
        let base_fee = Self::base_fee();
        if U256::from(tx.max_fee_per_gas) < base_fee {
            return Err(custom(invalid::FEE_CAP_TOO_LOW));
        }
        let account = pallet_evm::Pallet::<T>::account_basic(&tx.from);
        if tx.nonce < account.nonce {
            return Err(InvalidTransaction::Stale.into());
        }
        let cost = U256::from(tx.gas_limit)
            .checked_mul(U256::from(tx.max_fee_per_gas))
            .and_then(|fee| fee.checked_add(tx.message.value))
            .ok_or_else(|| custom(invalid::VALUE_TOO_LARGE))?;
        if cost > account.balance {
            return Err(InvalidTransaction::Payment.into());
        }
        u32::try_from(tx.nonce).map_err(|_| custom(invalid::VALUE_TOO_LARGE))
    }

    /// The pool's validity of `Ethereum.transact`: tags `(sender, nonce)` like native
    /// extrinsics (a future nonce waits for the previous one), priority by the tip per gas
    /// the transaction would pay now.
    pub fn validate_unsigned(call: &Call) -> TransactionValidity {
        let Call::transact { transaction } = call;
        let tx = Self::check(transaction)?;
        let nonce = Self::check_state(&tx)?;
        // A sender without an account is refused with `Payment`: it cannot pay.
        let mut valid = pallet_system::extensions::validate_nonce(&tx.from, nonce)?;
        let base_fee = u128::try_from(Self::base_fee()).unwrap_or(u128::MAX);
        let tip = tx.effective_gas_price(base_fee).saturating_sub(base_fee);
        valid.priority = u64::try_from(tip).unwrap_or(u64::MAX);
        valid.longevity = u64::MAX;
        Ok(valid)
    }

    /// In a block: the transaction must be valid, its nonce exactly the sender's, and its gas
    /// limit within what the block's Ethereum transactions have left of its gas limit (as on
    /// Ethereum; the block's weight alone would let them use more).
    pub fn pre_dispatch(call: &Call) -> Result<(), TransactionValidityError> {
        let Call::transact { transaction } = call;
        let tx = Self::check(transaction)?;
        let nonce = Self::check_state(&tx)?;
        if nonce != pallet_system::Pallet::<T>::account_nonce(&tx.from) {
            return Err(InvalidTransaction::Future.into());
        }
        if PendingGasUsed::get().saturating_add(tx.gas_limit) > T::BLOCK_GAS_LIMIT {
            return Err(InvalidTransaction::ExhaustsResources.into());
        }
        Ok(())
    }

    /// Executes a checked transaction and records its receipt.
    fn apply(tx: CheckedTransaction) -> DispatchResultWithPostInfo {
        let base_fee = u128::try_from(Self::base_fee()).unwrap_or(u128::MAX);
        let to = match tx.message.kind {
            TxKind::Call(to) => Some(pallet_evm::account(&to)),
            TxKind::Create => None,
        };
        let outcome = pallet_evm::Pallet::<T>::execute(tx.message.clone(), true)
            .map_err(|_| Error::<T>::Undefined)?;
        let mut logs_bloom = Bloom::default();
        for log in &outcome.logs {
            logs_bloom.accrue_hash(&lux_io::hashing::keccak_256(&log.address.0));
            for topic in &log.topics {
                logs_bloom.accrue_hash(&lux_io::hashing::keccak_256(&topic.0));
            }
        }
        let cumulative_gas_used = PendingGasUsed::get().saturating_add(outcome.gas_used);
        PendingGasUsed::put(cumulative_gas_used);
        let transaction_index = Pending::decode_len().unwrap_or(0);
        let receipt = EthReceipt {
            transaction_hash: tx.hash,
            transaction_index,
            extrinsic_index: pallet_system::Pallet::<T>::extrinsic_index(),
            transaction_type: tx.tx_type,
            from: tx.from,
            to,
            contract_address: outcome.contract_address,
            status: outcome.status == EthCallStatus::Success,
            gas_used: outcome.gas_used,
            cumulative_gas_used,
            effective_gas_price: U256::from(tx.effective_gas_price(base_fee)),
            logs: outcome.logs,
            logs_bloom,
        };
        Pending::append(&receipt);
        Self::deposit_event(Event::Executed {
            from: tx.from,
            to: to.or(outcome.create_address).unwrap_or_default(),
            transaction_hash: tx.hash,
            exit_reason: outcome.status,
            gas_used: outcome.gas_used,
        });
        Ok(PostDispatchInfo {
            actual_weight: Some(transaction_weight(outcome.gas_used)),
            pays_fee: Pays::No,
        })
    }

    /// The next block's base fee (EIP-1559) after a block that used `gas_used` of `limit`.
    pub fn next_base_fee(base_fee: U256, gas_used: u64, limit: u64, floor: U256) -> U256 {
        let target = (limit / ELASTICITY_MULTIPLIER).max(1);
        let next = if gas_used > target {
            let delta = base_fee * U256::from(gas_used - target)
                / U256::from(target)
                / U256::from(BASE_FEE_MAX_CHANGE_DENOMINATOR);
            base_fee.saturating_add(delta.max(U256::one()))
        } else {
            let delta = base_fee * U256::from(target - gas_used)
                / U256::from(target)
                / U256::from(BASE_FEE_MAX_CHANGE_DENOMINATOR);
            base_fee.saturating_sub(delta)
        };
        next.max(floor)
    }

    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![ConstantMeta::new(
                "ElasticityMultiplier",
                &ELASTICITY_MULTIPLIER,
                &["A block's gas target is its gas limit divided by this."]
            )],
            docs: &["Ethereum transactions, their receipts and the EIP-1559 base fee."],
        }
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(_n: lux_primitives::BlockNumber) -> Weight {
        // Reads and writes of `on_finalize`.
        Weight::from_parts(50 * lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS, 0)
    }

    fn on_finalize(_n: lux_primitives::BlockNumber) {
        let receipts = Pending::take();
        let gas_used = PendingGasUsed::take();
        let mut logs_bloom = Bloom::default();
        for receipt in &receipts {
            logs_bloom.accrue_bloom(&receipt.logs_bloom);
        }
        let base_fee = Self::base_fee();
        CurrentBlock::put(EthBlockInfo {
            author: T::FindAuthor::find_author().unwrap_or_default(),
            gas_limit: T::BLOCK_GAS_LIMIT,
            gas_used,
            base_fee_per_gas: base_fee,
            logs_bloom,
            timestamp_ms: pallet_timestamp::Pallet::<T>::now(),
        });
        if receipts.is_empty() {
            CurrentReceipts::kill();
        } else {
            CurrentReceipts::put(receipts);
        }
        let next =
            Self::next_base_fee(base_fee, gas_used, T::BLOCK_GAS_LIMIT, MinBaseFeePerGas::get());
        if next != base_fee {
            BaseFeePerGas::put(next);
        }
    }
}

impl<T: Config> pallet_evm::FeeMarket for Pallet<T> {
    fn base_fee() -> U256 {
        BaseFeePerGas::get()
    }
}

/// The sender of a signed transaction, recovered by the host. High-`s` signatures are
/// refused (EIP-2), as Ethereum nodes do.
fn recover_sender(envelope: &TxEnvelope) -> Result<AccountId20, TransactionValidityError> {
    if envelope.signature().normalize_s().is_some() {
        return Err(InvalidTransaction::BadProof.into());
    }
    let (sig, message) = packed_signature(envelope);
    let public = lux_io::crypto::secp256k1_ecdsa_recover(&sig, &message)
        .map_err(|_| InvalidTransaction::BadProof)?;
    Ok(AccountId20::from_public_key_with(&public, lux_io::hashing::keccak_256))
}

/// A transaction's signature as the host recovers it (`r ++ s ++ v`), and the signed hash.
fn packed_signature(envelope: &TxEnvelope) -> ([u8; 65], [u8; 32]) {
    let signature = envelope.signature();
    let mut sig = [0u8; 65];
    sig[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    sig[32..64].copy_from_slice(&signature.s().to_be_bytes::<32>());
    sig[64] = u8::from(signature.v());
    (sig, envelope.signature_hash().0)
}

/// The (signature, message) pair of an Ethereum transaction, for the host to recover before
/// executing a block (with the native extrinsics' signatures).
pub fn signed_message(transaction: &[u8]) -> Option<([u8; 65], [u8; 32])> {
    let envelope = TxEnvelope::decode_2718(&mut &transaction[..]).ok()?;
    Some(packed_signature(&envelope))
}

/// Genesis configuration: the base fee's floor (and its first value).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// The lowest base fee per gas, in wei.
    pub min_base_fee_per_gas: u128,
}

impl GenesisConfig {
    /// Writes the base fee.
    pub fn build<T: Config>(&self) -> Result<(), alloc::string::String> {
        MinBaseFeePerGas::put(U256::from(self.min_base_fee_per_gas));
        BaseFeePerGas::put(U256::from(self.min_base_fee_per_gas));
        Ok(())
    }
}
