//! Runtime API calls with arbitrary SCALE input, run natively on the dev genesis state: the
//! first byte picks the function, the rest is its input. Only functions the node calls with
//! outside data (or that clients reach through `state_call`) and that must answer any input
//! are here; `Core_execute_block` and the block-building functions panic on bad input by
//! design (a trap in wasm, which the node reports).

#![no_main]

use libfuzzer_sys::fuzz_target;
use luxtensor_runtime::apis;

#[path = "common.rs"]
mod common;

const METHODS: &[&str] = &[
    "TaggedTransactionQueue_validate_transaction",
    "AccountNonceApi_account_nonce",
    "TransactionPaymentApi_query_info",
    "TransactionPaymentApi_query_fee_details",
    "Metadata_metadata_at_version",
    "Core_version",
    "LuxConsensusApi_authorities",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let method = METHODS[usize::from(selector) % METHODS.len()];
    let answer = common::on_genesis(|| apis::dispatch(method, input));
    assert!(answer.is_some(), "{method} is a runtime API");
});
