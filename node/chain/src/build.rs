//! Building a block on top of a parent, as the block author does.

use std::sync::Arc;
use std::time::Instant;

use codec::Encode;
use lux_executor::{RuntimeCode, SharedBackend};
use lux_io::{Ext, OverlayedChanges, StorageChanges};
use lux_primitives::inherent::InherentData;
use lux_primitives::transaction::{
    ApplyExtrinsicResult, InvalidTransaction, TransactionValidityError,
};
use lux_primitives::{Digest, Header, OpaqueExtrinsic, H256};

use crate::chain::STATE_VERSION;
use crate::{Chain, ChainError};

/// When to stop adding transactions.
#[derive(Clone, Copy, Debug)]
pub struct BuildLimits {
    /// Stop adding transactions at this time.
    pub deadline: Instant,
    /// Stop after this many transactions.
    pub max_transactions: usize,
}

/// A block built here, not yet sealed or imported.
#[derive(Debug)]
pub struct BuiltBlock {
    /// The header, without seal.
    pub header: Header,
    /// Inherents, then transactions.
    pub body: Vec<OpaqueExtrinsic>,
    /// The state changes, ready to commit.
    pub changes: StorageChanges,
    /// Hashes of the pool transactions included.
    pub included: Vec<H256>,
    /// Pool transactions the runtime found invalid (to drop from the pool).
    pub invalid: Vec<H256>,
    /// Pool transactions left for a later block.
    pub skipped: usize,
}

/// After this many transactions in a row that do not fit, the block is full.
const MAX_SKIPPED_IN_A_ROW: usize = 16;

impl Chain {
    /// Builds a block on `parent` with the pre-runtime `digest`, the inherents for
    /// `inherent_data` and as many of `transactions` as fit.
    pub fn build_block(
        &self,
        parent: &H256,
        digest: Digest,
        inherent_data: &InherentData,
        transactions: impl IntoIterator<Item = (H256, OpaqueExtrinsic)>,
        limits: BuildLimits,
    ) -> Result<BuiltBlock, ChainError> {
        let parent_header = self.db.header(parent)?.ok_or(ChainError::UnknownBlock(*parent))?;
        let state: SharedBackend = Arc::new(self.db.state_at(parent_header.state_root));
        let code = RuntimeCode::from_state(&state)?;
        let mut ext = Ext::new(state, OverlayedChanges::new());
        let header = Header {
            parent_hash: *parent,
            number: parent_header.number + 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest,
        };
        self.executor.call(&mut ext, &code, "Core_initialize_block", &header.encode())?;

        let inherents: Vec<OpaqueExtrinsic> = self.executor.call_decode(
            &mut ext,
            &code,
            "BlockBuilder_inherent_extrinsics",
            &inherent_data.encode(),
        )?;
        let mut body = Vec::with_capacity(inherents.len());
        for xt in inherents {
            let result: ApplyExtrinsicResult = self.executor.call_decode(
                &mut ext,
                &code,
                "BlockBuilder_apply_extrinsic",
                &xt.encode(),
            )?;
            match result {
                Ok(Ok(())) => body.push(xt),
                other => {
                    return Err(ChainError::BuildFailed(format!("inherent failed: {other:?}")))
                }
            }
        }

        let (mut included, mut invalid, mut skipped, mut skipped_in_a_row) =
            (Vec::new(), Vec::new(), 0, 0);
        for (hash, xt) in transactions {
            if included.len() >= limits.max_transactions
                || skipped_in_a_row >= MAX_SKIPPED_IN_A_ROW
                || Instant::now() >= limits.deadline
            {
                break;
            }
            ext.overlay_mut().start_transaction();
            let result: Result<ApplyExtrinsicResult, _> = self.executor.call_decode(
                &mut ext,
                &code,
                "BlockBuilder_apply_extrinsic",
                &xt.encode(),
            );
            match result {
                Ok(Ok(_dispatch_outcome)) => {
                    ext.overlay_mut()
                        .commit_transaction()
                        .map_err(|e| ChainError::BuildFailed(format!("block builder: {e}")))?;
                    included.push(hash);
                    body.push(xt);
                    skipped_in_a_row = 0;
                }
                Ok(Err(e)) => {
                    ext.overlay_mut().rollback_to_depth(0);
                    match e {
                        // Stale: already included (the pool may not have caught up with the
                        // parent yet); Future and ExhaustsResources: maybe in a later block.
                        TransactionValidityError::Invalid(
                            InvalidTransaction::ExhaustsResources
                            | InvalidTransaction::Future
                            | InvalidTransaction::Stale,
                        )
                        | TransactionValidityError::Unknown(_) => {
                            skipped += 1;
                            skipped_in_a_row += 1;
                        }
                        TransactionValidityError::Invalid(_) => invalid.push(hash),
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "chain", "transaction {hash:?} broke the runtime: {e}");
                    ext.overlay_mut().rollback_to_depth(0);
                    invalid.push(hash);
                }
            }
        }

        let header: Header =
            self.executor.call_decode(&mut ext, &code, "BlockBuilder_finalize_block", &[])?;
        let changes = ext.into_storage_changes(STATE_VERSION)?;
        if H256(changes.root) != header.state_root {
            return Err(ChainError::BuildFailed(
                "the runtime's state root differs from the host's".into(),
            ));
        }
        Ok(BuiltBlock { header, body, changes, included, invalid, skipped })
    }
}
