//! A seeded, deterministic simulation of N validators running LuxTensor's consensus logic:
//! VRF slot claims in rotating epochs (each block's epoch state kept with the same
//! `EpochState` rules the runtime runs), sealed headers, fork choice and finality votes, over a
//! simulated network
//! with explicit latency, message loss, partitions and stopped nodes, with Byzantine actors (an
//! author sealing two headers for one slot, a validator voting twice), validator-set changes
//! at an epoch boundary and an offender disabled within an epoch, each handed over with the
//! node's rules (`lux_consensus::handover`).
//! Everything random comes from one seed, so a seed replays the same run.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use codec::Encode;
use lux_consensus::{
    changes_finality_set, check_header, seal_header, set_changed_between, settled_target,
    vote_limit, Authority, BlockEquivocation, BlockTree, ChainView, ChainWeight, Epoch,
    EquivocationDetector, FinalityError, Justification, PreDigest, SignedVote, Vote,
    VoteEquivocation, VoteKind, Voter, VoterConfig, VoterOutput, VoterSet,
};
use lux_keys::Sr25519Pair;
use lux_primitives::consensus::ConsensusLog;
use lux_primitives::consensus::{accumulate_randomness, randomness_accumulator, EpochState, Slot};
use lux_primitives::hashing::blake2_256;
use lux_primitives::{Digest, Header, Sr25519Public, H256};

const SLOT_MS: u64 = 500;
const TICK_MS: u64 = 25;
const ROUND_MS: u64 = 500;
/// Slots per epoch: a 60-slot run crosses five epoch changes.
const EPOCH_SLOTS: u64 = 10;

/// What every node knows about the chain's consensus (what the runtime tells the node): the
/// authorities, which may change once, from epoch `change.0` on, to `change.1`, as staking's
/// elections change them; an offender (`disable.1`) reported in the block at height
/// `disable.0`, on every fork, and so disabled for the rest of that epoch; epochs are
/// `EPOCH_SLOTS` long.
struct Rules {
    authorities: Vec<Authority>,
    change: Option<(u64, Vec<Authority>)>,
    disable: Option<(u32, Sr25519Public)>,
}

/// What the runtime's state says about consensus after a block, as the session pallet keeps
/// it: the epoch, the finality set that finalizes the block's children, and the authority
/// disabled for the rest of the epoch.
#[derive(Clone, Debug)]
struct BlockState {
    epoch: EpochState,
    set_id: u64,
    voters: Vec<Authority>,
    disabled: Option<u32>,
}

impl Rules {
    /// The authorities of epoch `index`.
    fn authorities(&self, index: u64) -> &[Authority] {
        match &self.change {
            Some((from, next)) if index >= *from => next,
            _ => &self.authorities,
        }
    }

    /// The epoch of a block in `slot` on a parent with epoch state `parent`.
    fn epoch(&self, parent: &EpochState, slot: Slot) -> Epoch {
        let (index, start_slot, randomness) = parent.epoch_of(slot, EPOCH_SLOTS);
        Epoch {
            index,
            start_slot,
            length: EPOCH_SLOTS,
            randomness,
            authorities: self.authorities(index).to_vec(),
            primary_probability: (1, 4),
        }
    }

    /// The state after block #`number` with `claim` on a parent with state `parent`, and the
    /// `FinalitySetChange` the block must carry if its voters differ from the parent's (as the
    /// runtime deposits it); `None` if the runtime refuses the block (its slots go backwards,
    /// or its author is disabled).
    fn next_state(
        &self,
        parent: &BlockState,
        number: u32,
        claim: &PreDigest,
    ) -> Option<(BlockState, Option<ConsensusLog>)> {
        let mut epoch = parent.epoch.clone();
        let started = epoch.genesis_slot.is_some();
        epoch.enter(claim, EPOCH_SLOTS, blake2_256).ok()?;
        // A new session: its authorities, none disabled.
        let rotated = started && epoch.index > parent.epoch.index;
        let mut disabled = if rotated { None } else { parent.disabled };
        if disabled == Some(claim.authority_index()) {
            return None;
        }
        let authorities = self.authorities(if started { epoch.index } else { 0 });
        if let Some((height, offender)) = self.disable {
            if number == height {
                disabled = authorities.iter().position(|a| a.key == offender).map(|i| i as u32);
            }
        }
        let voters: Vec<Authority> = authorities
            .iter()
            .enumerate()
            .filter(|(i, _)| disabled != Some(*i as u32))
            .map(|(_, a)| *a)
            .collect();
        let (set_id, log) = if voters == parent.voters {
            (parent.set_id, None)
        } else {
            let set_id = parent.set_id + 1;
            let authorities = voters.iter().map(|a| (a.key, a.weight)).collect();
            (set_id, Some(ConsensusLog::FinalitySetChange { set_id, authorities }))
        };
        Some((BlockState { epoch, set_id, voters, disabled }, log))
    }
}

