//! The rule by which a runtime upgrade that cannot run a block is undone instead of halting
//! the chain.
//!
//! When a block `U` changes `:code`, the runtime keeps the code it replaced at
//! [`PREVIOUS_CODE`](crate::storage::PREVIOUS_CODE). The next block `B` (a child of `U`) is
//! the new code's probation: its author first runs the new code on `B`'s beginning and end,
//! as building `B` would (`Core_initialize_block` with `B`'s header,
//! `BlockBuilder_inherent_extrinsics` with the author's inherent data for `B`,
//! `BlockBuilder_apply_extrinsic` for each inherent it makes, `BlockBuilder_finalize_block`),
//! under [`PROBATION_FUEL`] wasm instructions. If that traps, runs out of fuel or memory, or
//! refuses an inherent, the author builds `B` with the *previous* code and says so with a
//! [`CodeRollback`] pre-runtime digest item carrying that inherent data. The previous code,
//! seeing the claim, puts itself back into `:code` and records `System.CodeRolledBack`, and
//! verifies that the claimed inherent data is exactly `B`'s (its only item is the timestamp
//! `B` sets), so an author cannot pick other data to make the new code fail. An importing
//! node that sees the claim runs the same check itself and refuses `B` unless the new code
//! fails it too; the check's inputs (the header's pre-runtime items and the claimed inherent
//! data) are all in the block, and wasm execution with an instruction budget is
//! deterministic, so every honest node reaches the same verdict. Without the claim, `B` runs
//! on the new code as usual and the new code removes the kept previous code.

use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::inherent::InherentData;
use crate::{ConsensusEngineId, Digest, DigestItem};

/// The engine id of the [`CodeRollback`] pre-runtime digest item.
pub const ROLLBACK_ENGINE_ID: ConsensusEngineId = *b"LXRB";

/// The instruction budget of the probation check (wasmtime fuel: about one unit per wasm
/// instruction): some seconds of execution, far more than a block's initialization and
/// migrations should take; an upgrade that needs more must migrate over several blocks.
pub const PROBATION_FUEL: u64 = 20_000_000_000;

/// The claim that a block was built with the previous code because the new code failed its
/// probation check.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct CodeRollback {
    /// The inherent data the check gave the new code (the block's own: the previous code
    /// refuses the block otherwise).
    pub inherent_data: InherentData,
}

impl CodeRollback {
    /// As a header digest item.
    pub fn to_digest_item(&self) -> DigestItem {
        DigestItem::PreRuntime(ROLLBACK_ENGINE_ID, self.encode())
    }

    /// Finds the claim among a digest's items.
    pub fn find(digest: &Digest) -> Option<Self> {
        digest
            .logs
            .iter()
            .find_map(|item| item.as_pre_runtime(ROLLBACK_ENGINE_ID))
            .and_then(|mut data| Self::decode(&mut data).ok())
    }
}
