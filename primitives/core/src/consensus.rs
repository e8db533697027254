//! Consensus data carried in headers: the author's slot claim (pre-runtime digest) and seal.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::header::{ConsensusEngineId, DigestItem, Header};
use crate::Sr25519Public;

/// LuxTensor's consensus engine identifier in digest items.
pub const ENGINE_ID: ConsensusEngineId = *b"LUXT";

/// A slot number: `timestamp / slot_duration`.
pub type Slot = u64;

/// The author's claim to a slot, put in the header as a pre-runtime digest before the block is
/// built: a primary claim won by the author's VRF, or the slot's deterministic secondary
/// author. The variant indices are BABE's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum PreDigest {
    /// The author's VRF output on (epoch randomness, slot, epoch) is below its stake-weighted
    /// threshold.
    #[codec(index = 1)]
    Primary {
        /// Index of the author in the authority set.
        authority_index: u32,
        /// The slot.
        slot: Slot,
        /// The VRF pre-output.
        vrf_output: [u8; 32],
        /// The VRF proof.
        vrf_proof: [u8; 64],
    },
    /// The deterministic (round-robin) author of the slot.
    #[codec(index = 2)]
    Secondary {
        /// Index of the author in the authority set.
        authority_index: u32,
        /// The slot.
        slot: Slot,
    },
}

impl PreDigest {
    /// The claimed slot.
    pub fn slot(&self) -> Slot {
        match self {
            Self::Primary { slot, .. } | Self::Secondary { slot, .. } => *slot,
        }
    }

    /// The claiming authority's index.
    pub fn authority_index(&self) -> u32 {
        match self {
            Self::Primary { authority_index, .. } | Self::Secondary { authority_index, .. } => {
                *authority_index
            }
        }
    }

    /// Whether this is a primary (VRF) claim; primary blocks weigh more in fork choice.
    pub fn is_primary(&self) -> bool {
        matches!(self, Self::Primary { .. })
    }

    /// As a header digest item.
    pub fn to_digest_item(&self) -> DigestItem {
        DigestItem::PreRuntime(ENGINE_ID, self.encode())
    }

    /// Finds and decodes the pre-digest in `header`. Exactly one is allowed.
    pub fn find(header: &Header) -> Option<Self> {
        find_pre_digest(&header.digest)
    }
}

/// Finds and decodes the pre-digest among a digest's items (the runtime sees the digest of the
/// block it executes, not the header). Exactly one is allowed.
pub fn find_pre_digest(digest: &crate::Digest) -> Option<PreDigest> {
    let mut found = None;
    for item in &digest.logs {
        if let Some(mut data) = item.as_pre_runtime(ENGINE_ID) {
            if found.is_some() {
                return None;
            }
            found = Some(PreDigest::decode(&mut data).ok()?);
        }
    }
    found
}

/// A validator-set announcement the runtime puts in a header as a consensus digest
/// ([`ENGINE_ID`]), so that a node, even one syncing from genesis or following headers only,
/// learns each set from the chain itself.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ConsensusLog {
    /// In the first block of a session: the authorities (session keys and stake weights) of
    /// the *next* session, which claim slots from the next epoch on.
    #[codec(index = 1)]
    NextAuthorities(Vec<(Sr25519Public, u64)>),
    /// The finality voter set changes in this block: blocks after it are finalized by
    /// `authorities` under `set_id`; this block itself is finalized by the previous set.
    #[codec(index = 2)]
    FinalitySetChange {
        /// The new set's id (the previous set's plus one).
        set_id: u64,
        /// The new voters and their stake weights.
        authorities: Vec<(Sr25519Public, u64)>,
    },
}

impl ConsensusLog {
    /// The digest item carrying this log.
    pub fn to_digest_item(&self) -> DigestItem {
        DigestItem::Consensus(ENGINE_ID, self.encode())
    }

    /// The logs of a header's consensus digests (undecodable ones are skipped).
    pub fn find_all(header: &Header) -> Vec<Self> {
        header
            .digest
            .logs
            .iter()
            .filter_map(|item| match item {
                DigestItem::Consensus(id, data) if *id == ENGINE_ID => {
                    Self::decode(&mut &data[..]).ok()
                }
                _ => None,
            })
            .collect()
    }
}

/// A finality voting round.
pub type Round = u64;
/// A finality voter-set id: increases at each validator-set change.
pub type SetId = u64;

/// The two phases of a finality round.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
)]
pub enum VoteKind {
    /// First phase.
    Prevote,
    /// Second phase.
    Precommit,
}

/// A finality vote for a block (and so for its ancestors).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode, DecodeWithMemTracking, TypeInfo,
)]
pub struct Vote {
    /// The phase.
    pub kind: VoteKind,
    /// The block's hash.
    pub target_hash: crate::H256,
    /// The block's number.
    pub target_number: u32,
}

/// A finality vote signed by a validator's session key for one round of one voter set.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// The round.
    pub round: Round,
    /// The voter set.
    pub set_id: SetId,
    /// The voter's session key.
    pub voter: Sr25519Public,
    /// sr25519 signature over [`vote_payload`].
    pub signature: crate::Sr25519Signature,
}