impl BlockState {
    /// The finality voters that finalize the children of the block.
    fn voter_set(&self) -> VoterSet {
        VoterSet::new(self.set_id, self.voters.clone()).expect("valid set")
    }
}

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Honest,
    /// Seals two different headers in each slot it wins, sending each to half the peers.
    EquivocatingAuthor,
    /// Sends each peer half a conflicting prevote.
    DoubleVoter,
}

#[derive(Clone, Debug)]
enum Message {
    Block(Header),
    Request(H256),
    Vote(SignedVote),
    Commit(Justification),
}

#[derive(Debug)]
enum Event {
    Slot(u64),
    Tick(usize),
    Deliver { to: usize, from: usize, message: Message },
}

/// A partition: between `from` and `until` (ms), nodes only reach nodes of their own group.
#[derive(Clone)]
struct Partition {
    from: u64,
    until: u64,
    groups: Vec<u8>,
}

#[derive(Clone)]
struct Config {
    seed: u64,
    validators: usize,
    slots: u64,
    /// One-way latency: `min + uniform(0..jitter)` ms.
    latency_min: u64,
    latency_jitter: u64,
    /// Messages lost, per thousand.
    loss_per_mille: u64,
    partitions: Vec<Partition>,
    /// Nodes that never run.
    offline: BTreeSet<usize>,
    behaviours: BTreeMap<usize, Behaviour>,
    /// Non-validator nodes that run from the start, after the validators.
    followers: usize,
    /// From this epoch on, the authorities are these node indices.
    set_change: Option<(u64, Vec<usize>)>,
    /// The block at this height (on every fork) reports this node: it is disabled for the
    /// rest of the epoch.
    disable: Option<(u32, usize)>,
}

impl Config {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            validators: 4,
            slots: 60,
            latency_min: 10,
            latency_jitter: 90,
            loss_per_mille: 20,
            partitions: Vec::new(),
            offline: BTreeSet::new(),
            behaviours: BTreeMap::new(),
            followers: 0,
            set_change: None,
            disable: None,
        }
    }
}

struct Node {
    index: usize,
    key: Sr25519Pair,
    behaviour: Behaviour,
    headers: BTreeMap<H256, Header>,
    /// The consensus state after each block.
    states: BTreeMap<H256, BlockState>,
    tree: BlockTree,
    voter: Voter,
    detector: EquivocationDetector,
    orphans: BTreeMap<H256, Vec<Header>>,
    commits: Vec<Justification>,
    last_commit: Option<Justification>,
    /// The previous set's last commit (it finalized the hand-over block), re-sent too.
    handover: Option<Justification>,
    /// The finalized height up to which set changes were looked for.
    set_checked: u32,
    block_offences: Vec<BlockEquivocation>,
    vote_offences: Vec<VoteEquivocation>,
    bad_messages: u32,
    /// Blocks whose author was disabled, refused.
    refused_blocks: u32,
    ticks: u64,
}

/// The node's chain, as the voter sees it.
struct View<'a> {
    headers: &'a BTreeMap<H256, Header>,
    tree: &'a BlockTree,
    /// The slot under way.
    slot: Slot,
}

impl<'a> View<'a> {
    fn at(headers: &'a BTreeMap<H256, Header>, tree: &'a BlockTree, now: u64) -> Self {
        Self { headers, tree, slot: now / SLOT_MS }
    }

    fn of(node: &'a Node, now: u64) -> Self {
        Self::at(&node.headers, &node.tree, now)
    }
}

impl ChainView for View<'_> {
    fn header(&self, hash: &H256) -> Option<Header> {
        self.headers.get(hash).cloned()
    }

    /// The best block containing `base`, no further than the next set-change block nor into
    /// the slot under way (the node's rules).
    fn best_containing(&self, base: &H256) -> Option<(H256, u32)> {
        let best = self.tree.best_containing(base)?;
        let best = (best, self.headers.get(&best)?.number);
        let finalized = self.headers.get(&self.tree.finalized())?.number;
        let base_number = self.headers.get(base)?.number;
        let limit = vote_limit(self, finalized, base_number, best);
        Some(settled_target(self, base_number, limit, self.slot))
    }
}

/// What a run leaves behind.
struct Outcome {
    /// Every finalization: (time, node, hash, number).
    finalized: Vec<(u64, usize, H256, u32)>,
    /// Every header any node saw.
    headers: BTreeMap<H256, Header>,
    nodes: Vec<Node>,
    /// A digest of the whole run, to compare runs.
    trace: [u8; 32],
}

impl Outcome {
    fn final_of(&self, node: usize) -> (H256, u32) {
        self.nodes[node].voter.finalized()
    }

    fn best_number(&self, node: usize) -> u32 {
        let best = self.nodes[node].tree.best();
        self.headers[&best].number
    }

    fn is_ancestor(&self, ancestor: (H256, u32), mut block: (H256, u32)) -> bool {
        while block.1 > ancestor.1 {
            let Some(header) = self.headers.get(&block.0) else { return false };
            block = (header.parent_hash, block.1 - 1);
        }
        block == ancestor
    }

