//! The Ethereum view of the chain, shared by the runtime's `EVM` and `Ethereum` pallets and the
//! node's Ethereum JSON-RPC.
//!
//! Ethereum transactions enter the chain as the unsigned extrinsic `Ethereum.transact`, whose
//! only argument is the transaction's EIP-2718 bytes (a legacy RLP list, or a type byte and an
//! RLP payload), exactly what `eth_sendRawTransaction` receives. The Ethereum pallet keeps the
//! last block's [`EthBlockInfo`] and [`EthReceipt`]s in state; the node reads them with the
//! `EthereumApi` runtime API right after importing a block and indexes them.
//!
//! The Ethereum view of a block uses the block's own hash: an Ethereum client sees the same
//! block hashes as a Substrate client, and no second hash has to be mapped.

use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use primitive_types::{H256, U256};
use scale_info::TypeInfo;

use crate::AccountId20;

/// The `Ethereum` pallet's index in the runtime (`Ethereum.transact` is its call 0).
pub const ETHEREUM_PALLET_INDEX: u8 = 21;
/// The most gas one transaction may use (EIP-7825, from Osaka on: 2²⁴).
pub const MAX_TX_GAS: u64 = 1 << 24;
/// `Ethereum.transact`'s call index.
pub const TRANSACT_CALL_INDEX: u8 = 0;

/// Names of the `EthereumApi` runtime API's functions (the node calls them by name).
pub mod api {
    /// `() -> u64`: the chain id (EIP-155) from the chain spec.
    pub const CHAIN_ID: &str = "EthereumApi_chain_id";
    /// `(AccountId20) -> EthAccount`: balance and nonce.
    pub const ACCOUNT: &str = "EthereumApi_account";
    /// `(AccountId20) -> Vec<u8>`: the code deployed at an address (empty for none).
    pub const CODE: &str = "EthereumApi_code";
    /// `(AccountId20, H256) -> H256`: a contract's storage slot.
    pub const STORAGE_AT: &str = "EthereumApi_storage_at";
    /// `(EthCallRequest, bool estimate) -> Result<EthCallResult, String>`: executes a call
    /// against this state without keeping its changes (`eth_call`, `eth_estimateGas`). The
    /// error is geth's message for a transaction that cannot run at all.
    pub const CALL: &str = "EthereumApi_call";
    /// `(EthCallRequest) -> Result<EthAccessListResult, String>` (version 2 of the API): the
    /// access list a call would use, and its gas with that list (`eth_createAccessList`);
    /// the error as for [`CALL`].
    pub const ACCESS_LIST: &str = "EthereumApi_access_list";
    /// `() -> U256`: the base fee per gas of the next block.
    pub const GAS_PRICE: &str = "EthereumApi_gas_price";
    /// `() -> u64`: a block's gas limit (derived from its weight limit).
    pub const BLOCK_GAS_LIMIT: &str = "EthereumApi_block_gas_limit";
    /// `() -> Option<EthBlockInfo>`: the Ethereum facts of the block whose state this is.
    pub const CURRENT_BLOCK: &str = "EthereumApi_current_block";
    /// `() -> Vec<EthReceipt>`: the receipts of that block's Ethereum transactions, in order.
    pub const CURRENT_RECEIPTS: &str = "EthereumApi_current_receipts";
    /// `(Vec<u8>) -> Vec<u8>`: the encoded extrinsic that carries an Ethereum transaction's
    /// EIP-2718 bytes (what the node submits to its pool for `eth_sendRawTransaction`).
    pub const TRANSACTION_EXTRINSIC: &str = "EthereumApi_transaction_extrinsic";
}

/// Why the pool refuses an Ethereum transaction: `InvalidTransaction::Custom` codes of the
/// Ethereum pallet. The standard reasons map too: `Stale` is "nonce too low", `Payment` is
/// "insufficient funds for gas * price + value", `ExhaustsResources` is "exceeds block gas
/// limit", `BadProof` is "invalid sender".
pub mod invalid {
    use crate::transaction::InvalidTransaction;

