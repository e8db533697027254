//! The runtime APIs the node and clients call: `Core`, `BlockBuilder`,
//! `TaggedTransactionQueue`, `AccountNonceApi`, `TransactionPaymentApi`, `GenesisBuilder` and
//! LuxTensor's `LuxConsensusApi`, `LuxBlockApi` and `TryRuntime` (migrations on demand). Names, argument and result encodings are Substrate's; the
//! versions are listed in [`crate::RUNTIME_API_VERSIONS`].

use alloc::string::String;
use alloc::vec::Vec;
use codec::Encode;
use lux_primitives::consensus::{EpochDescriptor, EquivocationProof, FinalitySet};
use lux_primitives::dispatch::{FeeDetails, RuntimeDispatchInfo};
use lux_primitives::inherent::{CheckInherentsResult, InherentData};
use lux_primitives::transaction::{ApplyExtrinsicResult, TransactionSource, TransactionValidity};
use lux_primitives::{
    AccountId20, Balance, Nonce, OpaqueMetadata, RuntimeVersion, Sr25519Public, H256,
};
use lux_support::{GetDispatchInfo, Weight};

use lux_support::Hooks;

use crate::{
    executive, genesis_config_presets, metadata, AllPallets, Block, Ethereum, Header, Session,
    System, TransactionPayment, UncheckedExtrinsic, EVM, VERSION,
};
use lux_primitives::ethereum::{
    EthAccessListResult, EthAccount, EthBlockInfo, EthCallRequest, EthCallResult, EthReceipt,
};
use lux_primitives::U256;