    /// Safety: all blocks finalized by anyone, at any time, lie on one chain.
    fn assert_safe(&self) {
        let mut all: Vec<(H256, u32)> = self.finalized.iter().map(|f| (f.2, f.3)).collect();
        all.sort_by_key(|b| b.1);
        all.dedup();
        for pair in all.windows(2) {
            assert!(
                self.is_ancestor(pair[0], pair[1]),
                "conflicting finalized blocks #{} {:?} and #{} {:?}",
                pair[0].1,
                pair[0].0,
                pair[1].1,
                pair[1].0
            );
        }
    }
}

fn run(config: &Config) -> Outcome {
    let mut rng = Rng(config.seed);
    let names = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];
    let pairs: Vec<Sr25519Pair> = names[..config.validators + config.followers]
        .iter()
        .map(|n| lux_keys::dev_session_key(n).expect("dev key"))
        .collect();
    let authority = |p: &Sr25519Pair| Authority { key: Sr25519Public(p.public()), weight: 1 };
    let authorities: Vec<Authority> = pairs[..config.validators].iter().map(authority).collect();
    let change = config
        .set_change
        .as_ref()
        .map(|(epoch, members)| (*epoch, members.iter().map(|i| authority(&pairs[*i])).collect()));
    // The genesis randomness comes from the seed, so seeds differ in who wins which slot.
    let mut randomness = [0u8; 32];
    randomness[..8].copy_from_slice(&config.seed.to_le_bytes());
    let genesis_epoch = EpochState {
        randomness,
        next_randomness: randomness_accumulator(&randomness, 0, blake2_256),
        ..EpochState::default()
    };
    let disable =
        config.disable.map(|(height, node)| (height, Sr25519Public(pairs[node].public())));
    let genesis_state =
        BlockState { epoch: genesis_epoch, set_id: 0, voters: authorities.clone(), disabled: None };
    let rules = Rules { authorities, change, disable };
    let set = genesis_state.voter_set();
    let genesis = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest: Digest::default(),
    };
    let genesis_id = (genesis.hash(), 0);
    let voter_config = VoterConfig { round_duration_ms: ROUND_MS };
    // Slots start at 1 so that genesis (slot 0) precedes them.
    let start = SLOT_MS;
    let mut nodes: Vec<Node> = pairs
        .into_iter()
        .enumerate()
        .map(|(index, pair)| {
            let key = Sr25519Public(pair.public());
            Node {
                index,
                key: pair,
                behaviour: config.behaviours.get(&index).copied().unwrap_or(Behaviour::Honest),
                headers: BTreeMap::from([(genesis_id.0, genesis.clone())]),
                states: BTreeMap::from([(genesis_id.0, genesis_state.clone())]),
                tree: BlockTree::new(genesis_id.0, ChainWeight::default()),
                voter: Voter::new(set.clone(), voter_config, Some(key), genesis_id, start),
                detector: EquivocationDetector::default(),
                orphans: BTreeMap::new(),
                commits: Vec::new(),
                last_commit: None,
                handover: None,
                set_checked: 0,
                block_offences: Vec::new(),
                vote_offences: Vec::new(),
                bad_messages: 0,
                refused_blocks: 0,
                ticks: 0,
            }
        })
        .collect();

    let mut queue: BinaryHeap<Reverse<(u64, u64, usize)>> = BinaryHeap::new();
    let mut events: BTreeMap<usize, Event> = BTreeMap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, events: &mut BTreeMap<usize, Event>, at, e| {
        seq += 1;
        events.insert(seq as usize, e);
        queue.push(Reverse((at, seq, seq as usize)));
    };
    push(&mut queue, &mut events, start, Event::Slot(1));
    for i in 0..nodes.len() {
        push(&mut queue, &mut events, start + i as u64, Event::Tick(i));
    }
    let end = (config.slots + 2) * SLOT_MS + 10 * ROUND_MS;
    let mut finalized = Vec::new();
    let mut all_headers = BTreeMap::from([(genesis_id.0, genesis.clone())]);
    let mut trace = Vec::new();

    while let Some(Reverse((now, _, id))) = queue.pop() {
        if now > end {
            break;
        }
        let Some(event) = events.remove(&id) else { continue };
        // Messages to send: (from, to, message); `to = None` is everyone else.
        let mut outbox: Vec<(usize, Option<usize>, Message)> = Vec::new();
        match event {
            Event::Slot(slot) => {
                if slot < config.slots {
                    push(&mut queue, &mut events, now + SLOT_MS, Event::Slot(slot + 1));
                }
                for node in nodes.iter_mut().filter(|n| !config.offline.contains(&n.index)) {
                    let Some(built) = author(node, &rules, slot) else { continue };
                    for (header, to) in built {
                        trace.extend_from_slice(header.hash().as_bytes());
                        all_headers.insert(header.hash(), header.clone());
                        if to.is_none_or(|to| to == node.index) {
                            import(node, header.clone(), &rules, now, None, &mut outbox);
                        }
                        if to != Some(node.index) {
                            outbox.push((node.index, to, Message::Block(header)));
                        }
                    }
                }
            }
            Event::Tick(i) => {
                push(&mut queue, &mut events, now + TICK_MS, Event::Tick(i));
                if config.offline.contains(&i) {
                    continue;
                }
                let node = &mut nodes[i];
                node.ticks += 1;
                let outputs =
                    node.voter.tick(&View::at(&node.headers, &node.tree, now), &node.key, now);
                handle(node, outputs, now, &mut outbox, &mut finalized);
                // Re-send our votes and the last commits now and then, for peers that lost
                // them.
                if node.ticks.is_multiple_of(ROUND_MS / TICK_MS) {
                    for vote in node.voter.own_votes() {
                        outbox.push((i, None, Message::Vote(vote)));
                    }
                    for commit in [&node.handover, &node.last_commit].into_iter().flatten() {
                        outbox.push((i, None, Message::Commit(commit.clone())));
                    }
                }
            }
            Event::Deliver { to, from, message } => {
                if config.offline.contains(&to) {
                    continue;
                }
                let node = &mut nodes[to];
                match message {
                    Message::Block(header) => {
                        all_headers.insert(header.hash(), header.clone());
                        import(node, header, &rules, now, Some(from), &mut outbox);
                        if !node.commits.is_empty() {
                            apply_commits(node, now, &mut finalized);
                        }
                    }
                    Message::Request(hash) => {
                        if let Some(header) = node.headers.get(&hash) {
                            outbox.push((to, Some(from), Message::Block(header.clone())));
                        }
                    }
                    Message::Vote(vote) => {
                        // Votes for blocks we lack: fetch the block from the voter's relay.
                        if !node.headers.contains_key(&vote.vote.target_hash) {
                            let target = vote.vote.target_hash;
                            outbox.push((to, Some(from), Message::Request(target)));
                        }
                        match node.voter.on_vote(vote, &View::at(&node.headers, &node.tree, now)) {
                            Ok(outputs) => handle(node, outputs, now, &mut outbox, &mut finalized),
                            // A vote of the other set, around a hand-over: no one's fault.
                            Err(FinalityError::WrongSet { .. }) => {}
                            Err(_) => node.bad_messages += 1,
                        }
                    }
                    Message::Commit(justification) => {
                        if !node.headers.contains_key(&justification.target_hash) {
                            let target = justification.target_hash;
                            outbox.push((to, Some(from), Message::Request(target)));
                        }
                        node.commits.push(justification);
                        apply_commits(node, now, &mut finalized);
                    }
                }
            }
        }
        for (from, to, message) in outbox {
            let targets: Vec<usize> = match to {
                Some(to) => vec![to],
                None => (0..nodes.len()).filter(|t| *t != from).collect(),
            };
            for target in targets {
                let lost = rng.below(1_000) < config.loss_per_mille;
                let cut = config
                    .partitions
                    .iter()
                    .any(|p| now >= p.from && now < p.until && p.groups[from] != p.groups[target]);
                if lost || cut {
                    continue;
                }
                let at = now + config.latency_min + rng.below(config.latency_jitter);
                push(
                    &mut queue,
                    &mut events,
                    at,
                    Event::Deliver { to: target, from, message: message.clone() },
                );
            }
        }
    }
    for f in &finalized {
        trace.extend_from_slice(&(f.0, f.1 as u64, f.2, f.3).encode());
    }
    Outcome { finalized, headers: all_headers, nodes, trace: blake2_256(&trace) }
}

