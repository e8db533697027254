//! Finality: a two-phase vote of the validator set, after GRANDPA.
//!
//! Voting goes in rounds. In round `r` every validator
//! 1. **prevotes** for its best block that contains the previous round's *estimate*;
//! 2. once the *prevote ghost* `g` exists (the highest block whose descendants, itself
//!    included, hold prevotes of more than 2/3 of the stake), **precommits** for `g`;
//! 3. finalizes any block whose descendants hold precommits of more than 2/3 of the stake, and
//!    keeps those signed precommits as the block's [`Justification`];
//! 4. moves to round `r + 1` once round `r` is *completable*: more than 2/3 of the stake has
//!    precommitted, and the round's *estimate* `E` (the highest ancestor of `g` that can still
//!    reach a 2/3 precommit majority) can no longer move. The next prevote must contain `E`.
//!
//! A vote for a block counts for all of its ancestors. A validator that signs two different
//! votes of one kind in one round is an equivocator: its weight counts for every block (it
//! could have voted anything), and the two signed votes are a [`VoteEquivocation`] proof.
//!
//! The [`Voter`] is a state machine with no I/O and no clock: the node (or a simulation) feeds
//! it votes and the time, and sends out what it returns.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use codec::{Decode, Encode};
use lux_primitives::{Header, Sr25519Public, H256};

use crate::epoch::Authority;
use crate::SessionSigner;

pub use lux_primitives::consensus::{vote_payload, Round, SetId, SignedVote, Vote, VoteKind};

/// Most blocks a justification may carry to link precommits to their target.
pub const MAX_JUSTIFICATION_ANCESTRY: usize = 4_096;

/// Signs `vote` with `voter`'s key; `None` if `signer` does not hold it.
pub fn sign_vote(
    vote: Vote,
    round: Round,
    set_id: SetId,
    voter: Sr25519Public,
    signer: &dyn SessionSigner,
) -> Option<SignedVote> {
    let signature = signer.sign(&voter, &vote_payload(&vote, round, set_id))?;
    Some(SignedVote { vote, round, set_id, voter, signature })
}

/// Whether a vote's signature is its voter's.
pub fn verify_vote(vote: &SignedVote) -> bool {
    vote.verify_with(lux_io::crypto_native::sr25519_verify)
}

/// Why a vote, justification or equivocation proof is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FinalityError {
    /// The message is for another authority set.
    #[error("authority set {got} is not the current set {expected}")]
    WrongSet {
        /// The current set.
        expected: SetId,
        /// The message's set.
        got: SetId,
    },
    /// The signer is not in the authority set.
    #[error("voter {0:?} is not in the authority set")]
    UnknownVoter(Sr25519Public),
    /// A signature does not verify.
    #[error("bad signature from {0:?}")]
    BadSignature(Sr25519Public),
    /// A justification names a voter twice.
    #[error("voter {0:?} appears twice")]
    DuplicateVoter(Sr25519Public),
    /// A justification holds a prevote or a vote of another round.
    #[error("vote of another kind or round in a justification")]
    WrongVote,
    /// A precommit is not for the target or one of its descendants via the ancestry given.
    #[error("precommit for {0:?} does not descend from the justification's target")]
    NotDescendant(H256),
    /// The precommits hold 2/3 of the stake or less.
    #[error("precommits hold {got} of {total} stake weight, more than 2/3 needed")]
    NotEnoughWeight {
        /// Weight of the valid precommits.
        got: u128,
        /// Total weight.
        total: u128,
    },
    /// The justification is larger than any valid one.
    #[error("justification too large")]
    TooLarge,
    /// Two votes are not an equivocation.
    #[error("the votes are not conflicting votes of one voter in one round")]
    NotEquivocation,
    /// The authority set is empty or names a key twice.
    #[error("invalid authority set")]
    InvalidSet,
}

/// The validators that vote, with their weights.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VoterSet {
    set_id: SetId,
    voters: Vec<Authority>,
}

impl VoterSet {
    /// A set with at least one voter of positive weight and no key twice.
    pub fn new(set_id: SetId, voters: Vec<Authority>) -> Result<Self, FinalityError> {
        let keys: BTreeSet<_> = voters.iter().map(|a| a.key).collect();
        if keys.len() != voters.len() || voters.iter().all(|a| a.weight == 0) {
            return Err(FinalityError::InvalidSet);
        }
        Ok(Self { set_id, voters })
    }

