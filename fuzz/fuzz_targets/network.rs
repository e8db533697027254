//! Every message a peer can send, decoded as the node decodes it (`decode_all`: the whole
//! input, nothing left over): a gossiped block (`BlockData`, whose extrinsics are then decoded
//! by the runtime's type with its depth limit, and whose justification as a `Justification`),
//! a block request, a block response, and a gossiped batch of transactions.

#![no_main]

use codec::{DecodeLimit, Encode};
use libfuzzer_sys::fuzz_target;
use lux_network::protocol::decode_all;
use lux_network::{BlockData, BlockRequest, BlockResponse};
use lux_primitives::extrinsic::MAX_EXTRINSIC_DEPTH;
use lux_primitives::OpaqueExtrinsic;
use luxtensor_runtime::UncheckedExtrinsic;

fn check_block(block: &BlockData) {
    for xt in &block.body {
        let bytes = xt.encode();
        let _ =
            UncheckedExtrinsic::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &bytes[..]);
    }
    if let Some(justification) = &block.justification {
        let _ = decode_all::<lux_consensus::Justification>(justification);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, data)) = data.split_first() else { return };
    match kind % 4 {
        0 => {
            if let Ok(block) = decode_all::<BlockData>(data) {
                assert_eq!(block.encode(), data, "a block round-trips");
                check_block(&block);
            }
        }
        1 => {
            if let Ok(request) = decode_all::<BlockRequest>(data) {
                assert_eq!(request.encode(), data, "a request round-trips");
            }
        }
        2 => {
            if let Ok(response) = decode_all::<BlockResponse>(data) {
                response.blocks.iter().for_each(check_block);
            }
        }
        _ => {
            if let Ok(batch) = decode_all::<Vec<OpaqueExtrinsic>>(data) {
                for xt in batch {
                    let bytes = xt.encode();
                    let _ = UncheckedExtrinsic::decode_all_with_depth_limit(
                        MAX_EXTRINSIC_DEPTH,
                        &mut &bytes[..],
                    );
                }
            }
        }
    }
});
