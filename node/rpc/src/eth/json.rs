//! The JSON objects of the Ethereum JSON-RPC, with geth's field names and encodings: block
//! headers and blocks, transactions, receipts and logs.

use lux_primitives::ethereum::{EthLog, EthReceipt};
use lux_primitives::{AccountId20, H256, U256};
use serde::Serialize;

use super::index::EthBlock;
use super::transaction::EthTransaction;
use super::tries::EMPTY_UNCLES_HASH;
use super::types::{Address, Data, Quantity};

/// A block header (what `newHeads` notifications carry, and the start of a block).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcHeader {
    pub hash: H256,
    pub parent_hash: H256,
    pub sha3_uncles: H256,
    pub miner: Address,
    pub state_root: H256,
    pub transactions_root: H256,
    pub receipts_root: H256,
    pub logs_bloom: Data,
    pub difficulty: Quantity,
    pub number: Quantity,
    pub gas_limit: Quantity,
    pub gas_used: Quantity,
    pub timestamp: Quantity,
    pub extra_data: Data,
    pub mix_hash: H256,
    pub nonce: Data,
    pub base_fee_per_gas: Quantity,
}

impl RpcHeader {
    pub fn new(block: &EthBlock) -> Self {
        let info = &block.record.info;
        Self {
            hash: block.hash,
            parent_hash: block.header.parent_hash,
            sha3_uncles: EMPTY_UNCLES_HASH,
            miner: Address(info.author),
            state_root: block.header.state_root,
            transactions_root: block.record.transactions_root,
            receipts_root: block.record.receipts_root,
            logs_bloom: Data(info.logs_bloom.0.to_vec()),
            difficulty: Quantity::default(),
            number: block.header.number.into(),
            gas_limit: info.gas_limit.into(),
            gas_used: info.gas_used.into(),
            timestamp: block.timestamp().into(),
            extra_data: Data::default(),
            mix_hash: H256::zero(),
            nonce: Data(vec![0; 8]),
            base_fee_per_gas: info.base_fee_per_gas.into(),
        }
    }
}

/// A block's transactions: hashes, or full objects.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum BlockTransactions {
    Hashes(Vec<H256>),
    Full(Vec<RpcTransaction>),
}

/// A block.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcBlock {
    #[serde(flatten)]
    pub header: RpcHeader,
    pub total_difficulty: Quantity,
    pub size: Quantity,
    pub transactions: BlockTransactions,
    pub uncles: Vec<H256>,
}

impl RpcBlock {
    /// The block with its transactions, as hashes or (with their receipts, for the sender
    /// and price paid) full objects.
    pub fn new(block: &EthBlock, receipts: &[EthReceipt], full: bool) -> Self {
        let transactions = if full {
            BlockTransactions::Full(
                (0..block.record.transactions.len())
                    .filter_map(|index| RpcTransaction::mined(block, receipts, index))
                    .collect(),
            )
        } else {
            BlockTransactions::Hashes(
                block
                    .record
                    .transactions
                    .iter()
                    .map(|tx| H256(lux_primitives::hashing::keccak_256(tx)))
                    .collect(),
            )
        };
        Self {
            header: RpcHeader::new(block),
            total_difficulty: Quantity::default(),
            size: block.record.size.into(),
            transactions,
            uncles: Vec::new(),
        }
    }
}

/// An access list entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcAccessListItem {
    pub address: Address,
    pub storage_keys: Vec<H256>,
}

/// A transaction. `blockHash`, `blockNumber` and `transactionIndex` are null while it waits in
/// the pool.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcTransaction {
    pub block_hash: Option<H256>,
    pub block_number: Option<Quantity>,
    pub transaction_index: Option<Quantity>,
    pub hash: H256,
    #[serde(rename = "type")]
    pub tx_type: Quantity,
    pub from: Address,
    pub to: Option<Address>,
    pub nonce: Quantity,
    pub gas: Quantity,
    pub gas_price: Quantity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_fee_per_gas: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_priority_fee_per_gas: Option<Quantity>,
    pub value: Quantity,
    pub input: Data,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_list: Option<Vec<RpcAccessListItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<Quantity>,
    pub v: Quantity,
    pub r: Quantity,
    pub s: Quantity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y_parity: Option<Quantity>,
}