/// Builds (and seals) this slot's block(s) if the node may author it; with the addressee of
/// each (`None`: everyone).
fn author(node: &mut Node, rules: &Rules, slot: u64) -> Option<Vec<(Header, Option<usize>)>> {
    let parent = node.tree.best();
    let parent_header = node.headers.get(&parent)?.clone();
    if PreDigest::find(&parent_header).is_some_and(|p| p.slot() >= slot) {
        return None;
    }
    let parent_state = node.states.get(&parent)?;
    let epoch = rules.epoch(&parent_state.epoch, slot);
    let own = Sr25519Public(node.key.public());
    let (claim, key) = epoch.claim_slot(slot, &node.key, |k| *k == own)?;
    let number = parent_header.number + 1;
    let set_change = match rules.next_state(parent_state, number, &claim) {
        Some((_, log)) => log,
        // The runtime refuses to build it (a disabled author): an honest node gives up, a
        // Byzantine one sends it all the same.
        None if node.behaviour == Behaviour::Honest => return None,
        None => None,
    };
    let build = |variant: u8| {
        let mut digest = Digest::default();
        digest.push(claim.to_digest_item());
        if let Some(log) = &set_change {
            // What the runtime deposits in the block that enacts a new set.
            digest.push(log.to_digest_item());
        }
        let header = Header {
            parent_hash: parent,
            number,
            state_root: H256(blake2_256(&(node.index as u32, slot, variant).encode())),
            extrinsics_root: H256::zero(),
            digest,
        };
        seal_header(header, &key, &node.key)
    };
    match node.behaviour {
        Behaviour::EquivocatingAuthor => {
            let (a, b) = (build(0)?, build(1)?);
            // Even peers get one header, odd peers the other.
            let peers = epoch.authorities.len();
            let mut out = Vec::new();
            for peer in (0..peers).filter(|p| *p != node.index) {
                out.push((if peer % 2 == 0 { a.clone() } else { b.clone() }, Some(peer)));
            }
            // `a` is what we build on.
            out.insert(0, (a, Some(node.index)));
            Some(out)
        }
        _ => Some(vec![(build(0)?, None)]),
    }
}

