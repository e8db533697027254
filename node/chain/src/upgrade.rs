//! The node's side of the rollback rule for runtime upgrades (see
//! [`lux_primitives::upgrade`]): which code a block on an upgrade's probation runs with, the
//! probation check the author runs before building it, and the same check an importer runs
//! to verify a block that claims the new code failed.

use codec::{Decode, Encode};
use lux_executor::{ExecutorError, RuntimeCode, SharedBackend};
use lux_io::{Ext, OverlayedChanges};
use lux_primitives::inherent::InherentData;
use lux_primitives::storage::{HEAP_PAGES, PREVIOUS_CODE};
use lux_primitives::transaction::ApplyExtrinsicResult;
use lux_primitives::upgrade::{CodeRollback, PROBATION_FUEL, ROLLBACK_ENGINE_ID};
use lux_primitives::{DigestItem, Header, OpaqueExtrinsic};

use crate::build::call_decode;
use crate::{Chain, ChainError};

/// Why the new code failed its probation check: a deterministic verdict, the same on every
/// node.
#[derive(Debug)]
pub struct ProbationFailure(pub String);

impl Chain {
    /// A block installed new code: compiles it in the background, for the next block's
    /// probation check (metered, after an upgrade) and execution, while the node waits for
    /// that block's slot.
    pub(crate) fn precompile_new_code(&self, changes: &lux_io::KeyChanges) {
        let value = |key: &[u8]| changes.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let Some(Some(code)) = value(lux_primitives::storage::CODE) else { return };
        // Only an upgrade keeps the replaced code (a rollback removes it), and only an
        // upgrade's next block runs the metered probation check.
        let on_probation = matches!(value(PREVIOUS_CODE), Some(Some(_)));
        let code = RuntimeCode::from_bytes(code.clone(), None);
        let executor = self.executor.clone();
        let spawned = std::thread::Builder::new().name("precompile".into()).spawn(move || {
            let flavors: &[bool] = if on_probation { &[true, false] } else { &[false] };
            for &metered in flavors {
                if let Err(e) = executor.prepare(&code, metered) {
                    tracing::debug!(target: "chain", "precompiling the new runtime failed: {e}");
                }
            }
        });
        if let Err(e) = spawned {
            tracing::debug!(target: "chain", "cannot start precompiling the new runtime: {e}");
        }
    }

    /// The code a child of `parent` replaces if its new code fails, when the child is the
    /// probation block of an upgrade: `parent` changed the runtime environment and its state
    /// keeps the replaced code.
    pub(crate) fn previous_code(
        &self,
        parent: &Header,
        state: &SharedBackend,
    ) -> Result<Option<RuntimeCode>, ChainError> {
        if !parent.digest.logs.contains(&DigestItem::RuntimeEnvironmentUpdated) {
            return Ok(None);
        }
        let Some(previous) = state.storage(PREVIOUS_CODE)? else { return Ok(None) };
        let heap_pages = state.storage(HEAP_PAGES)?.and_then(|v| u64::decode(&mut &v[..]).ok());
        Ok(Some(RuntimeCode::from_bytes(previous, heap_pages)))
    }

    /// Runs the state's (new) code on the start and end of a block with `header`'s
    /// pre-runtime items, as building it would: initialization, the inherents it creates from
    /// `inherent_data`, finalization; within [`PROBATION_FUEL`], its changes discarded.
    /// `Ok(Err(_))` is the verdict that the new code cannot run the block; `Err(_)` is a
    /// failure of this node (its database), which decides nothing.
    pub(crate) fn probation_check(
        &self,
        state: SharedBackend,
        header: &Header,
        inherent_data: &InherentData,
    ) -> Result<Result<(), ProbationFailure>, ChainError> {
        let verdict = |e: ExecutorError| match e {
            ExecutorError::Backend(e) => Err(ChainError::State(e)),
            other => Ok(Err(ProbationFailure(other.to_string()))),
        };
        let code = RuntimeCode::from_state(&state)?;
        let ext = Ext::new(state, OverlayedChanges::new());
        let mut session = match self.executor.metered_session(ext, &code, PROBATION_FUEL) {
            Ok(session) => session,
            Err(failure) => return verdict(failure.0),
        };
        let header = probation_header(header);
        if let Err(e) = session.call("Core_initialize_block", &header.encode()) {
            return verdict(e);
        }
        let inherents: Vec<OpaqueExtrinsic> = match call_decode(
            &mut session,
            "BlockBuilder_inherent_extrinsics",
            &inherent_data.encode(),
        ) {
            Ok(inherents) => inherents,
            Err(e) => return verdict(e),
        };
        for (index, xt) in inherents.iter().enumerate() {
            let applied: Result<ApplyExtrinsicResult, _> =
                call_decode(&mut session, "BlockBuilder_apply_extrinsic", &xt.encode());
            match applied {
                Ok(Ok(Ok(()))) => {}
                Err(e) => return verdict(e),
                other => {
                    return Ok(Err(ProbationFailure(format!(
                        "inherent {index} was refused: {other:?}"
                    ))))
                }
            }
        }
        if let Err(e) = session.call("BlockBuilder_finalize_block", &[]) {
            return verdict(e);
        }
        Ok(Ok(()))
    }

    /// Verifies the rollback claim of `header` (sealed block on `parent`): the block must be
    /// on probation and the new code must fail the check with the claimed inherent data
    /// (which the previous code, executing the block, verifies is the block's own).
    /// Returns the code to execute the block with: the previous code if the claim holds, the
    /// state's code if there is no claim.
    pub(crate) fn code_for_import(
        &self,
        parent: &Header,
        state: &SharedBackend,
        pre_header: &Header,
    ) -> Result<RuntimeCode, ChainError> {
        let Some(claim) = CodeRollback::find(&pre_header.digest) else {
            return Ok(RuntimeCode::from_state(state)?);
        };
        let Some(previous) = self.previous_code(parent, state)? else {
            return Err(ChainError::InvalidBlock(
                "it claims a code rollback, but its parent did not upgrade the runtime".into(),
            ));
        };
        match self.probation_check(state.clone(), pre_header, &claim.inherent_data)? {
            Ok(()) => Err(ChainError::InvalidBlock(
                "it claims a code rollback, but the new code runs the block".into(),
            )),
            Err(failure) => {
                tracing::warn!(
                    target: "chain",
                    "block #{} rolls the runtime upgrade back: the new code fails ({})",
                    pre_header.number,
                    failure.0
                );
                Ok(previous)
            }
        }
    }
}

/// The header the probation check initializes with: the block's, without its seal and its
/// rollback claim (which the author adds only after the check).
fn probation_header(header: &Header) -> Header {
    let mut header = header.clone();
    header.digest.logs.retain(|item| {
        !matches!(item, DigestItem::Seal(..)) && item.as_pre_runtime(ROLLBACK_ENGINE_ID).is_none()
    });
    header
}
