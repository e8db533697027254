//! The finality task: runs the consensus crate's [`Voter`] against the chain, gossips its
//! votes, finalizes blocks with their justifications, and follows peers' commits.

use std::sync::Arc;
use std::time::Duration;

use codec::Encode;
use lux_chain::Chain;
use lux_consensus::{
    is_descendant_or_equal, set_changed_between, settled_target, slot_at, vote_limit, ChainView,
    FinalityError, Justification, Voter, VoterConfig, VoterOutput, VoterSet,
};
use lux_network::protocol::decode_all;
use lux_network::{Misbehaviour, NetworkHandle, Topic, Validation};
use lux_primitives::consensus::EquivocationProof;
use lux_primitives::{Header, Justifications, Sr25519Public, H256};
use tokio::sync::mpsc;

use crate::consensus::{now_ms, voter_set_at, FinalityMessage, FINALITY_ENGINE_ID};
use crate::network::FinalityInput;
use crate::MemoryKeystore;

/// The chain as the voter sees it, with the slot length (the voting rule below).
struct View<'a>(&'a Chain, u64);

impl ChainView for View<'_> {
    fn header(&self, hash: &H256) -> Option<Header> {
        self.0.header(hash).ok().flatten()
    }

    /// The best block containing `base`, but no further than the first block that changes
    /// the finality set (that block must be finalized by the current set before the next set
    /// takes over), nor into the slot under way ([`settled_target`]).
    fn best_containing(&self, base: &H256) -> Option<(H256, u32)> {
        let info = self.0.info();
        let base_number = self.0.header(base).ok().flatten()?.number;
        let best = (info.best_hash, info.best_number);
        if !is_descendant_or_equal(self, (*base, base_number), best) {
            return Some((*base, base_number));
        }
        let limit = vote_limit(self, info.finalized_number, base_number, best);
        Some(settled_target(self, base_number, limit, slot_at(now_ms(), self.1)))
    }
}

/// The node's parts the finality task works with.
pub(crate) struct FinalityParts {
    /// The chain it finalizes.
    pub chain: Arc<Chain>,
    /// Where equivocation reports go.
    pub pool: Arc<lux_txpool::Pool>,
    /// Where votes and commits go.
    pub network: NetworkHandle,
    /// The session keys it votes with.
    pub keystore: Arc<MemoryKeystore>,
    /// Where the current round is shown.
    pub metrics: crate::metrics::NodeMetrics,
}