    /// The set's id.
    pub fn set_id(&self) -> SetId {
        self.set_id
    }

    /// The voters.
    pub fn voters(&self) -> &[Authority] {
        &self.voters
    }

    /// Total weight.
    pub fn total(&self) -> u128 {
        self.voters.iter().map(|a| u128::from(a.weight)).sum()
    }

    /// Whether `weight` is more than 2/3 of the total.
    pub fn is_supermajority(&self, weight: u128) -> bool {
        weight * 3 > self.total() * 2
    }

    /// A voter's index.
    pub fn index_of(&self, key: &Sr25519Public) -> Option<usize> {
        self.voters.iter().position(|a| a.key == *key)
    }

    fn weight(&self, index: usize) -> u128 {
        self.voters.get(index).map_or(0, |a| u128::from(a.weight))
    }

    fn check(&self, vote: &SignedVote) -> Result<usize, FinalityError> {
        if vote.set_id != self.set_id {
            return Err(FinalityError::WrongSet { expected: self.set_id, got: vote.set_id });
        }
        let index = self.index_of(&vote.voter).ok_or(FinalityError::UnknownVoter(vote.voter))?;
        if !verify_vote(vote) {
            return Err(FinalityError::BadSignature(vote.voter));
        }
        Ok(index)
    }
}

/// Proof that a block is final: precommits of more than 2/3 of the stake, in one round, for
/// the target or its descendants, with the headers linking those descendants to the target.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Justification {
    /// The round the precommits are from.
    pub round: Round,
    /// The authority set.
    pub set_id: SetId,
    /// The finalized block.
    pub target_hash: H256,
    /// Its number.
    pub target_number: u32,
    /// One precommit per voter.
    pub precommits: Vec<SignedVote>,
    /// Headers from precommit targets back to (not including) the target.
    pub ancestry: Vec<Header>,
}

impl Justification {
    /// Checks every signature, the voters' distinctness and weight, and that every precommit
    /// is for the target or a descendant (through `ancestry`).
    pub fn verify(&self, set: &VoterSet) -> Result<(), FinalityError> {
        if self.set_id != set.set_id {
            return Err(FinalityError::WrongSet { expected: set.set_id, got: self.set_id });
        }
        if self.precommits.len() > set.voters.len()
            || self.ancestry.len() > MAX_JUSTIFICATION_ANCESTRY
        {
            return Err(FinalityError::TooLarge);
        }
        let headers: HashMap<H256, &Header> = self.ancestry.iter().map(|h| (h.hash(), h)).collect();
        let mut seen = BTreeSet::new();
        let mut weight = 0u128;
        for precommit in &self.precommits {
            if precommit.round != self.round || precommit.vote.kind != VoteKind::Precommit {
                return Err(FinalityError::WrongVote);
            }
            let index = set.check(precommit)?;
            if !seen.insert(index) {
                return Err(FinalityError::DuplicateVoter(precommit.voter));
            }
            let (mut hash, mut number) = (precommit.vote.target_hash, precommit.vote.target_number);
            while hash != self.target_hash {
                let header = headers
                    .get(&hash)
                    .filter(|h| h.number == number && number > self.target_number)
                    .ok_or(FinalityError::NotDescendant(precommit.vote.target_hash))?;
                (hash, number) = (header.parent_hash, header.number - 1);
            }
            if number != self.target_number {
                return Err(FinalityError::NotDescendant(precommit.vote.target_hash));
            }
            weight += set.weight(index);
        }
        if !set.is_supermajority(weight) {
            return Err(FinalityError::NotEnoughWeight { got: weight, total: set.total() });
        }
        Ok(())
    }
}

/// Two conflicting votes signed by one validator in one round: a slashable offence.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VoteEquivocation {
    /// The first vote seen.
    pub first: SignedVote,
    /// The conflicting one.
    pub second: SignedVote,
}

impl VoteEquivocation {
    /// Checks that both votes are signed by the same member of `set`, in the same round and
    /// phase, for different blocks.
    pub fn verify(&self, set: &VoterSet) -> Result<(), FinalityError> {
        let (a, b) = (&self.first, &self.second);
        if a.voter != b.voter
            || a.round != b.round
            || a.set_id != b.set_id
            || a.vote.kind != b.vote.kind
            || a.vote == b.vote
        {
            return Err(FinalityError::NotEquivocation);
        }
        set.check(a)?;
        set.check(b)?;
        Ok(())
    }
}

