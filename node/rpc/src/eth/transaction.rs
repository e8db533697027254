//! Ethereum transactions from their EIP-2718 bytes (decoded with alloy): the fields the JSON-RPC
//! shows, the hash, and the sender recovered from the signature (for transactions still in the
//! pool; mined ones take the sender from their receipt).

use alloy_consensus::{Transaction as _, TxEnvelope, TxType};
use alloy_eips::eip2718::Decodable2718;
use lux_primitives::hashing::keccak_256;
use lux_primitives::{AccountId20, H256, U256};

/// An Ethereum transaction as the JSON-RPC shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EthTransaction {
    /// keccak256 of its EIP-2718 bytes.
    pub hash: H256,
    /// EIP-2718 type: 0 legacy, 1 EIP-2930, 2 EIP-1559 (3 and 4 decode, but the chain refuses
    /// them).
    pub tx_type: u8,
    /// Its chain id (`None` for a pre-EIP-155 legacy transaction).
    pub chain_id: Option<u64>,
    /// The sender's nonce.
    pub nonce: u64,
    /// Its gas limit.
    pub gas: u64,
    /// The legacy gas price (types 0 and 1).
    pub gas_price: Option<U256>,
    /// The fee cap (type 2 and later; for types 0 and 1, the gas price).
    pub max_fee_per_gas: U256,
    /// The tip cap (type 2 and later).
    pub max_priority_fee_per_gas: Option<U256>,
    /// The recipient; `None` creates a contract.
    pub to: Option<AccountId20>,
    /// Value in wei.
    pub value: U256,
    /// Call data or init code.
    pub input: Vec<u8>,
    /// The access list (types 1 and later).
    pub access_list: Option<Vec<(AccountId20, Vec<H256>)>>,
    /// The signature's y parity.
    pub y_parity: bool,
    /// The signature's r.
    pub r: U256,
    /// The signature's s.
    pub s: U256,
    /// The hash that was signed.
    pub signature_hash: H256,
}

/// Why bytes are not a transaction this chain takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TxDecodeError {
    /// Not an EIP-2718 transaction at all.
    #[error("rlp: invalid transaction")]
    Malformed,
    /// A type the chain does not support (blob and set-code transactions, unknown types).
    #[error("transaction type not supported")]
    UnsupportedType,
}

fn u256(value: alloy_primitives::U256) -> U256 {
    U256::from_big_endian(&value.to_be_bytes::<32>())
}

fn address(value: alloy_primitives::Address) -> AccountId20 {
    AccountId20(value.into_array())
}

impl EthTransaction {
    /// Decodes EIP-2718 bytes (the whole input must be one transaction).
    pub fn decode(raw: &[u8]) -> Result<Self, TxDecodeError> {
        let envelope = TxEnvelope::decode_2718_exact(raw).map_err(|_| match raw.first() {
            // A type byte (below 0x80) of a type alloy does not know.
            Some(ty) if *ty < 0x80 && *ty > TxType::Eip7702 as u8 => TxDecodeError::UnsupportedType,
            _ => TxDecodeError::Malformed,
        })?;
        let tx_type = envelope.tx_type();
        let legacy_price = matches!(tx_type, TxType::Legacy | TxType::Eip2930);
        let signature = envelope.signature();
        Ok(Self {
            hash: H256(keccak_256(raw)),
            tx_type: tx_type as u8,
            chain_id: envelope.chain_id(),
            nonce: envelope.nonce(),
            gas: envelope.gas_limit(),
            gas_price: envelope.gas_price().map(U256::from),
            max_fee_per_gas: U256::from(envelope.max_fee_per_gas()),
            max_priority_fee_per_gas: if legacy_price {
                None
            } else {
                envelope.max_priority_fee_per_gas().map(U256::from)
            },
            to: envelope.to().map(address),
            value: u256(envelope.value()),
            input: envelope.input().to_vec(),
            access_list: envelope.access_list().map(|list| {
                list.iter()
                    .map(|item| {
                        let keys = item.storage_keys.iter().map(|k| H256(k.0)).collect();
                        (address(item.address), keys)
                    })
                    .collect()
            }),
            y_parity: signature.v(),
            r: u256(signature.r()),
            s: u256(signature.s()),
            signature_hash: H256(envelope.signature_hash().0),
        })
    }

    /// Whether the chain takes this type (legacy, EIP-2930, EIP-1559).
    pub fn is_supported_type(&self) -> bool {
        self.tx_type <= 2
    }

    /// The signature's `v` as the JSON-RPC shows it: for legacy transactions 27/28, or
    /// `chain_id * 2 + 35 + parity` under EIP-155; for typed ones the parity.
    pub fn v(&self) -> U256 {
        let parity = u64::from(self.y_parity);
        match (self.tx_type, self.chain_id) {
            (0, Some(chain_id)) => U256::from(chain_id) * 2 + 35 + parity,
            (0, None) => U256::from(27 + parity),
            _ => U256::from(parity),
        }
    }

