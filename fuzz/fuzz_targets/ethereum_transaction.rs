//! Ethereum transactions as `eth_sendRawTransaction` takes them: decoded as EIP-2718 (legacy,
//! EIP-2930, EIP-1559) and re-encoded to the same bytes, then wrapped in `Ethereum.transact`
//! and validated by the runtime (its own decoding, signature recovery and checks) on the dev
//! genesis state.

#![no_main]

use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use libfuzzer_sys::fuzz_target;
use lux_primitives::transaction::TransactionSource;
use luxtensor_runtime::{executive, RuntimeCall, UncheckedExtrinsic};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = alloy_consensus::TxEnvelope::decode_2718_exact(data) {
        assert_eq!(envelope.encoded_2718(), data, "EIP-2718 encoding is stable");
    }
    let call =
        RuntimeCall::Ethereum(pallet_ethereum::Call::transact { transaction: data.to_vec() });
    let xt = UncheckedExtrinsic::new_unsigned(call);
    let _ = common::on_genesis(|| {
        executive::validate_transaction(TransactionSource::External, xt, common::BLOCK_HASH)
    });
});