impl RpcTransaction {
    /// A transaction as decoded, with its sender and the price per gas it shows: what it paid
    /// once mined, its fee cap while pending (as geth shows both).
    pub fn new(tx: &EthTransaction, from: AccountId20, gas_price: U256) -> Self {
        let typed = tx.tx_type != 0;
        Self {
            block_hash: None,
            block_number: None,
            transaction_index: None,
            hash: tx.hash,
            tx_type: u64::from(tx.tx_type).into(),
            from: Address(from),
            to: tx.to.map(Address),
            nonce: tx.nonce.into(),
            gas: tx.gas.into(),
            gas_price: gas_price.into(),
            max_fee_per_gas: tx.max_priority_fee_per_gas.map(|_| tx.max_fee_per_gas.into()),
            max_priority_fee_per_gas: tx.max_priority_fee_per_gas.map(Quantity),
            value: tx.value.into(),
            input: Data(tx.input.clone()),
            access_list: tx.access_list.as_ref().map(|list| {
                list.iter()
                    .map(|(address, keys)| RpcAccessListItem {
                        address: Address(*address),
                        storage_keys: keys.clone(),
                    })
                    .collect()
            }),
            chain_id: tx.chain_id.map(Quantity::from),
            v: tx.v().into(),
            r: tx.r.into(),
            s: tx.s.into(),
            y_parity: typed.then(|| u64::from(tx.y_parity).into()),
        }
    }

    /// A transaction still in the pool (its sender recovered from the signature).
    pub fn pending(tx: &EthTransaction) -> Option<Self> {
        let from = tx.recover_sender()?;
        Some(Self::new(tx, from, tx.max_fee_per_gas))
    }

    /// Transaction `index` of `block`; `None` if there is none or it does not decode.
    pub fn mined(block: &EthBlock, receipts: &[EthReceipt], index: usize) -> Option<Self> {
        let raw = block.record.transactions.get(index)?;
        let tx = EthTransaction::decode(raw).ok()?;
        let receipt = receipts.get(index).filter(|r| r.transaction_hash == tx.hash);
        let from = match receipt {
            Some(receipt) => receipt.from,
            None => tx.recover_sender()?,
        };
        let gas_price = receipt.map_or_else(
            || tx.effective_gas_price(block.record.info.base_fee_per_gas),
            |r| r.effective_gas_price,
        );
        let mut rpc = Self::new(&tx, from, gas_price);
        rpc.block_hash = Some(block.hash);
        rpc.block_number = Some(block.header.number.into());
        rpc.transaction_index = Some((index as u64).into());
        Some(rpc)
    }
}

/// A log, where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcLog {
    pub address: Address,
    pub topics: Vec<H256>,
    pub data: Data,
    pub block_number: Quantity,
    pub block_hash: H256,
    pub block_timestamp: Quantity,
    pub transaction_hash: H256,
    pub transaction_index: Quantity,
    pub log_index: Quantity,
    pub removed: bool,
}

/// Where a block's logs are: the block, for the fields every log repeats.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogContext {
    pub block_hash: H256,
    pub block_number: u32,
    pub timestamp: u64,
}

impl LogContext {
    pub fn of(block: &EthBlock) -> Self {
        Self {
            block_hash: block.hash,
            block_number: block.header.number,
            timestamp: block.timestamp(),
        }
    }

    /// The log at `log_index` (counted across the block) of `receipt`.
    pub fn log(&self, receipt: &EthReceipt, log: &EthLog, log_index: usize) -> RpcLog {
        RpcLog {
            address: Address(log.address),
            topics: log.topics.clone(),
            data: Data(log.data.clone()),
            block_number: self.block_number.into(),
            block_hash: self.block_hash,
            block_timestamp: self.timestamp.into(),
            transaction_hash: receipt.transaction_hash,
            transaction_index: receipt.transaction_index.into(),
            log_index: (log_index as u64).into(),
            removed: false,
        }
    }
}

/// Every log of a block's receipts with its index in the block.
pub(crate) fn block_logs(
    receipts: &[EthReceipt],
) -> impl Iterator<Item = (&EthReceipt, &EthLog, usize)> {
    receipts
        .iter()
        .flat_map(|receipt| receipt.logs.iter().map(move |log| (receipt, log)))
        .enumerate()
        .map(|(index, (receipt, log))| (receipt, log, index))
}