    /// The gas limit is below what the transaction needs before execution.
    pub const INTRINSIC_GAS_TOO_LOW: u8 = 1;
    /// The chain id is missing (a pre-EIP-155 transaction) or another chain's.
    pub const INVALID_CHAIN_ID: u8 = 2;
    /// The fee cap (or legacy gas price) is below the block's base fee.
    pub const FEE_CAP_TOO_LOW: u8 = 3;
    /// The tip cap is above the fee cap.
    pub const TIP_ABOVE_FEE_CAP: u8 = 4;
    /// Blob (type 3) and set-code (type 4) transactions are not supported.
    pub const UNSUPPORTED_TYPE: u8 = 5;
    /// The bytes are not an EIP-2718 transaction.
    pub const MALFORMED: u8 = 6;
    /// Init code above EIP-3860's limit (49,152 bytes).
    pub const INIT_CODE_TOO_LARGE: u8 = 7;
    /// A value or fee that does not fit the native balance type.
    pub const VALUE_TOO_LARGE: u8 = 8;
    /// A gas limit above what one transaction may use (EIP-7825's cap, 2²⁴) that the block
    /// could still hold.
    pub const GAS_LIMIT_TOO_HIGH: u8 = 9;

    /// geth's message for a refused Ethereum transaction (what `eth_sendRawTransaction`
    /// answers), or `None` if this reason has no Ethereum meaning.
    pub fn message(reason: &InvalidTransaction) -> Option<&'static str> {
        Some(match reason {
            InvalidTransaction::Stale => "nonce too low",
            InvalidTransaction::Payment => "insufficient funds for gas * price + value",
            InvalidTransaction::ExhaustsResources => "exceeds block gas limit",
            InvalidTransaction::BadProof => "invalid sender",
            InvalidTransaction::Custom(INTRINSIC_GAS_TOO_LOW) => "intrinsic gas too low",
            InvalidTransaction::Custom(INVALID_CHAIN_ID) => "invalid chain id for signer",
            InvalidTransaction::Custom(FEE_CAP_TOO_LOW) => {
                "max fee per gas less than block base fee"
            }
            InvalidTransaction::Custom(TIP_ABOVE_FEE_CAP) => {
                "max priority fee per gas higher than max fee per gas"
            }
            InvalidTransaction::Custom(UNSUPPORTED_TYPE) => "transaction type not supported",
            InvalidTransaction::Custom(MALFORMED) => "rlp: invalid transaction",
            InvalidTransaction::Custom(INIT_CODE_TOO_LARGE) => "max initcode size exceeded",
            InvalidTransaction::Custom(VALUE_TOO_LARGE) => "value or fee too large",
            InvalidTransaction::Custom(GAS_LIMIT_TOO_HIGH) => "transaction gas limit too high",
            _ => return None,
        })
    }
}

/// A 2048-bit Ethereum logs bloom.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Bloom(pub [u8; 256]);

impl Default for Bloom {
    fn default() -> Self {
        Self([0; 256])
    }
}

impl core::fmt::Debug for Bloom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Bloom(0x{})", hex::encode(self.0))
    }
}

impl Bloom {
    /// Adds an item given its keccak256 hash (of an address or a topic): three bits, each
    /// chosen by 11 bits of a pair of the hash's first six bytes (the Yellow Paper's M3:2048).
    pub fn accrue_hash(&mut self, hash: &[u8; 32]) {
        for i in [0usize, 2, 4] {
            let bit = (usize::from(hash[i]) << 8 | usize::from(hash[i + 1])) & 2047;
            self.0[255 - bit / 8] |= 1 << (bit % 8);
        }
    }

    /// Adds every bit of `other`.
    pub fn accrue_bloom(&mut self, other: &Bloom) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
    }

    /// Whether every bit of the item with this keccak256 hash is set (it may be present).
    pub fn contains_hash(&self, hash: &[u8; 32]) -> bool {
        let mut probe = Bloom::default();
        probe.accrue_hash(hash);
        probe.0.iter().zip(self.0.iter()).all(|(p, s)| p & s == *p)
    }
}

