//! Extrinsics as the pool gets them: decoded with the runtime's depth limit, re-encoded to
//! the same value, and validated (`validate_transaction`) on the dev genesis state.

#![no_main]

use codec::{Decode, DecodeLimit, Encode};
use libfuzzer_sys::fuzz_target;
use lux_primitives::extrinsic::MAX_EXTRINSIC_DEPTH;
use lux_primitives::transaction::TransactionSource;
use luxtensor_runtime::{executive, UncheckedExtrinsic};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(xt) =
        UncheckedExtrinsic::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &data[..])
    else {
        return;
    };
    let encoded = xt.encode();
    let again =
        UncheckedExtrinsic::decode(&mut &encoded[..]).expect("an encoded extrinsic decodes");
    assert_eq!(again.encode(), encoded, "encoding is stable");
    for source in [TransactionSource::External, TransactionSource::Local] {
        let xt = again.clone();
        let _ =
            common::on_genesis(|| executive::validate_transaction(source, xt, common::BLOCK_HASH));
    }
});