/// Checks and imports a sealed header; asks `from` for a missing parent; reports equivocating
/// authors.
fn import(
    node: &mut Node,
    header: Header,
    rules: &Rules,
    now: u64,
    from: Option<usize>,
    outbox: &mut Vec<(usize, Option<usize>, Message)>,
) {
    let mut queue = vec![header];
    while let Some(header) = queue.pop() {
        let hash = header.hash();
        if node.headers.contains_key(&hash) {
            continue;
        }
        let Some(parent) = node.headers.get(&header.parent_hash) else {
            if let Some(from) = from {
                outbox.push((node.index, Some(from), Message::Request(header.parent_hash)));
            }
            node.orphans.entry(header.parent_hash).or_default().push(header);
            continue;
        };
        let parent_slot = PreDigest::find(parent).map(|p| p.slot());
        let (Some(claim), Some(parent_state)) =
            (PreDigest::find(&header), node.states.get(&header.parent_hash))
        else {
            node.bad_messages += 1;
            continue;
        };
        let epoch = rules.epoch(&parent_state.epoch, claim.slot());
        // One slot of clock drift allowed.
        let checked = match check_header(header.clone(), &epoch, parent_slot, now / SLOT_MS + 1) {
            Ok(checked) => checked,
            Err(_) => {
                node.bad_messages += 1;
                continue;
            }
        };
        // Executing the block: a disabled author's block is refused; the set-change digest
        // is where the runtime puts it, as it puts it, and nowhere else.
        let Some((state, set_change)) =
            rules.next_state(parent_state, header.number, &checked.pre_digest)
        else {
            node.refused_blocks += 1;
            continue;
        };
        let changes: Vec<ConsensusLog> = ConsensusLog::find_all(&header)
            .into_iter()
            .filter(|log| matches!(log, ConsensusLog::FinalitySetChange { .. }))
            .collect();
        if changes != set_change.into_iter().collect::<Vec<_>>() {
            node.bad_messages += 1;
            continue;
        }
        let forget_before = (now / SLOT_MS).saturating_sub(100);
        if let Some(proof) = node.detector.note(&header, &checked.pre_digest, forget_before) {
            assert!(
                proof.verify(&epoch.authorities).is_ok(),
                "a detected equivocation has a valid proof"
            );
            node.block_offences.push(proof);
        }
        // Blocks on forks that finality pruned are dropped.
        if node.tree.insert(hash, header.parent_hash, checked.pre_digest.is_primary()).is_err() {
            continue;
        }
        node.headers.insert(hash, header);
        node.states.insert(hash, state);
        if let Some(children) = node.orphans.remove(&hash) {
            queue.extend(children);
        }
    }
}

/// Acts on the voter's outputs: sends votes (the double voter also sends conflicting ones),
/// records finality and offences.
fn handle(
    node: &mut Node,
    outputs: Vec<VoterOutput>,
    now: u64,
    outbox: &mut Vec<(usize, Option<usize>, Message)>,
    finalized: &mut Vec<(u64, usize, H256, u32)>,
) {
    let set = node.voter.set().clone();
    for output in outputs {
        match output {
            VoterOutput::Vote(vote) => {
                if node.behaviour == Behaviour::DoubleVoter && vote.vote.kind == VoteKind::Prevote {
                    // A conflicting prevote, for the genesis-side ancestor, to odd peers.
                    let other = Vote {
                        kind: VoteKind::Prevote,
                        target_hash: node.tree.finalized(),
                        target_number: node.headers[&node.tree.finalized()].number,
                    };
                    if other != vote.vote {
                        let own = vote.voter;
                        let second = lux_consensus::sign_vote(
                            other,
                            vote.round,
                            vote.set_id,
                            own,
                            &node.key,
                        )
                        .expect("signs");
                        for peer in 0..set.voters().len() {
                            if peer != node.index {
                                let v = if peer % 2 == 0 { vote.clone() } else { second.clone() };
                                outbox.push((node.index, Some(peer), Message::Vote(v)));
                            }
                        }
                        continue;
                    }
                }
                outbox.push((node.index, None, Message::Vote(vote)));
            }
            VoterOutput::Finalized(justification) => {
                justification.verify(&set).expect("our own justification verifies");
                finalize(node, &justification, now, finalized);
                outbox.push((node.index, None, Message::Commit(justification.clone())));
                node.last_commit = Some(justification);
            }
            VoterOutput::Equivocation(proof) => {
                assert!(proof.verify(&set).is_ok(), "a detected double vote has a valid proof");
                node.vote_offences.push(proof);
            }
        }
    }
    follow_set_change(node, now);
}