/// What the voter needs to know of the chain.
pub trait ChainView {
    /// A known block's header.
    fn header(&self, hash: &H256) -> Option<Header>;
    /// The best block that descends from (or is) `base`, with its number.
    fn best_containing(&self, base: &H256) -> Option<(H256, u32)>;
}

/// A block and its number.
pub type BlockId = (H256, u32);

/// The voting rule: `target` (a best block above `#base`), or its latest ancestor above
/// `#base` from a slot before `current_slot`. A block of the slot under way may still have
/// siblings on their way (a primary one outweighs it), and the next author picks its parent
/// only when the slot is over: votes cast before then could finalize the sibling that author
/// did not build on, and cost it its slot. With it, blocks are final about a slot later.
pub fn settled_target(
    chain: &dyn ChainView,
    base: u32,
    target: BlockId,
    current_slot: crate::Slot,
) -> BlockId {
    let (mut hash, mut number) = target;
    while number > base {
        let Some(header) = chain.header(&hash) else { break };
        if crate::PreDigest::find(&header).is_none_or(|claim| claim.slot() < current_slot) {
            break;
        }
        (hash, number) = (header.parent_hash, number - 1);
    }
    (hash, number)
}

/// The blocks from `block` down to, not including, `base` (newest first), if `block` descends
/// from `base` (or is it) and every header between is known.
fn path_to(chain: &dyn ChainView, base: BlockId, block: BlockId) -> Option<Vec<Header>> {
    let mut path = Vec::new();
    let (mut hash, mut number) = block;
    while number > base.1 {
        let header = chain.header(&hash)?;
        if header.number != number {
            return None;
        }
        (hash, number) = (header.parent_hash, number - 1);
        path.push(header);
    }
    (hash == base.0 && number == base.1).then_some(path)
}

/// Whether `block` is `ancestor` or descends from it.
pub fn is_descendant_or_equal(chain: &dyn ChainView, ancestor: BlockId, block: BlockId) -> bool {
    path_to(chain, ancestor, block).is_some()
}

/// Votes of one kind in one round.
#[derive(Clone, Debug, Default)]
struct Votes {
    /// Each voter's first vote.
    first: BTreeMap<usize, SignedVote>,
    /// Voters seen voting twice, with their second vote.
    equivocators: BTreeMap<usize, SignedVote>,
}

/// Weight per block, counting each vote for the block and its ancestors down to a base.
struct Tally {
    blocks: HashMap<H256, (u32, H256, u128)>,
    /// Weight that counts for every block: equivocators'.
    wildcard: u128,
    /// Weight of every voter seen (equivocators included).
    seen: u128,
}

impl Tally {
    fn of(set: &VoterSet, votes: &Votes, base: BlockId, chain: &dyn ChainView) -> Self {
        let mut blocks: HashMap<H256, (u32, H256, u128)> = HashMap::new();
        blocks.insert(base.0, (base.1, H256::zero(), 0));
        let (mut wildcard, mut seen) = (0, 0);
        for (index, vote) in &votes.first {
            let weight = set.weight(*index);
            seen += weight;
            if votes.equivocators.contains_key(index) {
                wildcard += weight;
                continue;
            }
            let target = (vote.vote.target_hash, vote.vote.target_number);
            let Some(path) = path_to(chain, base, target) else { continue };
            for header in path {
                let entry =
                    blocks.entry(header.hash()).or_insert((header.number, header.parent_hash, 0));
                entry.2 += weight;
            }
            if let Some(entry) = blocks.get_mut(&base.0) {
                entry.2 += weight;
            }
        }
        Self { blocks, wildcard, seen }
    }

    /// The highest block with a supermajority (lowest hash among equals), if any.
    fn ghost(&self, set: &VoterSet) -> Option<BlockId> {
        self.blocks
            .iter()
            .filter(|(_, (_, _, w))| set.is_supermajority(w + self.wildcard))
            .max_by_key(|(hash, (number, _, _))| (*number, std::cmp::Reverse(**hash)))
            .map(|(hash, (number, _, _))| (*hash, *number))
    }

    /// Whether `block` can still reach a supermajority once the unseen voters vote.
    fn possible(&self, set: &VoterSet, weight: u128) -> bool {
        set.is_supermajority(weight + self.wildcard + (set.total() - self.seen))
    }
}

/// One round's votes and what we did in it.
#[derive(Clone, Debug, Default)]
struct RoundState {
    prevotes: Votes,
    precommits: Votes,
    prevoted: bool,
    precommitted: bool,
}

