//! Building a block on top of a parent, as the block author does: every runtime call of the
//! block (initialize, inherents, each transaction, finalize) runs in one runtime instance.

use std::sync::Arc;
use std::time::Instant;

use codec::{Decode, Encode};
use lux_executor::{Between, ExecutorError, RuntimeCode, RuntimeSession, SharedBackend};
use lux_io::{Ext, OverlayedChanges, StorageChanges};
use lux_primitives::inherent::InherentData;
use lux_primitives::transaction::{
    ApplyExtrinsicResult, InvalidTransaction, TransactionValidityError,
};
use lux_primitives::upgrade::CodeRollback;
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

/// Transactions offered to the block builder, best first.
pub trait TransactionFeed {
    /// The next transaction to try.
    fn next_transaction(&mut self) -> Option<(H256, Arc<OpaqueExtrinsic>)>;
    /// The last one was not included: do not offer what depends on it.
    fn skip_last(&mut self);
}

impl TransactionFeed for lux_txpool::BestTransactions {
    fn next_transaction(&mut self) -> Option<(H256, Arc<OpaqueExtrinsic>)> {
        self.next()
    }

    fn skip_last(&mut self) {
        self.mark_skipped()
    }
}

/// Transactions from a list, in its order (tests and benchmarks).
pub struct ListFeed(std::vec::IntoIter<(H256, Arc<OpaqueExtrinsic>)>);

impl ListFeed {
    /// The extrinsics, each with its hash.
    pub fn new(extrinsics: Vec<OpaqueExtrinsic>) -> Self {
        Self(
            extrinsics
                .into_iter()
                .map(|xt| (xt.hash(), Arc::new(xt)))
                .collect::<Vec<_>>()
                .into_iter(),
        )
    }
}

impl TransactionFeed for ListFeed {
    fn next_transaction(&mut self) -> Option<(H256, Arc<OpaqueExtrinsic>)> {
        self.0.next()
    }

    fn skip_last(&mut self) {}
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
    /// Pool transactions the runtime found invalid, with the reason (to drop from the pool).
    pub invalid: Vec<(H256, String)>,
    /// Pool transactions left for a later block.
    pub skipped: usize,
}

/// After this many transactions in a row that do not fit, the block is full.
const MAX_SKIPPED_IN_A_ROW: usize = 16;

/// Calls `method` in `session` and decodes its result.
pub(crate) fn call_decode<R: Decode>(
    session: &mut RuntimeSession,
    method: &str,
    input: &[u8],
) -> Result<R, ExecutorError> {
    let output = session.call(method, input)?;
    R::decode(&mut &output[..])
        .map_err(|error| ExecutorError::BadResult { method: method.into(), error })
}