/// Runs finality, starting with `set`, until the inputs close.
pub(crate) async fn run(
    parts: FinalityParts,
    set: VoterSet,
    round_duration: Duration,
    mut inputs: mpsc::UnboundedReceiver<FinalityInput>,
    fetch: mpsc::UnboundedSender<(lux_network::PeerId, H256, u32)>,
) {
    let FinalityParts { chain, pool, network, keystore, metrics } = parts;
    let slot_duration = round_duration.as_millis() as u64;
    let config = VoterConfig { round_duration_ms: slot_duration };
    let info = chain.info();
    let mut voter = new_voter(set, config, &keystore, (info.finalized_hash, info.finalized_number));
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let mut rebroadcast = tokio::time::interval(round_duration);
    let mut last_commit: Option<Justification> = None;
    // The previous set's last commit, which finalized the block that handed over to the
    // current set: rebroadcast too, so a peer that missed it (its voter still in the previous
    // set, which no longer votes) can finalize that block and follow.
    let mut handover: Option<Justification> = None;
    // The finalized block whose state gave the current set (checked again past set changes).
    let mut set_checked_at = (info.finalized_hash, info.finalized_number);
    // Commits for blocks we have not imported yet.
    let mut pending: Vec<Justification> = Vec::new();
    loop {
        metrics.finality_round.set(i64::try_from(voter.round()).unwrap_or(i64::MAX));
        let outputs = tokio::select! {
            input = inputs.recv() => match input {
                None => return,
                Some(FinalityInput::Message(peer, data, id)) => {
                    let (validation, outputs) = match decode_all::<FinalityMessage>(&data) {
                        Ok(FinalityMessage::Vote(vote)) => {
                            let (target, number) = (vote.vote.target_hash, vote.vote.target_number);
                            match voter.on_vote(vote, &View(&chain, slot_duration)) {
                            Ok(outputs) => {
                                // A voter's vote (its signature checked) for a block we lack.
                                if chain.header(&target).ok().flatten().is_none() {
                                    let _ = fetch.send((peer, target, number));
                                }
                                (Validation::Accept, outputs)
                            }
                            // A peer a set change ahead of or behind us: no one's fault.
                            Err(FinalityError::WrongSet { .. }) => (Validation::Ignore, Vec::new()),
                            Err(e) => {
                                tracing::debug!(target: "finality", "bad vote from {peer}: {e}");
                                network.report(peer, Misbehaviour::BadSignature);
                                (Validation::Reject, Vec::new())
                            }
                        }}
                        Ok(FinalityMessage::Commit(justification))
                            if justification.set_id != voter.set().set_id() =>
                        {
                            // Another set's commit: ours to check once we reach that set (a
                            // node behind gets it again with the blocks it syncs).
                            let _ = justification;
                            (Validation::Ignore, Vec::new())
                        }
                        Ok(FinalityMessage::Commit(justification)) => {
                            if justification.verify(voter.set()).is_err() {
                                network.report(peer, Misbehaviour::BadSignature);
                                (Validation::Reject, Vec::new())
                            } else {
                                if chain.header(&justification.target_hash).ok().flatten().is_none() {
                                    let _ = fetch.send((
                                        peer,
                                        justification.target_hash,
                                        justification.target_number,
                                    ));
                                }
                                pending.push(justification);
                                (Validation::Accept, Vec::new())
                            }
                        }
                        Err(_) => {
                            network.report(peer, Misbehaviour::Undecodable);
                            (Validation::Reject, Vec::new())
                        }
                    };
                    network.validated(id, peer, validation);
                    outputs
                }
                Some(FinalityInput::Justification(justification)) => {
                    pending.push(justification);
                    Vec::new()
                }
            },
            _ = tick.tick() => voter.tick(&View(&chain, slot_duration), &*keystore, now_ms()),
            _ = rebroadcast.tick() => {
                for vote in voter.own_votes() {
                    network.publish(Topic::Finality, FinalityMessage::Vote(vote).encode());
                }
                for commit in [&handover, &last_commit].into_iter().flatten() {
                    network.publish(Topic::Finality, FinalityMessage::Commit(commit.clone()).encode());
                }
                Vec::new()
            }
        };
        for output in outputs {
            match output {
                VoterOutput::Vote(vote) => {
                    network.publish(Topic::Finality, FinalityMessage::Vote(vote).encode());
                }
                VoterOutput::Finalized(justification) => {
                    if finalize(&chain, &justification) {
                        network.publish(
                            Topic::Finality,
                            FinalityMessage::Commit(justification.clone()).encode(),
                        );
                        last_commit = Some(justification);
                    }
                }
                VoterOutput::Equivocation(proof) => {
                    let report = EquivocationProof::Vote {
                        first: proof.first.clone(),
                        second: proof.second.clone(),
                    };
                    let (chain, pool) = (chain.clone(), pool.clone());
                    tokio::spawn(async move {
                        crate::consensus::report_equivocation(&chain, &pool, report).await
                    });
                    tracing::warn!(
                        target: "finality",
                        "⚠️  {:?} voted twice in round {}: {:?} and {:?}",
                        proof.first.voter,
                        proof.first.round,
                        proof.first.vote,
                        proof.second.vote
                    );
                }
            }
        }
        // Peers' commits for blocks we now have.
        let finalized = chain.info().finalized_number;
        pending.retain(|j| j.target_number > finalized);
        let mut still_pending = Vec::new();
        for justification in pending.drain(..) {
            if chain.header(&justification.target_hash).ok().flatten().is_none() {
                still_pending.push(justification);
                continue;
            }
            // Verified when it arrived (gossip or block import).
            if voter.apply_verified_justification(
                &justification,
                &View(&chain, slot_duration),
                now_ms(),
            ) && finalize(&chain, &justification)
            {
                last_commit = Some(justification);
            }
        }
        still_pending.truncate(64);
        pending = still_pending;

        // A finalized block that changed the set hands over to the next set.
        let finalized = chain.info();
        if finalized.finalized_number > set_checked_at.1 {
            let from = std::mem::replace(
                &mut set_checked_at,
                (finalized.finalized_hash, finalized.finalized_number),
            );
            if set_changed_between(&View(&chain, slot_duration), from.1, set_checked_at) {
                match voter_set_at(&chain, &set_checked_at.0) {
                    Ok(Some(set)) if set.set_id() != voter.set().set_id() => {
                        tracing::info!(
                            target: "finality",
                            "👥 Finality set #{} ({} voters) from block #{}",
                            set.set_id(),
                            set.voters().len(),
                            set_checked_at.1
                        );
                        voter = new_voter(set, config, &keystore, set_checked_at);
                        handover = last_commit.take();
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(target: "finality", "cannot read the finality set: {e}")
                    }
                }
            }
        }
    }
}

/// A voter for `set` from the finalized block `base`, voting with our key if we hold one.
fn new_voter(
    set: VoterSet,
    config: VoterConfig,
    keystore: &MemoryKeystore,
    base: (H256, u32),
) -> Voter {
    let local: Option<Sr25519Public> =
        set.voters().iter().map(|a| a.key).find(|key| keystore.has(key));
    match local {
        Some(key) => {
            tracing::info!(target: "finality", "🗳  Voting on finality as {key:?} (set #{})", set.set_id())
        }
        None => {
            tracing::info!(target: "finality", "👀 Following finality (not a voter of set #{})", set.set_id())
        }
    }
    Voter::new(set, config, local, base, now_ms())
}

/// Finalizes the justification's block in the chain, storing the justification.
fn finalize(chain: &Chain, justification: &Justification) -> bool {
    if justification.target_number <= chain.info().finalized_number {
        return false;
    }
    let justifications = Justifications(vec![(FINALITY_ENGINE_ID, justification.encode())]);
    match chain.finalize(&justification.target_hash, Some(justifications)) {
        Ok(()) => {
            tracing::debug!(
                target: "finality",
                "finalized #{} ({:?}) in round {}",
                justification.target_number,
                justification.target_hash,
                justification.round
            );
            true
        }
        Err(e) => {
            tracing::warn!(target: "finality", "cannot finalize #{}: {e}", justification.target_number);
            false
        }
    }
}