impl RoundState {
    fn votes_mut(&mut self, kind: VoteKind) -> &mut Votes {
        match kind {
            VoteKind::Prevote => &mut self.prevotes,
            VoteKind::Precommit => &mut self.precommits,
        }
    }
}

/// What the voter asks its node to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoterOutput {
    /// Broadcast our vote.
    Vote(SignedVote),
    /// The block is final; store and serve the justification.
    Finalized(Justification),
    /// A validator equivocated; report the proof.
    Equivocation(VoteEquivocation),
}

/// The voter's timing.
#[derive(Clone, Copy, Debug)]
pub struct VoterConfig {
    /// A round lasts at least this long; we precommit at the latest half-way through it when
    /// some prevotes are missing.
    pub round_duration_ms: u64,
}

/// One validator's (or an observer's) finality state machine for one authority set.
pub struct Voter {
    set: VoterSet,
    config: VoterConfig,
    /// Our key, when we vote (observers only follow).
    local: Option<Sr25519Public>,
    round: Round,
    round_start: u64,
    finalized: BlockId,
    /// The estimate adopted when the last round completed (or a caught-up finalized block):
    /// used when that round's votes are no longer kept.
    estimate: BlockId,
    rounds: BTreeMap<Round, RoundState>,
}

impl Voter {
    /// A voter starting at round 1 with `finalized` as the last finalized block.
    pub fn new(
        set: VoterSet,
        config: VoterConfig,
        local: Option<Sr25519Public>,
        finalized: BlockId,
        now: u64,
    ) -> Self {
        let local = local.filter(|key| set.index_of(key).is_some());
        let mut rounds = BTreeMap::new();
        rounds.insert(1, RoundState::default());
        Self {
            set,
            config,
            local,
            round: 1,
            round_start: now,
            finalized,
            estimate: finalized,
            rounds,
        }
    }

    /// The current round.
    pub fn round(&self) -> Round {
        self.round
    }

    /// The last block this voter finalized.
    pub fn finalized(&self) -> BlockId {
        self.finalized
    }

    /// The authority set.
    pub fn set(&self) -> &VoterSet {
        &self.set
    }

    /// Our own votes of the current and previous rounds, to re-broadcast to peers that missed
    /// them.
    pub fn own_votes(&self) -> Vec<SignedVote> {
        let Some(local) = self.local else { return Vec::new() };
        let Some(index) = self.set.index_of(&local) else { return Vec::new() };
        self.rounds
            .range(self.round.saturating_sub(1)..)
            .flat_map(|(_, state)| {
                [state.prevotes.first.get(&index), state.precommits.first.get(&index)]
            })
            .flatten()
            .cloned()
            .collect()
    }

    /// Takes a vote from the network. Votes for old rounds, or more than one round ahead,
    /// are ignored; invalid ones are an error (the peer that sent them is to blame).
    pub fn on_vote(
        &mut self,
        vote: SignedVote,
        chain: &dyn ChainView,
    ) -> Result<Vec<VoterOutput>, FinalityError> {
        let index = self.set.check(&vote)?;
        if vote.round + 1 < self.round || vote.round > self.round + 1 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let (round, kind) = (vote.round, vote.vote.kind);
        let votes = self.rounds.entry(round).or_default().votes_mut(kind);
        match votes.first.get(&index) {
            None => {
                votes.first.insert(index, vote);
            }
            Some(first) if first.vote == vote.vote => return Ok(out),
            // The first conflicting vote is kept and reported; later ones change nothing.
            Some(first) if !votes.equivocators.contains_key(&index) => {
                let first = first.clone();
                votes.equivocators.insert(index, vote.clone());
                out.push(VoterOutput::Equivocation(VoteEquivocation { first, second: vote }));
            }
            Some(_) => {}
        }
        out.extend(self.check_finality(chain));
        Ok(out)
    }

    /// Accepts a justification from a peer for a block we have imported: finalizes it and, if
    /// the justification is from our round or later, catches up to the round after it.
    pub fn on_justification(
        &mut self,
        justification: &Justification,
        chain: &dyn ChainView,
        now: u64,
    ) -> Result<bool, FinalityError> {
        justification.verify(&self.set)?;
        Ok(self.apply_verified_justification(justification, chain, now))
    }