/// A log emitted by a contract (`LOG0`..`LOG4`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthLog {
    /// The contract that emitted it.
    pub address: AccountId20,
    /// Its topics (0 to 4).
    pub topics: Vec<H256>,
    /// Its data.
    pub data: Vec<u8>,
}

/// The receipt of an Ethereum transaction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthReceipt {
    /// keccak256 of the transaction's EIP-2718 bytes.
    pub transaction_hash: H256,
    /// Its position among the block's Ethereum transactions.
    pub transaction_index: u32,
    /// Its position among the block's extrinsics.
    pub extrinsic_index: u32,
    /// The EIP-2718 type: 0 legacy, 1 EIP-2930, 2 EIP-1559.
    pub transaction_type: u8,
    /// The sender.
    pub from: AccountId20,
    /// The recipient (`None` for a contract creation).
    pub to: Option<AccountId20>,
    /// The created contract, for a successful creation.
    pub contract_address: Option<AccountId20>,
    /// Whether execution succeeded (status 1) or reverted or halted (status 0).
    pub status: bool,
    /// Gas used by this transaction (after refunds).
    pub gas_used: u64,
    /// Gas used by the block's Ethereum transactions up to and including this one.
    pub cumulative_gas_used: u64,
    /// The price per gas actually paid (base fee plus the tip).
    pub effective_gas_price: U256,
    /// Its logs.
    pub logs: Vec<EthLog>,
    /// The bloom of its logs.
    pub logs_bloom: Bloom,
}

/// The Ethereum facts of a block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthBlockInfo {
    /// The block author's account (the EVM's `COINBASE`; it receives the tips).
    pub author: AccountId20,
    /// The block's gas limit.
    pub gas_limit: u64,
    /// Gas used by its Ethereum transactions.
    pub gas_used: u64,
    /// The base fee per gas its transactions paid (burned).
    pub base_fee_per_gas: U256,
    /// The bloom of all its logs.
    pub logs_bloom: Bloom,
    /// Its timestamp, in milliseconds.
    pub timestamp_ms: u64,
}

/// An account as the EVM sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthAccount {
    /// Its balance in wei (1 wei is the native unit, 10⁻¹⁸ LUX): what it can spend.
    pub balance: U256,
    /// Its nonce (shared with native extrinsics).
    pub nonce: u64,
}

/// A call to execute without a transaction (`eth_call`, `eth_estimateGas`). Unset fields get
/// Ethereum nodes' defaults: the zero address as sender, the block gas limit, a zero gas price
/// (no balance needed for gas); the nonce is not checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthCallRequest {
    /// The sender.
    pub from: Option<AccountId20>,
    /// The recipient; `None` creates a contract from `data`.
    pub to: Option<AccountId20>,
    /// Input, or init code for a creation.
    pub data: Vec<u8>,
    /// Value in wei.
    pub value: U256,
    /// Gas limit.
    pub gas: Option<u64>,
    /// Legacy gas price.
    pub gas_price: Option<U256>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<U256>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<U256>,
    /// Nonce (not checked, as geth does not check it).
    pub nonce: Option<u64>,
    /// EIP-2930 access list.
    pub access_list: Vec<(AccountId20, Vec<H256>)>,
}

/// Accounts, each with storage slots of theirs, as an EIP-2930 access list. (The runtime API
/// types spell it out: the metadata names each field's type as written.)
pub type AccessList = Vec<(AccountId20, Vec<H256>)>;

/// How an executed call ended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum EthCallStatus {
    /// It returned.
    Success,
    /// It reverted (`REVERT`); the output is the revert data.
    Revert,
    /// It halted exceptionally (out of gas, invalid opcode, ...), with the reason.
    Halt(String),
}

/// The result of an executed call.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthCallResult {
    /// How it ended.
    pub status: EthCallStatus,
    /// Return or revert data.
    pub output: Vec<u8>,
    /// Gas used (after refunds).
    pub gas_used: u64,
    /// The created contract, for a successful creation.
    pub contract_address: Option<AccountId20>,
}