lux_support::runtime_apis! {
    /// The runtime's version.
    fn Core_version() -> RuntimeVersion {
        VERSION
    }

    /// Executes a block (with its seal removed); panics if it is invalid.
    fn Core_execute_block(block: Block) -> () {
        executive::execute_block(block)
    }

    /// Starts building a block on top of the state this is called on.
    fn Core_initialize_block(header: Header) -> () {
        executive::initialize_block(&header)
    }

    /// The metadata, V14.
    fn Metadata_metadata() -> OpaqueMetadata {
        OpaqueMetadata(metadata::v14().encode())
    }

    /// The metadata of a given version, if this runtime provides it.
    fn Metadata_metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
        metadata::at_version(version).map(OpaqueMetadata)
    }

    /// The metadata versions this runtime provides.
    fn Metadata_metadata_versions() -> Vec<u32> {
        metadata::VERSIONS.to_vec()
    }

    /// Applies an extrinsic to the block being built.
    fn BlockBuilder_apply_extrinsic(extrinsic: UncheckedExtrinsic) -> ApplyExtrinsicResult {
        executive::apply_extrinsic(extrinsic)
    }

    /// Finishes the block being built; returns its header.
    fn BlockBuilder_finalize_block() -> Header {
        executive::finalize_block()
    }

    /// The inherent extrinsics for the given inherent data.
    fn BlockBuilder_inherent_extrinsics(data: InherentData) -> Vec<UncheckedExtrinsic> {
        executive::inherent_extrinsics(data)
    }

    /// Checks a block's inherents against the local inherent data.
    fn BlockBuilder_check_inherents(block: Block, data: InherentData) -> CheckInherentsResult {
        executive::check_inherents(block, data)
    }

    /// Validates a transaction for the pool.
    fn TaggedTransactionQueue_validate_transaction(
        source: TransactionSource,
        tx: UncheckedExtrinsic,
        block_hash: H256,
    ) -> TransactionValidity {
        executive::validate_transaction(source, tx, block_hash)
    }

    /// The next nonce of an account.
    fn AccountNonceApi_account_nonce(account: AccountId20) -> Nonce {
        System::account_nonce(&account)
    }

    /// Weight, class and fee (without tip) of an extrinsic of `len` bytes.
    fn TransactionPaymentApi_query_info(uxt: UncheckedExtrinsic, len: u32) -> RuntimeDispatchInfo<Balance> {
        let info = uxt.function.get_dispatch_info();
        TransactionPayment::query_info(len, &info, uxt.signature.is_some())
    }

    /// The parts of the fee of an extrinsic of `len` bytes.
    fn TransactionPaymentApi_query_fee_details(uxt: UncheckedExtrinsic, len: u32) -> FeeDetails<Balance> {
        let info = uxt.function.get_dispatch_info();
        let tip = uxt.signature.as_ref().map_or(0, |(_, _, extra)| extra.tip);
        TransactionPayment::query_fee_details(len, &info, tip, uxt.signature.is_some())
    }

    /// The fee for a weight.
    fn TransactionPaymentApi_query_weight_to_fee(weight: Weight) -> Balance {
        TransactionPayment::weight_to_fee(weight)
    }

    /// The fee for a length.
    fn TransactionPaymentApi_query_length_to_fee(len: u32) -> Balance {
        TransactionPayment::length_to_fee(len)
    }

    /// Writes the genesis state described by a full genesis config in JSON.
    fn GenesisBuilder_build_state(json: Vec<u8>) -> Result<(), String> {
        genesis_config_presets::build_state(&json)
    }

    /// The JSON of a named preset's patch, or of the default config for `None`.
    fn GenesisBuilder_get_preset(id: Option<String>) -> Option<Vec<u8>> {
        genesis_config_presets::get_preset(id.as_deref())
    }

    /// The names of the presets.
    fn GenesisBuilder_preset_names() -> Vec<String> {
        genesis_config_presets::preset_names()
    }

    /// The secp256k1 signatures of a block's signed extrinsics with the messages they sign,
    /// so the host can recover them on several threads while it executes the block. Called
    /// on the parent's state with the block's header (version 2; version 1 took the
    /// extrinsics alone and computed the messages as of the parent block).
    fn LuxBlockApi_signed_messages(header: Header, extrinsics: Vec<UncheckedExtrinsic>) -> Vec<([u8; 65], [u8; 32])> {
        executive::signed_messages(&header, extrinsics)
    }

    /// Length of a slot, in milliseconds.
    fn LuxConsensusApi_slot_duration() -> u64 {
        Session::slot_duration()
    }

    /// The block authors' session keys, in authority-index order.
    fn LuxConsensusApi_authorities() -> Vec<Sr25519Public> {
        Session::authority_keys()
    }

    /// The epoch a block in `slot` built on this state belongs to: its index, slots,
    /// randomness and weighted authorities.
    fn LuxConsensusApi_epoch(slot: u64) -> EpochDescriptor {
        Session::epoch_for_slot(slot)
    }

    /// The epoch of this state's block.
    fn LuxConsensusApi_current_epoch() -> EpochDescriptor {
        Session::current_epoch()
    }

    /// The finality voters (with their set id) that finalize this block's children.
    fn LuxConsensusApi_finality_set() -> FinalitySet {
        Session::finality_set()
    }

    /// The unsigned extrinsic that reports an equivocation (the node submits it to its pool).
    fn LuxConsensusApi_report_equivocation(proof: EquivocationProof) -> UncheckedExtrinsic {
        executive::equivocation_report(proof)
    }

    /// Runs every pallet's `on_runtime_upgrade` now, as the first block of a new version
    /// does, and returns the weight the migrations used and a block's maximum weight
    /// (`luxtensor try-runtime` runs it on a copy of a chain's state). `checks` (Substrate's
    /// `UpgradeCheckSelect`) is accepted and ignored: the migrations check their storage
    /// version themselves.
    fn TryRuntime_on_runtime_upgrade(checks: u8) -> (Weight, Weight) {
        let _ = checks;
        (AllPallets::on_runtime_upgrade(), crate::configs::BLOCK_WEIGHTS.max_block)
    }

    /// The chain id of Ethereum transactions (EIP-155).
    fn EthereumApi_chain_id() -> u64 {
        EVM::chain_id()
    }

    /// An account's balance (spendable, in wei) and nonce.
    fn EthereumApi_account(address: AccountId20) -> EthAccount {
        EVM::account_basic(&address)
    }

    /// The code at an address.
    fn EthereumApi_code(address: AccountId20) -> Vec<u8> {
        EVM::code(&address)
    }

    /// A contract's storage slot.
    fn EthereumApi_storage_at(address: AccountId20, key: H256) -> H256 {
        EVM::storage_at(&address, &key)
    }

    /// Executes a call on this state without keeping its changes (`eth_call`,
    /// `eth_estimateGas`); the error is geth's message for a call that cannot run.
    fn EthereumApi_call(request: EthCallRequest, estimate: bool) -> Result<EthCallResult, String> {
        crate::ethereum::call(request, estimate)
    }

    /// The access list a call uses and its execution with it (`eth_createAccessList`).
    fn EthereumApi_access_list(request: EthCallRequest) -> Result<EthAccessListResult, String> {
        crate::ethereum::access_list(request)
    }

    /// The base fee per gas of the next block.
    fn EthereumApi_gas_price() -> U256 {
        Ethereum::base_fee()
    }

    /// A block's gas limit.
    fn EthereumApi_block_gas_limit() -> u64 {
        crate::configs::BLOCK_GAS_LIMIT
    }

    /// The Ethereum facts of the block whose state this is.
    fn EthereumApi_current_block() -> Option<EthBlockInfo> {
        pallet_ethereum::CurrentBlock::get()
    }

    /// The receipts of that block's Ethereum transactions.
    fn EthereumApi_current_receipts() -> Vec<EthReceipt> {
        pallet_ethereum::CurrentReceipts::get()
    }

    /// The encoded unsigned `Ethereum.transact` extrinsic carrying `transaction`.
    fn EthereumApi_transaction_extrinsic(transaction: Vec<u8>) -> Vec<u8> {
        let call = pallet_ethereum::Call::transact { transaction };
        UncheckedExtrinsic::new_unsigned(call.into()).encode()
    }
}