    /// [`Voter::on_justification`] for a justification the caller has already verified
    /// against this voter set (so its signatures are not checked twice).
    pub fn apply_verified_justification(
        &mut self,
        justification: &Justification,
        chain: &dyn ChainView,
        now: u64,
    ) -> bool {
        let target = (justification.target_hash, justification.target_number);
        if target.1 <= self.finalized.1 || !is_descendant_or_equal(chain, self.finalized, target) {
            return false;
        }
        self.finalized = target;
        if !is_descendant_or_equal(chain, target, self.estimate) {
            self.estimate = target;
        }
        if justification.round >= self.round {
            self.start_round(justification.round + 1, now);
        }
        true
    }

    /// Advances the state machine at time `now`: casts our votes when due, finalizes, and
    /// moves to the next round when the current one is completable.
    pub fn tick(
        &mut self,
        chain: &dyn ChainView,
        signer: &dyn SessionSigner,
        now: u64,
    ) -> Vec<VoterOutput> {
        let mut out = Vec::new();
        loop {
            if let Some(vote) = self.maybe_prevote(chain, signer) {
                out.push(VoterOutput::Vote(vote));
            }
            if let Some(vote) = self.maybe_precommit(chain, signer, now) {
                out.push(VoterOutput::Vote(vote));
            }
            out.extend(self.check_finality(chain));
            if now < self.round_start + self.config.round_duration_ms {
                break;
            }
            let Some(estimate) = self.completable(chain) else { break };
            self.estimate = estimate;
            self.start_round(self.round + 1, now);
        }
        out
    }

    fn start_round(&mut self, round: Round, now: u64) {
        tracing::debug!(
            target: "finality",
            "round {round}: estimate #{} {:?}, finalized #{}",
            self.estimate.1,
            self.estimate.0,
            self.finalized.1
        );
        self.round = round;
        self.round_start = now;
        self.rounds.retain(|r, _| *r + 1 >= round);
        self.rounds.entry(round).or_default();
    }

    fn cast(
        &mut self,
        kind: VoteKind,
        target: BlockId,
        signer: &dyn SessionSigner,
    ) -> Option<SignedVote> {
        let local = self.local?;
        let index = self.set.index_of(&local)?;
        let vote = Vote { kind, target_hash: target.0, target_number: target.1 };
        let signed = sign_vote(vote, self.round, self.set.set_id, local, signer)?;
        let state = self.rounds.entry(self.round).or_default();
        state.votes_mut(kind).first.entry(index).or_insert_with(|| signed.clone());
        Some(signed)
    }

    fn maybe_prevote(
        &mut self,
        chain: &dyn ChainView,
        signer: &dyn SessionSigner,
    ) -> Option<SignedVote> {
        let state = self.rounds.entry(self.round).or_default();
        if state.prevoted || self.local.is_none() {
            return None;
        }
        state.prevoted = true;
        let estimate = self.estimate(chain);
        let target = chain.best_containing(&estimate.0).unwrap_or(estimate);
        self.cast(VoteKind::Prevote, target, signer)
    }

    fn maybe_precommit(
        &mut self,
        chain: &dyn ChainView,
        signer: &dyn SessionSigner,
        now: u64,
    ) -> Option<SignedVote> {
        let state = self.rounds.get(&self.round)?;
        if state.precommitted || self.local.is_none() {
            return None;
        }
        let tally = Tally::of(&self.set, &state.prevotes, self.finalized, chain);
        let all_in = tally.seen == self.set.total();
        let half_way = now >= self.round_start + self.config.round_duration_ms / 2;
        if !(all_in || half_way) {
            return None;
        }
        let ghost = tally.ghost(&self.set)?;
        if !is_descendant_or_equal(chain, self.estimate(chain), ghost) {
            return None;
        }
        self.rounds.get_mut(&self.round)?.precommitted = true;
        self.cast(VoteKind::Precommit, ghost, signer)
    }

    /// A round's prevote ghost and estimate (the highest ancestor of the ghost that can still
    /// get a precommit supermajority), with the precommit tally. The estimate only moves down
    /// as precommits arrive.
    fn round_estimate(
        &self,
        round: Round,
        chain: &dyn ChainView,
    ) -> Option<(BlockId, BlockId, Tally)> {
        let state = self.rounds.get(&round)?;
        let prevotes = Tally::of(&self.set, &state.prevotes, self.finalized, chain);
        let ghost = prevotes.ghost(&self.set)?;
        let precommits = Tally::of(&self.set, &state.precommits, self.finalized, chain);
        let weight_of = |hash: &H256| precommits.blocks.get(hash).map_or(0, |(_, _, w)| *w);
        let mut block = ghost;
        while !precommits.possible(&self.set, weight_of(&block.0)) && block.1 > self.finalized.1 {
            let header = chain.header(&block.0)?;
            block = (header.parent_hash, block.1 - 1);
        }
        Some((ghost, block, precommits))
    }