/// What a validator signs for a finality vote.
pub fn vote_payload(vote: &Vote, round: Round, set_id: SetId) -> Vec<u8> {
    (b"LUXFINAL", vote, round, set_id).encode()
}

impl SignedVote {
    /// Whether the signature is the voter's, with `verify(signature, message, public)` (the
    /// host's sr25519 check in the runtime, the native one in the node).
    pub fn verify_with(&self, verify: impl Fn(&[u8; 64], &[u8], &[u8; 32]) -> bool) -> bool {
        verify(&self.signature.0, &vote_payload(&self.vote, self.round, self.set_id), &self.voter.0)
    }
}

/// Proof that a validator signed two conflicting messages: the offence that the session
/// pallet's `report_equivocation` takes (the node reports every one it sees).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum EquivocationProof {
    /// Two different headers sealed by one authority for one slot.
    #[codec(index = 0)]
    Slot {
        /// One sealed header.
        first: Header,
        /// The other.
        second: Header,
    },
    /// Two different votes of one kind signed by one voter in one round of one set.
    #[codec(index = 1)]
    Vote {
        /// One signed vote.
        first: SignedVote,
        /// The other.
        second: SignedVote,
    },
}

/// Why a header cannot be taken apart into its seal and the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsealError {
    /// It does not end with exactly one seal.
    MissingSeal,
    /// The seal is not a LuxTensor sr25519 signature.
    MalformedSeal,
    /// It holds no slot claim.
    MissingPreDigest,
}

/// A sealed header taken apart (the node's import checks and the runtime's equivocation
/// checks both use it): the header without its seal and the hash its author signed, the seal
/// and its signature, and the slot claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsealedHeader {
    /// The header's hash, seal included.
    pub hash: crate::H256,
    /// The header without its seal: what the runtime executes.
    pub pre_header: Header,
    /// The hash the author signed: the header's without its seal.
    pub pre_hash: crate::H256,
    /// The seal that was removed.
    pub seal: DigestItem,
    /// The seal's sr25519 signature.
    pub signature: [u8; 64],
    /// The slot claim.
    pub pre_digest: PreDigest,
}

impl UnsealedHeader {
    /// Takes `header` apart: it must end with exactly one LuxTensor seal and hold a slot
    /// claim. `blake2_256` hashes (the host's in the runtime).
    pub fn new(
        mut header: Header,
        blake2_256: impl Fn(&[u8]) -> [u8; 32],
    ) -> Result<Self, UnsealError> {
        let hash = crate::H256(blake2_256(&header.encode()));
        let seal = header.take_seal().ok_or(UnsealError::MissingSeal)?;
        if header.digest.logs.iter().any(|item| matches!(item, DigestItem::Seal(..))) {
            return Err(UnsealError::MissingSeal);
        }
        let signature = seal
            .as_seal(ENGINE_ID)
            .and_then(|mut data| <[u8; 64]>::decode(&mut data).ok())
            .ok_or(UnsealError::MalformedSeal)?;
        let pre_digest = PreDigest::find(&header).ok_or(UnsealError::MissingPreDigest)?;
        let pre_hash = crate::H256(blake2_256(&header.encode()));
        Ok(Self { hash, pre_header: header, pre_hash, seal, signature, pre_digest })
    }
}

/// The finality voter set of a state (`LuxConsensusApi_finality_set`): the voters that
/// finalize the children of the block whose state it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct FinalitySet {
    /// The set's id: 0 at genesis, plus one at each change.
    pub set_id: u64,
    /// The voters' session keys and stake weights.
    pub authorities: Vec<(Sr25519Public, u64)>,
}

/// What a session key signs to prove that `owner` holds it (the session pallet's `set_keys`
/// proof, which the node's `author_rotateKeysWithOwner` produces): this prefix followed by
/// the owner's 20 account bytes.
pub const OWNERSHIP_PROOF_PREFIX: &[u8] = b"LuxTensorSessionKeys";

/// The message a session key signs for `owner`'s `set_keys` proof.
pub fn ownership_payload(owner: &crate::AccountId20) -> Vec<u8> {
    let mut message = OWNERSHIP_PROOF_PREFIX.to_vec();
    message.extend_from_slice(&owner.0);
    message
}

/// The key type of LuxTensor session keys (four bytes, as Substrate's `KeyTypeId`): in the
/// session pallet's `KeyOwner` and the node's `author_hasKey` / `author_insertKey`.
pub const SESSION_KEY_TYPE: [u8; 4] = *b"luxs";

/// An epoch as the runtime describes it to the node (`LuxConsensusApi_epoch`): everything
/// needed to claim and check the slots in it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct EpochDescriptor {
    /// Epoch index; the epoch of the first block is 0.
    pub index: u64,
    /// The epoch's first slot.
    pub start_slot: Slot,
    /// Slots per epoch.
    pub length: u64,
    /// The randomness VRFs are evaluated on in this epoch.
    pub randomness: [u8; 32],
    /// The authorities' session keys and stake weights, in authority-index order.
    pub authorities: Vec<(Sr25519Public, u64)>,
    /// Probability `(numerator, denominator)` that a slot has a primary author.
    pub primary_probability: (u64, u64),
}