/// After finalizing: if a block finalized since the last check changed the set, the voter of
/// the new set (that of the last finalized block's state) takes over, as the node's finality
/// task does.
fn follow_set_change(node: &mut Node, now: u64) {
    let target = node.voter.finalized();
    let from = node.set_checked;
    node.set_checked = target.1.max(from);
    if target.1 <= from || !set_changed_between(&View::of(node, now), from, target) {
        return;
    }
    let set = node.states[&target.0].voter_set();
    if set.set_id() == node.voter.set().set_id() {
        return;
    }
    let config = VoterConfig { round_duration_ms: ROUND_MS };
    node.voter = Voter::new(set, config, Some(Sr25519Public(node.key.public())), target, now);
    node.handover = node.last_commit.take();
}

fn finalize(
    node: &mut Node,
    justification: &Justification,
    now: u64,
    finalized: &mut Vec<(u64, usize, H256, u32)>,
) {
    let target = justification.target_hash;
    if node.tree.contains(&target) && node.tree.finalize(target).is_ok() {
        finalized.push((now, node.index, target, justification.target_number));
    }
}

/// Applies peers' commits for blocks we have: finality catch-up.
fn apply_commits(node: &mut Node, now: u64, finalized: &mut Vec<(u64, usize, H256, u32)>) {
    let commits = std::mem::take(&mut node.commits);
    for commit in commits {
        if commit.target_number <= node.voter.finalized().1 {
            continue;
        }
        if !node.headers.contains_key(&commit.target_hash) {
            // Fetch the block; keep the commit for when it arrives (one per target).
            node.commits.retain(|c| c.target_hash != commit.target_hash);
            node.commits.push(commit);
            continue;
        }
        let view = View::at(&node.headers, &node.tree, now);
        match node.voter.on_justification(&commit, &view, now) {
            Ok(true) => {
                finalize(node, &commit, now, finalized);
                node.last_commit = Some(commit);
            }
            Ok(false) => {}
            // Another set's commit, around a hand-over.
            Err(FinalityError::WrongSet { .. }) => {}
            Err(_) => node.bad_messages += 1,
        }
    }
    follow_set_change(node, now);
}

fn assert_live(outcome: &Outcome, nodes: impl Iterator<Item = usize>, min_finalized: u32) {
    for node in nodes {
        let (_, number) = outcome.final_of(node);
        let best = outcome.best_number(node);
        assert!(
            number >= min_finalized,
            "node {node} finalized only #{number} (best #{best}, round {})",
            outcome.nodes[node].voter.round()
        );
    }
}

#[test]
fn four_honest_validators_finalize_under_latency_and_loss() {
    let outcome = run(&Config::new(1));
    outcome.assert_safe();
    // 60 slots at 500 ms; finality trails the head by about a round.
    assert_live(&outcome, 0..4, 50);
    // Everyone agrees on the finalized chain and its hash at the lowest common height.
    let low = (0..4).map(|n| outcome.final_of(n)).min_by_key(|f| f.1).expect("nodes");
    for node in 0..4 {
        assert!(outcome.is_ancestor(low, outcome.final_of(node)));
        assert!(outcome.nodes[node].block_offences.is_empty());
        assert!(outcome.nodes[node].vote_offences.is_empty());
        assert_eq!(outcome.nodes[node].bad_messages, 0);
    }
    // Every block's epoch state on the finalized chain, recomputed from its headers alone:
    // epochs of EPOCH_SLOTS slots from block 1's slot, each next randomness the previous
    // epoch's first-half primary VRF outputs hashed into an accumulator.
    let node = &outcome.nodes[0];
    let mut chain = Vec::new();
    let mut block = node.voter.finalized().0;
    while let Some(header) = node.headers.get(&block).filter(|h| h.number > 0) {
        chain.push((block, header));
        block = header.parent_hash;
    }
    let genesis_state = &node.states[&block].epoch;
    let (mut index, mut randomness) = (0, genesis_state.randomness);
    let mut accumulator = genesis_state.next_randomness;
    let (mut genesis_slot, mut primaries) = (None, 0);
    for (hash, header) in chain.into_iter().rev() {
        let claim = PreDigest::find(header).expect("claim");
        let genesis = *genesis_slot.get_or_insert(claim.slot());
        let block_epoch = (claim.slot() - genesis) / EPOCH_SLOTS;
        if block_epoch > index {
            (index, randomness) = (block_epoch, accumulator);
            accumulator = randomness_accumulator(&randomness, index, blake2_256);
        }
        // Only the primaries of an epoch's first half feed the next epoch's randomness.
        let in_window = claim.slot() - (genesis + index * EPOCH_SLOTS) < EPOCH_SLOTS.div_ceil(2);
        if let (PreDigest::Primary { vrf_output, .. }, true) = (claim, in_window) {
            accumulator = accumulate_randomness(&accumulator, &vrf_output, blake2_256);
            primaries += 1;
        }
        let state = &node.states[&hash].epoch;
        assert_eq!((state.index, state.randomness), (index, randomness));
        assert_eq!(state.next_randomness, accumulator);
    }
    assert!(index >= 4, "the finalized chain reached epoch {index}");
    assert!(primaries > 0);
    // Blocks are final within 2 s of being authored (slot start): the worst lag seen.
    let mut worst = 0;
    for (time, _, hash, _) in &outcome.finalized {
        let slot = PreDigest::find(&outcome.headers[hash]).expect("claim").slot();
        worst = worst.max(time - slot * SLOT_MS);
    }
    eprintln!("simulated worst finality lag: {worst} ms after the slot start");
    assert!(worst <= 2_000, "finality lag {worst} ms");
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let a = run(&Config::new(7));
    let b = run(&Config::new(7));
    assert_eq!(a.trace, b.trace);
    assert_eq!(a.finalized, b.finalized);
    let c = run(&Config::new(8));
    assert_ne!(a.trace, c.trace, "another seed, another run");
}