    /// The block our votes must contain: the previous round's estimate as it stands now (all
    /// honest voters converge on it as its votes arrive), else the last one we adopted.
    fn estimate(&self, chain: &dyn ChainView) -> BlockId {
        let previous = self.round.checked_sub(1).and_then(|r| self.round_estimate(r, chain));
        let estimate = previous.map_or(self.estimate, |(_, estimate, _)| estimate);
        if is_descendant_or_equal(chain, self.finalized, estimate) {
            estimate
        } else {
            self.finalized
        }
    }

    /// The round's estimate if the current round is completable.
    fn completable(&self, chain: &dyn ChainView) -> Option<BlockId> {
        let (ghost, estimate, precommits) = self.round_estimate(self.round, chain)?;
        if !self.set.is_supermajority(precommits.seen) {
            return None;
        }
        if estimate != ghost {
            return Some(estimate);
        }
        // The estimate is the ghost itself: completable only if no child of it can still win.
        let best_child = precommits
            .blocks
            .values()
            .filter(|(_, parent, _)| *parent == ghost.0)
            .map(|(_, _, w)| *w)
            .max()
            .unwrap_or(0);
        (!precommits.possible(&self.set, best_child)).then_some(ghost)
    }

    /// Finalizes the highest block with a precommit supermajority in a live round.
    fn check_finality(&mut self, chain: &dyn ChainView) -> Vec<VoterOutput> {
        let mut out = Vec::new();
        let rounds: Vec<Round> = self.rounds.keys().copied().collect();
        for round in rounds {
            let Some(state) = self.rounds.get(&round) else { continue };
            let tally = Tally::of(&self.set, &state.precommits, self.finalized, chain);
            let Some(target) = tally.ghost(&self.set) else { continue };
            if target.1 <= self.finalized.1 {
                continue;
            }
            let Some(justification) = self.justify(round, target, chain) else { continue };
            self.finalized = target;
            if !is_descendant_or_equal(chain, target, self.estimate) {
                self.estimate = target;
            }
            out.push(VoterOutput::Finalized(justification));
        }
        out
    }