/// What `eth_createAccessList` answers: the access list a call uses (what it was given, and
/// every account and storage slot its execution with that list touches, less what a
/// transaction has warm anyway), and the result of executing it with that list.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EthAccessListResult {
    /// Accounts, each with its storage slots, sorted.
    pub access_list: Vec<(AccountId20, Vec<H256>)>,
    /// The call executed with that list.
    pub result: EthCallResult,
}

/// The EIP-2718 bytes carried by an encoded extrinsic, if it is an unsigned
/// `Ethereum.transact` (what the node indexes and serves as `eth_getTransactionByHash`).
pub fn transact_payload(extrinsic: &[u8]) -> Option<Vec<u8>> {
    let mut input = extrinsic;
    let _len = codec::Compact::<u32>::decode(&mut input).ok()?;
    let [version, pallet, call, rest @ ..] = input else { return None };
    if *version != 0x04 || *pallet != ETHEREUM_PALLET_INDEX || *call != TRANSACT_CALL_INDEX {
        return None;
    }
    let mut rest = rest;
    let payload = Vec::<u8>::decode(&mut rest).ok()?;
    rest.is_empty().then_some(payload)
}

/// The encoded extrinsic that carries `transaction` (EIP-2718 bytes): an unsigned
/// `Ethereum.transact`, as the runtime's `EthereumApi_transaction_extrinsic` makes it. The
/// node wraps submissions itself, the inverse of [`transact_payload`], rather than call the
/// runtime for each.
pub fn transact_extrinsic(transaction: &[u8]) -> Vec<u8> {
    let mut xt = Vec::with_capacity(transaction.len() + 8);
    xt.extend_from_slice(&[0x04, ETHEREUM_PALLET_INDEX, TRANSACT_CALL_INDEX]);
    transaction.encode_to(&mut xt);
    xt.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transact_extrinsic_is_what_transact_payload_reads() {
        let raw = vec![0x02, 0xf8, 0x01];
        assert_eq!(transact_payload(&transact_extrinsic(&raw)), Some(raw));
    }

    #[test]
    fn transact_payload_reads_only_transact() {
        let raw = vec![0x02, 0xf8, 0x01];
        let mut xt = vec![0x04, ETHEREUM_PALLET_INDEX, TRANSACT_CALL_INDEX];
        raw.encode_to(&mut xt);
        let encoded = xt.encode();
        assert_eq!(transact_payload(&encoded), Some(raw.clone()));
        let mut other = vec![0x04, ETHEREUM_PALLET_INDEX + 1, TRANSACT_CALL_INDEX];
        raw.encode_to(&mut other);
        assert_eq!(transact_payload(&other.encode()), None);
        let mut trailing = xt.clone();
        trailing.push(0);
        assert_eq!(transact_payload(&trailing.encode()), None);
    }

    #[test]
    fn bloom_sets_the_yellow_papers_bits() {
        // keccak256 of the zero address starts 53 80 c7 b7 ae 81: bits 0x380, 0x7b7 and
        // 0x681 (the low 11 bits of each pair), counted from the bloom's last byte.
        let hash: [u8; 32] =
            hex::decode("5380c7b7ae81a58eb98d9c78de4a1fd7fd9535fc953ed2be602daaa41767312a")
                .expect("hex")
                .try_into()
                .expect("32 bytes");
        let mut bloom = Bloom::default();
        bloom.accrue_hash(&hash);
        let mut expected = [0u8; 256];
        expected[255 - 0x380 / 8] = 1 << (0x380 % 8);
        expected[255 - 0x7b7 / 8] = 1 << (0x7b7 % 8);
        expected[255 - 0x681 / 8] = 1 << (0x681 % 8);
        assert_eq!(bloom.0, expected);
        assert!(bloom.contains_hash(&hash));
        assert!(!bloom.contains_hash(&[0x11; 32]));
    }
}