#[test]
fn one_of_four_stopped_still_finalizes() {
    let mut config = Config::new(2);
    config.offline.insert(3);
    let outcome = run(&config);
    outcome.assert_safe();
    // Dave's secondary slots stay empty: about 45 blocks in 60 slots, nearly all final.
    assert_live(&outcome, 0..3, 35);
    for node in 0..3 {
        assert!(outcome.final_of(node).1 + 3 >= outcome.best_number(node));
    }
}

#[test]
fn a_two_two_split_never_finalizes_conflicts_and_heals() {
    let mut config = Config::new(3);
    config.slots = 80;
    let (split, heal) = (10 * SLOT_MS, 40 * SLOT_MS);
    config.partitions.push(Partition { from: split, until: heal, groups: vec![0, 0, 1, 1] });
    let outcome = run(&config);
    outcome.assert_safe();
    // Nothing authored during the split is finalized during the split.
    for (time, node, hash, number) in &outcome.finalized {
        if *time >= split + 2 * ROUND_MS && *time < heal {
            let slot = PreDigest::find(&outcome.headers[hash]).expect("claim").slot();
            assert!(slot * SLOT_MS < split, "node {node} finalized #{number} during the split");
        }
    }
    // Both halves forked during the split...
    let forked = outcome.headers.values().filter(|h| {
        PreDigest::find(h)
            .is_some_and(|p| (split / SLOT_MS + 2..heal / SLOT_MS).contains(&p.slot()))
    });
    let numbers: Vec<u32> = forked.map(|h| h.number).collect();
    let distinct: BTreeSet<u32> = numbers.iter().copied().collect();
    assert!(numbers.len() > distinct.len(), "the halves built competing blocks");
    // ...and after healing converge and finalize well past the split.
    assert_live(&outcome, 0..4, 60);
    let low = (0..4).map(|n| outcome.final_of(n)).min_by_key(|f| f.1).expect("nodes");
    assert!((0..4).all(|n| outcome.is_ancestor(low, outcome.final_of(n))));
}

#[test]
fn an_equivocating_author_is_caught_with_a_proof() {
    let mut config = Config::new(4);
    config.behaviours.insert(0, Behaviour::EquivocatingAuthor);
    let outcome = run(&config);
    outcome.assert_safe();
    assert_live(&outcome, 0..4, 40);
    let caught: usize = (1..4).map(|n| outcome.nodes[n].block_offences.len()).sum();
    assert!(caught > 0, "nobody caught the equivocating author");
    for node in 1..4 {
        for proof in &outcome.nodes[node].block_offences {
            let claim = PreDigest::find(&proof.first).expect("claim");
            assert_eq!(claim.authority_index(), 0, "only alice equivocates");
        }
    }
}

#[test]
fn a_double_voter_is_caught_and_finality_stays_safe() {
    let mut config = Config::new(5);
    config.behaviours.insert(1, Behaviour::DoubleVoter);
    let outcome = run(&config);
    outcome.assert_safe();
    assert_live(&outcome, [0, 2, 3].into_iter(), 40);
    let bob = Sr25519Public(outcome.nodes[1].key.public());
    let mut caught = 0;
    for node in [0, 2, 3] {
        for proof in &outcome.nodes[node].vote_offences {
            assert_eq!(proof.first.voter, bob, "only bob double-votes");
            caught += 1;
        }
    }
    assert!(caught > 0, "nobody caught the double voter");
}