    /// Collects one precommit per voter for `target` or its descendants, with ancestry.
    fn justify(
        &self,
        round: Round,
        target: BlockId,
        chain: &dyn ChainView,
    ) -> Option<Justification> {
        let state = self.rounds.get(&round)?;
        let mut precommits = Vec::new();
        let mut ancestry: BTreeMap<H256, Header> = BTreeMap::new();
        let mut weight = 0;
        for (index, first) in &state.precommits.first {
            let candidates = [Some(first), state.precommits.equivocators.get(index)];
            for vote in candidates.into_iter().flatten() {
                let block = (vote.vote.target_hash, vote.vote.target_number);
                if let Some(path) = path_to(chain, target, block) {
                    for header in path {
                        ancestry.insert(header.hash(), header);
                    }
                    precommits.push(vote.clone());
                    weight += self.set.weight(*index);
                    break;
                }
            }
        }
        if !self.set.is_supermajority(weight) {
            return None;
        }
        Some(Justification {
            round,
            set_id: self.set.set_id,
            target_hash: target.0,
            target_number: target.1,
            precommits,
            ancestry: ancestry.into_values().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_keys::Sr25519Pair;
    use lux_primitives::Digest;

    /// A chain: genesis, then blocks named by a byte, each on a given parent.
    #[derive(Default)]
    struct Chain {
        headers: HashMap<H256, Header>,
        best: Option<BlockId>,
    }

    impl Chain {
        fn add(&mut self, parent: Option<H256>, tag: u8) -> BlockId {
            let parent_header = parent.and_then(|p| self.headers.get(&p).cloned());
            let header = Header {
                parent_hash: parent.unwrap_or_default(),
                number: parent_header.map_or(0, |h| h.number + 1),
                state_root: H256::repeat_byte(tag),
                extrinsics_root: H256::zero(),
                digest: Digest::default(),
            };
            let id = (header.hash(), header.number);
            self.headers.insert(id.0, header);
            id
        }
    }

    impl ChainView for Chain {
        fn header(&self, hash: &H256) -> Option<Header> {
            self.headers.get(hash).cloned()
        }

        fn best_containing(&self, base: &H256) -> Option<BlockId> {
            let base = (*base, self.headers.get(base)?.number);
            self.best.filter(|best| is_descendant_or_equal(self, base, *best))
        }
    }

    fn setup() -> (Vec<Sr25519Pair>, VoterSet) {
        let pairs: Vec<_> = ["alice", "bob", "charlie", "dave"]
            .iter()
            .map(|n| lux_keys::dev_session_key(n).expect("dev key"))
            .collect();
        let voters = pairs.iter().map(|p| Authority { key: Sr25519Public(p.public()), weight: 1 });
        let set = VoterSet::new(0, voters.collect()).expect("valid set");
        (pairs, set)
    }

    fn voters(set: &VoterSet, genesis: BlockId) -> Vec<Voter> {
        let config = VoterConfig { round_duration_ms: 100 };
        set.voters()
            .iter()
            .map(|a| Voter::new(set.clone(), config, Some(a.key), genesis, 0))
            .collect()
    }

    /// Delivers every vote to every voter until nothing new happens; returns finalized blocks.
    fn run(
        voters: &mut [Voter],
        chain: &Chain,
        keys: &dyn SessionSigner,
        now: u64,
    ) -> Vec<Justification> {
        let mut finalized = Vec::new();
        let mut pending: Vec<SignedVote> = Vec::new();
        for _ in 0..10 {
            for voter in voters.iter_mut() {
                let mut out = voter.tick(chain, keys, now);
                for vote in pending.iter() {
                    out.extend(voter.on_vote(vote.clone(), chain).expect("valid vote"));
                }
                for o in out {
                    match o {
                        VoterOutput::Vote(v) => pending.push(v),
                        VoterOutput::Finalized(j) => finalized.push(j),
                        VoterOutput::Equivocation(e) => panic!("unexpected {e:?}"),
                    }
                }
            }
        }
        finalized
    }

    #[test]
    fn votes_leave_out_the_blocks_of_the_slot_under_way() {
        let mut chain = Chain::default();
        let genesis = chain.add(None, 0);
        // Blocks 1, 2, 3 in slots 10, 11, 12.
        let mut ids = vec![genesis];
        for slot in 10..13u64 {
            let parent = chain.headers[&ids[ids.len() - 1].0].clone();
            let mut digest = Digest::default();
            digest.push(crate::PreDigest::Secondary { authority_index: 0, slot }.to_digest_item());
            let header = Header {
                parent_hash: parent.hash(),
                number: parent.number + 1,
                state_root: H256::zero(),
                extrinsics_root: H256::zero(),
                digest,
            };
            ids.push((header.hash(), header.number));
            chain.headers.insert(header.hash(), header);
        }
        let head = ids[3];
        assert_eq!(settled_target(&chain, 0, head, 13), head, "slot 12 is over");
        assert_eq!(settled_target(&chain, 0, head, 12), ids[2], "slot 12 is under way");
        assert_eq!(settled_target(&chain, 0, head, 11), ids[1]);
        assert_eq!(settled_target(&chain, 1, head, 5), ids[1], "never below the base");
        assert_eq!(settled_target(&chain, 0, head, 0), genesis, "genesis has no slot");
    }

    #[test]
    fn four_voters_finalize_the_best_chain_with_a_valid_justification() {
        let (keys, set) = setup();
        let mut chain = Chain::default();
        let genesis = chain.add(None, 0);
        let b1 = chain.add(Some(genesis.0), 1);
        let b2 = chain.add(Some(b1.0), 2);
        chain.best = Some(b2);
        let mut voters = voters(&set, genesis);
        let finalized = run(&mut voters, &chain, &keys, 0);
        assert_eq!(finalized.len(), 4, "every voter finalizes once");
        for justification in &finalized {
            assert_eq!((justification.target_hash, justification.target_number), b2);
            justification.verify(&set).expect("valid justification");
        }
        assert!(voters.iter().all(|v| v.finalized() == b2));
        // The round completes once its time is up.
        run(&mut voters, &chain, &keys, 100);
        assert!(voters.iter().all(|v| v.round() == 2));
    }

    #[test]
    fn two_of_four_never_finalize() {
        let (keys, set) = setup();
        let mut chain = Chain::default();
        let genesis = chain.add(None, 0);
        let b1 = chain.add(Some(genesis.0), 1);
        chain.best = Some(b1);
        let mut voters = voters(&set, genesis);
        let finalized = run(&mut voters[..2], &chain, &keys, 1_000);
        assert!(finalized.is_empty());
        assert!(voters.iter().all(|v| v.finalized() == genesis && v.round() == 1));
    }

    #[test]
    fn forged_or_short_justifications_are_refused() {
        let (keys, set) = setup();
        let mut chain = Chain::default();
        let genesis = chain.add(None, 0);
        let b1 = chain.add(Some(genesis.0), 1);
        let b2 = chain.add(Some(b1.0), 2);
        chain.best = Some(b2);
        let mut voters = voters(&set, genesis);
        let good = run(&mut voters, &chain, &keys, 0).remove(0);
        good.verify(&set).expect("valid");

        let mut short = good.clone();
        short.precommits.truncate(2);
        assert!(matches!(
            short.verify(&set),
            Err(FinalityError::NotEnoughWeight { got: 2, total: 4 })
        ));
        let mut doubled = good.clone();
        doubled.precommits[1] = doubled.precommits[0].clone();
        assert!(matches!(doubled.verify(&set), Err(FinalityError::DuplicateVoter(_))));
        let mut forged = good.clone();
        forged.precommits[0].vote.target_hash = b1.0;
        forged.precommits[0].vote.target_number = b1.1;
        assert!(matches!(forged.verify(&set), Err(FinalityError::BadSignature(_))));
        // Claiming the precommits finalize a block they are not for.
        let mut other = good.clone();
        let sibling = chain.add(Some(b1.0), 9);
        (other.target_hash, other.target_number) = sibling;
        assert!(matches!(other.verify(&set), Err(FinalityError::NotDescendant(_))));
        // A justification for b1 made of precommits for b2 needs b2's header.
        let mut for_parent = good.clone();
        (for_parent.target_hash, for_parent.target_number) = b1;
        assert!(matches!(for_parent.verify(&set), Err(FinalityError::NotDescendant(_))));
        for_parent.ancestry.push(chain.headers[&b2.0].clone());
        for_parent.verify(&set).expect("b2's precommits count for b1");
        let other_set = VoterSet::new(1, set.voters().to_vec()).expect("valid");
        assert!(matches!(good.verify(&other_set), Err(FinalityError::WrongSet { .. })));
        // Decoding garbage fails cleanly.
        assert!(Justification::decode(&mut &[0xff; 40][..]).is_err());
    }

    #[test]
    fn double_votes_are_reported_with_a_verifiable_proof() {
        let (keys, set) = setup();
        let mut chain = Chain::default();
        let genesis = chain.add(None, 0);
        let a = chain.add(Some(genesis.0), 1);
        let b = chain.add(Some(genesis.0), 2);
        chain.best = Some(a);
        let mut observer =
            Voter::new(set.clone(), VoterConfig { round_duration_ms: 100 }, None, genesis, 0);
        let bob = set.voters()[1].key;
        let vote = |target: BlockId| {
            let vote =
                Vote { kind: VoteKind::Prevote, target_hash: target.0, target_number: target.1 };
            sign_vote(vote, 1, 0, bob, &keys).expect("bob signs")
        };
        assert!(observer.on_vote(vote(a), &chain).expect("valid").is_empty());
        assert!(observer.on_vote(vote(a), &chain).expect("duplicate").is_empty());
        let out = observer.on_vote(vote(b), &chain).expect("valid");
        let [VoterOutput::Equivocation(proof)] = &out[..] else { panic!("no proof: {out:?}") };
        proof.verify(&set).expect("a valid proof");
        // Reported once.
        assert!(observer.on_vote(vote(b), &chain).expect("valid").is_empty());
        // Not proofs: the same vote twice, or two voters.
        let same = VoteEquivocation { first: vote(a), second: vote(a) };
        assert_eq!(same.verify(&set), Err(FinalityError::NotEquivocation));
        let mut stranger = vote(b);
        stranger.voter = set.voters()[2].key;
        let two = VoteEquivocation { first: vote(a), second: stranger.clone() };
        assert_eq!(two.verify(&set), Err(FinalityError::NotEquivocation));
        assert_eq!(
            observer.on_vote(stranger, &chain),
            Err(FinalityError::BadSignature(set.voters()[2].key))
        );
    }
}
