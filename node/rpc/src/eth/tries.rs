//! The roots of an Ethereum block's transaction and receipt tries (computed with alloy, as
//! every Ethereum client computes them), so block headers show Ethereum's values.

use alloy_consensus::proofs::ordered_trie_root_with_encoder;
use alloy_consensus::{Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bloom, Log, LogData, B256};
use lux_primitives::ethereum::EthReceipt;
use lux_primitives::H256;

/// keccak256(rlp([])): the uncles hash of a block without uncles.
pub(crate) const EMPTY_UNCLES_HASH: H256 = H256(alloy_consensus::EMPTY_OMMER_ROOT_HASH.0);

/// Root of the trie of `transactions` (EIP-2718 bytes) keyed by rlp(index).
pub(crate) fn transactions_root(transactions: &[Vec<u8>]) -> H256 {
    H256(ordered_trie_root_with_encoder(transactions, |tx, buf| buf.extend_from_slice(tx)).0)
}

/// Root of the trie of `receipts` in their EIP-2718 encoding keyed by rlp(index).
pub(crate) fn receipts_root(receipts: &[EthReceipt]) -> H256 {
    let envelopes: Vec<ReceiptEnvelope> = receipts.iter().map(envelope).collect();
    H256(ordered_trie_root_with_encoder(&envelopes, |r, buf| r.encode_2718(buf)).0)
}

fn envelope(receipt: &EthReceipt) -> ReceiptEnvelope {
    let logs = receipt
        .logs
        .iter()
        .map(|log| Log {
            address: Address::from(log.address.0),
            data: LogData::new_unchecked(
                log.topics.iter().map(|t| B256::from(t.0)).collect(),
                log.data.clone().into(),
            ),
        })
        .collect();
    let with_bloom = ReceiptWithBloom {
        receipt: Receipt {
            status: Eip658Value::Eip658(receipt.status),
            cumulative_gas_used: receipt.cumulative_gas_used,
            logs,
        },
        logs_bloom: Bloom::from(receipt.logs_bloom.0),
    };
    match receipt.transaction_type {
        1 => ReceiptEnvelope::Eip2930(with_bloom),
        2 => ReceiptEnvelope::Eip1559(with_bloom),
        3 => ReceiptEnvelope::Eip4844(with_bloom),
        4 => ReceiptEnvelope::Eip7702(with_bloom),
        _ => ReceiptEnvelope::Legacy(with_bloom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::ethereum::{Bloom as LuxBloom, EthLog};
    use lux_primitives::{AccountId20, U256};

    #[test]
    fn empty_tries_have_ethereums_empty_root() {
        let empty: H256 = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
            .parse()
            .expect("hash");
        assert_eq!(transactions_root(&[]), empty);
        assert_eq!(receipts_root(&[]), empty);
        let uncles: H256 = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
            .parse()
            .expect("hash");
        assert_eq!(EMPTY_UNCLES_HASH, uncles);
    }

    #[test]
    fn roots_depend_on_content_and_type() {
        let receipt = EthReceipt {
            transaction_hash: H256::repeat_byte(1),
            transaction_index: 0,
            extrinsic_index: 1,
            transaction_type: 2,
            from: AccountId20([1; 20]),
            to: None,
            contract_address: Some(AccountId20([3; 20])),
            status: true,
            gas_used: 50_000,
            cumulative_gas_used: 50_000,
            effective_gas_price: U256::from(7),
            logs: vec![EthLog {
                address: AccountId20([3; 20]),
                topics: vec![H256::repeat_byte(9)],
                data: vec![1, 2, 3],
            }],
            logs_bloom: LuxBloom::default(),
        };
        let one = receipts_root(std::slice::from_ref(&receipt));
        let legacy = EthReceipt { transaction_type: 0, ..receipt.clone() };
        assert_ne!(one, receipts_root(&[legacy]));
        let failed = EthReceipt { status: false, ..receipt };
        assert_ne!(one, receipts_root(&[failed]));
        assert_ne!(transactions_root(&[vec![0x02, 0xc0]]), transactions_root(&[vec![0xc0]]));
    }
}