/// A receipt.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcReceipt {
    pub transaction_hash: H256,
    pub transaction_index: Quantity,
    pub block_hash: H256,
    pub block_number: Quantity,
    pub from: Address,
    pub to: Option<Address>,
    pub cumulative_gas_used: Quantity,
    pub gas_used: Quantity,
    pub effective_gas_price: Quantity,
    pub contract_address: Option<Address>,
    pub logs: Vec<RpcLog>,
    pub logs_bloom: Data,
    pub status: Quantity,
    #[serde(rename = "type")]
    pub tx_type: Quantity,
}

impl RpcReceipt {
    /// The receipt at `index` of `block`, whose receipts are `receipts`.
    pub fn new(block: &EthBlock, receipts: &[EthReceipt], index: usize) -> Option<Self> {
        let receipt = receipts.get(index)?;
        let context = LogContext::of(block);
        let logs = block_logs(receipts)
            .filter(|(r, _, _)| r.transaction_index == receipt.transaction_index)
            .map(|(r, log, log_index)| context.log(r, log, log_index))
            .collect();
        Some(Self {
            transaction_hash: receipt.transaction_hash,
            transaction_index: receipt.transaction_index.into(),
            block_hash: block.hash,
            block_number: block.header.number.into(),
            from: Address(receipt.from),
            to: receipt.to.map(Address),
            cumulative_gas_used: receipt.cumulative_gas_used.into(),
            gas_used: receipt.gas_used.into(),
            effective_gas_price: receipt.effective_gas_price.into(),
            contract_address: receipt.contract_address.map(Address),
            logs,
            logs_bloom: Data(receipt.logs_bloom.0.to_vec()),
            status: u64::from(receipt.status).into(),
            tx_type: u64::from(receipt.transaction_type).into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::transaction::tests::signed_1559;
    use lux_db::EthBlockRecord;
    use lux_primitives::ethereum::{Bloom, EthBlockInfo};
    use lux_primitives::hashing::keccak_256;
    use lux_primitives::{Digest, Header};
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn block(transactions: Vec<Vec<u8>>) -> EthBlock {
        let header = Header {
            parent_hash: H256::repeat_byte(0x11),
            number: 0x1b4,
            state_root: H256::repeat_byte(0x22),
            extrinsics_root: H256::repeat_byte(0x33),
            digest: Digest::default(),
        };
        EthBlock {
            hash: header.hash(),
            header,
            record: Arc::new(EthBlockRecord {
                info: EthBlockInfo {
                    author: AccountId20([0xaa; 20]),
                    gas_limit: 15_000_000,
                    gas_used: 71_000,
                    base_fee_per_gas: U256::from(1_000_000_000u64),
                    logs_bloom: Bloom::default(),
                    timestamp_ms: 1_700_000_006_500,
                },
                transactions_root: crate::eth::tries::transactions_root(&transactions),
                receipts_root: H256::repeat_byte(0x44),
                transactions,
                size: 0x220,
            }),
        }
    }

    fn receipt(tx: &[u8], index: u32, logs: Vec<EthLog>) -> EthReceipt {
        EthReceipt {
            transaction_hash: H256(keccak_256(tx)),
            transaction_index: index,
            extrinsic_index: index + 2,
            transaction_type: 2,
            from: AccountId20([0xbb; 20]),
            to: Some(AccountId20([0x22; 20])),
            contract_address: None,
            status: true,
            gas_used: 21_000,
            cumulative_gas_used: 21_000 * u64::from(index + 1),
            effective_gas_price: U256::from(2_000_000_000u64),
            logs,
            logs_bloom: Bloom::default(),
        }
    }

    fn log(byte: u8) -> EthLog {
        EthLog {
            address: AccountId20([byte; 20]),
            topics: vec![H256::repeat_byte(byte)],
            data: vec![byte],
        }
    }

    #[test]
    fn block_json_has_geths_fields() {
        let b = block(vec![]);
        let json = serde_json::to_value(RpcBlock::new(&b, &[], false)).expect("json");
        let expected = json!({
            "hash": b.hash,
            "parentHash": H256::repeat_byte(0x11),
            "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
            "miner": format!("0x{}", "aa".repeat(20)),
            "stateRoot": H256::repeat_byte(0x22),
            "transactionsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
            "receiptsRoot": H256::repeat_byte(0x44),
            "logsBloom": format!("0x{}", "00".repeat(256)),
            "difficulty": "0x0",
            "totalDifficulty": "0x0",
            "number": "0x1b4",
            "gasLimit": "0xe4e1c0",
            "gasUsed": "0x11558",
            "timestamp": "0x6553f106",
            "extraData": "0x",
            "mixHash": H256::zero(),
            "nonce": "0x0000000000000000",
            "baseFeePerGas": "0x3b9aca00",
            "size": "0x220",
            "transactions": [],
            "uncles": [],
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn transactions_in_blocks_show_where_and_what_they_paid() {
        let raw = signed_1559(42, 3);
        let b = block(vec![raw.clone()]);
        let receipts = vec![receipt(&raw, 0, vec![])];
        let hashes = serde_json::to_value(RpcBlock::new(&b, &receipts, false)).expect("json");
        assert_eq!(hashes["transactions"], json!([H256(keccak_256(&raw))]));

        let full = serde_json::to_value(RpcBlock::new(&b, &receipts, true)).expect("json");
        let tx = &full["transactions"][0];
        assert_eq!(tx["hash"], json!(H256(keccak_256(&raw))));
        assert_eq!(tx["blockHash"], json!(b.hash));
        assert_eq!(tx["blockNumber"], "0x1b4");
        assert_eq!(tx["transactionIndex"], "0x0");
        assert_eq!(tx["from"], format!("0x{}", "bb".repeat(20)), "the receipt's sender");
        assert_eq!(tx["to"], format!("0x{}", "22".repeat(20)));
        assert_eq!(tx["type"], "0x2");
        assert_eq!(tx["nonce"], "0x3");
        assert_eq!(tx["gas"], "0x5208");
        assert_eq!(tx["gasPrice"], "0x77359400", "the effective price of the receipt");
        assert_eq!(tx["maxFeePerGas"], "0x4a817c800");
        assert_eq!(tx["maxPriorityFeePerGas"], "0x3b9aca00");
        assert_eq!(tx["value"], "0x3e8");
        assert_eq!(tx["input"], "0xcafe");
        assert_eq!(tx["chainId"], "0x2a");
        assert_eq!(tx["accessList"], json!([]));
        assert!(tx["v"] == "0x0" || tx["v"] == "0x1");
        assert_eq!(tx["v"], tx["yParity"]);
        assert!(tx["r"].as_str().is_some_and(|r| r.starts_with("0x") && !r.starts_with("0x0")));

        let pending = RpcTransaction::pending(&EthTransaction::decode(&raw).expect("decodes"))
            .expect("sender recovers");
        let pending = serde_json::to_value(pending).expect("json");
        assert_eq!(pending["blockHash"], Value::Null);
        assert_eq!(pending["blockNumber"], Value::Null);
        assert_eq!(pending["transactionIndex"], Value::Null);
        assert_eq!(pending["from"], "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac");
        assert_eq!(pending["gasPrice"], "0x4a817c800", "the fee cap while pending");
    }

    #[test]
    fn receipts_count_log_indexes_across_the_block() {
        let (a, b_tx) = (signed_1559(42, 0), signed_1559(42, 1));
        let b = block(vec![a.clone(), b_tx.clone()]);
        let receipts = vec![receipt(&a, 0, vec![log(1), log(2)]), receipt(&b_tx, 1, vec![log(3)])];
        let second = serde_json::to_value(RpcReceipt::new(&b, &receipts, 1)).expect("json");
        assert_eq!(second["transactionHash"], json!(H256(keccak_256(&b_tx))));
        assert_eq!(second["transactionIndex"], "0x1");
        assert_eq!(second["blockHash"], json!(b.hash));
        assert_eq!(second["blockNumber"], "0x1b4");
        assert_eq!(second["cumulativeGasUsed"], "0xa410");
        assert_eq!(second["gasUsed"], "0x5208");
        assert_eq!(second["effectiveGasPrice"], "0x77359400");
        assert_eq!(second["contractAddress"], Value::Null);
        assert_eq!(second["status"], "0x1");
        assert_eq!(second["type"], "0x2");
        let logs = second["logs"].as_array().expect("logs");
        assert_eq!(logs.len(), 1);
        assert_eq!(
            logs[0],
            json!({
                "address": format!("0x{}", "03".repeat(20)),
                "topics": [H256::repeat_byte(3)],
                "data": "0x03",
                "blockNumber": "0x1b4",
                "blockHash": b.hash,
                "blockTimestamp": "0x6553f106",
                "transactionHash": H256(keccak_256(&b_tx)),
                "transactionIndex": "0x1",
                "logIndex": "0x2",
                "removed": false,
            })
        );
        assert!(RpcReceipt::new(&b, &receipts, 2).is_none());
    }
}
