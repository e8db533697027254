//! Headers as they arrive in gossip and sync: decoded, then checked (`check_header`: the
//! pre-digest, the slot claim against the local testnet's four authorities, and the seal).

#![no_main]

use codec::{Decode, Encode};
use libfuzzer_sys::fuzz_target;
use lux_consensus::{check_header, Epoch};
use lux_primitives::Header;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = Header::decode(&mut &data[..]) else { return };
    let encoded = header.encode();
    assert_eq!(Header::decode(&mut &encoded[..]).as_ref(), Ok(&header), "a header round-trips");
    let epoch = Epoch {
        index: 0,
        start_slot: 0,
        length: 20,
        randomness: [7; 32],
        authorities: common::local_authorities(),
        primary_probability: (1, 4),
    };
    let _ = check_header(header, &epoch, Some(1), u64::MAX / 2);
});
