//! Finality gossip: votes (`SignedVote`, checked with `verify_vote`) and commits
//! (`Justification`, checked against the local testnet's voter set), decoded as the node
//! decodes them (the whole input, nothing left over).

#![no_main]

use codec::{DecodeAll, Encode};
use libfuzzer_sys::fuzz_target;
use lux_consensus::{verify_vote, Justification, SignedVote, VoterSet};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, data)) = data.split_first() else { return };
    if kind % 2 == 0 {
        if let Ok(vote) = SignedVote::decode_all(&mut &data[..]) {
            assert_eq!(vote.encode(), data, "a vote round-trips");
            let _ = verify_vote(&vote);
        }
    } else if let Ok(justification) = Justification::decode_all(&mut &data[..]) {
        let set = VoterSet::new(0, common::local_authorities()).expect("a valid set");
        let _ = justification.verify(&set);
    }
});