    /// The price per gas paid with base fee `base_fee`: the legacy price, or the fee cap capped
    /// at the base fee plus the tip cap.
    pub fn effective_gas_price(&self, base_fee: U256) -> U256 {
        match (self.gas_price, self.max_priority_fee_per_gas) {
            (Some(price), _) => price,
            (None, Some(tip)) => self.max_fee_per_gas.min(base_fee.saturating_add(tip)),
            (None, None) => self.max_fee_per_gas,
        }
    }

    /// The sender, recovered from the signature.
    pub fn recover_sender(&self) -> Option<AccountId20> {
        let mut signature = [0u8; 65];
        signature[..32].copy_from_slice(&self.r.to_big_endian());
        signature[32..64].copy_from_slice(&self.s.to_big_endian());
        signature[64] = u8::from(self.y_parity);
        lux_keys::recover_prehashed(&signature, &self.signature_hash.0).map(AccountId20)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloy_consensus::{SignableTransaction, TxEip1559, TxLegacy};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_primitives::{Signature, TxKind};

    /// Signs with the dev account 0 ("alice", Alith in Moonbeam).
    fn sign(hash: [u8; 32]) -> Signature {
        let alice = lux_keys::dev_account("alice").expect("dev account");
        let signature = alice.sign_prehashed(&hash);
        Signature::from_bytes_and_parity(&signature[..64], signature[64] == 1)
    }

    /// An EIP-1559 transfer from Alith, signed.
    pub fn signed_1559(chain_id: u64, nonce: u64) -> Vec<u8> {
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 20_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(alloy_primitives::Address::repeat_byte(0x22)),
            value: alloy_primitives::U256::from(1_000u64),
            access_list: Default::default(),
            input: vec![0xca, 0xfe].into(),
        };
        let signature = sign(tx.signature_hash().0);
        tx.into_signed(signature).encoded_2718()
    }

    fn alith() -> AccountId20 {
        "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac".parse().expect("address")
    }

    #[test]
    fn eip1559_fields_and_sender() {
        let raw = signed_1559(42, 7);
        let tx = EthTransaction::decode(&raw).expect("decodes");
        assert_eq!(tx.hash, H256(keccak_256(&raw)));
        assert_eq!(tx.tx_type, 2);
        assert_eq!(tx.chain_id, Some(42));
        assert_eq!(tx.nonce, 7);
        assert_eq!(tx.gas, 21_000);
        assert_eq!(tx.gas_price, None);
        assert_eq!(tx.max_fee_per_gas, U256::from(20_000_000_000u64));
        assert_eq!(tx.max_priority_fee_per_gas, Some(U256::from(1_000_000_000u64)));
        assert_eq!(tx.to, Some(AccountId20([0x22; 20])));
        assert_eq!(tx.value, U256::from(1_000));
        assert_eq!(tx.input, vec![0xca, 0xfe]);
        assert_eq!(tx.access_list, Some(vec![]));
        assert!(tx.v() <= U256::one());
        assert_eq!(tx.recover_sender(), Some(alith()));
        // Base fee 5 gwei: 5 + 1 gwei tip, under the 20 gwei cap.
        assert_eq!(
            tx.effective_gas_price(U256::from(5_000_000_000u64)),
            U256::from(6_000_000_000u64)
        );
        assert_eq!(
            tx.effective_gas_price(U256::from(19_500_000_000u64)),
            U256::from(20_000_000_000u64)
        );
    }

    #[test]
    fn legacy_eip155_v() {
        let tx = TxLegacy {
            chain_id: Some(1),
            nonce: 0,
            gas_price: 1_000_000_000,
            gas_limit: 21_000,
            to: TxKind::Create,
            value: alloy_primitives::U256::ZERO,
            input: vec![0x60, 0x00].into(),
        };
        let signature = sign(tx.signature_hash().0);
        let raw = tx.into_signed(signature).encoded_2718();
        let decoded = EthTransaction::decode(&raw).expect("decodes");
        assert_eq!(decoded.tx_type, 0);
        assert_eq!(decoded.to, None);
        assert_eq!(decoded.gas_price, Some(U256::from(1_000_000_000u64)));
        assert_eq!(decoded.access_list, None);
        assert!(decoded.v() == U256::from(37) || decoded.v() == U256::from(38));
        assert_eq!(decoded.recover_sender(), Some(alith()));
        assert_eq!(decoded.effective_gas_price(U256::from(7)), U256::from(1_000_000_000u64));
    }

    #[test]
    fn garbage_and_unknown_types_are_refused() {
        assert_eq!(EthTransaction::decode(&[]), Err(TxDecodeError::Malformed));
        assert_eq!(EthTransaction::decode(&[0x02, 0x01]), Err(TxDecodeError::Malformed));
        assert_eq!(EthTransaction::decode(&[0x07, 0xc0]), Err(TxDecodeError::UnsupportedType));
        let mut trailing = signed_1559(1, 0);
        trailing.push(0);
        assert_eq!(EthTransaction::decode(&trailing), Err(TxDecodeError::Malformed));
    }
}