#[test]
fn many_seeds_with_loss_and_a_random_split_stay_safe_and_recover() {
    for seed in 100..112 {
        let mut config = Config::new(seed);
        config.slots = 70;
        config.loss_per_mille = 50;
        let mut rng = Rng(seed);
        let split = (5 + rng.below(20)) * SLOT_MS;
        let heal = split + (5 + rng.below(20)) * SLOT_MS;
        let mut groups = vec![0u8; 4];
        for g in groups.iter_mut() {
            *g = rng.below(2) as u8;
        }
        config.partitions.push(Partition { from: split, until: heal, groups });
        let outcome = run(&config);
        outcome.assert_safe();
        // After the split heals (by slot 50 at the latest), finality catches up.
        assert_live(&outcome, 0..4, 50);
    }
}

#[test]
fn a_validator_leaves_another_joins_and_finality_hands_over_safely() {
    // Alice, Bob, Charlie and Dave validate; Eve follows. From epoch 3 the set is Alice, Bob,
    // Charlie and Eve (Dave chilled, Eve elected).
    for seed in [11, 12, 13] {
        let mut config = Config::new(seed);
        config.followers = 1;
        config.slots = 80;
        config.set_change = Some((3, vec![0, 1, 2, 4]));
        check_handover(&run(&config));
    }
}

fn check_handover(outcome: &Outcome) {
    outcome.assert_safe();
    assert_live(outcome, 0..5, 55);
    let eve = Sr25519Public(outcome.nodes[4].key.public());
    for node in &outcome.nodes {
        assert_eq!(node.bad_messages, 0, "node {}", node.index);
        assert_eq!(node.voter.set().set_id(), 1, "node {} switched sets", node.index);
        // The old set finalized the hand-over block itself.
        let handover = node.handover.as_ref().expect("the hand-over commit");
        assert_eq!(handover.set_id, 0);
        assert!(changes_finality_set(&outcome.headers[&handover.target_hash]));
        // The new set finalizes from there, with Eve's precommits.
        let last = node.last_commit.as_ref().expect("a commit of the new set");
        assert_eq!(last.set_id, 1);
        assert!(last.target_number > handover.target_number);
    }
    let eve_voted = outcome
        .nodes
        .iter()
        .filter_map(|n| n.last_commit.as_ref())
        .any(|c| c.precommits.iter().any(|p| p.voter == eve));
    assert!(eve_voted, "Eve's precommits finalize blocks of the new set");
}

#[test]
fn an_offender_disabled_within_an_epoch_is_voted_out_until_the_next_and_finality_stays_safe() {
    // Bob double-votes; the block at height 14 reports him, which disables him for the rest of
    // its epoch: a set without him (set 1) votes from that block on, and the next epoch's
    // first block brings him back (set 2). He keeps authoring while disabled; everyone
    // refuses those blocks.
    let bob = 1;
    let mut refused = 0;
    for seed in [21, 22, 23] {
        let mut config = Config::new(seed);
        config.slots = 70;
        config.behaviours.insert(bob, Behaviour::DoubleVoter);
        config.disable = Some((14, bob));
        let outcome = run(&config);
        outcome.assert_safe();
        assert_live(&outcome, [0, 2, 3].into_iter(), 45);
        let bob_key = Sr25519Public(outcome.nodes[bob].key.public());
        for node in [0, 2, 3].map(|n| &outcome.nodes[n]) {
            assert_eq!(node.bad_messages, 0, "node {}", node.index);
            refused += node.refused_blocks;
            assert_eq!(node.voter.set().set_id(), 2, "node {} followed both changes", node.index);
            // Set 1 (without Bob) finalized the block that brought him back, with no vote of
            // his; set 2 finalizes from there.
            let handover = node.handover.as_ref().expect("set 1's last commit");
            assert_eq!(handover.set_id, 1);
            assert!(handover.precommits.iter().all(|p| p.voter != bob_key), "Bob's vote counted");
            assert!(changes_finality_set(&outcome.headers[&handover.target_hash]));
            let last = node.last_commit.as_ref().expect("a commit of set 2");
            assert_eq!(last.set_id, 2);
            assert!(last.target_number > handover.target_number);
            // On the finalized chain: the disabling block starts set 1, and no block between
            // it and the next epoch is Bob's.
            let mut block = node.voter.finalized().0;
            let mut chain = Vec::new();
            while let Some(header) = node.headers.get(&block).filter(|h| h.number > 0) {
                chain.push(header);
                block = header.parent_hash;
            }
            let report = chain.iter().find(|h| h.number == 14).expect("the report's block");
            assert_eq!(node.states[&report.hash()].set_id, 1);
            let epoch_of = |h: &Header| node.states[&h.hash()].epoch.index;
            let disabled_epoch = epoch_of(report);
            for header in chain.iter().filter(|h| h.number > 14 && epoch_of(h) == disabled_epoch) {
                let claim = PreDigest::find(header).expect("claim");
                assert_ne!(claim.authority_index(), bob as u32, "#{} is Bob's", header.number);
            }
        }
    }
    assert!(refused > 0, "Bob never authored while disabled: the refusal went untested");
}