/// Epoch randomness. The randomness of epoch `n + 1` is an accumulator over epoch `n`: it
/// starts as `hash("LuxTensorRandomness" ++ randomness_n ++ n)` and absorbs the VRF output of
/// every primary block of epoch `n` in chain order. If whole epochs pass without blocks, the
/// next one with a block uses the accumulator of the last epoch that had blocks.
///
/// `hash` is blake2-256 (the runtime passes its host function, the node its own).
pub fn randomness_accumulator(
    randomness: &[u8; 32],
    epoch_index: u64,
    hash: impl Fn(&[u8]) -> [u8; 32],
) -> [u8; 32] {
    let mut data = Vec::with_capacity(RANDOMNESS_CONTEXT.len() + 40);
    data.extend_from_slice(RANDOMNESS_CONTEXT);
    data.extend_from_slice(randomness);
    data.extend_from_slice(&epoch_index.to_le_bytes());
    hash(&data)
}

/// Absorbs a primary block's VRF output into the epoch's randomness accumulator.
pub fn accumulate_randomness(
    accumulator: &[u8; 32],
    vrf_output: &[u8; 32],
    hash: impl Fn(&[u8]) -> [u8; 32],
) -> [u8; 32] {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(accumulator);
    data[32..].copy_from_slice(vrf_output);
    hash(&data)
}

/// A chain's epoch bookkeeping as of one block: what the session pallet stores and what the
/// seeded consensus simulation keeps per block, so both run this same code.
///
/// Epoch 0 starts at the slot of the first block; epoch `n` covers the `length` slots from
/// `genesis_slot + n * length`. A block whose slot lies in a later epoch than its parent's
/// starts that epoch: its randomness becomes the accumulator of the parent's epoch. The
/// accumulator takes the VRF outputs of the primary blocks in the first half of its epoch only
/// ([`randomness_window`]): when the next epoch starts, those blocks are half an epoch old and
/// final, so validators on two forks of the epoch's last slots (common under load) still agree
/// on the next epoch's randomness, and so on its secondary authors. The default is the state
/// at genesis: epoch 0, randomness and accumulator zero (as BABE, the
/// first epoch's slots are known to everyone in advance).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct EpochState {
    /// The slot of the first block with a slot claim (`None` before it).
    pub genesis_slot: Option<Slot>,
    /// The slot of this block.
    pub current_slot: Slot,
    /// The current epoch's index.
    pub index: u64,
    /// The current epoch's first slot.
    pub start_slot: Slot,
    /// The current epoch's randomness.
    pub randomness: [u8; 32],
    /// The randomness accumulator of the current epoch: the next epoch's randomness so far.
    pub next_randomness: [u8; 32],
}

impl EpochState {
    /// The index, first slot and randomness of the epoch of a block in `slot` built on this
    /// state (before block 1, `slot` starts epoch 0). Slots before the current epoch get the
    /// current epoch, which does not contain them, so claims to them fail.
    pub fn epoch_of(&self, slot: Slot, length: u64) -> (u64, Slot, [u8; 32]) {
        let Some(genesis) = self.genesis_slot else { return (0, slot, self.randomness) };
        let length = length.max(1);
        let index = slot.saturating_sub(genesis) / length;
        if index > self.index {
            let start = genesis.saturating_add(index.saturating_mul(length));
            (index, start, self.next_randomness)
        } else {
            (self.index, self.start_slot, self.randomness)
        }
    }

    /// Moves to the block whose claim is `pre_digest`: records its slot, changes the epoch if
    /// the slot is in a later one, and absorbs a primary block's VRF output. A slot that does
    /// not increase on the previous block's is refused (with that slot) and changes nothing.
    pub fn enter(
        &mut self,
        pre_digest: &PreDigest,
        length: u64,
        hash: impl Fn(&[u8]) -> [u8; 32],
    ) -> Result<(), Slot> {
        let slot = pre_digest.slot();
        if self.genesis_slot.is_some() && slot <= self.current_slot {
            return Err(self.current_slot);
        }
        let (index, start_slot, randomness) = self.epoch_of(slot, length);
        self.current_slot = slot;
        self.genesis_slot.get_or_insert(slot);
        self.start_slot = start_slot;
        if index > self.index {
            self.index = index;
            self.randomness = randomness;
            self.next_randomness = randomness_accumulator(&randomness, index, &hash);
        }
        let in_window = slot.saturating_sub(start_slot) < randomness_window(length);
        if let (PreDigest::Primary { vrf_output, .. }, true) = (pre_digest, in_window) {
            self.next_randomness = accumulate_randomness(&self.next_randomness, vrf_output, &hash);
        }
        Ok(())
    }
}

/// How many slots at the start of an epoch of `length` slots feed the next epoch's randomness:
/// the first half (rounded up).
pub fn randomness_window(length: u64) -> u64 {
    length.max(1).div_ceil(2)
}

/// Domain separator of epoch randomness.
const RANDOMNESS_CONTEXT: &[u8] = b"LuxTensorRandomness";