impl Chain {
    /// Builds a block on `parent` with the pre-runtime `digest`, the inherents for
    /// `inherent_data` and as many of `transactions` as fit.
    pub fn build_block(
        &self,
        parent: &H256,
        digest: Digest,
        inherent_data: &InherentData,
        transactions: &mut dyn TransactionFeed,
        limits: BuildLimits,
    ) -> Result<BuiltBlock, ChainError> {
        let parent_header = self.db.header(parent)?.ok_or(ChainError::UnknownBlock(*parent))?;
        let state: SharedBackend = Arc::new(self.db.state_at(parent_header.state_root));
        let mut header = Header {
            parent_hash: *parent,
            number: parent_header.number + 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest,
        };
        let code = self.code_for_building(&parent_header, &state, &mut header, inherent_data)?;
        let mut session = self
            .executor
            .session(Ext::new(state, OverlayedChanges::new()), &code)
            .map_err(|failure| failure.0)?;
        // One long call, as the importers' `Core_execute_block` is.
        session.set_between(Between::Continue);
        session.call("Core_initialize_block", &header.encode())?;

        let inherents: Vec<OpaqueExtrinsic> =
            call_decode(&mut session, "BlockBuilder_inherent_extrinsics", &inherent_data.encode())?;
        let mut body = Vec::with_capacity(inherents.len());
        for xt in inherents {
            let result: ApplyExtrinsicResult =
                call_decode(&mut session, "BlockBuilder_apply_extrinsic", &xt.encode())?;
            match result {
                Ok(Ok(())) => body.push(xt),
                other => {
                    return Err(ChainError::BuildFailed(format!("inherent failed: {other:?}")))
                }
            }
        }

        let (mut included, mut invalid, mut skipped, mut skipped_in_a_row) =
            (Vec::new(), Vec::new(), 0, 0);
        while included.len() < limits.max_transactions
            && skipped_in_a_row < MAX_SKIPPED_IN_A_ROW
            && Instant::now() < limits.deadline
        {
            let Some((hash, xt)) = transactions.next_transaction() else { break };
            session.ext_mut().overlay_mut().start_transaction();
            let result: Result<ApplyExtrinsicResult, _> =
                call_decode(&mut session, "BlockBuilder_apply_extrinsic", &xt.encode());
            match result {
                Ok(Ok(_dispatch_outcome)) => {
                    session
                        .ext_mut()
                        .overlay_mut()
                        .commit_transaction()
                        .map_err(|e| ChainError::BuildFailed(format!("block builder: {e}")))?;
                    included.push(hash);
                    body.push((*xt).clone());
                    skipped_in_a_row = 0;
                }
                Ok(Err(e)) => {
                    session.ext_mut().overlay_mut().rollback_to_depth(0);
                    transactions.skip_last();
                    match e {
                        // The block is full, or the transaction waits for something not
                        // included: maybe in a later block.
                        TransactionValidityError::Invalid(
                            InvalidTransaction::ExhaustsResources | InvalidTransaction::Future,
                        )
                        | TransactionValidityError::Unknown(_) => {
                            skipped += 1;
                            if matches!(
                                e,
                                TransactionValidityError::Invalid(
                                    InvalidTransaction::ExhaustsResources
                                )
                            ) {
                                skipped_in_a_row += 1;
                            }
                        }
                        TransactionValidityError::Invalid(i) => {
                            invalid.push((hash, i.message().to_string()))
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "chain", "transaction {hash:?} broke the runtime: {e}");
                    session.ext_mut().overlay_mut().rollback_to_depth(0);
                    transactions.skip_last();
                    invalid.push((hash, format!("the runtime failed on it: {e}")));
                }
            }
        }

        let header: Header = call_decode(&mut session, "BlockBuilder_finalize_block", &[])?;
        let changes = session.into_ext().into_storage_changes(STATE_VERSION)?;
        if H256(changes.root) != header.state_root {
            return Err(ChainError::BuildFailed(
                "the runtime's state root differs from the host's".into(),
            ));
        }
        Ok(BuiltBlock { header, body, changes, included, invalid, skipped })
    }

    /// The code to build a child of `parent` with: the state's, unless the child is the
    /// probation block of an upgrade whose new code fails the probation check with
    /// `inherent_data`; then the previous code, and `header` gets the rollback claim.
    fn code_for_building(
        &self,
        parent: &Header,
        state: &SharedBackend,
        header: &mut Header,
        inherent_data: &InherentData,
    ) -> Result<RuntimeCode, ChainError> {
        let Some(previous) = self.previous_code(parent, state)? else {
            return Ok(RuntimeCode::from_state(state)?);
        };
        match self.probation_check(state.clone(), header, inherent_data)? {
            Ok(()) => Ok(RuntimeCode::from_state(state)?),
            Err(failure) => {
                tracing::warn!(
                    target: "chain",
                    "the new runtime cannot build block #{} ({}): building it with the previous runtime, which the block restores",
                    header.number,
                    failure.0
                );
                let claim = CodeRollback { inherent_data: inherent_data.clone() };
                header.digest.push(claim.to_digest_item());
                Ok(previous)
            }
        }
    }
}
